"""Ctrl-C during an import: the message and the exit status say what really happened.

An interrupt before the final commit rolls everything back (exit 130, "rolled back"); one
that lands while the commit runs cannot undo it, and the import says it was committed
(exit 0). The import pauses at a controlled point (``JOINTCHECK_TEST_PAUSE``, a test hook
of core/libraries/importer.py) and the test sends SIGINT there. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from test_import_support import targets_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def import_with_interrupt(url: str, path, point: str) -> tuple[int, str, str]:
    env = dict(os.environ, JOINTCHECK_DB=url, JOINTCHECK_TEST_PAUSE=f"{point}:30")
    env.pop("JOINTCHECK_LANG", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from jointcheck.core.cli import main; main()", "targets",
         "import", str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
        # a test run started in the background inherits SIGINT ignored, and Python then
        # raises no KeyboardInterrupt: give the child the default, as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:  # wait until the import stands at the pause
        lines.append(line)
        if line.startswith("jointcheck-test-pause"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, "".join(lines) + err


def stored_codes(url: str) -> tuple[int, int]:
    import sqlalchemy as sa

    from jointcheck.core.store import models, open_store

    engine = open_store(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(models.targets)).scalar()
            audit = conn.execute(sa.select(sa.func.count())
                                 .select_from(models.audit_log)).scalar()
    finally:
        engine.dispose()
    return rows, audit


def test_ctrl_c_during_the_commit_says_committed(store_url, tmp_path):
    path = targets_file(tmp_path / "t.csv", 5)
    code, out, err = import_with_interrupt(store_url, path, "after_commit")
    assert code == 0, err
    assert "Aborted" not in err and "已中止" not in err and "Traceback" not in err
    assert "导入已在提交" in err and "新增 5" in out
    assert stored_codes(store_url) == (5, 1)


def test_ctrl_c_before_the_commit_rolls_back_and_says_so(store_url, tmp_path):
    path = targets_file(tmp_path / "t.csv", 5)
    code, out, err = import_with_interrupt(store_url, path, "before_commit")
    assert code == 130, err
    assert "已回滚" in err and "Traceback" not in err and "Aborted" not in err
    assert stored_codes(store_url) == (0, 0)
