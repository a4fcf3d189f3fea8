"""``jointcheck record``: show, submit and amend inspection records (联合检查记录表).

Submitting from a file goes through the same validation and storage path as the app
(core.records.service.submit): a paper record typed in is stored exactly like one filled
on site.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import click

from ..classify import check_findings, item_applies
from ..clock import reading_time
from ..errors import ConfigError
from ..i18n import translator
from ..present.records import opinion_text, record_lines, results_lines
from ..records.results import load, settled_version
from ..records.service import (
    RecordError,
    amend,
    answers_from_file,
    load_draft,
    load_version,
    versions,
)
from ..records.service import submit as do_submit
from ..referrals import staleness
from ..yamlload import load_file
from ._common import (
    EXIT_INVALID,
    echo_json,
    echo_problems,
    example_checklist,
    format_option,
    plugins_and_checklist,
    store_engine,
)

_ = translator({
    "group": ("检查记录（联合检查记录表）：查看、提交、修改", "Inspection records: show, submit, amend"),
    "show": ("查看一项任务的检查记录（草稿或已提交的版本）", "Show a task's record (draft or a submitted version)"),
    "submit": ("从文件提交一项任务的检查记录（模式 record）", "Submit a task's record from a file (schema 'record')"),
    "amend": ("修改已提交的检查记录：生成新版本并记录理由", "Amend a submitted record: a new version with a reason"),
    "version": ("查看第 N 版（默认最新）", "show version N (default: the newest)"),
    "findings": ("检查记录文件（YAML 或 JSON，模式 record）", "record file (YAML or JSON, schema 'record')"),
    "campaign": ("实施方案文件：任务没有检查事项快照时使用（默认：示例）",
                 "campaign file, for tasks without a checklist snapshot (default: the example)"),
    "confirm_date": ("确认不在抽查时间内的检查日期", "confirm a check date outside the campaign period"),
    "reason": ("修改理由", "the reason for the amendment"),
    "submitted": ("已提交任务 {task} 的检查记录（第 {version} 版）。", "Submitted the record of task {task} (version {version})."),
    "unsettled": ("第 {version} 版的汇总结果原已确认，修改后已解除确认，请联合抽查领导小组办公室"
                  "重新确认（jointcheck results settle）。",
                  "The settled results of version {version} no longer apply after this "
                  "amendment: the joint office must settle them again "
                  "(`jointcheck results settle`)."),
    "stale_referrals": ("该任务有 {n} 项已移交的问题线索因记录更正而需发更正或撤回函"
                        "（jointcheck referrals correct {campaign} --format docx -o 目录）。",
                        "{n} sent referral(s) of this task no longer match the amended record: "
                        "a correcting or withdrawing letter is due (jointcheck referrals "
                        "correct {campaign} --format docx -o DIR)."),
    "amended": ("已修改任务 {task} 的检查记录：第 {version} 版，理由：{reason}",
                "Amended the record of task {task}: version {version}, reason: {reason}"),
    "versions": ("版本：", "Versions:"),
    "version_line": ("  第 {n} 版  {at}  {by}{reason}", "  version {n}  {at}  {by}{reason}"),
    "reason_part": ("  理由：{r}", "  reason: {r}"),
    "live": ("（草稿：结果为按目前填写内容自动计算）", "(draft: results computed from the answers so far)"),
})


def _record_error(exc, doc=None) -> None:
    """Print a RecordError's problems (located in the file when they concern an answer)."""
    problems = []
    for p in exc.problems:
        key = p.extra.get("key") if doc is not None else None
        if key:
            path = _file_path(key)
            line, column = doc.where(path)
            p = dataclasses.replace(p, file=doc.file, line=line, column=column,
                                    path="/" + "/".join(map(str, path)))
        problems.append(p)
    echo_problems(problems)
    sys.exit(EXIT_INVALID)


def _file_path(key: str) -> tuple[Any, ...]:
    kind, _sep, name = key.partition(":")
    if kind == "item":
        dept, _dot, item = name.partition(".")
        return ("departments", dept, "items", item)
    if kind == "changes":
        return ("departments", name, "disposition_changes")
    return (name,)


@click.group(help=_("group"))
def record() -> None:
    pass


@record.command(help=_("show"))
@click.argument("task")
@click.option("--version", "version", type=click.IntRange(min=1, max=2**31), default=None,
              metavar="N", help=_("version"))
@click.option("--campaign", type=click.Path(path_type=str), default=None, help=_("campaign"))
@format_option("text", "json")
@click.pass_context
def show(ctx: click.Context, task: str, version: int | None, campaign: str | None,
         fmt: str) -> None:
    host, checklist = plugins_and_checklist(campaign, ctx, reading=True)
    settled: bool | None = None
    unfinished: tuple[int, int] | None = None
    previous: tuple[int, dict[str, Any]] | None = None
    results: dict[str, Any] | None
    with store_engine(ctx) as engine:
        try:
            draft = load_draft(engine, task, host=host,
                               campaign=checklist or example_checklist(host))
            history = versions(engine, task)
            if version is not None or (draft.task.status == "submitted" and history):
                rv, used = load_version(engine, task, version)
                record_data, results, shown = rv.record, rv.results, rv.version
                submitted = (reading_time(rv.submitted_at), rv.submitted_by)
                reason, status, fp = rv.reason, "submitted", rv.checklist_fingerprint
                if rv.version == draft.task.version and draft.task.status == "submitted":
                    # the current version: the joint office's settled results, else the
                    # proposal (the computed results with the office's overrides)
                    (row,) = load(engine, "", tasks=[draft.task])
                    results, settled = row.results or results, row.is_settled
                    if row.previous is not None and row.stale_settlement is not None:
                        previous = (row.stale_settlement, row.previous)
                else:
                    settled = False
            else:
                used = draft.checklist
                record_data = draft.record()
                unfinished = draft.unfinished()
                results = None if unfinished else draft.classify().to_json()
                shown, submitted, reason = None, None, draft.task.amend_reason
                status, fp = draft.task.status, draft.checklist.fingerprint
        except RecordError as exc:
            _record_error(exc)
    if fmt == "json":
        findings = record_data["findings"]
        opinion = record_data.get("opinion")
        if settled is not None:
            opinion = opinion_text(opinion, results, settled, used)
        echo_json({
            "task_id": task, "status": status, "version": shown,
            "task_status": draft.task.status, "campaign_id": draft.task.campaign_id,
            "credit_code": draft.task.credit_code, "name": draft.task.name,
            "inspected_on": findings.get("inspected_on"), "findings": findings,
            "results": results, "settled": settled,
            "previous": None if previous is None else {"version": previous[0],
                                                       "results": previous[1]},
            "unfinished": None if unfinished is None else {
                "answered": unfinished[0], "applicable": unfinished[1]},
            "opinion": None if unfinished else opinion,
            "remarks": record_data.get("remarks"), "methods": record_data.get("methods"),
            "officers_present": record_data.get("officers_present"),
            "escort": record_data.get("escort"), "checklist_fingerprint": fp,
            "submitted_at": submitted[0] if submitted else None,
            "submitted_by": submitted[1] if submitted else None, "reason": reason,
            "versions": [v.to_json() for v in history],
        })
        return
    if used is draft.checklist:
        applies = {i.key: draft.applies(i) for i in used.items}
    else:  # a submitted version: the facts it was submitted with decide
        facts = record_data["findings"].get("target") or {}
        applies = {i.key: item_applies(i, facts, host) for i in used.items}
    for line in record_lines(draft.task, used, record_data, results, status=status,
                             version=shown, submitted=submitted, reason=reason,
                             applies=applies, settled=settled, unfinished=unfinished,
                             previous=previous):
        click.echo(line)
    if shown is None:
        click.echo(_("live"))
    if history:
        click.echo(_("versions"))
        for v in history:
            click.echo(_("version_line", n=v.version, at=reading_time(v.submitted_at),
                         by=v.submitted_by,
                         reason=_("reason_part", r=v.reason) if v.reason else ""))


def _load_record_file(path: str, draft, host):
    try:
        doc = load_file(path)
    except ConfigError as exc:
        echo_problems(exc.problems)
        sys.exit(EXIT_INVALID)
    # applicability sees the library's facts of the enterprise, corrected by the file's
    data = doc.data
    if isinstance(data, dict):
        target = data.get("target")
        given = target if isinstance(target, dict) else {}
        doc = doc.with_data({**data, "target": {**draft.target_facts, **given}})
    problems = check_findings(doc, draft.checklist, host, schema="record")
    echo_problems(problems)
    if any(p.is_error for p in problems):  # warnings (JC506) do not stop a record
        sys.exit(EXIT_INVALID)
    answers = answers_from_file(doc.data, draft.checklist)
    if not data.get("target"):
        answers.pop("field:target", None)
    return doc, answers


def _store_from_file(ctx: click.Context, task: str, findings: str, campaign: str | None,
                     confirm_date: bool, reason: str | None) -> None:
    host, checklist = plugins_and_checklist(campaign)
    doc = None
    stale: list[int] = []  # sent referrals the amendment made out of date
    with store_engine(ctx) as engine:
        try:
            draft = load_draft(engine, task, host=host,
                               campaign=checklist or example_checklist(host))
            doc, answers = _load_record_file(findings, draft, host)
            if reason is None:
                settled = None
                rv = do_submit(engine, task, host=host, campaign=draft.checklist,
                               answers=answers, confirm_date=confirm_date)
            else:
                settled = settled_version(engine, task)  # before the amendment undoes it
                rv = amend(engine, task, answers, reason, host=host, campaign=draft.checklist,
                           confirm_date=confirm_date)
                campaign_id = draft.task.campaign_id
                stale = list(staleness(engine, campaign_id, [task]))
        except RecordError as exc:
            _record_error(exc, doc)
    if reason is None:
        click.echo(_("submitted", task=task, version=rv.version))
    else:
        click.echo(_("amended", task=task, version=rv.version, reason=rv.reason))
        if settled is not None:
            click.echo(_("unsettled", version=settled))
        if stale:
            click.echo(_("stale_referrals", n=len(stale), campaign=campaign or campaign_id))
    for line in results_lines(rv.results, draft.checklist):
        click.echo(line)


@record.command(help=_("submit"))
@click.argument("task")
@click.option("--findings", required=True, type=click.Path(path_type=str), help=_("findings"))
@click.option("--campaign", type=click.Path(path_type=str), default=None, help=_("campaign"))
@click.option("--confirm-date", is_flag=True, help=_("confirm_date"))
@click.pass_context
def submit(ctx: click.Context, task: str, findings: str, campaign: str | None,
           confirm_date: bool) -> None:
    _store_from_file(ctx, task, findings, campaign, confirm_date, None)


@record.command("amend", help=_("amend"))
@click.argument("task")
@click.option("--findings", required=True, type=click.Path(path_type=str), help=_("findings"))
@click.option("--reason", required=True, help=_("reason"))
@click.option("--campaign", type=click.Path(path_type=str), default=None, help=_("campaign"))
@click.option("--confirm-date", is_flag=True, help=_("confirm_date"))
@click.pass_context
def amend_(ctx: click.Context, task: str, findings: str, reason: str, campaign: str | None,
           confirm_date: bool) -> None:
    _store_from_file(ctx, task, findings, campaign, confirm_date, reason)

