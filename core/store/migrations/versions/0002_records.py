"""Inspection tasks and records: checklists, tasks, task_answers, record_versions,
record_problems; one task per target of every draw already recorded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Creates exactly the tables of core/store/models.py added in this revision
(tests/test_store.py compares the migrated schema with the models).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checklists",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_checklists")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=32), nullable=False, comment="任务编号"),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, comment="抽取序号"),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False,
                  comment="统一社会信用代码"),
        sa.Column("team", sa.JSON(), nullable=False, comment="检查人员"),
        sa.Column("status", sa.String(length=16), nullable=False, comment="状态"),
        sa.Column("checklist_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, comment="已提交版本"),
        sa.Column("amend_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"],
                                name=op.f("fk_tasks_draw_id_draws")),
        sa.ForeignKeyConstraint(["checklist_fingerprint"], ["checklists.fingerprint"],
                                name=op.f("fk_tasks_checklist_fingerprint_checklists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("draw_id", "seq", name="uq_tasks_draw_seq"),
    )
    op.create_index("ix_tasks_campaign_status", "tasks", ["campaign_id", "status"])
    op.create_index("ix_tasks_credit_code", "tasks", ["credit_code"])
    op.create_table(
        "task_answers",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_task_answers_task_id_tasks")),
        sa.PrimaryKeyConstraint("task_id", "key", name=op.f("pk_task_answers")),
    )
    op.create_table(
        "record_versions",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checklist_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True, comment="修改理由"),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_record_versions_task_id_tasks")),
        sa.ForeignKeyConstraint(["checklist_fingerprint"], ["checklists.fingerprint"],
                                name=op.f("fk_record_versions_checklist_fingerprint_checklists")),
        sa.PrimaryKeyConstraint("task_id", "version", name=op.f("pk_record_versions")),
    )
    op.create_table(
        "record_problems",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("refer_to", sa.String(length=64), nullable=False),
        sa.Column("dispositions", sa.JSON(), nullable=False),
        sa.Column("corrected_on_site", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["task_id", "version"],
                                ["record_versions.task_id", "record_versions.version"],
                                name="fk_record_problems_version"),
        sa.PrimaryKeyConstraint("task_id", "version", "n", name=op.f("pk_record_problems")),
    )
    op.create_index("ix_record_problems_refer_to", "record_problems", ["refer_to"])
    _tasks_for_existing_draws()


def _tasks_for_existing_draws() -> None:
    """One pending task per drawn target of the draws recorded before this revision."""
    conn = op.get_bind()
    draws = sa.table("draws", sa.column("id"), sa.column("campaign_id"), sa.column("result"))
    tasks = sa.table("tasks", *(sa.column(c) for c in (
        "id", "draw_id", "seq", "campaign_id", "credit_code", "status", "version",
        "created_at", "updated_at")), sa.column("team", sa.JSON))
    now = datetime.now(UTC)
    for row in conn.execute(sa.select(draws.c.id, draws.c.campaign_id, draws.c.result)):
        result = row.result if not isinstance(row.result, str | bytes) else json.loads(row.result)
        rows = []
        for t in result.get("targets") or []:
            team = sorted(t.get("team") or [], key=lambda m: not m.get("leader"))
            rows.append({"id": f"{row.id}-{t['seq']}", "draw_id": row.id, "seq": t["seq"],
                         "campaign_id": row.campaign_id, "credit_code": t["credit_code"],
                         "team": team, "status": "pending", "version": 0,
                         "created_at": now, "updated_at": now})
        if rows:
            conn.execute(sa.insert(tasks), rows)


def downgrade() -> None:
    op.drop_index("ix_record_problems_refer_to", table_name="record_problems")
    op.drop_table("record_problems")
    op.drop_table("record_versions")
    op.drop_table("task_answers")
    op.drop_index("ix_tasks_credit_code", table_name="tasks")
    op.drop_index("ix_tasks_campaign_status", table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("checklists")
