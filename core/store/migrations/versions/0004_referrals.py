"""Referrals (问题线索移交): referral_letters and referrals.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Creates exactly the tables of core/store/models.py added in this revision
(tests/test_store.py compares the migrated schema with the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False, comment="接收部门"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False, comment="文号"),
        sa.Column("dated", sa.Date(), nullable=False, comment="成文日期"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_letters")),
        sa.UniqueConstraint("number", name=op.f("uq_referral_letters_number")),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False, comment="检查部门"),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("refer_to", sa.String(length=64), nullable=False, comment="接收部门"),
        sa.Column("credit_code", sa.String(length=18), nullable=False,
                  comment="统一社会信用代码"),
        sa.Column("note", sa.Text(), nullable=True, comment="问题说明"),
        sa.Column("dispositions", sa.JSON(), nullable=False, comment="建议处理结果"),
        sa.Column("inspected_on", sa.Date(), nullable=True, comment="检查日期"),
        sa.Column("status", sa.String(length=16), nullable=False, comment="状态"),
        sa.Column("drafted_on", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True, comment="立案或书面回复日期"),
        sa.Column("closed_on", sa.Date(), nullable=True, comment="结案日期"),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("case_no", sa.Text(), nullable=True, comment="案件编号"),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["letter_id"], ["referral_letters.id"],
                                name=op.f("fk_referrals_letter_id_referral_letters")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_referrals_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("task_id", "department", "item_id", name="uq_referrals_problem"),
    )
    op.create_index("ix_referrals_campaign_status", "referrals", ["campaign_id", "status"])
    op.create_index("ix_referrals_refer_to", "referrals", ["refer_to"])


def downgrade() -> None:
    op.drop_index("ix_referrals_refer_to", table_name="referrals")
    op.drop_index("ix_referrals_campaign_status", table_name="referrals")
    op.drop_table("referrals")
    op.drop_table("referral_letters")
