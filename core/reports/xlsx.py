"""XLSX writers of the reports (openpyxl, write-only: rows stream to the file, so 100,000
rows take little memory). The 附件N label, title and 文号 above each table, borders, widths that fit Chinese
text, wrapped cells, frozen headers, A4 print setup with repeated header rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter

from ..present.reports import Grid, Table, annex_label
from ..text import display_width

FONT = "宋体"
LABEL_FONT = "黑体"  # the 附件N label (GB/T 9704-2012: 附件 labels in 黑体)
MAX_WIDTH = 48  # characters of the widest column before wrapping (tables without widths)
SAMPLE = 1000  # rows measured for the column widths


class _Styles:
    """The few cell styles of the forms, registered once per workbook as named styles;
    a cell takes one by name (no style object is built or looked up per cell)."""

    TITLE, DOCNO, HEADER, BODY, LABEL = "jc-title", "jc-docno", "jc-header", "jc-body", "jc-label"
    ANNEX = "jc-annex"

    def __init__(self, wb: Any) -> None:
        thin = Side(style="thin")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        for name, font, alignment, edge in (
                (self.ANNEX, Font(name=LABEL_FONT, size=14),
                 Alignment(horizontal="left", vertical="center"), Border()),
                (self.TITLE, Font(name=FONT, size=16, bold=True), center, Border()),
                (self.DOCNO, Font(name=FONT, size=11), center, Border()),
                (self.HEADER, Font(name=FONT, size=11, bold=True), center, border),
                (self.LABEL, Font(name=FONT, size=10), center, border),
                (self.BODY, Font(name=FONT, size=10), left, border)):
            wb.add_named_style(NamedStyle(name=name, font=font, alignment=alignment,
                                          border=edge))


def _cell(ws: Any, value: Any, style: str) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return cell


class _Row:
    """One row of cells styled once and filled anew for each row appended: a write-only
    sheet writes a row out when it is appended (openpyxl reuses its own cell the same way
    for unstyled values), so no cell is built or styled here per value, and each cell
    looks its style up in the workbook once (_StyledCell)."""

    def __init__(self, ws: Any, styles: Sequence[str],
                 widths: Sequence[float] | None = None, first_row: int = 1) -> None:
        cls = _styled_cell_class()
        self.ws = ws
        # with *widths*, a row whose text wraps gets the height of its lines (a reader
        # does not re-measure rows: LibreOffice prints a wrapped cell cut to one line)
        self.widths = list(widths) if widths else None
        self.room = [max(int(w) - 2, 1) for w in widths] if widths else None
        self.row = first_row  # the sheet row the next append writes
        self.cells = []
        for style in styles:
            cell = cls(ws, row=1, column=1)
            cell.style = style
            self.cells.append(cell)

    def append(self, values: Sequence[Any]) -> None:
        for cell, value in zip(self.cells, values, strict=True):
            cell.value = value
        if self.widths is not None and self.room is not None and any(
                isinstance(v, str) and display_width(v) > r
                for v, r in zip(values, self.room, strict=True)):
            self.ws.row_dimensions[self.row].height = _height(values, self.widths)
        self.ws.append(self.cells)
        self.row += 1


_STYLED_CELL: Any = None


def _styled_cell_class() -> Any:
    """A write-only cell whose style never changes once set, so that its style id (the
    workbook's index of its style, which openpyxl's writer asks of every cell it writes)
    is looked up once and not for each of the 1.3 million cells of a 100,000-row 附件2
    (bench/results.py: about 15% of the time); its repr, which openpyxl formats for every
    cell object appended, is constant."""
    global _STYLED_CELL
    if _STYLED_CELL is None:
        from openpyxl.cell.cell import Cell

        class _StyledCell(Cell):
            __slots__ = ("_style_id",)
            _style_id: int

            @property
            def style_id(self) -> int:
                try:
                    return self._style_id
                except AttributeError:
                    self._style_id = int(Cell.style_id.fget(self))  # type: ignore[attr-defined]
                    return self._style_id

            def __repr__(self) -> str:
                return "<jointcheck styled cell>"

        _STYLED_CELL = _StyledCell
    return _STYLED_CELL


def _widths(header: Sequence[Sequence[str]], rows: Sequence[Sequence[Any]],
            limits: Sequence[tuple[int, int]] = ()) -> list[float]:
    """Column widths: the widest cell of each column plus a margin; with *limits*, kept
    within (least, most) and measured on the body only (headers wrap)."""
    count = len(header[-1])
    widths = [4] * count
    for line in chain(rows, () if limits else header):
        for i, v in enumerate(line):
            if v is not None and v != "":
                widths[i] = max(widths[i], display_width(str(v)))
    if limits:
        return [float(min(max(w + 2, least), most)) for w, (least, most)
                in zip(widths, limits, strict=True)]
    return [min(w, MAX_WIDTH) + 2 for w in widths]


def _heading(ws: Any, st: _Styles, ncol: int, label: str, title: str, docno: str) -> int:
    """附件N (left), the title and the 文号 above a table; returns the next row."""
    ws.row_dimensions[1].height = 24
    ws.append([_cell(ws, label, st.ANNEX)])
    ws.row_dimensions[2].height = 30
    ws.append([_cell(ws, title, st.TITLE)])
    _merge(ws, 2, 1, 2, ncol)
    ws.append([_cell(ws, docno, st.DOCNO)])
    _merge(ws, 3, 1, 3, ncol)
    return 4


def _print_setup(ws: Any, *, landscape: bool, title_rows: str | None) -> None:
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows


def _letter(col: int) -> str:
    return get_column_letter(col)


def _merge(ws: Any, r1: int, c1: int, r2: int, c2: int) -> None:
    """Merge 1-based rows/columns (write-only sheets take the range before saving)."""
    if (r1, c1) != (r2, c2):
        ws.merged_cells.add(f"{_letter(c1)}{r1}:{_letter(c2)}{r2}")


def write_table(table: Table, path: Path, *, sheet: str | None = None) -> int:
    """One report table to *path*; returns the number of data rows written."""
    wb = Workbook(write_only=True)
    st = _Styles(wb)
    ws = wb.create_sheet(title=sheet or table.label)
    rows = iter(table.rows)
    head = list(islice(rows, SAMPLE))
    ncol = len(table.keys)
    widths = _widths(table.header, head, table.widths)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[_letter(i)].width = w
    first_header = 4
    first_data = first_header + len(table.header)
    ws.freeze_panes = f"A{first_data}"
    _print_setup(ws, landscape=table.landscape,
                 title_rows=f"{first_header}:{first_data - 1}")
    _heading(ws, st, ncol, table.label, table.title, table.document_number)
    spanned = {(r1, c1) for r1, c1, _r2, c2 in table.header_merges if c2 > c1}
    for r, line in enumerate(table.header):
        # a header cell spanning columns is one line; the others wrap in their column
        ws.row_dimensions[first_header + r].height = _height(
            ["" if (r, c) in spanned else v for c, v in enumerate(line)], widths)
        ws.append([_cell(ws, v, st.HEADER) for v in line])
    for r1, c1, r2, c2 in table.header_merges:
        _merge(ws, first_header + r1, c1 + 1, first_header + r2, c2 + 1)
    count = 0
    body = _Row(ws, [st.LABEL if i in table.centered else st.BODY for i in range(ncol)],
                widths, first_data)
    for values in chain(head, rows):
        body.append(values)
        count += 1
    wb.save(path)
    return count


def write_grids(grids: Iterable[Grid], path: Path, *, title: str, document_number: str) -> int:
    """附件4: one sheet per enterprise in the source's five columns, each printable on one
    A4 page where it fits."""
    wb = Workbook(write_only=True)
    st = _Styles(wb)
    label = annex_label(4)
    widths = GRID_WIDTHS
    count = 0
    used: set[str] = set()
    for grid in grids:
        name = _sheet_name(f"{grid.task_id} {grid.name}", used)
        ws = wb.create_sheet(title=name)
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[_letter(i)].width = w
        _print_setup(ws, landscape=False, title_rows=None)
        offset = _heading(ws, st, len(widths), label, title, document_number)
        labels = {(grid.item_header_row, c) for c in range(len(widths))}
        for r in range(grid.item_header_row):
            labels |= {(r, 0), (r, 3)}
        labels |= {(len(grid.cells) - 2, 0), (len(grid.cells) - 1, 0)}
        spans = {(r1, c1): sum(widths[c1:c2 + 1]) for r1, c1, r2, c2 in grid.merges
                 if r1 == r2}
        for r, line in enumerate(grid.cells):
            ws.row_dimensions[offset + r].height = _height(
                line, [spans.get((r, c), w) for c, w in enumerate(widths)])
            ws.append([_cell(ws, v, st.HEADER if (r, c) in labels
                             else st.LABEL if c == 0 else st.BODY)
                       for c, v in enumerate(line)])
        for r1, c1, r2, c2 in grid.merges:
            _merge(ws, offset + r1, c1 + 1, offset + r2, c2 + 1)
        count += 1
    if not count:
        wb.create_sheet(title=label)
    wb.save(path)
    return count


# 附件4's five columns (character units; portrait A4, one page wide)
GRID_WIDTHS = [20, 36, 12, 12, 16]


def _height(line: Sequence[Any], widths: Sequence[float]) -> float:
    """A row height (points) that shows every wrapped line of the row's cells."""
    lines = 1
    for v, w in zip(line, widths, strict=False):  # *widths*: merged cells' whole width
        lines = max(lines, sum(max(1, -(-display_width(part) // max(int(w) - 2, 1)))
                               for part in str(v or "").split("\n")))
    return max(20.0, 14.0 * lines + 4)


def _sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique sheet title (≤ 31 characters, none of []:*?/\\)."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in text)[:31]
    name, n = clean, 2
    while name in used:
        suffix = f"~{n}"
        name, n = clean[:31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name
