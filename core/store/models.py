"""The store's tables (SQLAlchemy Core). The schema is changed only through migrations
(core/store/migrations); keep this file and the newest migration in step.

Column names are English; the verbatim Chinese field names of DOMAIN.md §5 are in each
column's ``comment`` and are what imports and exports use as headers.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# 检查对象名录库
targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("credit_code", String(18), nullable=False, unique=True, comment="统一社会信用代码"),
    Column("name", Text, nullable=False, comment="市场主体名称"),
    Column("reg_no", String(32), comment="注册号"),
    Column("legal_rep", Text, comment="法定代表人"),
    Column("address", Text, comment="地址"),
    Column("business_address", Text, comment="经营地址"),
    Column("phone", String(32), comment="联系电话"),
    Column("jurisdiction", Text, comment="管辖单位"),
    Column("registration_authority", Text, comment="登记机关"),
    Column("entity_type", Text, comment="市场主体类型"),
    Column("business_scope", Text, comment="经营范围"),
    Column("region", Text, comment="行政区划"),
    Column("established", Date, comment="成立日期"),
    Column("status", String(8), nullable=False, comment="登记状态"),
    Column("industry", Text, comment="行业"),
    Column("risk_grade", String(8), comment="信用风险等级"),
    # attributes that decide applicability, e.g. {"uses_special_equipment": true}
    Column("attributes", JSON, nullable=False, default=dict, comment="属性"),
    # an accepted override of a failing check character (early pilot-era codes)
    Column("check_override", Boolean, nullable=False, default=False),
    # SHA-256 of the normalised row: a library refresh compares digests
    Column("row_digest", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_targets_status_grade", targets.c.status, targets.c.risk_grade)

# 执法检查人员名录库
officers = Table(
    "officers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cert_no", String(64), nullable=False, unique=True, comment="执法证号"),
    Column("name", Text, nullable=False, comment="姓名"),
    Column("gender", String(4), comment="性别"),
    Column("department", String(64), nullable=False, comment="部门代码"),
    Column("unit", Text, comment="单位"),
    Column("title", Text, comment="职务"),
    Column("phone", String(32), comment="手机号码"),
    Column("id_number", String(18), comment="身份证号"),
    Column("cert_expiry", Date, comment="执法证有效期至"),
    Column("qualifications", JSON, nullable=False, default=list, comment="资格"),
    Column("jurisdiction", Text, comment="管辖单位"),
    Column("active", Boolean, nullable=False, default=True, comment="在岗"),
    # credit codes of targets this officer must never be drawn for (回避)
    Column("conflicts", JSON, nullable=False, default=list, comment="回避对象"),
    Column("row_digest", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_officers_department_active", officers.c.department, officers.c.active)

# A published commitment to a draw seed: SHA-256(seed), recorded before the draw.
commitments = Table(
    "commitments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", String(128), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("used_by_draw", Integer, ForeignKey("draws.id"), nullable=True),
    UniqueConstraint("campaign_id", "commitment", name="uq_commitments_campaign_commitment"),
)

# One random draw (双随机): everything needed to replay it.
draws = Table(
    "draws",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", String(128), nullable=False),
    Column("campaign_kind", String(128), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seed", Text, nullable=False),
    Column("commitment", String(64), nullable=True),
    Column("algorithm_version", String(32), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("targets_fingerprint", String(64), nullable=False),
    Column("officers_fingerprint", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("result_digest", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
)

# Drawn targets, one row each: feeds "not inspected twice in a year" and later records.
draw_targets = Table(
    "draw_targets",
    metadata,
    Column("draw_id", Integer, ForeignKey("draws.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, comment="抽取序号"),
    Column("credit_code", String(18), nullable=False),
)
Index("ix_draw_targets_credit_code", draw_targets.c.credit_code)

# Append-only, hash-chained audit log.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("payload_digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
