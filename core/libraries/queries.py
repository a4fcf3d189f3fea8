"""Read-only queries on the libraries (检查对象名录库, 执法检查人员名录库): listing with
filters, and one row by its key.

Each takes an open SQLAlchemy ``Connection``; rows come back as plain dicts of the table's
columns (personal columns unmasked: masking is presentation, see
:func:`jointcheck.core.present.libraries.masked`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..store import models
from .fields import KEY

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Select

STREAM_BATCH = 2000  # rows fetched from the driver at a time while streaming


def select_rows(kind: str, filters: Mapping[str, Any], search: str | None = None) -> Select:
    """The SELECT of *kind* rows matching *filters* (column -> value, or a tuple of values:
    any of them; ``None`` or ``()`` is no filter) and *search* (the text appears in 名称, or
    in the key upper-cased), in import order."""
    table = getattr(models, kind)
    q = sa.select(table)
    for column, values in filters.items():
        if values is None or values == ():
            continue
        if isinstance(values, tuple):
            q = q.where(table.c[column].in_(list(values)))
        else:
            q = q.where(table.c[column] == values)
    if search and search.strip():
        # the text as typed: % and _ are not wildcards here (nor is the escape character)
        text = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{text}%"
        q = q.where(sa.or_(table.c.name.like(pattern, escape="\\"),
                           table.c[KEY[kind]].like(pattern.upper(), escape="\\")))
    return q.order_by(table.c.id)


@dataclass
class Listing:
    """``total`` matching rows and an iterator over (at most ``limit`` of) them. The rows
    are read while iterating: iterate before the connection is closed."""

    total: int
    rows: Iterator[dict[str, Any]]


def list_rows(conn: Connection, kind: str, filters: Mapping[str, Any],
              search: str | None = None, limit: int | None = None,
              qualifications: Iterable[str] = ()) -> Listing:
    """The rows a listing shows, streamed from the store (SQL ``COUNT`` and ``LIMIT``).

    *qualifications* (officers holding every one of them: a JSON list SQL cannot filter
    portably) is applied while reading, which then counts every matching row.
    """
    query = select_rows(kind, filters, search)
    stream = conn.execution_options(yield_per=STREAM_BATCH)
    wanted = set(qualifications)
    if not wanted:
        count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
        total = conn.execute(count).scalar_one()
        limited = query.limit(limit) if limit else query
        return Listing(total, (dict(r) for r in stream.execute(limited).mappings()))
    total = 0
    kept: list[dict[str, Any]] = []
    for r in stream.execute(query).mappings():
        row = dict(r)
        if wanted <= set(row.get("qualifications") or []):
            total += 1
            if not limit or len(kept) < limit:
                kept.append(row)
    return Listing(total, iter(kept))


def find_row(conn: Connection, kind: str, key: str) -> dict[str, Any] | None:
    """The row of *kind* whose key (统一社会信用代码 / 执法证号) is *key*, or ``None``."""
    return next(list_rows(conn, kind, {KEY[kind]: key}, limit=1).rows, None)
