"""The merged joint checklist: order, provenance, selection, fingerprint, output formats."""

from __future__ import annotations

import json
import textwrap

import yaml
from click.testing import CliRunner
from test_builtin_content import EMERGENCY_TITLES, MARKET_TITLES

from jointcheck.core.campaign import open_campaign
from jointcheck.core.cli import main
from jointcheck.core.config import load_configuration
from jointcheck.core.merge import merge
from jointcheck.examples import example_path

VERBATIM = EMERGENCY_TITLES + MARKET_TITLES  # copied from docs/architecture.md#domain-checklist in that test module


def campaign_file(tmp_path, departments, selection=""):
    text = (example_path().read_text(encoding="utf-8")
            .replace("departments: [emergency_mgmt, market_supervision]",
                     f"departments: [{', '.join(departments)}]"))
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    if selection:
        data = yaml.safe_load(text)
        data["campaign"]["selection"] = yaml.safe_load(textwrap.dedent(selection))
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_example_merges_the_12_items_in_form_order():
    opened = open_campaign()
    checklist = opened.checklist
    assert [i.title for i in checklist.items] == VERBATIM
    assert [d.name for d in checklist.departments] == ["应急管理局", "市市场监管局"]
    first = checklist.items[0]
    assert first.source.plugin == "emergency_mgmt"
    assert first.source.file.endswith("emergency_mgmt/department.yaml") and first.source.line > 1


def test_campaign_order_decides_department_order(tmp_path):
    path = campaign_file(tmp_path, ["market_supervision", "emergency_mgmt"])
    opened = open_campaign(path)
    config, campaign = opened.config, opened.campaign
    items = merge(config, campaign).items
    assert [i.title for i in items] == VERBATIM[4:] + VERBATIM[:4]


def test_fingerprint_is_stable_and_content_sensitive(tmp_path):
    opened = open_campaign()
    config, campaign = opened.config, opened.campaign
    fp = merge(config, campaign).fingerprint
    opened = open_campaign()
    config2, campaign2 = opened.config, opened.campaign
    assert merge(config2, campaign2).fingerprint == fp  # a fresh load, same content
    reordered = campaign_file(tmp_path, ["market_supervision", "emergency_mgmt"])
    opened = open_campaign(reordered)
    config3, campaign3 = opened.config, opened.campaign
    assert merge(config3, campaign3).fingerprint != fp


def test_selection_include_and_exclude(tmp_path):
    path = campaign_file(tmp_path, ["emergency_mgmt", "market_supervision"], """\
        emergency_mgmt: {include: [safety_organization, risk_control]}
        market_supervision: {exclude: [se_training_records]}
        """)
    opened = open_campaign(path)
    checklist = opened.checklist
    ids = [i.id for i in checklist.items]
    assert ids[:2] == ["risk_control", "safety_organization"]  # declared order, not list order
    assert "se_training_records" not in ids and len(ids) == 9


def test_without_a_campaign_every_department_by_code():
    config = load_configuration()
    checklist = merge(config)
    assert [d.code for d in checklist.departments] == ["emergency_mgmt", "market_supervision"]


def test_checklist_json_and_formats():
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["checklist", "--format", "json"]).output)
    assert len(data["items"]) == 12 and len(data["fingerprint"]) == 64
    item = data["items"][0]
    assert set(item) >= {"department", "id", "title", "legal_basis", "applicability", "provenance"}
    assert item["legal_basis"]["duty"][0]["law"] == "中华人民共和国安全生产法"
    assert data["items"][4]["applicability"] == {"attribute": "uses_special_equipment",
                                                 "equals": True}
    table = runner.invoke(main, ["checklist"]).output
    assert all(title in table for title in VERBATIM)
    markdown = runner.invoke(main, ["checklist", "--format", "markdown"]).output
    assert "## 市市场监管局" in markdown and "《中华人民共和国特种设备安全法》" in markdown
    as_yaml = yaml.safe_load(runner.invoke(main, ["checklist", "--format", "yaml"]).output)
    assert as_yaml["fingerprint"] == data["fingerprint"]


def test_checklist_of_a_broken_campaign_is_a_located_error(tmp_path):
    path = campaign_file(tmp_path, ["emergency_mgmt", "tax"])
    result = CliRunner().invoke(main, ["checklist", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "JC302" in result.output


def test_schema_command():
    runner = CliRunner()
    listing = runner.invoke(main, ["schema"]).output
    assert "urn:jointcheck:schema:department:1" in listing
    data = json.loads(runner.invoke(main, ["schema", "campaign"]).output)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert runner.invoke(main, ["schema", "nope"]).exit_code == 2


def test_checklist_table_in_english_has_no_chinese_connectives():
    from jointcheck.core.i18n import set_lang
    from jointcheck.core.present.conditions import describe_condition

    cond = {"all": [{"attribute": "uses_special_equipment", "equals": True},
                    {"not": {"attribute": "status", "in": ["吊销", "注销"]}}]}
    assert describe_condition(cond) == "使用特种设备 = 是 且 非（登记状态 ∈ 吊销、注销）"
    set_lang("en")
    assert describe_condition(cond) == "使用特种设备 = yes and not (登记状态 ∈ 吊销、注销)"
