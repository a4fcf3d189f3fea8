"""`jointcheck plugin test [DIR]`: a plugin's own cases through the real classification with
its hooks loaded (core/cases.py)."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner
from distutil import make_dist
from test_plugins import FIRE_PLUGIN
from test_plugins import FIRE_YAML as PLAIN_FIRE_YAML

from jointcheck.core.cli import main

FIRE_YAML = PLAIN_FIRE_YAML.replace(
    "items:\n", "attributes:\n  - {name: high_rise, type: boolean, label: 高层建筑}\nitems:\n")
ESCALATE = FIRE_PLUGIN + """
from jointcheck.core.model import DepartmentResult


@hookimpl
def jointcheck_classify_department(department, findings, default):
    if department == "fire_rescue" and findings.target.get("high_rise") and default.code == 5:
        return DepartmentResult(8, "", default.dispositions)
    return None
"""

CASE = """\
description: 高层建筑的安全出口堵塞，虽当场整改，仍待后续处理
findings:
  outcome: inspected
  target: {high_rise: true}
  departments:
    fire_rescue:
      items:
        fire_exits: {result: noncompliant, corrected_on_site: true}
expect:
  fire_rescue:
    result: 8
    dispositions: [责令改正]
    referrals: [fire_rescue]
    overridden_by: fire_rescue
"""


def install(site, plugin: str = ESCALATE) -> None:
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"},
              {"jc_fire/__init__.py": plugin, "jc_fire/department.yaml": FIRE_YAML})


def cases(tmp_path, **files: str):
    folder = tmp_path / "plugin"
    (folder / "tests" / "cases").mkdir(parents=True)
    for name, text in files.items():
        (folder / "tests" / "cases" / f"{name}.yaml").write_text(textwrap.dedent(text),
                                                                  encoding="utf-8")
    return folder


def run(*args: str):
    return CliRunner().invoke(main, ["--lang", "en", "plugin", "test", *args])


def test_a_right_case_passes_and_a_wrong_one_fails_by_name(site, tmp_path):
    install(site)
    folder = cases(tmp_path, escalated=CASE,
                   wrong=CASE.replace("result: 8", "result: 5").replace(
                       "referrals: [fire_rescue]", "referrals: []"))
    result = run(str(folder))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "passed  escalated.yaml",
        "FAILED  wrong.yaml",
        "  fire_rescue result: expected 5, got 8 (plugin fire_rescue changed 5 to 8)",
        "  fire_rescue referrals (receiving departments): expected none, got fire_rescue",
        "2 case(s): 1 passed, 1 failed"]
    # the right case alone passes: exit 0
    (folder / "tests" / "cases" / "wrong.yaml").unlink()
    assert run(str(folder)).exit_code == 0


def test_the_json_report_gives_expected_and_actual(site, tmp_path):
    install(site)
    folder = cases(tmp_path, wrong=CASE.replace("[责令改正]", "[责令改正, 立案处理]"))
    result = run(str(folder), "--format", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    (case,) = out["cases"]
    assert (out["passed"], case["case"], case["passed"]) == (False, "wrong.yaml", False)
    assert case["mismatches"] == [{"department": "fire_rescue", "field": "dispositions",
                                   "expected": ["立案处理", "责令改正"], "actual": ["责令改正"]}]
    assert case["actual"]["fire_rescue"]["overridden_from"] == 5


def test_without_the_hook_the_case_shows_the_policys_result(site, tmp_path):
    install(site, FIRE_PLUGIN)
    result = run(str(cases(tmp_path, escalated=CASE)))
    assert result.exit_code == 1
    assert "  fire_rescue result: expected 8, got 5" in result.stdout.splitlines()
    assert "  fire_rescue overridden by: expected fire_rescue, got none" in result.stdout


def test_a_hook_that_raises_fails_the_case_naming_plugin_file_line_and_hook(site, tmp_path):
    install(site, FIRE_PLUGIN + "\n\n@hookimpl\ndef jointcheck_classify_department(findings):\n"
                                "    return findings.target['storeys'] > 10\n")
    result = run(str(cases(tmp_path, escalated=CASE)))
    assert result.exit_code == 1
    assert "FAILED  escalated.yaml" in result.stdout
    (line,) = [x for x in result.stdout.splitlines() if "JC402" in x]
    assert "jc_fire/__init__.py:11:" in line and "plugin 'fire_rescue'" in line
    assert "jointcheck_classify_department" in line and "KeyError" in line


@pytest.mark.parametrize(("text", "code", "line"), [
    (CASE.replace("result: 8", "result: 9"), "JC206", 11),
    (CASE.replace("    fire_rescue:\n      items", "    fire_rescu:\n      items"), "JC411", 6),
    (CASE.replace("fire_exits", "fire_exit"), "JC502", 8),
], ids=["schema", "unknown-department", "unknown-item"])
def test_a_bad_case_is_located(site, tmp_path, text, code, line):
    install(site)
    folder = cases(tmp_path, bad=text)
    result = run(str(folder), "--format", "json")
    assert result.exit_code == 1
    (case,) = json.loads(result.stdout)["cases"]
    assert [(p["code"], p["line"]) for p in case["problems"]][:1] == [(code, line)]
    assert case["problems"][0]["file"].endswith("bad.yaml")


def test_no_cases_is_an_error(tmp_path):
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "JC410" in result.stderr and "tests/cases" in result.stderr


def test_a_plugin_with_declaration_errors_runs_no_case(site, tmp_path):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"}, {
        "jc_fire/__init__.py": ESCALATE,
        "jc_fire/department.yaml": FIRE_YAML + "  - id: fire_exits\n    title: 重复\n"
        "    legal_basis: {duty: [{law: 消防法, article: 第十六条}]}\n"})
    result = run(str(cases(tmp_path, escalated=CASE)))
    assert result.exit_code == 1
    assert "JC301" in result.stderr and "fire_rescue" in result.stderr
