"""The content of the two built-in department plugins and of the example campaign.

The expected titles are copied from docs/architecture.md#domain-checklist (附件4 联合检查记录表 of 鹤双随机办〔2020〕19号):
they are printed on the record form and published, so they must match character for
character, in the order of the form.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from jointcheck.core.conditions import evaluate
from jointcheck.core.yamlload import load_file
from jointcheck.examples import example_path
from jointcheck.plugins import emergency_mgmt, market_supervision
from jointcheck.schemas import load_schema

EMERGENCY_TITLES = [
    "建立风险管控和隐患排查治理制度，开展风险辨识、分级管控和事故隐患排查治理情况的检查",
    "对安全设备的维护、保养、定期检查情况的检查",
    "建立和落实安全生产责任制、安全生产规章制度和操作规程、作业规程情况的检查",
    "依法设置安全生产管理机构和配备安全生产管理人员情况的检查",
]
MARKET_TITLES = [
    "是否配备安全管理机构或配备专兼职管理人员",
    "是否按规定建立安全管理制度和岗位安全责任制",
    "是否制定特种设备应急专项预案并有演练记录",
    "是否建立设备档案，档案是否齐全",
    "在用特种设备是否在检验有效期内",
    "在用特种设备是否按规定进行日常维护保养或者定期自行检查并有记录",
    "特种设备安全管理人员和作业人员证件是否在有效期内",
    "是否有特种设备作业人员培训记录",
]

SAFETY_LAW = "中华人民共和国安全生产法"
SE_LAW = "中华人民共和国特种设备安全法"
SE_REGULATION = "特种设备安全监察条例"
# the editions each built-in department declares, with the dates they were in force
EDITIONS = {
    (SAFETY_LAW, "2014年修正"): {"from": "2014-12-01", "to": "2021-08-31"},
    (SAFETY_LAW, "2021年修正"): {"from": "2021-09-01"},
    (SE_LAW, "2013"): {"from": "2014-01-01"},
    (SE_REGULATION, "2009年修订"): {"from": "2009-05-01"},
}


def _declaration(module) -> dict:
    path = Path(module.jointcheck_department())
    assert path.is_file(), path
    return load_file(path).data


@pytest.fixture(scope="module")
def emergency() -> dict:
    return _declaration(emergency_mgmt)


@pytest.fixture(scope="module")
def market() -> dict:
    return _declaration(market_supervision)


def _cites(item: dict, kind: str, edition: str | None = None) -> list[tuple[str, str, str | None]]:
    """The item's citations of *kind*; for 安全生产法 only those of *edition* (default 2021)."""
    edition = edition or "2021年修正"
    return [(c["law"], c["article"], c.get("clause")) for c in item["legal_basis"][kind]
            if c["law"] != SAFETY_LAW or c["edition"] == edition]


# -- schema validity ------------------------------------------------------------------------

@pytest.mark.parametrize("module", [emergency_mgmt, market_supervision])
def test_department_declarations_validate_against_the_schema(module):
    validator = Draft202012Validator(load_schema("department"))
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in validator.iter_errors(_declaration(module))]
    assert errors == []


def test_example_campaign_validates_against_the_campaign_schema():
    department, campaign = load_schema("department"), load_schema("campaign")
    registry = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in (department, campaign)])
    validator = Draft202012Validator(campaign, registry=registry)
    data = load_file(example_path()).data
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


# -- the departments and their 12 items ----------------------------------------------------

def test_department_codes_and_names(emergency, market):
    assert emergency["department"]["code"] == "emergency_mgmt"
    assert emergency["department"]["name"] == "应急管理局"
    assert emergency["department"]["full_name"] == "市应急管理局"
    assert market["department"]["code"] == "market_supervision"
    assert market["department"]["name"] == "市市场监管局"
    assert market["department"]["full_name"] == "市市场监督管理局"


def test_titles_are_verbatim_and_in_the_order_of_the_form(emergency, market):
    assert [i["title"] for i in emergency["items"]] == EMERGENCY_TITLES
    assert [i["title"] for i in market["items"]] == MARKET_TITLES


def test_item_ids_are_the_stable_ones(emergency, market):
    assert [i["id"] for i in emergency["items"]] == [
        "risk_control", "equipment_maintenance", "responsibility_system", "safety_organization"]
    assert [i["id"] for i in market["items"]] == [
        "se_organization", "se_rules", "se_emergency_plan", "se_equipment_files",
        "se_inspection_validity", "se_maintenance_records", "se_certificates",
        "se_training_records"]


def test_declared_order_matches_the_list_order(emergency, market):
    for decl in (emergency, market):
        assert [i["order"] for i in decl["items"]] == list(range(1, len(decl["items"]) + 1))


def test_every_item_has_a_duty_citation_and_an_inspection_method(emergency, market):
    for item in emergency["items"] + market["items"]:
        assert item["legal_basis"]["duty"], item["id"]
        assert item["method"] == "实地检查"
        assert item["group"]
        # one step per line, each a complete sentence (no line broken mid-sentence)
        for line in item["guidance"].splitlines():
            assert line.endswith(("；", "。")), (item["id"], line)


def test_citations_name_the_verified_law_editions(emergency, market):
    article = re.compile(r"^第[一二三四五六七八九十百零]+条$")
    for decl, laws in ((emergency, {SAFETY_LAW}), (market, {SE_LAW, SE_REGULATION})):
        declared = {(e["law"], e["edition"]): e["in_force"] for e in decl["editions"]}
        assert declared == {k: v for k, v in EDITIONS.items() if k[0] in laws}
        for item in decl["items"]:
            for kind in ("duty", "penalty"):
                for cite in item["legal_basis"][kind]:
                    assert cite["law"] in laws, (item["id"], cite)
                    assert (cite["law"], cite["edition"]) in declared, (item["id"], cite)
                    # one citation per article: never "第四条; 第二十二条" in one entry
                    assert article.match(cite["article"]), (item["id"], cite)


def test_every_emergency_item_cites_both_editions_of_the_safety_law(emergency):
    for item in emergency["items"]:
        for kind in ("duty", "penalty"):
            editions = {c["edition"] for c in item["legal_basis"][kind]}
            assert editions == {"2014年修正", "2021年修正"}, (item["id"], kind)


def test_2014_citations_of_the_safety_law(emergency):
    """The 2014 text (in force 2014-12-01 to 2021-08-31, the source's campaign in July 2020),
    checked against the public copies listed in the plugin's header comment."""
    items = {i["id"]: i for i in emergency["items"]}
    old = "2014年修正"
    assert _cites(items["risk_control"], "duty", old) == [
        (SAFETY_LAW, "第三十八条", None), (SAFETY_LAW, "第十八条", "第五项")]
    assert _cites(items["risk_control"], "penalty", old) == [
        (SAFETY_LAW, "第九十八条", "第四项"), (SAFETY_LAW, "第九十四条", "第五项"),
        (SAFETY_LAW, "第九十九条", None)]
    assert _cites(items["equipment_maintenance"], "duty", old) == [
        (SAFETY_LAW, "第三十三条", "第二款")]
    assert _cites(items["equipment_maintenance"], "penalty", old) == [
        (SAFETY_LAW, "第九十六条", "第三项"), (SAFETY_LAW, "第九十六条", "第二项")]
    assert _cites(items["responsibility_system"], "duty", old) == [
        (SAFETY_LAW, "第四条", None), (SAFETY_LAW, "第十八条", "第一、二项"),
        (SAFETY_LAW, "第十九条", None), (SAFETY_LAW, "第四十一条", None)]
    assert _cites(items["responsibility_system"], "penalty", old) == [
        (SAFETY_LAW, "第九十一条", None)]
    assert _cites(items["safety_organization"], "duty", old) == [
        (SAFETY_LAW, "第二十一条", None), (SAFETY_LAW, "第二十二条", None),
        (SAFETY_LAW, "第二十四条", None)]
    assert _cites(items["safety_organization"], "penalty", old) == [
        (SAFETY_LAW, "第九十四条", "第一项")]
    # what could not be checked against a 2014 copy is marked so, never guessed silently
    unverified = {(i["id"], c["article"], c.get("clause")) for i in emergency["items"]
                  for kind in ("duty", "penalty") for c in i["legal_basis"][kind]
                  if c.get("verified") is False}
    assert unverified == {("equipment_maintenance", "第九十六条", "第二项"),
                          ("responsibility_system", "第四十一条", None)}


def test_legal_basis_of_the_verified_table(emergency, market):
    items = {i["id"]: i for i in emergency["items"] + market["items"]}
    assert _cites(items["risk_control"], "duty") == [
        (SAFETY_LAW, "第四十一条", None), (SAFETY_LAW, "第四条", None),
        (SAFETY_LAW, "第二十一条", "第五项")]
    assert _cites(items["risk_control"], "penalty") == [
        (SAFETY_LAW, "第一百零一条", "第四、五项"), (SAFETY_LAW, "第九十七条", "第五项"),
        (SAFETY_LAW, "第一百零二条", None)]
    assert _cites(items["equipment_maintenance"], "duty") == [(SAFETY_LAW, "第三十六条", "第二款")]
    assert _cites(items["equipment_maintenance"], "penalty") == [
        (SAFETY_LAW, "第九十九条", "第二、三项")]
    assert _cites(items["responsibility_system"], "duty") == [
        (SAFETY_LAW, "第四条", None), (SAFETY_LAW, "第二十一条", "第一、二项"),
        (SAFETY_LAW, "第二十二条", None), (SAFETY_LAW, "第四十四条", None)]
    assert _cites(items["responsibility_system"], "penalty") == [(SAFETY_LAW, "第九十四条", None)]
    assert _cites(items["safety_organization"], "duty") == [
        (SAFETY_LAW, "第二十四条", None), (SAFETY_LAW, "第二十五条", None),
        (SAFETY_LAW, "第二十七条", None)]
    assert _cites(items["safety_organization"], "penalty") == [
        (SAFETY_LAW, "第九十七条", "第一项")]

    assert _cites(items["se_organization"], "duty") == [
        (SE_LAW, "第三十六条", None), (SE_LAW, "第十三条", "第二款"),
        (SE_REGULATION, "第三十三条", None)]
    assert _cites(items["se_organization"], "penalty") == [
        (SE_LAW, "第八十六条", "第一项"), (SE_LAW, "第八十七条", "第一项")]
    assert _cites(items["se_rules"], "duty") == [(SE_LAW, "第三十四条", None),
                                                 (SE_LAW, "第七条", None)]
    assert _cites(items["se_rules"], "penalty") == []  # none found: left empty on purpose
    assert _cites(items["se_emergency_plan"], "duty") == [
        (SE_LAW, "第六十九条", "第三款"), (SE_REGULATION, "第六十五条", None)]
    assert _cites(items["se_emergency_plan"], "penalty") == [(SE_LAW, "第八十三条", "第六项")]
    assert _cites(items["se_equipment_files"], "duty") == [
        (SE_LAW, "第三十五条", None), (SE_LAW, "第二十四条", None),
        (SE_REGULATION, "第二十六条", None)]
    assert _cites(items["se_equipment_files"], "penalty") == [(SE_LAW, "第八十三条", "第二项")]
    assert _cites(items["se_inspection_validity"], "duty") == [
        (SE_LAW, "第四十条", None), (SE_LAW, "第十五条", None)]
    assert _cites(items["se_inspection_validity"], "penalty") == [
        (SE_LAW, "第八十三条", "第四项"), (SE_LAW, "第八十四条", "第一项")]
    assert _cites(items["se_maintenance_records"], "duty") == [
        (SE_LAW, "第三十九条", "第一、二款"), (SE_REGULATION, "第二十七条", None)]
    assert _cites(items["se_maintenance_records"], "penalty") == [
        (SE_LAW, "第八十三条", "第三项")]
    assert _cites(items["se_certificates"], "duty") == [
        (SE_LAW, "第十四条", None), (SE_REGULATION, "第三十八条", None)]
    assert _cites(items["se_certificates"], "penalty") == [(SE_LAW, "第八十六条", "第二项")]
    assert _cites(items["se_training_records"], "duty") == [
        (SE_LAW, "第十三条", "第二款"), (SE_REGULATION, "第三十九条", None)]
    assert _cites(items["se_training_records"], "penalty") == [(SE_LAW, "第八十六条", "第三项")]


def test_market_items_apply_only_to_users_of_special_equipment(emergency, market):
    for item in market["items"]:
        condition = item["applicability"]
        assert condition == {"attribute": "uses_special_equipment", "equals": True}
        assert evaluate(condition, {"uses_special_equipment": True}) is True
        assert evaluate(condition, {"uses_special_equipment": False}) is False
    for item in emergency["items"]:
        assert "applicability" not in item  # the emergency items apply to every enterprise


def test_noncompliance_refers_to_the_own_department(emergency, market):
    for decl in (emergency, market):
        code = decl["department"]["code"]
        for item in decl["items"]:
            nc = item["noncompliance"]
            assert nc["result"] == 8
            assert nc["refer_to"] == code
            assert "责令改正" in nc["dispositions"]
            # a case (立案处理) is proposed exactly where a penalty article exists
            assert ("立案处理" in nc["dispositions"]) == bool(item["legal_basis"]["penalty"])


def test_related_links_are_symmetric_and_resolve(emergency, market):
    keys = {f"{d['department']['code']}.{i['id']}" for d in (emergency, market) for i in d["items"]}
    links = {(f"{d['department']['code']}.{i['id']}", ref)
             for d in (emergency, market) for i in d["items"] for ref in i.get("related", [])}
    assert ("emergency_mgmt.safety_organization", "market_supervision.se_organization") in links
    assert ("emergency_mgmt.equipment_maintenance",
            "market_supervision.se_maintenance_records") in links
    for source, target in links:
        assert target in keys
        assert (target, source) in links
        assert source.split(".")[0] != target.split(".")[0]  # links cross departments


# -- the example campaign --------------------------------------------------------------------

def test_example_campaign_reproduces_the_source_document():
    c = load_file(example_path()).data["campaign"]
    assert c["id"] == "hebi-2020-industrial-safety"
    assert c["document_number"] == "鹤双随机办〔2020〕19号"
    assert c["title"] == "鹤壁市工业企业安全生产监督检查“双随机、一公开”跨部门联合抽查实施方案"
    assert c["lead_department"] == "emergency_mgmt"
    assert c["departments"] == ["emergency_mgmt", "market_supervision"]
    assert c["period"] == {"start": "2020-07-01", "end": "2020-07-31"}
    assert c["scope"]["description"] == "市区已登记注册，处于存续状态的工业企业"
    assert c["sample"] == {"count": 1}
    assert c["officers"]["market_supervision"] == {"count": 2,
                                                   "qualifications": ["特种设备安全监察"]}
    assert c["team"]["leader_from"] == c["lead_department"]


def test_example_campaign_scope_filter_keeps_going_industrial_concerns():
    scope = load_file(example_path()).data["campaign"]["scope"]["filter"]
    # 市区已登记注册，处于存续状态的工业企业: the three urban districts, not the counties
    city = {"region": "淇滨区"}
    assert evaluate(scope, {"status": "存续", "industry": "工业", **city}) is True
    assert evaluate(scope, {"status": "在业", "industry": "工业", "region": "山城区"}) is True
    assert evaluate(scope, {"status": "存续", "industry": "工业", "region": "鹤山区"}) is True
    assert evaluate(scope, {"status": "注销", "industry": "工业", **city}) is False
    assert evaluate(scope, {"status": "吊销", "industry": "工业", **city}) is False
    assert evaluate(scope, {"status": "存续", "industry": "批发和零售业", **city}) is False
    assert evaluate(scope, {"status": "存续", "industry": "工业", "region": "浚县"}) is False
    assert evaluate(scope, {"status": "存续", "industry": "工业", "region": "淇县"}) is False


# docs/architecture.md#domain-campaign, "Deadlines of the source": who owes each step, to whom, and how long.
SOURCE_DEADLINES = [
    # id, owner, recipient, days, unit, from, confirmed
    ("records_to_office", "检查组", "联合抽查领导小组办公室", 10, "calendar_days",
     "inspection_end", True),
    ("referral_letter", "市“双随机、一公开”工作领导小组办公室", "相关部门", 10, "calendar_days",
     "joint_inspection_end", True),
    ("case_decision", "相关部门", "市“双随机、一公开”工作领导小组办公室", 7, "calendar_days",
     "referral_received", True),
    ("case_result_report", "相关部门", "市“双随机、一公开”领导小组", 20, "working_days",
     "case_closed", True),
    ("publication", "执法检查人员", None, 20, "working_days", "results_formed", False),
]


def _deadlines() -> dict[str, dict]:
    return {d["id"]: d for d in load_file(example_path()).data["campaign"]["deadlines"]}


@pytest.mark.parametrize("row", SOURCE_DEADLINES, ids=[r[0] for r in SOURCE_DEADLINES])
def test_example_campaign_deadlines_have_the_owners_of_the_source(row):
    ident, owner, recipient, days, unit, start, confirmed = row
    d = _deadlines()[ident]
    assert (d["owner"], d.get("recipient"), d["days"], d["unit"], d["from"],
            d.get("confirmed", True)) == (owner, recipient, days, unit, start, confirmed)
    assert d["title"].startswith(owner if ident != "case_decision" else "相关部门")
    assert d["quote"]  # the source's own words beside our setting


def test_example_campaign_has_exactly_the_deadlines_of_the_source():
    assert list(_deadlines()) == [r[0] for r in SOURCE_DEADLINES]


def test_the_referral_letter_is_sent_by_the_citys_office_not_the_joint_office():
    d = _deadlines()["referral_letter"]
    assert "《关于移交双随机抽查有关问题的函》" in d["title"]
    assert "联合抽查领导小组办公室将" not in d["title"]


def test_the_case_result_report_has_both_parts_and_its_recipient():
    d = _deadlines()["case_result_report"]
    assert d["parts"] == ["以书面形式告知市“双随机、一公开”领导小组案件查处结果",
                          "通过“国家企业信用信息公示系统（河南）”公示行政处罚信息"]
    assert "市“双随机、一公开”领导小组" in d["title"] and "公示行政处罚信息" in d["title"]


def test_publication_cites_the_regulation_its_deadline_comes_from():
    d = _deadlines()["publication"]
    assert [(c["law"], c["article"]) for c in d["basis"]] == [
        ("企业信息公示暂行条例", "第六条"), ("企业信息公示暂行条例", "第七条")]
    assert all(c["edition"] and c["verified"] is False for c in d["basis"])
    assert "国家企业信用信息公示系统（河南）" in d["title"]


def test_example_campaign_records_what_the_source_says_about_itself():
    c = load_file(example_path()).data["campaign"]
    assert c["issuer"] == "鹤壁市部门联合“双随机一公开”监管工作联席会议办公室"
    assert c["co_issuer"] == "鹤壁市市场监督管理局（代章）"
    assert c["issue_date"] == "2020-07-03"
    assert c["leading_group"]["name"] == "鹤壁市工业企业安全生产跨部门联合抽查工作领导小组"
    assert c["leading_group"]["leader"] == "市应急管理局分管领导"
    assert c["leading_group"]["deputy_leaders"] == ["市市场监督管理局分管领导"]
    assert c["leading_group"]["office"]["seat"] == "市应急管理局"
    assert c["inspection_methods"] == ["实地检查", "其他检查方式"]


def test_example_campaign_ships_inside_the_package():
    path = example_path()
    assert path.name == "hebi-2020-industrial-safety.yaml"
    assert path.is_file()


def test_jointcheck_validate_accepts_the_builtins_and_the_example_strictly():
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    result = CliRunner().invoke(main, ["validate", "--strict", "--format", "json",
                                       str(example_path())])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"valid": True, "errors": [], "warnings": []}
