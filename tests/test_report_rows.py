"""The lean queries of the reports on every engine: 附件2's rows read by one streamed query
agree with the office's review (core.records.results.load) through overrides, amendments
after settling, unsettled and pending enterprises, publication and the team's order; 附件3
reads the dispositions as JSON arrays, so a disposition is counted only as a whole string,
whatever the JSON text's escaping."""

from __future__ import annotations

import csv
import json
from collections import Counter

import sqlalchemy as sa

from jointcheck.core.present.reports import DISPOSITIONS
from jointcheck.core.records import results as RS
from jointcheck.core.records.service import start_amendment, submit
from jointcheck.core.store.models import result_settlements, tasks
from tests.recordsupport import CAMPAIGN_ID, drawn_store, run_cli, submit_task

EM, MS = "emergency_mgmt", "market_supervision"


def _reviewed(engine) -> dict[str, list]:
    """附件2's result cells as the office's review loader sees each enterprise:
    (joint result, 处理结果, 是否公示, 检查人员)."""
    out = {}
    for r in RS.load(engine, CAMPAIGN_ID):
        res = r.settled
        team = sorted(r.task.team, key=lambda m: not m.leader)
        out[r.task.id] = [res["joint"]["result"]["text"] if res else "",
                          "、".join(res["dispositions"]) if res else "",
                          "是" if r.published_on else "否",
                          "、".join((m.name or m.cert_no) + ("（组长）" if m.leader else "")
                                   for m in team)]
    return out


def test_statistics_rows_agree_with_the_review(store_url, tmp_path):
    d = drawn_store(store_url, tmp_path, count=6)
    e = d.engine
    try:
        ids = d.task_ids
        submit_task(d, ids[0], noncompliant=1)  # 8, settled, then amended and resubmitted
        submit_task(d, ids[1], noncompliant=1, corrected=True)  # settled, then amending
        submit_task(d, ids[2])  # a department override with a disposition added
        submit_task(d, ids[3])  # a joint override
        RS.set_result(e, ids[2], department=EM, result=2, add=["函告许可部门"],
                      reason="未按规定公示")
        RS.set_result(e, ids[3], result=6, reason="集体研究")
        RS.settle(e, CAMPAIGN_ID, allow_missing=True)
        submit_task(d, ids[4])  # submitted after settling: not settled
        with e.begin() as conn:  # published; the leader stored last; one unknown officer
            conn.execute(sa.update(result_settlements).values(published_on=sa.func.current_date()))
            team = conn.execute(sa.select(tasks.c.team).where(tasks.c.id == ids[3])).scalar_one()
            team = [m for m in team if not m.get("leader")] + [m for m in team if m.get("leader")]
            team[0] = dict(team[0], cert_no="UNKNOWN-0001")
            conn.execute(sa.update(tasks).where(tasks.c.id == ids[3]).values(team=team))
        start_amendment(e, ids[0], "补录")
        submit(e, ids[0], host=d.host)  # version 2: its settlement is stale
        start_amendment(e, ids[1], "更正")  # 修改中: not settled while amending
        # ids[5] stays pending

        rows = {f"{d.draw.id}-{r.seq}": r for r in RS.statistics_rows(e, CAMPAIGN_ID)}
        assert list(rows) == ids  # every drawn enterprise, in task order
        expected = _reviewed(e)
        from jointcheck.core.present.reports import statistics_row

        cells = {tid: statistics_row(r) for tid, r in rows.items()}
        for tid in ids:
            assert cells[tid][10:13] + cells[tid][9:10] == expected[tid], tid
        # what a user sees, checked on its own
        assert [cells[t][10] for t in (ids[0], ids[1], ids[4], ids[5])] == ["", "", "", ""]
        assert [cells[t][12] for t in ids] == ["否", "否", "是", "是", "否", "否"]
        assert cells[ids[2]][11] == "函告许可部门"  # the disposition the office added
        assert cells[ids[3]][10] == "不配合检查情节严重"  # the joint override
        leader = cells[ids[3]][9].split("、")
        assert leader[0].endswith("（组长）") and "UNKNOWN-0001" in leader
        target = d.target(ids[2])
        assert cells[ids[2]][1:4] == [target["name"], target["credit_code"],
                                      target.get("reg_no") or ""]

        # the three formats write the same rows
        out = tmp_path / "s.csv"
        done = run_cli(store_url, "report", "statistics", CAMPAIGN_ID, "--format", "csv",
                       "-o", str(out))
        assert done.exit_code == 0, done.output
        assert "4 户企业的结果尚未确认" in done.output
        lines = list(csv.reader(out.read_text("utf-8-sig").splitlines()))[1:]
        assert lines == [[str(v) for v in cells[t]] for t in ids]
        out = tmp_path / "s.json"
        assert run_cli(store_url, "report", "statistics", CAMPAIGN_ID, "--format", "json",
                       "-o", str(out)).exit_code == 0
        data = json.loads(out.read_text("utf-8"))
        assert [list(r.values()) for r in data["rows"]] == [cells[t] for t in ids]
        assert [c["key"] for c in data["columns"]] == list(data["rows"][0])
    finally:
        e.dispose()


def _json_counts(engine) -> dict[str, Counter]:
    """附件3's disposition counts from the settled results, parsed by Python's json."""
    counts: dict[str, Counter] = {EM: Counter(), MS: Counter()}
    with engine.connect() as conn:
        for (text,) in conn.execute(sa.text("SELECT CAST(results AS TEXT) FROM "
                                            "result_settlements")):
            for dept, block in json.loads(text)["departments"].items():
                counts[dept].update(set(block["dispositions"]))
    return counts


def _store_text(engine, task_id: str, text: str) -> None:
    """Write a settlement's results as this exact JSON text."""
    value = "CAST(:j AS JSON)" if engine.dialect.name == "postgresql" else ":j"
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE result_settlements SET results = {value} "
                             "WHERE task_id = :t"), {"j": text, "t": task_id})


def test_summary_counts_dispositions_as_whole_json_strings(settled, store_url, tmp_path):
    e = settled.engine
    ids = settled.task_ids
    with e.connect() as conn:
        stored = {r.task_id: r.results for r in conn.execute(
            sa.select(result_settlements.c.task_id, result_settlements.c.results))}
    # a disposition whose text holds another's name in quotes (a campaign's own wording)
    first = stored[ids[0]]
    first["departments"][EM]["dispositions"] = ['建议"立案处理']
    with e.begin() as conn:
        conn.execute(sa.update(result_settlements).where(result_settlements.c.task_id
                                                         == ids[0]).values(results=first))
    # valid JSON for 责令改正 that is neither the raw text nor Python's escaping of it
    last = stored[ids[3]]
    last["departments"][MS]["dispositions"] = ["@"]
    _store_text(e, ids[3], json.dumps(last, ensure_ascii=False).replace(
        '"@"', '"责令\\u6539\\u6b63"'))

    counts, drawn, settled_n = RS.summary_counts(e, CAMPAIGN_ID, [EM, MS], list(range(1, 9)),
                                                 DISPOSITIONS)
    assert (drawn, settled_n) == (4, 4)
    expected = _json_counts(e)
    for dept in (EM, MS):
        assert counts[dept][9:] == [expected[dept][n] for n in DISPOSITIONS], dept
    assert expected[MS]["责令改正"] >= 1 and counts[MS][9] == expected[MS]["责令改正"]
    assert counts[EM][10] == expected[EM]["立案处理"]  # 建议"立案处理 is not 立案处理
    # and the report shows the same
    out = tmp_path / "summary.json"
    assert run_cli(store_url, "report", "summary", CAMPAIGN_ID, "--format", "json",
                   "-o", str(out)).exit_code == 0
    rows = json.loads(out.read_text("utf-8"))["rows"]
    assert [r["立案处理"] for r in rows] == [expected[EM]["立案处理"], expected[MS]["立案处理"]]
