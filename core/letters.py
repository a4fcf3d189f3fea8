"""Writers of the referral letter 《关于移交双随机抽查有关问题的函》: DOCX (python-docx) and
Markdown, from the content core.present.referrals.letter_document builds.

The DOCX follows GB/T 9704-2012 党政机关公文格式 (信函格式): A4 portrait, 天头 37 mm,
订口 28 mm, 版心 156 × 225 mm; the sender's name as 发文机关标志 in red over a red rule,
the 发文字号 below it on the right, the title in 2号小标宋, the body in 3号仿宋 on a
22-line grid, 主送机关 by full name with a full-width colon, 成文日期 in Arabic numerals 右空
四字 under the 发文机关署名, page numbers “— 1 —” in 4号 宋体. The problem table uses 五号 仿宋
with columns sized to their content (a credit code never wraps), its header row repeated on
every page and no row split across pages. The fonts are named as a government office has
them (方正小标宋简体, 仿宋_GB2312) with a CJK fallback declared in the font table (宋体,
仿宋), so a machine without them prints in the nearest Chinese face, never in a Latin one.
The document language is zh-CN.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import serialize_for_reading
from docx.shared import Mm, Pt, RGBColor

from .present.referrals import CORRECTION_TITLE, letter_markdown

if TYPE_CHECKING:  # pragma: no cover
    from .present.referrals import LetterDoc

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
NUMBER_FONT = "宋体"  # page numbers
# font -> the fallback a reader without it substitutes (fontTable altName, GB2312 charset)
FALLBACK = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", NUMBER_FONT: "SimSun"}

TITLE_PT = 22   # 2号
BODY_PT = 16    # 3号
TABLE_PT = 10.5  # 五号
PAGE_NO_PT = 14  # 4号
LINE_PT = 28.9  # 225 mm / 22 lines
RED = "FF0000"

# the problem table's columns in millimetres (版心 156 mm), by position: the referral
# letter (LETTER_HEADERS) and the correcting letter share the first four (序号, 名称,
# 统一社会信用代码, 抽查事项) and have three text columns after them. Cells have 1 mm
# margins. A code's 18 characters take about 33 mm in 仿宋 but up to about 44 mm in a
# fallback face with wide Latin letters (WenQuanYi Micro Hei: a code like
# 91410600MA3X4Y5Z6K split at 40 mm); a fixed-layout table wraps whatever does not fit
# (w:noWrap applies to auto layout only), so the column itself is wide enough.
COLUMNS_MM = (10, 21, 46, 22, 21, 17, 19)
CELL_MARGIN_MM = 1


def file_name(doc: LetterDoc, department: str, ext: str) -> str:
    """``移交函-<文号>-<receiving department>.<ext>`` (``更正函-…`` for a correcting
    letter), with characters a file system refuses replaced (*department*: the
    department's full name)."""
    safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in f"{doc.number}-{department}")
    kind = "更正函" if doc.title == CORRECTION_TITLE else "移交函"
    return f"{kind}-{safe}.{ext}"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_markdown(doc: LetterDoc, path: Path) -> None:
    _write_atomic(path, letter_markdown(doc).encode("utf-8"))


def _font(run: Any, name: str, size: float, *, bold: bool = False,
          color: str | None = None) -> None:
    run.font.name = name
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    run.font.size = Pt(size)
    run.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _paragraph(d: Any, text: str, font: str = BODY_FONT, size: float = BODY_PT, *,
               align: str = "left", indent: bool = False, right_chars: float = 0,
               color: str | None = None, bold: bool = False, cell: Any = None) -> Any:
    p = cell.paragraphs[0] if cell is not None else d.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT,
                   "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if cell is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT if size <= BODY_PT else size * 1.5)
    if indent:
        fmt.first_line_indent = Pt(2 * size)  # 首行缩进两字
    if right_chars:
        fmt.right_indent = Pt(right_chars * size)
    if text:
        _font(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _bottom_rule(p: Any, color: str) -> None:
    """A red rule under the 发文机关标志 (the 版头's separator line)."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"),
                       ("w:color", color)):
        bottom.set(qn(key), value)
    border.append(bottom)
    p._p.get_or_add_pPr().append(border)


def _language(d: Any) -> None:
    """zh-CN for every run (docDefaults and the Normal style)."""
    styles = d.styles.element
    for rpr in [*styles.findall(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"),
                d.styles["Normal"].element.get_or_add_rPr()]:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        for key in ("w:val", "w:eastAsia"):
            lang.set(qn(key), "zh-CN")
        lang.set(qn("w:bidi"), "ar-SA")


def _font_table(d: Any) -> None:
    """Declare the official fonts with their Chinese fallbacks (w:altName, GB2312)."""
    part = next((r.target_part for r in d.part.rels.values() if r.reltype == RT.FONT_TABLE),
                None)
    if part is None:  # pragma: no cover - python-docx's template has one
        return

    root = parse_xml(part.blob)
    for name, alt in FALLBACK.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alt), ("w:charset", "86"), ("w:family", "auto"),
                           ("w:pitch", "variable")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        root.append(font)

    # a plain Part keeps its bytes: write the amended table back as its blob
    part._blob = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  + serialize_for_reading(root)).encode("utf-8")


def _page_numbers(section: Any) -> None:
    """“— 1 —” centred at the foot of every page (4号 半角宋体)."""
    p = _paragraph(None, "", align="center", cell=section.footer)
    _font(p.add_run("— "), NUMBER_FONT, PAGE_NO_PT)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = p.add_run("1")
    _font(run, NUMBER_FONT, PAGE_NO_PT)
    field.append(run._r)
    p._p.append(field)
    _font(p.add_run(" —"), NUMBER_FONT, PAGE_NO_PT)


def _table(d: Any, doc: LetterDoc) -> None:
    table = d.add_table(rows=1, cols=len(doc.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(int(Mm(CELL_MARGIN_MM).twips)))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    table._tbl.tblPr.append(margins)
    widths = [Mm(w) for w in COLUMNS_MM]
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(w.twips)))
    code_col = doc.headers.index("统一社会信用代码")

    def fill(row: Any, values: list[str], *, header: bool) -> None:
        tr_pr = row._tr.get_or_add_trPr()
        keep = OxmlElement("w:cantSplit")  # a problem never breaks across pages
        tr_pr.append(keep)
        if header:  # repeated at the top of every page
            tr_pr.append(OxmlElement("w:tblHeader"))
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[i]
            _paragraph(d, text, BODY_FONT, TABLE_PT, cell=cell, bold=header,
                       align="center" if header or i in (0, code_col) else "left")

    fill(table.rows[0], doc.headers, header=True)
    for values in doc.rows:
        fill(table.add_row(), values, header=False)


def write_docx(doc: LetterDoc, path: Path) -> None:
    d = Document()
    section = d.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    d.core_properties.title = doc.title
    d.core_properties.author = doc.sender
    d.core_properties.language = "zh-CN"
    _language(d)
    _font_table(d)
    normal = d.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)

    # 版头: 发文机关标志 in red over a red rule, 发文字号 on the right
    head = _paragraph(d, doc.sender, TITLE_FONT, TITLE_PT, align="center", color=RED)
    _bottom_rule(head, RED)
    _paragraph(d, doc.number, align="right", right_chars=1)
    _paragraph(d, "")
    _paragraph(d, doc.title, TITLE_FONT, TITLE_PT, align="center")
    _paragraph(d, "")
    _paragraph(d, doc.addressee)
    _paragraph(d, doc.opening, align="justify", indent=True)
    _table(d, doc)
    for n, text in enumerate(doc.requests, 1):
        _paragraph(d, f"{n}. {text}", align="justify", indent=True)
    if any(doc.bases):
        _paragraph(d, doc.basis_heading, align="justify", indent=True)
        for n, basis in enumerate(doc.bases, 1):
            if basis:
                _paragraph(d, f"{n}. {basis}", align="justify", indent=True)
    _paragraph(d, "")
    _paragraph(d, doc.sender, align="right", right_chars=2)
    _paragraph(d, doc.dated, align="right", right_chars=4)  # 成文日期 右空四字
    _page_numbers(section)
    buf = io.BytesIO()
    d.save(buf)
    _write_atomic(path, buf.getvalue())
