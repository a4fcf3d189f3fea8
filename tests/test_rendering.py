"""Documents of record as their reader sees them: the annexes (XLSX) and a referral letter
(DOCX) converted to PDF by LibreOffice, as an office prints them. Checks page size,
orientation and count, that codes are not split and that 附件2 prints at a legible size.

Skipped only where LibreOffice or poppler-utils is absent (.ci/run installs them). One
LibreOffice run converts every file, so the module takes a few seconds.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from jointcheck.core.letters import write_docx
from jointcheck.core.libraries.codes import CREDIT_ALPHABET
from jointcheck.core.present.referrals import LETTER_HEADERS, TITLE, LetterDoc
from jointcheck.core.store import upgrade
from tests.recordsupport import CAMPAIGN_ID, run_cli, settled_store

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (libreoffice-writer, libreoffice-calc) or poppler-utils not installed")

A4 = (595.3, 841.9)  # points, portrait
# codes as registered since 2015 (…MA + eight of the code alphabet): letters are wider than
# digits in most faces, so these are the ones a narrow column splits
MODERN_CODES = ["91410600MA" + "".join(random.Random(n).choices(CREDIT_ALPHABET, k=8))
                for n in range(24)]


def _pdf(soffice: str, files: list[Path], out: Path, profile: Path) -> None:
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
                   check=True, capture_output=True, timeout=180)


def _info(path: Path) -> tuple[int, tuple[float, float]]:
    text = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", text, re.M).group(1))
    w, h = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", text, re.M).groups())
    return pages, (w, h)


def _words(path: Path) -> list[tuple[str, float]]:
    """Every word of the PDF with its box height (points): about its font size."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [(m.group(3), float(m.group(2)) - float(m.group(1))) for m in re.finditer(
        r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)">([^<]*)</word>', xml)]


def _a4(size: tuple[float, float], *, landscape: bool) -> bool:
    want = (A4[1], A4[0]) if landscape else A4
    return abs(size[0] - want[0]) < 2 and abs(size[1] - want[1]) < 2


def _long_letter(path: Path) -> Path:
    """A letter of 24 problems, each with a modern code: it runs over several pages."""
    rows = [[str(n), "鹤壁市某某化工有限责任公司", code, "安全生产责任制落实情况",
             "未按规定开展安全风险辨识和隐患排查治理", "市应急管理局", "责令改正、立案处理"]
            for n, code in enumerate(MODERN_CODES, 1)]
    write_docx(LetterDoc(title=TITLE, number="鹤双随机办函〔2020〕9号", addressee="市应急管理局：",
                         opening="现将问题线索移交你单位，具体如下：", headers=list(LETTER_HEADERS),
                         rows=rows, bases=[""] * len(rows), basis_heading="", requests=["请依法处理。"],
                         sender="鹤壁市双随机一公开工作领导小组办公室", dated="2020年8月3日",
                         department="市应急管理局"), path)
    return path


def _page_text(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    url = f"sqlite:///{tmp / 'render.db'}"
    upgrade(url)
    d = settled_store(url, tmp)
    try:
        files = []
        for kind in ("officers", "statistics", "summary", "record"):
            path = tmp / f"{kind}.xlsx"
            out = run_cli(url, "report", kind, CAMPAIGN_ID, "-o", str(path))
            assert out.exit_code == 0, out.output
            files.append(path)
        out = run_cli(url, "referrals", "draft", str(d.campaign_path), "--date", "2020-08-03")
        assert out.exit_code == 0, out.output
        letters = tmp / "letters"
        out = run_cli(url, "referrals", "letter", str(d.campaign_path), "--format", "docx",
                      "-o", str(letters), "--date", "2020-08-03")
        assert out.exit_code == 0, out.output
        files += sorted(letters.glob("*.docx"))
        files.append(_long_letter(tmp / "长函.docx"))
    finally:
        d.engine.dispose()
    pdfs = tmp / "pdf"
    _pdf(SOFFICE, files, pdfs, tmp / "lo-profile")  # type: ignore[arg-type]
    return {p.stem: p for p in pdfs.glob("*.pdf")}


def test_annexes_print_on_a4_one_page_wide(rendered):
    pdfs = rendered
    expected = {"officers": (False, 1), "statistics": (True, 1), "summary": (True, 1),
                "record": (False, 4)}  # 附件4: one page per enterprise
    for kind, (landscape, count) in expected.items():
        pages, size = _info(pdfs[kind])
        assert _a4(size, landscape=landscape), (kind, size)
        assert pages == count, (kind, pages)


def test_statistics_is_legible_and_codes_are_whole(rendered):
    pdfs = rendered
    words = _words(pdfs["statistics"])
    codes = [(w, h) for w, h in words if re.fullmatch(r"9[0-9A-Z]{17}", w)]
    assert len(codes) == 4  # each 统一社会信用代码 on one line, not split
    # 10 pt 宋体 printed at no less than about 70%: a box of 7 pt or more (55% gave 5.6)
    assert min(h for _w, h in codes) >= 7.0
    summary = _words(pdfs["summary"])
    assert any(w == "单位" for w, _h in summary)
    assert "附件3" in {w for w, _h in summary}



def test_letters_print_on_a4_portrait(rendered):
    pdfs = rendered
    letters = [p for name, p in pdfs.items() if name.startswith("移交函")]
    assert len(letters) == 2  # one per receiving department, one problem each
    for path in letters:
        pages, size = _info(path)
        assert _a4(size, landscape=False), (path.name, size)
        assert pages <= 2, (path.name, pages)
        words = [w for w, _h in _words(path)]
        assert len([w for w in words if re.fullmatch(r"9[0-9A-Z]{17}", w)]) == 1  # whole


def test_a_long_letter_repeats_its_header_and_keeps_every_code_whole(rendered):
    path = rendered["长函"]
    pages, size = _info(path)
    assert _a4(size, landscape=False) and pages >= 2, (pages, size)
    words = {w for w, _h in _words(path)}
    assert [c for c in MODERN_CODES if c not in words] == []  # none split over two lines
    # the header row at the top of every page the table runs over
    for page in range(1, pages + 1):
        text = _page_text(path, page)
        if any(c in text for c in MODERN_CODES):
            assert "统一社会信用代码" in text, page
