"""Consolidation by the joint office on every engine: results list, overrides with a reason
kept beside the computed value and in the audit log, settling (refused while records are
missing), and amendments that unsettle."""

from __future__ import annotations

import json

import pytest

from jointcheck.core.records import results as RS
from jointcheck.core.records.service import RecordError
from jointcheck.core.store import audit
from tests.recordsupport import drawn_store, run_cli, submit_task

EM, MS = "emergency_mgmt", "market_supervision"
CAMPAIGN = "hebi-2020-industrial-safety"


@pytest.fixture
def drawn(store_url, tmp_path):
    d = drawn_store(store_url, tmp_path, count=3)
    yield d
    d.engine.dispose()


def test_list_shows_status_computed_results_and_settlement(drawn, store_url):
    first, second, third = drawn.task_ids
    submit_task(drawn, first, noncompliant=1)  # left for follow-up: 8
    submit_task(drawn, second)  # all compliant
    out = run_cli(store_url, "results", "list", CAMPAIGN, "--format", "json")
    assert out.exit_code == 0, out.output
    rows = {r["task"]: r for r in json.loads(out.output)}
    assert rows[first]["status"] == "submitted" and rows[first]["settled"] is False
    assert rows[first]["results"]["joint"]["result"]["code"] == 8
    assert rows[first]["results"]["departments"][EM]["dispositions"]
    assert set(rows[first]["results"]["dispositions"]) >= set(
        rows[first]["results"]["departments"][EM]["dispositions"])
    assert rows[second]["results"]["joint"]["result"]["code"] in (1, 7)
    assert rows[third]["status"] == "pending" and rows[third]["results"] is None

    text = run_cli(store_url, "results", "list", CAMPAIGN)
    assert text.exit_code == 0, text.output
    assert "应急管理局" in text.output and "未确认" in text.output and "待检查" in text.output
    assert "共 3 户，已提交 2 户，已确认 0 户" in text.output
    english = run_cli(store_url, "--lang", "en", "results", "list", CAMPAIGN)
    assert "3 enterprise(s), 2 submitted, 0 settled" in english.output


def test_override_keeps_the_computed_value_reason_and_audit(drawn, store_url):
    first = drawn.task_ids[0]
    submit_task(drawn, first, noncompliant=1)
    out = run_cli(store_url, "results", "set", first, "--department", EM, "--result", "5",
                  "--reason", "经协商已当场整改", "--remove-disposition", "立案处理")
    assert out.exit_code == 0, out.output
    assert "经协商已当场整改" in out.output
    (row,) = RS.load(drawn.engine, "", tasks=[RS._task(drawn.engine, first)])
    em = row.results["departments"][EM]
    assert em["computed"]["code"] == 8 and em["result"] == {"code": 5,
                                                            "text": "发现问题已责令改正"}
    assert "立案处理" not in em["dispositions"]
    assert em["overrides"][0]["reason"] == "经协商已当场整改" and em["overrides"][0]["actor"]
    # the joint result follows the departments' settled results
    assert row.results["joint"]["computed"]["code"] == 8
    joint_now = row.results["joint"]["result"]["code"]
    ms = row.results["departments"][MS]["result"]["code"]
    assert joint_now == RS.joint_of([5, ms], row.checklist.policy)
    # a joint override wins over the departments
    out = run_cli(store_url, "results", "set", first, "--result", "1", "--reason", "集体研究")
    assert out.exit_code == 0, out.output
    (row,) = RS.load(drawn.engine, "", tasks=[RS._task(drawn.engine, first)])
    assert row.results["joint"]["result"]["code"] == 1
    with drawn.engine.connect() as conn:
        entries = [e for e in audit.entries(conn) if e["action"] == "results.override"]
    assert [e["payload"]["reason"] for e in entries] == ["经协商已当场整改", "集体研究"]
    assert entries[0]["payload"]["department"] == EM


@pytest.mark.parametrize("args, code", [
    (["--result", "9", "--reason", "x"], "JC842"),
    (["--department", "nope", "--result", "1", "--reason", "x"], "JC843"),
    (["--department", EM, "--add-disposition", "罚款", "--reason", "x"], "JC844"),
    (["--result", "1", "--reason", "  "], "JC845"),
    (["--reason", "x"], "JC846"),
    (["--add-disposition", "立案处理", "--reason", "x"], "JC847"),
])
def test_bad_overrides_are_refused_and_change_nothing(drawn, store_url, args, code):
    first = drawn.task_ids[0]
    submit_task(drawn, first)
    out = run_cli(store_url, "results", "set", first, *args)
    assert out.exit_code == 1 and code in out.output and "Traceback" not in out.output
    (row,) = RS.load(drawn.engine, "", tasks=[RS._task(drawn.engine, first)])
    assert row.overrides == []


def test_override_of_an_unsubmitted_record_is_refused(drawn, store_url):
    out = run_cli(store_url, "results", "set", drawn.task_ids[0], "--result", "1",
                  "--reason", "x")
    assert out.exit_code == 1 and "JC841" in out.output


def test_settle_refuses_with_the_list_while_records_are_missing(drawn, store_url):
    first, second, third = drawn.task_ids
    submit_task(drawn, first)
    out = run_cli(store_url, "results", "settle", CAMPAIGN)
    assert out.exit_code == 1 and "JC840" in out.output
    assert second in out.output and third in out.output and "--allow-missing" in out.output
    assert not any(r.is_settled for r in RS.load(drawn.engine, CAMPAIGN))

    out = run_cli(store_url, "results", "settle", CAMPAIGN, "--allow-missing")
    assert out.exit_code == 0, out.output
    assert "已确认 1 户" in out.output
    rows = {r.task.id: r for r in RS.load(drawn.engine, CAMPAIGN)}
    assert rows[first].is_settled and not rows[second].is_settled
    again = run_cli(store_url, "results", "settle", CAMPAIGN, "--allow-missing")
    assert "已确认 0 户" in again.output and "此前已确认 1 户" in again.output
    unknown = run_cli(store_url, "results", "settle", "no-such-campaign")
    assert unknown.exit_code == 1 and "JC122" in unknown.output


def test_settled_results_keep_the_overrides_and_an_override_unsettles(drawn, store_url):
    for tid in drawn.task_ids:
        submit_task(drawn, tid)
    first = drawn.task_ids[0]
    RS.set_result(drawn.engine, first, department=EM, result=2, reason="公示信息未按规定公示")
    RS.settle(drawn.engine, CAMPAIGN)
    rows = {r.task.id: r for r in RS.load(drawn.engine, CAMPAIGN)}
    assert rows[first].settled["departments"][EM]["result"]["code"] == 2
    assert rows[first].settled["departments"][EM]["computed"]["code"] != 2
    out = run_cli(store_url, "results", "set", first, "--department", EM, "--result", "1",
                  "--reason", "复核无误")
    assert out.exit_code == 0 and "解除确认" in out.output
    assert not RS.load(drawn.engine, CAMPAIGN)[0].is_settled
    with drawn.engine.connect() as conn:
        actions = [e["action"] for e in audit.entries(conn)]
    assert "results.settle" in actions


def test_changing_a_published_result_says_the_publication_is_out_of_date(drawn, store_url):
    """The public has seen the settled result: a change unsettles it (是否公示 no longer
    holds for the new result) and says, with JC854, that the page must be published
    again; the audit entry keeps the publication date it undid."""
    from datetime import date

    from jointcheck.core.store import begin_write

    for tid in drawn.task_ids:
        submit_task(drawn, tid)
    RS.settle(drawn.engine, CAMPAIGN)
    with begin_write(drawn.engine) as conn:
        RS.mark_published(conn, CAMPAIGN, date(2020, 8, 3))
    first = drawn.task_ids[0]
    out = run_cli(store_url, "results", "set", first, "--department", EM, "--result", "2",
                  "--reason", "复核发现未按规定公示")
    assert out.exit_code == 0, out.output
    assert "JC854" in out.output and "2020-08-03" in out.output
    assert "jointcheck publish" in out.output
    row = next(r for r in RS.load(drawn.engine, CAMPAIGN) if r.task.id == first)
    assert not row.is_settled and row.published_on is None
    with drawn.engine.connect() as conn:
        last = list(audit.entries(conn))[-1]
    assert last["action"] == "results.override"
    assert last["payload"]["published_on"] == "2020-08-03"
    # settled again and not yet published again: a change says nothing of the kind
    RS.settle(drawn.engine, CAMPAIGN)
    out = run_cli(store_url, "results", "set", first, "--department", EM, "--result", "1",
                  "--reason", "复核")
    assert out.exit_code == 0 and "解除确认" in out.output and "JC854" not in out.output


def test_amending_a_settled_record_unsettles_it_and_says_so(drawn, store_url, tmp_path):
    from jointcheck.core.records.service import load_version

    for tid in drawn.task_ids:
        submit_task(drawn, tid)
    RS.settle(drawn.engine, CAMPAIGN)
    first = drawn.task_ids[0]
    rv, _checklist = load_version(drawn.engine, first)
    findings = dict(rv.record["findings"])
    findings.pop("target", None)
    findings["inspected_on"] = "2020-07-16"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(findings, ensure_ascii=False), encoding="utf-8")
    out = run_cli(store_url, "record", "amend", first, "--findings", str(path),
                  "--reason", "检查日期填错")
    assert out.exit_code == 0, out.output
    assert "解除确认" in out.output
    rows = {r.task.id: r for r in RS.load(drawn.engine, CAMPAIGN)}
    assert not rows[first].is_settled and rows[first].stale_settlement == 1
    assert rows[drawn.task_ids[1]].is_settled


def test_consolidate_is_pure_and_ordered(drawn):
    checklist = drawn.checklist
    computed = {"departments": {EM: {"result": {"code": 5}, "dispositions": ["责令改正"]},
                                MS: {"result": {"code": 7}, "dispositions": []}},
                "joint": {"code": 5, "text": "发现问题已责令改正"}}
    over = [{"department": MS, "change": {"result": 8, "add": ["移送司法机关", "立案处理"]},
             "reason": "r", "actor": "a", "at": "t"}]
    res = RS.consolidate(computed, over, checklist)
    assert res["departments"][MS]["dispositions"] == ["立案处理", "移送司法机关"]
    assert res["joint"]["result"]["code"] == 8
    assert res["dispositions"] == ["责令改正", "立案处理", "移送司法机关"]
    assert RS.consolidate(computed, [], checklist)["joint"]["result"]["code"] == 5
    with pytest.raises(RecordError):
        RS.set_result(drawn.engine, drawn.task_ids[0], reason="", result=1)
