"""``jointcheck draw``: commit to a seed, run the draw, show, export and verify draws.

The algorithm is specified in docs/draw.md; see core/draw for the implementation.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from ..config import load_configuration
from ..draw.algorithm import DrawError
from ..draw.public import public_draw_files, verify_public
from ..draw.service import commit as do_commit
from ..draw.service import (
    display_rows,
    draw_report,
    list_draws,
    load_draw,
    read_export,
    run_draw,
    verify_files,
    verify_stored,
)
from ..i18n import translator
from ..libraries.messages import LibraryError
from ..present.draw import draws_table, record_lines, team_table, verify_lines
from ._common import (
    EXIT_INVALID,
    OFFICE,
    campaign_id_or_fail,
    echo_json,
    echo_problems,
    fail,
    format_option,
    open_campaign_or_fail,
    store_engine,
    write_text_file,
)

_ = translator({
    "group": ("双随机抽取：承诺、抽取、查看、导出、复核",
              "The random draw: commit, run, show, export, verify"),
    "campaign_arg": ("实施方案文件（省略时使用自带的示例实施方案）",
                     "campaign file (the shipped example when omitted)"),
    "commit": ("生成（或使用给定的）种子，记录并输出需在抽取前公布的承诺值 SHA-256(种子)",
               "Make (or take) a seed; record and print its commitment SHA-256(seed), to "
               "publish before the draw"),
    "seed_commit": ("使用给定的种子（默认生成一个新的随机种子）",
                    "use this seed (default: a fresh random seed)"),
    "run": ("按实施方案抽取检查对象和执法检查人员，并保存抽取记录",
            "Draw targets and officers for a campaign and record the draw"),
    "seed_run": ("抽取种子（须与此前记录的承诺一致）", "the seed (must match a recorded commitment)"),
    "no_commitment": ("不要求事先记录的承诺（不推荐：无法证明种子是事先确定的）",
                      "do not require a recorded commitment (not recommended: nothing shows "
                      "the seed was fixed beforehand)"),
    "weak_seed": ("接受不足 128 位的种子（不推荐：可由承诺值反推；审计日志会记录）",
                  "accept a seed of fewer than 128 bits (not recommended: it can be found "
                  "from its commitment; the audit log records it)"),
    "supplementary_opt": ("补充抽取：实施方案已抽取后再抽取（须用 --reason 说明理由；不会抽中已抽中的企业，抽取序号接续）",
                          "supplementary draw (补充抽取) after the campaign's draw (needs --reason; "
                          "never draws an enterprise already drawn; 抽取序号 continue)"),
    "reason_opt": ("补充抽取的理由（记入抽取记录和审计日志）",
                   "why the supplementary draw (recorded with the draw and in the audit log)"),
    "count_opt": ("补充抽取的户数（默认：实施方案的 sample）",
                  "how many to draw in the supplementary draw (default: the campaign's sample)"),
    "supplementary_only": ("--reason 和 --count 只用于 --supplementary",
                           "--reason and --count go with --supplementary"),
    "date_opt": ("执法证有效期的判断日期（默认：实施方案的抽查开始日期）",
                 "date certificates must be valid on (default: the campaign period's start)"),
    "show": ("显示一次抽取的记录和抽中的检查组", "Show a recorded draw and its teams"),
    "list": ("列出已保存的抽取记录", "List recorded draws"),
    "export": ("导出抽取记录（供第三方复核，不含个人信息）",
               "Export a draw for third-party verification (no personal data)"),
    "output": ("输出文件（默认输出到标准输出）", "output file (default: standard output)"),
    "verify": ("重放抽取并与记录比较：一致返回 0，否则指出第一处不同并返回 1",
               "Replay a draw and compare with its record: 0 when consistent, else the first "
               "difference and 1"),
    "file_opt": ("draw export 导出的抽取文件（与 --targets、--officers 一起使用）",
                 "a file written by `draw export` (with --targets and --officers)"),
    "public_opt": ("jointcheck publish 写出的公示目录：只凭其中的文件重放每次抽取",
                   "a folder written by `jointcheck publish`: replay each draw from its files "
                   "alone"),
    "public_head": ("第 {id} 次抽取（{file}）", "draw {id} ({file})"),
    "targets_opt": ("检查对象名录库文件（CSV 或 XLSX）", "target library file (CSV or XLSX)"),
    "officers_opt": ("执法检查人员名录库文件（CSV 或 XLSX）", "officer library file (CSV or XLSX)"),
    "encoding_opt": ("名录库文件的编码（默认自动识别）", "encoding of the library files (default: detected)"),
    "mapping_opt": ("列名映射文件（YAML）", "column mapping file (YAML)"),
    "campaign_opt": ("只列出该实施方案编号的抽取", "only draws of this campaign id"),
    "bad_date": ("日期格式应为 YYYY-MM-DD：{value}", "a date is YYYY-MM-DD: {value}"),
    "verify_args": ("请给出抽取记录编号 ID，或同时给出 --file、--targets 和 --officers，或给出 --public 公示目录",
                    "give a draw ID, or all of --file, --targets and --officers, or --public "
                    "with a publication folder"),
    "commitment": ("承诺值（请在抽取前公布）：{value}", "commitment (publish it before the draw): {value}"),
    "seed_secret": ("种子（抽取前务必保密，抽取时使用）：{value}",
                    "seed (keep it SECRET until the draw, then draw with it): {value}"),
    "seed_given": ("已使用给定的种子计算承诺；抽取前请继续对种子保密。",
                   "the commitment of the given seed; keep the seed secret until the draw."),
    "recorded": ("已记录承诺（第 {id} 号），实施方案 {campaign}", "commitment {id} recorded for campaign {campaign}"),
    "already": ("该承诺此前已记录（第 {id} 号），实施方案 {campaign}",
                "this commitment was already recorded ({id}) for campaign {campaign}"),
    "next": ("抽取时运行：jointcheck draw run {campaign_arg}--seed <种子>",
             "to draw, run: jointcheck draw run {campaign_arg}--seed <SEED>"),
    "verify_hint": ("复核：jointcheck draw verify {id}", "verify with: jointcheck draw verify {id}"),
    "none": ("还没有抽取记录", "no draw has been recorded"),
    "exported": ("已导出抽取记录第 {id} 号到 {path}", "draw {id} exported to {path}"),
})


def _installed_department_names() -> dict[str, str]:
    """Department names from the installed plugins (best effort, for `show`)."""
    try:
        return {code: dept.name or code
                for code, dept in load_configuration([]).departments.items()}
    except Exception:  # display only: fall back to the officers' unit or the code
        return {}


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(_("bad_date", value=value), param_hint="--date") from None


def _draw_error(exc: Exception, fmt: str = "text") -> None:
    fail(list(exc.problems), fmt)  # type: ignore[attr-defined]


@click.group(help=_("group"))
def draw() -> None:
    pass


@draw.command(help=_("commit"))
@click.argument("campaign", required=False, metavar="[CAMPAIGN]")
@click.option("--seed", default=None, help=_("seed_commit"))
@click.option("--weak-seed", is_flag=True, help=_("weak_seed"))
@format_option("text", "json")
@click.pass_context
def commit(ctx: click.Context, campaign: str | None, seed: str | None, weak_seed: bool,
           fmt: str) -> None:
    camp = open_campaign_or_fail(campaign, ctx, warnings=True, fmt=fmt).campaign
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            outcome = do_commit(engine, camp, seed.strip() if seed is not None else None,
                                weak_seed=weak_seed)
        except DrawError as exc:
            _draw_error(exc, fmt)
    if fmt == "json":
        echo_json(outcome.to_json())
        return
    key = "already" if outcome.already_recorded else "recorded"
    click.echo(_(key, id=outcome.id, campaign=outcome.campaign_id))
    click.echo(_("commitment", value=outcome.commitment))
    if outcome.seed is not None:
        click.echo(_("seed_secret", value=outcome.seed))
    else:
        click.echo(_("seed_given"))
    click.echo(_("next", campaign_arg=f"{campaign} " if campaign else ""))


@draw.command(help=_("run"))
@click.argument("campaign", required=False, metavar="[CAMPAIGN]")
@click.option("--seed", required=True, help=_("seed_run"))
@click.option("--no-commitment", is_flag=True, help=_("no_commitment"))
@click.option("--weak-seed", is_flag=True, help=_("weak_seed"))
@click.option("--date", "on_date", default=None, metavar="YYYY-MM-DD", help=_("date_opt"))
@click.option("--supplementary", is_flag=True, help=_("supplementary_opt"))
@click.option("--reason", default=None, help=_("reason_opt"))
@click.option("--count", type=click.IntRange(min=1), default=None, help=_("count_opt"))
@format_option("text", "json")
@click.pass_context
def run(ctx: click.Context, campaign: str | None, seed: str, no_commitment: bool,
        weak_seed: bool, on_date: str | None, supplementary: bool, reason: str | None,
        count: int | None, fmt: str) -> None:
    if not supplementary and (reason is not None or count is not None):
        raise click.UsageError(_("supplementary_only"))
    when = _parse_date(on_date)
    opened = open_campaign_or_fail(campaign, ctx, warnings=True, fmt=fmt)
    camp, checklist, names = opened.campaign, opened.checklist, opened.department_names
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            record = run_draw(engine, camp, seed.strip(), commitment_required=not no_commitment,
                              on_date=when, checklist=checklist, weak_seed=weak_seed,
                              supplementary=(reason or "") if supplementary else None,
                              count=count)
        except DrawError as exc:
            _draw_error(exc, fmt)
        if fmt == "json":
            echo_json(draw_report(engine, record, names).to_json())
            return
        _print_record(engine, record, names)
        click.echo(_("verify_hint", id=record.id))


def _print_record(engine: Any, record: Any, names: dict[str, str]) -> None:
    click.echo("\n".join([*record_lines(record), "",
                          *team_table(display_rows(engine, record, names))]))


@draw.command(help=_("show"))
@click.argument("draw_id", type=int, metavar="ID")
@format_option("text", "json")
@click.pass_context
def show(ctx: click.Context, draw_id: int, fmt: str) -> None:
    with store_engine(ctx) as engine:
        try:
            record = load_draw(engine, draw_id)
        except DrawError as exc:
            _draw_error(exc, fmt)
        names = _installed_department_names()
        if fmt == "json":
            echo_json(draw_report(engine, record, names).to_json())
            return
        _print_record(engine, record, names)


@draw.command(name="list", help=_("list"))
@click.option("--campaign", "campaign_id", default=None, help=_("campaign_opt"))
@format_option("table", "json")
@click.pass_context
def list_(ctx: click.Context, campaign_id: str | None, fmt: str) -> None:
    with store_engine(ctx) as engine:
        if campaign_id is not None:
            campaign_id = campaign_id_or_fail(campaign_id, engine, fmt)
        records = list_draws(engine, campaign_id)
    if fmt == "json":
        echo_json([r.summary() for r in records])
        return
    if not records:
        click.echo(_("none"))
        return
    click.echo("\n".join(draws_table(records)))


@draw.command(help=_("export"))
@click.argument("draw_id", type=int, metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help=_("output"))
@click.pass_context
def export(ctx: click.Context, draw_id: int, output: str | None) -> None:
    with store_engine(ctx) as engine:
        try:
            record = load_draw(engine, draw_id)
        except DrawError as exc:
            _draw_error(exc)
    text = json.dumps(record.export(), ensure_ascii=False, indent=2) + "\n"
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    write_text_file(output, text)
    click.echo(_("exported", id=draw_id, path=output), err=True)


def _verify_public(folder: str, fmt: str) -> None:
    """``draw verify --public DIR``: every draw of a publication folder, from its files."""
    reports = []
    try:
        for path in public_draw_files(Path(folder)):
            reports.append((path, verify_public(path)))
    except DrawError as exc:
        _draw_error(exc, fmt)
    if fmt == "json":
        echo_json({"consistent": all(r.ok for _p, r in reports),
                   "draws": [{**r.to_json(), "file": str(p)} for p, r in reports]})
    else:
        for n, (path, report) in enumerate(reports):
            if n:
                click.echo("")
            click.echo(_("public_head", id=report.draw_id, file=path))
            click.echo("\n".join(verify_lines(report)))
    if not all(r.ok for _p, r in reports):
        sys.exit(EXIT_INVALID)


@draw.command(help=_("verify"))
@click.argument("draw_id", type=int, required=False, metavar="[ID]")
@click.option("--file", "draw_file", type=click.Path(dir_okay=False), default=None,
              help=_("file_opt"))
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), default=None,
              help=_("targets_opt"))
@click.option("--officers", "officers_file", type=click.Path(dir_okay=False), default=None,
              help=_("officers_opt"))
@click.option("--public", "public_dir", type=click.Path(file_okay=False), default=None,
              metavar="DIR", help=_("public_opt"))
@click.option("--encoding", default=None, help=_("encoding_opt"))
@click.option("--mapping", type=click.Path(dir_okay=False), default=None, help=_("mapping_opt"))
@format_option("text", "json")
@click.pass_context
def verify(ctx: click.Context, draw_id: int | None, draw_file: str | None,
           targets_file: str | None, officers_file: str | None, public_dir: str | None,
           encoding: str | None, mapping: str | None, fmt: str) -> None:
    from_files = draw_file is not None or targets_file is not None or officers_file is not None
    ways = [from_files, draw_id is not None, public_dir is not None]
    if sum(ways) != 1 or (from_files and None in (draw_file, targets_file, officers_file)):
        raise click.UsageError(_("verify_args"))
    if public_dir is not None:
        _verify_public(public_dir, fmt)
        return
    try:
        if from_files:
            data = read_export(draw_file)  # type: ignore[arg-type]
            try:
                report = verify_files(data, targets_file, officers_file,  # type: ignore[arg-type]
                                      encoding=encoding, mapping=mapping)
            except LibraryError as exc:
                if fmt == "json":
                    echo_json({"consistent": False,
                               "errors": [p.format() for p in exc.problems]})
                else:
                    echo_problems(exc.problems)
                sys.exit(EXIT_INVALID)
        else:
            with store_engine(ctx) as engine:
                report = verify_stored(engine, draw_id)  # type: ignore[arg-type]
    except DrawError as exc:
        _draw_error(exc, fmt)
    if fmt == "json":
        echo_json(report.to_json())
    else:
        click.echo("\n".join(verify_lines(report)))
    if not report.ok:
        sys.exit(EXIT_INVALID)
