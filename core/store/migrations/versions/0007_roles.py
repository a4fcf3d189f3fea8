"""Named logins and who may do what (docs/deployment.md): the table ``logins`` on both
engines; on PostgreSQL also the group roles office, inspector, department and auditor,
their GRANTs, the row-level security policies of the task, answer, record, result and
referral tables, the append-only audit trail and the functions behind ``jointcheck users``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

The group roles are cluster-wide objects, so their names carry the database and schema of
the store (``jc_<database>_<schema>_office``…; ``store_meta.role_prefix`` records the
prefix): two stores on one server never share a group. The role that runs this migration
owns the tables and the functions and must have CREATEROLE; the application does not run
as it (an owner passes row-level security). Nothing here depends on session state (SET
ROLE, GUCs): every policy is keyed on ``current_user`` and the ``logins`` table, so the
rules hold through a pooler in transaction mode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("office", "inspector", "department", "auditor")

# the tables as of this revision, by what each group may do with them
ALL_TABLES = (
    "targets", "officers", "commitments", "draws", "draw_targets", "audit_log", "checklists",
    "tasks", "task_answers", "record_versions", "record_problems", "store_meta", "bundles",
    "bundle_tasks", "bundle_conflicts", "referral_letters", "referrals", "result_overrides",
    "result_settlements", "inspections", "logins", "alembic_version",
)
# tables with row-level security (the task, answer, record, result and referral tables)
RLS_TABLES = ("tasks", "task_answers", "record_versions", "record_problems",
              "result_overrides", "result_settlements", "referrals", "referral_letters")


def role_prefix(database: str, schema: str) -> str:
    """``jc_<database>_`` for the schema public, else ``jc_<database>_<schema>_``; a
    hash when that would not leave room for the group's name in 63 bytes."""
    prefix = f"jc_{database}_" if schema == "public" else f"jc_{database}_{schema}_"
    if len((prefix + "department").encode("utf-8")) > 63:
        prefix = "jc_" + hashlib.sha256(f"{database}/{schema}".encode()).hexdigest()[:16] + "_"
    return prefix


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    op.create_table(
        "logins",
        sa.Column("login", sa.String(length=63), nullable=False, comment="登录名"),
        sa.Column("role", sa.String(length=16), nullable=False, comment="角色"),
        sa.Column("cert_no", sa.String(length=32), nullable=True, comment="执法证号"),
        sa.Column("department", sa.String(length=64), nullable=True, comment="部门代码"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_logins")),
    )
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return  # SQLite is single-user: no roles
    database, schema = conn.execute(sa.text("SELECT current_database(), current_schema()")).one()
    prefix = role_prefix(database, schema)
    conn.execute(sa.text("INSERT INTO store_meta (key, value) VALUES ('role_prefix', :p)"),
                 {"p": prefix})
    for statement in _statements(schema, prefix):
        conn.exec_driver_sql(statement.replace("%", "%%"))


def _statements(schema: str, prefix: str) -> list[str]:
    s = q(schema)
    g = {name: q(prefix + name) for name in GROUPS}
    office, inspector, department, auditor = (g[n] for n in GROUPS)
    everyone = ", ".join(g.values())
    out: list[str] = []
    for name in GROUPS:
        out.append(f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{prefix + name}') THEN
        CREATE ROLE {g[name]} NOLOGIN;
    END IF;
END $$""")
    out.append(f"GRANT USAGE ON SCHEMA {s} TO {everyone}")

    # --- who the current login is (security invoker: they read logins as the caller)
    out += [
        f"""CREATE FUNCTION {s}.jc_login_cert() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT cert_no FROM {s}.logins WHERE login = current_user $$""",
        f"""CREATE FUNCTION {s}.jc_login_department() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT department FROM {s}.logins WHERE login = current_user $$""",
        # the actor of the caller's audit entries (NULL: not a named login of this store)
        f"""CREATE FUNCTION {s}.jc_actor() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT login || COALESCE(' (执法证号 ' || cert_no || ')', '')
          FROM {s}.logins WHERE login = current_user $$""",
        # whether a task exists at all, whoever may see it (to say "another team's task"
        # instead of "no such task"); owner's rights, so it sees through the policies
        f"""CREATE FUNCTION {s}.jc_task_exists(task text) RETURNS boolean LANGUAGE sql
    STABLE SECURITY DEFINER SET search_path = {s}, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM {s}.tasks WHERE id = task) $$""",
    ]

    # --- users add / users remove: run with the owner's CREATEROLE, granted to office only
    out += [
        f"""CREATE FUNCTION {s}.jc_user_add(p_login text, p_role text, p_cert text,
        p_department text, p_password text) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = {s}, pg_temp AS $$
BEGIN
    IF p_role NOT IN ('office', 'inspector', 'department', 'auditor') THEN
        RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'role "%" already exists', p_login USING ERRCODE = '42710';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I',
                   p_login, p_password, '{prefix}' || p_role);
    INSERT INTO {s}.logins (login, role, cert_no, department, created_at, created_by)
    VALUES (p_login, p_role, p_cert, p_department, now(), session_user);
END $$""",
        f"""CREATE FUNCTION {s}.jc_user_remove(p_login text) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = {s}, pg_temp AS $$
BEGIN
    DELETE FROM {s}.logins WHERE login = p_login;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no login "%"', p_login USING ERRCODE = 'P0002';
    END IF;
    EXECUTE format('DROP ROLE %I', p_login);
END $$""",
        f"REVOKE ALL ON FUNCTION {s}.jc_user_add(text, text, text, text, text), "
        f"{s}.jc_user_remove(text), {s}.jc_task_exists(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {s}.jc_user_add(text, text, text, text, text), "
        f"{s}.jc_user_remove(text) TO {office}",
        f"GRANT EXECUTE ON FUNCTION {s}.jc_task_exists(text) TO {everyone}",
    ]

    # --- the audit trail: append-only for every role, the owner included (a trigger)
    out += [
        f"""CREATE FUNCTION {s}.jc_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = '42501', TABLE = 'audit_log';
END $$""",
        f"CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {s}.audit_log "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.jc_audit_append_only()",
        f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {s}.audit_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.jc_audit_append_only()",
        # a named login's entries carry that login (and 执法证号), nobody else's name
        f"""CREATE FUNCTION {s}.jc_audit_actor() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE who text := {s}.jc_actor();
BEGIN
    IF who IS NOT NULL AND NEW.actor IS DISTINCT FROM who THEN
        RAISE EXCEPTION 'audit entry actor "%" is not the login "%"', NEW.actor, who
            USING ERRCODE = '42501', TABLE = 'audit_log';
    END IF;
    RETURN NEW;
END $$""",
        f"CREATE TRIGGER audit_log_actor BEFORE INSERT ON {s}.audit_log "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.jc_audit_actor()",
    ]

    # --- GRANTs
    t = {name: f"{s}.{q(name)}" for name in ALL_TABLES}
    out.append(f"GRANT SELECT ON {', '.join(t.values())} TO {auditor}, {office}")
    office_writes = [t[n] for n in ALL_TABLES
                     if n not in ("audit_log", "record_versions", "logins", "alembic_version")]
    out += [
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(office_writes)} TO {office}",
        f"GRANT INSERT ON {t['audit_log']}, {t['record_versions']} TO {office}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {office}",
        # tables of later migrations: office and auditor as here; the others by name
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {auditor}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {office}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {office}",
    ]
    # inspectors and departments read every table but the bundles' conflicts (which hold
    # other teams' drafts); the rows of the task, answer, record, result and referral
    # tables are theirs only as the row-level security below says
    readable = [t[n] for n in ALL_TABLES if n != "bundle_conflicts"]
    out += [
        f"GRANT SELECT ON {', '.join(readable)} TO {inspector}, {department}",
        f"GRANT INSERT ON {t['audit_log']} TO {inspector}, {department}",
        # an inspector: the tasks of their team (status columns only), drafts, submissions
        f"GRANT INSERT ON {t['checklists']} TO {inspector}",
        f"GRANT UPDATE (status, checklist_fingerprint, version, amend_reason, updated_at) "
        f"ON {t['tasks']} TO {inspector}",
        f"GRANT INSERT, UPDATE, DELETE ON {t['task_answers']} TO {inspector}",
        f"GRANT INSERT ON {t['record_versions']}, {t['record_problems']} TO {inspector}",
        # a department: the steps of its referrals
        f"GRANT UPDATE (status, received_on, decided_on, closed_on, reported_on, case_no, "
        f"history, updated_at) ON {t['referrals']} TO {department}",
    ]

    # --- row-level security
    mine = (f"{s}.tasks.team::jsonb @> jsonb_build_array(jsonb_build_object("
            f"'cert_no', (SELECT {s}.jc_login_cert())))")
    own_task = f"EXISTS (SELECT 1 FROM {s}.tasks tk WHERE tk.id = task_id)"
    my_department = f"(SELECT {s}.jc_login_department())"
    actor = f"(SELECT {s}.jc_actor())"
    for name in RLS_TABLES:
        out += [f"ALTER TABLE {t[name]} ENABLE ROW LEVEL SECURITY",
                f"CREATE POLICY office_all ON {t[name]} TO {office} USING (true) "
                f"WITH CHECK (true)",
                f"CREATE POLICY auditor_reads ON {t[name]} FOR SELECT TO {auditor} "
                f"USING (true)"]
    out += [
        f"CREATE POLICY inspector_team ON {t['tasks']} TO {inspector} USING ({mine}) "
        f"WITH CHECK ({mine})",
        # an answer written by an inspector carries that login's name, nobody else's
        f"CREATE POLICY inspector_team ON {t['task_answers']} TO {inspector} "
        f"USING ({own_task}) WITH CHECK ({own_task} AND updated_by = {actor})",
        f"CREATE POLICY department_tasks ON {t['tasks']} FOR SELECT TO {department} USING ("
        f"EXISTS (SELECT 1 FROM {s}.referrals r WHERE r.task_id = {s}.tasks.id) OR "
        f"EXISTS (SELECT 1 FROM {s}.result_settlements rs WHERE rs.task_id = {s}.tasks.id))",
        f"CREATE POLICY department_results ON {t['result_settlements']} FOR SELECT "
        f"TO {department} USING ((results::jsonb -> 'departments') ? {my_department})",
        f"CREATE POLICY department_referrals ON {t['referrals']} FOR SELECT TO {department} "
        f"USING (refer_to = {my_department})",
        f"CREATE POLICY department_steps ON {t['referrals']} FOR UPDATE TO {department} "
        f"USING (refer_to = {my_department}) WITH CHECK (refer_to = {my_department})",
        f"CREATE POLICY department_letters ON {t['referral_letters']} FOR SELECT "
        f"TO {department} USING (department = {my_department})",
    ]
    for name in ("record_versions", "record_problems", "result_overrides",
                 "result_settlements", "referrals"):
        out.append(f"CREATE POLICY inspector_reads ON {t[name]} FOR SELECT TO {inspector} "
                   f"USING ({own_task})")
    out += [f"CREATE POLICY inspector_submits ON {t['record_versions']} FOR INSERT "
            f"TO {inspector} WITH CHECK ({own_task} AND submitted_by = {actor})",
            f"CREATE POLICY inspector_submits ON {t['record_problems']} FOR INSERT "
            f"TO {inspector} WITH CHECK ({own_task})"]
    return out


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        prefix = conn.execute(sa.text(
            "SELECT value FROM store_meta WHERE key = 'role_prefix'")).scalar_one()
        s = q(schema)
        for name in RLS_TABLES:
            for policy in ("office_all", "auditor_reads", "inspector_team", "inspector_reads",
                           "inspector_submits", "department_tasks", "department_results",
                           "department_referrals", "department_steps", "department_letters"):
                conn.exec_driver_sql(f"DROP POLICY IF EXISTS {policy} ON {s}.{q(name)}")
            conn.exec_driver_sql(f"ALTER TABLE {s}.{q(name)} DISABLE ROW LEVEL SECURITY")
        for trigger in ("audit_log_append_only", "audit_log_no_truncate", "audit_log_actor"):
            conn.exec_driver_sql(f"DROP TRIGGER {trigger} ON {s}.audit_log")
        for function in ("jc_audit_actor()", "jc_audit_append_only()",
                         "jc_user_add(text, text, text, text, text)", "jc_user_remove(text)",
                         "jc_task_exists(text)", "jc_actor()", "jc_login_department()",
                         "jc_login_cert()"):
            conn.exec_driver_sql(f"DROP FUNCTION {s}.{function}")
        groups = ", ".join(q(prefix + name) for name in GROUPS)
        for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
            conn.exec_driver_sql(f"REVOKE ALL ON ALL {kind} IN SCHEMA {s} FROM {groups}")
            conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} "
                                 f"REVOKE ALL ON {kind} FROM {groups}")
        conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {s} FROM {groups}")
        for name in GROUPS:
            conn.exec_driver_sql(f"DROP ROLE {q(prefix + name)}")
        conn.execute(sa.text("DELETE FROM store_meta WHERE key = 'role_prefix'"))
    op.drop_table("logins")
