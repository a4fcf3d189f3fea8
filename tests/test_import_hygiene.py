"""docs/architecture.md#principle-8: `--help` and `validate` import neither Textual nor the database layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("textual", "sqlalchemy", "alembic", "psycopg", "openpyxl", "jointcheck.core.store",
         "jointcheck.tui", "jointcheck.core.draw", "jointcheck.core.records", "docx")

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
    # valid documents are checked by jsonschema-rs; jsonschema only locates errors
    assert "jsonschema" not in modules
    if args == ["--help"]:
        assert "yaml" not in modules


def test_validate_with_a_store_in_the_environment_stays_light(tmp_path):
    """JOINTCHECK_DB set for the other commands (even to a store not created yet) does not
    make validate open it: only ``--db`` on its command line does (the drift check)."""
    env = {**os.environ, "JOINTCHECK_DB": f"sqlite:///{tmp_path}/none.db"}
    probe = PROBE.replace("except SystemExit:\n    pass",
                          "except SystemExit as exc:\n    assert not exc.code, exc.code")
    proc = subprocess.run([sys.executable, "-c", probe.format(args=["validate"])],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    assert [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []
    assert not (tmp_path / "none.db").exists()


def test_the_model_plugins_import_loads_no_plugin_host():
    """What a plugin imports for its hooks (core.model) loads neither pluggy nor the host."""
    probe = ("import json, sys\n"
             "from jointcheck.core.model import DepartmentFindings, DepartmentResult, JointResult\n"
             "print(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    modules = json.loads(proc.stdout)
    assert "jointcheck.core.model" in modules
    assert [m for m in modules if m == "pluggy" or m.startswith(("pluggy.", "jointcheck.core.plugins",
                                                                  "jointcheck.core.classify"))] == []


def test_classify_still_exports_the_result_types():
    from jointcheck.core import classify, model

    assert classify.DepartmentResult is model.DepartmentResult
    assert classify.DepartmentFindings is model.DepartmentFindings
    assert classify.JointResult is model.JointResult
