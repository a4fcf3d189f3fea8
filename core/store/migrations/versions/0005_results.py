"""Consolidation of results: result_overrides and result_settlements (with the
publication date).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Creates exactly the tables of core/store/models.py added in this revision
(tests/test_store.py compares the migrated schema with the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True, comment="部门代码"),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, comment="理由"),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_result_overrides_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_overrides")),
    )
    op.create_index("ix_result_overrides_task", "result_overrides", ["task_id"])
    op.create_table(
        "result_settlements",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_by", sa.Text(), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True, comment="公示日期"),
        sa.ForeignKeyConstraint(["task_id", "version"],
                                ["record_versions.task_id", "record_versions.version"],
                                name="fk_result_settlements_version"),
        sa.PrimaryKeyConstraint("task_id", "version", name=op.f("pk_result_settlements")),
    )
    op.create_index("ix_result_settlements_campaign", "result_settlements", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_result_settlements_campaign", table_name="result_settlements")
    op.drop_table("result_settlements")
    op.drop_index("ix_result_overrides_task", table_name="result_overrides")
    op.drop_table("result_overrides")
