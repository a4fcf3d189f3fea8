"""Referrals (问题线索移交), on both engines: drafting from the current record versions,
every transition legal and illegal, dates, audit entries, the list and its due dates, and
the letters read back with python-docx."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from referralsupport import cli, mark

from jointcheck.core import referrals as F
from jointcheck.core.records import service as R

TODAY = date(2026, 11, 29)


@pytest.fixture
def drawn(store_url, tmp_path):
    from referralsupport import problems_store

    drawn = problems_store(store_url, tmp_path)
    yield drawn
    drawn.engine.dispose()


def d(text: str) -> date:
    return date.fromisoformat(text)


def audit_actions(engine) -> list[tuple[str, dict]]:
    import sqlalchemy as sa

    from jointcheck.core.store.models import audit_log

    with engine.connect() as conn:
        return [(r.action, r.payload) for r in conn.execute(
            sa.select(audit_log.c.action, audit_log.c.payload).order_by(audit_log.c.seq))]


# ----------------------------------------------------------------------------- drafting


def test_one_referral_per_problem_not_corrected_on_the_spot(drawn):
    result = F.draft(drawn.engine, "hebi-2020-industrial-safety", d("2020-08-03"), today=TODAY)
    refs = F.list_referrals(drawn.engine, campaign_id="hebi-2020-industrial-safety")
    t1, t2, _t3 = drawn.task_ids
    assert [(r.task_id, r.item_id) for r in refs] == [(t1, drawn.em[0]), (t2, drawn.em[2])]
    assert result.drafted == [r.id for r in refs]
    first = refs[0]
    assert first.status == "drafted" and first.dates["drafted"] == d("2020-08-03")
    assert first.refer_to == "emergency_mgmt" and first.note == "隐患排查治理台账缺失"
    assert first.inspected_on == d("2020-07-15") and first.name
    assert first.dispositions  # the item's proposed dispositions
    assert audit_actions(drawn.engine)[-1][0] == "referral.draft"
    # drafting again changes nothing and logs nothing
    n = len(audit_actions(drawn.engine))
    again = F.draft(drawn.engine, "hebi-2020-industrial-safety", d("2020-08-04"), today=TODAY)
    assert (again.drafted, again.updated, again.withdrawn) == ([], [], [])
    assert len(audit_actions(drawn.engine)) == n


def test_an_amendment_updates_or_withdraws_drafted_referrals_but_never_sent_ones(drawn):
    camp = "hebi-2020-industrial-safety"
    F.draft(drawn.engine, camp, d("2020-08-03"), today=TODAY)
    t1, t2, _ = drawn.task_ids
    r1, r2 = F.list_referrals(drawn.engine, campaign_id=camp)
    F.update(drawn.engine, r2.id, "sent", d("2020-08-05"), today=TODAY)
    # task 1: the problem is now corrected on the spot; task 2: compliant after all
    R.start_amendment(drawn.engine, t1, "复核后更正")
    mark(drawn, t1, drawn.em[0], {"result": "noncompliant", "note": "台账缺失",
                                  "corrected_on_site": True})
    R.submit(drawn.engine, t1, host=drawn.host)
    R.start_amendment(drawn.engine, t2, "复核后更正")
    mark(drawn, t2, drawn.em[2], {"result": "compliant"})
    R.submit(drawn.engine, t2, host=drawn.host)
    result = F.draft(drawn.engine, camp, d("2020-08-06"), today=TODAY)
    assert result.withdrawn == [r1.id]
    left = F.list_referrals(drawn.engine, campaign_id=camp)
    assert [(r.id, r.status, r.version) for r in left] == [(r2.id, "sent", 1)]


def test_an_amended_problem_text_reaches_a_drafted_referral(drawn):
    camp = "hebi-2020-industrial-safety"
    F.draft(drawn.engine, camp, d("2020-08-03"), today=TODAY)
    t1 = drawn.task_ids[0]
    R.start_amendment(drawn.engine, t1, "补充问题说明")
    mark(drawn, t1, drawn.em[0], {"result": "noncompliant", "note": "隐患排查治理台账缺失，未如实记录"})
    R.submit(drawn.engine, t1, host=drawn.host)
    result = F.draft(drawn.engine, camp, d("2020-08-04"), today=TODAY)
    ref = F.list_referrals(drawn.engine, campaign_id=camp)[0]
    assert result.updated == [ref.id]
    assert (ref.version, ref.note) == (2, "隐患排查治理台账缺失，未如实记录")


# ----------------------------------------------------------------------------- lifecycle


LEGAL_PATHS = [
    [("sent", "2020-08-05"), ("received", "2020-08-06"), ("opened", "2020-08-10"),
     ("closed", "2020-09-30"), ("reported", "2020-10-20")],
    [("sent", "2020-08-05"), ("received", "2020-08-05"), ("declined", "2020-08-12")],
]


@pytest.mark.parametrize("path", LEGAL_PATHS, ids=["opened", "declined"])
def test_legal_transitions_are_recorded_and_audited(drawn, path):
    camp = "hebi-2020-industrial-safety"
    F.draft(drawn.engine, camp, d("2020-08-03"), today=TODAY)
    ref = F.list_referrals(drawn.engine, campaign_id=camp)[0]
    for status, on in path:
        ref = F.update(drawn.engine, ref.id, status, d(on), today=TODAY, actor="王科长",
                       note="不符合立案条件：已整改" if status == "declined" else None,
                       case_no="鹤应急立〔2020〕8号" if status == "opened" else None)
        assert ref.status == status and ref.dates[status] == d(on)
    assert [h["status"] for h in ref.history] == ["drafted"] + [s for s, _ in path]
    steps = [p for a, p in audit_actions(drawn.engine) if a == "referral.step"]
    assert [(s["from"], s["to"]) for s in steps] == list(zip(
        ["drafted"] + [s for s, _ in path][:-1], [s for s, _ in path], strict=True))
    assert all(h.get("audit_seq") for h in ref.history[1:])
    if path[-1][0] == "declined":
        assert ref.history[-1]["note"] == "不符合立案条件：已整改"
    else:
        assert ref.case_no == "鹤应急立〔2020〕8号"


ILLEGAL = [
    ([], "received"), ([], "opened"), ([], "closed"), ([], "reported"), ([], "drafted"),
    ([], "declined"), (["sent"], "sent"), (["sent"], "opened"), (["sent"], "closed"),
    (["sent", "received"], "closed"), (["sent", "received"], "reported"),
    (["sent", "received", "opened"], "declined"), (["sent", "received", "opened"], "reported"),
    (["sent", "received", "opened", "closed"], "opened"),
    (["sent", "received", "opened", "closed", "reported"], "closed"),
    (["sent", "received", "declined"], "opened"), (["sent", "received", "declined"], "closed"),
]


@pytest.mark.parametrize("before, status", ILLEGAL)
def test_illegal_transitions_are_refused_and_change_nothing(drawn, before, status):
    camp = "hebi-2020-industrial-safety"
    F.draft(drawn.engine, camp, d("2020-08-03"), today=TODAY)
    ref = F.list_referrals(drawn.engine, campaign_id=camp)[0]
    for s in before:
        F.update(drawn.engine, ref.id, s, d("2020-08-10"), today=TODAY,
                 note="书面回复" if s == "declined" else None)
    stored = F.list_referrals(drawn.engine, ids=[ref.id])[0]
    log = audit_actions(drawn.engine)
    with pytest.raises(F.ReferralError) as info:
        F.update(drawn.engine, ref.id, status, d("2020-08-20"), today=TODAY, note="x")
    assert [p.code for p in info.value.problems] == ["JC942"]
    assert info.value.problems[0].hint  # says what the next step can be, or that it is done
    assert F.list_referrals(drawn.engine, ids=[ref.id])[0] == stored
    assert audit_actions(drawn.engine) == log


def test_dates_before_the_previous_step_in_the_future_and_missing_replies(drawn):
    camp = "hebi-2020-industrial-safety"
    F.draft(drawn.engine, camp, d("2020-08-03"), today=TODAY)
    ref = F.list_referrals(drawn.engine, campaign_id=camp)[0]
    log = audit_actions(drawn.engine)

    def refused(code, *args, **kw):
        with pytest.raises(F.ReferralError) as info:
            F.update(drawn.engine, ref.id, *args, today=TODAY, **kw)
        assert [p.code for p in info.value.problems] == [code]
        assert F.list_referrals(drawn.engine, ids=[ref.id])[0].status == current
        assert audit_actions(drawn.engine) == log
        return info.value.problems[0]

    current = "drafted"
    p = refused("JC943", "sent", d("2020-08-02"))
    assert "2020-08-03" in p.message and "2020-08-02" in p.message
    refused("JC944", "sent", d("2026-11-30"))
    refused("JC946", "sent", d("2020-08-05"), case_no="X1")
    F.update(drawn.engine, ref.id, "sent", d("2020-08-05"), today=TODAY)
    F.update(drawn.engine, ref.id, "received", d("2020-08-05"), today=TODAY)  # same day is fine
    current, log = "received", audit_actions(drawn.engine)
    refused("JC945", "declined", d("2020-08-06"))
    refused("JC945", "declined", d("2020-08-06"), note="   ")
    with pytest.raises(F.ReferralError) as info:
        F.update(drawn.engine, 999999, "sent", d("2020-08-05"), today=TODAY)
    assert info.value.problems[0].code == "JC941"


# ----------------------------------------------------------------------------- due dates


def test_next_due_dates_follow_the_campaign_deadlines(drawn):
    from jointcheck.core.calendar import WorkCalendar
    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.deadlines import rules

    camp = open_campaign(drawn.campaign_path).campaign
    found, cal = rules(camp), WorkCalendar()
    F.draft(drawn.engine, camp.id, d("2020-08-03"), today=TODAY)
    ref = F.list_referrals(drawn.engine, campaign_id=camp.id)[0]
    nxt = F.next_due(ref, found, cal, camp)
    # 联合抽查结束 2020-07-31 + 10 days
    assert (nxt.deadline.id, nxt.due.date, nxt.due.estimated) == ("referral_letter",
                                                                 d("2020-08-10"), False)
    assert nxt.overdue(d("2020-08-11")) and not nxt.overdue(d("2020-08-10"))
    ref = F.update(drawn.engine, ref.id, "sent", d("2020-08-07"), today=TODAY)
    assert F.next_due(ref, found, cal, camp) is None  # no deadline for the receipt
    # received Friday 2020-09-25 + 7 days = Friday 10-02, in the 2020 National Day holiday
    ref = F.update(drawn.engine, ref.id, "received", d("2020-09-25"), today=TODAY)
    nxt = F.next_due(ref, found, cal, camp)
    assert (nxt.deadline.id, nxt.due.date) == ("case_decision", d("2020-10-09"))
    ref = F.update(drawn.engine, ref.id, "opened", d("2020-09-28"), today=TODAY)
    assert F.next_due(ref, found, cal, camp) is None
    ref = F.update(drawn.engine, ref.id, "closed", d("2026-12-15"), today=d("2026-12-31"))
    nxt = F.next_due(ref, found, cal, camp)
    # 20 working days from 2026-12-15 reach into 2027: estimated
    assert nxt.deadline.id == "case_result_report" and nxt.due.estimated
    assert nxt.due.date == d("2027-01-12")


def test_list_json_and_overdue_filter(drawn):
    F.draft(drawn.engine, "hebi-2020-industrial-safety", d("2020-08-03"), today=TODAY)
    r1, r2 = F.list_referrals(drawn.engine, campaign_id="hebi-2020-industrial-safety")
    F.update(drawn.engine, r1.id, "sent", d("2020-08-07"), today=TODAY)
    F.update(drawn.engine, r1.id, "received", d("2020-08-10"), today=TODAY)
    out = cli(drawn, "referrals", "list", str(drawn.campaign_path), "--format", "json",
              "--as-of", "2020-08-12")
    assert out.exit_code == 0, out.output
    rows = {r["id"]: r for r in json.loads(out.output)}
    a = rows[r1.id]
    assert a["task"] == r1.task_id and a["credit_code"] == r1.credit_code
    assert a["item"] == drawn.em[0] and a["receiving_department"] == "emergency_mgmt"
    assert a["status"] == "received"
    assert a["dates"]["drafted"] == "2020-08-03" and a["dates"]["received"] == "2020-08-10"
    assert "closed" not in a["dates"]
    assert a["next_due"] == {"deadline": "case_decision", "date": "2020-08-17",
                             "estimated": False, "overdue": False, "owner": "应急管理局"}
    assert rows[r2.id]["next_due"]["date"] == "2020-08-10"
    assert rows[r2.id]["next_due"]["overdue"] is True
    assert rows[r2.id]["next_due"]["owner"] == "市“双随机、一公开”工作领导小组办公室"
    out = cli(drawn, "referrals", "list", str(drawn.campaign_path), "--overdue",
              "--as-of", "2020-08-12")
    assert out.exit_code == 0
    assert "2020-08-10（已逾期）" in out.output and "共 1 项" in out.output
    # later both are overdue: the longest overdue first; a table shows --limit rows
    out = cli(drawn, "referrals", "list", str(drawn.campaign_path), "--overdue", "--as-of",
              "2020-08-30", "--format", "json")
    assert [r["id"] for r in json.loads(out.stdout)] == [r2.id, r1.id]
    out = cli(drawn, "referrals", "list", str(drawn.campaign_path), "--overdue", "--as-of",
              "2020-08-30", "--limit", "1")
    assert "仅显示前 1 项，共 2 项" in out.output and "2020-08-17" not in out.output
    out = cli(drawn, "referrals", "list", str(drawn.campaign_path), "--department",
              "market_supervision")
    assert "没有符合条件" in out.output
    out = cli(drawn, "referrals", "list", str(drawn.campaign_path), "--department", "emergency")
    assert out.exit_code == 1 and "emergency_mgmt" in out.output


def test_update_command_messages(drawn):
    F.draft(drawn.engine, "hebi-2020-industrial-safety", d("2020-08-03"), today=TODAY)
    ref = F.list_referrals(drawn.engine, campaign_id="hebi-2020-industrial-safety")[0]
    out = cli(drawn, "referrals", "update", str(ref.id), "--status", "received",
              "--date", "2020-08-05")
    assert out.exit_code == 1 and "JC942" in out.output and "已移交（sent）" in out.output
    assert "Traceback" not in out.output
    out = cli(drawn, "referrals", "update", str(ref.id), "--status", "sent", "--date",
              "2020-08-05")
    assert out.exit_code == 0 and "已移交（2020-08-05）" in out.output
    out = cli(drawn, "--lang", "en", "referrals", "update", str(ref.id), "--status", "received",
              "--date", "2020-08-01")
    assert out.exit_code == 1 and "JC943" in out.output and "before 2020-08-05" in out.output


# ----------------------------------------------------------------------------- letters


def test_letters_per_department_read_back_with_python_docx(drawn, tmp_path: Path):
    from docx import Document

    out = cli(drawn, "--lang", "en", "referrals", "letter", str(drawn.campaign_path),
              "--format", "docx", "-o", str(tmp_path / "out"), "--date", "2020-08-04")
    assert out.exit_code == 0, out.output
    files = sorted((tmp_path / "out").glob("*.docx"))
    assert [f.name for f in files] == ["移交函-鹤双随机办函〔2020〕1号-市应急管理局.docx"]
    doc = Document(str(files[0]))
    paras = [p.text for p in doc.paragraphs]
    # GB/T 9704-2012 信函: 发文机关标志, 发文字号, title, 主送机关 by its full name
    assert paras[0] == "市“双随机、一公开”工作领导小组办公室"  # Chinese whatever --lang says
    assert paras[1] == "鹤双随机办函〔2020〕1号"
    assert paras[3] == "关于移交双随机抽查有关问题的函"
    assert paras[5] == "市应急管理局："
    assert "鹤双随机办〔2020〕19号" in paras[6]
    assert paras[-2] == "市“双随机、一公开”工作领导小组办公室" and paras[-1] == "2020年8月4日"
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    title_run = doc.paragraphs[3].runs[0]
    assert title_run.font.size.pt == 22 and title_run.font.name == "方正小标宋简体"
    assert doc.paragraphs[6].runs[0].font.size.pt == 16
    assert doc.paragraphs[6].runs[0].font.name == "仿宋_GB2312"
    xml = doc.element.xml + doc.styles.element.xml
    assert 'w:eastAsia="zh-CN"' in xml and "ja-JP" not in xml
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["序号", "市场主体名称", "统一社会信用代码", "抽查事项", "发现的问题", "发现单位",
                      "建议处理结果"]
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1  # repeated on every page
    widths = [int(c.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
              for c in table._tbl.tblGrid]
    assert len(set(widths)) > 3 and max(widths) == widths[2]  # sized to content
    assert abs(sum(widths) / 56.7 - 156) < 1  # the 版心 is 156 mm wide
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[4] for r in rows] == ["隐患排查治理台账缺失", "未建立安全生产责任制"]
    assert [r[5] for r in rows] == ["市应急管理局", "市应急管理局"]  # who found it
    refs = F.list_referrals(drawn.engine, campaign_id="hebi-2020-industrial-safety")
    assert [r[2] for r in rows] == [r.credit_code for r in refs]
    assert [r[1] for r in rows] == [r.name for r in refs]
    basis = paras.index("法律依据（参考，非实施方案原文），由部门检查事项插件提供，按序号列明：")
    assert paras[basis + 1].startswith("1. 《中华人民共和国安全生产法》")
    assert any("收到本函后7日内" in p and "书面回复市“双随机、一公开”工作领导小组办公室" in p
               for p in paras)
    assert any("结案后20个工作日内" in p for p in paras)
    assert all(r.letter_number == "鹤双随机办函〔2020〕1号" for r in refs)
    # writing again keeps the number; a new problem later gets the next one
    again = cli(drawn, "referrals", "letter", str(drawn.campaign_path), "--format", "md",
                "-o", str(tmp_path / "md"))
    assert again.exit_code == 0
    (md,) = (tmp_path / "md").iterdir()
    assert md.name == "移交函-鹤双随机办函〔2020〕1号-市应急管理局" + ".md"
    text = md.read_text("utf-8")
    assert text.startswith("# 关于移交双随机抽查有关问题的函\n\n鹤双随机办函〔2020〕1号\n")
    assert "| 1 | " in text and "未建立安全生产责任制" in text
    actions = [a for a, _p in audit_actions(drawn.engine)]
    assert actions.count("referral.letter") == 1


def test_letter_number_pattern_from_the_campaign(drawn, tmp_path: Path):
    from recordsupport import campaign_copy

    path = campaign_copy(tmp_path, 3, referral={"letter_number": "鹤双随机办函〔{year}〕{n:02d}号",
                                                "sender": "鹤壁市“双随机、一公开”工作领导小组办公室"})
    out = cli(drawn, "referrals", "letter", str(path), "--format", "md", "-o",
              str(tmp_path / "md"), "--date", "2020-08-04")
    assert out.exit_code == 0, out.output
    (f,) = (tmp_path / "md").glob("*.md")
    text = f.read_text("utf-8")
    assert "鹤双随机办函〔2020〕01号" in text and "\n鹤壁市“双随机、一公开”工作领导小组办公室\n" in text
    with pytest.raises(F.ReferralError) as info:
        F.letter_number("双随机办函〔{year}〕号", 2020, 1)
    assert info.value.problems[0].code == "JC947"
    bad = campaign_copy(tmp_path, 3, referral={"letter_number": "函〔{year}〕{n}号{x}"})
    out = cli(drawn, "referrals", "letter", str(bad), "--format", "md", "-o",
              str(tmp_path / "bad"))
    assert out.exit_code == 1 and f"{bad}: JC947" in out.output
    assert "/campaign/referral/letter_number" in out.output and "Traceback" not in out.output
    assert not (tmp_path / "bad").exists()
