"""docs/architecture.md#domain-results: each precedence rule of the default policy, the joint result, overrides."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from distutil import forget_modules, make_dist

from jointcheck.core.campaign import open_campaign
from jointcheck.core.classify import check_findings, classify
from jointcheck.core.cli import main
from jointcheck.core.merge import merge
from jointcheck.core.yamlload import loads

EM = ["risk_control", "equipment_maintenance", "responsibility_system", "safety_organization"]
MS = ["se_organization", "se_rules", "se_emergency_plan", "se_equipment_files",
      "se_inspection_validity", "se_maintenance_records", "se_certificates", "se_training_records"]


@pytest.fixture(scope="module")
def example():
    opened = open_campaign()
    config, campaign = opened.config, opened.campaign
    return config, merge(config, campaign)


def findings(outcome="inspected", special=True, em=None, ms=None, **extra):
    """All applicable items compliant, except those given as {item: answer}."""
    def answers(ids, changed):
        out = {i: {"result": "compliant"} for i in ids}
        out.update(changed or {})
        return {"items": out}

    data = {"outcome": outcome, "target": {"uses_special_equipment": special},
            "departments": {"emergency_mgmt": answers(EM, em)}}
    if special:
        data["departments"]["market_supervision"] = answers(MS, ms)
    data.update(extra)
    return data


def run(example, data):
    config, checklist = example
    doc = loads(json.dumps(data, ensure_ascii=False), "f.json")
    assert [p for p in check_findings(doc, checklist, config.host) if p.is_error] == []
    return classify(doc.data, checklist, config.host)


def codes(result):
    return ({c: r.code for c, r in result.departments.items()}, result.code)


def test_rule_1_unreachable(example):
    r = run(example, findings(outcome="unreachable", departments={}))
    assert codes(r) == ({"emergency_mgmt": 4, "market_supervision": 4}, 4)
    assert r.text == "通过登记的住所（经营场所）无法联系"


def test_rule_2_refused(example):
    r = run(example, findings(outcome="refused", departments={}))
    assert codes(r) == ({"emergency_mgmt": 6, "market_supervision": 6}, 6)
    assert r.text == "不配合检查情节严重"


def test_rule_3_no_activity_for_one_department(example):
    r = run(example, findings(special=False))
    assert codes(r) == ({"emergency_mgmt": 1, "market_supervision": 7}, 1)
    assert r.departments["market_supervision"].text == "未发现开展本次抽查涉及的经营活动"


def test_rule_3_officer_marks_every_item_not_applicable(example):
    ms = {i: {"result": "not_applicable"} for i in MS}
    r = run(example, findings(ms=ms))
    assert r.departments["market_supervision"].code == 7


@pytest.mark.parametrize(("declared", "expected"), [(3, 3), (2, 2)])
def test_rules_4_and_5_declared_results(example, declared, expected):
    config, checklist = example
    item = next(i for i in checklist.items if i.id == "risk_control")
    item.data.setdefault("noncompliance", {})
    old = item.data["noncompliance"].get("result")
    item.data["noncompliance"]["result"] = declared
    try:
        r = run(example, findings(em={"risk_control": {"result": "noncompliant",
                                                       "corrected_on_site": True}}))
    finally:
        if old is None:
            del item.data["noncompliance"]["result"]
        else:
            item.data["noncompliance"]["result"] = old
    assert r.departments["emergency_mgmt"].code == expected
    assert r.code == expected


def test_rule_6_not_corrected_on_the_spot(example):
    r = run(example, findings(ms={"se_inspection_validity": {"result": "noncompliant"}}))
    ms = r.departments["market_supervision"]
    assert (ms.code, ms.rule, ms.noncompliant) == (8, "not_corrected", ["se_inspection_validity"])
    assert "立案处理" in ms.dispositions
    assert r.code == 8


def test_rule_7_every_problem_corrected(example):
    r = run(example, findings(em={"risk_control": {"result": "noncompliant", "corrected_on_site": True},
                                  "safety_organization": {"result": "noncompliant",
                                                          "corrected_on_site": True}}))
    em = r.departments["emergency_mgmt"]
    assert (em.code, em.dispositions) == (5, ["责令改正"])
    assert r.code == 5


def test_rule_6_wins_over_rule_7_when_one_problem_remains(example):
    r = run(example, findings(em={"risk_control": {"result": "noncompliant", "corrected_on_site": True},
                                  "safety_organization": {"result": "noncompliant"}}))
    assert r.departments["emergency_mgmt"].code == 8


def test_rule_8_nothing_found(example):
    r = run(example, findings())
    assert codes(r) == ({"emergency_mgmt": 1, "market_supervision": 1}, 1)
    assert r.departments["emergency_mgmt"].dispositions == []


@pytest.mark.parametrize(("a", "b", "joint"), [
    (1, 7, 1), (7, 7, 7), (5, 1, 5), (8, 5, 8), (2, 8, 2), (3, 2, 3), (6, 3, 6), (4, 6, 4),
])
def test_joint_order(example, a, b, joint):
    from jointcheck.core.classify import DepartmentResult, joint_result

    _config, checklist = example
    results = {"x": DepartmentResult(a, "", []), "y": DepartmentResult(b, "", [])}
    assert joint_result(results, checklist.policy)[0] == joint


def test_officer_adds_and_removes_dispositions_with_reason(example):
    data = findings(ms={"se_certificates": {"result": "noncompliant"}})
    data["departments"]["market_supervision"]["disposition_changes"] = [
        {"action": "add", "disposition": "函告许可部门", "reason": "涉及许可"},
        {"action": "remove", "disposition": "立案处理", "reason": "已移交"},
    ]
    ms = run(example, data).departments["market_supervision"]
    assert "函告许可部门" in ms.dispositions and "立案处理" not in ms.dispositions
    assert ms.to_json()["disposition_changes"][0]["reason"] == "涉及许可"


def test_missing_answers_are_named(example):
    config, checklist = example
    data = findings()
    del data["departments"]["emergency_mgmt"]["items"]["risk_control"]
    del data["departments"]["market_supervision"]["items"]["se_rules"]
    doc = loads(yaml.safe_dump(data, allow_unicode=True), "f.yaml")
    problems = check_findings(doc, checklist, config.host)
    assert [(p.code, p.message) for p in problems] == [
        ("JC501", "部门“emergency_mgmt”缺少适用检查事项的检查结果：risk_control"),
        ("JC501", "部门“market_supervision”缺少适用检查事项的检查结果：se_rules"),
    ]
    assert problems[0].line is not None


def test_items_that_do_not_apply_may_be_omitted_but_not_answered(example):
    config, checklist = example
    data = findings(special=False)
    run(example, data)  # market items omitted: fine
    data["departments"]["market_supervision"] = {"items": {"se_rules": {"result": "noncompliant"}}}
    doc = loads(json.dumps(data, ensure_ascii=False), "f.json")
    assert [p.code for p in check_findings(doc, checklist, config.host)] == ["JC504"]


def test_unknown_item_department_and_disposition(example):
    config, checklist = example
    data = findings(em={"risk_controll": {"result": "compliant"}})
    data["departments"]["tax"] = {"items": {}}
    data["departments"]["emergency_mgmt"]["disposition_changes"] = [
        {"action": "add", "disposition": "罚款", "reason": "x"}]
    doc = loads(json.dumps(data, ensure_ascii=False), "f.json")
    got = {p.code: p for p in check_findings(doc, checklist, config.host)}
    assert set(got) == {"JC502", "JC503", "JC310"}
    assert "risk_control" in got["JC502"].hint


# -- hooks -------------------------------------------------------------------------------------

OVERRIDE = """\
from jointcheck.core.classify import DepartmentResult
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_classify_department(department, findings, default):
    if department == "emergency_mgmt" and default.code == 5:
        return DepartmentResult(8, "", default.dispositions + ["立案处理"], rule="local-rule")
    return None

@hookimpl
def jointcheck_item_applies(department, item, target):
    if item.id == "se_training_records":
        return bool(target.get("has_operators", True))
    return None
"""


@pytest.fixture
def override_plugin(tmp_path, monkeypatch):
    make_dist(tmp_path, "jointcheck-override", {"local": "jc_override"},
              {"jc_override/__init__.py": OVERRIDE})
    monkeypatch.syspath_prepend(str(tmp_path))
    opened = open_campaign()
    config, campaign = opened.config, opened.campaign
    yield config, merge(config, campaign)
    forget_modules("jc_override")


def test_plugin_override_is_visible(override_plugin):
    r = run(override_plugin, findings(em={"risk_control": {"result": "noncompliant",
                                                           "corrected_on_site": True}}))
    em = r.departments["emergency_mgmt"]
    assert (em.code, em.text, em.overridden_by) == (8, "发现问题待后续处理", "local")
    assert em.to_json()["overridden_by"] == "local"
    assert r.code == 8


def test_plugin_applicability_hook(override_plugin):
    data = findings(target={"uses_special_equipment": True, "has_operators": False})
    del data["departments"]["market_supervision"]["items"]["se_training_records"]
    r = run(override_plugin, data)
    assert "se_training_records" not in r.departments["market_supervision"].applicable


# -- CLI -------------------------------------------------------------------------------------

def test_classify_cli_json(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(findings(ms={"se_rules": {"result": "noncompliant",
                                                             "note": "制度未建立"}}),
                                   allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["joint"] == {"code": 8, "text": "发现问题待后续处理"}
    assert data["departments"]["emergency_mgmt"]["result"] == {"code": 1, "text": "未发现问题"}
    assert data["departments"]["market_supervision"]["dispositions"]


def test_classify_cli_text_and_errors(tmp_path):
    path = tmp_path / "f.yaml"
    data = findings()
    del data["departments"]["market_supervision"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(path)])
    assert result.exit_code == 1
    assert "JC501" in result.output and "se_organization" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("outcome: inspectd\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--lang", "en", "classify", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1:10: JC204" in result.output and "inspected" in result.output


def test_classify_cli_text_output(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(findings(special=False), allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(path)])
    assert result.exit_code == 0
    assert "抽查结果：7. 未发现开展本次抽查涉及的经营活动" in result.output
    assert result.output.strip().endswith("联合抽查结果：1. 未发现问题")


@pytest.mark.parametrize("reason", ["", "   ", "\u3000\t"])
def test_a_disposition_change_needs_a_real_reason(example, reason):
    config, checklist = example
    data = findings()
    data["departments"]["emergency_mgmt"]["disposition_changes"] = [
        {"action": "add", "disposition": "函告许可部门", "reason": reason}]
    doc = loads(json.dumps(data, ensure_ascii=False), "f.json")
    problems = check_findings(doc, checklist, config.host)
    assert [p.code for p in problems] == ["JC505"], problems
    assert problems[0].path.endswith("reason")


def test_classify_text_names_items_and_rules_as_a_reader_reads_them(tmp_path):
    """不符合事项 by their titles (numbered as on the form), the deciding rule in words:
    never an item id or a rule id in the Chinese text."""
    path = tmp_path / "f.yaml"
    data = findings(em={"risk_control": {"result": "noncompliant"},
                        "equipment_maintenance": {"result": "noncompliant",
                                                  "corrected_on_site": True}})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    assert ("不符合事项：1. 建立风险管控和隐患排查治理制度，开展风险辨识、分级管控和事故隐患排查"
            "治理情况的检查；2. 对安全设备的维护、保养、定期检查情况的检查") in result.output
    assert "依据规则：有不符合事项未当场整改" in result.output
    assert "依据规则：未发现不符合事项" in result.output
    for raw in ("risk_control", "equipment_maintenance", "not_corrected", "otherwise",
                "emergency_mgmt", "market_supervision"):
        assert raw not in result.output


def test_draft_opinion_says_each_thing_once(example):
    """处理意见 as an officer writes it: a note that says it was put right on the spot is
    not followed by 已当场整改; an order to correct proposes nothing more (the dispositions
    are the joint office's: opinion_text adds them, settled or marked as proposed)."""
    from jointcheck.core.records.opinion import opinion_line

    _config, checklist = example
    em = {i.id: i for i in checklist.items_of("emergency_mgmt")}
    title = em["equipment_maintenance"].title
    assert opinion_line(em["equipment_maintenance"], {
        "note": "两台灭火器压力不足，已当场更换。", "corrected_on_site": True}) == (
        f"{title}：两台灭火器压力不足，已当场更换。")
    assert opinion_line(em["equipment_maintenance"], {
        "note": "灭火器过期", "corrected_on_site": True}) == (
        f"{title}：灭火器过期，已当场整改。")
    line = opinion_line(em["risk_control"], {"note": "台账缺失"})
    assert line == em["risk_control"].title + "：台账缺失，责令限期改正。"
