"""The store's tables (SQLAlchemy Core). The schema is changed only through migrations
(core/store/migrations); keep this file and the newest migration in step.

Column names are English; the verbatim Chinese field names of docs/architecture.md#domain-libraries are in each
column's ``comment`` and are what imports and exports use as headers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    cast,
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
    # jc-draw-2: the SHA-256 of the inspection history the draw used (docs/draw.md)
    Column("history_fingerprint", String(64), nullable=True),
    # what each eligibility step excluded (counts), for the explanation; not replayed
    Column("funnel", JSON, nullable=True),
    # 补充抽取: why the office drew again (None for a campaign's first draw)
    Column("reason", Text, nullable=True, comment="补充抽取理由"),
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

# ----------------------------------------------------------------------------- records
# Inspection tasks and records (联合检查记录表, 附件4). Records have a write path of their
# own (core/records): short transactions, optimistic versions per answer, no store-wide
# lock; the audit chain takes only submit, amend and override (docs/records.md).

# A merged checklist as a record was filled against it, by content fingerprint
# (jc-checklist-1): records stay readable after plugins change.
checklists = Table(
    "checklists",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("campaign_id", String(128), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One drawn target of a draw: an inspection task (检查任务).
tasks = Table(
    "tasks",
    metadata,
    Column("id", String(32), primary_key=True, comment="任务编号"),
    Column("draw_id", Integer, ForeignKey("draws.id"), nullable=False),
    Column("seq", Integer, nullable=False, comment="抽取序号"),
    Column("campaign_id", String(128), nullable=False),
    Column("credit_code", String(18), nullable=False, comment="统一社会信用代码"),
    # the drawn team: [{"cert_no", "department", "leader"}], leader first
    Column("team", JSON, nullable=False, comment="检查人员"),
    # pending (待检查) | draft (草稿) | submitted (已提交) | amending (修改中)
    Column("status", String(16), nullable=False, comment="状态"),
    Column("checklist_fingerprint", String(64), ForeignKey("checklists.fingerprint"),
           nullable=True),
    Column("version", Integer, nullable=False, default=0, comment="已提交版本"),
    # the reason of an amendment under way (status amending)
    Column("amend_reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("draw_id", "seq", name="uq_tasks_draw_seq"),
)
Index("ix_tasks_campaign_status", tasks.c.campaign_id, tasks.c.status)
Index("ix_tasks_credit_code", tasks.c.credit_code)
# PostgreSQL also has ix_tasks_team_members, a GIN index on team::jsonb (migration 0010):
# see in_team. Not in this metadata (SQLite has no such index): autogenerate and the
# schema comparison leave the server-only indexes be (include_object).
SERVER_ONLY_INDEXES = frozenset({"ix_tasks_team_members"})
# and result_settlements.departments, the department codes of a settlement's results, a
# column it generates from them for the departments' row-level security (migration 0011)
SERVER_ONLY_COLUMNS = frozenset({("result_settlements", "departments")})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Alembic's ``include_object``: every object but :data:`SERVER_ONLY_INDEXES` and
    :data:`SERVER_ONLY_COLUMNS`."""
    if type_ == "column":
        return (getattr(obj.table, "name", None), name) not in SERVER_ONLY_COLUMNS
    return not (type_ == "index" and name in SERVER_ONLY_INDEXES)


def in_team(cert_no: str, dialect: str) -> ColumnElement[bool]:
    """The SQL condition "the officer *cert_no* is in the task's team", exactly as a
    Python test of its members' ``cert_no`` says it. PostgreSQL: ``team::jsonb @>
    '[{"cert_no": ...}]'``, the expression of ix_tasks_team_members and of the inspectors'
    row-level security (an index lookup). SQLite: a member of ``json_each(team)`` with that
    ``cert_no`` (the JSON read in C, not in Python), after a plain text search that lets
    through only the teams whose text holds the number (when the number is written as it
    is in JSON text: ASCII, nothing to escape)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        return cast(tasks.c.team, JSONB).contains([{"cert_no": cert_no}])
    from sqlalchemy import and_, func, literal, select

    members = func.json_each(tasks.c.team).table_valued("value")
    member = (select(literal(1)).select_from(members)
              .where(func.json_extract(members.c.value, "$.cert_no") == cert_no).exists())
    if cert_no.isascii() and cert_no.isprintable() and not set(cert_no) & set('"\\%_'):
        return and_(cast(tasks.c.team, Text).contains(cert_no), member)
    return member


# The draft: one row per answer, each with its own version (optimistic concurrency:
# two officers editing different items never collide; the same item is a conflict).
# key: "item:<department>.<item>" or "field:<name>" (outcome, inspected_on, opinion...).
task_answers = Table(
    "task_answers",
    metadata,
    Column("task_id", String(32), ForeignKey("tasks.id"), primary_key=True),
    Column("key", String(160), primary_key=True),
    Column("value", JSON, nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", Text, nullable=False),
)

# Submitted versions of a record: read-only, never edited in place.
record_versions = Table(
    "record_versions",
    metadata,
    Column("task_id", String(32), ForeignKey("tasks.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("checklist_fingerprint", String(64), ForeignKey("checklists.fingerprint"),
           nullable=False),
    # the record as submitted: findings, opinion, remarks, officers, escort...
    Column("record", JSON, nullable=False),
    # the classification computed by core.classify (classify --format json)
    Column("results", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("reason", Text, nullable=True, comment="修改理由"),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", Text, nullable=False),
    Column("audit_seq", Integer, nullable=True),
)

# The problems a submitted version implies (each 不符合 item), for the referrals
# (问题线索移交): per version, so that an amendment replaces them without losing history.
record_problems = Table(
    "record_problems",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("department", String(64), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("refer_to", String(64), nullable=False),
    Column("dispositions", JSON, nullable=False),
    Column("corrected_on_site", Boolean, nullable=False),
    Column("note", Text, nullable=True),
    ForeignKeyConstraint(["task_id", "version"],
                         ["record_versions.task_id", "record_versions.version"],
                         name="fk_record_problems_version"),
)
Index("ix_record_problems_refer_to", record_problems.c.refer_to)

# ----------------------------------------------------------------------------- bundles
# Field bundles (docs/bundles.md): a SQLite store handed to a team, merged back later.

# Facts about this store itself: ``store_id`` (random, set when the store is created);
# in a bundle also ``bundle_id``.
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Bundles exported from this store (in a bundle file: the one row describing itself).
bundles = Table(
    "bundles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("origin_store", String(32), nullable=False),
    Column("draw_id", Integer, nullable=False),
    # SHA-256 of the bundle's non-record contents (core/records/bundle.py content_digest)
    Column("content_digest", String(64), nullable=False),
    Column("task_count", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=True),
)

# The tasks of a bundle, each with the digest of its state when it was last in step with
# the office (at export, then after each import or resolution): the base that tells who
# changed a task since.  state: out | returned | conflict
bundle_tasks = Table(
    "bundle_tasks",
    metadata,
    Column("bundle_id", String(32), ForeignKey("bundles.id"), primary_key=True),
    Column("task_id", String(32), primary_key=True),
    Column("base_version", Integer, nullable=False),
    Column("base_digest", String(64), nullable=False),
    Column("state", String(16), nullable=False),
)
Index("ix_bundle_tasks_task_id", bundle_tasks.c.task_id)

# A task changed both in the office and in a bundle: kept for `bundle resolve` with the
# bundle's state of the task (so that resolving needs no file).
bundle_conflicts = Table(
    "bundle_conflicts",
    metadata,
    Column("bundle_id", String(32), ForeignKey("bundles.id"), primary_key=True),
    Column("task_id", String(32), primary_key=True),
    Column("office_digest", String(64), nullable=False),
    Column("bundle_digest", String(64), nullable=False),
    Column("bundle_state", JSON, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    # office | bundle (null while open)
    Column("resolution", String(16), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", Text, nullable=True),
)

# ----------------------------------------------------------------------------- referrals
# 问题线索移交 (core/referrals.py, docs/referrals.md): the city's 双随机 office refers each
# problem of a submitted record (a 不符合 item not corrected on the spot) to the department
# that must act, by the letter 《关于移交双随机抽查有关问题的函》, and follows it through
# the department's case. Every step is audit-logged.

# One letter per receiving department and batch, with its numbered 文号.
referral_letters = Table(
    "referral_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", String(128), nullable=False),
    Column("department", String(64), nullable=False, comment="接收部门"),
    Column("year", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Column("number", Text, nullable=False, unique=True, comment="文号"),
    Column("dated", Date, nullable=False, comment="成文日期"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", String(128), nullable=False),
    Column("task_id", String(32), ForeignKey("tasks.id"), nullable=False),
    # the record version the problem was drafted from, and what it said then
    Column("version", Integer, nullable=False),
    Column("department", String(64), nullable=False, comment="检查部门"),
    Column("item_id", String(64), nullable=False),
    Column("refer_to", String(64), nullable=False, comment="接收部门"),
    Column("credit_code", String(18), nullable=False, comment="统一社会信用代码"),
    Column("note", Text, nullable=True, comment="问题说明"),
    Column("dispositions", JSON, nullable=False, comment="建议处理结果"),
    Column("inspected_on", Date, nullable=True, comment="检查日期"),
    # drafted | sent | received | opened | declined | closed | reported
    Column("status", String(16), nullable=False, comment="状态"),
    Column("drafted_on", Date, nullable=False),
    Column("sent_on", Date, nullable=True),
    Column("received_on", Date, nullable=True),
    Column("decided_on", Date, nullable=True, comment="立案或书面回复日期"),
    Column("closed_on", Date, nullable=True, comment="结案日期"),
    Column("reported_on", Date, nullable=True),
    Column("case_no", Text, nullable=True, comment="案件编号"),
    Column("letter_id", Integer, ForeignKey("referral_letters.id"), nullable=True),
    # every step: [{"status", "date", "note", "case_no", "at", "by", "audit_seq"}]
    Column("history", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("task_id", "department", "item_id", name="uq_referrals_problem"),
)
Index("ix_referrals_campaign_status", referrals.c.campaign_id, referrals.c.status)
Index("ix_referrals_refer_to", referrals.c.refer_to)
# ----------------------------------------------------------------------------- results
# Consolidation by the joint office (共同协商汇总结果): overrides of the computed results,
# each with its reason, and the settled results the reports and the publication use.

# One override of a computed result (a department's, or the joint one when department is
# NULL) or of the dispositions: kept in order, never edited; the newest one of each kind
# wins. ``record_version`` is the submitted version it was made against.
result_overrides = Table(
    "result_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", String(32), ForeignKey("tasks.id"), nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("department", String(64), nullable=True, comment="部门代码"),
    # {"result": N} | {"add": [..], "remove": [..]}
    Column("change", JSON, nullable=False),
    Column("reason", Text, nullable=False, comment="理由"),
    Column("actor", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("audit_seq", Integer, nullable=True),
)
Index("ix_result_overrides_task", result_overrides.c.task_id)

# The results the office settled for one submitted version of a record (a new version,
# i.e. an amendment, is unsettled until settled again), and when they were published.
result_settlements = Table(
    "result_settlements",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("campaign_id", String(128), nullable=False),
    # departments {code: {result, dispositions, computed...}}, joint, dispositions
    Column("results", JSON, nullable=False),
    Column("settled_at", DateTime(timezone=True), nullable=False),
    Column("settled_by", Text, nullable=False),
    Column("audit_seq", Integer, nullable=True),
    Column("published_on", Date, nullable=True, comment="公示日期"),
    ForeignKeyConstraint(["task_id", "version"],
                         ["record_versions.task_id", "record_versions.version"],
                         name="fk_result_settlements_version"),
)
Index("ix_result_settlements_campaign", result_settlements.c.campaign_id)

# Inspections done outside jointcheck (检查记录), imported with `jointcheck history import`.
# Append-only: with the tasks of every campaign they make the inspection history that
# campaign.inspection_limits applies in the draw (docs/history.md).
inspections = Table(
    "inspections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("credit_code", String(18), nullable=False, comment="统一社会信用代码"),
    Column("inspected_on", Date, nullable=False, comment="检查日期"),
    Column("unit", Text, nullable=False, comment="检查单位"),
    Column("kind", Text, nullable=True, comment="检查类型"),
    Column("matters", Text, nullable=True, comment="检查事项"),
    Column("source", Text, nullable=False, comment="来源文件"),
    Column("row_digest", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
)
Index("ix_inspections_credit_code", inspections.c.credit_code)

# ----------------------------------------------------------------------------- logins
# Named logins of a server store (docs/deployment.md): each PostgreSQL login made by
# `jointcheck users add` is a member of one group role (office, inspector, department,
# auditor) and, for an inspector, bound to an officer's 执法证号; for a department, to a
# department code. The row-level security policies read this table (keyed on
# current_user); only the migration owner writes it, through jc_user_add/jc_user_remove.
# On SQLite (single-user) it stays empty.
logins = Table(
    "logins",
    metadata,
    Column("login", String(63), primary_key=True, comment="登录名"),
    # office | inspector | department | auditor
    Column("role", String(16), nullable=False, comment="角色"),
    Column("cert_no", String(32), nullable=True, comment="执法证号"),
    Column("department", String(64), nullable=True, comment="部门代码"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
)
