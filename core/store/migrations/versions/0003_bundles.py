"""Field bundles: store_meta (with a random store_id for every store), bundles,
bundle_tasks, bundle_conflicts (docs/bundles.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Creates exactly the tables of core/store/models.py added in this revision
(tests/test_store.py compares the migrated schema with the models).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    meta = op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_meta")),
    )
    op.bulk_insert(meta, [{"key": "store_id", "value": uuid.uuid4().hex}])
    op.create_table(
        "bundles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("origin_store", sa.String(length=32), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("task_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundles")),
    )
    op.create_table(
        "bundle_tasks",
        sa.Column("bundle_id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("base_digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["bundle_id"], ["bundles.id"],
                                name=op.f("fk_bundle_tasks_bundle_id_bundles")),
        sa.PrimaryKeyConstraint("bundle_id", "task_id", name=op.f("pk_bundle_tasks")),
    )
    op.create_index("ix_bundle_tasks_task_id", "bundle_tasks", ["task_id"])
    op.create_table(
        "bundle_conflicts",
        sa.Column("bundle_id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("office_digest", sa.String(length=64), nullable=False),
        sa.Column("bundle_digest", sa.String(length=64), nullable=False),
        sa.Column("bundle_state", sa.JSON(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["bundle_id"], ["bundles.id"],
                                name=op.f("fk_bundle_conflicts_bundle_id_bundles")),
        sa.PrimaryKeyConstraint("bundle_id", "task_id", name=op.f("pk_bundle_conflicts")),
    )


def downgrade() -> None:
    op.drop_table("bundle_conflicts")
    op.drop_index("ix_bundle_tasks_task_id", table_name="bundle_tasks")
    op.drop_table("bundle_tasks")
    op.drop_table("bundles")
    op.drop_table("store_meta")
