"""Initial schema: libraries, draws, commitments and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Creates exactly the tables of core/store/models.py as of this revision
(tests/test_store.py compares the migrated schema with the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_table(
        "draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("campaign_kind", sa.String(length=128), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Text(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=True),
        sa.Column("algorithm_version", sa.String(length=32), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("targets_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("officers_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("result_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
    )
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cert_no", sa.String(length=64), nullable=False, comment="执法证号"),
        sa.Column("name", sa.Text(), nullable=False, comment="姓名"),
        sa.Column("gender", sa.String(length=4), nullable=True, comment="性别"),
        sa.Column("department", sa.String(length=64), nullable=False, comment="部门代码"),
        sa.Column("unit", sa.Text(), nullable=True, comment="单位"),
        sa.Column("title", sa.Text(), nullable=True, comment="职务"),
        sa.Column("phone", sa.String(length=32), nullable=True, comment="手机号码"),
        sa.Column("id_number", sa.String(length=18), nullable=True, comment="身份证号"),
        sa.Column("cert_expiry", sa.Date(), nullable=True, comment="执法证有效期至"),
        sa.Column("qualifications", sa.JSON(), nullable=False, comment="资格"),
        sa.Column("jurisdiction", sa.Text(), nullable=True, comment="管辖单位"),
        sa.Column("active", sa.Boolean(), nullable=False, comment="在岗"),
        sa.Column("conflicts", sa.JSON(), nullable=False, comment="回避对象"),
        sa.Column("row_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("cert_no", name=op.f("uq_officers_cert_no")),
    )
    op.create_index("ix_officers_department_active", "officers", ["department", "active"])
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False, comment="统一社会信用代码"),
        sa.Column("name", sa.Text(), nullable=False, comment="市场主体名称"),
        sa.Column("reg_no", sa.String(length=32), nullable=True, comment="注册号"),
        sa.Column("legal_rep", sa.Text(), nullable=True, comment="法定代表人"),
        sa.Column("address", sa.Text(), nullable=True, comment="地址"),
        sa.Column("business_address", sa.Text(), nullable=True, comment="经营地址"),
        sa.Column("phone", sa.String(length=32), nullable=True, comment="联系电话"),
        sa.Column("jurisdiction", sa.Text(), nullable=True, comment="管辖单位"),
        sa.Column("registration_authority", sa.Text(), nullable=True, comment="登记机关"),
        sa.Column("entity_type", sa.Text(), nullable=True, comment="市场主体类型"),
        sa.Column("business_scope", sa.Text(), nullable=True, comment="经营范围"),
        sa.Column("region", sa.Text(), nullable=True, comment="行政区划"),
        sa.Column("established", sa.Date(), nullable=True, comment="成立日期"),
        sa.Column("status", sa.String(length=8), nullable=False, comment="登记状态"),
        sa.Column("industry", sa.Text(), nullable=True, comment="行业"),
        sa.Column("risk_grade", sa.String(length=8), nullable=True, comment="信用风险等级"),
        sa.Column("attributes", sa.JSON(), nullable=False, comment="属性"),
        sa.Column("check_override", sa.Boolean(), nullable=False),
        sa.Column("row_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_targets_credit_code")),
    )
    op.create_index("ix_targets_status_grade", "targets", ["status", "risk_grade"])
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=128), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by_draw", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["used_by_draw"], ["draws.id"],
                                name=op.f("fk_commitments_used_by_draw_draws")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint("campaign_id", "commitment",
                            name="uq_commitments_campaign_commitment"),
    )
    op.create_table(
        "draw_targets",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, comment="抽取序号"),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"],
                                name=op.f("fk_draw_targets_draw_id_draws")),
        sa.PrimaryKeyConstraint("draw_id", "seq", name=op.f("pk_draw_targets")),
    )
    op.create_index("ix_draw_targets_credit_code", "draw_targets", ["credit_code"])


def downgrade() -> None:
    op.drop_index("ix_draw_targets_credit_code", table_name="draw_targets")
    op.drop_table("draw_targets")
    op.drop_table("commitments")
    op.drop_index("ix_targets_status_grade", table_name="targets")
    op.drop_table("targets")
    op.drop_index("ix_officers_department_active", table_name="officers")
    op.drop_table("officers")
    op.drop_table("draws")
    op.drop_table("audit_log")
