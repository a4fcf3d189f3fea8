"""Inspection history (国办发〔2024〕54号): the inspections table, and the draw's history
fingerprint, funnel and 补充抽取 reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Creates exactly the tables and columns of core/store/models.py added in this revision
(tests/test_store.py compares the migrated schema with the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("draws", sa.Column("history_fingerprint", sa.String(length=64), nullable=True))
    op.add_column("draws", sa.Column("funnel", sa.JSON(), nullable=True))
    op.add_column("draws", sa.Column("reason", sa.Text(), nullable=True, comment="补充抽取理由"))
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False, comment="统一社会信用代码"),
        sa.Column("inspected_on", sa.Date(), nullable=False, comment="检查日期"),
        sa.Column("unit", sa.Text(), nullable=False, comment="检查单位"),
        sa.Column("kind", sa.Text(), nullable=True, comment="检查类型"),
        sa.Column("matters", sa.Text(), nullable=True, comment="检查事项"),
        sa.Column("source", sa.Text(), nullable=False, comment="来源文件"),
        sa.Column("row_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint("row_digest", name=op.f("uq_inspections_row_digest")),
    )
    op.create_index("ix_inspections_credit_code", "inspections", ["credit_code"])


def downgrade() -> None:
    op.drop_index("ix_inspections_credit_code", table_name="inspections")
    op.drop_table("inspections")
    # ALTER TABLE ... DROP COLUMN on both engines (SQLite 3.35+): a batch copy of draws
    # would drop the table the commitments, draw_targets and tasks refer to
    op.drop_column("draws", "reason")
    op.drop_column("draws", "funnel")
    op.drop_column("draws", "history_fingerprint")
