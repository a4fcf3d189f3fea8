"""Importing a library file into the store: all or nothing, as one upsert.

:func:`import_file` streams the file through the reader (core/libraries/reader.py), which
validates every row, and writes the valid rows with one statement (:func:`upsert_sql`)::

    INSERT INTO targets (...) SELECT ... FROM <stage>
    ON CONFLICT (credit_code) DO UPDATE SET ... , updated_at = excluded.updated_at
    WHERE targets.row_digest <> excluded.row_digest

- SQLite (one writer at a time): the rows are first read and validated into a scratch
  SQLite file beside the store (:class:`_SqliteStage`), holding no lock on the store; then,
  inside one :func:`~jointcheck.core.store.begin_write` transaction, the stage is upserted
  in one set-based statement. The store's write lock is held only for that write, so an
  inspector's mark waits for the write (seconds for a million rows), never for the reading
  and validation. (Staging writes every row twice, which costs time, measured in
  bench/import_targets.py; it buys the marks their short wait.)
- PostgreSQL: inside one write transaction each batch goes by ``COPY`` into a temporary
  table and the statement reads it (``INSERT ... SELECT``), batch by batch, so that the
  server works while the next batch is read. Marks there take row locks only and never
  wait for an import.

For a big CSV file the reading and validation run in a forked child process
(:class:`_RemoteBatches`, only where core.forking allows a fork), so that Python and the
database work at the same time. The counts follow from two facts: the table's row count
before and after gives ``added``; the driver's row count (rows inserted or actually
updated — an unchanged row is a no-op) minus ``added`` gives ``updated``; the rest is
``unchanged``.

The audit entry is appended in the same transaction. A file with any bad row imports
nothing (the transaction is rolled back) unless ``skip_invalid`` is set, in which case the
good rows are imported and the bad ones written to ``rejects``.

Columns absent from the file are left as they are on the rows it updates (a status file
with only 统一社会信用代码, 市场主体名称 and 登记状态 changes those and nothing else): each batch's
stored values of the absent columns are read back and put into the rows before their
digest is computed (:class:`_KeepAbsent`), so the digest is always that of the whole row
as stored. ``replace_missing_columns`` instead replaces every column (absent ones become
empty). Either way the report warns which columns the file does not have (JC652/JC653).

Rows of the store that are absent from the file are left as they are (a library refresh
adds and updates; an enterprise that is gone carries 登记状态 注销 or 迁出): the report
counts them as ``not_in_file``.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import json
import marshal
import multiprocessing
import os
import pickle
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .. import clock
from ..canonical import canonical_encoder, canonical_text
from ..errors import Problem, os_detail
from ..gcpause import gc_paused
from ..i18n import get_lang, set_lang
from ..store import SQLITE_PAGE_SIZE, WRITE_OPTION, audit, begin_write, models, sqlite_path
from .fields import (
    BOOL_COLUMNS,
    DATE_COLUMNS,
    DIGEST_COLUMNS,
    JSON_COLUMNS,
    KEY,
    REASON_HEADER,
)
from .messages import LibraryError, row_problem
from .reader import CSV_SUFFIXES, LibraryFile, RowResult, file_sha256, open_library

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

BATCH = 10_000
MAX_PROBLEMS = 10_000

ProgressFn = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did (or would have done)."""

    kind: str
    file: str
    sha256: str = ""
    encoding: str | None = None
    rows: int = 0  # data rows read
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows with problems (skipped, or the reason nothing was imported)
    not_in_file: int = 0  # rows of the store the file does not mention (left unchanged)
    imported: bool = False  # False: nothing was written
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0  # all problems, including those beyond ``problems``
    warnings: list[Problem] = field(default_factory=list)
    rejects_file: str | None = None
    audit_seq: int | None = None
    missing_columns: list[str] = field(default_factory=list)  # headers the file lacks
    replace_missing_columns: bool = False
    interrupted_after_commit: bool = False  # Ctrl-C came during the commit: it is done

    @property
    def ok(self) -> bool:
        return self.imported

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "file": self.file, "sha256": self.sha256,
            "encoding": self.encoding, "imported": self.imported, "rows": self.rows,
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "not_in_file": self.not_in_file,
            "problem_count": self.problem_count,
            "problems": [p.to_json() for p in self.problems],
            "warnings": [p.to_json() for p in self.warnings],
            "rejects_file": self.rejects_file, "audit_seq": self.audit_seq,
            "missing_columns": self.missing_columns,
            "replace_missing_columns": self.replace_missing_columns,
            "interrupted_after_commit": self.interrupted_after_commit,
        }


def _wire_maker(kind: str) -> Callable[[list[Any]], str]:
    """reader values (DIGEST_COLUMNS order) -> the canonical JSON of the row (the same
    text as :func:`fields.row_text`, which its digest is taken of); the dates in *values*
    become ISO text in place, as they are stored.

    The row's one encoding: :func:`_tuple_maker` takes the digest of it; the reader
    process sends it as it is (marshal would encode every value again), and the other
    side (:func:`_wire_reader`, or SQLite's JSON functions) reads the values back and
    takes the digest, so that the work is shared between the two processes.
    """
    columns = DIGEST_COLUMNS[kind]
    canonical = canonical_encoder()
    dates = [i for i, c in enumerate(columns) if c in DATE_COLUMNS]

    def encode(values: list[Any]) -> str:
        for i in dates:
            d = values[i]
            if d is not None:
                values[i] = d.isoformat()
        return canonical(values)

    return encode


def _json_columns(kind: str) -> list[int]:
    return [i for i, c in enumerate(DIGEST_COLUMNS[kind]) if c in JSON_COLUMNS]


def _json_text() -> Callable[[Any], str]:
    """The canonical JSON of a JSON column's value, cached: small values recur
    (``{"uses_special_equipment":true}``)."""
    canonical = canonical_encoder()
    cache: dict[Any, str] = {}

    def to_json(value: Any) -> str:
        if not value:
            return "[]" if isinstance(value, list) else "{}"
        try:
            items = tuple(value.items()) if isinstance(value, dict) else tuple(value)
            key = (type(value), items, tuple(map(type, value.values() if isinstance(value, dict)
                                                 else value)))
            text = cache.get(key)
        except TypeError:  # an unhashable value: no caching
            return canonical(value)
        if text is None:
            text = canonical(value)
            if len(cache) < 4096:
                cache[key] = text
        return text

    return to_json


def _tuple_maker(kind: str) -> Callable[[list[Any]], list[Any]]:
    """reader values (DIGEST_COLUMNS order) -> the parameters of the upsert: the values,
    then the digest.

    The hot path of a big import read in this process: one JSON encoding for the digest
    (same bytes as :func:`fields.row_text`), cached encodings of the small JSON columns.
    """
    make = _tuple_maker_from(kind)
    return lambda values: make(values)[1]


def _tuple_maker_from(kind: str) -> Callable[[list[Any]], tuple[str, list[Any]]]:
    """:func:`_tuple_maker` that also gives the row's canonical text."""
    encode = _wire_maker(kind)
    params = _params_maker(kind)

    def make(values: list[Any]) -> tuple[str, list[Any]]:
        text = encode(values)
        return text, params(values, text)

    return make


def _params_maker(kind: str) -> Callable[[list[Any], str], list[Any]]:
    """(a row's values, dates as ISO text; its canonical text) -> the parameters of the
    upsert: the JSON columns as their canonical text (cached), then the digest of the
    row's text. The one step after the encoding, whichever process made the text
    (:func:`_tuple_maker_from`, :func:`_wire_reader`)."""
    to_json = _json_text()
    sha = hashlib.sha256
    jsons = _json_columns(kind)

    def params(values: list[Any], text: str) -> list[Any]:
        for i in jsons:
            values[i] = to_json(values[i])
        values.append(sha(text.encode("utf-8")).hexdigest())
        return values

    return params


def _wire_reader(kind: str) -> Callable[[_WireBatch], list[list[Any]]]:
    """A batch from the reader process, its rows' canonical JSON one a line (the form
    never holds a raw line break: JSON escapes it) -> the parameters of the upsert,
    exactly as :func:`_tuple_maker` makes them. JSON reads back every value the canonical
    form wrote (text, true/false, null; numbers only inside the JSON columns), then
    :func:`_params_maker` finishes each row from its line."""
    params = _params_maker(kind)
    loads = json.loads

    def read(batch: _WireBatch) -> list[list[Any]]:
        if not batch.count:
            return []
        texts = batch.lines()
        rows: list[list[Any]] = loads(f"[{','.join(texts)}]")
        return [params(row, text) for row, text in zip(rows, texts, strict=True)]

    return read


class _WireBatch:
    """A batch of valid rows as the reader process sends it: their :func:`_wire_maker`
    text, one a line, in UTF-8 (the digest is taken of those bytes and SQLite stores them
    as they are, so that the writer never decodes or encodes the text). A writer reads it
    with :func:`_wire_reader`, or SQLite's JSON functions read it
    (:meth:`_SqliteStage.write`)."""

    __slots__ = ("count", "data")

    def __init__(self, data: bytes, count: int):
        self.data = data
        self.count = count

    def __len__(self) -> int:
        return self.count

    def lines(self) -> list[str]:
        return self.data.decode("utf-8").split("\n") if self.count else []

    def utf8_lines(self) -> list[bytes]:
        """The lines as UTF-8 bytes (a byte 0x0A is only ever a line break in UTF-8)."""
        return self.data.split(b"\n") if self.count else []


class _CopyBatch:
    """A batch of valid rows as COPY text (:func:`_copy_maker`), for PostgreSQL."""

    __slots__ = ("count", "text")

    def __init__(self, text: str, count: int):
        self.text = text
        self.count = count

    def __len__(self) -> int:
        return self.count


def _copy_maker(kind: str) -> Callable[[list[Any]], str]:
    """The reader process's form of :func:`_tuple_maker` for PostgreSQL: reader values ->
    the upsert parameters as one line of ``COPY ... FROM STDIN`` text (tab-separated,
    ``\\N`` for NULL, ``t``/``f``), which the writer hands to the server whole.

    A value needs COPY's escapes only if it holds a backslash, tab, line break or carriage
    return; JSON escapes each of those with a backslash, so a row whose canonical text has
    no backslash needs none (nearly every row: one scan instead of four a value).
    """
    make = _tuple_maker_from(kind)

    def line(values: list[Any]) -> str:
        text, params = make(values)
        if "\\" in text:
            return "\t".join(map(_copy_cell, params))
        return "\t".join([v if v.__class__ is str else _copy_cell(v) for v in params])

    return line


def _copy_cell(value: Any) -> str:
    """One value in COPY's text format (PostgreSQL's rules: backslash, line break,
    carriage return and the delimiter escaped)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if not isinstance(value, str):
        raise TypeError(f"no COPY text for a value of type {type(value).__name__}")
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


def _reason(problems: list[Problem]) -> str:
    return "；".join(f"{p.column}: {p.code} {p.message}" if p.column else f"{p.code} {p.message}"
                    for p in problems)


class _Rejects:
    """The rejects file: the original columns plus 错误原因, UTF-8 with BOM (Excel opens it)."""

    def __init__(self, path: str | Path, headers: list[str]):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self._f = open(self.tmp, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._w = csv.writer(self._f)
        self._width = len(headers)
        self._w.writerow([*headers, REASON_HEADER])

    def write(self, cells: list[str], problems: list[Problem]) -> None:
        row = list(cells[: self._width]) + [""] * (self._width - len(cells))
        self._w.writerow([*row, _reason(problems)])

    def commit(self) -> None:
        self._f.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        self._f.close()
        self.tmp.unlink(missing_ok=True)


class _NothingImported(Exception):
    """Raised inside the write transaction to roll it back."""


def import_file(engine: Engine, kind: str, path: str | Path, *, encoding: str | None = None,
                mapping: Any = None, sheet: str | None = None, skip_invalid: bool = False,
                rejects: str | Path | None = None, allow_check_override: bool = True,
                progress: ProgressFn | None = None, actor: str | None = None,
                label: str | None = None, max_problems: int = MAX_PROBLEMS,
                parallel: bool | None = None,
                replace_missing_columns: bool = False) -> ImportReport:
    """Import a targets or officers file into the store; see the module docstring.

    File-level problems raise :class:`~.messages.LibraryError`; row problems are in the
    report (``imported`` False unless ``skip_invalid``). ``progress(done, total)`` is called
    after every batch (bytes for CSV, rows for XLSX). ``parallel`` reads the file in a
    forked child process (default: for CSV files of at least :data:`PARALLEL_MIN_BYTES`),
    only where :func:`~jointcheck.core.forking.fork_safe` allows it.
    Columns the file lacks keep their stored values unless ``replace_missing_columns``.
    """
    lib = open_library(kind, path, encoding=encoding, mapping=mapping, sheet=sheet,
                       label=label, allow_check_override=allow_check_override)
    report = ImportReport(kind=kind, file=lib.label, encoding=lib.encoding,
                          warnings=list(lib.warnings),
                          replace_missing_columns=replace_missing_columns)
    absent = lib.absent_fields()
    report.missing_columns = [f.header for f in absent]
    if absent and replace_missing_columns:
        report.warnings.append(row_problem(
            "JC653", file=lib.label, row=lib.header_row, severity="warning",
            columns="、".join(report.missing_columns)))
    keep: _KeepAbsent | None = None
    if parallel is None:
        parallel = lib.path.suffix.lower() in CSV_SUFFIXES and lib.total >= PARALLEL_MIN_BYTES
    if parallel:
        from ..forking import fork_safe

        parallel = fork_safe()  # never fork a process that runs threads (core.forking)
    rej = None
    if rejects is not None:
        try:
            rej = _Rejects(rejects, lib.headers)
        except OSError as exc:
            lib.close()
            raise LibraryError([row_problem("JC632", file=str(rejects),
                                            detail=os_detail(exc, str(rejects)))]) from None
    staged = None
    defer = _DeferSigint()
    # the import's time: created_at of the rows it adds, updated_at of those it changes
    stamp = _stamp(engine.dialect, clock.utcnow())
    try:
        if engine.dialect.name == "sqlite":
            # read and validate the whole file into a staging file first: the store's
            # write lock is taken only for the write itself (an inspector's mark waits
            # for the write, never for the reading)
            staged = _stage_sqlite(engine, kind, lib, report, skip_invalid=skip_invalid,
                                   rejects=rej, progress=progress, max_problems=max_problems,
                                   parallel=parallel, stamp=stamp)
        with _write_transaction(engine, staged) as conn:
            # columns the file lacks keep their stored values: read inside the write
            # transaction, so that they are the values the upsert replaces
            keep = (_KeepAbsent(conn, kind, absent, lib.present_attributes())
                    if absent and not replace_missing_columns else None)
            if staged is not None:
                _load_staged(conn, kind, staged, report, stamp=stamp, keep_absent=keep)
            else:
                _load(conn, kind, lib, report, skip_invalid=skip_invalid, rejects=rej,
                      progress=progress, max_problems=max_problems, stamp=stamp,
                      parallel=parallel, keep_absent=keep)
            report.sha256 = lib.sha256 or file_sha256(lib.path)
            payload = {
                "kind": kind, "file": lib.path.name, "sha256": report.sha256,
                "rows": report.rows, "added": report.added, "updated": report.updated,
                "unchanged": report.unchanged, "rejected": report.rejected,
                "skip_invalid": skip_invalid, "encoding": lib.encoding,
                "missing_columns": [f.column for f in absent],
                "replace_missing_columns": replace_missing_columns,
            }
            report.audit_seq = audit.append(conn, f"{kind}.import", payload, actor=actor)
            report.imported = True
            _test_pause("before_commit")
            defer.start()  # from here the commit happens whole: Ctrl-C is only recorded
        _test_pause("after_commit", until=lambda: defer.hit)
    except _NothingImported:
        report.imported = False
        report.added = report.updated = report.unchanged = 0
    except BaseException:  # KeyboardInterrupt before the commit: rolled back
        report.imported = False
        if rej is not None:
            rej.discard()
        lib.close()
        raise
    finally:
        if staged is not None:
            staged.remove()
        defer.stop()
    report.interrupted_after_commit = defer.hit and report.imported
    if rej is not None:
        rej.commit()
        report.rejects_file = str(rejects)
    if keep is not None and keep.kept and report.imported:
        # said only when it mattered: a stored value was kept that the file would have emptied
        kept = [f.header for f in absent if f.column in keep.kept]
        report.warnings.append(row_problem(
            "JC652", file=lib.label, row=lib.header_row, severity="warning",
            columns="、".join(kept), count=len(keep.kept_rows)))
    if report.problem_count > len(report.problems):
        report.warnings.append(row_problem("JC651", file=lib.label, severity="warning",
                                           count=len(report.problems),
                                           total=report.problem_count))
    return report


class _DeferSigint:
    """Hold Ctrl-C (SIGINT) back while an import commits, and remember it.

    An interrupt before :meth:`start` raises KeyboardInterrupt as usual and the write
    transaction is rolled back; one after it (during the commit itself) cannot undo the
    commit, so it is only recorded (``hit``) and the caller says that the import was
    committed. Signal handlers exist only in the main thread: elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.hit = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        self.hit = True

    def start(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def stop(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _test_pause(point: str, until: Callable[[], bool] | None = None) -> None:
    """A test hook: with ``JOINTCHECK_TEST_PAUSE=POINT:SECONDS`` the import stops at
    *point* ("before_commit", "after_commit") for up to SECONDS, after saying so on
    stderr, so that a test can interrupt it there (tests/test_import_interrupt.py)."""
    spec = os.environ.get("JOINTCHECK_TEST_PAUSE")
    if not spec or spec.partition(":")[0] != point:
        return
    sys.stderr.write(f"jointcheck-test-pause {point}\n")
    sys.stderr.flush()
    end = time.monotonic() + float(spec.partition(":")[2] or 5)
    while time.monotonic() < end and not (until and until()):
        time.sleep(0.02)


# The parameters of one row: the digested columns, then the digest. created_at and
# updated_at are one literal per import (see upsert_sql), not parameters.
IMPORT_COLUMNS: dict[str, list[str]] = {
    kind: [*DIGEST_COLUMNS[kind], "row_digest"] for kind in DIGEST_COLUMNS
}
STAGE_TABLE = "jc_import_stage"
_STAMP_RE = re.compile(r"^[0-9][0-9 :.T+\-]*$")


def upsert_sql(kind: str, dialect: str, stamp: str, *, source: str | None = None) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE digest differs`` for *kind*.

    The rows come from parameters (``VALUES (?, ...)``) or, with *source*, from a
    ``SELECT`` of that table; *stamp* (the import's time, as the store writes it) is the
    ``created_at`` of new rows and the ``updated_at`` of changed ones. The statement is the
    same on SQLite (>= 3.24) and PostgreSQL apart from the parameter marks. An unchanged row
    is a no-op and is not counted as a change.
    """
    columns = IMPORT_COLUMNS[kind]
    names = ", ".join(columns)
    literal = _stamp_literal(stamp)
    if source is None:
        mark = "?" if dialect == "sqlite" else "%s"
        rows = f"VALUES ({', '.join([mark] * len(columns))}, {literal}, {literal})"
    else:
        # "WHERE true": SQLite's parser needs it to tell ON CONFLICT from a join's ON
        rows = f"SELECT {names}, {literal}, {literal} FROM {source} WHERE true"
    key = KEY[kind]
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    return (f"INSERT INTO {kind} ({names}, created_at, updated_at) {rows} "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets}, updated_at = excluded.updated_at "
            f"WHERE {kind}.row_digest <> excluded.row_digest")


def _stamp_literal(stamp: str) -> str:
    """*stamp* (:func:`_stamp`) as an SQL literal."""
    if not _STAMP_RE.match(stamp):
        raise ValueError(f"not a timestamp: {stamp!r}")
    return f"'{stamp}'"


def _driver_connection(conn: Connection) -> Any:
    """The DB-API driver's own connection under *conn* (an open one)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver


class _PostgresWriter:
    """PostgreSQL: each batch goes by ``COPY`` into a temporary table, then the upsert as
    ``INSERT ... SELECT`` from it (row-by-row statements are several times slower over a
    socket). Batch by batch, so that the server works while the next batch is read.

    Into a table that holds no row (*empty*: the library's first import, counted inside
    the write transaction, whose lock keeps every other import out until the commit), each
    batch goes by ``COPY`` straight into the table, the import's time appended to each
    line: there is nothing to upsert against.
    """

    def __init__(self, conn: Connection, kind: str, stamp: str,
                 keep_absent: _KeepAbsent | None = None, *, empty: bool = False):
        self.raw_cursor = _driver_connection(conn).cursor()
        names = ", ".join(IMPORT_COLUMNS[kind])
        self.changed = 0
        self.direct = empty
        if empty:
            self.keep_absent = None  # nothing stored to keep
            self.copy_sql = f"COPY {kind} ({names}, created_at, updated_at) FROM STDIN"
            self.stamps = [stamp, stamp]
            self.line_end = f"\t{_copy_cell(stamp)}\t{_copy_cell(stamp)}\n"
            self.remote_mode = "copy"
            return
        self.keep_absent = keep_absent
        self.raw_cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE_TABLE}")
        self.raw_cursor.execute(f"CREATE TEMPORARY TABLE {STAGE_TABLE} ON COMMIT DROP AS "
                                f"SELECT {names} FROM {kind} WITH NO DATA")
        self.copy_sql = f"COPY {STAGE_TABLE} ({names}) FROM STDIN"
        self.upsert = upsert_sql(kind, "postgresql", stamp, source=STAGE_TABLE)
        # what the reader process sends (_child_main): the values where the columns a
        # file lacks are filled in here, else COPY text
        self.remote_mode = "params" if keep_absent is not None else "copy"

    def write(self, batch: list[list[Any]] | _CopyBatch) -> None:
        cur = self.raw_cursor
        if self.direct:
            with cur.copy(self.copy_sql) as copy:
                if isinstance(batch, _CopyBatch):  # a line feed only ever ends a COPY line
                    copy.write(batch.text.replace("\n", self.line_end))
                else:
                    for row in batch:
                        copy.write_row([*row, *self.stamps])
            self.changed += len(batch)
            return
        if isinstance(batch, _CopyBatch):
            with cur.copy(self.copy_sql) as copy:
                copy.write(batch.text)
        else:
            if self.keep_absent is not None:
                batch = self.keep_absent(batch)
            with cur.copy(self.copy_sql) as copy:
                for row in batch:
                    copy.write_row(row)
        cur.execute(self.upsert)
        self.changed += max(cur.rowcount, 0)
        cur.execute(f"TRUNCATE {STAGE_TABLE}")

    def finish(self) -> int:
        if not self.direct:
            self.raw_cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE_TABLE}")
        return self.changed

    def close(self) -> None:
        self.raw_cursor.close()


# A CSV file at least this big is read in a child process (see _remote_batches).
PARALLEL_MIN_BYTES = 8 << 20
# SQLite page cache for the import connection (KiB): the unique index of a million-row
# library then stays in memory; restored afterwards.
SQLITE_IMPORT_CACHE_KIB = 64 * 1024

Batch = tuple[list[Any] | _WireBatch | _CopyBatch, list[RowResult], int]


def _batches(lib: LibraryFile, make: Callable[[list[Any]], Any] | None
             ) -> Iterator[tuple[list[Any], list[RowResult], int]]:
    """Validated rows -> (``make`` of each: upsert parameters, or the reader process's
    rows; rejected rows; progress) in batches. Without ``make``, each row's
    :func:`_wire_maker` text, as :meth:`~.reader.LibraryFile.iter_wire` writes it."""
    batch: list[Any] = []
    bad: list[RowResult] = []
    rows: Iterator[tuple[int, Any, list[Problem] | None, list[str]]] = (
        lib.iter_values() if make is not None else lib.iter_wire(_wire_maker(lib.kind)))
    for rownum, values, problems, cells in rows:
        if values is not None:
            batch.append(make(values) if make is not None else values)
            if len(batch) >= BATCH:
                yield batch, bad, lib.done
                batch, bad = [], []
        else:
            bad.append(RowResult(rownum, None, problems or [], cells))
            if len(bad) >= BATCH:
                yield batch, bad, lib.done
                batch, bad = [], []
    yield batch, bad, lib.done


def _child_main(spec: dict[str, Any], lang: str, out: Any, mode: str,
                parent_end: Any) -> None:
    """The reader process: parse and validate the file, send batches through *out*.

    A batch of valid rows travels, by *mode* (:func:`_consume` chooses it):

    - ``lines`` (a SQLite stage): the :func:`_wire_maker` text of its rows, one a line,
      in UTF-8 (``J``), written by the reader itself (:meth:`~.reader.LibraryFile.iter_wire`):
      the parent takes the digests, so that the two processes share the work;
    - ``copy`` (PostgreSQL): the :func:`_copy_maker` text of its rows (``C``), which the
      parent, busy waiting for the server, hands over whole;
    - ``params`` (PostgreSQL keeping the columns a file lacks, which needs the values):
      :mod:`marshal` bytes of the upsert parameters (``M``: three times cheaper to write
      than pickle; only str, bool and None).

    Each in a marshal envelope; rejected rows and the end as pickles (``P``).

    *parent_end*, the parent's end of the pipe (a fork's copy), is closed first: were it
    kept, a parent killed midway (``kill -9``) would leave this process waiting forever to
    write into a full pipe, holding the stage's lock. Closed, its next write fails and it
    ends without a word (nobody is left to read one).
    """
    parent_end.close()
    gc.disable()  # a short-lived process that builds no cycles
    set_lang(lang)
    message: tuple[str, Any] | None = None
    try:
        _send_batches(spec, out, mode)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the importer is gone (killed): nobody is left to tell
    except LibraryError as exc:
        message = ("library_error", exc.problems)
    except BaseException:  # reported by the parent as JC631
        import traceback

        message = ("error", traceback.format_exc())
    try:
        if message is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                out.send_bytes(b"P" + pickle.dumps(message))
    finally:
        out.close()


def _send_batches(spec: dict[str, Any], out: Any, mode: str) -> None:
    """Read and validate the file of *spec*, sending its batches as :func:`_child_main`
    says, then the end."""
    lib = open_library(**spec)
    kind = spec["kind"]
    # lines: the reader writes each row's text itself (LibraryFile.iter_wire)
    make = None if mode == "lines" else {"copy": _copy_maker,
                                         "params": _tuple_maker}[mode](kind)
    for batch, bad, done in _batches(lib, make):
        if mode == "lines":  # the text as a message of its own: no copy into a marshal
            out.send_bytes(b"J" + marshal.dumps((len(batch), done)))
            out.send_bytes("\n".join(batch).encode("utf-8"))
        elif mode == "copy":
            text = "".join([f"{line}\n" for line in batch])
            out.send_bytes(b"C" + marshal.dumps((text, len(batch), done)))
        else:
            out.send_bytes(b"M" + marshal.dumps((batch, done)))
        if bad:
            out.send_bytes(b"P" + pickle.dumps(("bad", bad)))
    out.send_bytes(b"P" + pickle.dumps(("end", lib.sha256)))


def _widen_pipe(conn: Any) -> None:
    """Give the pipe to the reader process a 1 MiB buffer (Linux; the default 64 KiB
    makes the two processes take turns every 64 KiB of a batch of several MB)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setpipe is not None:
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: as it is
            fcntl.fcntl(conn.fileno(), setpipe, 1 << 20)


class _RemoteBatches:
    """Batches from a child process that reads the file, so that parsing and validation
    (Python) run on one core while the database works on another.

    On a million-row file the Python side and the SQLite side take about the same time,
    so the import takes little more than half as long as in one process.
    """

    def __init__(self, lib: LibraryFile, mode: str):
        ctx = multiprocessing.get_context("fork")  # only used when core.forking.fork_safe()
        spec = {"kind": lib.kind, "path": str(lib.path), "encoding": lib.encoding,
                "mapping": lib.mapping, "sheet": None, "label": lib.label,
                "allow_check_override": lib.allow_check_override}
        self._recv, send = ctx.Pipe(duplex=False)
        _widen_pipe(send)
        self._proc = ctx.Process(target=_child_main,
                                 args=(spec, get_lang(), send, mode, self._recv),
                                 name="jointcheck-import-reader", daemon=True)
        self._proc.start()
        send.close()
        self.sha256: str | None = None
        self.child_traceback: str | None = None
        self.label = lib.label

    def _failed(self, detail: str) -> LibraryError:
        return LibraryError([row_problem("JC631", file=self.label, detail=detail)])

    def _receive(self) -> bytes:
        try:
            return self._recv.recv_bytes()
        except EOFError:
            raise self._failed("the reader process ended unexpectedly") from None

    def __iter__(self) -> Iterator[Batch]:
        while True:
            msg = self._receive()
            if msg[:1] == b"J":  # its text follows as a message of its own
                count, done = marshal.loads(memoryview(msg)[1:])
                yield _WireBatch(self._receive(), count), [], done
                continue
            if msg[:1] == b"C":
                text, count, done = marshal.loads(memoryview(msg)[1:])
                yield _CopyBatch(text, count), [], done
                continue
            if msg[:1] == b"M":
                batch, done = marshal.loads(memoryview(msg)[1:])
                yield batch, [], done
                continue
            tag, value = pickle.loads(memoryview(msg)[1:])
            if tag == "bad":
                yield [], value, 0
            elif tag == "end":
                self.sha256 = value
                return
            elif tag == "library_error":
                raise LibraryError(value)
            else:
                self.child_traceback = value
                raise self._failed(value.strip().splitlines()[-1])

    def close(self) -> None:
        self._recv.close()
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()


class _KeepAbsent:
    """Fill the columns a file lacks with their stored values, batch by batch, and compute
    the digest of the row as it will be stored.

    A batch's rows are upsert parameters (:func:`_tuple_maker`: values in DIGEST_COLUMNS
    order, dates as ISO text, JSON columns as canonical text, then the digest). For each
    row whose key is already stored, the absent columns take the stored values; an absent
    attribute keeps its stored key in ``attributes`` while the file's attribute columns
    replace theirs. New rows keep the defaults of the absent columns.
    """

    CHUNK = 500  # keys per SELECT (well under every engine's parameter limit)

    def __init__(self, conn: Connection, kind: str, absent: list[Any],
                 present_attributes: set[str]):
        self.conn = conn
        self.table = getattr(models, kind)
        self.columns = DIGEST_COLUMNS[kind]
        self.key = KEY[kind]
        self.key_index = self.columns.index(self.key)
        self.plain = [f.column for f in absent if f.attribute is None]
        self.merge_attributes = any(f.attribute is not None for f in absent)
        self.present_attributes = present_attributes
        self.attribute_fields = {f.attribute: f.column for f in absent if f.attribute}
        self.defaults = {f.column: (list(f.default) if isinstance(f.default, tuple)
                                    else f.default) for f in absent}
        self.jsons = _json_columns(kind)
        self.canonical = canonical_encoder()
        self.kept: set[str] = set()  # absent columns whose stored value mattered
        self.kept_rows: set[str] = set()  # keys of the rows that kept a value

    def _param(self, column: str, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list | dict):
            return self.canonical(value)
        return value

    def __call__(self, batch: list[list[Any]]) -> list[list[Any]]:
        wanted = list(self.plain) + (["attributes"] if self.merge_attributes else [])
        select = [self.table.c[self.key], *(self.table.c[c] for c in wanted)]
        keys = [row[self.key_index] for row in batch]
        stored: dict[str, Any] = {}
        for i in range(0, len(keys), self.CHUNK):
            chunk = keys[i:i + self.CHUNK]
            query = sa.select(*select).where(self.table.c[self.key].in_(chunk))
            for r in self.conn.execute(query).mappings():
                stored[r[self.key]] = r
        if not stored:
            return batch
        ai = self.columns.index("attributes") if self.merge_attributes else -1
        sha = hashlib.sha256
        for row in batch:
            s = stored.get(row[self.key_index])
            if s is None:
                continue
            for column in self.plain:
                value = s[column]
                if value not in (None, "") and value != self.defaults[column]:
                    self.kept.add(column)
                    self.kept_rows.add(row[self.key_index])
                row[self.columns.index(column)] = self._param(column, value)
            if ai >= 0:
                merged = {k: v for k, v in (s["attributes"] or {}).items()
                          if k not in self.present_attributes}
                for k in merged:
                    if k in self.attribute_fields:
                        self.kept.add(self.attribute_fields[k])
                        self.kept_rows.add(row[self.key_index])
                merged.update(json.loads(row[ai]))
                row[ai] = self.canonical(merged)
            values = row[:-1]
            for i in self.jsons:
                values[i] = json.loads(values[i])
            row[-1] = sha(self.canonical(values).encode("utf-8")).hexdigest()
        return batch


def _consume(lib: LibraryFile, writer: Any, report: ImportReport, *, skip_invalid: bool,
             rejects: _Rejects | None, progress: ProgressFn | None, max_problems: int,
             parallel: bool) -> tuple[int, bool]:
    """Read and validate every row of *lib*, writing the valid ones with *writer* (until the
    first bad row unless *skip_invalid*); fill in the report's row counts and return
    (rows written, whether a bad row stops the import)."""
    remote = _RemoteBatches(lib, writer.remote_mode) if parallel else None
    source = remote if remote is not None else _batches(lib, _tuple_maker(lib.kind))
    with gc_paused():  # a million short-lived tuples: collections would only cost time
        problems = report.problems
        failed = False  # strict mode: stop writing after the first bad row, keep validating
        rows = staged = rejected = problem_count = 0
        try:
            for batch, bad, done in source:
                rows += len(batch) + len(bad)
                for result in bad:
                    rejected += 1
                    problem_count += len(result.problems)
                    room = max_problems - len(problems)
                    if room > 0:
                        problems.extend(result.problems[:room])
                    if rejects is not None:
                        rejects.write(result.raw, result.problems)
                if bad and not skip_invalid:
                    failed = True
                if batch and not failed:
                    writer.write(batch)
                    staged += len(batch)
                if progress is not None and done:
                    progress(done, lib.total)
        finally:
            if remote is not None:
                remote.close()
                lib.sha256_override = remote.sha256
            lib.close()
    report.rows = rows
    report.rejected = rejected
    report.problem_count = problem_count
    if progress is not None:
        progress(lib.total, lib.total)
    return staged, failed


def _load(conn: Connection, kind: str, lib: LibraryFile, report: ImportReport, *,
          skip_invalid: bool, rejects: _Rejects | None, progress: ProgressFn | None,
          max_problems: int, stamp: str, parallel: bool,
          keep_absent: _KeepAbsent | None = None) -> None:
    """PostgreSQL: stream the rows into the library table batch by batch inside the write
    transaction (an inspector's mark there takes row locks only and never waits for it);
    fill in the report's counts."""
    table = getattr(models, kind)
    before = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    writer = _PostgresWriter(conn, kind, stamp, keep_absent, empty=before == 0)
    try:
        staged, failed = _consume(lib, writer, report, skip_invalid=skip_invalid,
                                  rejects=rejects, progress=progress,
                                  max_problems=max_problems, parallel=parallel)
        changed = 0 if failed else writer.finish()
    finally:
        writer.close()
    if failed:
        raise _NothingImported
    after = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    _counts(report, int(before), int(after), staged, changed)


def _stamp(dialect: Any, now: Any) -> str:
    """The import's time exactly as SQLAlchemy itself stores it on this engine."""
    process = models.targets.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    stamp = process(now) if process else now
    if not isinstance(stamp, str):  # PostgreSQL: ISO 8601 with the offset, cast by the server
        stamp = now.isoformat()
    return stamp


def _counts(report: ImportReport, before: int, after: int, staged: int, changed: int) -> None:
    added = after - before
    report.added = added
    report.updated = changed - added
    report.unchanged = staged - changed
    report.not_in_file = after - staged


class _SqliteStage:
    """A scratch SQLite file beside the store holding the validated rows of one import, so
    that the store's write lock is held only while they are written (one set-based
    upsert), not while the file is read and validated.

    With *like* (the store's own statements making the library's table and its indexes,
    given when that table holds no row) and *stamp*, the rows are staged as the store would
    hold them, in a table of the same definition with its indexes and timestamps: the write
    then copies that table whole (``transfer``, :func:`_load_staged`), which SQLite does by
    moving its records and index entries as they are. Else they are staged in a plain table
    ``rows`` of the upsert's columns.
    """

    SCHEMA = "jc_stage"
    PREFIX = ".jointcheck-import-"

    def __init__(self, kind: str, directory: Path | None, *, stamp: str | None = None,
                 like: list[str] | None = None):
        try:
            fd, name = tempfile.mkstemp(prefix=self.PREFIX, suffix=".tmp", dir=directory)
        except OSError:  # the store's folder takes no new file: the system's temp folder
            fd, name = tempfile.mkstemp(prefix=self.PREFIX.lstrip("."), suffix=".tmp")
        self.path = Path(name)
        self._hold = _hold(fd)  # kept open: the lock says the stage is alive
        _sweep(self.path.parent,
               self.PREFIX if self.path.name.startswith(".") else self.PREFIX.lstrip("."))
        self.kind = kind
        self.columns = IMPORT_COLUMNS[kind]
        self.staged = 0  # rows staged (set once the file is read)
        self.db = sqlite3.connect(name, isolation_level=None)
        self.db.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")  # the store's, see there
        self.db.execute("PRAGMA journal_mode = OFF")  # scratch: no journal, no fsync
        self.db.execute("PRAGMA synchronous = OFF")
        names = ", ".join(self.columns)
        stamps = ""
        self.transfer = False
        if like and stamp is not None and self._make_like(like):  # the store's table
            self.transfer = True
            names += ", created_at, updated_at"
            stamps = f", {_stamp_literal(stamp)}" * 2
        else:
            self.db.execute(f"CREATE TABLE rows ({names})")
        self.table = kind if self.transfer else "rows"
        self.sql = (f"INSERT INTO {self.table} ({names}) "
                    f"VALUES ({', '.join(['?'] * len(self.columns))}{stamps})")
        self.wire = _sqlite_reads_json(self.db)
        self.remote_mode = "lines"  # what the reader process sends (_child_main)
        if self.wire:
            # a batch from the reader process: its lines (and their digests) go into
            # "lines" (two parameters a row instead of one a column), then SQLite's JSON
            # functions spread them over the columns, in C
            self.db.execute("CREATE TABLE lines (line, digest)")
            values = ", ".join(f"json_extract(line, '$[{i}]')"
                               for i in range(len(self.columns) - 1))
            self.spread = (f"INSERT INTO {self.table} ({names}) "
                           f"SELECT {values}, digest{stamps} FROM lines")
        else:  # a SQLite without JSON functions: Python reads the lines
            self.read_wire = _wire_reader(kind)
        self.db.execute("BEGIN")

    def write(self, batch: list[list[Any]] | _WireBatch) -> None:
        if not isinstance(batch, _WireBatch):
            self.db.executemany(self.sql, batch)
        elif not self.wire:
            self.db.executemany(self.sql, self.read_wire(batch))
        else:
            sha = hashlib.sha256
            # CAST: a bytes parameter is a BLOB, which SQLite 3.45+ may read as JSONB; the
            # line is JSON text (SQLite 3.40 reads it either way, so no test here sees this)
            self.db.executemany("INSERT INTO lines VALUES (CAST(? AS TEXT), ?)",
                                [(line, sha(line).hexdigest()) for line in batch.utf8_lines()])
            self.db.execute(self.spread)
            self.db.execute("DELETE FROM lines")

    def _make_like(self, like: list[str]) -> bool:
        """Make the store's table (and indexes) here; False if this SQLite cannot."""
        try:
            for statement in like:
                self.db.execute(statement)
        except sqlite3.Error:  # the rows are staged in a plain table and upserted
            with contextlib.suppress(sqlite3.Error):
                self.db.execute(f"DROP TABLE IF EXISTS {self.kind}")
            return False
        # the store's indexes are kept up to date while the rows are staged: the page cache
        # a million keys need, as the store's write connection has (SQLITE_IMPORT_CACHE_KIB)
        self.db.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
        return True

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        self.db.close()

    def remove(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self.db.close()
        self.path.unlink(missing_ok=True)
        if self._hold >= 0:
            os.close(self._hold)
            self._hold = -1


def _sqlite_reads_json(db: sqlite3.Connection) -> bool:
    """Whether this SQLite has the JSON functions (built in since 3.38) and reads the
    canonical form back as Python does: a probe of the escapes it writes, and of a JSON
    column's text (which SQLite gives back as written)."""
    text = 'a"\\\n\x1f\u2028\u00e9\U0001f600'
    nested = {"k": [1, "\t", 2**70, 1e16]}
    try:
        got = db.execute("SELECT json_extract(?1, '$[0]'), json_extract(?1, '$[1]'), "
                         "json_extract(?1, '$[2]'), json_extract(?1, '$[3]')",
                         (canonical_text([text, True, None, nested]),)).fetchone()
    except sqlite3.Error:
        return False
    return tuple(got) == (text, 1, None, canonical_text(nested))


def _hold(fd: int) -> int:
    """Lock a stage file for as long as its import runs (released by the system when the
    process dies, even by ``kill -9``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the age rule of _sweep applies
        return fd
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _sweep(directory: Path, prefix: str) -> None:
    """Delete the stage files that imports killed during their read phase left behind: the
    ones whose lock nobody holds (or, without flock, older than a day). The store never
    depends on them; they only take disk space."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    try:
        found = list(directory.glob(f"{prefix}*.tmp"))
    except OSError:
        return
    now = time.time()
    for path in found:
        try:
            age = now - path.stat().st_mtime
            if fcntl is None:
                if age > 86400:
                    path.unlink()
                continue
            if age < 2:  # maybe created this instant, not locked yet
                continue
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # a running import's stage
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        finally:
            os.close(fd)


def _stage_sqlite(engine: Engine, kind: str, lib: LibraryFile, report: ImportReport, *,
                  skip_invalid: bool, rejects: _Rejects | None, progress: ProgressFn | None,
                  max_problems: int, parallel: bool, stamp: str) -> _SqliteStage:
    path = sqlite_path(str(engine.url))
    stage = _SqliteStage(kind, path.parent if path is not None else None, stamp=stamp,
                         like=_definition_if_empty(engine, kind))
    try:
        stage.staged, failed = _consume(lib, stage, report, skip_invalid=skip_invalid,
                                        rejects=rejects, progress=progress,
                                        max_problems=max_problems, parallel=parallel)
        stage.close()
    except BaseException:
        stage.remove()
        raise
    if failed:
        stage.remove()
        raise _NothingImported
    return stage


def _definition_if_empty(engine: Engine, kind: str) -> list[str] | None:
    """The statements that made *kind*'s table and its indexes in this SQLite store, if the
    table holds no row (the first import of a library) and has no generated or hidden
    column (which ``SELECT *`` would give and the copy's ``INSERT`` would refuse: a column
    someone added by hand), else None."""
    table = getattr(models, kind)
    with engine.connect() as conn:
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            return None
        if any(r[6] for r in conn.exec_driver_sql(f"PRAGMA table_xinfo({kind})")):
            return None
        rows = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index') "
            "AND sql IS NOT NULL ORDER BY type = 'index'", (kind,)).all()
    return [r[0] for r in rows]


def _write_transaction(engine: Engine, staged: _SqliteStage | None):
    """:func:`~jointcheck.core.store.begin_write`; with a SQLite stage, the stage is
    attached to the connection first (SQLite attaches only outside a transaction)."""
    if staged is None:
        return begin_write(engine)

    @contextmanager
    def attached():
        with engine.connect() as conn:
            raw = _driver_connection(conn)
            raw.execute(f"ATTACH DATABASE ? AS {_SqliteStage.SCHEMA}", (str(staged.path),))
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
            try:
                conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    yield conn
            finally:
                raw.execute(f"PRAGMA cache_size = {int(cache)}")
                raw.execute(f"DETACH DATABASE {_SqliteStage.SCHEMA}")

    return attached()


def _load_staged(conn: Connection, kind: str, staged: _SqliteStage, report: ImportReport, *,
                 stamp: str, keep_absent: _KeepAbsent | None = None) -> None:
    """The write phase of a staged SQLite import: one upsert from the stage (after filling
    the columns the file lacks with the stored values, when it lacks some); into a table
    that is still empty, the stage's copy of it whole."""
    table = getattr(models, kind)
    before = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    source = f"{_SqliteStage.SCHEMA}.{staged.table}"
    cur = _driver_connection(conn).cursor()
    try:
        if staged.transfer and before == 0:
            # the same definition on both sides and an empty table: SQLite's transfer
            # optimisation copies the records and each index's entries in order, building
            # no row again (a third of the upsert's time; the same rows, tested)
            cur.execute(f"INSERT INTO main.{kind} SELECT * FROM {source}")
        else:
            if keep_absent is not None:
                _keep_absent_in_stage(conn, kind, keep_absent, source)
            cur.execute(upsert_sql(kind, "sqlite", stamp, source=source))
        changed = max(cur.rowcount, 0)
    finally:
        cur.close()
    after = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    _counts(report, int(before), int(after), staged.staged, changed)


def _keep_absent_in_stage(conn: Connection, kind: str, keep: _KeepAbsent, stage: str) -> None:
    """Rewrite the staged rows whose key is stored with :class:`_KeepAbsent`, batch by
    batch (by rowid), inside the write transaction."""
    columns = IMPORT_COLUMNS[kind]
    key = KEY[kind]
    bools = [i for i, c in enumerate(columns) if c in BOOL_COLUMNS]
    raw = _driver_connection(conn)
    select = (f"SELECT rowid, {', '.join(columns)} FROM {stage} WHERE rowid > ? AND "
              f"{key} IN (SELECT {key} FROM main.{kind}) ORDER BY rowid LIMIT {BATCH}")
    update = (f"UPDATE {stage} SET {', '.join(f'{c} = ?' for c in columns)} "
              f"WHERE rowid = ?")
    last = 0
    while True:
        found = raw.execute(select, (last,)).fetchall()
        if not found:
            return
        last = found[-1][0]
        batch = []
        for r in found:
            row = list(r[1:])
            for i in bools:  # SQLite gives its booleans back as 0/1
                if row[i] is not None:
                    row[i] = bool(row[i])
            batch.append(row)
        keep(batch)
        raw.executemany(update, [[*row, r[0]] for row, r in zip(batch, found, strict=True)])


__all__ = ["BATCH", "IMPORT_COLUMNS", "ImportReport", "import_file", "upsert_sql"]
