"""``jointcheck audit``: verify and read the hash-chained audit log."""

from __future__ import annotations

import sys

import click

from ..clock import reading_time
from ..i18n import translator
from ..store import audit as log
from ..text import table_lines
from ._common import EXIT_INVALID, echo_json, echo_problems, format_option, store_engine

_ = translator({
    "group": ("审计日志", "Audit log"),
    "verify": ("校验审计日志的哈希链，发现被修改或删除的条目",
               "Verify the audit log's hash chain: find edited or deleted entries"),
    "anchor": ("之前记录的日志头（序号:哈希，由 audit head 输出），可重复给出",
               "a previously recorded head (SEQ:HASH, from `audit head`); repeatable"),
    "list": ("列出审计日志条目（最新的在前）", "List audit entries (newest first)"),
    "limit": ("最多显示的条数", "show at most this many entries"),
    "head": ("输出日志头（序号:哈希），请记录在数据库以外作为锚点",
             "Print the log head (SEQ:HASH); record it outside the database as an anchor"),
    "intact": ("审计日志完整：共 {n} 条，日志头 {head}", "audit log intact: {n} entries, head {head}"),
    "empty_ok": ("审计日志为空", "the audit log is empty"),
    "broken": ("审计日志已被篡改：第一个有问题的条目是第 {seq} 条",
               "the audit log has been tampered with: the first bad entry is {seq}"),
    "empty": ("审计日志为空", "the audit log is empty"),
    "seq": ("序号", "seq"), "at": ("时间（北京时间）", "time (Beijing)"), "actor": ("操作人", "actor"),
    "action": ("操作", "action"), "hash": ("哈希", "hash"),
})


@click.group(help=_("group"))
def audit() -> None:
    pass


@audit.command(help=_("verify"))
@click.option("--anchor", "anchors", multiple=True, metavar="SEQ:HASH", help=_("anchor"))
@format_option("text", "json")
@click.pass_context
def verify(ctx: click.Context, anchors: tuple[str, ...], fmt: str) -> None:
    parsed = []
    for text in anchors:
        try:
            parsed.append(log.parse_anchor(text))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--anchor") from None
    with store_engine(ctx) as engine, engine.connect() as conn:
        problems = log.verify(conn, parsed)
        head = log.head(conn)
        count = sum(1 for _e in log.entries(conn))
    head_text = f"{head[0]}:{head[1]}" if head else None
    if fmt == "json":
        echo_json({"intact": not problems, "entries": count, "head": head_text,
                   "first_bad_seq": problems[0].extra["seq"] if problems else None,
                   "problems": [p.to_json() for p in problems]})
    elif problems:
        click.echo(_("broken", seq=problems[0].extra["seq"]), err=True)
        echo_problems(problems)
    else:
        click.echo(_("intact", n=count, head=head_text) if head else _("empty_ok"))
    if problems:
        sys.exit(EXIT_INVALID)


@audit.command(name="list", help=_("list"))
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help=_("limit"))
@format_option("table", "json")
@click.pass_context
def list_(ctx: click.Context, limit: int, fmt: str) -> None:
    with store_engine(ctx) as engine, engine.connect() as conn:
        rows = list(log.entries(conn, limit=limit, newest_first=True))
    if fmt == "json":
        echo_json(rows)
        return
    if not rows:
        click.echo(_("empty"))
        return
    header = [_("seq"), _("at"), _("actor"), _("action"), _("hash")]
    table = [[str(r["seq"]), reading_time(r["at"]), r["actor"], r["action"], r["hash"][:16]] for r in rows]
    click.echo("\n".join(table_lines(header, table, rule=False)))


@audit.command(help=_("head"))
@click.pass_context
def head(ctx: click.Context) -> None:
    with store_engine(ctx) as engine, engine.connect() as conn:
        h = log.head(conn)
    if h is None:
        click.echo(_("empty"), err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"{h[0]}:{h[1]}")

