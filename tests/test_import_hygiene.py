"""DESIGN.md principle 8: `--help` and `validate` import neither Textual nor the database layer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "sqlalchemy", "alembic", "psycopg", "openpyxl", "jointcheck.core.store",
         "jointcheck.tui")

PROBE = """
import json, sys
from jointcheck.core.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["validate"], ["checklist"], ["plugins"]])
def test_light_commands_import_nothing_heavy(args):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)],
                          capture_output=True, text=True, check=True)
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    loaded = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    assert loaded == []
    if args == ["--help"]:
        assert "jsonschema" not in modules and "yaml" not in modules
