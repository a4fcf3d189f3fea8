"""The fields of the two libraries: headers, required flags, parsers, and the row digest.

Each :class:`Field` maps one column of core/store/models.py (or one key of a target's
``attributes``) to the verbatim Chinese header of docs/architecture.md#domain-libraries and its aliases. A parser
receives the stripped, non-empty text of a cell and returns the stored value, or raises
:class:`Invalid` with a JC6xx code (core/libraries/messages.py).

:func:`row_digest` is the SHA-256 of the canonical JSON of a normalised row (documented in
docs/libraries.md). The importer stores it in ``row_digest``; the draw fingerprints
libraries with it, so a row read from a file and the same row read back from the store give
the same digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..canonical import canonical_text
from .codes import (
    CREDIT_ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    excel_mangled,
    excel_number_text,
    id_number_check_char,
    id_number_problem,
    normalise_code,
    phone_lost_zero,
    rounded_code,
)

KINDS = ("targets", "officers")
# What the reader reads: the two libraries, and the inspection history of
# `jointcheck history import` (core/history.py), which is no library (no key, append-only).
READABLE_KINDS = (*KINDS, "history")


class Invalid(Exception):
    """A cell value that cannot be stored: a JC6xx *code* and its message parameters.

    *overridable* marks a failing check character that a row may accept explicitly
    (校验码例外 = 是); *normalised* is then the value to store.
    """

    def __init__(self, code: str, *, overridable: bool = False, normalised: Any = None,
                 **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params
        self.overridable = overridable
        self.normalised = normalised


# --- parsers ------------------------------------------------------------------------------

def _rounded(code: str) -> Invalid:
    """JC634: a valid 18-digit code ending in 000, which may be what a spreadsheet kept of
    another code (914106031734614114 -> 914106031734614000 validates by chance, one time
    in 31): refused unless the row confirms it (校验码例外 = 是)."""
    return Invalid("JC634", overridable=True, normalised=code, value=code)


def parse_credit_code(s: str) -> str:
    code = normalise_code(s)
    why = credit_code_problem(code)
    if why is None:
        if rounded_code(code):
            raise _rounded(code)
        return code
    if excel_mangled(s):  # never a 校验码例外: the code itself was lost
        raise Invalid("JC625", value=s)
    if why == "length":
        raise Invalid("JC611", value=code, length=len(code))
    if why == "alphabet":
        raise Invalid("JC612", value=code)
    raise Invalid("JC613", overridable=True, normalised=code, value=code,
                  expected=credit_code_check_char(code[:17]))


def parse_id_number(s: str) -> str:
    code = normalise_code(s)
    why = id_number_problem(code)
    if why is None:
        if rounded_code(code):
            raise _rounded(code)
        return code
    if excel_mangled(s):
        raise Invalid("JC625", value=s)
    if why in ("length", "format"):
        raise Invalid("JC614", value=code)
    if why == "birth_date":
        raise Invalid("JC615", value=code)
    raise Invalid("JC616", value=code, expected=id_number_check_char(code[:17]))


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(s: str) -> date:
    """``2020-07-01``, ``2020/7/1``, ``2020.07.01``, ``20200701``, ``2020年7月1日``; a
    trailing midnight time (``2020-07-01 00:00:00``, as spreadsheets export) is dropped."""
    try:
        return date.fromisoformat(s)  # YYYY-MM-DD and YYYYMMDD: the fast path
    except ValueError:
        pass
    text = s
    if " " in text or "T" in text:
        head, _, tail = text.replace("T", " ").partition(" ")
        if tail.strip() in ("00:00:00", "00:00", "0:00:00", "0:00", "00:00:00.000"):
            text = head
    m = _DATE_RE.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    if _SERIAL_RE.match(s):
        serial = int(float(s))
        if 1 <= serial <= 2958465:  # Excel's 1900 date system, up to 9999-12-31
            raise Invalid("JC627", value=s, date=_excel_date(serial))
    if _DATETIME_RE.match(s):
        raise Invalid("JC628", value=s)
    raise Invalid("JC617", value=s)


_SERIAL_RE = re.compile(r"^[0-9]{1,7}(?:\.[0-9]+)?$")
_DATETIME_RE = re.compile(r"^[0-9]{4}\s*[-/.年]\s*[0-9]{1,2}\s*[-/.月]\s*[0-9]{1,2}\s*日?"
                          r"(?:[ T]+)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$")


def _excel_date(serial: int) -> str:
    """The date a spreadsheet serial number stands for (1900 date system)."""
    return (date(1899, 12, 30) + timedelta(days=serial)).isoformat()


STATUSES = ("存续", "在业", "吊销", "注销", "迁出")
_STATUS_ALIASES = {
    "存续（在营、开业、在册）": "存续",
    "存续(在营、开业、在册)": "存续",
    "在营": "存续",
    "开业": "存续",
    "在册": "存续",
    "吊销，未注销": "吊销",
    "吊销,未注销": "吊销",
    "吊销未注销": "吊销",
    "吊销，已注销": "注销",
    "吊销,已注销": "注销",
    "已注销": "注销",
    "已迁出": "迁出",
}
_STATUS_MAP = {**{s: s for s in STATUSES}, **_STATUS_ALIASES}


def parse_status(s: str) -> str:
    try:
        return _STATUS_MAP[s]
    except KeyError:
        raise Invalid("JC618", value=s, allowed="/".join(STATUSES)) from None


_TRUE = frozenset({"是", "有", "y", "yes", "true", "1", "√", "在岗"})
_FALSE = frozenset({"否", "无", "n", "no", "false", "0", "×", "不在岗"})


def parse_bool(s: str) -> bool:
    low = s.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise Invalid("JC618", value=s, allowed="是/否")


_GENDERS = {"男": "男", "女": "女", "男性": "男", "女性": "女", "m": "男", "f": "女"}


def parse_gender(s: str) -> str:
    try:
        return _GENDERS[s.lower()]
    except KeyError:
        raise Invalid("JC618", value=s, allowed="男/女") from None


def parse_grade(s: str) -> str:
    """信用风险等级: free text of at most 8 characters (A/B/C/D in most provinces);
    ASCII letters are upper-cased, a trailing 类/级 is dropped (``A类`` -> ``A``)."""
    grade = s.upper()
    if len(grade) > 1 and grade[-1] in "类级" and grade[:-1].isascii():
        grade = grade[:-1]
    return grade


_LIST_SPLIT = re.compile(r"[；;、，,\n]+")


def parse_list(s: str) -> list[str]:
    """``特种设备安全监察；安全生产执法`` -> a list, blanks dropped, duplicates removed."""
    seen: dict[str, None] = {}
    for part in _LIST_SPLIT.split(s):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def parse_conflicts(s: str) -> list[str]:
    """回避对象: credit codes separated by ；/;/、/, — each must be a valid code."""
    codes = [normalise_code(c) for c in parse_list(s)]
    failing: list[str] = []
    rounded: list[str] = []
    for code in codes:
        why = credit_code_problem(code)
        if why is not None and excel_mangled(code):
            raise Invalid("JC625", value=code)
        if why is None and rounded_code(code):
            rounded.append(code)
        if why == "check":
            failing.append(code)
        elif why is not None:
            raise Invalid("JC622", value=code)
    if failing:
        raise Invalid("JC622", overridable=True, normalised=codes, value=failing[0])
    if rounded:
        raise Invalid("JC634", overridable=True, normalised=codes, value=rounded[0])
    return codes


_PHONE_OK = re.compile(r"^[0-9+\-()（）\s/、,，转]+$")


def parse_digit_text(s: str) -> str:
    """注册号 and the like: kept as written, unless a spreadsheet wrote it as a number
    (JC625: the check of every digit column that is not a checked code)."""
    if excel_number_text(s):
        raise Invalid("JC625", value=s)
    return s


def parse_phone(s: str) -> str:
    parse_digit_text(s)
    if not _PHONE_OK.match(s):
        raise Invalid("JC623", value=s)
    if phone_lost_zero(s):
        raise Invalid("JC636", value=s, fixed="0" + s)
    return s


def parse_cert_no(s: str) -> str:
    """执法证号: normalised as a code (see normalise_code), unless written as a number."""
    return normalise_code(parse_digit_text(s))


_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


# --- the field tables -----------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One column of a library file."""

    column: str  # a column of core/store/models.py, or "attributes.<name>"
    headers: tuple[str, ...]  # the verbatim Chinese header first, then aliases
    required: bool = False
    parse: Callable[[str], Any] | None = None  # None: text kept as written (stripped)
    max_len: int | None = None
    default: Any = None  # the value when the cell is empty or the column absent
    # a string of digits (codes, numbers): a spreadsheet cell holding it as a number of 12
    # or more digits is refused (JC635), for such a number is not exact beyond 15 digits
    digits: bool = False

    @property
    def header(self) -> str:
        return self.headers[0]

    @property
    def attribute(self) -> str | None:
        """The key inside ``attributes`` for an attribute field, else None."""
        return self.column[len("attributes."):] if self.column.startswith("attributes.") else None


# 统一社会信用代码: the key of the target library, and the enterprise of a history row
CREDIT_CODE = Field("credit_code", ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码"),
                    required=True, parse=parse_credit_code, digits=True)

TARGET_FIELDS: tuple[Field, ...] = (
    CREDIT_CODE,
    Field("name", ("市场主体名称", "企业名称", "单位名称", "主体名称", "名称"), required=True),
    Field("reg_no", ("注册号",), parse=parse_digit_text, max_len=32, digits=True),
    Field("legal_rep", ("法定代表人", "法定代表人（负责人）", "法定代表人/负责人", "负责人", "法人")),
    Field("address", ("地址", "住所", "注册地址", "住所（经营场所）")),
    Field("business_address", ("经营地址", "经营场所", "生产经营地址", "实际经营地址")),
    Field("phone", ("联系电话", "电话"), parse=parse_phone, max_len=32, digits=True),
    Field("jurisdiction", ("管辖单位", "管辖机关")),
    # 附件2 says 登记单位; 登记机关 (the usual register term) is accepted too
    Field("registration_authority", ("登记单位", "登记机关")),
    Field("entity_type", ("市场主体类型", "企业类型", "主体类型", "类型")),
    Field("business_scope", ("经营范围",)),
    Field("region", ("行政区划", "所属区域", "区域")),
    Field("established", ("成立日期", "成立时间"), parse=parse_date),
    Field("status", ("登记状态", "经营状态", "企业状态", "状态"), required=True, parse=parse_status),
    Field("industry", ("行业", "所属行业", "行业门类", "国民经济行业")),
    Field("risk_grade", ("信用风险等级", "风险等级", "信用风险分类", "风险分类"),
          parse=parse_grade, max_len=8),
    Field("attributes.uses_special_equipment", ("使用特种设备", "是否使用特种设备", "特种设备"),
          parse=parse_bool),
)

OFFICER_FIELDS: tuple[Field, ...] = (
    Field("name", ("姓名",), required=True),
    Field("gender", ("性别",), parse=parse_gender, max_len=4),
    Field("unit", ("单位", "工作单位", "所在单位")),
    Field("title", ("职务", "职务/职称", "职称")),
    Field("cert_no", ("执法证号", "执法证件号", "执法证编号", "执法证件编号", "行政执法证号"),
          required=True, parse=parse_cert_no, max_len=64, digits=True),
    Field("phone", ("手机号码", "手机号", "手机", "联系电话", "电话"), parse=parse_phone, max_len=32,
          digits=True),
    Field("id_number", ("身份证号", "身份证号码", "公民身份号码", "居民身份证号码"),
          parse=parse_id_number, digits=True),
    # the department: a code, or a name resolved by the reader (see reader.Departments)
    Field("department", ("部门", "部门代码", "所属部门"), max_len=64),
    Field("cert_expiry", ("执法证有效期至", "有效期至", "执法证有效期"), parse=parse_date),
    Field("qualifications", ("资格", "执法资格", "执法领域"), parse=parse_list, default=()),
    Field("jurisdiction", ("管辖单位", "管辖区域")),
    Field("active", ("在岗", "是否在岗"), parse=parse_bool, default=True),
    Field("conflicts", ("回避对象", "回避企业"), parse=parse_conflicts, default=(), digits=True),
)

# An inspection done outside jointcheck (国办发〔2024〕54号: every inspection leaves a trace).
HISTORY_FIELDS: tuple[Field, ...] = (
    CREDIT_CODE,
    Field("inspected_on", ("检查日期", "检查时间", "实施日期"), required=True, parse=parse_date),
    Field("unit", ("检查单位", "检查机关", "实施机关", "检查部门"), required=True),
    Field("kind", ("检查类型", "检查方式"), max_len=64),
    Field("matters", ("检查事项", "检查内容")),
)

FIELDS: dict[str, tuple[Field, ...]] = {"targets": TARGET_FIELDS, "officers": OFFICER_FIELDS,
                                        "history": HISTORY_FIELDS}

# the key a library refresh updates by (the history has none: an enterprise is inspected
# more than once, so the reader does not refuse a repeated credit code there)
KEY: dict[str, str] = {"targets": "credit_code", "officers": "cert_no"}

# The row-level override of a failing check character (docs/architecture.md#domain-libraries:
# an explicit per-row override, never a silent pass). 是 accepts the row's failing code(s).
OVERRIDE_HEADERS: tuple[str, ...] = ("校验码例外", "校验例外")

# Headers recognised and deliberately ignored: a sequence number, and the reason column of
# a rejects file (so that a corrected rejects file can be imported again as it is).
REASON_HEADER = "错误原因"
IGNORED_HEADERS: dict[str, tuple[str, ...]] = {
    "targets": ("序号", REASON_HEADER),
    "officers": ("序号", REASON_HEADER),
    # the name is for people reading the file; the credit code identifies the enterprise
    "history": ("序号", REASON_HEADER, "市场主体名称", "企业名称", "单位名称", "名称"),
}

# Columns in the canonical JSON of :func:`row_digest`, per kind.
DIGEST_COLUMNS: dict[str, tuple[str, ...]] = {
    "targets": (
        "address", "attributes", "business_address", "business_scope", "check_override",
        "credit_code", "entity_type", "established", "industry", "jurisdiction", "legal_rep",
        "name", "phone", "reg_no", "region", "registration_authority", "risk_grade", "status",
    ),
    "officers": (
        "active", "cert_expiry", "cert_no", "conflicts", "department", "gender", "id_number",
        "jurisdiction", "name", "phone", "qualifications", "title", "unit",
    ),
    "history": ("credit_code", "inspected_on", "kind", "matters", "unit"),
}
# The digested columns by type (the rest are text): how the digest and the import's
# parameters read each one.
BOOL_COLUMNS = frozenset({"check_override", "active"})
LIST_COLUMNS = frozenset({"qualifications", "conflicts"})
JSON_COLUMNS = LIST_COLUMNS | {"attributes"}  # stored as JSON
DATE_COLUMNS = frozenset({"established", "cert_expiry", "inspected_on"})

def is_department_code(s: str) -> bool:
    return bool(_CODE_RE.match(s)) and len(s) <= 64


_HEADER_DROP = re.compile(r"[\s\u3000\ufeff*＊]+|[（(]\s*必填\s*[)）]|[（(]\s*选填\s*[)）]")


_BRACKETS = str.maketrans("()", "（）")


def normalise_header(h: Any) -> str:
    """Header text as compared: blanks, BOM, ``*`` and ``（必填）`` removed; ASCII brackets
    as full-width ones; ASCII lower-cased."""
    if h is None:
        return ""
    text = _HEADER_DROP.sub("", str(h)).translate(_BRACKETS)
    return text.lower() if text.isascii() else text


def header_table(kind: str) -> dict[str, Field]:
    """normalised header -> field, for the verbatim headers, aliases and column names."""
    table: dict[str, Field] = {}
    for f in FIELDS[kind]:
        for h in (*f.headers, f.column):
            table.setdefault(normalise_header(h), f)
    return table


def field_for(kind: str, name: str) -> Field | None:
    """The field a mapping target names: a column name, a verbatim header or an alias."""
    return header_table(kind).get(normalise_header(name))


# --- personal data -----------------------------------------------------------------------------

def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``: the first 3 and last 4 characters stay."""
    if len(phone) < 8:
        return "*" * max(len(phone) - 2, 0) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str) -> str:
    """``11010519491231002X`` -> ``110105********002X``: region code and last 4 stay."""
    if len(number) < 11:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- the row digest ---------------------------------------------------------------------------

def _canonical_value(column: str, value: Any) -> Any:
    if value is None or value == "":
        if column in LIST_COLUMNS:
            return []
        if column == "attributes":
            return {}
        if column in BOOL_COLUMNS:
            return column == "active"  # the stored defaults: active, no override
        return None
    if column in DATE_COLUMNS:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)[:10]
    if column in BOOL_COLUMNS:
        return bool(value)
    if column in JSON_COLUMNS:
        if isinstance(value, str):
            value = json.loads(value)
        return list(value) if column in LIST_COLUMNS else dict(value)
    return value


def canonical_row(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The digested part of *row* (a reader row or a stored row), in canonical types."""
    return {c: _canonical_value(c, row.get(c)) for c in DIGEST_COLUMNS[kind]}


def row_text(kind: str, row: Mapping[str, Any]) -> str:
    """The canonical JSON (core/canonical.py) of the array of the digested values, in
    :data:`DIGEST_COLUMNS` order: what :func:`row_digest` hashes."""
    canon = canonical_row(kind, row)
    return canonical_text([canon[c] for c in DIGEST_COLUMNS[kind]])


def row_digest(kind: str, row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of *row*; see docs/libraries.md."""
    return hashlib.sha256(row_text(kind, row).encode("utf-8")).hexdigest()


__all__ = [
    "BOOL_COLUMNS", "CREDIT_ALPHABET", "DATE_COLUMNS", "DIGEST_COLUMNS", "JSON_COLUMNS",
    "LIST_COLUMNS", "FIELDS", "HISTORY_FIELDS", "KEY", "KINDS",
    "READABLE_KINDS",
    "OFFICER_FIELDS", "OVERRIDE_HEADERS", "TARGET_FIELDS", "Field", "Invalid", "canonical_row",
    "field_for", "header_table", "normalise_header", "row_digest", "row_text",
]
