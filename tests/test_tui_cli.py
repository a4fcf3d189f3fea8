"""``jointcheck inspect``: store and task errors are printed like every command's and
exit 1 before the app (and Textual) starts."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from jointcheck.core.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    print("EXIT", exc.code, "textual" in sys.modules)
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, timeout=120)


def test_a_missing_store_is_reported_before_the_app_starts(tmp_path):
    missing = tmp_path / "nowhere.db"
    done = run("--db", f"sqlite:///{missing}", "inspect")
    assert "EXIT 1 False" in done.stdout, done.stdout + done.stderr
    assert "JC701" in done.stderr and str(missing) in done.stderr
    assert "Traceback" not in done.stderr
    assert not missing.exists()


def test_an_unknown_task_is_reported_in_english_too(tmp_path):
    from jointcheck.core.store import upgrade

    url = f"sqlite:///{tmp_path / 'j.db'}"
    upgrade(url)
    done = run("--db", url, "inspect", "9-9")
    assert "EXIT 1" in done.stdout, done.stdout + done.stderr
    assert "JC801" in done.stderr and "任务“9-9”不存在" in done.stderr
    english = run("--lang", "en", "--db", url, "inspect", "9-9")
    assert "there is no task '9-9'" in english.stderr
