"""The named logins' administration (``jointcheck users``): list, add and remove the
PostgreSQL logins of a server store, each change audit-logged (docs/deployment.md).

Above ``access`` (identity, refusals) and ``audit`` (which reads the identity): keeping the
administration here is what lets ``store``, ``access`` and ``audit`` import one another in
one direction only.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from ..errors import problem
from ..i18n import get_lang
from . import audit, begin_write
from .access import LOGIN_PATTERN, ROLES, AccessError, Login, sqlstate
from .models import logins, officers


def _server_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise AccessError([problem("JC766")])


def list_users(engine: Engine) -> list[Login]:
    """The named logins of the store, by name (JC766 on SQLite)."""
    _server_only(engine)
    with engine.connect() as conn:
        return [Login(**r._mapping) for r in conn.execute(select(logins).order_by(logins.c.login))]


def _check_new_user(engine: Engine, login: str, role: str, *, cert_no: str | None,
                    department: str | None) -> None:
    """What :func:`add_user` checks before it needs the password: a server store, a valid
    login name not taken on the server, the option the role needs, an officer in the
    library."""
    _server_only(engine)
    en = get_lang() == "en"
    if not LOGIN_PATTERN.match(login):
        raise AccessError([problem("JC762", login=login, reason=(
            "not a valid login name" if en else "名称不符合要求"))])
    if role not in ROLES:  # the CLI offers only these
        raise ValueError(role)
    if role == "inspector" and not cert_no:
        raise AccessError([problem("JC763", role=role, option="--officer")])
    if role == "department" and not department:
        raise AccessError([problem("JC763", role=role, option="--department")])
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :l"),
                        {"l": login}).first() is not None:
            raise _taken(login)
        if role == "inspector":
            _check_officer(conn, cert_no)


def _taken(login: str) -> AccessError:
    return AccessError([problem("JC762", login=login, reason=(
        "a role of that name already exists on the server" if get_lang() == "en"
        else "数据库服务器上已有同名的角色"))])


def _check_officer(conn: Connection, cert_no: str | None) -> None:
    if conn.execute(select(officers.c.cert_no).where(officers.c.cert_no == cert_no)
                    ).first() is None:
        raise AccessError([problem("JC764", cert_no=cert_no)])


def add_user(engine: Engine, login: str, role: str, password: str | Callable[[], str], *,
             cert_no: str | None = None, department: str | None = None) -> Login:
    """Create the PostgreSQL login *login* in the group *role* and bind it (an inspector
    to the officer *cert_no* of the officer library, a department to *department*), with
    an audit entry ``users.add`` (no password in it). Raises :class:`AccessError`.

    *password* may be a function that asks for it (a command's prompt): it is called
    once every check that needs no password has passed, so that nobody types a password
    twice to be told of a missing option or a name taken."""
    _check_new_user(engine, login, role, cert_no=cert_no, department=department)
    if callable(password):
        password = password()
    if not password:
        raise AccessError([problem("JC767")])
    if role != "inspector":
        cert_no = None
    if role != "department":
        department = None
    try:
        with begin_write(engine) as conn:
            if cert_no is not None:  # again: the library may have changed meanwhile
                _check_officer(conn, cert_no)
            conn.execute(text("SELECT jc_user_add(:l, :r, :c, :d, :p)"),
                         {"l": login, "r": role, "c": cert_no, "d": department, "p": password})
            audit.append(conn, "users.add", {"login": login, "role": role, "cert_no": cert_no,
                                             "department": department})
    except DBAPIError as exc:
        if sqlstate(exc) == "42710":  # taken meanwhile
            raise _taken(login) from exc
        raise
    return Login(login=login, role=role, cert_no=cert_no, department=department)


def remove_user(engine: Engine, login: str) -> None:
    """Drop the named login *login* (and its binding), with an audit entry
    ``users.remove``. The audit entries it wrote keep its name. Raises
    :class:`AccessError` (JC765 when there is no such login)."""
    _server_only(engine)
    try:
        with begin_write(engine) as conn:
            conn.execute(text("SELECT jc_user_remove(:l)"), {"l": login})
            audit.append(conn, "users.remove", {"login": login})
    except DBAPIError as exc:
        if sqlstate(exc) == "P0002":
            raise AccessError([problem("JC765", login=login)]) from exc
        raise
