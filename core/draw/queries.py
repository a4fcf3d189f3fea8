"""Read-only queries on recorded draws, for display (CLI, app, reports).

Each takes an open SQLAlchemy ``Connection`` (the caller decides the transaction) and
returns plain data; :mod:`jointcheck.core.present.draw` turns it into text.
Phone and ID numbers of officers are never read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..store.models import officers, targets

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection

    from .service import DrawRecord


def chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    """*values* in slices of *size* (the ``IN (...)`` lists of a query)."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def rows_in(conn: Connection, q: Any, column: Any, values: Iterable[str] | None
            ) -> list[Any]:
    """The rows of *q*; only those whose *column* is one of *values* when given (read in
    :func:`chunks` of IN lists, each chunk in *q*'s order)."""
    if values is None:
        return list(conn.execute(q))
    rows: list[Any] = []
    for chunk in chunks(sorted(set(values))):
        rows.extend(conn.execute(q.where(column.in_(list(chunk)))))
    return rows


def drawn_names(conn: Connection, record: DrawRecord
                ) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Display data of a draw: target names by credit code, and officers' ``{"name",
    "unit"}`` by 执法证号 (rows no longer in the libraries are absent)."""
    codes = [t["credit_code"] for t in record.drawn]
    certs = sorted({m["cert_no"] for t in record.drawn for m in t.get("team", [])})
    target_names = dict(rows_in(conn, select(targets.c.credit_code, targets.c.name),
                                targets.c.credit_code, codes))
    return target_names, officer_public(conn, certs)


def officer_public(conn: Connection, certs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{"name", "unit"}`` by 执法证号 of the given officers, what the 行政执法公示 rules
    publish (rows no longer in the library are absent)."""
    q = select(officers.c.cert_no, officers.c.name, officers.c.unit)
    return {r.cert_no: {"name": r.name, "unit": r.unit}
            for r in rows_in(conn, q, officers.c.cert_no, certs)}


def drawn_rows(conn: Connection, record: DrawRecord,
               department_names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The drawn targets with their names and teams (see :func:`team_rows`): the
    ``teams`` of ``draw show --format json``."""
    target_names, officer_info = drawn_names(conn, record)
    return team_rows(record, target_names, officer_info, department_names)


def team_rows(record: DrawRecord, target_names: Mapping[str, str],
              officer_info: Mapping[str, Mapping[str, Any]],
              department_names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The drawn targets with names and teams, for text and JSON output (no personal data).

    *target_names* and *officer_info* come from :func:`drawn_names`;
    a department is named from *department_names*, else the officer's unit, else its code.
    Each row: ``seq``, ``credit_code``, ``name``, ``risk_grade``, ``team`` (组长 first, each
    member ``name``, ``cert_no``, ``department``, ``department_name``, ``leader``).
    """
    department_names = dict(department_names or {})
    rows = []
    for t in record.drawn:
        team = []
        members = sorted(t.get("team", []), key=lambda m: not m.get("leader"))
        for m in members:
            info = officer_info.get(m["cert_no"]) or {}
            dept = m["department"]
            team.append({
                "name": info.get("name"), "cert_no": m["cert_no"], "department": dept,
                "department_name": department_names.get(dept) or info.get("unit") or dept,
                "leader": bool(m.get("leader")),
            })
        rows.append({"seq": t["seq"], "credit_code": t["credit_code"],
                     "name": target_names.get(t["credit_code"]),
                     "risk_grade": t.get("stratum"), "team": team})
    return rows
