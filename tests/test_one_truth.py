"""One truth per task (docs/results.md#one-truth), as a scenario on both engines: records →
settle with an override that removes a disposition → referral letters → publish → amend
→ status → correct, settle and publish again; at each step every output — letters,
附件2/3/4, the publication, ``status`` (text and JSON), ``record show``, ``referrals
list`` — says the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from referralsupport import cli

from jointcheck.core.records import service as R

CAMP = "hebi-2020-industrial-safety"


@pytest.fixture
def drawn(store_url, tmp_path):
    from referralsupport import problems_store

    drawn = problems_store(store_url, tmp_path)
    yield drawn
    drawn.engine.dispose()


def ok(drawn, *args: str) -> str:
    result = cli(drawn, *args)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def as_json(drawn, *args: str):
    return json.loads(ok(drawn, *args, "--format", "json"))


def annex(drawn, tmp_path: Path, kind: str) -> dict:
    path = tmp_path / f"{kind}.json"
    ok(drawn, "report", kind, str(drawn.campaign_path), "--format", "json", "-o", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def letters(folder: Path, prefix: str = "移交函") -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob(f"{prefix}-*.md"))}


def row_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("|") and name in line)


def everything(drawn, tmp_path: Path) -> dict:
    """Every output that reads a task's results, read afresh."""
    camp = str(drawn.campaign_path)
    return {
        "a2": {r["seq"]: r for r in annex(drawn, tmp_path, "statistics")["rows"]},
        "a3": {r["unit"]: r for r in annex(drawn, tmp_path, "summary")["rows"]},
        "a4": {r["task"]: r for r in annex(drawn, tmp_path, "record")["records"]},
        "status": as_json(drawn, "status", camp, "--as-of", "2020-08-20"),
        "status_text": ok(drawn, "status", camp, "--as-of", "2020-08-20"),
        "referrals": {(r["task"], r["item"]): r for r in as_json(
            drawn, "referrals", "list", camp, "--as-of", "2020-08-20")},
        "referrals_text": ok(drawn, "referrals", "list", camp, "--as-of", "2020-08-20"),
    }


def pending(view: dict) -> dict[str, dict]:
    return {p["kind"]: p for p in view["status"]["pending"]}


def test_a_settled_override_reaches_every_output_and_an_amendment_propagates(drawn, tmp_path):
    camp = str(drawn.campaign_path)
    t1, t2, t3 = drawn.task_ids
    name1 = drawn.target(t1)["name"]
    name2 = drawn.target(t2)["name"]

    # before settlement: a proposal, marked as such
    shown = as_json(drawn, "record", "show", t1)
    assert shown["settled"] is False
    assert "尚未确定" in shown["opinion"] and "立案处理" in shown["opinion"]
    assert "检查结果（建议" in ok(drawn, "record", "show", t1)
    assert pending(everything(drawn, tmp_path))["settle"]["command"] == \
        f"jointcheck results settle {camp}"

    # the joint office removes 立案处理 from task 1 and settles
    ok(drawn, "results", "set", t1, "--department", "emergency_mgmt",
       "--remove-disposition", "立案处理", "--reason", "情节轻微，责令改正即可")
    ok(drawn, "results", "settle", camp)
    ok(drawn, "referrals", "letter", camp, "--format", "md", "-o", str(tmp_path / "l1"),
       "--date", "2020-07-25")
    (letter,) = letters(tmp_path / "l1").values()
    assert "〔2020〕" in letter  # the letter's own year
    row1, row2 = row_of(letter, name1), row_of(letter, name2)
    assert "| 责令改正 |" in row1 and "立案处理" not in row1
    assert "| 责令改正、立案处理 |" in row2
    assert "尚未确定" not in letter  # settled: no proposal left in the letter

    view = everything(drawn, tmp_path)
    a4 = view["a4"][t1]["opinion"]
    assert "处理结果：应急管理局：责令改正" in a4 and "立案处理" not in a4 and "建议" not in a4
    assert "立案处理" in view["a4"][t2]["opinion"]
    assert view["a2"][1]["dispositions"] == "责令改正"
    assert view["a2"][2]["dispositions"] == "责令改正、立案处理"
    assert view["a3"]["应急管理局"]["立案处理"] == 1  # task 2 only
    shown = as_json(drawn, "record", "show", t1)
    assert shown["settled"] is True and "立案处理" not in shown["opinion"]
    assert shown["results"]["departments"]["emergency_mgmt"]["dispositions"] == ["责令改正"]
    text = ok(drawn, "record", "show", t1)
    assert "联合抽查领导小组办公室已确定" in text and "立案处理" not in text.split("处理意见")[1]
    assert view["status"]["pending"] == []
    assert "待处理" not in view["status_text"]
    for r in view["referrals"].values():
        assert r["stale"] is None and r["settled"] is True

    # the letters are sent and received (past dates, in order), the results published
    ids = {(r["task"], r["item"]): r["id"] for r in view["referrals"].values()}
    ref1, ref2 = ids[(t1, drawn.em[0])], ids[(t2, drawn.em[2])]
    for ref in (ref1, ref2):
        ok(drawn, "referrals", "update", str(ref), "--status", "sent", "--date", "2020-07-27")
        ok(drawn, "referrals", "update", str(ref), "--status", "received", "--date",
           "2020-07-28")
    ok(drawn, "publish", camp, "-o", str(tmp_path / "pub1"), "--date", "2020-07-30")
    view = everything(drawn, tmp_path)
    assert view["status"]["pending"] == []
    assert all(r["published"] == "是" for r in view["a2"].values())

    # task 1 amended from a corrected paper form: its open problem is gone (the item was
    # compliant after all; another was corrected on the spot), and the command says what
    # the referral now needs
    from recordsupport import record_file

    out = ok(drawn, "record", "amend", t1, "--findings", record_file(drawn, tmp_path, t1),
             "--reason", "复核：按纸质记录表更正", "--campaign", camp)
    assert "该任务有 1 项已移交的问题线索" in out and "需发更正或撤回函" in out
    assert f"jointcheck referrals correct {camp}" in out
    # task 2: the office adds 函告许可部门 after its letter was sent
    ok(drawn, "results", "set", t2, "--department", "emergency_mgmt",
       "--add-disposition", "函告许可部门", "--reason", "涉及许可事项")

    view = everything(drawn, tmp_path)
    todo = pending(view)
    assert set(todo) == {"settle", "correct_referrals", "publish"}
    assert set(todo["settle"]["examples"]) == {t1, t2} and todo["settle"]["count"] == 2
    assert todo["correct_referrals"]["command"].startswith(f"jointcheck referrals correct {camp}")
    assert todo["publish"]["command"] == f"jointcheck publish {camp} -o 目录"
    # out of date: task 1's published version amended, task 2's published settlement
    # undone by the override
    assert set(todo["publish"]["examples"]) == {t1, t2}
    for line in ("结果尚未确定", "需发更正或撤回函", "公示已过期", "jointcheck results settle",
                 "jointcheck referrals correct", "jointcheck publish"):
        assert line in view["status_text"]
    stale1 = view["referrals"][(t1, drawn.em[0])]["stale"]
    stale2 = view["referrals"][(t2, drawn.em[2])]["stale"]
    assert stale1["reason"] == "vanished" and stale1["action"] == "withdraw"
    assert stale2["reason"] == "changed" and stale2["action"] == "correct"
    assert stale2["now"]["dispositions"] == ["责令改正", "立案处理", "函告许可部门"]
    assert "记录已更正" in view["referrals_text"] and "referrals correct" in view["referrals_text"]
    # unsettled now: no settled result in 附件2, none counted in 附件3, no 附件4
    assert view["a2"][1]["result"] == "" and view["a2"][2]["result"] == ""
    assert t1 not in view["a4"] and t2 not in view["a4"]
    assert view["a3"]["应急管理局"]["inspected"] == 1
    shown = as_json(drawn, "record", "show", t1)
    assert shown["settled"] is False and shown["version"] == 2
    # the settlement each change undid, beside the new proposal
    em = "emergency_mgmt"
    assert shown["previous"]["version"] == 1
    assert shown["previous"]["results"]["departments"][em]["dispositions"] == ["责令改正"]
    assert shown["results"]["departments"][em]["result"]["code"] == 5
    shown2 = as_json(drawn, "record", "show", t2)
    assert shown2["previous"]["results"]["departments"][em]["dispositions"] == [
        "责令改正", "立案处理"]
    assert shown2["results"]["departments"][em]["dispositions"] == [
        "责令改正", "立案处理", "函告许可部门"]
    text2 = ok(drawn, "record", "show", t2)
    assert "此前已确定的结果" in text2 and "检查结果（建议" in text2
    listed = {r["task"]: r for r in as_json(drawn, "results", "list", camp)}
    assert listed[t2]["previous"]["version"] == 1 and listed[t2]["settled"] is False
    assert "待重新确认" in ok(drawn, "results", "list", camp)

    # settle, correct the referrals, publish again: everything agrees again
    ok(drawn, "results", "settle", camp)
    out = ok(drawn, "referrals", "correct", camp, "--format", "md", "-o",
             str(tmp_path / "l2"), "--date", "2020-08-10")
    assert "更正 1 项，撤回 1 项" in out
    (correction,) = letters(tmp_path / "l2", "更正函").values()
    assert "撤回" in row_of(correction, name1)
    assert "函告许可部门" in row_of(correction, name2)
    assert "〔2020〕2号" in correction
    view = everything(drawn, tmp_path)
    assert set(pending(view)) == {"publish"}
    assert as_json(drawn, "record", "show", t2)["previous"] is None
    r1, r2 = view["referrals"][(t1, drawn.em[0])], view["referrals"][(t2, drawn.em[2])]
    assert (r1["status"], r1["stale"]) == ("withdrawn", None)
    assert (r2["status"], r2["stale"]) == ("received", None)
    assert view["status"]["stages"]["withdrawn"] == 1
    assert view["status"]["stages"]["referred"] == 1
    assert "函告许可部门" in view["a2"][2]["dispositions"]
    assert view["a3"]["应急管理局"]["函告许可部门"] == 1
    assert view["a2"][1]["result"] == "发现问题已责令改正"
    assert "处理结果：应急管理局：责令改正" in view["a4"][t1]["opinion"]
    ok(drawn, "publish", camp, "-o", str(tmp_path / "pub2"), "--date", "2020-08-12")
    published = json.loads((tmp_path / "pub2" / "results.json").read_text(encoding="utf-8"))
    by_code = {r["credit_code"]: r for r in published["results"]}
    assert by_code[drawn.target(t1)["credit_code"]]["result"] == "发现问题已责令改正"
    view = everything(drawn, tmp_path)
    assert view["status"]["pending"] == []
    assert all(r["published"] == "是" for r in view["a2"].values())
    assert t3 in view["a4"]

    # 处理结果 says who decided what: the department declines the case it was referred
    ok(drawn, "referrals", "update", str(ref2), "--status", "declined", "--date", "2020-08-14",
       "--note", "经核查不符合立案条件")
    view = everything(drawn, tmp_path)
    assert view["a2"][2]["dispositions"] == "责令改正、立案处理（应急管理局不予立案）、函告许可部门"
    assert view["a3"]["应急管理局"]["立案处理"] == 1  # the office's settled disposition
    assert view["status"]["pending"] == []  # the publication is about the inspection only


def test_a_letter_before_settlement_marks_the_dispositions_as_a_proposal(drawn, tmp_path):
    camp = str(drawn.campaign_path)
    ok(drawn, "referrals", "letter", camp, "--format", "md", "-o", str(tmp_path / "l"),
       "--date", "2020-07-25")
    (letter,) = letters(tmp_path / "l").values()
    name1 = drawn.target(drawn.task_ids[0])["name"]
    assert "责令改正、立案处理（建议，联合抽查结果尚未确定）" in row_of(letter, name1)


def test_a_draft_with_items_unanswered_shows_no_result_and_no_opinion(store_url, tmp_path):
    from recordsupport import drawn_store, run_cli

    drawn = drawn_store(store_url, tmp_path, count=1)
    (tid,) = drawn.task_ids
    url = drawn.engine.url.render_as_string(hide_password=False)
    try:
        text = run_cli(url, "record", "show", tid).output
        assert "未完成" in text and "处理意见：未完成" in text
        assert "未发现问题" not in text and "联合抽查结果" not in text
        data = json.loads(run_cli(url, "record", "show", tid, "--format", "json").output)
        assert data["results"] is None and data["opinion"] is None
        assert data["unfinished"]["answered"] == 0 and data["unfinished"]["applicable"] > 0
        # one item answered: still no result
        draft = R.load_draft(drawn.engine, tid, host=drawn.host)
        item = next(i for i in draft.items if draft.applies(i))
        R.save_answer(drawn.engine, tid, R.item_key(item), {"result": "compliant"},
                      expected=0, checklist=draft.checklist)
        data = json.loads(run_cli(url, "record", "show", tid, "--format", "json").output)
        assert data["results"] is None and data["unfinished"]["answered"] == 1
    finally:
        drawn.engine.dispose()


def test_dates_are_the_users_and_a_wrong_one_is_corrected_with_a_reason(drawn, tmp_path):
    """The README's path: a letter written without --date is dated today; the letter was in
    fact sent in 2020. The step dates and the letter's date are corrected with a reason
    (audit-logged), and the 文号 takes the letter's own year."""
    from jointcheck.core import referrals as F
    from jointcheck.core.clock import today

    camp = str(drawn.campaign_path)
    ok(drawn, "referrals", "letter", camp, "--format", "md", "-o", str(tmp_path / "l"))
    refs = F.list_referrals(drawn.engine, campaign_id=CAMP)
    this_year = today().year
    assert {r.letter_number for r in refs} == {f"鹤双随机办函〔{this_year}〕1号"}
    ref = refs[0]
    refused = cli(drawn, "referrals", "update", str(ref.id), "--status", "sent", "--date",
                  "2020-09-30")
    assert refused.exit_code == 1 and "JC943" in refused.output
    # a correction needs a reason, a step taken, and a date in order
    for args, code in ((["--status", "sent", "--date", "2020-09-28", "--reason", "登记簿"],
                        "JC948"),
                       (["--status", "drafted", "--date", "2020-09-28", "--reason", " "],
                        "JC951")):
        bad = cli(drawn, "referrals", "redate", str(ref.id), *args)
        assert bad.exit_code == 1 and code in bad.output, bad.output
    for r in refs:
        ok(drawn, "referrals", "redate", str(r.id), "--status", "drafted", "--date",
           "2020-09-28", "--reason", "按发文登记簿更正")
    out = ok(drawn, "referrals", "redate-letter", camp, f"鹤双随机办函〔{this_year}〕1号",
             "--date", "2020-09-28", "--reason", "按发文登记簿更正")
    assert "鹤双随机办函〔2020〕1号" in out
    ok(drawn, "referrals", "update", str(ref.id), "--status", "sent", "--date", "2020-09-30")
    # a sent letter's date is a document of record; a step cannot pass the next one
    sent_letter = cli(drawn, "referrals", "redate-letter", camp, "鹤双随机办函〔2020〕1号",
                      "--date", "2020-09-29", "--reason", "再改")
    assert sent_letter.exit_code == 1 and "JC950" in sent_letter.output
    late = cli(drawn, "referrals", "redate", str(ref.id), "--status", "drafted", "--date",
               "2020-10-01", "--reason", "再改")
    assert late.exit_code == 1 and "JC949" in late.output
    # the letter written again keeps its corrected date and number
    ok(drawn, "referrals", "letter", camp, "--format", "md", "-o", str(tmp_path / "l2"))
    (letter,) = letters(tmp_path / "l2").values()
    assert "鹤双随机办函〔2020〕1号" in letter and "2020年9月28日" in letter
    shown = as_json(drawn, "referrals", "list", camp)
    first = next(r for r in shown if r["id"] == ref.id)
    assert first["dates"]["drafted"] == "2020-09-28" and first["dates"]["sent"] == "2020-09-30"
    import sqlalchemy as sa

    from jointcheck.core.store.models import audit_log

    with drawn.engine.connect() as conn:
        actions = [(a, p) for a, p in conn.execute(sa.select(audit_log.c.action,
                                                               audit_log.c.payload))]
    redates = [p for a, p in actions if a == "referral.redate"]
    assert {(p["referral_id"], p["from"], p["to"], p["reason"]) for p in redates} == {
        (r.id, today().isoformat(), "2020-09-28", "按发文登记簿更正") for r in refs}
    (moved,) = [p for a, p in actions if a == "referral.letter_redate"]
    assert moved["new_number"] == "鹤双随机办函〔2020〕1号"
