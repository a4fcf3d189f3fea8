"""``jointcheck_validate`` runs wherever a campaign is opened for use (not only in
``validate``); a campaign's own policy file; invalid hook return values; a department hook
that returns a mapping."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from distutil import make_dist

from jointcheck.core.campaign import open_campaign
from jointcheck.core.cli import main
from jointcheck.core.config import load_configuration
from jointcheck.core.errors import ConfigError
from jointcheck.examples import example_path

CHECKS = """\
from jointcheck.core.errors import Problem
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_validate(checklist):
    return [Problem(code="X001", message="本地规定：事项须含检查指引", severity="{severity}",
                    file=checklist.campaign.source.file if checklist.campaign else None)]
"""


def install_checks(site, severity="error", body=None):
    make_dist(site, "jointcheck-checks", {"checks": "jc_checks"},
              {"jc_checks/__init__.py": body or CHECKS.replace("{severity}", severity)})


def test_an_error_from_a_validation_hook_stops_every_command_that_uses_the_campaign(site, tmp_path):
    install_checks(site)
    runner = CliRunner()
    findings = tmp_path / "f.yaml"
    findings.write_text("outcome: unreachable\ntarget: {}\n", encoding="utf-8")
    for args in (["checklist"], ["classify", str(findings)], ["draw", "commit"],
                 ["--db", f"sqlite:///{tmp_path}/x.db", "draw", "run", "--seed", "s" * 40]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "X001 本地规定：事项须含检查指引" in result.stderr, args
    with pytest.raises(ConfigError) as exc:
        open_campaign()
    assert [(p.code, p.plugin) for p in exc.value.problems] == [("X001", "checks")]


def test_a_validation_warning_is_shown_and_does_not_stop(site):
    install_checks(site, "warning")
    result = CliRunner().invoke(main, ["checklist"])
    assert result.exit_code == 0
    assert "警告：" in result.stderr and "X001" in result.stderr
    opened = open_campaign()
    config, _campaign = opened.config, opened.campaign
    assert [p.code for p in config.problems] == ["X001"]


@pytest.mark.parametrize(("returned", "detail"), [('"没问题"', "str"), ("[1]", "int")])
def test_a_validation_hook_returning_something_else_is_jc404(site, returned, detail):
    install_checks(site, body=(
        "from jointcheck.core.hookspecs import hookimpl\n\n"
        f"@hookimpl\ndef jointcheck_validate(checklist):\n    return {returned}\n"))
    result = CliRunner().invoke(main, ["validate", "--strict", "--format", "json"])
    assert result.exit_code == 1
    (err,) = json.loads(result.stdout)["errors"]
    assert (err["code"], err["plugin"], err["line"]) == ("JC404", "checks", 4)
    assert err["file"].endswith("jc_checks/__init__.py")
    assert "jointcheck_validate" in err["message"] and detail in err["message"]
    # validate tells the truth without --strict too; a command using a campaign goes on
    # without the failed implementation and says so
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1 and "JC404" in result.stdout
    result = CliRunner().invoke(main, ["checklist"])
    assert result.exit_code == 0 and "JC404" in result.stderr


MAPPING = """\
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_department():
    return {
        "department": {"code": "fire_rescue", "name": "消防救援支队"},
        "items": [{"id": "fire_exits", "title": "安全出口是否畅通",
                   "legal_basis": {"duty": [{"law": "中华人民共和国消防法",
                                             "article": "第二十八条"}]}}],
    }
"""


def test_a_department_hook_may_return_a_mapping(site):
    make_dist(site, "jointcheck-mapping", {"fire_rescue": "jc_mapping"},
              {"jc_mapping/__init__.py": MAPPING})
    config = load_configuration()
    assert config.problems == []
    dept = config.departments["fire_rescue"]
    assert (dept.name, [i.id for i in dept.items]) == ("消防救援支队", ["fire_exits"])
    assert dept.source.plugin == "fire_rescue" and dept.source.file.endswith("jc_mapping/__init__.py")
    assert config.host.infos["fire_rescue"].departments == [("fire_rescue", "消防救援支队", 1)]


def test_an_invalid_mapping_names_the_plugin_file(site):
    make_dist(site, "jointcheck-mapping", {"fire_rescue": "jc_mapping"},
              {"jc_mapping/__init__.py": MAPPING.replace('"title"', '"tittle"')})
    config = load_configuration()
    assert "fire_rescue" not in config.departments
    codes = {p.code: p for p in config.problems}
    assert {"JC403", "JC201", "JC406"} <= set(codes)
    assert codes["JC201"].file.endswith("jc_mapping/__init__.py")
    assert codes["JC201"].path == "/items/0/tittle" and codes["JC201"].plugin == "fire_rescue"



def _campaign_with_policy(tmp_path, policy_text):
    text = example_path().read_text(encoding="utf-8").replace("policy: default",
                                                              "policy: local-policy.yaml")
    (tmp_path / "campaign.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "local-policy.yaml").write_text(policy_text, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def test_a_campaign_loads_its_own_policy_file(tmp_path):
    from jointcheck.core.config import default_policy_path

    text = default_policy_path().read_text(encoding="utf-8")
    local = text.replace("id: default", "id: hebi-local").replace(
        "[责令改正, 立案处理,", "[责令改正, 责令停产停业, 立案处理,")
    campaign = _campaign_with_policy(tmp_path, local)
    opened = open_campaign(campaign)
    checklist = opened.checklist
    assert checklist.policy.id == "hebi-local" and "责令停产停业" in checklist.policy.dispositions
    result = CliRunner().invoke(main, ["checklist", str(campaign), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["policy"] == "hebi-local"


def test_an_invalid_policy_file_stops_every_command_with_located_errors(tmp_path):
    campaign = _campaign_with_policy(tmp_path, "policy:\n  id: broken\nresults: []\n")
    findings = tmp_path / "f.yaml"
    findings.write_text("outcome: unreachable\ntarget: {}\n", encoding="utf-8")
    runner = CliRunner()
    for args in (["checklist", str(campaign)], ["classify", str(findings), "--campaign",
                                                str(campaign)],
                 ["draw", "commit", str(campaign)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, args
        assert f"{tmp_path / 'local-policy.yaml'}:" in result.stderr and "JC202" in result.stderr


def test_a_plugin_code_registered_in_both_languages_follows_lang(site):
    """docs/hooks.md's example: a plugin's own code, rendered in the user's language."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "hooks.md").read_text("utf-8")
    example = re.search(r"```python\n(from jointcheck\.core\.errors import problem.*?)```",
                        text, re.S).group(1)
    install_checks(site, body="from jointcheck.core.hookspecs import hookimpl\n" + example
                   .replace("> 40", "> 1"))
    from jointcheck.core import errors

    try:
        zh = CliRunner().invoke(main, ["checklist"])
        en = CliRunner().invoke(main, ["--lang", "en", "checklist"])
    finally:  # the catalogue is the process's: leave it as docs/errors.md lists it
        errors.CODES.pop("XY01", None)
        errors.HINTS.pop("XY01", None)
    assert zh.exit_code == en.exit_code == 0
    assert re.search(r"XY01 检查事项过多：\d+ 项 — 请拆分实施方案。", zh.stderr), zh.stderr
    assert re.search(r"XY01 too many items: \d+ — Please split the campaign\.", en.stderr)
