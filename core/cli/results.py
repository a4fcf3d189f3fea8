"""``jointcheck results``: the joint office's review and settlement of the results
(共同协商汇总结果)."""

from __future__ import annotations

import click

from ..i18n import translator
from ..present.consolidation import (
    legend,
    override_lines,
    plugin_lines,
    results_header,
    results_row,
)
from ..records.results import campaign_checklist, load, publication_warning, set_result
from ..records.results import settle as do_settle
from ..records.service import RecordError
from ..text import table_lines
from ._common import (
    OFFICE,
    campaign_id_or_fail,
    echo_json_list,
    echo_problems,
    fail,
    format_option,
    store_engine,
)

_ = translator({
    "group": ("汇总结果：联合抽查领导小组办公室审核、修改并确认各企业的抽查结果",
              "Results: the joint office reviews, overrides and settles each enterprise's "
              "results"),
    "list": ("列出每户抽取企业的记录状态、各部门结果、联合结果、处理结果及是否确认",
             "List every drawn enterprise with its record status, results and whether settled"),
    "set": ("修改一户企业某部门（或联合）的抽查结果或处理结果，须说明理由",
            "Override a department's (or the joint) result or dispositions, with a reason"),
    "settle": ("确认实施方案全部已提交记录的结果（报表和公示使用已确认的结果）",
               "Settle the results of every submitted record (reports and publication use "
               "settled results)"),
    "campaign": ("实施方案 id 或实施方案文件", "campaign id or campaign file"),
    "department": ("部门代码（省略则修改联合抽查结果）",
                   "department code (omit it to override the joint result)"),
    "result": ("抽查结果代码 1–8", "result code 1–8"),
    "reason": ("理由（必填）", "the reason (required)"),
    "add": ("增加处理结果（可重复）", "add a disposition (repeatable)"),
    "remove": ("删去处理结果（可重复）", "remove a disposition (repeatable)"),
    "allow_missing": ("仍有记录未提交时，只确认已提交的记录", "settle the submitted records even "
                      "while others are missing"),
    "none": ("该实施方案没有检查任务。", "The campaign has no inspection tasks."),
    "count": ("共 {n} 户，已提交 {submitted} 户，已确认 {settled} 户",
              "{n} enterprise(s), {submitted} submitted, {settled} settled"),
    "set_done": ("已修改任务 {task} 的结果：{what}", "Changed the results of task {task}: {what}"),
    "unsettled": ("任务 {task} 的结果原已确认（第 {version} 版），现已解除确认，请重新确认"
                  "（jointcheck results settle）。",
                  "The results of task {task} were settled (version {version}); they are "
                  "unsettled now: settle again (`jointcheck results settle`)."),
    "settled": ("已确认 {n} 户企业的结果；此前已确认 {already} 户。",
                "Settled {n} enterprise(s); {already} were settled before."),
    "missing": ("未提交记录、未确认：{n} 户（{tasks}）",
                "Not submitted, not settled: {n} ({tasks})"),
})


@click.group(help=_("group"))
def results() -> None:
    pass


@results.command("list", help=_("list"))
@click.argument("campaign")
@format_option("table", "json")
@click.pass_context
def list_(ctx: click.Context, campaign: str, fmt: str) -> None:
    with store_engine(ctx) as engine:
        rows = load(engine, campaign_id_or_fail(campaign, engine, fmt))
    if fmt == "json":
        echo_json_list(r.to_json() for r in rows)
        return
    if not rows:
        click.echo(_("none"))
        return
    checklist = campaign_checklist(rows)
    departments = ([(d.code, d.name) for d in checklist.departments] if checklist else [])
    for line in table_lines(results_header(departments),
                            (results_row(r, departments) for r in rows)):
        click.echo(line)
    click.echo(_("count", n=len(rows), submitted=sum(r.submitted for r in rows),
                 settled=sum(r.is_settled for r in rows)))
    if checklist:
        click.echo(legend(checklist.policy.results))
    names = dict(departments)
    for r in rows:
        for line in plugin_lines(r, names):
            click.echo(line)


@results.command("set", help=_("set"))
@click.argument("task")
@click.option("--department", default=None, metavar="CODE", help=_("department"))
@click.option("--result", type=int, default=None, metavar="N", help=_("result"))
@click.option("--reason", required=True, help=_("reason"))
@click.option("--add-disposition", "add", multiple=True, help=_("add"))
@click.option("--remove-disposition", "remove", multiple=True, help=_("remove"))
@click.pass_context
def set_(ctx: click.Context, task: str, department: str | None, result: int | None,
         reason: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            row = set_result(engine, task, reason=reason, department=department,
                             result=result, add=add, remove=remove)
        except RecordError as exc:
            fail(exc.problems)
    names = {d.code: d.name for d in row.checklist.departments} if row.checklist else {}
    lines = override_lines(row, names)
    click.echo(_("set_done", task=task, what=lines[-1] if lines else ""))
    res = row.results or {}
    for code, block in (res.get("departments") or {}).items():
        disp = "、".join(block["dispositions"]) or "—"
        click.echo(f"  {names.get(code, code)}：{block['computed']['code']} → "
                   f"{block['result']['code']}. {block['result']['text']}（处理结果：{disp}）")
    joint = res.get("joint") or {}
    if joint:
        click.echo(f"  联合抽查结果：{joint['computed']['code']} → {joint['result']['code']}. "
                   f"{joint['result']['text']}")
    if row.stale_settlement is not None:
        click.echo(_("unsettled", task=task, version=row.stale_settlement))
    warning = publication_warning(row)
    if warning is not None:
        echo_problems([warning])


@results.command(help=_("settle"))
@click.argument("campaign")
@click.option("--allow-missing", is_flag=True, help=_("allow_missing"))
@click.pass_context
def settle(ctx: click.Context, campaign: str, allow_missing: bool) -> None:
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            done = do_settle(engine, campaign_id_or_fail(campaign, engine), allow_missing=allow_missing)
        except RecordError as exc:
            fail(exc.problems)
    click.echo(_("settled", n=len(done.settled), already=done.already))
    if done.missing:
        shown = "、".join(r.task.id for r in done.missing[:20])
        click.echo(_("missing", n=len(done.missing), tasks=shown), err=True)
