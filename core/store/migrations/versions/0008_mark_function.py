"""A mark on PostgreSQL as one function call: ``jc_mark()`` (docs/store.md#connections).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

The statement of a mark (records.service._save_pg: a data-modifying CTE that takes the
task's row lock and writes the answer by compare-and-set) cost the server 0.28 ms of CPU
a mark, of which about 0.12 ms was parsing and planning it again: through a pooler in
transaction mode the store uses no server-side prepared statements. PL/pgSQL keeps the
plan of each statement of a function for the life of the server connection, which
PgBouncer keeps open, so the same statements inside ``jc_mark()`` are planned once per
server connection: 0.17 ms a mark (issue 22, docs/bench.md).

The function is SECURITY INVOKER (the default): it runs as the login that calls it, so
the row-level security of migration 0007 applies as to the statement it replaces, and the
answer's author is decided the same way (the named login, else the name given, else
``current_user``). It holds no session state. SQLite is unchanged (no function).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "jc_mark(text, text, json, integer, timestamptz, text)"


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    s = q(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
    # the task's row lock first (an UPDATE that turns 待检查 into 草稿 and leaves any other
    # status as it is, refusing a submitted task), then the answer: inserted as version 1
    # (p_expected 0) or compare-and-set on its version; NULL when nothing was written
    task = f"""WITH task AS (
        UPDATE {s}.tasks
        SET status = CASE WHEN tasks.status = 'pending' THEN 'draft' ELSE tasks.status END,
            updated_at = CASE WHEN tasks.status = 'pending' THEN p_now
                              ELSE tasks.updated_at END
        WHERE tasks.id = p_task AND tasks.status <> 'submitted'
        RETURNING tasks.id)"""
    who = f"coalesce({s}.jc_actor(), p_who, current_user)"
    conn.exec_driver_sql(f"""CREATE FUNCTION {s}.jc_mark(p_task text, p_key text,
        p_value json, p_expected integer, p_now timestamptz, p_who text)
    RETURNS text LANGUAGE plpgsql AS $$
DECLARE author text;
BEGIN
    IF p_expected = 0 THEN
        {task}
        INSERT INTO {s}.task_answers (task_id, key, value, version, updated_at, updated_by)
        SELECT task.id, p_key, p_value, 1, p_now, {who} FROM task
        ON CONFLICT DO NOTHING
        RETURNING task_answers.updated_by INTO author;
    ELSE
        {task}
        UPDATE {s}.task_answers
        SET value = p_value, version = p_expected + 1, updated_at = p_now, updated_by = {who}
        WHERE task_answers.task_id = p_task AND task_answers.key = p_key
          AND task_answers.version = p_expected
          AND task_answers.task_id IN (SELECT task.id FROM task)
        RETURNING task_answers.updated_by INTO author;
    END IF;
    RETURN author;
END $$""")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    s = q(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
    conn.exec_driver_sql(f"DROP FUNCTION {s}.{SIGNATURE}")
