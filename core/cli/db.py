"""``jointcheck db``: create, upgrade and inspect the store."""

from __future__ import annotations

import sys

import click

from ..i18n import translator
from ..store import StoreError, head_revision, resolve_url, safe_url
from ..store import status as store_status
from ..store import upgrade as do_upgrade
from ..text import pairs_lines
from ._common import EXIT_INVALID, db_url, echo_json, echo_problems, format_option

_ = translator({
    "group": ("数据库管理", "Database management"),
    "upgrade": ("创建数据库或将其升级到最新结构版本", "Create the database or upgrade it to the newest schema"),
    "status": ("显示数据库 URL 及其结构版本", "Show the database URL and its schema revision"),
    "applied": ("已将 {url} 升级到 {head}（应用了 {revs}）", "upgraded {url} to {head} (applied {revs})"),
    "uptodate": ("{url} 已是最新结构版本 {head}，无需升级", "{url} is already at the newest revision {head}"),
    "url": ("数据库", "database"),
    "current": ("当前版本", "current revision"),
    "head": ("最新版本", "newest revision"),
    "state": ("状态", "state"),
    "none": ("（无）", "(none)"),
    "ok": ("正常，已是最新", "ok, up to date"),
    "missing": ("数据库不存在", "missing"),
    "unreachable": ("无法连接", "unreachable"),
    "uninitialised": ("尚未初始化", "not initialised"),
    "behind": ("落后，需要升级", "behind, needs an upgrade"),
    "ahead": ("比本软件新", "newer than this software"),
    "unusable": ("无法使用", "unusable"),
})


@click.group(help=_("group"))
def db() -> None:
    pass


@db.command(help=_("upgrade"))
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    url = resolve_url(db_url(ctx))
    try:
        applied = do_upgrade(url)
    except StoreError as exc:
        echo_problems([exc.problem])
        sys.exit(EXIT_INVALID)
    head = head_revision()
    if applied:
        click.echo(_("applied", url=safe_url(url), head=head, revs=", ".join(applied)))
    else:
        click.echo(_("uptodate", url=safe_url(url), head=head))


@db.command(help=_("status"))
@format_option("text", "json")
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    info = store_status(db_url(ctx))
    problem = info.pop("problem")
    if fmt == "json":
        echo_json({**info, "problem": problem.to_json() if problem else None})
    else:
        rows = [(_("url"), info["url"]), (_("current"), info["current"] or _("none")),
                (_("head"), info["head"]), (_("state"), _(info["state"]))]
        click.echo("\n".join(pairs_lines(rows)))
        if problem:
            echo_problems([problem])
    if info["state"] != "ok":
        sys.exit(EXIT_INVALID)
