"""``jointcheck demo``: the whole path on the example campaign, end to end.

Validate the installed plugins and the example campaign (鹤双随机办〔2020〕19号), show the
plugins and the merged joint checklist, write synthetic target and officer libraries, import
them into the embedded store, commit to a seed and run the draw, show the drawn teams, and
classify a sample finding for the first drawn enterprise; in a terminal, open the
inspectors' app on the first drawn task (otherwise print the command that would); then,
unless the record was submitted in the app, submit the sample finding as that task's record,
write the referral letters of the campaign and print its status (as of the days after the
joint inspection of July 2020: the demo replays it); finally settle the results and
write the reports 附件1–4 and the publication folder.
"""

from __future__ import annotations

import shlex
import sys
from datetime import date
from pathlib import Path

import click

from jointcheck.examples import example_path

from ..classify import classify, item_applies
from ..draw.service import DrawError, commit, display_rows, list_draws, run_draw
from ..i18n import translator
from ..libraries.importer import import_file
from ..libraries.messages import LibraryError
from ..libraries.queries import find_row
from ..libraries.sample import write_sample
from ..present.checklist import checklist_table
from ..present.draw import team_table
from ..present.plugins import plugin_lines
from ..present.results import result_lines
from ..records.results import settle
from ..records.service import (
    SUBMITTED,
    RecordError,
    answers_from_file,
    get_task,
    list_tasks,
    submit,
    task_id_for,
)
from ..reports import default_name, write_report
from ..reports.publish import publish
from ..store import StoreError, open_store, resolve_url, safe_url, upgrade
from ..validate import validate_all
from ._common import EXIT_INVALID, cannot_write, command, db_url, echo_problems

_ = translator({
    "step": ("== {n}. {title} ==", "== {n}. {title} =="),
    "s_validate": ("校验插件与示例实施方案", "Validate plugins and the example campaign"),
    "s_plugins": ("已安装的部门插件", "Installed department plugins"),
    "s_checklist": ("联合检查记录表（合并后的检查事项）", "The merged joint checklist"),
    "s_libraries": ("名录库：生成样例数据并导入", "Libraries: write sample data and import it"),
    "s_draw": ("双随机抽取：先公布承诺，再抽取", "The draw: publish the commitment, then draw"),
    "s_classify": ("分类：第一户企业的样例检查结果", "Classify a sample finding for the first enterprise"),
    "valid": ("校验通过：{departments} 个部门，{items} 个检查事项", "valid: {departments} departments, {items} items"),
    "store": ("数据库：{url}", "store: {url}"),
    "written": ("已生成：{targets}、{officers}", "written: {targets}, {officers}"),
    "imported": ("{label}：新增 {added}，更新 {updated}，未变 {unchanged}",
                 "{label}: {added} added, {updated} updated, {unchanged} unchanged"),
    "targets": ("检查对象名录库", "targets"),
    "officers": ("执法检查人员名录库", "officers"),
    "commitment": ("承诺（SHA-256，抽取前公布）：{value}", "commitment (SHA-256, publish before the draw): {value}"),
    "already_drawn": ("该实施方案已在此数据库中抽取（抽取记录 #{id}），不再重复抽取；下面沿用这次抽取",
                      "the campaign was drawn in this store already (draw #{id}); it is not "
                      "drawn again, the steps below use that draw"),
    "seed": ("种子（抽取后公布）：{seed}", "seed (publish after the draw): {seed}"),
    "drawn": ("抽取记录 #{id}：抽中 {n} 户", "draw #{id}: {n} enterprises drawn"),
    "verify": ("复核：jointcheck draw verify {id}", "replay it: jointcheck draw verify {id}"),
    "finding": ("样例检查结果：{name}（{code}），使用特种设备：{special}",
                "sample finding: {name} ({code}), uses special equipment: {special}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "nothing": ("没有抽中任何企业，跳过分类", "nothing was drawn; classification skipped"),
    "s_reports": ("汇总、公示与报表：提交记录、确认结果、公示网页、附件1–4",
                  "Results, publication and reports: submit, settle, the public page, 附件1–4"),
    "settled": ("已确认 {n} 户企业的结果", "{n} enterprise(s) settled"),
    "reports": ("报表（附件1–4）：", "The reports (附件1–4):"),
    "published": ("已公示 {n} 户企业（用浏览器打开 index.html）：", "Published {n} enterprise(s) "
                  "(open index.html in a browser):"),
    "s_app": ("检查界面：打开第一个抽取任务", "The inspectors' app on the first drawn task"),
    "open_app": ("在终端中运行以下命令，打开检查界面：\n  {command}",
                 "Run this in a terminal to open the inspectors' app:\n  {command}"),
    "s_referrals": ("问题线索移交与实施方案进度", "Referrals and the campaign's status"),
    "submitted": ("已将样例检查结果提交为任务 {task} 的检查记录", "submitted the sample finding as task {task}'s record"),
})

# the demo replays the campaign of July 2020: letters dated, and status judged, as then
DEMO_LETTER_DATE = "2020-08-03"
DEMO_AS_OF = "2020-08-12"


def _step(n: int, key: str) -> None:
    click.echo("")
    click.echo(_("step", n=n, title=_(key)))


@click.command(help="演示：在示例实施方案上走完整个流程（校验、合并、名录库、抽取、分类）。\n\n"
                    "Demo: the whole path on the example campaign.")
@click.option("--dir", "outdir", default="demo-output", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="样例名录库的输出目录 / where the sample libraries are written")
@click.option("--targets", default=2000, show_default=True, type=click.IntRange(1))
@click.option("--officers", default=80, show_default=True, type=click.IntRange(4))
@click.option("--seed", default=None, help="抽取种子（默认随机生成）/ draw seed (default: fresh)")
@click.pass_context
def demo(ctx: click.Context, outdir: Path, targets: int, officers: int, seed: str | None) -> None:
    _step(1, "s_validate")
    # one load serves every step: the plugins, the merged checklist and the draw's campaign
    config, checklists = validate_all([example_path()])
    echo_problems(config.problems, err=False)
    if config.errors or not checklists:
        sys.exit(EXIT_INVALID)
    merged = checklists[0]
    campaign = merged.campaign
    assert campaign is not None and config.host is not None  # the example, with plugins
    click.echo(_("valid", departments=len(config.departments),
                 items=sum(len(d.items) for d in config.departments.values())))

    _step(2, "s_plugins")
    click.echo("\n".join(plugin_lines(sorted(config.host.infos.values(), key=lambda i: i.name))))

    _step(3, "s_checklist")
    click.echo(checklist_table(merged))

    _step(4, "s_libraries")
    url = resolve_url(db_url(ctx))
    click.echo(_("store", url=safe_url(url)))
    try:
        upgrade(url)
        engine = open_store(url)
    except StoreError as exc:
        echo_problems([exc.problem])
        sys.exit(EXIT_INVALID)
    try:
        targets_path, officers_path = write_sample(outdir, targets=targets, officers=officers,
                                                   seed=2020)
    except OSError as exc:
        cannot_write(exc, str(outdir))
    click.echo(_("written", targets=targets_path, officers=officers_path))
    for kind, path in (("targets", targets_path), ("officers", officers_path)):
        try:
            report = import_file(engine, kind, path)
        except LibraryError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_INVALID)
        click.echo(_("imported", label=_(kind), added=report.added, updated=report.updated,
                     unchanged=report.unchanged))

    _step(5, "s_draw")

    earlier = list_draws(engine, campaign.id)
    if earlier:  # a campaign draws once: show its draw again rather than drawing anew
        record = earlier[0]
        click.echo(_("already_drawn", id=record.id))
    else:
        try:
            # the demo's own store and campaign: a short --seed is accepted there
            committed = commit(engine, campaign, seed, weak_seed=True)
            click.echo(_("commitment", value=committed.commitment))
            draw_seed = seed or committed.seed
            assert draw_seed is not None  # commit made one when none was given
            record = run_draw(engine, campaign, draw_seed, checklist=merged)
        except DrawError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_INVALID)
    click.echo(_("seed", seed=record.seed))
    click.echo(_("drawn", id=record.id, n=len(record.result["targets"])))
    names = {d.code: d.name for d in merged.departments}
    for line in team_table(display_rows(engine, record, names)):
        click.echo(line)
    click.echo(_("verify", id=record.id))

    _step(6, "s_classify")
    if not record.result["targets"]:
        click.echo(_("nothing"))
        return
    finding, target = _sample_finding(engine, merged, record, config.host)
    click.echo(_("finding", name=target["name"], code=target["credit_code"],
                 special=_("yes") if finding["target"]["uses_special_equipment"] else _("no")))
    result = classify(finding, merged, config.host)
    click.echo("\n".join(result_lines(result, merged)))

    _step(7, "s_app")

    task = task_id_for(record.id, record.result["targets"][0]["seq"])
    if sys.stdin.isatty() and sys.stdout.isatty():
        ctx.invoke(command(ctx, "inspect"), task=task)
    else:
        line = f"jointcheck --db {shlex.quote(safe_url(url))} inspect {task}"
        click.echo(_("open_app", command=line))

    _step(8, "s_referrals")
    _referrals_and_status(ctx, engine, merged, config.host, task, finding, outdir)

    _step(9, "s_reports")
    _reports(engine, merged, task, finding, config.host, outdir)


def _referrals_and_status(ctx, engine, checklist, host, task, finding, outdir: Path) -> None:
    """Submit the sample finding (unless the app did), write the letters, print the status."""
    (found,) = list_tasks(engine, task_ids=[task])
    if found.version == 0:
        answers = answers_from_file(dict(finding, inspected_on="2020-07-15"), checklist)
        answers.pop("field:target", None)
        try:
            submit(engine, task, host=host, campaign=checklist, answers=answers)
        except RecordError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_INVALID)
        click.echo(_("submitted", task=task))
    campaign = str(example_path())
    for fmt in ("docx", "md"):
        ctx.invoke(command(ctx, "referrals", "letter"), campaign=campaign, department=None, fmt=fmt, output=outdir / "letters",
                   on=date.fromisoformat(DEMO_LETTER_DATE), holidays=())
    click.echo("")
    ctx.invoke(command(ctx, "status"), campaign=campaign, within=7, as_of=date.fromisoformat(DEMO_AS_OF),
               holidays=(), fmt="text")


def _reports(engine, checklist, task: str, finding: dict, host, outdir: Path) -> None:
    """Submit the sample finding as the first task's record (unless the app submitted one),
    settle the campaign's results, write the publication folder, then the four reports."""
    campaign = checklist.campaign
    try:
        with engine.connect() as conn:
            status = get_task(conn, task).status
        if status != SUBMITTED:
            day = (campaign.start or campaign.issue_date).isoformat()
            answers = answers_from_file(dict(finding, inspected_on=day), checklist)
            submit(engine, task, host=host, campaign=checklist, answers=answers)
            click.echo(_("submitted", task=task))
        done = settle(engine, campaign.id, allow_missing=True)
        click.echo(_("settled", n=len(done.settled) + done.already))
        # published before the reports are written, so that 附件2 says 是否公示: 是
        published = publish(engine, campaign.id, outdir / "publication")
        click.echo(_("published", n=published.count))
        for path in published.files[:4]:
            click.echo(f"  {path}")
        click.echo(_("reports"))
        folder = outdir / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        for kind in ("officers", "statistics", "summary", "record"):
            path = write_report(engine, kind, campaign.id, "xlsx",
                                folder / default_name(kind, "xlsx")).path
            click.echo(f"  {path}")
    except RecordError as exc:
        echo_problems(exc.problems)
        sys.exit(EXIT_INVALID)


def _sample_finding(engine, checklist, record, host) -> tuple[dict, dict]:
    """Findings for the first drawn enterprise: for the lead department one problem
    corrected on the spot and one left for follow-up (referred), for the special-equipment
    department one left for follow-up."""
    code = record.result["targets"][0]["credit_code"]
    with engine.connect() as conn:
        row = find_row(conn, "targets", code)
    assert row is not None  # it was drawn from the library in this same run
    special = bool((row["attributes"] or {}).get("uses_special_equipment", False))
    target = {"uses_special_equipment": special}
    departments: dict = {}
    for dept in checklist.departments:
        items = {}
        applicable = [i for i in checklist.items_of(dept.code) if item_applies(i, target, host)]
        for n, item in enumerate(applicable):
            answer = {"result": "compliant"}
            lead = dept.code == checklist.campaign.lead_department
            if n == 0:
                answer = {"result": "noncompliant", "corrected_on_site": lead,
                          "note": "现场发现台账记录不全"}
            elif n == 1 and lead:
                answer = {"result": "noncompliant", "note": "安全设备未按规定定期检查、维护"}
            items[item.id] = answer
        departments[dept.code] = {"items": items}
    finding = {"outcome": "inspected", "target": target, "departments": departments}
    return finding, dict(row)
