"""Plugins discovered through the ``jointcheck`` entry-point group, failing plugins, hooks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from distutil import forget_modules, make_dist

from jointcheck.core.cli import main
from jointcheck.core.config import load_configuration

FIRE_YAML = """\
department:
  code: fire_rescue
  name: 消防救援支队
items:
  - id: fire_exits
    title: 安全出口、疏散通道是否畅通
    legal_basis:
      duty: [{law: 中华人民共和国消防法, article: 第二十八条}]
    noncompliance: {dispositions: [责令改正], refer_to: fire_rescue}
"""

FIRE_PLUGIN = """\
from pathlib import Path
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_department():
    return Path(__file__).with_name("department.yaml")
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A directory on sys.path where tests 'install' distributions."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    forget_modules("jc_fire", "jc_fire2", "jc_broken", "jc_raising", "jc_override", "jc_checks", "jc_applies")


def install_fire(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"},
              {"jc_fire/__init__.py": FIRE_PLUGIN, "jc_fire/department.yaml": FIRE_YAML})


def test_third_party_plugin_is_discovered_through_its_entry_point(site):
    install_fire(site)
    config = load_configuration()
    assert config.errors == [] and config.problems == []
    assert list(config.departments) == ["emergency_mgmt", "fire_rescue", "market_supervision"]
    info = config.host.infos["fire_rescue"]
    assert (info.distribution, info.version, info.hooks) == (
        "jointcheck-fire", "1.0", ["jointcheck_department"])
    assert not info.builtin and config.host.infos["emergency_mgmt"].builtin


def test_plugins_command_lists_builtin_and_third_party(site):
    install_fire(site)
    result = CliRunner().invoke(main, ["plugins", "--format", "json"])
    assert result.exit_code == 0
    plugins = {p["name"]: p for p in json.loads(result.output)["plugins"]}
    assert plugins["fire_rescue"]["departments"] == [
        {"code": "fire_rescue", "name": "消防救援支队", "items": 1}]
    assert plugins["market_supervision"]["departments"][0]["items"] == 8
    assert plugins["fire_rescue"]["file"].endswith("jc_fire/__init__.py")
    text = CliRunner().invoke(main, ["plugins"]).output
    assert "fire_rescue 1.0" in text and "emergency_mgmt  应急管理局  4 个检查事项" in text


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load(site):
    install_fire(site)
    make_dist(site, "jointcheck-broken", {"broken": "jc_broken"},
              {"jc_broken/__init__.py": "import os\n\nraise RuntimeError('配置缺失')\n"})
    config = load_configuration()
    assert "fire_rescue" in config.departments and "emergency_mgmt" in config.departments
    (p,) = config.problems
    assert (p.code, p.plugin, p.line, p.severity) == ("JC401", "broken", 3, "warning")
    assert p.file.endswith("jc_broken/__init__.py") and "配置缺失" in p.message

    runner = CliRunner()
    ok = runner.invoke(main, ["validate"])
    assert ok.exit_code == 0 and "JC401" in ok.output
    strict = runner.invoke(main, ["validate", "--strict", "--format", "json"])
    assert strict.exit_code == 1
    (err,) = json.loads(strict.output)["errors"]
    assert (err["code"], err["plugin"], err["line"]) == ("JC401", "broken", 3)


def test_a_plugin_with_a_syntax_error_is_located(site):
    make_dist(site, "jointcheck-broken", {"broken": "jc_broken"},
              {"jc_broken/__init__.py": "x = 1\ndef f(:\n"})
    (p,) = load_configuration().problems
    assert (p.code, p.line) == ("JC401", 2)


def test_a_plugin_that_raises_in_a_hook(site):
    make_dist(site, "jointcheck-raising", {"raising": "jc_raising"}, {
        "jc_raising/__init__.py": """\
            from jointcheck.core.hookspecs import hookimpl

            @hookimpl
            def jointcheck_department():
                return {"department": {"code": "x"}}["items"]
            """})
    config = load_configuration()
    (p,) = config.problems
    assert (p.code, p.plugin, p.line) == ("JC402", "raising", 5)
    assert "jointcheck_department" in p.message
    assert len(config.departments) == 2


def test_a_plugin_declaring_invalid_yaml_is_skipped_with_located_errors(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"}, {
        "jc_fire/__init__.py": FIRE_PLUGIN,
        "jc_fire/department.yaml": FIRE_YAML.replace("title:", "tittle:")})
    config = load_configuration()
    codes = [(p.code, p.line, p.plugin, p.severity) for p in config.problems]
    assert ("JC403", None, "fire_rescue", "warning") in codes
    assert ("JC201", 6, "fire_rescue", "warning") in codes
    assert "fire_rescue" not in config.departments
    strict = load_configuration(strict=True)
    assert {p.code for p in strict.errors} == {"JC403", "JC201", "JC202"}


def test_two_plugins_claiming_one_department_code(site):
    install_fire(site)
    make_dist(site, "jointcheck-fire2", {"zz_fire": "jc_fire2"},
              {"jc_fire2/__init__.py": FIRE_PLUGIN, "jc_fire2/department.yaml": FIRE_YAML})
    config = load_configuration()
    (p,) = config.problems
    assert p.code == "JC306" and p.plugin == "zz_fire"
    # the first plugin by name keeps the code: loading order never decides
    assert config.departments["fire_rescue"].source.plugin == "fire_rescue"


def test_validation_hook_problems_keep_their_severity(site):
    make_dist(site, "jointcheck-checks", {"checks": "jc_checks"}, {
        "jc_checks/__init__.py": """\
            from jointcheck.core.errors import Problem
            from jointcheck.core.hookspecs import hookimpl

            @hookimpl
            def jointcheck_validate(checklist):
                if len(checklist.items) > 5:
                    return [Problem(code="X001", message="事项过多", file="policy")]
                return None
            """})
    result = CliRunner().invoke(main, ["validate", "--format", "json"])
    assert result.exit_code == 1
    (err,) = json.loads(result.output)["errors"]
    assert (err["code"], err["plugin"]) == ("X001", "checks")
