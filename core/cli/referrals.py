"""``jointcheck referrals``: problem referrals (问题线索移交) — draft, list, update, letters."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from pathlib import Path

import click

from ..clock import today as clock_today
from ..deadlines import rules
from ..errors import did_you_mean
from ..i18n import translator
from ..letters import file_name, write_docx, write_markdown
from ..model import STATUSES, STEPS
from ..present.referrals import _ as text
from ..present.referrals import (
    correction_document,
    letter_document,
    list_header,
    list_json,
    list_row,
    stale_hint,
    status_label,
)
from ..records.snapshot import load_checklist
from ..referrals import (
    DONE,
    LETTER_NUMBER,
    SENDER,
    ReferralError,
    assign_letters,
    letter_number,
    list_referrals,
    next_due,
    overdue_condition,
    staleness,
)
from ..referrals import correct as do_correct
from ..referrals import draft as do_draft
from ..referrals import redate as do_redate
from ..referrals import redate_letter as do_redate_letter
from ..referrals import update as do_update
from ..text import table_lines
from ._common import (
    EXIT_INVALID,
    OFFICE,
    echo_json_list,
    fail,
    format_option,
    holidays_option,
    open_campaign_or_fail,
    parse_date,
    store_engine,
    warn_estimates,
)

_ = translator({
    "group": ("问题线索移交：拟稿、列表、办理进度、移交函",
              "Problem referrals: draft, list, record progress, letters"),
    "draft": ("为已提交检查记录中未当场整改的不符合事项拟写问题线索移交",
              "Draft a referral for each non-compliant item of submitted records not corrected "
              "on the spot"),
    "list": ("列出实施方案的问题线索移交及其下一期限", "List a campaign's referrals and their next due date"),
    "update": ("记录问题线索移交的办理进度（移交、接收、立案、不予立案、结案、报告）",
               "Record a referral's next step (sent, received, opened, declined, closed, reported)"),
    "letter": ("按接收部门生成《关于移交双随机抽查有关问题的函》（DOCX 或 Markdown）",
               "Write the letters 《关于移交双随机抽查有关问题的函》 per receiving department"),
    "correct": ("为记录已更正的移交按接收部门生成更正或撤回函（DOCX 或 Markdown）",
                "Write the correcting or withdrawing letters of the referrals marked 记录已更正, "
                "per receiving department"),
    "redate": ("更正问题线索移交某一步骤的日期（须说明理由，记入审计日志）",
               "Correct the date of a referral's step (with a reason, audit-logged)"),
    "redate_letter": ("更正尚未发出的移交函的成文日期（文号随新日期的年份）",
                      "Correct the date of a letter not sent yet (its 文号 takes the new "
                      "date's year)"),
    "reason": ("更正的理由", "why the date is corrected"),
    "redate_step": ("该步骤（已走过的）", "the step (one the referral has taken)"),
    "new_date": ("正确的日期 YYYY-MM-DD", "the right date, YYYY-MM-DD"),
    "redated": ("问题线索移交 {id}：“{status}”的日期已更正为 {date}",
                "Referral {id}: the date of '{status}' is now {date}"),
    "redated_letter": ("移交函 {old} 的成文日期已更正为 {date}{renumbered}",
                       "The letter {old} is now dated {date}{renumbered}"),
    "renumbered": ("，文号改为 {number}", "; its 文号 is now {number}"),
    "no_corrections": ("没有需要更正或撤回的问题线索移交。", "No referral needs a correcting or "
                       "withdrawing letter."),
    "wrote_correction": ("已写出 {file}（{number}，{to}，更正 {c} 项，撤回 {w} 项）",
                         "Wrote {file} ({number}, {to}, {c} corrected, {w} withdrawn)"),
    "campaign": ("实施方案文件", "campaign file"),
    "department": ("只处理该接收部门（部门代码）", "only this receiving department (its code)"),
    "overdue": ("只列出已逾期的（逾期最久的在前）", "only overdue referrals (the longest overdue first)"),
    "limit": ("最多显示的条数（0 为全部；表格默认 50）", "the most rows to show (0: all; a table shows 50 unless told)"),
    "shown": ("仅显示前 {n} 项，共 {total} 项（--limit 0 显示全部）",
              "showing the first {n} of {total} (--limit 0 shows all)"),
    "status_filter": ("只列出该状态（可重复）", "only this status (repeatable)"),
    "as_of": ("按该日期判断是否逾期（默认：今天）", "judge overdue as of this date (default: today)"),
    "date": ("该步骤的日期 YYYY-MM-DD", "the date of the step, YYYY-MM-DD"),
    "draft_date": ("拟稿日期（默认：今天）", "the drafting date (default: today)"),
    "letter_date": ("移交函的成文日期（默认：今天）", "the letter's date (default: today)"),
    "note": ("说明（不予立案时须写明书面回复的要点）", "a note (for declined: the written reply's gist)"),
    "case_no": ("案件编号（立案、结案时）", "the case number (opened, closed)"),
    "output": ("输出目录", "output directory"),
    "drafted": ("已拟稿 {n} 项问题线索移交", "Drafted {n} referral(s)"),
    "updated": ("按修改后的检查记录更新 {n} 项", "{n} brought in step with amended records"),
    "withdrawn": ("撤回 {n} 项（修改后的检查记录已无该问题）", "{n} withdrawn (the amended record no longer has the problem)"),
    "nothing": ("没有需要新拟稿的问题线索。", "Nothing new to draft."),
    "stepped": ("问题线索移交 {id}：{status}（{date}）", "Referral {id}: {status} ({date})"),
    "next_due": ("下一期限：{due}，责任方：{owner}", "Next due: {due}, owed by {owner}"),
    "wrote": ("已写出 {file}（{number}，{to}，{n} 项）", "Wrote {file} ({number}, {to}, {n} item(s))"),
    "no_letters": ("没有可写的移交函：没有未当场整改的问题线索。",
                   "No letters to write: there are no problems left uncorrected on the spot."),
    "unknown_department": ("未知的部门代码“{code}”", "unknown department code '{code}'"),
})


def _date_option(name: str, help_key: str, required: bool = False):
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
        return None if value is None else parse_date(value)

    return click.option(name, "on", required=required, callback=convert, metavar="YYYY-MM-DD",
                        help=_(help_key))


def _check_department(config, code: str | None) -> None:
    if code is None or code in config.departments:
        return

    hint = did_you_mean(code, sorted(config.departments))
    click.echo(_("unknown_department", code=code) + (f" — {hint}" if hint else ""), err=True)
    sys.exit(EXIT_INVALID)



def checklists_of(engine, refs) -> dict:
    """The checklist snapshots the referrals' records were filled against, by fingerprint."""
    out: dict = {}
    with engine.connect() as conn:
        for fp in {r.checklist_fingerprint for r in refs}:
            try:
                out[fp] = load_checklist(conn, fp) if fp else None
            except ValueError:
                out[fp] = None
    return out


@click.group(help=_("group"))
def referrals() -> None:
    pass


@referrals.command(help=_("draft"))
@click.argument("campaign", type=click.Path(path_type=str))
@_date_option("--date", "draft_date")
@click.pass_context
def draft(ctx: click.Context, campaign: str, on: date | None) -> None:
    camp = open_campaign_or_fail(campaign, ctx, calendar=True, reading=True).campaign
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            result = do_draft(engine, camp.id, on or clock_today())
        except ReferralError as exc:
            fail(exc.problems)
    _echo_draft(result)


def _echo_draft(result) -> None:
    if result.drafted:
        click.echo(_("drafted", n=len(result.drafted)))
    if result.updated:
        click.echo(_("updated", n=len(result.updated)))
    if result.withdrawn:
        click.echo(_("withdrawn", n=len(result.withdrawn)))
    if not (result.drafted or result.updated or result.withdrawn):
        click.echo(_("nothing"))


@referrals.command("list", help=_("list"))
@click.argument("campaign", type=click.Path(path_type=str))
@click.option("--department", default=None, metavar="CODE", help=_("department"))
@click.option("--overdue", is_flag=True, help=_("overdue"))
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(STATUSES), help=_("status_filter"))
@_date_option("--as-of", "as_of")
@click.option("--limit", type=click.IntRange(min=0), default=None, help=_("limit"))
@holidays_option
@format_option("table", "json")
@click.pass_context
def list_(ctx: click.Context, campaign: str, department: str | None, overdue: bool,
          statuses: tuple[str, ...], on: date | None, limit: int | None,
          holidays: tuple[str, ...], fmt: str) -> None:
    opened = open_campaign_or_fail(campaign, ctx, holidays=holidays, calendar=True,
                                   reading=True)
    camp, cal = opened.campaign, opened.calendar
    _check_department(opened.config, department)
    today = on or clock_today()
    wanted = statuses or (tuple(s for s in STATUSES if s not in DONE) if overdue else ())
    found = rules(camp)
    with store_engine(ctx) as engine:
        refs = list_referrals(engine, campaign_id=camp.id, department=department,
                              statuses=wanted, where=overdue_condition(found, cal, camp, today)
                              if overdue else None, brief=True)
        checklists = checklists_of(engine, refs)
        stale = staleness(engine, camp.id)
    rows = []
    for r in refs:
        nxt = next_due(r, found, cal, camp)
        if overdue and (nxt is None or not nxt.overdue(today)):
            continue
        rows.append((r, nxt))
    if overdue:  # the longest overdue first
        rows.sort(key=lambda rn: rn[1].due.date if rn[1] is not None else date.max)
    total = len(rows)
    if limit is None:
        limit = 0 if fmt == "json" else 50
    if limit:
        rows = rows[:limit]
    if fmt == "json":
        echo_json_list(list_json(r, checklists.get(r.checklist_fingerprint), nxt, today,
                                 stale.get(r.id)) for r, nxt in rows)
    elif not rows:
        click.echo(text("none"))
    else:
        click.echo("\n".join(table_lines(list_header(), (list_row(r, checklists.get(
            r.checklist_fingerprint), nxt, today, stale.get(r.id)) for r, nxt in rows))))
        click.echo(text("count", n=total) if len(rows) == total
                   else _("shown", n=len(rows), total=total))
        if any(r.id in stale for r, _nxt in rows):
            click.echo(stale_hint(campaign))
    warn_estimates(cal)


@referrals.command(help=_("update"))
@click.argument("referral_id", metavar="ID", type=click.IntRange(1, 2**62))
@click.option("--status", required=True,
              type=click.Choice(STEPS))
@_date_option("--date", "date", required=True)
@click.option("--note", default=None, help=_("note"))
@click.option("--case-no", default=None, help=_("case_no"))
@click.pass_context
def update(ctx: click.Context, referral_id: int, status: str, on: date, note: str | None,
           case_no: str | None) -> None:
    with store_engine(ctx, roles=("office", "department")) as engine:
        try:
            ref = do_update(engine, referral_id, status, on, note=note, case_no=case_no)
        except ReferralError as exc:
            fail(exc.problems)
    click.echo(_("stepped", id=ref.id, status=status_label(ref.status), date=on.isoformat()))


@referrals.command(help=_("redate"))
@click.argument("referral_id", metavar="ID", type=click.IntRange(1, 2**62))
@click.option("--status", required=True, type=click.Choice(STEPS), help=_("redate_step"))
@_date_option("--date", "new_date", required=True)
@click.option("--reason", required=True, help=_("reason"))
@click.pass_context
def redate(ctx: click.Context, referral_id: int, status: str, on: date, reason: str) -> None:
    with store_engine(ctx) as engine:
        try:
            do_redate(engine, referral_id, status, on, reason)
        except ReferralError as exc:
            fail(exc.problems)
    click.echo(_("redated", id=referral_id, status=status_label(status), date=on.isoformat()))


@referrals.command("redate-letter", help=_("redate_letter"))
@click.argument("campaign", type=click.Path(path_type=str))
@click.argument("number", metavar="文号")
@_date_option("--date", "new_date", required=True)
@click.option("--reason", required=True, help=_("reason"))
@click.pass_context
def redate_letter(ctx: click.Context, campaign: str, number: str, on: date, reason: str
                  ) -> None:
    _camp, _cal, _settings, on, pattern = _letter_setup(ctx, campaign, None, on, ())
    with store_engine(ctx) as engine:
        try:
            lt = do_redate_letter(engine, number, on, reason, pattern)
        except ReferralError as exc:
            fail(exc.problems)
    click.echo(_("redated_letter", old=number, date=on.isoformat(),
                 renumbered=_("renumbered", number=lt.number) if lt.number != number else ""))


def _letter_setup(ctx: click.Context, campaign: str, department: str | None,
                  on: date | None, holidays: tuple[str, ...]):
    """(campaign, calendar, settings, date, 文号 pattern) of a letter command, the pattern
    checked and located at the campaign's setting."""
    opened = open_campaign_or_fail(campaign, ctx, holidays=holidays, calendar=True,
                                   reading=True)
    camp, cal = opened.campaign, opened.calendar
    _check_department(opened.config, department)
    settings = camp.data.get("referral") or {}
    on = on or clock_today()
    pattern = settings.get("letter_number") or LETTER_NUMBER
    try:
        letter_number(pattern, on.year, 1)
    except ReferralError as exc:  # located at the campaign's setting
        fail([dataclasses.replace(p, file=camp.source.file, path="/campaign/referral/"
                                  "letter_number") for p in exc.problems])
    return camp, cal, settings, on, pattern


def _letter_options(command):
    for option in reversed([
            click.argument("campaign", type=click.Path(path_type=str)),
            click.option("--department", default=None, metavar="CODE", help=_("department")),
            click.option("--format", "fmt", type=click.Choice(["docx", "md"]), required=True,
                         help="输出格式 / output format"),
            click.option("-o", "--output", required=True,
                         type=click.Path(path_type=Path, file_okay=False), help=_("output")),
            _date_option("--date", "letter_date"), holidays_option, click.pass_context]):
        command = option(command)
    return command


@referrals.command(help=_("letter"))
@_letter_options
def letter(ctx: click.Context, campaign: str, department: str | None, fmt: str, output: Path,
           on: date | None, holidays: tuple[str, ...]) -> None:
    camp, cal, settings, on, pattern = _letter_setup(ctx, campaign, department, on, holidays)
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            _echo_draft(do_draft(engine, camp.id, on))
            letters = assign_letters(engine, camp.id, on, pattern, department=department)
        except ReferralError as exc:
            fail(exc.problems)
        checklists = checklists_of(engine, [r for lt in letters for r in lt.referrals])
    if not letters:
        click.echo(_("no_letters"))
        return
    output.mkdir(parents=True, exist_ok=True)
    found = rules(camp)
    for lt in letters:
        doc = letter_document(lt, camp, checklists, found, cal,
                              settings.get("sender") or SENDER)
        path = output / file_name(doc, doc.department, fmt)
        (write_docx if fmt == "docx" else write_markdown)(doc, path)
        click.echo(_("wrote", file=path, number=lt.number, to=doc.department,
                     n=len(lt.referrals)))
    warn_estimates(cal)


@referrals.command(help=_("correct"))
@_letter_options
def correct(ctx: click.Context, campaign: str, department: str | None, fmt: str,
            output: Path, on: date | None, holidays: tuple[str, ...]) -> None:
    camp, _cal, settings, on, pattern = _letter_setup(ctx, campaign, department, on, holidays)
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            letters = do_correct(engine, camp.id, on, pattern, department=department)
        except ReferralError as exc:
            fail(exc.problems)
        checklists = checklists_of(engine, [c.referral for lt in letters
                                            for c in lt.corrections])
    if not letters:
        click.echo(_("no_corrections"))
        return
    output.mkdir(parents=True, exist_ok=True)
    for lt in letters:
        doc = correction_document(lt, camp, checklists, settings.get("sender") or SENDER)
        path = output / file_name(doc, doc.department, fmt)
        (write_docx if fmt == "docx" else write_markdown)(doc, path)
        withdrawn = sum(1 for c in lt.corrections if c.stale.problem is None)
        click.echo(_("wrote_correction", file=path, number=lt.number, to=doc.department,
                     c=len(lt.corrections) - withdrawn, w=withdrawn))
