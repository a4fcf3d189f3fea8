"""docs/api.md: the Python API's first example runs as written in an empty directory, its
errors carry the JC code, and the CLI's JSON is the API's typed results."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointcheck.core import api
from jointcheck.core.cli import main
from jointcheck.core.errors import ConfigError, JointcheckError, Verdict

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_first_example_is_long_enough_to_show_the_whole_path():
    first = _examples()[0]
    assert len(first.strip().splitlines()) >= 8
    for step in ("create_store", "open_campaign", "import_library", "commit_seed", "draw(",
                 "submit_record", "settle_results", "write_report_file", "publish_results"):
        assert step in first


@pytest.mark.slow
def test_the_first_example_runs_as_written_in_an_empty_directory(tmp_path):
    proc = subprocess.run([sys.executable, "-c", _examples()[0]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "jointcheck.db").is_file() and (tmp_path / "附件2.xlsx").is_file()
    assert (tmp_path / "公示" / "index.html").is_file()
    assert "'count': 1" in proc.stdout and "'unsettled': 0" in proc.stdout


def test_the_whole_path_on_each_store(store_url, tmp_path):
    store = api.create_store(store_url)
    try:
        campaign = api.open_campaign("hebi-2020-industrial-safety")
        targets, officers = api.write_sample_libraries(tmp_path / "libraries", targets=60,
                                                       officers=20)
        assert api.import_library(store, "targets", targets).to_json()["rows"] == 60
        api.import_library(store, "officers", officers)
        commitment = api.commit_seed(store, campaign)
        assert commitment.to_json()["seed"] == commitment.seed and commitment.seed
        record = api.draw(store, campaign, commitment.seed)
        (task,) = api.tasks(store, campaign)
        assert task.id == f"{record.id}-1"
        version = api.submit_record(store, campaign, task.id, {
            "outcome": "unreachable", "inspected_on": "2020-07-15"})
        assert version.to_json()["version"] == 1
        assert api.settle_results(store, campaign.id).to_json()["settled"] == [task.id]
        written = api.write_report_file(store, campaign, "statistics", tmp_path / "a2.csv")
        assert written.to_json()["rows"] == 1 and (tmp_path / "a2.csv").is_file()
        published = api.publish_results(store, campaign, tmp_path / "pub")
        assert published.to_json()["count"] == 1
        # the results of the store: 4 (通过登记的住所无法联系) for every department
        results = json.loads((tmp_path / "pub" / "results.json").read_text(encoding="utf-8"))
        assert "无法联系" in json.dumps(results, ensure_ascii=False)
    finally:
        store.dispose()


def test_a_refusal_is_one_exception_type_carrying_the_jc_code(tmp_path):
    with pytest.raises(api.JointcheckError) as exc:
        api.open_campaign("no-such-campaign")
    assert exc.value.code == "JC122" and isinstance(exc.value, ConfigError)
    assert exc.value.to_json()["valid"] is False
    with pytest.raises(JointcheckError) as exc:  # a store error is one too
        api.open_store(f"sqlite:///{tmp_path / 'missing.db'}")
    assert exc.value.code == "JC701"
    proc = subprocess.run([sys.executable, "-c", _examples()[1]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == "JC122", proc.stderr


def test_validate_json_is_the_verdict():
    from jointcheck.core.validate import validate_all

    out = CliRunner().invoke(main, ["validate", "--format", "json"])
    config, _checklists = validate_all(())
    assert json.loads(out.stdout) == Verdict(config.problems).to_json()


def test_import_json_is_the_import_report(store_url, tmp_path):
    from test_import_support import TARGET_HEADERS, target_row, write_csv

    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, [target_row(1), target_row(2, 登记状态="?")])
    out = CliRunner().invoke(main, ["--db", store_url, "targets", "import", str(path),
                                    "--format", "json"])
    assert out.exit_code == 1  # refused: nothing imported, so the API reports the same
    store = api.open_store(store_url)
    try:
        report = api.import_library(store, "targets", path)
    finally:
        store.dispose()
    assert json.loads(out.stdout) == json.loads(json.dumps(report.to_json()))
    assert "interrupted_after_commit" in report.to_json()


def test_importing_jointcheck_core_loads_nothing_heavy():
    probe = "import json, sys, jointcheck.core; print(json.dumps(sorted(sys.modules)))"
    modules = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                        text=True, check=True).stdout)
    assert not [m for m in modules if m.startswith(("sqlalchemy", "textual", "openpyxl",
                                                    "pluggy", "yaml", "jointcheck.core."))]
