"""Who is acting on a server store, and what a refusal means (docs/deployment.md).

On PostgreSQL each person connects as their own login, a member of one of the store's
group roles (office, inspector, department, auditor; migration 0007), and PostgreSQL
itself enforces who may do what: GRANTs per group and row-level security policies keyed
on ``current_user`` and the table ``logins``. This module only *reads* that: who the
current login is (:func:`whoami`), the actor its audit entries carry, and the words for a
refusal (:func:`refusal`), so that a refused action is a located problem in the user's
language instead of a driver error. SQLite is single-user: nobody is bound there.

``users add`` / ``users remove`` (core/store/users.py) call the SECURITY DEFINER functions
``jc_user_add`` and ``jc_user_remove`` that the migration owner made (only the office group
may execute them).

Problem codes JC760–JC769 belong to this module.
"""

from __future__ import annotations

import getpass
import os
import re
import weakref
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, text
from sqlalchemy.engine import make_url

from ..errors import JointcheckError, Problem, problem, register
from ..i18n import get_lang
from .models import logins

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

ROLES = ("office", "inspector", "department", "auditor")

# role -> (zh, en)
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "office": ("联合抽查领导小组办公室", "the joint office"),
    "inspector": ("检查人员", "an inspector"),
    "department": ("部门", "a department"),
    "auditor": ("审计人员", "an auditor"),
}

# tables as users know them (for "why" in a refusal)
TABLE_NAMES: dict[str, tuple[str, str]] = {
    "targets": ("检查对象名录库", "the target library"),
    "officers": ("执法检查人员名录库", "the officer library"),
    "draws": ("抽取结果", "the draws"),
    "draw_targets": ("抽取结果", "the draws"),
    "commitments": ("随机种子承诺", "the seed commitments"),
    "tasks": ("检查任务", "the inspection tasks"),
    "task_answers": ("检查记录草稿", "the record drafts"),
    "record_versions": ("已提交的检查记录", "the submitted records"),
    "record_problems": ("检查记录的问题", "the records' problems"),
    "result_overrides": ("抽查结果的修改", "the result overrides"),
    "result_settlements": ("确认的抽查结果", "the settled results"),
    "referrals": ("问题线索移交", "the referrals"),
    "referral_letters": ("移交函", "the referral letters"),
    "audit_log": ("审计日志", "the audit log"),
    "bundles": ("外带检查包", "the field bundles"),
    "bundle_tasks": ("外带检查包", "the field bundles"),
    "bundle_conflicts": ("外带检查包的冲突", "the bundle conflicts"),
    "checklists": ("检查事项快照", "the checklist snapshots"),
    "logins": ("登录", "the logins"),
}

CODES: dict[str, tuple[str, str]] = {
    "JC760": ("您没有权限执行“{action}”：{reason}", "you are not allowed to run '{action}': {reason}"),
    "JC761": ("您没有权限访问任务“{task}”：该任务属于其他检查组（{who}不在该任务抽取的检查人员之中）",
              "you are not allowed to open task '{task}': it belongs to another team ({who} "
              "was not drawn for it)"),
    "JC762": ("登录名“{login}”不可用：{reason}", "the login name '{login}' cannot be used: {reason}"),
    "JC763": ("角色 {role} 需要 {option}", "the role {role} needs {option}"),
    "JC764": ("执法证号 {cert_no} 不在执法检查人员名录库中",
              "{cert_no} is not in the officer library (执法检查人员名录库)"),
    "JC765": ("没有登录“{login}”", "there is no login '{login}'"),
    "JC766": ("SQLite 数据库是单用户的，没有登录和角色",
              "a SQLite store is single-user: it has no logins or roles"),
    "JC767": ("密码不能为空", "the password must not be empty"),
    "JC768": ("部门代码“{department}”不是已安装的部门", "'{department}' is not an installed department"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC760": ("请用具有相应权限的登录执行该操作，或请联合抽查领导小组办公室办理。",
              "Please run it with a login that holds that permission, or ask the joint office."),
    "JC761": ("检查人员只能查看和填写本人被抽中参加的任务；请用 jointcheck tasks list 查看您的任务。",
              "An inspector reads and fills in only the tasks they were drawn for; "
              "`jointcheck tasks list` lists yours."),
    "JC762": ("登录名以小写字母开头，只含小写字母、数字、下划线、点和连字符，最长 63 个字符，且在数据库服务器上尚未使用。",
              "A login starts with a lowercase letter and has only lowercase letters, digits, "
              "'_', '.' and '-', at most 63 characters, and is not yet used on the server."),
    "JC763": ("检查人员用 --officer 执法证号，部门用 --department 部门代码。",
              "Give an inspector --officer CERT and a department --department CODE."),
    "JC764": ("请先导入执法检查人员名录库（jointcheck officers import），或检查执法证号。",
              "Please import the officer library first (`jointcheck officers import`) or "
              "check the number."),
    "JC765": ("请用 jointcheck users list 查看已有的登录。",
              "`jointcheck users list` lists the logins."),
    "JC766": ("多人使用时请改用 PostgreSQL 数据库（见 docs/deployment.md）。",
              "Use a PostgreSQL store for several people (see docs/deployment.md)."),
    "JC767": ("请在标准输入中提供密码，例如：echo 'PASSWORD' | jointcheck users add …",
              "Please give the password on standard input, e.g. "
              "`echo 'PASSWORD' | jointcheck users add …`."),
    "JC768": ("请用 jointcheck plugins 查看已安装的部门代码。",
              "`jointcheck plugins` lists the installed departments' codes."),
}

register(CODES, HINTS)

LOGIN_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")


class AccessError(JointcheckError):
    """An action the current login may not take (or a bad ``users`` request)."""


@dataclass(frozen=True)
class Login:
    """A named login of a server store."""

    login: str
    role: str
    cert_no: str | None = None
    department: str | None = None
    created_at: Any = None
    created_by: str | None = None

    @property
    def actor(self) -> str:
        """What its audit entries carry (the same text as SQL ``jc_actor()``)."""
        return self.login + (f" (执法证号 {self.cert_no})" if self.cert_no else "")

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "role": self.role, "cert_no": self.cert_no,
                "department": self.department,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "created_by": self.created_by}


def _pair(table: dict[str, tuple[str, str]], key: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if get_lang() == "en" else pair[0]


def role_text(role: str) -> str:
    """``联合抽查领导小组办公室（office）``: a role as the user reads it."""
    return f"{_pair(ROLE_NAMES, role)} ({role})" if get_lang() == "en" \
        else f"{_pair(ROLE_NAMES, role)}（{role}）"


# --------------------------------------------------------------------------- who is acting


def whoami(conn: Connection) -> Login | None:
    """The current login's binding, or ``None`` (SQLite, the owner, any unnamed login)."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.execute(select(logins).where(logins.c.login == text("current_user"))).first()
    return Login(**row._mapping) if row is not None else None


_identities: weakref.WeakKeyDictionary[Any, tuple[str, str | None]] = weakref.WeakKeyDictionary()


def identity(db: Engine | Connection) -> tuple[str, str | None]:
    """``(current_user, bound actor or None)`` of the login of *db*'s engine on
    PostgreSQL, read once per engine: on *db* itself when it is a connection (a write
    under way needs no second connection), else on a connection of its own."""
    engine = db.engine
    found = _identities.get(engine)
    if found is None:
        with nullcontext(db) if isinstance(db, Connection) else db.connect() as conn:
            user, bound = conn.execute(text("SELECT current_user, jc_actor()")).one()
        found = _identities[engine] = (user, bound)
    return found


def login_name(url: str) -> str:
    """The login a URL connects as: its user name, else ``PGUSER``, else the OS user (as
    libpq decides)."""
    try:
        name = make_url(url).username
    except Exception:
        name = None
    if name:
        return name
    if os.environ.get("PGUSER"):
        return os.environ["PGUSER"]
    try:
        return getpass.getuser()
    except Exception:
        return "?"


def server_address(url: str) -> str:
    """``host:port/database`` of a server store's URL, as messages and the login dialog
    name the server (libpq's localhost and 5432 where the URL gives none)."""
    u = make_url(url)
    return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"


def password_needed(found: Problem) -> bool:
    """Whether a connection problem is a server asking for a password that none was
    configured for (no password in the URL, no ``PGPASSWORD``, no ``.pgpass`` entry):
    the app then asks for the login itself."""
    return found.code == "JC702" and "no password supplied" in str(found.params.get("detail"))


# --------------------------------------------------------------------------- refusals


def require(engine: Engine, roles: tuple[str, ...], action: str) -> None:
    """Raise :class:`AccessError` (JC760) when the current login is a named login of a
    group other than *roles*. PostgreSQL refuses such an action anyway; this says so
    before any work, naming the action and the role it takes. Unnamed logins (the owner,
    a single-user server, SQLite) pass: the database decides."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        me = whoami(conn)
    if me is None or me.role in roles:
        return
    en = get_lang() == "en"
    needed = (" or " if en else "或").join(role_text(r) for r in roles)
    reason = (f"it is for {needed} only; the login {me.login} is {role_text(me.role)}" if en
              else f"该操作只限{needed}；登录 {me.login} 的角色是{role_text(me.role)}")
    raise AccessError([problem("JC760", action=action, reason=reason)])


def hidden_task(conn: Connection, task_id: str) -> Problem | None:
    """JC761 when task *task_id* exists but row-level security hides it from the current
    login (another team's task); ``None`` when there is no such task at all."""
    if conn.dialect.name != "postgresql":
        return None
    if not conn.execute(text("SELECT jc_task_exists(:t)"), {"t": task_id}).scalar():
        return None
    me = whoami(conn)
    if me is None:
        who = conn.execute(text("SELECT current_user")).scalar() or "?"
    elif me.cert_no:
        who = (f"the login {me.login}, 执法证号 {me.cert_no}," if get_lang() == "en"
               else f"登录 {me.login} 的执法证号 {me.cert_no} ")
    else:
        who = me.login
    return problem("JC761", task=task_id, who=who)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error, wrapped by SQLAlchemy or not (None: it has none)."""
    orig = getattr(exc, "orig", None) or exc
    return getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(orig, "sqlstate", None)


def driver_words(exc: BaseException) -> str:
    """The first line of a driver error's message (wrapped by SQLAlchemy or not), else
    the name of its class."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def is_refusal(exc: BaseException) -> bool:
    """Whether a driver error is PostgreSQL refusing the current login (SQLSTATE 42501:
    a missing privilege, a row-level security policy, the append-only audit trail)."""
    return sqlstate(exc) == "42501"


def refusal(exc: BaseException, *, action: str, url: str) -> Problem:
    """JC760 for a refusal by PostgreSQL (:func:`is_refusal`): the action and, in the
    user's language, why — which table the login may not touch, a row outside its
    policies, the append-only audit trail — never the driver's words alone."""
    detail = driver_words(exc)
    en = get_lang() == "en"
    who = login_name(url)
    if "append-only" in detail:
        reason = ("the audit log only grows: no entry may be changed or deleted" if en
                  else "审计日志只能追加，任何条目都不能修改或删除")
    elif "actor" in detail and "audit" in detail:
        reason = ("an audit entry must carry the name of the login that writes it" if en
                  else "审计日志条目必须记录写入它的登录名")
    elif (m := re.search(r"row-level security policy for table \"?(\w+)", detail)):
        table = _pair(TABLE_NAMES, m.group(1))
        reason = (f"the row of {table} is outside what the login {who} may change "
                  f"(another team's or department's)" if en
                  else f"{table}中的这一行不在登录 {who} 可以修改的范围内（属于其他检查组或部门）")
    elif (m := re.search(r"permission denied for (table|sequence|function|schema) \"?([\w.]+)",
                         detail)):
        kind, name = m.groups()
        if kind == "function" and name.startswith("jc_user"):
            reason = ("only a login of the joint office (office) manages users" if en
                      else "只有联合抽查领导小组办公室（office）的登录可以管理用户")
        else:
            table = _pair(TABLE_NAMES, name)
            reason = (f"the login {who} holds no such permission on {table} ({name})" if en
                      else f"登录 {who} 对{table}（{name}）没有这一权限")
    else:
        reason = (f"the database refused the login {who}" if en
                  else f"数据库拒绝了登录 {who} 的这一操作")
    return problem("JC760", action=action, reason=reason)


# --------------------------------------------------------------------------- decommissioning


def role_prefix(conn: Connection, schema: str | None = None) -> str | None:
    """The prefix of the group roles of the store in *schema* (default: the current
    one) of *conn*'s database (``store_meta.role_prefix``), or None (SQLite, or a store
    below migration 0007). Read it before dropping a store's schema or database, then
    :func:`drop_roles` (roles are cluster-wide: they outlive the store)."""
    if conn.dialect.name != "postgresql":
        return None
    table = f'"{schema.replace(chr(34), chr(34) * 2)}".store_meta' if schema else "store_meta"
    if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
        return None  # no such schema or table
    return conn.execute(text(f"SELECT value FROM {table} WHERE key = 'role_prefix'")).scalar()


def drop_roles(conn: Connection, prefix: str) -> list[str]:
    """Drop the group roles *prefix* + office, inspector, department and auditor and every
    login that is a member of one; return their names. For a store whose schema or
    database was dropped (tests, benchmarks, decommissioning): a role that still holds
    privileges elsewhere is an error. Only those four names: another store's prefix may
    start with this one (``jc_db_`` of the schema public, ``jc_db_city_`` of the schema
    city)."""
    groups = [r[0] for r in conn.execute(text(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(:g)"),
        {"g": [prefix + role for role in ROLES]})]
    members = [r[0] for r in conn.execute(text(
        "SELECT DISTINCT m.rolname FROM pg_auth_members a "
        "JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
        "WHERE g.rolname = ANY(:g) AND m.rolcanlogin"), {"g": groups})]
    for role in members + groups:
        quoted = role.replace('"', '""')
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{quoted}"')
    return members + groups


def drop_schema(conn: Connection, schema: str) -> list[str]:
    """Drop *schema* of *conn*'s database with everything in it and the cluster-wide roles
    its store made (:func:`role_prefix`, then :func:`drop_roles`); return the roles'
    names. For a scratch store (tests, benchmarks) or decommissioning."""
    prefix = role_prefix(conn, schema)
    quoted = schema.replace('"', '""')
    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{quoted}" CASCADE')
    return drop_roles(conn, prefix) if prefix else []
