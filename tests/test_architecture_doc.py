"""docs/architecture.md is the reference that code comments cite: every cited document is
in the repository, and every cited section of architecture.md exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
FOLDERS = ("core", "tui", "plugins", "schemas", "tests", "docs", "examples", "bench")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".json", ".tmpl", ".toml", ".mako", ".txt", ".cfg"}
SKIP = {"__pycache__", ".venv", "build", ".pytest_cache", ".ruff_cache"}

MD_REF = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md\b")
ANCHOR_REF = re.compile(r"architecture\.md#([A-Za-z0-9_-]+)")
OUTSIDE = re.compile(r"\bDESIGN\.md\b|\bDOMAIN\.md\b|\.\./shared/|/work/shared")


def _files() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "Makefile", ROOT / "pyproject.toml"]
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in SUFFIXES and not SKIP & set(path.parts):
                found.append(path)
    return found


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _anchors() -> set[str]:
    text = _text(ARCHITECTURE)
    ids = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        ids.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return ids


def test_no_file_cites_a_document_outside_the_repository():
    me = Path(__file__).resolve()
    bad = []
    for path in _files():
        if path.resolve() == me:
            continue
        for n, line in enumerate(_text(path).splitlines(), 1):
            if OUTSIDE.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert bad == []


def test_every_cited_markdown_file_exists():
    missing = []
    for path in _files():
        for n, line in enumerate(_text(path).splitlines(), 1):
            for ref in MD_REF.findall(line):
                candidates = (ROOT / ref, path.parent / ref, ROOT / "docs" / ref)
                if not any(c.is_file() for c in candidates):
                    missing.append(f"{path.relative_to(ROOT)}:{n}: {ref}")
    assert missing == []


def test_every_cited_section_of_architecture_md_exists():
    anchors = _anchors()
    cited: dict[str, list[str]] = {}
    for path in _files():
        for n, line in enumerate(_text(path).splitlines(), 1):
            for anchor in ANCHOR_REF.findall(line):
                cited.setdefault(anchor, []).append(f"{path.relative_to(ROOT)}:{n}")
    assert {"principle-4", "principle-8", "domain-results"} <= set(cited)  # it is cited
    assert {a: where for a, where in cited.items() if a not in anchors} == {}


def test_architecture_md_keeps_the_domain_verbatim():
    text = _text(ARCHITECTURE)
    results = ["未发现问题", "未按规定公示应当公示的信息", "公示信息隐瞒真实情况弄虚作假",
               "通过登记的住所（经营场所）无法联系", "发现问题已责令改正", "不配合检查情节严重",
               "未发现开展本次抽查涉及的经营活动", "发现问题待后续处理"]
    for code, result in enumerate(results, 1):
        assert f"| {code} | {result} |" in text
    assert "4, 6, 3, 2, 8, 5, 1, 7" in text
    for n in range(1, 9):
        assert f'<a id="principle-{n}"></a>' in text
    assert "docs/architecture.md" in _text(ROOT / "README.md")
