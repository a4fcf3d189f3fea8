"""``jointcheck users``: the named logins of a server store (docs/deployment.md)."""

from __future__ import annotations

import sys

import click

from ..clock import reading_time
from ..i18n import translator
from ..store.access import ROLES, role_text
from ..store.users import add_user, list_users, remove_user
from ..text import table_lines
from ._common import (
    OFFICE,
    echo_json_list,
    format_option,
    store_engine,
)

_ = translator({
    "group": ("登录与角色：添加、列出、删除使用服务器数据库的人员",
              "Logins and roles: add, list and remove the people who use a server store"),
    "add": ("添加登录 LOGIN（密码从标准输入读取，不作为参数）",
            "Add the login LOGIN (the password is read from standard input, never an argument)"),
    "role": ("角色：office 办公室、inspector 检查人员、department 部门、auditor 审计人员",
             "role: office, inspector, department or auditor"),
    "officer": ("检查人员的执法证号（--role inspector 时必填）",
                "the inspector's 执法证号 (required with --role inspector)"),
    "department": ("部门代码（--role department 时必填）",
                   "the department code (required with --role department)"),
    "list": ("列出登录及其角色", "List the logins and their roles"),
    "remove": ("删除登录 LOGIN（其审计日志条目保留原名）",
               "Remove the login LOGIN (its audit entries keep its name)"),
    "password": ("登录 {login} 的密码", "password of {login}"),
    "added": ("已添加登录 {login}：{role}{bound}", "added the login {login}: {role}{bound}"),
    "removed": ("已删除登录 {login}", "removed the login {login}"),
    "none": ("还没有登录", "no logins yet"),
    "login": ("登录名", "login"), "role_h": ("角色", "role"), "cert": ("执法证号", "执法证号"),
    "dept": ("部门", "department"), "created": ("创建", "created"),
})


def _read_password(login: str) -> str:
    """The password from standard input: prompted twice (hidden) on a terminal, else the
    first line of what is piped in."""
    if sys.stdin.isatty():
        return str(click.prompt(_("password", login=login), hide_input=True,
                                confirmation_prompt=True, err=True))
    return sys.stdin.readline().rstrip("\r\n")


@click.group(help=_("group"))
def users() -> None:
    pass


@users.command(help=_("add"))
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(ROLES), help=_("role"))
@click.option("--officer", "cert_no", default=None, metavar="执法证号", help=_("officer"))
@click.option("--department", default=None, metavar="CODE", help=_("department"))
@click.pass_context
def add(ctx: click.Context, login: str, role: str, cert_no: str | None,
        department: str | None) -> None:
    with store_engine(ctx, roles=OFFICE) as engine:  # says an AccessError, exit 1
        # the password is asked for last, after every check that can refuse without it
        made = add_user(engine, login, role, lambda: _read_password(login), cert_no=cert_no,
                        department=department)
    bound = f" · 执法证号 {made.cert_no}" if made.cert_no else (
        f" · {made.department}" if made.department else "")
    click.echo(_("added", login=made.login, role=role_text(made.role), bound=bound))


@users.command("list", help=_("list"))
@format_option("text", "json")
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    with store_engine(ctx) as engine:
        found = list_users(engine)
    if fmt == "json":
        echo_json_list(u.to_json() for u in found)
        return
    if not found:
        click.echo(_("none"))
        return
    rows = [(u.login, role_text(u.role), u.cert_no or "", u.department or "",
             f"{reading_time(u.created_at)} {u.created_by or ''}".strip()) for u in found]
    for line in table_lines([_("login"), _("role_h"), _("cert"), _("dept"), _("created")],
                            rows):
        click.echo(line)


@users.command(help=_("remove"))
@click.argument("login")
@click.pass_context
def remove(ctx: click.Context, login: str) -> None:
    with store_engine(ctx, roles=OFFICE) as engine:
        remove_user(engine, login)
    click.echo(_("removed", login=login))
