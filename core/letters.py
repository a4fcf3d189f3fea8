"""Writers of the referral letter 《关于移交双随机抽查有关问题的函》: DOCX (python-docx) and
Markdown, from the content core.present.referrals.letter_document builds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .present.referrals import LetterDoc

BODY_FONT = "仿宋"
TITLE_FONT = "黑体"


def file_name(doc: LetterDoc, department: str, ext: str) -> str:
    """``移交函-<文号>-<department>.<ext>``, with characters a file system refuses replaced."""
    safe = "".join("_" if ch in '\\/:*?"<>|' else ch for ch in doc.number)
    return f"移交函-{safe}-{department}.{ext}"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_markdown(doc: LetterDoc, path: Path) -> None:
    from .present.referrals import letter_markdown

    _write_atomic(path, letter_markdown(doc).encode("utf-8"))


def _font(run, name: str, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    run.bold = bold


def write_docx(doc: LetterDoc, path: Path) -> None:
    import io

    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = Document()
    section = d.sections[0]
    # the problem table has seven columns: landscape A4
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    d.core_properties.title = doc.title
    d.core_properties.author = doc.sender

    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(doc.title), TITLE_FONT, 18, bold=True)
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(doc.number), BODY_FONT, 14)
    for text in (doc.addressee, doc.opening):
        _font(d.add_paragraph().add_run(text), BODY_FONT, 14)

    table = d.add_table(rows=1, cols=len(doc.headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, doc.headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), BODY_FONT, 11, bold=True)
    for row in doc.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), BODY_FONT, 11)

    for n, text in enumerate(doc.requests, 1):
        _font(d.add_paragraph().add_run(f"{n}. {text}"), BODY_FONT, 14)
    _font(d.add_paragraph().add_run(doc.note), BODY_FONT, 10.5)
    for text in (doc.sender, doc.dated):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run(text), BODY_FONT, 14)
    d.styles["Normal"].font.size = Pt(14)
    buf = io.BytesIO()
    d.save(buf)
    _write_atomic(path, buf.getvalue())
