"""The append-only, hash-chained audit log (table ``audit_log``).

Every import, draw and (later) submission, amendment and referral change appends one entry
inside the transaction that makes the change, so the entry and the change commit together::

    with begin_write(engine) as conn:
        ...                                   # the change itself
        audit.append(conn, "targets.import", {"file": "targets.csv", "added": 12})

Each entry carries ``payload_digest = SHA-256(canonical(payload))`` and
``hash = SHA-256(canonical([seq, at, actor, action, payload_digest, prev_hash]))``, where
``prev_hash`` is the previous entry's ``hash`` (64 zeros for entry 1). docs/audit.md
specifies the canonical form precisely enough for a third party to verify a log.

:func:`verify` detects an edited entry (payload, digest, any hashed field or the hash
itself), a deleted entry (a gap in ``seq`` or a broken ``prev_hash`` link) and a reordered
chain. Deleting the *last* entries leaves a shorter chain that is still consistent; only
a head recorded outside the database (``jointcheck audit head``, checked with
``audit verify --anchor SEQ:HASH``) can show that.

Problem codes JC711–JC719 belong to this module.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import clock
from ..canonical import canonical_json, format_time, sha256_hex
from ..errors import Problem, problem, register
from . import WRITE_OPTION, safe_url

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

GENESIS_HASH = "0" * 64
ACTOR_ENV = "JOINTCHECK_ACTOR"

CODES: dict[str, tuple[str, str]] = {
    "JC711": ("审计日志第 {seq} 条的内容已被修改（内容摘要不符）",
              "audit entry {seq} was edited: its payload does not match its digest"),
    "JC712": ("审计日志第 {seq} 条已被修改（条目哈希不符）",
              "audit entry {seq} was edited: its hash does not match its fields"),
    "JC713": ("审计日志缺少第 {first}–{last} 条（已被删除）",
              "audit entries {first}–{last} are missing (deleted)"),
    "JC714": ("审计日志第 {seq} 条与前一条的链接断开（前一条被删除、替换或顺序被调换）",
              "audit entry {seq} does not link to the entry before it (an entry was deleted, "
              "replaced or reordered)"),
    "JC715": ("审计日志不包含锚定的第 {seq} 条（日志末尾可能被删除）",
              "the audit log has no entry {seq}, the recorded anchor (its tail may have been "
              "deleted)"),
    "JC716": ("审计日志第 {seq} 条与锚定的哈希不符",
              "audit entry {seq} does not match the recorded anchor hash"),
    "JC717": ("锚点格式不正确：{value}", "malformed anchor: {value}"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC711": ("审计日志只能追加，不能修改；请从备份恢复数据库并调查修改来源。",
              "The audit log is append-only; please restore the database from a backup and "
              "investigate who changed it."),
    "JC712": ("审计日志只能追加，不能修改；请从备份恢复数据库并调查修改来源。",
              "The audit log is append-only; please restore the database from a backup and "
              "investigate who changed it."),
    "JC713": ("请从备份恢复数据库并调查删除来源。",
              "Please restore the database from a backup and investigate the deletion."),
    "JC714": ("请从备份恢复数据库并调查修改来源。",
              "Please restore the database from a backup and investigate the change."),
    "JC715": ("请从备份恢复数据库并调查删除来源。",
              "Please restore the database from a backup and investigate the deletion."),
    "JC716": ("请从备份恢复数据库并调查修改来源。",
              "Please restore the database from a backup and investigate the change."),
    "JC717": ("锚点的格式为 序号:哈希，例如 12:3f5a…（由 jointcheck audit head 输出）。",
              "An anchor is SEQ:HASH, e.g. 12:3f5a… (as printed by `jointcheck audit head`)."),
}


register(CODES, HINTS)


# --------------------------------------------------------------------------- canonical form
# canonical_json (core/canonical.py) converts the few non-JSON values a payload may carry
# once, before hashing and storing: datetime -> format_time, date -> ISO 8601,
# Decimal -> str, set -> sorted list.


def payload_digest(payload: Any) -> str:
    return sha256_hex(canonical_json(payload))


def entry_hash(seq: int, at: datetime | str, actor: str, action: str, digest: str,
               prev_hash: str) -> str:
    """SHA-256 of the canonical JSON array ``[seq, at, actor, action, digest, prev_hash]``."""
    at_text = at if isinstance(at, str) else format_time(at)
    return sha256_hex(canonical_json([seq, at_text, actor, action, digest, prev_hash]))


# --------------------------------------------------------------------------- writing


def actor(db: Engine | Connection | None = None, given: str | None = None) -> str:
    """Who is acting.

    On a PostgreSQL store whose current login is a named login (``jointcheck users add``,
    core/store/access.py): that login and, where bound, the officer's 执法证号 — whatever
    *given* says (the database refuses any other name on its entries). Otherwise *given*,
    else ``$JOINTCHECK_ACTOR``, else the login PostgreSQL authenticated (``current_user``)
    or, on SQLite, the operating-system user name.
    """
    user, bound = _identity(db) if db is not None else (None, None)
    return _name(user, bound, given)


def given_name(given: str | None = None) -> str | None:
    """The name a caller or ``$JOINTCHECK_ACTOR`` gives, if any (what :func:`actor` uses
    when the login is not a named one)."""
    return given or os.environ.get(ACTOR_ENV, "").strip() or None


def _name(user: str | None, bound: str | None, given: str | None) -> str:
    name = bound or given_name(given)
    if name:
        return name
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no user name (some containers): the numeric id is still honest
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _identity(db: Engine | Connection) -> tuple[str | None, str | None]:
    """(current_user, bound actor) of a PostgreSQL store's login (access.identity, read
    once per engine), else (None, None): SQLite has no logins."""
    if db.dialect.name != "postgresql":
        return None, None
    from .access import identity  # access imports sqlalchemy: audit stays light

    return identity(db)


def append(conn: Connection, action: str, payload: dict[str, Any],
           actor: str | None = None) -> int:
    """Append one entry inside the caller's :func:`~jointcheck.core.store.begin_write`
    transaction and return its ``seq``.

    The entry commits or rolls back with the change it records. Raises ``RuntimeError``
    when *conn* was not obtained from ``begin_write`` (the chain needs the write lock).
    """
    return append_many(conn, [(action, payload, actor)])[0]


def append_many(conn: Connection, entries: list[tuple[str, dict[str, Any], str | None]]
                ) -> list[int]:
    """Append *entries* (``(action, payload, actor)``, in order; actor None: :func:`actor`;
    a named login's entries always carry that login, whatever *actor* says)
    as :func:`append` would one by one, in two statements: one read of the chain's head,
    one insert of all the entries. Returns their ``seq``s."""
    from sqlalchemy import insert, select

    from .models import audit_log

    if not conn.get_execution_options().get(WRITE_OPTION) or not conn.in_transaction():
        raise RuntimeError("audit.append() must run inside store.begin_write()")
    if any(not isinstance(payload, dict) for _action, payload, _who in entries):
        raise TypeError("audit payload must be a dict")
    if not entries:
        return []
    user, bound = _identity(conn)
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq = last.seq if last else 0
    prev = last.hash if last else GENESIS_HASH
    at = clock.utcnow()
    rows = []
    for action, payload, by in entries:
        who = _name(user, bound, by)
        raw = canonical_json(payload)
        digest = sha256_hex(raw)
        seq += 1
        entry = entry_hash(seq, at, who, action, digest, prev)
        # what is stored is exactly what was hashed
        rows.append({"seq": seq, "at": at, "actor": who, "action": action,
                     "payload": json.loads(raw), "payload_digest": digest,
                     "prev_hash": prev, "hash": entry})
        prev = entry
    # parameters passed apart from the statement: its compiled form is cached
    conn.execute(insert(audit_log), rows)
    return [r["seq"] for r in rows]


# --------------------------------------------------------------------------- reading


def entries(conn: Connection, *, limit: int | None = None, newest_first: bool = False
            ) -> Iterator[dict[str, Any]]:
    """Entries as dicts (``at`` as the canonical UTC string), by ``seq``."""
    from sqlalchemy import select

    from .models import audit_log

    order = audit_log.c.seq.desc() if newest_first else audit_log.c.seq
    query = select(audit_log).order_by(order)
    if limit is not None:
        query = query.limit(limit)
    for row in conn.execute(query):
        yield {"seq": row.seq, "at": format_time(row.at), "actor": row.actor,
               "action": row.action, "payload": row.payload,
               "payload_digest": row.payload_digest, "prev_hash": row.prev_hash,
               "hash": row.hash}


def head(conn: Connection) -> tuple[int, str] | None:
    """``(seq, hash)`` of the newest entry — record it outside the database as an anchor."""
    from sqlalchemy import select

    from .models import audit_log

    row = conn.execute(select(audit_log.c.seq, audit_log.c.hash)
                       .order_by(audit_log.c.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else None


def parse_anchor(text: str) -> tuple[int, str]:
    """``"SEQ:HASH"`` -> ``(seq, hash)``; ValueError with a JC717 problem otherwise."""
    seq_text, sep, hash_text = text.strip().partition(":")
    hash_text = hash_text.strip().lower()
    if (not sep or not seq_text.strip().isdigit() or len(hash_text) != 64
            or any(c not in "0123456789abcdef" for c in hash_text)):
        raise ValueError(problem("JC717", value=text).format())
    return int(seq_text), hash_text


def verify(conn: Connection, anchors: list[tuple[int, str]] | None = None) -> list[Problem]:
    """Check the whole chain; return its problems in ``seq`` order (empty: intact).

    Each problem's ``path`` is ``audit_log[seq=N]`` and ``extra["seq"]`` is N, so the
    first problem names the first bad entry. *anchors* are ``(seq, hash)`` pairs recorded
    earlier (see :func:`head`); each must still be in the chain, unchanged.
    """
    url = safe_url(conn.engine.url.render_as_string(hide_password=False))
    problems: list[Problem] = []

    def report(code: str, seq: int, **params: Any) -> None:
        p = problem(code, file=url, path=f"audit_log[seq={seq}]", seq=seq, **params)
        p.extra["seq"] = seq
        problems.append(p)

    wanted = dict(anchors or [])
    expected_seq = 1
    prev_hash = GENESIS_HASH
    last_seq = 0
    for e in entries(conn):
        seq = e["seq"]
        if seq != expected_seq:
            if seq > expected_seq:
                report("JC713", expected_seq, first=expected_seq, last=seq - 1)
            else:  # duplicate or decreasing seq: cannot happen with the primary key
                report("JC714", seq)
        if e["prev_hash"] != prev_hash:
            report("JC714", seq)
        if payload_digest(e["payload"]) != e["payload_digest"]:
            report("JC711", seq)
        if entry_hash(seq, e["at"], e["actor"], e["action"], e["payload_digest"],
                      e["prev_hash"]) != e["hash"]:
            report("JC712", seq)
        if seq in wanted and wanted[seq] != e["hash"]:
            report("JC716", seq)
        expected_seq = seq + 1
        prev_hash = e["hash"]
        last_seq = seq
    for seq in sorted(s for s in wanted if s > last_seq):
        report("JC715", seq)
    # one problem per (code, seq); keep seq order, JC713 before others at the same seq
    seen: set[tuple[str, int]] = set()
    unique = []
    for p in sorted(problems, key=lambda p: (p.extra["seq"], p.code)):
        key = (p.code, p.extra["seq"])
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique
