"""A mark costs the server a quarter less: the login lookups keep their plans, and a mark
on a draft locks its task instead of rewriting it (docs/store.md#connections).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Measured on the 2-core machine through PgBouncer, one client, 8,000 marks (issue 22,
docs/bench.md): the server's CPU per mark fell from 0.16-0.18 ms to 0.12-0.13 ms.

- ``jc_actor()``, ``jc_login_cert()`` and ``jc_login_department()`` (migration 0007) were
  SQL functions with a ``FROM``: PostgreSQL cannot inline them and parses and plans their
  query again at every call -- once a mark (the answer's author), once a statement of a
  named login (its row-level security policies). As PL/pgSQL functions their query's
  plan is kept for the life of the server connection. Same query, same result, same
  rights (security invoker).
- ``jc_mark()`` (migration 0008) updated the task's row at every mark, to take its row
  lock, even when the task was already a draft: a new row version, its WAL and, once the
  page filled, its index entries, for nothing. Now only the first mark turns 待检查 into
  草稿 (an UPDATE, as before); a later one takes ``FOR KEY SHARE`` on the row, the
  weakest row lock, which a submit's ``FOR UPDATE`` still waits for (and the submit
  waits for it): a mark never lands after the submit read the answers, and two marks on
  one task no longer wait for each other. The author is decided once a mark.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jointcheck.core.store.migrations import sibling

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOOKUPS = ("jc_actor", "jc_login_cert", "jc_login_department")
MARK_SIGNATURE = "jc_mark(text, text, json, integer, timestamptz, text)"


def _lookups(conn: sa.Connection) -> dict[str, str]:
    """Migration 0007's statement creating each login lookup (the one definition of what
    they return), by name."""
    roles = sibling("0007_roles")
    database, schema = conn.execute(
        sa.text("SELECT current_database(), current_schema()")).one()
    s = roles.q(schema)
    found = {}
    for statement in roles._statements(schema, roles.role_prefix(database, schema)):
        for name in LOOKUPS:
            if statement.startswith(f"CREATE FUNCTION {s}.{name}()"):
                found[name] = statement
    assert set(found) == set(LOOKUPS), sorted(found)
    return found


def _as_plpgsql(statement: str) -> str:
    """``CREATE FUNCTION f() RETURNS t LANGUAGE sql STABLE AS $$ SELECT … $$`` ->
    the same function in PL/pgSQL, returning the same query's value."""
    head, body, _tail = statement.split("$$")
    head = head.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    assert "LANGUAGE sql" in head, head
    head = head.replace("LANGUAGE sql", "LANGUAGE plpgsql", 1)
    return f"{head}$$\nBEGIN\n    RETURN ({body.strip()});\nEND $$"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for statement in _lookups(conn).values():
        conn.exec_driver_sql(_as_plpgsql(statement).replace("%", "%%"))
    s = sibling("0007_roles").q(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
    conn.exec_driver_sql(f"""CREATE OR REPLACE FUNCTION {s}.jc_mark(p_task text, p_key text,
        p_value json, p_expected integer, p_now timestamptz, p_who text)
    RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    author text;
    who text := coalesce({s}.jc_actor(), p_who, current_user);
BEGIN
    -- the task's row lock first: the first mark turns 待检查 into 草稿; a later one locks
    -- the row FOR KEY SHARE (a submit's FOR UPDATE waits for it, other marks do not);
    -- a submitted task takes no mark
    UPDATE {s}.tasks SET status = 'draft', updated_at = p_now
    WHERE tasks.id = p_task AND tasks.status = 'pending';
    IF NOT FOUND THEN
        PERFORM FROM {s}.tasks WHERE tasks.id = p_task AND tasks.status <> 'submitted'
        FOR KEY SHARE;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    -- the answer: inserted as version 1 (p_expected 0) or compare-and-set on its version
    IF p_expected = 0 THEN
        INSERT INTO {s}.task_answers (task_id, key, value, version, updated_at, updated_by)
        VALUES (p_task, p_key, p_value, 1, p_now, who)
        ON CONFLICT DO NOTHING
        RETURNING task_answers.updated_by INTO author;
    ELSE
        UPDATE {s}.task_answers
        SET value = p_value, version = p_expected + 1, updated_at = p_now, updated_by = who
        WHERE task_answers.task_id = p_task AND task_answers.key = p_key
          AND task_answers.version = p_expected
        RETURNING task_answers.updated_by INTO author;
    END IF;
    RETURN author;
END $$""")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for statement in _lookups(conn).values():
        conn.exec_driver_sql(statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
                             .replace("%", "%%"))
    s = sibling("0007_roles").q(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
    conn.exec_driver_sql(f"DROP FUNCTION {s}.{MARK_SIGNATURE}")
    sibling("0008_mark_function").upgrade()  # 0008's jc_mark, as that migration made it
