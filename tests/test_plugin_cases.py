"""`jointcheck plugin test [DIR]`: a plugin's own cases through the real classification with
its hooks loaded (core/cases.py)."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner
from kitsupport import CASE, DECLARES, DEPARTMENT_YAML, install_fire

from jointcheck.core.cli import main


def install(site, plugin: str | None = None, department_yaml: str = DEPARTMENT_YAML) -> None:
    if plugin is None:
        install_fire(site, department_yaml=department_yaml)
    else:
        install_fire(site, plugin, department_yaml)


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
                       "referrals: [fire_safety]", "referrals: []"))
    result = run(str(folder))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "passed  escalated.yaml",
        "FAILED  wrong.yaml",
        "  fire_safety result: expected 5, got 8 (changed by plugin 'fire_safety': 5→8)",
        "  fire_safety referrals (receiving departments): expected none, got fire_safety",
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
    assert case["mismatches"] == [{"department": "fire_safety", "field": "dispositions",
                                   "expected": ["立案处理", "责令改正"], "actual": ["责令改正"]}]
    assert case["actual"]["fire_safety"]["overridden_from"] == 5


def test_without_the_hook_the_case_shows_the_policys_result(site, tmp_path):
    install(site, DECLARES)
    result = run(str(cases(tmp_path, escalated=CASE)))
    assert result.exit_code == 1
    assert "  fire_safety result: expected 8, got 5" in result.stdout.splitlines()
    assert "  fire_safety overridden by: expected fire_safety, got none" in result.stdout


def test_a_hook_that_raises_fails_the_case_naming_plugin_file_line_and_hook(site, tmp_path):
    install(site, DECLARES + "\n\n@hookimpl\ndef jointcheck_classify_department(findings):\n"
                             "    return findings.target['storeys'] > 10\n")
    result = run(str(cases(tmp_path, escalated=CASE)))
    assert result.exit_code == 1
    assert "FAILED  escalated.yaml" in result.stdout
    (line,) = [x for x in result.stdout.splitlines() if "JC402" in x]
    assert "jc_fire_safety/__init__.py:14:" in line and "plugin 'fire_safety'" in line
    assert "jointcheck_classify_department" in line and "KeyError" in line


@pytest.mark.parametrize(("text", "code", "line"), [
    (CASE.replace("result: 8", "result: 9"), "JC206", 12),
    (CASE.replace("    fire_safety:\n      items", "    fire_rescu:\n      items"), "JC411", 6),
    (CASE.replace("fire_exits", "fire_exit"), "JC502", 9),
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
    install(site, department_yaml=DEPARTMENT_YAML + (
        "  - id: fire_exits\n    title: 重复\n"
        "    legal_basis: {duty: [{law: 消防法, article: 第十六条}]}\n"))
    result = run(str(cases(tmp_path, escalated=CASE)))
    assert result.exit_code == 1
    assert "JC301" in result.stderr and "fire_safety" in result.stderr
