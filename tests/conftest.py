"""Shared fixtures.

Database fixtures run every store test on each engine available:

- ``sqlite`` always (a fresh file under ``tmp_path``);
- ``postgresql`` when ``JOINTCHECK_TEST_PG_URL`` is set (``.ci/run`` sets it): each test
  gets a fresh, empty schema of that database, selected through the URL's
  ``options=-csearch_path=...`` and dropped afterwards. Without it, these cases are
  reported as skipped, with the reason.

``db_url`` is an empty, un-migrated database; ``store_url`` is one upgraded to the newest
migration. ``db_engine_name`` says which engine a test runs on. ``sqlite_url`` is for the
few tests that need a SQLite file in particular.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection

pytest_plugins = ["pytester"]

PG_ENV = "JOINTCHECK_TEST_PG_URL"


def _engines() -> list[object]:
    """Both engines; without the PostgreSQL URL its cases are skipped, saying why."""
    if os.environ.get(PG_ENV, "").strip():
        return ["sqlite", "postgresql"]
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skip(
        reason=f"PostgreSQL: {PG_ENV} is not set (e.g. postgresql+psycopg://USER:PASSWORD"
               f"@127.0.0.1:5432/DATABASE)"))]


@pytest.fixture(scope="session")
def _parse_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("parse-cache")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, _parse_cache_dir) -> Iterator[None]:
    """No test sees the developer's database, language, actor or parse-cache settings."""
    from jointcheck.core.i18n import set_lang

    for name in ("JOINTCHECK_DB", "JOINTCHECK_LANG", "JOINTCHECK_ACTOR", "JOINTCHECK_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(_parse_cache_dir))
    set_lang(None)
    yield
    set_lang(None)


def pg_base_url() -> str:
    """The PostgreSQL URL of the test database (psycopg 3 driver)."""
    from jointcheck.core.store import resolve_url

    return resolve_url(os.environ[PG_ENV].strip())


def _pg_schema_url(schema: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(pg_base_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def _pg_admin_connection(url: str | None = None) -> Iterator[Connection]:
    """An autocommit connection to the test database (or *url*), closed after."""
    import sqlalchemy as sa

    engine = sa.create_engine(url or pg_base_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '20s'")
            yield conn
    finally:
        engine.dispose()


def _pg_admin(statement: str) -> None:
    with _pg_admin_connection() as conn:
        conn.exec_driver_sql(statement)


@pytest.fixture(params=_engines())
def db_engine_name(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``: the engine this test runs on."""
    return request.param


@pytest.fixture
def db_url(db_engine_name: str, tmp_path) -> Iterator[str]:
    """A fresh, empty (un-migrated) database URL on each available engine."""
    if db_engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'jointcheck.db'}"
        return
    with pg_schema_url() as url:
        yield url


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A fresh, empty schema of the PostgreSQL test database (its URL), dropped after,
    with the cluster-wide roles its store made (group roles and logins)."""
    from jointcheck.core.store import access

    schema = f"jc_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield _pg_schema_url(schema)
    finally:
        with _pg_admin_connection() as conn:
            access.drop_schema(conn, schema)


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """A fresh database *name* on the PostgreSQL test server (its URL), dropped after with
    the cluster-wide roles its store made."""
    from sqlalchemy.engine import make_url

    from jointcheck.core.store import access

    _pg_admin(f'CREATE DATABASE "{name}"')
    url = make_url(pg_base_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with _pg_admin_connection(url) as conn:
            prefix = access.role_prefix(conn)  # its roles outlive the database
        with _pg_admin_connection() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if prefix:
                access.drop_roles(conn, prefix)


@pytest.fixture
def store_url(db_url: str) -> str:
    """Like ``db_url`` but already upgraded to the newest migration."""
    from jointcheck.core.store import upgrade

    upgrade(db_url)
    return db_url


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A store at the newest revision in a schema of its own on PostgreSQL, for what only
    PostgreSQL has (roles, COPY); skipped, saying why, without the server's URL."""
    from jointcheck.core.store import upgrade

    if not os.environ.get(PG_ENV, "").strip():
        pytest.skip(f"PostgreSQL: {PG_ENV} is not set")
    with pg_schema_url() as url:
        upgrade(url)
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite file URL (SQLite-only tests)."""
    return f"sqlite:///{tmp_path / 'jointcheck.db'}"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A directory on sys.path where tests 'install' distributions (tests/distutil.py);
    the test plugin modules (``jc_*``) are forgotten afterwards."""
    from distutil import forget_modules

    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    forget_modules("jc_")


@pytest.fixture
def settled(store_url: str, tmp_path):
    """Four settled records of the example campaign on each engine (one left for
    follow-up, one corrected on the spot, one with an office override, one compliant):
    tests/recordsupport.py settled_store."""
    from tests.recordsupport import settled_store

    d = settled_store(store_url, tmp_path)
    yield d
    d.engine.dispose()
