"""Rows of the libraries (检查对象名录库, 执法检查人员名录库) as shown and exported: headers,
cells, masks for personal data, JSON rows and CSV rows that ``import`` reads back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..clock import reading_time
from ..i18n import translator
from ..libraries.fields import FIELDS, KEY, OVERRIDE_HEADERS, mask_id_number, mask_phone
from ..text import cut as cut_to

_ = translator({
    "label_targets": ("检查对象名录库", "the target library"),
    "label_officers": ("执法检查人员名录库", "the officer library"),
    "created_at": ("创建时间", "created"), "updated_at": ("更新时间", "updated"),
    "row_digest": ("行摘要", "row digest"), "check_override": ("校验码例外", "校验码例外"),
    "attributes": ("属性", "attributes"),
})

# Columns of the table view, per kind (the CSV and JSON outputs carry every column).
TABLE_COLUMNS = {
    "targets": ["credit_code", "name", "status", "risk_grade", "industry", "jurisdiction",
                "attributes.uses_special_equipment"],
    "officers": ["cert_no", "name", "gender", "department", "unit", "title", "phone",
                 "cert_expiry", "qualifications", "jurisdiction", "active"],
}
PERSONAL = {"officers": ("phone", "id_number"), "targets": ()}
MAX_CELL = 36  # display columns of a table cell before it is cut with …


def header(kind: str, column: str) -> str:
    """The verbatim header of *column* (as in the import files), else a translated label."""
    for f in FIELDS[kind]:
        if f.column == column:
            return f.header
    if column in ("created_at", "updated_at", "row_digest", "check_override", "attributes"):
        return _(column)
    return column


def key_header(kind: str) -> str:
    """统一社会信用代码 or 执法证号."""
    return header(kind, KEY[kind])


def kind_label(kind: str) -> str:
    """检查对象名录库 or 执法检查人员名录库 (English: "the target library"...)."""
    return _(f"label_{kind}")


Names = Mapping[str, str] | None  # department code -> name, of the loaded departments


def department_name(code: str, names: Names = None) -> str:
    """The name of a department code among *names* (the code itself otherwise)."""
    return (names or {}).get(code) or code


def plain(value: Any, *, lists: str = "；") -> str:
    """A stored value as the text an import file would carry."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return lists.join(str(v) for v in value)
    if hasattr(value, "isoformat") and not hasattr(value, "hour"):
        return value.isoformat()
    return str(value)


def masked(kind: str, row: Mapping[str, Any], show_personal: bool) -> Mapping[str, Any]:
    """*row* with 手机号码 and 身份证号 masked, unless *show_personal*."""
    if show_personal or not PERSONAL[kind]:
        return row
    row = dict(row)
    if row.get("phone"):
        row["phone"] = mask_phone(row["phone"])
    if row.get("id_number"):
        row["id_number"] = mask_id_number(row["id_number"])
    return row


def cell(kind: str, row: Mapping[str, Any], column: str, names: Names = None) -> Any:
    """The value of *column* (``attributes.NAME`` for an attribute; 部门 by its name in
    *names*)."""
    if column.startswith("attributes."):
        return (row.get("attributes") or {}).get(column[len("attributes."):])
    if column == "department":
        return department_name(row["department"], names)
    return row.get(column)


def cut(text: str, width: int = MAX_CELL) -> str:
    """*text* cut to *width* display columns (a table cell's at most), ending with …"""
    return cut_to(text, width)


def table_rows(kind: str, rows: Iterable[Mapping[str, Any]],
               names: Names = None) -> tuple[list[str], list[list[str]]]:
    """``(headers, cells)`` of the table view: :data:`TABLE_COLUMNS`, lists joined by 、,
    long cells cut. Mask the rows first (:func:`masked`)."""
    columns = TABLE_COLUMNS[kind]
    headers = [header(kind, c) for c in columns]
    body = [[cut(plain(cell(kind, r, c, names), lists="、")) for c in columns] for r in rows]
    return headers, body


def export_columns(kind: str) -> list[str]:
    """Every column, in the order of the field table (the import headers)."""
    return [f.column for f in FIELDS[kind]] + (["check_override"] if kind == "targets" else [])


def json_row(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as ``list --format json`` prints it (dates as ISO text)."""
    out = {c: row.get(c) for c in export_columns(kind) if not c.startswith("attributes.")}
    if kind == "targets":
        out["attributes"] = row.get("attributes") or {}
    for c in ("established", "cert_expiry"):
        value = out.get(c)
        if value is not None:
            out[c] = value.isoformat()
    return out


def csv_header(kind: str) -> tuple[list[str], list[str]]:
    """(columns, verbatim headers) of a CSV export: a file ``import`` reads back."""
    columns = export_columns(kind)
    headers = [OVERRIDE_HEADERS[0] if c == "check_override" else header(kind, c)
               for c in columns]
    return columns, headers


def csv_values(kind: str, columns: list[str], row: Mapping[str, Any]) -> list[str]:
    """One CSV row of an export, in the order of *columns* (:func:`csv_header`)."""
    values = []
    for c in columns:
        v = cell(kind, row, c) if c.startswith("attributes.") else row.get(c)
        if c == "check_override":
            values.append("是" if v else "")
        else:
            values.append(plain(v))
    return values


def show_pairs(kind: str, row: Mapping[str, Any], names: Names = None) -> list[list[str]]:
    """``[header, value]`` of every field of one row (``show``): the import fields, other
    attributes, 校验码例外 of targets, then created / updated time and the row digest."""
    pairs: list[list[str]] = [[f.header, plain(cell(kind, row, f.column, names))]
                              for f in FIELDS[kind]]
    if kind == "targets":
        known = {f.attribute for f in FIELDS[kind] if f.attribute}
        for name, v in sorted((row.get("attributes") or {}).items()):
            if name not in known:
                pairs.append([f"{_('attributes')}.{name}", plain(v)])
        pairs.append([_("check_override"), plain(bool(row.get("check_override")))])

    for c in ("created_at", "updated_at"):
        pairs.append([_(c), reading_time(row.get(c))])
    pairs.append([_("row_digest"), plain(row.get("row_digest"))])
    return pairs
