"""``jointcheck status``: a campaign's progress and its due steps, stage by stage, on both
engines."""

from __future__ import annotations

import json
from datetime import date

from referralsupport import cli, problems_store

from jointcheck.core import referrals as F
from jointcheck.core.records import service as R

CAMPAIGN = "hebi-2020-industrial-safety"


def d(text: str) -> date:
    return date.fromisoformat(text)


def status(drawn, *args: str) -> dict:
    out = cli(drawn, "status", str(drawn.campaign_path), "--format", "json", *args)
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_status_through_every_stage(store_url, tmp_path):
    drawn = problems_store(store_url, tmp_path, submit=1)
    try:
        t1, t2, t3 = drawn.task_ids
        # -- drawn, one record submitted, two in draft with their 检查日期
        s = status(drawn, "--as-of", "2020-07-26")
        assert s["stages"]["drawn"] == 3 and s["stages"]["submitted"] == 1
        assert s["stages"]["draft"] == 2 and s["stages"]["pending"] == 0
        assert s["stages"]["problems"] == 2 and s["stages"]["corrected_on_site"] == 1
        (due,) = s["due"]
        # 07-15 + 10 = Saturday 07-25: Monday 07-27, owed by the teams
        assert due["deadline"] == "records_to_office" and due["date"] == "2020-07-27"
        assert (due["count"], due["owner"], due["overdue"]) == (2, "检查组", False)
        assert sorted(due["examples"]) == [t2, t3]
        # -- all submitted: the letter is owed for the two problems not yet drafted
        for tid in (t2, t3):
            R.submit(drawn.engine, tid, host=drawn.host)
        s = status(drawn, "--as-of", "2020-08-12")
        assert s["stages"]["submitted"] == 3 and s["stages"]["problems"] == 3
        (due,) = s["due"]
        assert (due["deadline"], due["date"], due["count"], due["overdue"]) == (
            "referral_letter", "2020-08-10", 2, True)
        assert due["owner"] == "市“双随机、一公开”工作领导小组办公室"
        assert due["days_left"] == -2
        # -- drafted, sent and received: the department owes its decision
        F.draft(drawn.engine, CAMPAIGN, d("2020-08-03"), today=d("2020-08-20"))
        r1, r2 = F.list_referrals(drawn.engine, campaign_id=CAMPAIGN)
        s = status(drawn, "--as-of", "2020-08-05")
        assert s["stages"]["drafted"] == 2 and s["stages"]["referred"] == 0
        assert [(g["deadline"], g["count"]) for g in s["due"]] == [("referral_letter", 2)]
        for r in (r1, r2):
            F.update(drawn.engine, r.id, "sent", d("2020-08-07"), today=d("2020-08-20"))
        F.update(drawn.engine, r1.id, "received", d("2020-08-10"), today=d("2020-08-20"))
        s = status(drawn, "--as-of", "2020-08-12")
        assert s["stages"]["referred"] == 2 and s["stages"]["answered"] == 0
        (due,) = s["due"]
        assert (due["deadline"], due["date"], due["owner"], due["examples"]) == (
            "case_decision", "2020-08-17", "应急管理局", [str(r1.id)])
        # -- opened, closed: 20 working days to report; declined: answered, nothing owed
        F.update(drawn.engine, r1.id, "opened", d("2020-08-12"), today=d("2020-09-30"))
        F.update(drawn.engine, r1.id, "closed", d("2020-09-25"), today=d("2020-09-30"))
        F.update(drawn.engine, r2.id, "received", d("2020-08-10"), today=d("2020-09-30"))
        F.update(drawn.engine, r2.id, "declined", d("2020-08-14"), note="不符合立案条件",
                 today=d("2020-09-30"))
        s = status(drawn, "--as-of", "2020-10-20", "--within", "10")
        assert (s["stages"]["answered"], s["stages"]["closed"]) == (2, 1)
        (due,) = s["due"]
        # 09-25 + 20 working days over the 2020 National Day holiday (10-01..08 off,
        # Sunday 09-27 and Saturday 10-10 worked): 09-27..30 (4), 10-09, 10-10 (6),
        # 10-12..16 (11), 10-19..23 (16), 10-26..29 (20)
        assert (due["deadline"], due["date"], due["overdue"]) == ("case_result_report",
                                                                 "2020-10-29", False)
        s = status(drawn, "--as-of", "2020-10-20", "--within", "3")
        assert s["due"] == []
        # -- reported: everything done
        F.update(drawn.engine, r1.id, "reported", d("2020-10-23"), today=d("2020-10-30"))
        s = status(drawn, "--as-of", "2020-10-30")
        assert s["stages"]["reported"] == 1 and s["due"] == []
        out = cli(drawn, "status", str(drawn.campaign_path), "--as-of", "2020-10-30")
        assert out.exit_code == 0
        assert "没有逾期或 7 日内到期的事项" in out.output and "已报告结果" in out.output
    finally:
        drawn.engine.dispose()


def test_status_text_puts_overdue_first_and_flags_estimates(store_url, tmp_path):
    drawn = problems_store(store_url, tmp_path, submit=3)
    try:
        F.draft(drawn.engine, CAMPAIGN, d("2026-11-20"), today=d("2026-12-31"))
        r1, r2 = F.list_referrals(drawn.engine, campaign_id=CAMPAIGN)
        for r in (r1, r2):
            F.update(drawn.engine, r.id, "sent", d("2026-12-01"), today=d("2026-12-31"))
            F.update(drawn.engine, r.id, "received", d("2026-12-01"), today=d("2026-12-31"))
        F.update(drawn.engine, r1.id, "opened", d("2026-12-02"), today=d("2026-12-31"))
        F.update(drawn.engine, r1.id, "closed", d("2026-12-20"), today=d("2026-12-31"))
        out = cli(drawn, "status", str(drawn.campaign_path), "--as-of", "2026-12-31",
                  "--within", "30")
        assert out.exit_code == 0, out.output
        text = out.output
        # r2's decision was due 2026-12-08; r1's report, 20 working days after 12-20,
        # falls in 2027: estimated, and the warning names the year
        assert text.index("逾期 23 日") < text.index("2027-01-15（估算）")
        # tables name the deadlines by their short labels, not their ids
        assert "立案或书面回复" in text and "告知查处结果" in text
        assert "case_decision" not in text and "case_result_report" not in text
        assert "JC935" in text and "2027 年" in text
        en = cli(drawn, "--lang", "en", "status", str(drawn.campaign_path), "--as-of",
                 "2026-12-31", "--within", "30")
        assert "23 day(s) overdue" in en.output and "(estimated)" in en.output
    finally:
        drawn.engine.dispose()


def test_a_record_under_amendment_is_not_settled_in_status_as_in_the_results(store_url,
                                                                              tmp_path):
    """Issue 18: a settled record opened for amendment (修改中) has no settled result until
    it is submitted and settled again — in status as in ``results list``, 附件2 and the
    publication — and its publication is not due meanwhile."""
    from jointcheck.core.records.results import load, settle

    drawn = problems_store(store_url, tmp_path, submit=3)
    try:
        t1, _t2, _t3 = drawn.task_ids
        settle(drawn.engine, CAMPAIGN)  # now: publication due 20 working days on

        def status_now() -> dict:
            out = cli(drawn, "status", str(drawn.campaign_path), "--format", "json",
                      "--within", "60")
            assert out.exit_code == 0, out.output
            return json.loads(out.stdout)

        s = status_now()
        assert s["stages"]["settled"] == 3
        (due,) = [g for g in s["due"] if g["deadline"] == "publication"]
        assert due["count"] == 3
        R.start_amendment(drawn.engine, t1, "检查日期填错")
        settled = [r.task.id for r in load(drawn.engine, CAMPAIGN) if r.is_settled]
        assert t1 not in settled and len(settled) == 2
        s = status_now()
        assert s["stages"]["submitted"] == 3 and s["stages"]["settled"] == 2
        (due,) = [g for g in s["due"] if g["deadline"] == "publication"]
        assert due["count"] == 2 and set(due["examples"]) == {_t2, _t3}
    finally:
        drawn.engine.dispose()
