"""Reading library files: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX, row by row.

:func:`iter_rows` (or :func:`open_library` when the caller also wants the header binding,
warnings and progress) streams a file and yields one :class:`RowResult` per data row: the
row's normalised values (keys = columns of core/store/models.py) or every problem found in
it. Nothing is loaded whole, so a million-row file reads in constant memory apart from the
set of keys seen (duplicates inside the file are errors that name both rows).

File-level problems (unreadable file, unknown encoding, missing required column, bad
mapping file) raise :class:`~.messages.LibraryError` — from :func:`open_library` when they
are visible up front, or from the iteration when an undecodable byte turns up later.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import math
import operator
import re
import string
import zipfile
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from ..canonical import canonical_encoder
from ..config import load_configuration
from ..errors import Problem
from ..i18n import get_lang, translator
from .codes import CREDIT_ALPHABET, CREDIT_TABLES
from .fields import (
    BOOL_COLUMNS,
    DATE_COLUMNS,
    DIGEST_COLUMNS,
    FIELDS,
    IGNORED_HEADERS,
    JSON_COLUMNS,
    KEY,
    KINDS,
    OVERRIDE_HEADERS,
    READABLE_KINDS,
    STATUSES,
    Field,
    Invalid,
    field_for,
    header_table,
    is_department_code,
    normalise_header,
    parse_bool,
    parse_credit_code,
    parse_digit_text,
    parse_grade,
    parse_phone,
    parse_status,
)
from .messages import LibraryError, row_problem

# details of JC602 and JC606 (the mapping file)
_ = translator({
    "unknown_encoding": ("未知的编码“{encoding}”", "unknown encoding '{encoding}'"),
    "empty_file": ("文件为空（0 字节）", "the file is empty (0 bytes)"),
    "not_xlsx": ("文件不是 .xlsx 工作簿（.xlsx 是 zip 格式；旧的 .xls 文件请在 Excel 中另存为 .xlsx）",
                 "the file is not an .xlsx workbook (an .xlsx file is a zip archive; save an "
                 "old .xls file as .xlsx in Excel)"),
    "top": ("顶层应为包含 columns: 和/或 departments: 的映射",
            "the top level must be a mapping with columns: and/or departments:"),
    "unknown_keys": ("未知的键 {keys}；应为 columns: 和 departments:",
                     "unknown key(s) {keys}; expected columns: and departments:"),
    "columns_type": ("columns: 应把表头名称对应到字段", "columns: must map header names to fields"),
    "not_a_name": ("columns: {header}: 应为字段名，实际为 {value}",
                   "columns: {header}: expected a field name, got {value}"),
    "no_attributes": ("columns: {header}: 只有检查对象有属性（attributes）",
                      "columns: {header}: only targets carry attributes"),
    "unknown_field": ("columns: {header}: 未知的字段“{name}”（可用字段：{known}、attributes.<名称>）",
                      "columns: {header}: unknown field '{name}' (fields: {known}, attributes.<name>)"),
    "departments_type": ("departments: 应把名称对应到部门代码",
                         "departments: must map names to department codes"),
    "bad_code": ("departments: {name}: “{code}”不是部门代码（小写字母、数字和 _）",
                 "departments: {name}: '{code}' is not a department code (lower-case letters, digits and _)"),
})

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_CHUNK = 1 << 20
_HEADER_SCAN_ROWS = 10


@dataclass(slots=True)
class RowResult:
    """One data row of a library file."""

    row: int  # 1-based row of the file (the header row counts; Excel's row number)
    data: dict[str, Any] | None  # the normalised row, or None when it has problems
    problems: list[Problem]
    raw: list[str] = field(repr=False)  # the cells as read (for a rejects file)

    @property
    def ok(self) -> bool:
        return self.data is not None


# --- the --mapping file ---------------------------------------------------------------------

@dataclass
class ColumnMapping:
    """Header names of a file mapped to fields, and department names mapped to codes.

    YAML form (docs/libraries.md)::

        columns:                 # header in the file -> column, verbatim header or alias
          企业名称: 市场主体名称
          特种设备情况: attributes.uses_special_equipment
          备注: null             # ignore this column
        departments:             # officers: names in 部门/单位 -> department code
          鹤壁市应急管理局: emergency_mgmt

    A file may also hold ``targets:`` and ``officers:`` sections of that form.
    """

    columns: dict[str, str | None] = field(default_factory=dict)  # normalised header -> column
    departments: dict[str, str] = field(default_factory=dict)
    source: str | None = None


def load_mapping(mapping: str | Path | Mapping[str, Any] | ColumnMapping | None,
                 kind: str) -> ColumnMapping:
    """Read and check a mapping (a YAML file path, an already-loaded mapping, or None)."""
    if mapping is None:
        return ColumnMapping()
    if isinstance(mapping, ColumnMapping):
        return mapping
    label = "<mapping>"
    if isinstance(mapping, str | Path):
        from ..errors import ConfigError
        from ..yamlload import load_file

        label = str(mapping)
        try:
            data = load_file(mapping).data
        except ConfigError as exc:
            raise LibraryError([row_problem("JC606", file=label, detail=p.format())
                                for p in exc.problems]) from None
    else:
        data = mapping

    def bad(detail: str) -> LibraryError:
        return LibraryError([row_problem("JC606", file=label, detail=detail)])

    if not isinstance(data, Mapping):
        raise bad(_("top"))
    if kind in data and isinstance(data[kind], Mapping):
        data = data[kind]
    unknown = sorted(set(map(str, data)) - {"columns", "departments", *KINDS})
    if unknown:
        raise bad(_("unknown_keys", keys=", ".join(unknown)))
    result = ColumnMapping(source=label)
    columns = data.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise bad(_("columns_type"))
    for header, target in columns.items():
        key = normalise_header(header)
        if target is None or (isinstance(target, str) and target.strip().lower() in ("", "ignore")):
            result.columns[key] = None
            continue
        if not isinstance(target, str):
            raise bad(_("not_a_name", header=header, value=repr(target)))
        name = target.strip()
        f = field_for(kind, name)
        if f is not None:
            result.columns[key] = f.column
        elif name.startswith("attributes.") and is_department_code(name[len("attributes."):]):
            if kind != "targets":
                raise bad(_("no_attributes", header=header))
            result.columns[key] = name
        elif normalise_header(name) in {normalise_header(h) for h in OVERRIDE_HEADERS}:
            result.columns[key] = "check_override"
        else:
            known = ", ".join(f.column for f in FIELDS[kind])
            raise bad(_("unknown_field", header=header, name=name, known=known))
    departments = data.get("departments") or {}
    if not isinstance(departments, Mapping):
        raise bad(_("departments_type"))
    for name, code in departments.items():
        if not isinstance(code, str) or not is_department_code(code):
            raise bad(_("bad_code", name=name, code=code))
        result.departments[str(name).strip()] = code
    return result


def installed_attributes() -> dict[str, tuple[str, str]]:
    """normalised header -> (attribute, type) for the target attributes the installed
    plugins declare, by their label and aliases (a library column is never shadowed)."""
    table = header_table("targets")
    found: dict[str, tuple[str, str]] = {}
    for _code, dept in sorted(load_configuration().departments.items()):
        for a in dept.data.get("attributes") or ():
            for header in (a["label"], *a.get("aliases", ())):
                key = normalise_header(header)
                if key and key not in table:
                    found.setdefault(key, (a["name"], a["type"]))
    return found


def installed_departments() -> dict[str, tuple[str, ...]]:
    """code -> (name, *aliases) of the departments the installed plugins declare."""
    return {code: dept.names for code, dept in sorted(load_configuration().departments.items())}


def _number(text: str) -> int | float | str:
    """A declared number attribute's cell: an int or a finite float, else the text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


class Departments:
    """Resolve a 部门 or 单位 text to the code of a known department.

    Known departments are the loaded ones (*departments*: code -> (name, *aliases);
    default: the installed plugins', loaded on first use), with the names a mapping file
    adds (*extra*: name -> code, which makes the code known). A code, name or alias
    resolves; so does a unit name that contains the names of exactly one department
    (``鹤壁市应急管理局``). Anything else, an unknown code included, does not.
    """

    def __init__(self, extra: Mapping[str, str] | None = None,
                 departments: Mapping[str, tuple[str, ...]] | None = None):
        self.extra = dict(extra or {})
        self._departments = dict(departments) if departments is not None else None
        self._cache: dict[str, str | None] = {}

    @property
    def departments(self) -> dict[str, tuple[str, ...]]:
        if self._departments is None:
            self._departments = installed_departments()
        return self._departments

    def known(self) -> str:
        shown = [f"{names[0]}={code}" for code, names in self.departments.items()]
        shown += [f"{n}={c}" for n, c in self.extra.items()]
        return "、".join(shown)

    def resolve(self, text: str) -> str | None:
        if text in self._cache:
            return self._cache[text]
        known = self.departments
        code: str | None = None
        if text in known:
            code = text
        elif text in self.extra:
            code = self.extra[text]
        else:
            names = {n: c for c, ns in known.items() for n in ns}
            if text in names:
                code = names[text]
            else:
                hits = {c for n, c in self.extra.items() if n in text}
                if not hits:
                    hits = {c for n, c in names.items() if n in text}
                code = hits.pop() if len(hits) == 1 else None
        if code not in known and code not in self.extra.values():
            code = None  # a code of no loaded department, and none the mapping file names
        self._cache[text] = code
        return code


# --- sources: (row number, cells) -----------------------------------------------------------

class _CountingRaw(io.RawIOBase):
    """A raw binary stream that counts the bytes read (for the progress bar)."""

    def __init__(self, f: Any):
        self._f = f
        self.count = 0
        self.hash = hashlib.sha256()
        self.eof = False
        self.nul = False  # a NUL byte was read: rows are then checked for it

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._f.readinto(b)
        if n:
            self.count += n
            self.hash.update(b[:n])
            if not self.nul and b"\x00" in bytes(b[:n]):
                self.nul = True
        else:
            self.eof = True
        return n

    def close(self) -> None:
        self._f.close()
        super().close()


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _first_decode_error(path: Path, encoding: str) -> tuple[int, int, int] | None:
    """(byte offset, line, byte) of the first byte *encoding* cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    lines = 1
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # the decoder may hold back up to a few bytes from the previous chunk
                pending = len(exc.object) - len(chunk)
                bad = offset + exc.start - pending
                f.seek(0)
                head = f.read(bad + 1)
                lines = head.count(b"\n", 0, bad) + 1
                return bad, lines, head[bad] if bad < len(head) else 0
            if final:
                return None
            offset += len(chunk)


def detect_encoding(path: str | Path) -> str:
    """``utf-8-sig`` for a UTF-8 BOM, ``utf-16`` for a UTF-16 BOM, ``utf-8`` when the whole
    file decodes strictly as UTF-8, else ``gb18030``."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _first_decode_error(path, "utf-8") is None:
        return "utf-8"
    return "gb18030"


def _decode_problem(path: Path, label: str, encoding: str, detected: bool) -> LibraryError:
    en = get_lang() == "en"
    parts = []
    tried = ["utf-8", encoding] if detected else [encoding]
    for enc in tried:
        where = _first_decode_error(path, enc)
        if where is None:
            continue
        offset, line, byte = where
        shown = "UTF-8" if enc.replace("_", "-").lower().startswith("utf-8") else enc.upper()
        if en:
            parts.append(f"not {shown}: byte 0x{byte:02x} at offset {offset} (line {line})")
        else:
            parts.append(f"不是 {shown} 编码：第 {offset} 字节（第 {line} 行）0x{byte:02x} 无法解码")
    detail = ("; " if en else "；").join(parts) or encoding
    return LibraryError([row_problem("JC602", file=label, detail=detail)])


class _CsvSource:
    def __init__(self, path: Path, label: str, encoding: str | None):
        self.path = path
        self.label = label
        self.detected = encoding is None
        if encoding is None:
            encoding = detect_encoding(path)
        else:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise LibraryError([row_problem("JC602", file=label, detail=_(
                    "unknown_encoding", encoding=encoding))]) from None
            if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
                encoding = "utf-8-sig"  # a BOM is never data
        self.encoding = encoding
        self.total = path.stat().st_size
        self._raw: _CountingRaw | None = None

    @property
    def done(self) -> int:
        return self._raw.count if self._raw else 0

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the file's bytes, once they have all been read."""
        return self._raw.hash.hexdigest() if self._raw and self._raw.eof else None

    def rows(self) -> Generator[tuple[int, list[str]], None, None]:
        """``(row number, cells)``; after the header, :meth:`LibraryFile.iter_values`
        reads :attr:`reader` directly (numbering from :attr:`count`), one layer fewer."""
        raw = _CountingRaw(open(self.path, "rb"))  # noqa: SIM115 - closed below
        self._raw = raw
        text = io.TextIOWrapper(io.BufferedReader(raw, _CHUNK), encoding=self.encoding,
                                errors="strict", newline="")
        self.count = 0
        try:
            try:
                first = text.readline()
            except UnicodeDecodeError:
                raise self.error(None) from None
            delimiter = "\t" if first.count("\t") > first.count(",") else ","
            self.reader = csv.reader(itertools.chain((first,), text), delimiter=delimiter)
            try:
                for cells in self.reader:
                    self.count += 1
                    yield self.count, cells
            except (UnicodeDecodeError, csv.Error) as exc:
                raise self.error(exc) from None
        finally:
            text.close()

    def error(self, exc: Exception | None, row: int | None = None) -> LibraryError:
        """The LibraryError for an exception met while reading row *row*."""
        if exc is None or isinstance(exc, UnicodeDecodeError):
            return _decode_problem(self.path, self.label, self.encoding, self.detected)
        return LibraryError([row_problem("JC601", file=self.label,
                                         row=row if row is not None else self.count + 1,
                                         detail=str(exc))])


def _cell_text(value: Any) -> str:
    """An XLSX cell value as text, the way a CSV export would have written it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 1e15 and value.is_integer():
            # beyond a spreadsheet's 15 significant digits: the digits Excel shows (a long
            # code stored as a number ends in zeros, which the code parsers recognise)
            from decimal import Decimal

            return str(int(Decimal(f"{value:.15g}")))
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


class _XlsxSource:
    def __init__(self, path: Path, label: str, sheet: str | None):
        self.path = path
        self.label = label
        self.encoding = None
        # openpyxl loads for XLSX files only: a CSV import never pays for it (principle 8)
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except zipfile.BadZipFile:  # an empty file, random bytes, an .xls renamed .xlsx...
            raise LibraryError([row_problem("JC609", file=label, detail=_(
                "not_xlsx" if path.stat().st_size else "empty_file"))]) from None
        except (InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise LibraryError([row_problem("JC609", file=label, detail=str(exc) or
                                            type(exc).__name__)]) from None
        if sheet is None:
            self._ws = self._wb.worksheets[0]
        elif sheet in self._wb.sheetnames:
            self._ws = self._wb[sheet]
        else:
            names = "、".join(self._wb.sheetnames)
            self._wb.close()
            raise LibraryError([row_problem("JC607", file=label, sheet=sheet, sheets=names)])
        self.sheet = self._ws.title
        self.total = self._ws.max_row or 0
        self.done = 0
        self.sha256 = None

    def rows(self) -> Generator[tuple[int, list[str]], None, None]:
        """``(row number, cells as text)``; a cell holding a number of 12 or more digits is
        noted in :attr:`numeric` (row -> {0-based column: text}) for the reader to refuse
        in a digit column, until the reader takes it."""
        self.numeric: dict[int, dict[int, str]] = {}
        try:
            for n, values in enumerate(self._ws.iter_rows(min_row=1, min_col=1,
                                                          values_only=True), start=1):
                self.done = n
                cells = [_cell_text(v) for v in values]
                for i, v in enumerate(values):
                    if (isinstance(v, int | float) and not isinstance(v, bool)
                            and abs(v) >= _LONG_NUMBER):
                        self.numeric.setdefault(n, {})[i] = cells[i]
                yield n, cells
        finally:
            self._wb.close()


_LONG_NUMBER = 10 ** 11  # the smallest number of 12 digits


# --- binding headers to fields ----------------------------------------------------------------

@dataclass(frozen=True)
class Bound:
    """A field bound to a column of the file."""

    index: int  # 0-based
    header: str  # as written in the file
    field: Field


class LibraryFile:
    """An open library file: its header binding, and an iterator over its rows.

    Iterate it (once) for :class:`RowResult`; ``done``/``total`` give progress (bytes for
    CSV, rows for XLSX); ``warnings`` holds file-level warnings (unrecognised columns).
    """

    def __init__(self, kind: str, path: str | Path, *, encoding: str | None = None,
                 mapping: Any = None, sheet: str | None = None, label: str | None = None,
                 allow_check_override: bool = True):
        if kind not in READABLE_KINDS:
            raise ValueError(f"unknown library kind {kind!r}")
        self.kind = kind
        self.path = Path(path)
        self.label = label or str(path)
        self.allow_check_override = allow_check_override
        self.mapping = load_mapping(mapping, kind)
        self.departments = Departments(self.mapping.departments)
        self.warnings: list[Problem] = []
        suffix = self.path.suffix.lower()
        if not self.path.is_file():
            from ..i18n import get_lang

            detail = "no such file" if get_lang() == "en" else "文件不存在"
            if self.path.exists():
                detail = "not a file" if get_lang() == "en" else "不是文件"
            raise LibraryError([row_problem("JC601", file=self.label, detail=detail)])
        if suffix in XLSX_SUFFIXES:
            self._source: _CsvSource | _XlsxSource = _XlsxSource(self.path, self.label, sheet)
        elif suffix in CSV_SUFFIXES or suffix == "":
            self._source = _CsvSource(self.path, self.label, encoding)
        else:  # .xls (BIFF) among others: openpyxl cannot read it; save it as .xlsx
            raise LibraryError([row_problem("JC603", file=self.label, suffix=suffix)])
        self.encoding = self._source.encoding
        self._rows = self._source.rows()
        self._pending: list[tuple[int, list[str]]] = []
        try:
            self._bind()
        except BaseException:
            self._rows.close()
            raise
        self._started = False

    # progress
    @property
    def total(self) -> int:
        return self._source.total

    @property
    def done(self) -> int:
        return self._source.done

    sha256_override: str | None = None  # set when another process read the file

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the file, when the iteration read it whole (CSV), else None."""
        return self.sha256_override or self._source.sha256

    def close(self) -> None:
        self._rows.close()

    def _bind(self) -> None:
        table = header_table(self.kind)
        ignored = {normalise_header(h) for h in IGNORED_HEADERS[self.kind]}
        override_names = {normalise_header(h) for h in OVERRIDE_HEADERS}
        mapped = self.mapping.columns
        by_column = {f.column: f for f in FIELDS[self.kind]}

        def recognise(cell: str) -> str | None:
            """The column a header names ('' for ignored, None for unknown)."""
            key = normalise_header(cell)
            if not key:
                return ""
            if key in mapped:
                return mapped[key] or ""
            if key in override_names:
                return "check_override"
            if key in ignored:
                return ""
            f = table.get(key)
            return f.column if f else None

        # The header is the first row (among the first few) naming at least two fields:
        # exports often carry a title row such as 随机抽取执法检查人员信息表 above it.
        header_row = None
        scanned: list[tuple[int, list[str]]] = []
        for rownum, cells in self._rows:
            scanned.append((rownum, cells))
            hits = sum(1 for c in cells if recognise(c))
            if hits >= 2:
                header_row = (rownum, cells)
                break
            if len(scanned) >= _HEADER_SCAN_ROWS:
                break
        if header_row is None:
            first = next(((r, c) for r, c in scanned if any(x.strip() for x in c)), None)
            if first is None:
                raise LibraryError([row_problem("JC608", file=self.label)])
            header_row = first
            self._pending = [x for x in scanned if x[0] > first[0]]
        self.header_row, headers = header_row
        self.headers = [h.strip() for h in headers]

        bound: dict[str, Bound] = {}
        unknown: list[str] = []
        self.override_index: int | None = None
        self.attribute_columns: list[tuple[int, str, str]] = []  # custom attributes.<name>
        self.attribute_types: dict[str, str] = {}  # declared by a plugin: boolean|number|string
        declared: dict[str, tuple[str, str]] | None = None
        for i, h in enumerate(self.headers):
            column = recognise(h)
            if column is None and self.kind == "targets":
                # an attribute a department plugin declares, by its label or an alias
                if declared is None:
                    declared = installed_attributes()
                hit = declared.get(normalise_header(h))
                if hit is not None:
                    column = "attributes." + hit[0]
                    self.attribute_types[hit[0]] = hit[1]
            if column is None:
                unknown.append(h)
                continue
            if column == "":
                continue
            if column == "check_override":
                self.override_index = i
                continue
            f = by_column.get(column)
            if f is None:  # attributes.<name> from the mapping file
                self.attribute_columns.append((i, h, column[len("attributes."):]))
                continue
            if column in bound:
                raise LibraryError([row_problem(
                    "JC605", file=self.label, row=self.header_row, column=h, column_index=i + 1,
                    header=h, other=bound[column].header, field=f.header)])
            bound[column] = Bound(i, h, f)
        missing = [f.header for f in FIELDS[self.kind] if f.required and f.column not in bound]
        if self.kind == "officers" and "department" not in bound and "unit" not in bound:
            missing.append(by_column["department"].header + "/" + by_column["unit"].header)
        if missing:
            found = "、".join(h for h in self.headers if h) or "-"
            raise LibraryError([row_problem("JC604", file=self.label, row=self.header_row,
                                            missing="、".join(missing), found=found)])
        if unknown:
            self.warnings.append(row_problem("JC650", file=self.label, row=self.header_row,
                                             severity="warning", headers="、".join(unknown)))
        self.bound = bound
        self._compile()

    def absent_fields(self) -> list[Field]:
        """The fields this file has no column for (a refresh keeps their stored values
        unless told to replace them). 部门 of an officer is never absent: it is told by 部门
        or 单位, one of which the file must have."""
        return [f for f in FIELDS[self.kind]
                if f.column not in self.bound and f.column != "department"]

    def present_attributes(self) -> set[str]:
        """The ``attributes`` keys this file has a column for (custom ones included)."""
        names = {f.attribute for f in FIELDS[self.kind]
                 if f.attribute is not None and f.column in self.bound}
        return names | {name for _i, _h, name in self.attribute_columns}

    def _compile(self) -> None:
        """Precompute the per-row work (the hot loop of a million-row import)."""
        fields = FIELDS[self.kind]
        self._plan: list[tuple[int, str, str, Any, int | None, str | None, bool]] = []
        self._template: dict[str, Any] = {}
        if self.kind == "targets":
            self._template["attributes"] = None
            self._template["check_override"] = False
        for f in fields:
            b = self.bound.get(f.column)
            if f.column == "department":
                continue  # resolved per row from 部门 and 单位
            default = list(f.default) if isinstance(f.default, tuple) else f.default
            if f.attribute is None:
                self._template[f.column] = default
            if b is None:
                continue
            self._plan.append((b.index, b.header, f.column, f.parse, f.max_len, f.attribute,
                               f.required))
        self._list_columns = [f.column for f in fields if isinstance(f.default, tuple)]
        # the history has no key: the key column only locates a row with problems
        self._unique = self.kind in KEY
        self._key = KEY.get(self.kind, "credit_code")
        self._key_header = next(f.header for f in fields if f.column == self._key)
        self._key_bound = self.bound[self._key]

    def _build_fast(self, wire: bool = False) -> Callable[[list[str]], Any]:
        """Generate the fast path of :meth:`_make_row` for this file's columns.

        It handles a row that is entirely valid and raises (:class:`Invalid` or
        :class:`_Slow`) at the first doubt; the general :meth:`_make_row` then builds the
        row again and reports every problem. Straight-line code per column instead of a
        loop over the plan roughly halves the cost of a million-row file, and the usual
        form of the busiest cells is checked in line (:func:`_usual_form`,
        :func:`_parse_call`): anything else goes through the field's own parser.

        With *wire* the function returns ``(key, text)``, *text* being the canonical JSON of
        the row's values (what :func:`~.fields.row_text` gives for the row), written piece
        by piece: one C call per text value instead of the canonical encoder's walk of the
        whole row (:meth:`iter_wire`).
        """
        env: dict[str, Any] = {"_Slow": _Slow, "E": encode_basestring,
                               "C": canonical_encoder(), **_FAST_ENV}
        src = ["def fast(cells):"]
        width = 1 + max([p[0] for p in self._plan]
                        + [a[0] for a in self.attribute_columns]
                        + [b.index for b in self.bound.values()])
        src.append(f"    if len(cells) < {width}:")
        src.append(f"        cells = cells + [''] * ({width} - len(cells))")
        values: dict[str, str] = {}  # column -> the variable holding its value
        texts: dict[str, str] = {}  # wire: column -> the variable holding its JSON text
        attrs: list[tuple[str, str, Any]] = []
        for k, (index, _header, column, parse, max_len, attribute, required) in enumerate(self._plan):
            var = f"v{k}"
            default = self._template.get(column) if attribute is None else None
            default_src = "[]" if isinstance(default, list) else repr(default)
            inline = _usual_form(parse, var, index)
            if inline is not None:
                src.extend(f"    {line}" for line in inline)
                src.append("    else:")
                indent = "        "
            else:
                indent = "    "
            src.append(f"{indent}{var} = cells[{index}].strip()")
            if required:
                src.append(f"{indent}if not {var}:")
                src.append(f"{indent}    raise _Slow")
            if parse is not None:
                env[f"P{k}"] = parse
                call = _parse_call(parse, f"P{k}", var)
                if required:
                    src.append(f"{indent}{var} = {call}")
                else:
                    src.append(f"{indent}{var} = {call} if {var} else {default_src}")
            elif not required and not wire:
                src.append(f"{indent}{var} = {var} or {default_src}")
            if max_len is not None:
                src.append(f"    if {var} is not None and len({var}) > {max_len}:")
                src.append("        raise _Slow")
            if attribute is None:
                values[column] = var
                if wire:
                    text = f"j{k}"
                    src.append(f"    {text} = {_json_source(column, var, parse, required)}")
                    texts[column] = text
            else:
                attrs.append((attribute, var, parse))
        if self.kind == "targets":
            if wire and len(attrs) == 1 and attrs[0][2] is parse_bool \
                    and not self.attribute_columns:
                # the usual file: one yes/no attribute, three possible texts
                name, var, _parse = attrs[0]
                env["_ATTRS"] = {None: "{}", True: env["C"]({name: True}),
                                 False: env["C"]({name: False})}
                src.append(f"    jattrs = _ATTRS[{var}]")
            else:
                src.append("    attrs = {}")
                for name, var, _parse in attrs:
                    src.append(f"    if {var} is not None:")
                    src.append(f"        attrs[{name!r}] = {var}")
                if self.attribute_columns:
                    env["_custom"] = self._custom_attributes
                    src.append("    _custom(cells, attrs)")
                if wire:
                    src.append("    jattrs = C(attrs)")
            values["attributes"] = "attrs"
            texts["attributes"] = "jattrs"
            values["check_override"] = "False"
            texts["check_override"] = "'false'"
        elif self.kind == "officers":
            dept = self.bound.get("department")
            env["_resolve"] = self.departments.resolve
            src.append(f"    d = cells[{dept.index}].strip()" if dept else "    d = ''")
            if "unit" in values:
                unit = values["unit"]
                src.append(f"    if not d and {unit}:")
                src.append(f"        d = {unit}")
            src.append("    department = _resolve(d) if d else None")
            src.append("    if department is None or len(department) > 64:")
            src.append("        raise _Slow")
            values["department"] = "department"
            if wire:
                src.append("    jdepartment = E(department)")
                texts["department"] = "jdepartment"
        for column, default in self._template.items():
            if column not in values:
                values[column] = "[]" if isinstance(default, list) else repr(default)
                if wire:
                    text = f"jd_{column}"
                    env[text] = env["C"](default)
                    texts[column] = text
        # the values in DIGEST_COLUMNS order (the importer's and the digest's order)
        assert set(values) == set(DIGEST_COLUMNS[self.kind]), sorted(values)
        if wire:
            assert set(texts) == set(DIGEST_COLUMNS[self.kind]), sorted(texts)
            parts = []
            for c in DIGEST_COLUMNS[self.kind]:
                t = texts[c]
                parts.append(t[1:-1] if t.startswith("'") else "{" + t + "}")
            src.append(f"    return {values[self._key]}, f'[{','.join(parts)}]'")
        else:
            items = ", ".join(values[c] for c in DIGEST_COLUMNS[self.kind])
            src.append(f"    return [{items}]")
        code = compile("\n".join(src), f"<jointcheck fast row: {self.kind}>", "exec")
        exec(code, env)  # noqa: S102 - source generated above from the field tables
        return env["fast"]

    def _custom_attributes(self, cells: list[str], attrs: dict[str, Any]) -> None:
        """attributes.<name> columns named by the mapping file or declared by a plugin:
        是/否 -> bool, a number for a declared number, else text (a value of the wrong type
        is kept as written: the classification then reports it, JC507)."""
        types = self.attribute_types
        for index, _header, name in self.attribute_columns:
            v = cells[index].strip() if index < len(cells) else ""
            if not v:
                continue
            kind = types.get(name)
            if kind == "string":
                attrs[name] = v
            elif kind == "number":
                attrs[name] = _number(v)
            else:
                try:
                    attrs[name] = parse_bool(v)
                except Invalid:
                    attrs[name] = v

    # --- rows ---------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[RowResult]:
        columns = DIGEST_COLUMNS[self.kind]
        for rownum, values, problems, cells in self.iter_values():
            if problems:
                yield RowResult(rownum, None, problems, cells)
            else:
                assert values is not None
                yield RowResult(rownum, dict(zip(columns, values, strict=True)), [], cells)

    def iter_values(self) -> Iterator[tuple[int, list[Any] | None, list[Problem] | None,
                                            list[str]]]:
        """``(row, values, problems, cells)`` per data row: *values* in
        :data:`~.fields.DIGEST_COLUMNS` order (None when the row has problems).

        The lean form of the iteration, for the importer; ``values`` is a fresh list the
        caller may change.
        """
        return self._iterate(None)

    def iter_wire(self, encode: Callable[[list[Any]], str]
                  ) -> Iterator[tuple[int, str | None, list[Problem] | None, list[str]]]:
        """:meth:`iter_values` with each valid row's canonical JSON text in place of its
        values: *encode* (values -> text) gives it for a row the fast path leaves to the
        general one; the fast path writes it directly (:meth:`_build_fast`), the same
        text."""
        return self._iterate(encode)

    def _iterate(self, encode: Callable[[list[Any]], str] | None) -> Iterator[Any]:
        if self._started:
            raise RuntimeError("a LibraryFile can be iterated only once")
        self._started = True
        seen: dict[str, int] = {}
        label = self.label
        # built here, not in the constructor: each iteration compiles only the form it runs
        # (none in the parent of a reader process)
        fast = self._build_fast(wire=encode is not None)
        slow = self._make_row
        getter = operator.itemgetter(*DIGEST_COLUMNS[self.kind])
        key_index = DIGEST_COLUMNS[self.kind].index(self._key)
        source = self._source
        if isinstance(source, _CsvSource) and self._pending_is_header_only(source):
            # read the csv reader directly: no generator layer per row
            rows: Iterator[tuple[int, list[str]]] = enumerate(source.reader, source.count + 1)
        else:
            rows = _chain(self._pending, self._rows)
        raw = getattr(source, "_raw", None)  # CSV: says whether a NUL byte was read
        numeric = getattr(source, "numeric", None)  # XLSX: long numbers, by row
        digit_columns = {b.index: b for b in self.bound.values() if b.field.digits}
        width = len(self.headers)
        rownum = 0
        try:
            for rownum, cells in rows:  # noqa: B007 - rownum is used after the loop
                values: Any
                if raw is not None and raw.nul:
                    nul = self._nul_problem(rownum, cells)
                    if nul is not None:
                        yield rownum, None, [nul], cells
                        continue
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    yield rownum, None, [self._extra_fields(rownum, cells)], cells
                    continue
                if numeric:
                    long_numbers = numeric.pop(rownum, None)
                    if long_numbers and digit_columns.keys() & long_numbers.keys():
                        yield (rownum, None,
                               self._number_cells(rownum, cells, long_numbers, digit_columns),
                               cells)
                        continue
                try:
                    if encode is None:
                        values = fast(cells)
                        value = values[key_index]
                    else:
                        value, values = fast(cells)
                    problems = None
                except (Invalid, _Slow):
                    if not any(c.strip() for c in cells):
                        continue  # a blank line
                    data, problems = slow(rownum, cells)
                    if data is not None:
                        values = list(getter(data))
                        value = values[key_index]
                        if encode is not None:
                            values = encode(values)
                    else:
                        values = None
                        value = self._key_of(cells)
                if value is not None and self._unique:
                    first = seen.setdefault(value, rownum)
                    if first != rownum:
                        b = self._key_bound
                        problems = problems or []
                        problems.append(row_problem(
                            "JC619", file=label, row=rownum, column=b.header,
                            column_index=b.index + 1, key=self._key_header, value=value,
                            other=first))
                if problems:
                    yield rownum, None, problems, cells
                else:
                    yield rownum, values, None, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            assert isinstance(source, _CsvSource)
            raise source.error(exc, rownum + 1) from None
        finally:
            self._rows.close()

    def _number_cells(self, rownum: int, cells: list[str], long_numbers: dict[int, str],
                      digit_columns: dict[int, Bound]) -> list[Problem]:
        """JC635 for each digit column whose XLSX cell holds a number of 12 or more digits
        (whatever its check character says), and the row's other problems."""
        damaged = {i: text for i, text in long_numbers.items() if i in digit_columns}
        problems = [row_problem("JC635", file=self.label, row=rownum,
                                column=digit_columns[i].header, column_index=i + 1, value=text)
                    for i, text in sorted(damaged.items())]
        _data, others = self._make_row(rownum, cells)
        problems += [p for p in others or () if (p.column_index or 0) - 1 not in damaged]
        return problems

    def _extra_fields(self, rownum: int, cells: list[str]) -> Problem:
        """JC633: a row with values beyond the header's last column (an unquoted comma in a
        name, usually), which would otherwise be cut off silently."""
        width = len(self.headers)
        last = max(i for i, c in enumerate(cells) if c.strip()) + 1
        return row_problem("JC633", file=self.label, row=rownum, column_index=width + 1,
                           count=last, columns=width)

    def _nul_problem(self, rownum: int, cells: list[str]) -> Problem | None:
        """JC629 for the first cell holding a NUL character (U+0000), which no database
        column can store (PostgreSQL refuses it; it is never data)."""
        for i, cell in enumerate(cells):
            if "\x00" in cell:
                header = self.headers[i] if i < len(self.headers) else None
                return row_problem("JC629", file=self.label, row=rownum, column=header,
                                   column_index=i + 1)
        return None

    def _pending_is_header_only(self, source: _CsvSource) -> bool:
        """No rows were read ahead of the header (the header was the last row scanned)."""
        return not self._pending and source.count == self.header_row

    def _key_of(self, cells: list[str]) -> str | None:
        """The key of a row with problems, when its key cell itself is well-formed."""
        b = self._key_bound
        text = cells[b.index].strip() if b.index < len(cells) else ""
        if not text:
            return None
        try:
            return b.field.parse(text) if b.field.parse else text
        except Invalid as exc:
            return exc.normalised if exc.overridable else None

    def _make_row(self, rownum: int, cells: list[str]
                  ) -> tuple[dict[str, Any] | None, list[Problem] | None]:
        data = self._template.copy()
        for c in self._list_columns:
            data[c] = []
        problems: list[Problem] | None = None
        overridable: list[tuple[Invalid, int, str]] | None = None
        attrs: dict[str, Any] = {}
        n = len(cells)
        label = self.label
        for index, header, column, parse, max_len, attribute, required in self._plan:
            v = cells[index] if index < n else ""
            if v:
                v = v.strip()
            if not v:
                if required:
                    if problems is None:
                        problems = []
                    problems.append(row_problem("JC610", file=label, row=rownum, column=header,
                                                column_index=index + 1))
                continue  # the template holds the default
            if parse is not None:
                try:
                    value = parse(v)
                except Invalid as exc:
                    if exc.overridable:
                        if overridable is None:
                            overridable = []
                        overridable.append((exc, index, header))
                        value = exc.normalised
                    else:
                        if problems is None:
                            problems = []
                        problems.append(row_problem(exc.code, file=label, row=rownum,
                                                    column=header, column_index=index + 1,
                                                    **exc.params))
                        continue
            else:
                value = v
            if max_len is not None and len(value) > max_len:
                if problems is None:
                    problems = []
                problems.append(row_problem("JC620", file=label, row=rownum, column=header,
                                            column_index=index + 1, max=max_len,
                                            length=len(value)))
                continue
            if attribute is None:
                data[column] = value
            else:
                attrs[attribute] = value
        if self.attribute_columns:
            self._custom_attributes(cells, attrs)
        if self.kind == "targets":
            data["attributes"] = attrs
        elif self.kind == "officers":
            problems = self._department(rownum, cells, data, problems)
        if overridable is not None:
            problems = self._override(rownum, cells, data, overridable, problems)
        if problems:
            return None, problems
        return data, None

    def _override(self, rownum: int, cells: list[str], data: dict[str, Any],
                  failing: list[tuple[Invalid, int, str]],
                  problems: list[Problem] | None) -> list[Problem] | None:
        """Accept failing check characters when the row says 校验码例外 = 是."""
        accepted = False
        oi = self.override_index
        if oi is not None and oi < len(cells) and cells[oi].strip():
            try:
                accepted = parse_bool(cells[oi].strip())
            except Invalid as exc:
                problems = (problems or []) + [row_problem(
                    exc.code, file=self.label, row=rownum, column=self.headers[oi],
                    column_index=oi + 1, **exc.params)]
        if accepted and not self.allow_check_override:
            assert oi is not None  # accepted only from the override column
            problems = (problems or []) + [row_problem(
                "JC624", file=self.label, row=rownum, column=self.headers[oi],
                column_index=oi + 1)]
            accepted = False
        if accepted:
            if self.kind == "targets":
                data["check_override"] = True
            return problems
        problems = problems or []
        for failure, index, header in failing:
            problems.append(row_problem(failure.code, file=self.label, row=rownum,
                                        column=header, column_index=index + 1,
                                        **failure.params))
        return problems

    def _department(self, rownum: int, cells: list[str], data: dict[str, Any],
                    problems: list[Problem] | None) -> list[Problem] | None:
        """部门: a code or a name; when empty or absent, told by the 单位 text."""
        b = self.bound.get("department")
        text = cells[b.index].strip() if b is not None and b.index < len(cells) else ""
        source = b
        if not text:
            unit = data.get("unit")
            if unit:
                text = unit
                source = self.bound.get("unit")
        code = self.departments.resolve(text) if text else None
        if code is not None and len(code) <= 64:
            data["department"] = code
            return problems
        where = source or b or self.bound["unit"]
        problems = problems or []
        if not text:
            problems.append(row_problem("JC610", file=self.label, row=rownum,
                                        column=where.header, column_index=where.index + 1))
        else:
            problems.append(row_problem("JC621", file=self.label, row=rownum,
                                        column=where.header, column_index=where.index + 1,
                                        value=text, known=self.departments.known()))
        return problems


# --- the generated fast row: the usual forms of the busiest cells -------------------------------
# What each form accepts, the field's own parser accepts and returns unchanged (the forms are
# only shortcuts; tests/test_properties.py holds them against the parsers).

# 0392-4179717, 13812345678: no spreadsheet number, every character allowed, no lost 0
_PHONE_USUAL = re.compile(r"(?:0[0-9]{2,3}-[0-9]{7,8}|1[0-9]{10})")
_FAST_ENV: dict[str, Any] = {
    # the check character by the weighted sum mod 31 (GB 32100-2015, codes.py)
    "_credit_check": "".join(CREDIT_ALPHABET[(31 - r) % 31] for r in range(31)),
    "_credit_tables": CREDIT_TABLES,  # credit_code_problem's weighted values
    "_lookup": dict.__getitem__,
    "_phone_usual": _PHONE_USUAL.fullmatch,
    "_statuses": frozenset(STATUSES),  # each its own parse_status
    "_letters": frozenset(string.ascii_uppercase),  # each its own parse_grade (A, B...)
    "_yes_no": {"是": True, "否": False},  # as parse_bool reads them
}


def _usual_form(parse: Callable[[str], Any] | None, var: str, index: int) -> list[str] | None:
    """Source lines of the generated fast row that take the usual form of a cell parsed by
    *parse* into *var* without calling it (an ``if`` block: the caller adds the ``else``
    that calls the parser), or None.

    A credit code: 18 ASCII letters and digits (no blank, no full-width character) whose
    check character matches, not ending in 000 (JC634 asks about those) is exactly what
    :func:`~.fields.parse_credit_code` returns upper-cased; a lower-case code is
    upper-cased, as it does. Anything else, valid or not, is left to the parser.
    """
    if parse is parse_credit_code:
        return [
            f"{var} = cells[{index}]",
            f"if len({var}) == 18 and {var}.isascii() and {var}.isalnum():",
            f"    {var} = {var}.upper()",
            "    try:",
            f"        if (_credit_check[sum(map(_lookup, _credit_tables, {var})) % 31]"
            f" != {var}[17] or {var}.endswith('000')):",
            "            raise _Slow",
            "    except KeyError:  # a letter outside the code's alphabet",
            "        raise _Slow from None",
        ]
    return None


def _parse_call(parse: Callable[[str], Any], name: str, var: str) -> str:
    """The expression that parses the stripped, non-empty *var* with *parse* (bound to
    *name*), skipping the call for the usual form of the cell."""
    if parse is parse_digit_text:  # its own first test: digits are never a number's form
        return f"({var} if {var}.isdigit() else {name}({var}))"
    if parse is parse_phone:
        return f"({var} if _phone_usual({var}) else {name}({var}))"
    if parse is parse_status:
        return f"({var} if {var} in _statuses else {name}({var}))"
    if parse is parse_grade:
        return f"({var} if {var} in _letters else {name}({var}))"
    if parse is parse_bool:
        return f"(_yes_no[{var}] if {var} in _yes_no else {name}({var}))"
    return f"{name}({var})"


def _json_source(column: str, var: str, parse: Callable[[str], Any] | None,
                 required: bool) -> str:
    """The expression of the canonical JSON text of *column*'s value in *var* (as the
    canonical encoder writes it inside the row: E is json's string encoder, C the
    canonical encoder)."""
    if column in DATE_COLUMNS:
        return f"'\"' + {var}.isoformat() + '\"' if {var} is not None else 'null'"
    if column in BOOL_COLUMNS:
        return f"'true' if {var} else 'false'"
    if column in JSON_COLUMNS:
        return f"C({var})"
    if parse is parse_credit_code and required:  # 18 letters and digits: nothing to escape
        return f"'\"' + {var} + '\"'"
    if parse is None:  # text, '' when the cell is empty
        return f"E({var}) if {var} else 'null'"
    return f"E({var}) if {var} is not None else 'null'"


class _Slow(Exception):
    """The fast path of a row gives up: build it again with full reporting."""


def _chain(first: list[tuple[int, list[str]]],
           rest: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def open_library(kind: str, path: str | Path, *, encoding: str | None = None,
                 mapping: Any = None, sheet: str | None = None, label: str | None = None,
                 allow_check_override: bool = True) -> LibraryFile:
    """Open *path* as a *kind* library ("targets" or "officers") and bind its headers.

    Raises :class:`~.messages.LibraryError` for problems of the file as a whole.
    """
    return LibraryFile(kind, path, encoding=encoding, mapping=mapping, sheet=sheet, label=label,
                       allow_check_override=allow_check_override)


def iter_rows(kind: str, path: str | Path, *, encoding: str | None = None, mapping: Any = None,
              sheet: str | None = None, allow_check_override: bool = True
              ) -> Iterator[RowResult]:
    """Every data row of a library file as a :class:`RowResult` (see :func:`open_library`)."""
    return iter(open_library(kind, path, encoding=encoding, mapping=mapping, sheet=sheet,
                             allow_check_override=allow_check_override))
