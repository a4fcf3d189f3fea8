"""An officer's tasks are found through an index, not by reading every task's team
(PostgreSQL; docs/store.md#connections).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

An inspector's task list (the app's first screen, ``jointcheck tasks --officer``, a bundle
for one officer) asks which tasks have the officer in their team, and so does the
inspectors' row-level security (migration 0007) on every statement of a named login that
reads ``tasks``. Both asked it of every task's ``team`` (JSON, parsed as ``jsonb`` a row):
a sequential scan whose cost grows with the store -- on the 2-core machine, 100,000 tasks,
197 ms a question, 2 ms a thousand tasks, for each of a province's inspectors. A GIN index
on the team as ``jsonb`` (``jsonb_path_ops``: containment only) answers the same question,
``team::jsonb @> '[{"cert_no": ...}]'``, in 0.5 ms. The expression is the policy's own, so
the policy uses the index as it stands; :func:`~jointcheck.core.store.models.in_team`
writes it for the other queries. SQLite (one office, no policies) has no such index.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_tasks_team_members"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        f"CREATE INDEX {INDEX} ON tasks USING gin ((team::jsonb) jsonb_path_ops)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(f"DROP INDEX {INDEX}")
