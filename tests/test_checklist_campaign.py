"""`jointcheck checklist` and core.model.Campaign show what the 实施方案 says about itself:
文号, issuer and co-issuer, issue date, period, leading group and inspection methods."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from jointcheck.core.campaign import open_campaign
from jointcheck.core.cli import main

LINES = [
    "文号：鹤双随机办〔2020〕19号",
    "印发：鹤壁市部门联合“双随机一公开”监管工作联席会议办公室、鹤壁市市场监督管理局（代章），2020-07-03",
    "抽查时间：2020-07-01 至 2020-07-31",
    "领导小组：鹤壁市工业企业安全生产跨部门联合抽查工作领导小组（组长：市应急管理局分管领导；"
    "副组长：市市场监督管理局分管领导）",
    "检查方式：实地检查、其他检查方式",
]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_checklist_shows_the_campaign_record(fmt):
    result = CliRunner().invoke(main, ["checklist", "--format", fmt])
    assert result.exit_code == 0, result.output
    for line in LINES:
        assert line in result.stdout, line


def test_checklist_json_carries_the_campaign_record():
    result = CliRunner().invoke(main, ["checklist", "--format", "json"])
    c = json.loads(result.stdout)["campaign"]
    assert c["co_issuer"] == "鹤壁市市场监督管理局（代章）"
    assert c["issue_date"] == "2020-07-03"
    assert c["leading_group"]["deputy_leaders"] == ["市市场监督管理局分管领导"]
    assert c["inspection_methods"] == ["实地检查", "其他检查方式"]


def test_the_campaign_model_offers_the_record_to_reports():
    campaign = open_campaign().campaign
    assert campaign.document_number == "鹤双随机办〔2020〕19号"
    assert campaign.co_issuer == "鹤壁市市场监督管理局（代章）"
    assert campaign.issue_date == date(2020, 7, 3)
    assert campaign.start == date(2020, 7, 1) and campaign.end == date(2020, 7, 31)
    assert campaign.leading_group["leader"] == "市应急管理局分管领导"
    assert campaign.inspection_methods == ["实地检查", "其他检查方式"]
    owners = {d["id"]: d["owner"] for d in campaign.deadlines}
    assert owners["referral_letter"] == "市“双随机、一公开”工作领导小组办公室"
    assert owners["publication"] == "执法检查人员"


def test_a_campaign_without_the_record_prints_none_of_it(tmp_path):
    from jointcheck.examples import example_path

    text = example_path().read_text(encoding="utf-8")
    start = text.index("  co_issuer:")
    end = text.index("  # The lead department")
    path = tmp_path / "c.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    result = CliRunner().invoke(main, ["checklist", str(path)])
    assert result.exit_code == 0, result.output
    assert "领导小组：" not in result.stdout and "（代章）" not in result.stdout
    assert "印发：鹤壁市部门联合“双随机一公开”监管工作联席会议办公室" in result.stdout


def test_an_item_may_name_several_inspection_methods(tmp_path):
    from jointcheck.plugins import emergency_mgmt

    text = emergency_mgmt.jointcheck_department().read_text(encoding="utf-8")
    path = tmp_path / "department.yaml"
    path.write_text(text.replace("    method: 实地检查\n", "    method: [实地检查, 其他检查方式]\n", 1),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    assert json.loads(result.stdout)["errors"] == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("    method: 实地检查\n", "    method: []\n", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(bad)])
    assert [e["path"] for e in json.loads(result.stdout)["errors"]] == ["/items/0/method"]


def test_a_deadline_without_its_owner_is_a_located_error(tmp_path):
    from jointcheck.examples import example_path

    text = example_path().read_text(encoding="utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("      owner: 检查组\n", "", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["code"], error["path"]) == ("JC202", "/campaign/deadlines/0")
    assert "owner" in error["message"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[error["line"] - 1].strip() == "- id: records_to_office"
