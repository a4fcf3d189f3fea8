"""A department's rows are found without reading every settlement's JSON (PostgreSQL;
docs/store.md#connections).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A department's named login sees the settled results that name it and the tasks those
results or its referrals are about (migration 0007's row-level security). The policy on
``result_settlements`` parsed each settlement's ``results`` (JSON text) as ``jsonb`` to look
for the department among its keys, for every row of every statement that reads the table;
the policy on ``tasks`` asked that of every task, in a form (``EXISTS … OR EXISTS …``)
whose estimated cost was seventeen times the real one, so that PostgreSQL compiled each of
those statements with JIT first (~0.2 s each). On the 2-core machine, 100,000 tasks and
90,000 settlements (bench/referrals_status.py): ``jointcheck status`` took 3.46 s for a
department against 0.59 s for the office, five of its statements 0.6-0.7 s each.

Now:

- ``result_settlements.departments`` is the settlement's department codes (the keys of
  ``results -> 'departments'``, sorted), a column PostgreSQL generates and stores from
  ``results`` itself (``GENERATED ALWAYS … STORED``: nobody writes it, nobody can forget
  to), read by the policy as a plain array. Only an object's keys count (results always
  hold ``departments`` as an object keyed by department code; 0007's ``?`` would also
  have matched an array's text elements);
- the tasks policy asks the same question as one set, ``id IN (… UNION ALL …)``, which
  PostgreSQL costs as what it is.

Same rows visible to the same logins. SQLite (one office, no policies) has neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import sqlalchemy as sa
from alembic import op

from jointcheck.core.store.migrations import sibling

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMN = "departments"
KEYS = "jc_object_keys"
POLICIES = ("department_tasks", "department_results")


def _store(conn: sa.Connection) -> tuple[ModuleType, str, str]:
    """(migration 0007, the store's schema, the prefix of its group roles as 0007 recorded
    it)."""
    roles = sibling("0007_roles")
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    prefix = conn.execute(sa.text(
        "SELECT value FROM store_meta WHERE key = 'role_prefix'")).scalar_one()
    return roles, schema, prefix


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    roles, schema, prefix = _store(conn)
    s, department = roles.q(schema), roles.q(prefix + "department")
    my_department = f"(SELECT {s}.jc_login_department())"
    for statement in (
        # IMMUTABLE (a generated column needs it): the same keys for the same value
        f"""CREATE FUNCTION {s}.{KEYS}(value jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE
    PARALLEL SAFE AS $$ SELECT coalesce(array_agg(k ORDER BY k), '{{}}')
    FROM jsonb_object_keys(CASE WHEN jsonb_typeof(value) = 'object' THEN value
                                ELSE '{{}}'::jsonb END) AS k $$""",
        f"ALTER TABLE {s}.result_settlements ADD COLUMN {COLUMN} text[] "
        f"GENERATED ALWAYS AS ({s}.{KEYS}(results::jsonb -> 'departments')) STORED",
        f"COMMENT ON COLUMN {s}.result_settlements.{COLUMN} IS "
        f"'部门代码（由 results 生成，供行级安全策略使用）'",
        f"DROP POLICY department_results ON {s}.result_settlements",
        f"CREATE POLICY department_results ON {s}.result_settlements FOR SELECT "
        f"TO {department} USING ({my_department} = ANY ({COLUMN}))",
        f"DROP POLICY department_tasks ON {s}.tasks",
        f"CREATE POLICY department_tasks ON {s}.tasks FOR SELECT TO {department} USING ("
        f"id IN (SELECT r.task_id FROM {s}.referrals r UNION ALL "
        f"SELECT rs.task_id FROM {s}.result_settlements rs))",
        f"ANALYZE {s}.result_settlements",
    ):
        conn.exec_driver_sql(statement.replace("%", "%%"))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    roles, schema, prefix = _store(conn)
    s = roles.q(schema)
    # migration 0007's own statements: the one definition of the policies it made
    made = [st for st in roles._statements(schema, prefix)
            if any(st.startswith(f"CREATE POLICY {p} ") for p in POLICIES)]
    assert len(made) == len(POLICIES), made
    statements = [f"DROP POLICY department_results ON {s}.result_settlements",
                  f"DROP POLICY department_tasks ON {s}.tasks", *made,
                  f"ALTER TABLE {s}.result_settlements DROP COLUMN {COLUMN}",
                  f"DROP FUNCTION {s}.{KEYS}(jsonb)"]
    for statement in statements:
        conn.exec_driver_sql(statement.replace("%", "%%"))
