"""Known target attributes: conditions, scope filters and findings name only attributes the
target library or a department declares, with values of the declared type."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from distutil import make_dist

from jointcheck.core.cli import main
from jointcheck.core.config import load_configuration
from jointcheck.examples import example_path

BOILER = """\
department:
  code: boiler
  name: 锅炉检验所
attributes:
  - {name: uses_pressure_vessels, type: boolean, label: 使用压力容器}
  - {name: boiler_count, type: number, label: 锅炉台数}
items:
  - id: vessels
    title: 压力容器是否定期检验
    legal_basis:
      duty: [{law: 中华人民共和国特种设备安全法, article: 第四十条}]
    applicability: {attribute: uses_pressure_vessels, equals: true}
  - id: boilers
    title: 锅炉是否登记
    legal_basis:
      duty: [{law: 中华人民共和国特种设备安全法, article: 第三十三条}]
    applicability:
      all:
        - {attribute: boiler_count, in: [1, 2, 3]}
        - {attribute: industry, equals: 工业}
"""

PLUGIN = """\
from pathlib import Path
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_department():
    return Path(__file__).with_name("department.yaml")
"""


def install(site, text=BOILER):
    make_dist(site, "jointcheck-boiler", {"boiler": "jc_boiler"},
              {"jc_boiler/__init__.py": PLUGIN, "jc_boiler/department.yaml": text})


def test_declared_and_library_attributes_are_known(site):
    install(site)
    config = load_configuration()
    assert config.problems == [] and "boiler" in config.departments


@pytest.mark.parametrize(("old", "new", "path", "hint"), [
    ("attribute: uses_pressure_vessels,", "attribute: uses_pressure_vessel,",
     "/items/0/applicability/attribute", "uses_pressure_vessels"),
    ("attribute: industry,", "attribute: industy,",
     "/items/1/applicability/all/1/attribute", "industry"),
    ("attribute: uses_pressure_vessels,", "attribute: uses_special_equipmnt,",
     "/items/0/applicability/attribute", "uses_special_equipment"),
])
def test_an_unknown_attribute_in_a_condition_leaves_the_plugin_out(site, old, new, path, hint):
    install(site, BOILER.replace(old, new))
    config = load_configuration()
    p, left_out = config.problems
    assert (p.code, p.path, p.plugin, left_out.code) == ("JC314", path, "boiler", "JC406")
    assert p.file.endswith("jc_boiler/department.yaml") and hint in p.hint
    assert "boiler" not in config.departments


@pytest.mark.parametrize(("old", "new", "path"), [
    ("equals: true}", "equals: 是}", "/items/0/applicability/equals"),
    ("in: [1, 2, 3]", "in: [1, '2', 3]", "/items/1/applicability/all/0/in/1"),
])
def test_a_condition_value_of_the_wrong_type_is_an_error(site, old, new, path):
    install(site, BOILER.replace(old, new))
    (p, _left_out) = load_configuration(strict=True).errors
    assert (p.code, p.path) == ("JC315", path)


def test_an_unknown_attribute_in_a_scope_filter_is_an_error(tmp_path):
    text = example_path().read_text(encoding="utf-8").replace(
        "{attribute: industry, equals: 工业}", "{attribute: industy, equals: 工业}")
    campaign = tmp_path / "c.yaml"
    campaign.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["checklist", str(campaign)])
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if "JC314" in x]
    assert "[/campaign/scope/filter/all/1/attribute]" in line and "“industry”" in line
    english = CliRunner().invoke(main, ["--lang", "en", "draw", "commit", str(campaign)])
    assert english.exit_code == 1 and "unknown target attribute 'industy'" in english.stderr


def _classify(tmp_path, target, *args):
    data = {"outcome": "unreachable", "target": target}
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return CliRunner().invoke(main, ["classify", str(path), *args])


@pytest.mark.parametrize(("target", "expected"), [
    ({"uses_special_equipment": "是"}, "布尔值（true/false）"),
    ({"region": 410602}, "字符串"),
])
def test_a_findings_value_of_the_wrong_type_is_an_error(tmp_path, target, expected):
    result = _classify(tmp_path, target, "--format", "json")
    assert result.exit_code == 1
    (err,) = json.loads(result.stdout)["errors"]
    (name,) = target
    assert (err["code"], err["path"]) == ("JC507", f"/target/{name}")
    assert expected in err["message"]


def test_an_unknown_findings_attribute_is_a_warning_with_did_you_mean(tmp_path):
    result = _classify(tmp_path, {"uses_special_equipmnt": True})
    assert result.exit_code == 0
    (line,) = [x for x in result.stderr.splitlines() if "JC506" in x]
    assert line.startswith("警告：") and "uses_special_equipment" in line


def test_declared_attributes_show_by_their_label(site, tmp_path):
    install(site)
    text = example_path().read_text(encoding="utf-8").replace(
        "departments: [emergency_mgmt, market_supervision]",
        "departments: [emergency_mgmt, market_supervision, boiler]")
    campaign = tmp_path / "c.yaml"
    campaign.write_text(text, encoding="utf-8")
    for fmt in ("table", "markdown"):
        result = CliRunner().invoke(main, ["checklist", str(campaign), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "使用压力容器 = 是" in result.stdout and "锅炉台数 ∈ 1、2、3" in result.stdout
        assert "uses_pressure_vessels" not in result.stdout
