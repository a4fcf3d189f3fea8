"""The store: one SQLite file by default, PostgreSQL when it grows (docs/architecture.md#principle-5).

Everything that needs the database goes through this module::

    engine = open_store(url)              # clear StoreError if missing / unreachable / behind
    with begin_write(engine) as conn:     # one writer at a time, across processes
        conn.execute(...)
        audit.append(conn, "targets.import", {...})

The schema changes only through Alembic migrations (``core/store/migrations``), applied by
:func:`upgrade` (``jointcheck db upgrade``). ``sqlalchemy`` and ``alembic`` are imported
inside the functions so that importing this module stays light (docs/architecture.md#principle-8).

Problem codes JC701–JC710 and JC720 belong to this module (the audit log uses JC711–JC719,
see ``core/store/audit.py``).

Opening never changes a file that is not a jointcheck store: a SQLite file is looked at
read-only first (:func:`_sqlite_contents`), so that an empty file, another program's
database or a random file is reported as what it is and left byte for byte as it was;
:func:`open_store` with ``readonly=True`` (bundles) never writes at all.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import JointcheckError, Problem, problem, register
from ..i18n import get_lang

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

DEFAULT_URL = "sqlite:///jointcheck.db"
ENV_VAR = "JOINTCHECK_DB"
BUSY_TIMEOUT_MS = 30_000
# The page size a new SQLite store is made with (an existing one keeps its own: SQLite
# changes it only by rewriting the whole file). 16 KiB instead of SQLite's 4 KiB: a library
# import writes a fifth fewer bytes and a quarter of the pages to the WAL and back (200,000
# rows: the write 0.49 -> 0.40 s, the commit 0.34 -> 0.18 s); a draw, a mark and a status
# take as long as before (docs/bench.md).
SQLITE_PAGE_SIZE = 16384
# The PostgreSQL transaction-level advisory lock taken by begin_write() has two int4 keys:
# this constant (the first 4 bytes of SHA-256("jointcheck.write"), signed) and
# hashtext(current_schema()), so stores in different schemas of one database do not
# wait for each other.
PG_WRITE_LOCK_KEY = 1142784370
# Execution option set on connections handed out by begin_write().
WRITE_OPTION = "jointcheck_write"
# PostgreSQL: an Engine keeps at most 1 + PG_POOL_OVERFLOW connections, and the app lets
# release_idle() close them once unused for IDLE_SECONDS (docs/store.md#connections).
PG_POOL_OVERFLOW = 1
IDLE_SECONDS = 30.0
# Engine -> time.monotonic() of its last connection check-in (PostgreSQL engines).
_last_used: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

# code -> (zh template, en template)
CODES: dict[str, tuple[str, str]] = {
    "JC701": ("数据库不存在", "the database does not exist"),
    "JC702": ("无法连接数据库：{detail}", "cannot connect to the database: {detail}"),
    "JC703": ("数据库尚未初始化（没有任何迁移记录）",
              "the database is not initialised (no migration has been applied)"),
    "JC704": ("数据库的结构版本 {current} 落后于本软件所需的 {head}",
              "the database is at schema revision {current}, behind this software's {head}"),
    "JC705": ("数据库的结构版本 {current} 比本软件新（本软件最新为 {head}）",
              "the database is at schema revision {current}, newer than this software ({head})"),
    "JC706": ("无法使用该数据库：{detail}", "cannot use the database: {detail}"),
    "JC707": ("不支持的数据库 URL", "unsupported database URL"),
    "JC708": ("数据库是只读的，无法写入", "the database is read-only: nothing can be written"),
    "JC709": ("数据库正被其他操作占用：{detail}", "the database is busy: {detail}"),
    "JC710": ("数据库所在磁盘已满", "the database's disk is full"),
    "JC720": ("这是其他程序的数据库（其中有数据表 {tables}），不是 jointcheck 的数据库",
              "this is another program's database (it holds the table(s) {tables}), not a jointcheck database"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC701": ("请先运行 jointcheck db upgrade 创建数据库，或用 --db / JOINTCHECK_DB 指定正确的数据库。",
              "Please run `jointcheck db upgrade` to create it, or point --db / JOINTCHECK_DB "
              "at the right database."),
    "JC702": ("请检查数据库服务是否已启动、主机、端口、用户名和密码是否正确。",
              "Please check that the database server is running and that host, port, user "
              "and password are right."),
    "JC703": ("请先运行 jointcheck db upgrade。", "Please run `jointcheck db upgrade` first."),
    "JC704": ("请先运行 jointcheck db upgrade。", "Please run `jointcheck db upgrade` first."),
    "JC705": ("请升级 jointcheck 到与该数据库相符的版本，或改用其他数据库。",
              "Please upgrade jointcheck to the version that wrote this database, or use "
              "another database."),
    "JC706": ("请确认该文件是 jointcheck 的数据库，且有读写权限。",
              "Please check that the file is a jointcheck database and that it is readable "
              "and writable."),
    "JC707": ("请使用 sqlite:///文件路径 或 postgresql+psycopg://用户@主机/数据库。",
              "Please use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE."),
    "JC708": ("请检查数据库文件及其所在目录的写权限（SQLite 需要在该目录中创建日志文件）、数据库用户的权限，或用 --db 指定可写的数据库。",
              "Please check the write permission of the database file and of its directory (SQLite creates its journal there), or the database user's privileges, or point --db at a writable database."),
    "JC709": ("若有其他导入或抽取正在进行，请待其完成后重试。",
              "If another import or draw is running, please try again when it is done."),
    "JC710": ("请清理磁盘空间后重试；本次操作已回滚，未写入任何内容。",
              "Please free some disk space and try again; this operation was rolled back and wrote nothing."),
    "JC720": ("jointcheck 不会改动它：请用 --db（或 JOINTCHECK_DB）指定 jointcheck 的数据库；要新建一个，请运行 jointcheck --db 新文件路径 db upgrade。",
              "jointcheck leaves it untouched: please point --db (or JOINTCHECK_DB) at a jointcheck database; to create one, run `jointcheck --db NEW_PATH db upgrade` with a new file path."),
}


register(CODES, HINTS)


class StoreError(JointcheckError):
    """The store cannot be used. ``.problem`` says why and how to fix it.

    The CLI prints ``problem.format()`` and exits 1 (no traceback).
    """

    def __init__(self, problem: Problem):
        super().__init__([problem])
        self.args = (problem,)  # so that it pickles and copies as it was made

    @property
    def problem(self) -> Problem:
        return self.problems[0]

    @property
    def code(self) -> str:
        return self.problem.code


def _error(code: str, url: str, **params: Any) -> StoreError:
    shown = safe_url(url)
    return StoreError(problem(code, file=shown, url=shown, **params))


# --------------------------------------------------------------------------- URLs


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: *url*, else ``$JOINTCHECK_DB``, else :data:`DEFAULT_URL`.

    A bare filesystem path becomes a SQLite URL; ``postgresql://`` and ``postgres://``
    select the psycopg (3) driver.
    """
    value = (url or "").strip() or os.environ.get(ENV_VAR, "").strip() or DEFAULT_URL
    if "://" not in value:
        return "sqlite:///" + value
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return "postgresql+psycopg://" + rest
    return value


def safe_url(url: str) -> str:
    """*url* with any password replaced by ``***`` (for messages and ``db status``)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL too broken to parse: hide anything between ':' and '@'
        import re

        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _backend(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        name = make_url(url).get_backend_name()
    except Exception as exc:
        raise _error("JC707", url) from exc
    if name not in ("sqlite", "postgresql"):
        raise _error("JC707", url)
    return name


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for an in-memory database or another engine)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    if u.database.startswith("file:"):
        return None
    return Path(u.database)


# --------------------------------------------------------------------------- engines


def create_engine_for(url: str | None = None, *, readonly: bool = False) -> Engine:
    """An Engine for *url* (see :func:`resolve_url`).

    SQLite: WAL journal, ``foreign_keys=ON``, a 30 s busy timeout, and transactions that
    SQLAlchemy controls (so that :func:`begin_write` can issue ``BEGIN IMMEDIATE``).
    With *readonly* (a SQLite file only: a bundle), the file is opened read-only and
    immutable: nothing is written to it or beside it, the journal mode is left as it is.
    PostgreSQL: the psycopg 3 driver with a 10 s connect timeout, a pool of at most two
    connections, no pre-ping and no server-side prepared statements, so that it works
    unchanged through PgBouncer in transaction mode (docs/store.md#connections).
    """
    import sqlalchemy as sa

    url = resolve_url(url)
    backend = _backend(url)
    if backend == "sqlite" and readonly:
        import sqlite3

        path = sqlite_path(url)
        assert path is not None, "readonly engines are for SQLite files"
        uri = _readonly_uri(path)
        engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(
            uri, uri=True, check_same_thread=False))

        @sa.event.listens_for(engine, "connect")
        def _on_connect_ro(dbapi_conn: Any, record: Any) -> None:
            dbapi_conn.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _on_begin_ro(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    if backend == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, record: Any) -> None:
            # Let SQLAlchemy's "begin" event below emit BEGIN, not the driver.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                cur.execute("PRAGMA foreign_keys = ON")
                if cur.execute("PRAGMA page_count").fetchone()[0] == 0:
                    # a new store: its page size is set before its first page is written
                    cur.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
                mode = cur.execute("PRAGMA journal_mode").fetchone()
                if mode and str(mode[0]).lower() not in ("wal", "memory"):
                    cur.execute("PRAGMA journal_mode = WAL")
            finally:
                cur.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            if conn.get_execution_options().get(WRITE_OPTION):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    u = sa.engine.make_url(url)
    # No server-side prepared statements: a pooler in transaction mode (PgBouncer) hands
    # each transaction to any server connection, where a statement prepared on another
    # would not exist (docs/store.md#connections).
    connect_args: dict[str, Any] = {"prepare_threshold": None}
    if "connect_timeout" not in u.query:
        connect_args["connect_timeout"] = 10
    # What one person needs at most: the app's screen and its writer thread, or a
    # command's connection and one beside it. No pre-ping (a round trip before every
    # transaction): a connection lost meanwhile fails its statement, which the app retries
    # (tui/saving.py); release_idle() closes connections nobody used for a while.
    engine = sa.create_engine(url, connect_args=connect_args, pool_size=1,
                              max_overflow=PG_POOL_OVERFLOW, pool_timeout=BUSY_TIMEOUT_MS / 1000)
    _last_used[engine] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        _last_used[engine] = time.monotonic()

    return engine


def release_idle(engine: Engine, idle_seconds: float = IDLE_SECONDS) -> bool:
    """Close the pooled connections of *engine* when none is in use and none was used for
    *idle_seconds*; return whether it did. A long-running program (the app) calls this
    now and then, so that it holds no database connection while its user is idle; the
    next statement opens a new one. SQLite engines are left alone (a file, no server)."""
    if engine.dialect.name != "postgresql":
        return False
    last = _last_used.get(engine)
    pool = engine.pool
    checkedout = getattr(pool, "checkedout", None)
    checkedin = getattr(pool, "checkedin", None)
    if last is None or checkedout is None or checkedin is None:
        return False
    if checkedout() or not checkedin() or time.monotonic() - last < idle_seconds:
        return False
    engine.dispose()
    return True


def autocommit_row(engine: Engine, sql: str, params: dict[str, Any]) -> Any:
    """The first row (or None) of one statement run in autocommit, its own transaction
    and one round trip, on the driver connection of a connection of *engine*'s pool
    (PostgreSQL, psycopg; *sql* has the driver's ``%(name)s`` parameters).

    For the statement a store runs thousands of times, a mark: SQLAlchemy's execution
    (compiled-cache lookup, execution context, result wrapping, setting and resetting the
    isolation level) costs more client CPU than the driver's call (0.17 against 0.10 ms a
    mark, docs/bench.md). The connection is checked out of and back into the pool like any
    other (its events, :func:`release_idle`, at most two), and always goes back out of
    autocommit, or is discarded. A driver error is raised as SQLAlchemy raises it
    (``sqlalchemy.exc.DBAPIError`` and its subclasses), with ``connection_invalidated``
    set and the connection discarded when it was lost, so a caller tells a busy, refused
    or lost store from this statement as from any other."""
    from sqlalchemy.exc import DBAPIError, StatementError

    dialect = engine.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    lost = False

    def wrapped(exc: Exception) -> StatementError:
        return DBAPIError.instance(sql, params, exc, dbapi_error,
                                   connection_invalidated=lost, dialect=dialect)

    try:
        raw = engine.raw_connection()
    except dbapi_error as exc:
        lost = dialect.is_disconnect(exc, None, None)
        raise wrapped(exc) from exc
    try:
        driver: Any = raw.driver_connection
        try:
            driver.autocommit = True
            return driver.execute(sql, params).fetchone()
        except dbapi_error as exc:
            lost = bool(driver.closed) or dialect.is_disconnect(exc, raw.dbapi_connection, None)
            raise wrapped(exc) from exc
        finally:
            if not lost:
                try:
                    driver.autocommit = False
                except dbapi_error:  # e.g. interrupted mid-statement: not given back
                    lost = True
            if lost:
                raw.invalidate()
    finally:
        raw.close()


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A Connection in a transaction that holds the store's write lock from the start.

    SQLite: ``BEGIN IMMEDIATE`` (waits up to the busy timeout for another writer).
    PostgreSQL: a transaction-level advisory lock on (:data:`PG_WRITE_LOCK_KEY`,
    ``hashtext(current_schema())``).
    Commits on normal exit, rolls back on an exception. Imports, draws and audit appends
    use it so that concurrent processes serialise instead of interleaving.
    """
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                             {"key": PG_WRITE_LOCK_KEY})
            yield conn


# --------------------------------------------------------------------------- migrations


def migrations_dir() -> Path:
    """The Alembic script directory shipped inside the package."""
    return Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None):
    """A programmatic Alembic ``Config`` (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        # ConfigParser interpolation: escape '%' (URL-encoded passwords).
        cfg.set_main_option("sqlalchemy.url", resolve_url(url).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration this software knows.

    Read from the migration files' ``revision`` / ``down_revision`` lines, without
    importing Alembic (it costs more at startup than the rest of the store); Alembic's
    own answer is used when the files do not make a single, simple chain."""
    import re

    pattern = re.compile(r'^(down_revision|revision)\b[^=]*=\s*(?:"([^"]*)"|(None))\s*$',
                         re.M)
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        found = dict((k, v or None) for k, v, _none in pattern.findall(
            path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) == 1:
        return heads.pop()
    return _alembic_head()


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (``None``: never migrated). Plain SQL on Alembic's
    ``alembic_version`` table (no Alembic import: it is read at every command's start)."""
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return rows[0] if len(rows) == 1 else (None if not rows else ",".join(sorted(rows)))


def _connect_error(url: str, exc: Exception) -> StoreError:
    """Translate a driver error met while connecting into a StoreError."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else ""
    low = detail.lower()
    if "does not exist" in low and "database" in low:
        return _error("JC701", url)
    if "not a database" in low or "unable to open" in low or "readonly" in low \
            or "disk i/o" in low or "malformed" in low:
        return _error("JC706", url, detail=detail)
    return _error("JC702", url, detail=detail or type(exc).__name__)


def write_problem(url: str | None, exc: BaseException, action: str | None = None) -> Problem:
    """What a driver error met while using the store means, attributed to the database
    (never to the file being imported): PostgreSQL refusing the login *action*
    (JC760, core/store/access.py), read-only (JC708), busy (JC709, the one to retry),
    disk full (JC710), anything else JC706 with the driver's words."""
    from . import access

    url = resolve_url(url)
    shown = safe_url(url)
    if access.is_refusal(exc):
        return access.refusal(exc, action=action or "?", url=url)
    detail = access.driver_words(exc)
    low = detail.lower()
    state = access.sqlstate(exc)
    if ("readonly" in low or "read-only" in low or "read only" in low
            or state == "25006" or "permission denied" in low):
        return problem("JC708", file=shown)
    if ("locked" in low or "busy" in low or state in ("40001", "40P01", "55P03")
            or "lock timeout" in low):
        return problem("JC709", file=shown, detail=detail)
    if "disk is full" in low or "no space" in low or state == "53100":
        return problem("JC710", file=shown)
    return problem("JC706", file=shown, detail=detail)


def driver_errors() -> tuple[type[BaseException], ...]:
    """The error classes of the store's drivers, wrapped (SQLAlchemy) or not (raw cursors)."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    errors: list[type[BaseException]] = [DBAPIError, sqlite3.Error]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


def _has_wal(path: Path) -> bool:
    """Whether a write-ahead log with contents lies beside SQLite file *path* (a process
    has it open, or one was killed): its pages are part of the database."""
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def _is_folder(url: str, path: Path) -> bool:
    """Whether a SQLite URL names a folder (an existing one, or a path ending in /)."""
    return path.is_dir() or url.endswith(("/", os.sep))


def _folder(url: str) -> StoreError:
    """JC706 for a SQLite URL that names a folder, not a database file."""
    return _error("JC706", url, detail="it is a folder, not a database file; name a file in "
                  "it (e.g. FOLDER/jointcheck.db)" if get_lang() == "en"
                  else "这是一个文件夹，不是数据库文件；请给出其中的文件（如 文件夹/jointcheck.db）")


def _readonly_uri(path: Path) -> str:
    """The SQLite URI that opens *path* read-only: immutable (no lock, no journal, no
    ``-shm`` file: nothing is written, even in a read-only folder), unless a write-ahead
    log lies beside it, which only a (read-only) normal connection reads."""
    from urllib.parse import quote

    mode = "mode=ro" if _has_wal(path) else "mode=ro&immutable=1"
    return f"file:{quote(str(path.resolve()))}?{mode}"


def _foreign(url: str, tables: list[str]) -> StoreError:
    """JC720: a database that holds other tables and was never migrated by jointcheck
    (``--db`` pointed at another program's SQLite file, or a busy PostgreSQL schema): the
    same words whether a command reads it or ``db upgrade`` is asked to create a store in
    it, which it refuses (jointcheck's tables are never added to it)."""
    shown = "、".join(tables[:5]) + ("…" if len(tables) > 5 else "")
    return _error("JC720", url, tables=shown)


def _refuse_foreign_tables(url: str, conn: Connection) -> None:
    """JC720 for a never-migrated database that holds tables of its own."""
    from sqlalchemy import inspect

    tables = sorted(t for t in inspect(conn).get_table_names() if t != "alembic_version")
    if tables:
        raise _foreign(url, tables)


_SQLITE_HEADER = b"SQLite format 3\x00"


def _sqlite_contents(url: str, path: Path) -> None:
    """Look at SQLite file *path* without changing it, and raise what a store cannot be:
    JC703 for an empty file or a database without tables (``db upgrade`` makes it a
    store), JC706 for a file that is not SQLite, JC720 for another program's database.
    A file that holds jointcheck's ``alembic_version`` (or has a write-ahead log beside
    it, whose contents only a normal connection reads) passes, to be checked as a store."""
    import sqlite3

    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise _error("JC706", url, detail=exc.strerror or str(exc)) from exc
    if not head:
        raise _error("JC703", url)
    if head != _SQLITE_HEADER:
        raise _error("JC706", url, detail="the file does not begin with the SQLite header"
                     if get_lang() == "en" else "文件开头不是 SQLite 文件头，不是数据库文件")
    if _has_wal(path):
        return
    try:
        con = sqlite3.connect(_readonly_uri(path), uri=True)
        try:
            tables = sorted(r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%'"))
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise _error("JC706", url, detail=str(exc)) from exc
    if "alembic_version" in tables:
        return
    if tables:
        raise _foreign(url, tables)
    raise _error("JC703", url)


def upgrade(url: str | None = None) -> list[str]:
    """Apply every pending migration; return the revisions applied, oldest first.

    Creates a missing SQLite file (this is the one command that may). Runs inside
    :func:`begin_write`, so two processes upgrading at once do not collide, and a failed
    migration leaves the database as it was.
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import DBAPIError

    url = resolve_url(url)
    _backend(url)
    path = sqlite_path(url)
    if path is not None and _is_folder(url, path):
        raise _folder(url)
    if path is not None and not path.parent.exists():
        raise _error("JC706", url, detail=f"{path.parent}: directory does not exist"
                     if get_lang() == "en" else f"目录 {path.parent} 不存在")
    if path is not None and path.is_file():
        try:
            _sqlite_contents(url, path)  # not SQLite, or another program's: left untouched
        except StoreError as exc:
            if exc.code != "JC703":  # empty: this is where a store is made
                raise
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    engine = create_engine_for(url)
    try:
        try:
            with begin_write(engine) as conn:
                before = current_revision(conn)
                if before is not None and before not in known_revisions():
                    raise _error("JC705", url, current=before, head=head)
                if before == head:
                    return []
                if before is None:
                    _refuse_foreign_tables(url, conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                applied = [s.revision for s in script.iterate_revisions(head, before)]
                return list(reversed(applied))
        except DBAPIError as exc:
            raise _connect_error(url, exc) from exc
    finally:
        engine.dispose()


def open_store(url: str | None = None, *, readonly: bool = False) -> Engine:
    """The Engine of an existing, up-to-date store, or a :class:`StoreError` saying why not.

    Never creates anything, and changes no file that is not a store: a missing SQLite file
    is reported (JC701), not created; an empty one is JC703, another program's database
    JC720, anything else JC706. *readonly*: see :func:`create_engine_for`.
    """
    from sqlalchemy.exc import DBAPIError

    url = resolve_url(url)
    _backend(url)
    path = sqlite_path(url)
    if path is not None:
        if _is_folder(url, path):
            raise _folder(url)
        if not path.is_file():
            raise _error("JC701", url)
        _sqlite_contents(url, path)
    engine = create_engine_for(url, readonly=readonly)
    try:
        with engine.connect() as conn:
            current = current_revision(conn)
            if current is None:
                _refuse_foreign_tables(url, conn)
    except DBAPIError as exc:
        engine.dispose()
        if path is not None and not readonly and "unable to open" in str(exc):
            # a store in a folder nothing may be written to (read-only media, an archive
            # copy): SQLite cannot make its -shm file there. It is read read-only; a
            # command that writes is then refused as writing to a read-only store (JC708)
            return open_store(url, readonly=True)
        raise _connect_error(url, exc) from exc
    except StoreError:
        engine.dispose()
        raise
    if current is None:
        engine.dispose()
        raise _error("JC703", url)
    head = head_revision()
    if current != head:
        engine.dispose()
        if current in known_revisions():
            raise _error("JC704", url, current=current, head=head)
        raise _error("JC705", url, current=current, head=head)
    return engine


def status(url: str | None = None) -> dict[str, Any]:
    """What ``db status`` shows: URL (no password), current and head revision, state.

    ``state`` is one of ``ok``, ``missing``, ``unreachable``, ``uninitialised``,
    ``behind``, ``ahead``, ``unusable``; ``problem`` carries the StoreError's problem.
    """
    url = resolve_url(url)
    info: dict[str, Any] = {"url": safe_url(url), "current": None, "head": head_revision(),
                            "state": "ok", "problem": None}
    try:
        engine = open_store(url)
    except StoreError as exc:
        info["problem"] = exc.problem
        info["state"] = {"JC701": "missing", "JC702": "unreachable", "JC703": "uninitialised",
                         "JC704": "behind", "JC705": "ahead"}.get(exc.code, "unusable")
        if exc.code in ("JC704", "JC705"):
            engine = create_engine_for(url)
            try:
                with engine.connect() as conn:
                    info["current"] = current_revision(conn)
            finally:
                engine.dispose()
        return info
    try:
        with engine.connect() as conn:
            info["current"] = current_revision(conn)
    finally:
        engine.dispose()
    return info
