"""docs/libraries.md stays in step with the code."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jointcheck.core.libraries.fields import DIGEST_COLUMNS, FIELDS, OVERRIDE_HEADERS
from jointcheck.core.libraries.messages import CODES

DOC = Path(__file__).resolve().parent.parent / "docs" / "libraries.md"


def test_every_library_error_code_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for code, (zh, en) in CODES.items():
        assert f"| `{code}` | {zh} | {en} |" in text, code


def test_every_header_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for kind, fields in FIELDS.items():
        for f in fields:
            assert f"`{f.column}` | {f.header} |" in text, (kind, f.column)
            for alias in f.headers[1:]:
                assert alias in text, (kind, alias)
    assert OVERRIDE_HEADERS[0] in text


def test_digest_columns_and_worked_example(tmp_path):
    from jointcheck.core.libraries.fields import row_digest, row_text
    from jointcheck.core.libraries.reader import iter_rows

    text = DOC.read_text(encoding="utf-8")
    for columns in DIGEST_COLUMNS.values():
        listed = ", ".join(columns)
        assert " ".join(listed.split()) in " ".join(text.split())
    # the worked example: the CSV, its canonical text and its digest, as documented
    block = text.split("Worked example", 1)[1]
    csv_text = block.split("```", 2)[1].strip() + "\n"
    canonical = block.split("```", 4)[3].strip()
    digest = block.split("and the digest `", 1)[1].split("`", 1)[0]
    path = tmp_path / "example.csv"
    path.write_text(csv_text, encoding="utf-8")
    (row,) = [r.data for r in iter_rows("targets", path)]
    assert row_text("targets", row) == canonical
    assert row_digest("targets", row) == digest
    assert hashlib.sha256(json.dumps(json.loads(canonical), ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":")).encode()).hexdigest() == digest
