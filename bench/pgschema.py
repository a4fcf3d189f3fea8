"""The PostgreSQL schema a benchmark works in: its own schema of the given database, so a
run never touches anything else there (``--pg URL`` of the bench scripts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def check_reachable(parser: Any, base: str | None) -> None:
    """``--pg URL`` answers, or the usage error *parser* prints says why in one line
    (before a run spends minutes on SQLite first)."""
    if not base:
        return
    import sqlalchemy as sa

    from jointcheck.core.store import resolve_url

    url = resolve_url(base)
    if not url.startswith("postgresql"):
        parser.error(f"--pg must be a PostgreSQL URL (postgresql://…), not {base!r}")
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        engine.connect().close()
    except sa.exc.DBAPIError as exc:
        why = " ".join(line.strip() for line in str(exc.orig).splitlines() if line.strip())
        parser.error(f"cannot connect to --pg: {why}")
    except (sa.exc.ArgumentError, ValueError) as exc:
        parser.error(f"--pg is not a database URL: {exc}")


def admin(base: str, statement: str) -> None:
    """Run one statement (CREATE/DROP SCHEMA) on *base* in autocommit."""
    import sqlalchemy as sa

    from jointcheck.core.store import resolve_url

    engine = sa.create_engine(resolve_url(base), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def schema_url(base: str, schema: str, *, fresh: bool = False) -> str:
    """*base* with ``search_path`` set to *schema*, which is created if missing (dropped and
    created anew when *fresh*)."""
    from sqlalchemy.engine import make_url

    from jointcheck.core.store import resolve_url

    if fresh:
        drop_schema(base, schema)
    admin(base, f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    url = make_url(resolve_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def scratch_schema(base: str, schema: str) -> Iterator[str]:
    """The URL of a fresh *schema*, dropped when the block ends."""
    try:
        yield schema_url(base, schema, fresh=True)
    finally:
        drop_schema(base, schema)


def drop_schema(base: str, schema: str) -> None:
    """Drop *schema* with the cluster-wide roles its store made (group roles, logins)."""
    import sqlalchemy as sa

    from jointcheck.core.store import access, resolve_url

    engine = sa.create_engine(resolve_url(base), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            access.drop_schema(conn, schema)
    finally:
        engine.dispose()
