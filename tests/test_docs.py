"""Developer documentation stays in step with the code.

docs/errors.md is generated from the error-code catalogue: after adding or changing a code,
regenerate it with ``.venv/bin/python tests/test_docs.py``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"

CORE = Path(__file__).resolve().parent.parent / "core"


def registering_modules() -> list[str]:
    """Every module under core/ that registers its own codes (a module-level
    ``register(...)`` call), found in the source so that a new one cannot be left out."""
    found = []
    for path in sorted(CORE.rglob("*.py")):
        if re.search(r"^register\(", path.read_text(encoding="utf-8"), flags=re.MULTILINE):
            parts = path.relative_to(CORE).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


GROUPS = {"1": "Files and YAML", "2": "Schema", "3": "Cross-document checks", "4": "Plugins",
          "5": "Findings and classification", "6": "Library imports (see libraries.md)",
          "7": "Store, audit log and draw (see store.md, audit.md, draw.md)",
          "8": "Inspection tasks, records and field bundles (see records.md, bundles.md)",
          "9": "The command line; working days, deadlines, referrals and status (see "
               "deadlines.md, referrals.md)"}
HEADER = """\
# Error codes

Every problem jointcheck reports has a stable code, a location (`FILE:LINE:COL`, or
`FILE:ROW:COLUMN` for library files), the path inside the document (JSON Pointer), a message
in Chinese (English with `--lang en`) and, where there is one, a hint saying how to fix it.
Codes never change meaning once released; each module registers its own with
`jointcheck.core.errors.register`, which refuses a code defined twice.

Text output: `FILE:LINE:COL: CODE message [path] — hint`. JSON output (`--format json`):
`{"valid": bool, "errors": [{"file", "line", "column", "code", "path", "message"}], "warnings": [...]}`.

This file is generated: `.venv/bin/python tests/test_docs.py`.
"""


def errors_markdown() -> str:
    for module in registering_modules():
        importlib.import_module(f"jointcheck.core.{module}")
    from jointcheck.core.errors import CODES, HINTS

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = [HEADER]
    codes = sorted(CODES)
    for i, code in enumerate(codes):
        group = code[2]
        if i == 0 or codes[i - 1][2] != group:
            out += [f"## JC{group}xx — {GROUPS[group]}", "",
                    "| code | message (zh) | message (en) | fix (en) |", "|---|---|---|---|"]
        zh, en = CODES[code]
        out.append(f"| `{code}` | {cell(zh)} | {cell(en)} | {cell(HINTS.get(code, ('', ''))[1])} |")
        if i == len(codes) - 1 or codes[i + 1][2] != group:
            out.append("")
    return "\n".join(out)


def test_every_hookspec_is_documented():
    from jointcheck.core import hookspecs

    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    specs = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if name.startswith("jointcheck_")]
    assert len(specs) >= 4
    for name in specs:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"## `{name}({params})`" in text, name
        assert getattr(hookspecs, name).__doc__, name


def test_the_code_catalogue_is_read_from_every_registering_module():
    modules = registering_modules()
    assert {"config", "store", "store.audit", "draw.service", "records.bundle",
            "cli.serve"} <= set(modules)


def test_error_code_reference_is_current():
    assert (DOCS / "errors.md").read_text(encoding="utf-8") == errors_markdown(), (
        "docs/errors.md is out of date: run .venv/bin/python tests/test_docs.py")


if __name__ == "__main__":
    (DOCS / "errors.md").write_text(errors_markdown(), encoding="utf-8")
    print(f"wrote {DOCS / 'errors.md'}")
