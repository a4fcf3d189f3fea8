"""``jointcheck serve``: the inspectors' app in a browser, for tablets and phones.

textual-serve (PyPI) starts one ``jointcheck inspect`` process per browser connection and
draws it with xterm.js; a closed tab or a dropped connection ends that process. Every
answer is stored as it is made (docs/records.md), so a tab closed midway loses nothing and
reopening resumes. Loopback by default; docs/deployment.md shows it behind a TLS reverse
proxy. On a server store each connection logs in as its person: the children get the URL
without user name or password and no PGPASSWORD/.pgpass, so the app asks for the login
(never a shared identity), and serve refuses to start where the server lets a connection
in without a password.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import URL, make_url

from ..errors import os_detail, problem, register
from ..i18n import get_lang, translator
from ..store import StoreError, open_store, resolve_url
from ..store.access import password_needed, server_address
from ._common import EXIT_INVALID, db_url, echo_problems

_ = translator({
    "help": ("在浏览器中提供检查界面（平板、手机）：每个浏览器连接启动一个检查界面进程；默认只监听本机",
             "Serve the inspectors' app to browsers (tablets, phones): one app process per "
             "connection; loopback only by default"),
    "host": ("监听地址（默认 127.0.0.1，只允许本机访问；对外提供请放在 TLS 反向代理之后）",
             "address to listen on (default 127.0.0.1: this machine only; put it behind a TLS "
             "reverse proxy to serve others)"),
    "port": ("监听端口", "port to listen on"),
    "public_url": ("浏览器访问的外部地址（在反向代理之后时填写，如 https://jc.example.gov.cn）",
                   "the address browsers use (behind a reverse proxy, e.g. https://jc.example.org)"),
    "font_size": ("终端字号（像素，平板上建议 18–22）", "terminal font size in pixels (18–22 on a tablet)"),
    "serving": ("检查界面已在 {url} 提供（Ctrl+C 停止）", "Serving the inspectors' app on {url} (Ctrl+C stops)"),
    "sqlite": ("数据库为 SQLite 单机文件：只适合一台电脑上的一个检查组；多人同时使用请用 PostgreSQL 服务器",
               "the store is a SQLite file: one team on one computer; use a PostgreSQL server "
               "for many people at once"),
    "exposed": ("注意：{host} 不是本机地址，请只在 TLS 反向代理之后对外提供（见 docs/deployment.md）",
                "warning: {host} is not a loopback address; serve others only behind a TLS "
                "reverse proxy (docs/deployment.md)"),
    "blank_host": ("监听地址不能为空（空地址会在所有网络接口上监听）",
                   "the address to listen on cannot be empty (an empty one listens on every "
                   "network interface)"),
    "login": ("服务器数据库：每个浏览器连接须用本人账号登录", "server store: every browser "
              "connection logs in as its own person"),
})


register({
    "JC780": ("数据库服务器 {where} 不要求密码即可连接：所有浏览器连接将共用同一身份",
              "the database server {where} lets a connection in without a password: every "
              "browser connection would share one identity"),
    "JC781": ("无法在 {host}:{port} 提供检查界面：{reason}", "cannot serve on {host}:{port}: {reason}"),
}, {
    "JC780": ("请在 pg_hba.conf 中对该地址使用 scram-sha-256 密码认证（见 docs/deployment.md），"
              "使每个人以本人的登录连接。",
              "Please require scram-sha-256 password authentication for that address in "
              "pg_hba.conf (docs/deployment.md), so that each person connects as themselves."),
    "JC781": ("请换一个端口（--port），或停止占用该端口的程序；地址无法解析或不是本机地址时，请改正 --host。",
              "Please choose another port (--port) or stop the program that uses it; if the "
              "address does not resolve or is not this machine's, correct --host."),
})


def _nonblank_host(value: str) -> str:
    """--host as given; a blank one (an unset variable in a script) would listen on every
    interface, the opposite of what it looks like: a usage error."""
    if not value.strip():
        raise click.BadParameter(_("blank_host"))
    return value


@click.command(help=_("help"))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("host"),
              callback=lambda _ctx, _param, value: _nonblank_host(value))
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help=_("port"))
@click.option("--public-url", default=None, metavar="URL", help=_("public_url"))
@click.option("--font-size", type=click.IntRange(8, 48), default=18, show_default=True,
              help=_("font_size"))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, public_url: str | None,
          font_size: int) -> None:
    url = resolve_url(db_url(ctx))
    server = url.startswith("postgresql")
    if server:
        url = _without_identity(url)  # every connection logs in as its own person
    try:
        open_store(url).dispose()  # the store answers (and asks for a password) before we listen
    except StoreError as exc:
        if not (server and password_needed(exc.problem)):
            echo_problems([exc.problem])
            sys.exit(EXIT_INVALID)
    else:
        if server:  # the server let a connection in without a password: a shared identity
            echo_problems([problem("JC780", where=server_address(url))])
            sys.exit(EXIT_INVALID)
    click.echo(_("login") if server else _("sqlite"), err=True)
    if not _loopback(host):
        click.echo(_("exposed", host=host), err=True)

    os.environ["JOINTCHECK_DB"] = url  # the children's store, never on a command line
    os.environ["JOINTCHECK_SERVED"] = "1"  # the login dialog suggests no name
    command = shlex.join([*_jointcheck(), "--lang", get_lang(), "inspect"])
    # textual-serve (aiohttp) loads only to serve: not for `serve --help`, nor a refused store
    from textual_serve.server import Server

    class AppServer(Server):
        """textual-serve with the font size a tablet needs by default (``?fontsize=``)."""

        async def handle_index(self, request: Any) -> Any:
            if "fontsize" not in request.query:
                request = request.clone(
                    rel_url=request.rel_url.update_query(fontsize=str(font_size)))
            return await super().handle_index(request)

    shown = public_url or f"http://{host}:{port}"
    click.echo(_("serving", url=shown), err=True)
    try:
        AppServer(command, host=host, port=port, title="jointcheck 检查界面",
                  public_url=public_url).serve()
    except OSError as exc:  # the port is taken, the address is not this machine's…
        echo_problems([problem("JC781", host=host, port=port, reason=os_detail(exc))])
        sys.exit(EXIT_INVALID)


def _jointcheck() -> list[str]:
    """The command that runs ``jointcheck`` with this Python: the installed script beside
    the interpreter, else the entry point called through ``python -c``."""
    script = Path(sys.executable).with_name("jointcheck")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from jointcheck.core.cli import main; main()"]


def _without_identity(url: str) -> str:
    """*url* with no user name or password, and the environment with none either (no
    PGUSER, PGPASSWORD or .pgpass): the app then asks each person for their login."""
    for name in ("PGPASSWORD", "PGUSER"):
        os.environ.pop(name, None)
    # a password file that does not exist: libpq reads none, and says nothing (it warns
    # about /dev/null, which is not a plain file); in a folder of our own, so that nobody
    # else can put one there, removed when the server stops
    folder = tempfile.mkdtemp(prefix="jointcheck-serve-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["PGPASSFILE"] = os.path.join(folder, "no-pgpass")
    u = make_url(url)
    return URL.create(u.drivername, host=u.host, port=u.port, database=u.database,
                      query=u.query).render_as_string(hide_password=False)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
