"""PgBouncer in transaction mode on loopback, in front of a PostgreSQL server, for the tests
and for bench/load.py (docs/store.md#a-province-pgbouncer-in-front).

    with bouncer(server_url, pool_size=10, max_clients=200) as b:
        url = b.url("jointcheck_x")      # postgresql+psycopg://USER:PW@127.0.0.1:PORT/jointcheck_x

It starts the ``pgbouncer`` binary (Debian package ``pgbouncer``; ``.ci/run`` installs it)
in the foreground as a child of this process, with a configuration written to a fresh
folder: every database name is passed to the server of *server_url*, clients
authenticate with SCRAM against the user and password of that URL (and of every login
given to :meth:`Bouncer.add_logins`), which PgBouncer also uses to log in to the server. As
root it runs as the ``postgres`` user (PgBouncer refuses to run as root). Leaving the
block stops it and removes the folder.

Two configurations, as docs/store.md#a-province-pgbouncer-in-front gives them:

- one login for every app (the default): *pool_size* server connections in all
  (``default_pool_size`` and ``max_db_connections``);
- ``named_logins=True``, each app logging in as its own login: PgBouncer keeps a pool per
  login; at most *pool_size* server connections per login, given back after
  *server_idle_timeout* s (60, as docs/store.md gives it), and no cap per database (with
  one, a login whose pool has no server connection closes another login's idle one and
  opens its own: a new server process for nearly every mark; *db_cap* sets one, to
  measure that).

A client waits at most 15 s for a server connection (``query_wait_timeout``; PgBouncer's
default is 120 s), so that a starved pool fails a test soon instead of stalling it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BINARY_PATHS = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def binary() -> str | None:
    """The pgbouncer executable, or None when it is not installed."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    return next((p for p in BINARY_PATHS if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bouncer:
    port: int
    user: str
    password: str
    folder: Path
    process: subprocess.Popen

    def url(self, database: str, **query: str) -> str:
        """A store URL of *database* through this PgBouncer."""
        from sqlalchemy.engine import URL

        return URL.create("postgresql+psycopg", username=self.user, password=self.password,
                          host="127.0.0.1", port=self.port, database=database,
                          query=query).render_as_string(hide_password=False)

    def add_logins(self, passwords: dict[str, str]) -> None:
        """Let each user of *passwords* log in through PgBouncer (and to the server) with
        its password: added to the auth file, which PgBouncer reads again on SIGHUP."""
        with (self.folder / "userlist.txt").open("a", encoding="utf-8") as f:
            f.writelines(f"{_quote(u)} {_quote(p)}\n" for u, p in passwords.items())
        reloads = self.log().count("SIGHUP")
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while self.log().count("SIGHUP") == reloads and time.monotonic() < deadline:
            time.sleep(0.02)  # (past the deadline, the next login says whether it took)

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@contextmanager
def bouncer(server_url: str, *, pool_size: int = 10, max_clients: int = 100,
            port: int | None = None, named_logins: bool = False,
            server_idle_timeout: int = 60, db_cap: int | None = None) -> Iterator[Bouncer]:
    """PgBouncer (transaction mode) on 127.0.0.1 in front of *server_url*'s server."""
    from sqlalchemy.engine import make_url

    exe = binary()
    if exe is None:
        raise RuntimeError("pgbouncer is not installed (Debian package pgbouncer)")
    server = make_url(server_url)
    user, password = server.username or "", server.password or ""
    folder = Path(tempfile.mkdtemp(prefix="jc-pgbouncer-"))
    port = port or free_port()
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        folder.chmod(0o755)
    (folder / "userlist.txt").write_text(f"{_quote(user)} {_quote(password)}\n",
                                         encoding="utf-8")
    limits = (f"server_idle_timeout = {server_idle_timeout}" if named_logins
              else f"max_db_connections = {pool_size}")
    if named_logins and db_cap:
        limits += f"\nmax_db_connections = {db_cap}"
    (folder / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={server.host or '127.0.0.1'} port={server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {folder / 'userlist.txt'}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = {max_clients}
{limits}
query_wait_timeout = 15
logfile = {folder / 'pgbouncer.log'}
log_connections = 0
log_disconnections = 0
""", encoding="utf-8")
    if run_as is not None:
        shutil.chown(folder / "userlist.txt", run_as)
        (folder / "userlist.txt").chmod(0o600)
        log = folder / "pgbouncer.log"
        log.touch()
        shutil.chown(log, run_as)
    command = [exe, str(folder / "pgbouncer.ini")]
    if run_as is not None:
        command[1:1] = ["-u", run_as]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    b = Bouncer(port=port, user=user, password=password, folder=folder, process=process)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                raise RuntimeError("pgbouncer stopped at once: "
                                   + (process.stderr.read().decode(errors="replace")
                                      if process.stderr else "") + b.log()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not listen in time: "
                                       + b.log()[-2000:]) from exc
                time.sleep(0.05)
        yield b
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the work is done: stop at once
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)
