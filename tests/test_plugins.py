"""Plugins discovered through the ``jointcheck`` entry-point group, failing plugins, hooks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from distutil import make_dist

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
    (err,) = json.loads(strict.stdout)["errors"]
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
    # validate tells the truth: an error naming plugin, file, line and hook; exit 1
    result = CliRunner().invoke(main, ["validate", "--format", "json"])
    assert result.exit_code == 1
    (err,) = json.loads(result.stdout)["errors"]
    assert (err["code"], err["plugin"], err["line"]) == ("JC402", "raising", 5)
    assert err["file"].endswith("jc_raising/__init__.py")


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
    assert {p.code for p in strict.errors} == {"JC403", "JC201", "JC202", "JC406"}


def test_two_plugins_claiming_one_department_code(site):
    install_fire(site)
    make_dist(site, "jointcheck-fire2", {"zz_fire": "jc_fire2"},
              {"jc_fire2/__init__.py": FIRE_PLUGIN, "jc_fire2/department.yaml": FIRE_YAML})
    config = load_configuration()
    assert [(p.code, p.plugin) for p in config.problems] == [("JC306", "zz_fire"),
                                                             ("JC406", "zz_fire")]
    # the first plugin by name keeps the code: loading order never decides
    assert config.departments["fire_rescue"].source.plugin == "fire_rescue"
    assert not config.host.infos["zz_fire"].loaded and config.host.infos["fire_rescue"].loaded
    assert config.host.pm.get_plugin("zz_fire") is None  # its hooks are never called


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


# -- plugin failures are visible and never change a result silently ---------------------------

def _findings_file(tmp_path):
    import yaml

    ids = {"emergency_mgmt": ["risk_control", "equipment_maintenance", "responsibility_system",
                              "safety_organization"],
           "market_supervision": ["se_organization", "se_rules", "se_emergency_plan",
                                  "se_equipment_files", "se_inspection_validity",
                                  "se_maintenance_records", "se_certificates",
                                  "se_training_records"]}
    data = {"outcome": "inspected", "target": {"uses_special_equipment": True},
            "departments": {d: {"items": {i: {"result": "compliant"} for i in items}}
                            for d, items in ids.items()}}
    path = tmp_path / "findings.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


APPLIES_RAISES = """\
from jointcheck.core.hookspecs import hookimpl

CALLS = []

@hookimpl
def jointcheck_item_applies(department, item, target):
    CALLS.append(item.id)
    return target["no_such_attribute"]
"""


def test_a_failing_applicability_hook_fails_the_classification_once(site, tmp_path):
    make_dist(site, "jointcheck-applies", {"applies": "jc_applies"},
              {"jc_applies/__init__.py": APPLIES_RAISES})
    findings = _findings_file(tmp_path)
    result = CliRunner().invoke(main, ["classify", str(findings), "--format", "json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert "joint" not in out  # no verdict from a classification a plugin broke
    (err,) = out["errors"]  # one problem, not one per item
    assert (err["code"], err["plugin"], err["line"]) == ("JC402", "applies", 8)
    assert err["file"].endswith("jc_applies/__init__.py")
    assert "jointcheck_item_applies" in err["message"] and "KeyError" in err["message"]
    import jc_applies

    assert len(jc_applies.CALLS) == 1  # disabled after its first failure
    assert "applies（JC402）" in result.stderr  # the summary line


def test_a_non_bool_applicability_answer_is_an_error_not_true(site, tmp_path):
    make_dist(site, "jointcheck-applies", {"applies": "jc_applies"}, {
        "jc_applies/__init__.py": """\
            from jointcheck.core.hookspecs import hookimpl

            @hookimpl
            def jointcheck_item_applies(department, item, target):
                return "no"
            """})
    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.classify import classify, item_applies

    opened = open_campaign()
    config = opened.config
    checklist = opened.checklist
    item = checklist.items_of("market_supervision")[0]
    # "no" is not taken for True: the declared condition decides (it applies here)
    assert item_applies(item, {"uses_special_equipment": False}, config.host) is False
    (p,) = config.host.problems
    assert (p.code, p.plugin, p.line) == ("JC404", "applies", 4)  # the `def` line
    assert "'no'" in p.message and "jointcheck_item_applies" in p.message
    # the implementation is disabled, not called again: one problem per classification,
    # and every later classification by this host (an app) still says its result lacks it
    for _ in range(2):
        result = classify({"outcome": "inspected", "target": {}, "departments": {}}, checklist,
                          config.host)
        assert result.problems == [p]
    assert config.host.problems == [p]
    result = CliRunner().invoke(main, ["--lang", "en", "classify", str(_findings_file(tmp_path))])
    assert result.exit_code == 1 and "JC404" in result.stderr
    assert "plugin 'applies' returned an invalid value" in result.stderr


def test_a_plugin_with_broken_yaml_shows_as_failed_everywhere(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"}, {
        "jc_fire/__init__.py": FIRE_PLUGIN,
        "jc_fire/department.yaml": FIRE_YAML.replace("title:", "tittle:")})
    runner = CliRunner()
    listed = runner.invoke(main, ["plugins", "--format", "json"])
    fire = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}["fire_rescue"]
    assert fire["loaded"] is False and fire["error"]["code"] == "JC403"
    assert sorted(p["code"] for p in fire["problems"]) == ["JC201", "JC202", "JC403", "JC406"]
    text = runner.invoke(main, ["plugins"]).stdout
    assert text.count("加载失败") == 4 and "tittle" in text
    for args, code in ((["checklist"], 0), (["validate"], 1), (["plugins"], 0)):
        out = runner.invoke(main, args)
        assert out.exit_code == code  # validate tells the truth; the others go on without it
        (line,) = [x for x in out.stderr.splitlines() if "插件加载失败" in x]
        assert "fire_rescue（JC403）" in line and "jointcheck plugins" in line
    english = runner.invoke(main, ["--lang", "en", "checklist"])
    assert "1 plugin(s) failed and are not used: fire_rescue (JC403)" in english.stderr


def test_no_summary_when_every_plugin_loads(site):
    install_fire(site)
    assert CliRunner().invoke(main, ["checklist"]).stderr == ""


BAD_FIRE = {
    "JC301": FIRE_YAML + "  - id: fire_exits\n    title: 重复\n"
                         "    legal_basis: {duty: [{law: 消防法, article: 第十六条}]}\n",
    "JC304": FIRE_YAML.replace("refer_to: fire_rescue", "refer_to: fire_rescu"),
    "JC305": FIRE_YAML.replace("    legal_basis:\n      duty: [{law: 中华人民共和国消防法, "
                               "article: 第二十八条}]\n", ""),
    "JC310": FIRE_YAML.replace("[责令改正]", "[罚款]"),
}


@pytest.mark.parametrize("code", list(BAD_FIRE))
def test_cross_reference_errors_leave_the_plugin_out(site, tmp_path, code):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"},
              {"jc_fire/__init__.py": FIRE_PLUGIN, "jc_fire/department.yaml": BAD_FIRE[code]})
    config = load_configuration()
    assert "fire_rescue" not in config.departments  # not used with its bad content
    assert set(config.departments) == {"emergency_mgmt", "market_supervision"}
    assert [p.code for p in config.problems] == [code, "JC406"]
    assert all(p.plugin == "fire_rescue" and p.severity == "warning" for p in config.problems)
    assert config.host.pm.get_plugin("fire_rescue") is None
    assert [p.code for p in load_configuration(strict=True).errors] == [code, "JC406"]

    campaign = tmp_path / "c.yaml"
    campaign.write_text(
        "campaign:\n  id: c\n  kind: k\n  title: t\n  lead_department: fire_rescue\n"
        "  departments: [fire_rescue]\n  sample: {count: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["checklist", str(campaign)])
    assert result.exit_code == 1
    errors = [x for x in result.stderr.splitlines() if "JC302" in x]
    assert errors and all("插件“fire_rescue”因错误未被加载" in x for x in errors)


def test_leaving_a_plugin_out_leaves_out_the_plugins_that_refer_to_it(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"},
              {"jc_fire/__init__.py": FIRE_PLUGIN, "jc_fire/department.yaml": BAD_FIRE["JC305"]})
    make_dist(site, "jointcheck-fire2", {"water": "jc_fire2"}, {
        "jc_fire2/__init__.py": FIRE_PLUGIN,
        "jc_fire2/department.yaml": FIRE_YAML.replace("code: fire_rescue", "code: water")})
    config = load_configuration()
    assert [(p.code, p.plugin) for p in config.problems] == [
        ("JC305", "fire_rescue"), ("JC406", "fire_rescue"), ("JC304", "water"), ("JC406", "water")]
    assert "water" not in config.departments


def test_a_misspelt_hook_name_is_an_error_of_its_plugin(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"}, {
        "jc_fire/department.yaml": FIRE_YAML,
        "jc_fire/__init__.py": FIRE_PLUGIN + "\n\n@hookimpl\ndef jointcheck_item_aplies(item):\n"
                                             "    return False\n"})
    config = load_configuration()
    (p,) = config.problems
    assert (p.code, p.plugin, p.line) == ("JC405", "fire_rescue", 10)  # the `def` line
    assert p.file.endswith("jc_fire/__init__.py")
    assert "jointcheck_item_aplies" in p.message and "jointcheck_item_applies" in p.hint
    assert "fire_rescue" not in config.departments
    assert load_configuration(strict=True).errors


def test_plugins_can_be_blocked_without_uninstalling(site, monkeypatch):
    make_dist(site, "jointcheck-broken", {"broken": "jc_broken"},
              {"jc_broken/__init__.py": "raise RuntimeError('不该被导入')\n"})
    install_fire(site)
    monkeypatch.setenv("JOINTCHECK_DISABLE_PLUGINS", "broken, fire_rescue ,emergncy_mgmt")
    config = load_configuration()
    assert set(config.departments) == {"emergency_mgmt", "market_supervision"}
    (p,) = config.problems  # not imported, so no JC401; the misspelt name is pointed out
    assert (p.code, p.severity) == ("JC407", "warning") and "emergency_mgmt" in p.hint
    result = CliRunner().invoke(main, ["plugins", "--format", "json"])
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert plugins["broken"]["disabled"] and not plugins["broken"]["loaded"]
    assert plugins["fire_rescue"]["disabled"] and plugins["emergency_mgmt"]["loaded"]
    assert "JC407" in result.stderr and "插件加载失败" not in result.stderr
    text = CliRunner().invoke(main, ["plugins"]).stdout
    assert text.count("已停用（JOINTCHECK_DISABLE_PLUGINS）") == 2
    monkeypatch.setenv("JOINTCHECK_DISABLE_PLUGINS", "emergency_mgmt")
    result = CliRunner().invoke(main, ["checklist"])
    assert result.exit_code == 1
    errors = [x for x in result.stderr.splitlines() if "JC302" in x]
    assert errors and all("已被 JOINTCHECK_DISABLE_PLUGINS 停用" in x for x in errors)


# -- validate tells the truth about installed plugins -------------------------------------------

CAMPAIGN_WITH_FIRE = """\
campaign:
  id: c
  kind: k
  title: t
  lead_department: emergency_mgmt
  departments: [emergency_mgmt, fire_rescue]
  sample: {count: 1}
"""

WRONG_FIRE = {
    "JC301": (BAD_FIRE["JC301"], 10),
    "JC201": (FIRE_YAML.replace("title:", "tittle:"), 6),
    "JC306": (FIRE_YAML.replace("code: fire_rescue", "code: emergency_mgmt")
              .replace("refer_to: fire_rescue", "refer_to: emergency_mgmt"), 2),
}


@pytest.mark.parametrize("code", list(WRONG_FIRE))
@pytest.mark.parametrize("with_campaign", [False, True])
def test_validate_fails_on_an_installed_plugins_declaration(site, tmp_path, code, with_campaign):
    text, line = WRONG_FIRE[code]
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"},
              {"jc_fire/__init__.py": FIRE_PLUGIN, "jc_fire/department.yaml": text})
    args = ["validate", "--format", "json"]
    if with_campaign:
        campaign = tmp_path / "c.yaml"
        campaign.write_text(CAMPAIGN_WITH_FIRE, encoding="utf-8")
        args.append(str(campaign))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    (err,) = [e for e in errors if e["code"] == code]
    assert (err["plugin"], err["line"]) == ("fire_rescue", line)
    assert err["file"].endswith("jc_fire/department.yaml")
    # the text says it too, and never "校验通过"
    text_out = CliRunner().invoke(main, args[:1] + args[3:])
    assert text_out.exit_code == 1 and "校验未通过" in text_out.stdout
    # other commands still leave the plugin out and go on with the others
    assert CliRunner().invoke(main, ["checklist"]).exit_code == 0


def test_a_built_in_department_keeps_its_code(site):
    make_dist(site, "jointcheck-aaa", {"aaa": "jc_fire"},
              {"jc_fire/__init__.py": FIRE_PLUGIN,
               "jc_fire/department.yaml": WRONG_FIRE["JC306"][0]})
    config = load_configuration()
    assert config.departments["emergency_mgmt"].source.plugin == "emergency_mgmt"
    assert [(p.code, p.plugin) for p in config.problems] == [("JC306", "aaa"), ("JC406", "aaa")]


def test_validate_fails_when_a_validation_hook_raises(site):
    make_dist(site, "jointcheck-checks", {"checks": "jc_checks"}, {
        "jc_checks/__init__.py": """\
            from jointcheck.core.hookspecs import hookimpl

            @hookimpl
            def jointcheck_validate(checklist):
                return [checklist.items[99]]
            """})
    result = CliRunner().invoke(main, ["--lang", "en", "validate"])
    assert result.exit_code == 1
    (line,) = [x for x in result.stdout.splitlines() if "JC402" in x]
    assert "jc_checks/__init__.py:5:" in line and "plugin 'checks'" in line
    assert "jointcheck_validate" in line and "IndexError" in line
    assert "invalid: 1 errors" in result.stdout


def test_a_hook_with_a_wrong_signature_says_which_arguments(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"}, {
        "jc_fire/department.yaml": FIRE_YAML,
        "jc_fire/__init__.py": FIRE_PLUGIN + "\n\n@hookimpl\ndef jointcheck_item_applies(item, "
                                             "enterprise):\n    return None\n"})
    result = CliRunner().invoke(main, ["--lang", "en", "validate", "--format", "json"])
    assert result.exit_code == 1
    (err,) = json.loads(result.stdout)["errors"]
    assert (err["code"], err["plugin"], err["line"]) == ("JC408", "fire_rescue", 10)
    assert "enterprise" in err["message"] and "jointcheck_item_applies" in err["message"]
    assert "department, item, target" in err["hint"] and "pip install" not in err["hint"]


def test_a_scaffold_placeholder_is_a_warning(site):
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"}, {
        "jc_fire/__init__.py": FIRE_PLUGIN,
        "jc_fire/department.yaml": FIRE_YAML.replace("中华人民共和国消防法", "待替换：法律全称")})
    result = CliRunner().invoke(main, ["validate", "--format", "json"])
    assert result.exit_code == 0
    (w,) = json.loads(result.stdout)["warnings"]
    assert (w["code"], w["plugin"], w["line"], w["path"]) == (
        "JC322", "fire_rescue", 8, "/items/0/legal_basis/duty/0")
