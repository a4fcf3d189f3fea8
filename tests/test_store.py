"""The store: URLs, migrations, clear errors when the database is not usable, write lock."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jointcheck.core import clock, store
from jointcheck.core.cli import main
from jointcheck.core.store import StoreError, begin_write, open_store, sqlite_path, upgrade
from jointcheck.core.store.models import include_object, metadata

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _revision(url: str) -> str | None:
    engine = store.create_engine_for(url)
    try:
        with engine.connect() as conn:
            return store.current_revision(conn)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- URLs


def test_resolve_url_argument_then_environment_then_default(monkeypatch):
    assert store.resolve_url(None) == "sqlite:///jointcheck.db"
    monkeypatch.setenv("JOINTCHECK_DB", "sqlite:////srv/jc.db")
    assert store.resolve_url(None) == "sqlite:////srv/jc.db"
    assert store.resolve_url("sqlite:///other.db") == "sqlite:///other.db"


def test_resolve_url_bare_path_and_postgres_driver():
    assert store.resolve_url("/var/lib/jc/store.db") == "sqlite:////var/lib/jc/store.db"
    assert store.resolve_url("data/store.db") == "sqlite:///data/store.db"
    assert store.resolve_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert store.resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_safe_url_hides_the_password():
    shown = store.safe_url("postgresql+psycopg://jc:s3cret@db.example:5432/jc")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://jc:***@db.example:5432/jc"


def test_unsupported_url_is_a_clear_error():
    with pytest.raises(StoreError) as info:
        open_store("mysql://u@h/db")
    assert info.value.code == "JC707"


# --------------------------------------------------------------------------- migrations


def test_upgrade_creates_exactly_the_model_tables(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert upgrade(db_url) == [f"{n:04d}" for n in range(1, int(store.head_revision()) + 1)]
    engine = store.create_engine_for(db_url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert tables == set(metadata.tables) | {"alembic_version"}
    assert diff == []


def test_every_migration_downgrades_and_upgrades_again_on_a_store_in_use(store_url, tmp_path):
    """A store with rows in every room (a draw and its tasks, settled records, a referral
    sent and its letter, an imported inspection, a field bundle exported, a commitment)
    goes down one migration at a time to an empty database and up again, on each engine:
    rows still present never block a downgrade (on SQLite a batch copy of a table that
    others refer to did, in 0006)."""
    from datetime import date

    from alembic import command
    from alembic.script import ScriptDirectory
    from recordsupport import settled_store

    from jointcheck.core import referrals

    drawn = settled_store(store_url, tmp_path)
    today = date(2026, 11, 29)
    referrals.draft(drawn.engine, "hebi-2020-industrial-safety", date(2020, 8, 3), today=today)
    ref = referrals.list_referrals(drawn.engine, campaign_id="hebi-2020-industrial-safety")[0]
    referrals.update(drawn.engine, ref.id, "sent", date(2020, 8, 7), today=today)
    code = drawn.draw.drawn[0]["credit_code"]
    (tmp_path / "history.csv").write_text(
        f"统一社会信用代码,检查日期,检查单位\n{code},2020-06-15,市生态环境局\n", encoding="utf-8")
    done = run_cli("--db", store_url, "history", "import", str(tmp_path / "history.csv"))
    assert done.exit_code == 0, done.output
    for args in (["referrals", "letter", str(drawn.campaign_path), "--format", "md",
                  "-o", str(tmp_path / "letters"), "--date", "2020-08-05"],
                 ["bundle", "export", "--draw", str(drawn.draw.id), "--task",
                  drawn.task_ids[-1], "-o", str(tmp_path / "b.jcb")],
                 ["draw", "commit", str(drawn.campaign_path), "--seed", "下一次补充抽取的种子",
                  "--weak-seed"]):
        done = run_cli("--db", store_url, *args)
        assert done.exit_code == 0, (args, done.output)
    with drawn.engine.connect() as conn:
        empty = [t for t in metadata.tables if t not in ("logins", "bundle_conflicts") and
                 not conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[t]))
                 .scalar()]
    assert empty == []  # every room has rows (logins: PostgreSQL's roles, tests/test_roles)
    drawn.engine.dispose()

    cfg = store.alembic_config(store_url)
    revisions = [r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()]
    engine = store.create_engine_for(store_url)
    try:
        for below in [*revisions[1:], "base"]:
            with begin_write(engine) as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "-1")
            with engine.connect() as conn:
                assert store.current_revision(conn) == (None if below == "base" else below)
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert upgrade(store_url) == revisions[::-1]
    assert run_cli("--db", store_url, "db", "status").exit_code == 0


def test_sqlite_store_uses_wal_and_foreign_keys(sqlite_url):
    upgrade(sqlite_url)
    engine = open_store(sqlite_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


def _page_size(url: str) -> int:
    import sqlite3

    con = sqlite3.connect(sqlite_path(url))
    try:
        return con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()


def test_a_new_sqlite_store_has_16_kib_pages_and_an_old_one_keeps_its_own(tmp_path):
    """A store made now has the page size a big import writes fastest with; a store made
    with SQLite's 4 KiB pages (every store before) is upgraded, written and read as it is:
    nothing rewrites it behind its administrator's back (SQLite itself ignores a page size
    asked of a file that has pages; only a VACUUM would apply it)."""
    import sqlite3

    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample

    new = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade(new)
    assert _page_size(new) == store.SQLITE_PAGE_SIZE == 16384

    old = tmp_path / "old.db"
    con = sqlite3.connect(old)  # what SQLite (and jointcheck before) made: 4 KiB, WAL
    con.execute("PRAGMA page_size = 4096")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    old_url = f"sqlite:///{old}"
    upgrade(old_url)
    targets, _officers = write_sample(tmp_path / "lib", targets=300, officers=0, seed=4)
    for url in (old_url, new):
        engine = open_store(url)
        try:
            report = import_file(engine, "targets", targets, parallel=False)
            assert report.imported and report.added == 300
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM targets").scalar() == 300
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        finally:
            engine.dispose()
    assert _page_size(old_url) == 4096
    assert _page_size(new) == 16384


def test_foreign_keys_are_enforced(store_url):
    engine = open_store(store_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), begin_write(engine) as conn:
            conn.execute(sa.text("INSERT INTO draw_targets (draw_id, seq, credit_code) "
                                 "VALUES (999, 1, '91310110666007217T')"))
    finally:
        engine.dispose()


def test_db_upgrade_cli_is_idempotent(db_url):
    first = run_cli("--db", db_url, "db", "upgrade")
    assert first.exit_code == 0, first.output
    assert "0001" in first.output
    second = run_cli("--db", db_url, "db", "upgrade")
    assert second.exit_code == 0, second.output
    assert "无需升级" in second.output
    assert _revision(db_url) == store.head_revision()
    status = run_cli("--db", db_url, "db", "status")
    assert status.exit_code == 0, status.output
    assert "正常" in status.output


def test_db_status_json_hides_password(store_url):
    result = run_cli("--db", store_url, "db", "status", "--format", "json")
    assert result.exit_code == 0, result.output
    assert f'"current": "{store.head_revision()}"' in result.output
    assert '"state": "ok"' in result.output
    if "@" in store_url:  # PostgreSQL URL with a password
        password = sa.engine.make_url(store_url).password
        assert password and f":{password}@" not in result.output
        assert ":***@" in result.output


def test_db_upgrade_creates_the_default_file_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "jointcheck.db").is_file()


def test_db_upgrade_reads_jointcheck_db(tmp_path, monkeypatch):
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("JOINTCHECK_DB", str(target))
    result = run_cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert target.is_file()


# --------------------------------------------------------------------------- unusable stores


def _missing_database_url(db_engine_name: str, tmp_path: Path) -> str:
    if db_engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'nowhere.db'}"
    from conftest import pg_base_url

    return sa.engine.make_url(pg_base_url()).set(database="jc_no_such_database").render_as_string(
        hide_password=False)


def test_missing_database_is_reported_not_created(db_engine_name, tmp_path):
    url = _missing_database_url(db_engine_name, tmp_path)
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert info.value.code == "JC701"
    assert not (tmp_path / "nowhere.db").exists()

    result = run_cli("--db", url, "audit", "list")
    assert result.exit_code == 1
    assert "JC701" in result.output
    assert "jointcheck db upgrade" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "nowhere.db").exists()


def test_missing_database_message_in_english(tmp_path):
    url = f"sqlite:///{tmp_path / 'nowhere.db'}"
    result = run_cli("--lang", "en", "--db", url, "audit", "verify")
    assert result.exit_code == 1
    assert "the database does not exist" in result.output
    assert "Please run `jointcheck db upgrade`" in result.output


def test_uninitialised_database_asks_for_upgrade(db_url):
    """An empty file (or schema) is one `db upgrade` makes a store of, and it says so; the
    file is left as it was (a file with tables of its own is another program's: JC720)."""
    path = sqlite_path(db_url)
    if path:  # an existing but empty file
        path.write_bytes(b"")
    with pytest.raises(StoreError) as info:
        open_store(db_url)
    assert info.value.code == "JC703"
    result = run_cli("--db", db_url, "audit", "verify")
    assert result.exit_code == 1
    assert "请先运行 jointcheck db upgrade" in result.output
    assert "Traceback" not in result.output
    if path:
        assert path.read_bytes() == b""
    assert run_cli("--db", db_url, "db", "upgrade").exit_code == 0
    assert run_cli("--db", db_url, "audit", "verify").exit_code == 0


def test_unreachable_postgresql_names_the_url_without_password():
    url = "postgresql+psycopg://jc:topsecret@127.0.0.1:1/jc"
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert info.value.code == "JC702"
    result = run_cli("--db", url, "db", "status")
    assert result.exit_code == 1
    assert "JC702" in result.output
    assert "127.0.0.1:1" in result.output
    assert "topsecret" not in result.output
    assert "Traceback" not in result.output
    upgrade_result = run_cli("--db", url, "db", "upgrade")
    assert upgrade_result.exit_code == 1
    assert "topsecret" not in upgrade_result.output
    assert "Traceback" not in upgrade_result.output


def test_a_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("这不是数据库\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as info:
        open_store(str(bogus))
    assert info.value.code == "JC706"
    result = run_cli("--db", str(bogus), "db", "upgrade")
    assert result.exit_code == 1
    assert "JC706" in result.output
    assert "Traceback" not in result.output


SECOND_MIGRATION = '''
"""add a note to targets (test only)"""
import sqlalchemy as sa
from alembic import op

revision = "0999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("note")
'''


@pytest.fixture
def newer_software(tmp_path, monkeypatch):
    """Pretend this software ships a newer migration, 0999."""
    scripts = tmp_path / "migrations"
    shutil.copytree(store.migrations_dir(), scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0999_note.py").write_text(
        SECOND_MIGRATION.replace("{head}", store.head_revision()), encoding="utf-8")
    monkeypatch.setattr(store, "migrations_dir", lambda: scripts)
    return scripts


def test_database_behind_the_software_says_run_upgrade(store_url, newer_software):
    with pytest.raises(StoreError) as info:
        open_store(store_url)
    assert info.value.code == "JC704"
    result = run_cli("--db", store_url, "audit", "list")
    assert result.exit_code == 1
    assert store.head_revision() in result.output and "0999" in result.output
    assert "请先运行 jointcheck db upgrade" in result.output
    assert "Traceback" not in result.output

    status = run_cli("--db", store_url, "db", "status")
    assert status.exit_code == 1
    assert "落后" in status.output

    up = run_cli("--db", store_url, "db", "upgrade")
    assert up.exit_code == 0, up.output
    assert "0999" in up.output
    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("targets")}
    finally:
        engine.dispose()
    assert "note" in columns


def test_database_ahead_of_the_software(store_url):
    engine = store.create_engine_for(store_url)
    with begin_write(engine) as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError) as info:
        open_store(store_url)
    assert info.value.code == "JC705"
    result = run_cli("--db", store_url, "db", "upgrade")
    assert result.exit_code == 1
    assert "JC705" in result.output
    assert _revision(store_url) == "9999"  # upgrade refused to touch it


# --------------------------------------------------------------------------- write lock


def test_begin_write_rolls_back_on_error(store_url):
    from jointcheck.core.store.models import commitments

    engine = open_store(store_url)
    try:
        with pytest.raises(RuntimeError), begin_write(engine) as conn:
            conn.execute(commitments.insert().values(
                campaign_id="c", commitment="a" * 64, created_at=clock.utcnow()))
            raise RuntimeError("boom")
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(commitments)).scalar() == 0
    finally:
        engine.dispose()


HOLD_LOCK = textwrap.dedent("""
    import sys
    from jointcheck.core import clock
    from jointcheck.core.store import begin_write, open_store
    from jointcheck.core.store.models import commitments
    engine = open_store(sys.argv[1])
    with begin_write(engine) as conn:
        conn.execute(commitments.insert().values(
            campaign_id="c", commitment="a" * 64, created_at=clock.utcnow()))
        print("locked", flush=True)
        sys.stdin.readline()  # hold the lock until the test says so
    print("released", flush=True)
""")


def test_begin_write_waits_for_another_process(store_url):
    """A second writer blocks until the first commits, instead of failing or interleaving:
    it starts only when the other process lets go, and then sees what that one wrote."""
    import threading

    from jointcheck.core.store.models import commitments

    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, store_url],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    engine = open_store(store_url)
    entered = threading.Event()
    seen: list[int] = []

    def second_writer() -> None:
        with begin_write(engine) as conn:
            entered.set()
            seen.append(conn.execute(
                sa.select(sa.func.count()).select_from(commitments)).scalar_one())

    try:
        assert holder.stdout.readline().strip() == "locked"
        writer = threading.Thread(target=second_writer)
        writer.start()
        assert not entered.wait(0.5)  # the other process still holds the lock
        holder.stdin.write("go\n")
        holder.stdin.flush()
        writer.join(timeout=60)
        assert holder.stdout.readline().strip() == "released"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        engine.dispose()
    assert holder.returncode == 0
    assert entered.is_set() and seen == [1]


# --------------------------------------------------------------------------- packaging


def test_importing_the_store_module_is_light():
    code = ("import sys, jointcheck.core.store, jointcheck.core.store.audit; "
            "print(any(m.startswith(('sqlalchemy', 'alembic')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_migrations_ship_as_package_data_and_run_from_an_install(tmp_path):
    """What setuptools installs (not the source tree) can create a store.

    ``build_py`` lays out exactly the modules and package data that go into the wheel;
    it needs neither the network nor the ``wheel`` package.
    """
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".ruff_cache", "*.db", "*.db-wal", "*.db-shm", "bench", "tests", "docs"))
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-c",
         "import sys; from setuptools import setup; "
         f"sys.argv = ['setup.py', '-q', 'build_py', '--build-lib', {str(site)!r}]; setup()"],
        cwd=src, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    migrations = site / "jointcheck" / "core" / "store" / "migrations"
    for needed in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert (migrations / needed).is_file(), needed
    db = tmp_path / "from-install.db"
    code = textwrap.dedent(f"""
        import sys
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
        sys.path.insert(0, {str(site)!r})
        import jointcheck.core.store as s
        assert s.__file__.startswith({str(site)!r}), s.__file__
        print(s.upgrade({str(db)!r}))
        s.open_store({str(db)!r}).dispose()
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "0001" in run.stdout


def test_postgresql_cases_are_reported_as_skipped_without_the_url(pytester, monkeypatch):
    """Without JOINTCHECK_TEST_PG_URL the PostgreSQL half of a store test shows as skipped,
    with the reason, instead of vanishing."""
    monkeypatch.delenv("JOINTCHECK_TEST_PG_URL", raising=False)
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_engines="def test_engine(db_engine_name):\n    pass\n")
    result = pytester.runpytest("-rs", "-p", "no:textual-snapshot")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*PostgreSQL: JOINTCHECK_TEST_PG_URL is not set*"])


def test_db_upgrade_refuses_another_programs_database(db_url):
    """--db pointed at an unrelated database must not get jointcheck's tables added."""
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)"))
    finally:
        engine.dispose()
    path = sqlite_path(db_url)
    before = path.read_bytes() if path else None
    # one message, what it is and what to do, whichever command meets it (issue 18: tasks
    # list said run db upgrade, which then refused)
    outputs = set()
    for args in (["db", "upgrade"], ["tasks", "list"], ["status", "hebi-2020-industrial-safety"],
                 ["targets", "list"], ["audit", "verify"]):
        result = run_cli("--db", db_url, *args)
        assert result.exit_code == 1 and "Traceback" not in result.output, (args, result.output)
        assert "JC720" in result.output and "invoices" in result.output, (args, result.output)
        assert "不是 jointcheck 的数据库" in result.output and "不会改动它" in result.output
        outputs.add(result.output)
    assert len(outputs) == 1
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == ["invoices"]
    finally:
        engine.dispose()
    if path:  # not a byte changed (no journal mode switched, nothing created beside it)
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) \
            == [path.name]
