"""Inspection tasks and records on every engine: tasks from a draw, drafts with versions
per answer, conflicts, submit validation, read-only versions, amendments, the problems a
record implies, snapshots, the CLI and the migration of stores drawn before records."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jointcheck.core.classify import classify
from jointcheck.core.cli import main
from jointcheck.core.records import service as R
from jointcheck.core.records.snapshot import register_checklist
from jointcheck.core.store import audit
from jointcheck.core.store.models import (
    audit_log,
    checklists,
    record_problems,
    record_versions,
    task_answers,
    tasks,
)
from tests.recordsupport import answer_all, drawn_store, record_file, run_cli

EM, MS = "emergency_mgmt", "market_supervision"


@pytest.fixture
def drawn(store_url, tmp_path):
    d = drawn_store(store_url, tmp_path, count=4)
    yield d
    d.engine.dispose()


def test_an_officers_tasks_are_exactly_those_whose_team_has_them(drawn):
    """The database picks an officer's tasks (PostgreSQL through its team index, SQLite
    reading the JSON in C): exactly the tasks a member of whose team has that 执法证号, for
    every officer drawn, for numbers that are a prefix of another's, that hold LIKE's
    wildcards or a quote, or are not ASCII."""
    ids = drawn.task_ids
    odd = ["4106", "41_06%", 'a"b\\c', "鹤壁001", "ＡＢ1"]
    with drawn.engine.begin() as conn:
        for i, cert in enumerate(odd):
            task_id = ids[i % len(ids)]
            team = conn.execute(sa.select(tasks.c.team).where(tasks.c.id == task_id)).scalar_one()
            team.append({"cert_no": cert, "department": EM, "leader": False})
            conn.execute(sa.update(tasks).where(tasks.c.id == task_id).values(team=team))
        teams = dict(conn.execute(sa.select(tasks.c.id, tasks.c.team)).all())
    officers = {m["cert_no"] for team in teams.values() for m in team}
    assert set(odd) <= officers
    for officer in officers | {"41", "鹤壁", "%", "_"}:
        mine = [t for t in ids if any(m["cert_no"] == officer for m in teams[t])]
        assert [t.id for t in R.list_tasks(drawn.engine, officer=officer)] == mine, officer


def test_the_items_answered_are_counted_alike_for_a_few_tasks_and_for_the_store(
        drawn, monkeypatch):
    """The n of 草稿 n/m in the task list is what the draft itself counts (a note without a
    mark, an answer cleared again: none), whether the answers are read by the tasks' ids
    (a few tasks, an inspector's) or in one pass over every answer (most of the store)."""
    ids = drawn.task_ids
    draft = R.load_draft(drawn.engine, ids[0], host=drawn.host)
    items = [i for i in draft.items if draft.applies(i)]
    for task_id, n in zip(ids, (3, 1, 0, 2), strict=True):
        d = R.load_draft(drawn.engine, task_id, host=drawn.host)
        for item in items[:n]:
            R.save_answer(drawn.engine, task_id, R.item_key(item), {"result": "compliant"},
                          expected=d.version_of(R.item_key(item)), checklist=d.checklist)
    # a field is not an item; a note typed before the mark (no result yet) and an answer
    # cleared again count for nothing
    R.save_answer(drawn.engine, ids[2], R.field_key("inspected_on"), "2020-07-15",
                  expected=0, checklist=draft.checklist)
    R.save_answer(drawn.engine, ids[2], R.item_key(items[1]), {"result": None, "note": "待核"},
                  expected=0, checklist=draft.checklist)
    d = R.load_draft(drawn.engine, ids[2], host=drawn.host)
    R.save_answer(drawn.engine, ids[2], R.item_key(items[0]), None,
                  expected=d.version_of(R.item_key(items[0])), checklist=d.checklist)
    want = {ids[0]: 3, ids[1]: 1, ids[2]: 0, ids[3]: 2}
    # what the draft itself says (草稿 n/m on the task's own screen)
    assert {t: R.load_draft(drawn.engine, t, host=drawn.host).progress()[0]
            for t in ids} == want
    for limit in (R.TASKS_BY_ID, 0):  # by the tasks' ids; one pass over all answers
        monkeypatch.setattr(R, "TASKS_BY_ID", limit)
        assert {t.id: t.answered for t in R.list_tasks(drawn.engine)} == want
        assert {t.id: t.answered for t in R.list_tasks(drawn.engine, task_ids=ids[1:3])} == {
            ids[1]: 1, ids[2]: 0}


def test_a_task_list_reads_the_same_for_a_few_tasks_and_for_the_store(drawn, monkeypatch):
    """Each task of a list — the whole store, one officer's, a few by id — is the task as
    read alone (get_task: team with names, enterprise, status), whether the list reads the
    enterprises by the tasks' codes (a few tasks) or by the list's own query (many)."""
    ids = drawn.task_ids
    with drawn.engine.connect() as conn:
        alone = {t: R.get_task(conn, t) for t in ids}

    def seen(tasks):
        return {t.id: (t.summary(), t.target) for t in tasks}

    officer = alone[ids[0]].team[1].cert_no
    for limit in (R.TASKS_BY_ID, 0):
        monkeypatch.setattr(R, "TASKS_BY_ID", limit)
        assert seen(R.list_tasks(drawn.engine)) == seen(alone.values())
        mine = seen(R.list_tasks(drawn.engine, officer=officer))
        assert ids[0] in mine and mine == seen(
            t for t in alone.values() if officer in {m.cert_no for m in t.team})
        assert seen(R.list_tasks(drawn.engine, task_ids=ids[1:3])) == seen(
            alone[t] for t in ids[1:3])
        assert all(t.target["name"] for t in R.list_tasks(drawn.engine))


def _special(drawn, want: bool) -> str:
    """A task whose enterprise uses (or does not use) special equipment."""
    found = [tid for tid in drawn.task_ids
             if bool(drawn.target(tid)["attributes"].get("uses_special_equipment")) == want]
    assert found, "the fixed sample draw must hold enterprises with and without special equipment"
    return found[0]


def _items(drawn, dept):
    return drawn.checklist.items_of(dept)


# --------------------------------------------------------------------------- tasks


def test_a_draw_makes_one_pending_task_per_drawn_target(drawn, store_url):
    found = R.list_tasks(drawn.engine)
    assert [t.id for t in found] == drawn.task_ids
    assert all(t.status == "pending" and t.version == 0 for t in found)
    assert all(t.checklist_fingerprint == drawn.checklist.fingerprint for t in found)
    first = found[0]
    assert first.team[0].leader and first.team[0].department == EM
    assert {m.department for m in first.team} == {EM, MS}
    assert first.name and all(m.name for m in first.team)

    out = run_cli(store_url, "tasks", "list", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["id"] for r in rows] == drawn.task_ids
    for key in ("id", "draw_id", "seq", "credit_code", "name", "status", "team"):
        assert key in rows[0]
    text = run_cli(store_url, "tasks", "list")
    assert "待检查" in text.output and first.name in text.output
    officer = first.team[1].cert_no
    mine = json.loads(run_cli(store_url, "tasks", "list", "--officer", officer,
                              "--format", "json").output)
    assert mine and all(any(m["cert_no"] == officer for m in r["team"]) for r in mine)
    assert json.loads(run_cli(store_url, "tasks", "list", "--status", "submitted",
                              "--format", "json").output) == []
    assert "没有符合条件的任务" in run_cli(store_url, "tasks", "list", "--officer", "nobody").output
    unknown = run_cli(store_url, "tasks", "list", "--draw", "99")  # no such draw: as draw show
    assert unknown.exit_code == 1 and "JC734" in unknown.output


# --------------------------------------------------------------------------- drafts


def test_every_answer_is_stored_at_once_with_its_own_version(drawn):
    tid = drawn.task_ids[0]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    item = draft.items[0]
    key = R.item_key(item)
    a1 = R.save_answer(drawn.engine, tid, key, {"result": "compliant"}, expected=0,
                       checklist=draft.checklist, actor="周国斌")
    assert a1.version == 1
    a2 = R.save_answer(drawn.engine, tid, key, {"result": "noncompliant", "note": "台账缺失"},
                       expected=1, checklist=draft.checklist)
    assert a2.version == 2
    again = R.load_draft(drawn.engine, tid, host=drawn.host)
    assert again.task.status == "draft"
    assert again.item_answer(item) == {"result": "noncompliant", "note": "台账缺失"}
    assert again.version_of(key) == 2
    # no audit entry for a keystroke
    with drawn.engine.connect() as conn:
        actions = set(conn.execute(sa.select(audit_log.c.action)).scalars())
    assert not any(a.startswith("record") for a in actions)


def test_a_stale_edit_is_a_conflict_and_changes_nothing(drawn):
    tid = drawn.task_ids[0]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    key = R.item_key(draft.items[1])
    R.save_answer(drawn.engine, tid, key, {"result": "compliant"}, expected=0,
                  checklist=draft.checklist, actor="officer A")
    with pytest.raises(R.AnswerConflict) as info:
        R.save_answer(drawn.engine, tid, key, {"result": "noncompliant"}, expected=0,
                      checklist=draft.checklist, actor="officer B")
    assert info.value.theirs.value == {"result": "compliant"}
    assert info.value.theirs.updated_by == "officer A"
    assert info.value.problems[0].code == "JC803"
    stored = R.load_draft(drawn.engine, tid).answers[key]
    assert stored.value == {"result": "compliant"} and stored.version == 1
    # keeping mine is an explicit save over the version now seen
    kept = R.save_answer(drawn.engine, tid, key, {"result": "noncompliant", "note": "x"},
                         expected=info.value.theirs.version, checklist=draft.checklist)
    assert kept.version == 2


@pytest.mark.parametrize("same_item", [False, True])
def test_two_officers_writing_at_once(drawn, same_item):
    """Two writers (threads, each with its own connections) on one record: different items
    are both kept; on one item exactly one wins and the other gets a conflict."""
    tid = drawn.task_ids[0]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    items = [i for i in draft.items if draft.applies(i)]
    keys = [R.item_key(items[0]), R.item_key(items[0] if same_item else items[1])]
    barrier = threading.Barrier(2)
    outcome: dict[int, object] = {}

    def write(n: int) -> None:
        barrier.wait()
        try:
            outcome[n] = R.save_answer(drawn.engine, tid, keys[n],
                                       {"result": "compliant", "note": f"writer {n}"},
                                       expected=0, checklist=draft.checklist, actor=f"w{n}")
        except R.AnswerConflict as exc:
            outcome[n] = exc

    threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = R.load_draft(drawn.engine, tid).answers
    if same_item:
        conflicts = [o for o in outcome.values() if isinstance(o, R.AnswerConflict)]
        assert len(conflicts) == 1
        winner = next(o for o in outcome.values() if isinstance(o, R.Answer))
        assert stored[keys[0]].value == winner.value and stored[keys[0]].version == 1
    else:
        assert all(isinstance(o, R.Answer) for o in outcome.values())
        assert stored[keys[0]].value["note"] == "writer 0"
        assert stored[keys[1]].value["note"] == "writer 1"


def test_invalid_answers_are_refused(drawn):
    tid = drawn.task_ids[0]
    draft = R.load_draft(drawn.engine, tid)
    for key, value in [("item:nope.x", {"result": "compliant"}),
                       (R.item_key(draft.items[0]), {"result": "yes"}),
                       (R.field_key("inspected_on"), "2020-7-1"),
                       (R.field_key("outcome"), "absent"),
                       ("field:color", "red")]:
        with pytest.raises(R.RecordError) as info:
            R.save_answer(drawn.engine, tid, key, value, expected=0, checklist=draft.checklist)
        assert info.value.problems[0].code in ("JC804", "JC805")
    assert R.load_draft(drawn.engine, tid).answers == {}


def test_resume_on_the_item_after_the_last_mark(drawn):
    tid = _special(drawn, True)
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    for item in draft.items[:3]:
        R.save_answer(drawn.engine, tid, R.item_key(item), {"result": "compliant"}, expected=0,
                      checklist=draft.checklist)
    assert R.load_draft(drawn.engine, tid, host=drawn.host).resume_index() == 3


# --------------------------------------------------------------------------- submit


def test_submit_lists_what_blocks_it_then_stores_version_1(drawn):
    tid = _special(drawn, True)
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    first = draft.items[0]
    R.save_answer(drawn.engine, tid, R.item_key(first), {"result": "noncompliant"}, expected=0,
                  checklist=draft.checklist)
    R.save_answer(drawn.engine, tid, R.field_key("inspected_on"), "2020-08-20", expected=0,
                  checklist=draft.checklist)
    with pytest.raises(R.RecordError) as info:
        R.submit(drawn.engine, tid, host=drawn.host)
    codes = [p.code for p in info.value.problems]
    assert "JC811" in codes  # 不符合 without a note
    assert codes.count("JC810") == len(draft.items) - 1  # every other item unanswered
    assert "JC814" in codes  # date outside 2020-07
    jump = next(p for p in info.value.problems if p.code == "JC811")
    assert jump.extra["key"] == R.item_key(first)
    assert R.load_draft(drawn.engine, tid).task.status == "draft"

    answer_all(drawn, tid, inspected_on="2020-08-20")
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    R.save_answer(drawn.engine, tid, R.item_key(first),
                  {"result": "noncompliant", "note": "隐患台账未如实记录，", "corrected_on_site": False},
                  expected=draft.version_of(R.item_key(first)), checklist=draft.checklist)
    with pytest.raises(R.RecordError) as info:
        R.submit(drawn.engine, tid, host=drawn.host)
    assert [p.code for p in info.value.problems] == ["JC814"]
    rv = R.submit(drawn.engine, tid, host=drawn.host, confirm_date=True, actor="周国斌")
    assert rv.version == 1 and rv.reason is None

    # the stored classification is core.classify's on the stored findings
    expected = classify(rv.record["findings"], drawn.checklist, drawn.host).to_json()
    assert rv.results == expected
    assert rv.results["departments"][EM]["result"]["code"] == 8
    assert rv.results["joint"]["text"] == "发现问题待后续处理"
    assert rv.record["opinion"].startswith("经检查，该企业存在以下问题：")
    assert rv.checklist_fingerprint == drawn.checklist.fingerprint

    with drawn.engine.connect() as conn:
        row = conn.execute(sa.select(tasks).where(tasks.c.id == tid)).one()
        assert row.status == "submitted" and row.version == 1
        probs = conn.execute(sa.select(record_problems)).all()
        assert [(p.department, p.item_id, p.refer_to) for p in probs] == [(EM, first.id, EM)]
        assert probs[0].dispositions == ["责令改正", "立案处理"]
        entry = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc())).first()
        assert entry.action == "record.submit" and entry.actor == "周国斌"
        assert entry.payload["digest"] == rv.digest
        assert audit.verify(conn) == []

    # read-only from now on
    with pytest.raises(R.RecordError) as info:
        R.save_answer(drawn.engine, tid, R.item_key(first), {"result": "compliant"},
                      expected=None, checklist=drawn.checklist)
    assert info.value.problems[0].code == "JC802"
    with pytest.raises(R.RecordError) as info:
        R.submit(drawn.engine, tid, host=drawn.host)
    assert info.value.problems[0].code == "JC802"


def test_officers_present_two_per_department(drawn):
    tid = drawn.task_ids[0]
    answer_all(drawn, tid)
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    team = draft.task.team
    one_em = [m.cert_no for m in team if m.department == MS] + \
             [next(m.cert_no for m in team if m.department == EM)]
    R.save_answer(drawn.engine, tid, R.field_key("officers_present"), one_em + ["41069999999"],
                  expected=0, checklist=draft.checklist)
    with pytest.raises(R.RecordError) as info:
        R.submit(drawn.engine, tid, host=drawn.host)
    codes = sorted(p.code for p in info.value.problems)
    assert codes == ["JC812", "JC815"]
    assert "应急管理局" in next(p.message for p in info.value.problems if p.code == "JC812")


def test_unreachable_enterprise_needs_no_items(drawn):
    tid = drawn.task_ids[1]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    R.save_answer(drawn.engine, tid, R.field_key("outcome"), "unreachable", expected=0,
                  checklist=draft.checklist)
    R.save_answer(drawn.engine, tid, R.field_key("inspected_on"), "2020-07-09", expected=0,
                  checklist=draft.checklist)
    rv = R.submit(drawn.engine, tid, host=drawn.host)
    assert rv.results["joint"] == {"code": 4, "text": "通过登记的住所（经营场所）无法联系"}
    assert "无法联系" in rv.record["opinion"]


def test_market_items_do_not_apply_without_special_equipment(drawn):
    tid = _special(drawn, False)
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    assert not any(draft.applies(i) for i in _items(drawn, MS))
    assert draft.progress() == (0, len(_items(drawn, EM)))
    answer_all(drawn, tid)
    rv = R.submit(drawn.engine, tid, host=drawn.host)
    assert rv.results["departments"][MS]["result"]["code"] == 7
    assert rv.results["joint"]["code"] == 1


def test_applicability_follows_the_corrected_facts_however_they_arrive(drawn):
    """The draft decides anew which items apply whenever the facts' correction changes,
    whoever changed it (the app's form, an adopted conflict, a file): no cache to clear."""
    tid = _special(drawn, False)
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    ms = _items(drawn, MS)
    assert not any(draft.applies(i) for i in ms)
    draft.answers[R.field_key("target")] = R.Answer({"uses_special_equipment": True}, 1)
    assert all(draft.applies(i) for i in ms)
    del draft.answers[R.field_key("target")]
    assert not any(draft.applies(i) for i in ms)


def test_record_show_says_which_items_did_not_apply(drawn, store_url):
    """A submitted version shows the items its enterprise was not owed as not applying (by
    the facts it was submitted with), never as left unanswered."""
    tid = _special(drawn, False)
    answer_all(drawn, tid)
    R.submit(drawn.engine, tid, host=drawn.host)
    for args in ((), ("--version", "1")):
        out = run_cli(store_url, "record", "show", tid, *args)
        assert out.exit_code == 0, out.output
        lines = out.output.splitlines()
        for item in _items(drawn, MS):
            (line,) = [x for x in lines if x.endswith(f"{item.title}  不适用于该企业")]
            assert " – " in line
        assert "未填写" not in out.output


# --------------------------------------------------------------------------- amend


def test_amend_makes_version_2_with_a_reason_and_keeps_version_1(drawn, store_url):
    tid = drawn.task_ids[0]
    answer_all(drawn, tid)
    v1 = R.submit(drawn.engine, tid, host=drawn.host)
    with pytest.raises(R.RecordError) as info:
        R.start_amendment(drawn.engine, tid, "   ")
    assert info.value.problems[0].code == "JC816"
    R.start_amendment(drawn.engine, tid, "漏记当场整改情况")
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    assert draft.task.status == "amending"
    item = draft.items[0]
    R.save_answer(drawn.engine, tid, R.item_key(item),
                  {"result": "noncompliant", "corrected_on_site": True, "note": "已当场整改。"},
                  expected=draft.version_of(R.item_key(item)), checklist=draft.checklist)
    v2 = R.submit(drawn.engine, tid, host=drawn.host)
    assert (v2.version, v2.reason) == (2, "漏记当场整改情况")
    assert v2.results["departments"][EM]["result"]["code"] == 5
    assert v2.results["departments"][EM]["dispositions"] == ["责令改正"]
    old, _cl = R.load_version(drawn.engine, tid, 1)
    assert old.results == v1.results and old.digest == v1.digest
    assert [v.version for v in R.versions(drawn.engine, tid)] == [1, 2]
    with drawn.engine.connect() as conn:
        actions = list(conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq))
                       .scalars())
        assert actions[-2:] == ["record.submit", "record.amend"]
        per_version = conn.execute(sa.select(record_problems.c.version, record_problems.c.corrected_on_site)).all()
        assert [tuple(r) for r in per_version] == [(2, True)]
    shown = json.loads(run_cli(store_url, "record", "show", tid, "--version", "1",
                               "--format", "json").output)
    assert shown["version"] == 1 and shown["results"] == v1.results
    assert [v["version"] for v in shown["versions"]] == [1, 2]


def test_a_version_stays_readable_after_the_plugins_change(drawn):
    """The record is read with the checklist it was filled against, not today's."""
    tid = drawn.task_ids[2]
    first = drawn.checklist.items[0]
    changed_item = dataclasses.replace(first, title="（旧版）风险管控检查",
                                       data={**first.data, "title": "（旧版）风险管控检查"})
    from jointcheck.core.merge import fingerprint

    items = [changed_item] + drawn.checklist.items[1:]
    old = dataclasses.replace(drawn.checklist, items=items)
    old.fingerprint = fingerprint(old.departments, items, old.policy, old.campaign)
    with drawn.engine.begin() as conn:
        register_checklist(conn, old)
        conn.execute(sa.update(tasks).where(tasks.c.id == tid)
                     .values(checklist_fingerprint=old.fingerprint))
    answer_all(drawn, tid)
    R.submit(drawn.engine, tid, host=drawn.host)
    rv, used = R.load_version(drawn.engine, tid)
    assert used.fingerprint == old.fingerprint != drawn.checklist.fingerprint
    assert used.items[0].title == "（旧版）风险管控检查"


def test_a_tampered_snapshot_is_refused(drawn):
    tid = drawn.task_ids[0]
    with drawn.engine.begin() as conn:
        snap = conn.execute(sa.select(checklists.c.snapshot)).scalar_one()
        snap["items"][0]["data"]["title"] = "改过的事项"
        conn.execute(sa.update(checklists).values(snapshot=snap))
    with pytest.raises(R.RecordError) as info:
        R.load_draft(drawn.engine, tid)
    assert info.value.problems[0].code == "JC809"


# --------------------------------------------------------------------------- CLI




def test_record_submit_and_amend_from_files(drawn, store_url, tmp_path):
    tid = drawn.task_ids[0]
    bad = record_file(drawn, tmp_path, tid, bad_note=True)
    out = run_cli(store_url, "record", "submit", tid, "--findings", bad)
    assert out.exit_code == 1
    # located in the file, at the item
    assert f"{bad}:9:" in out.output and "JC811" in out.output, out.output
    with drawn.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(record_versions)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(task_answers)).scalar() == 0

    good = record_file(drawn, tmp_path, tid)
    out = run_cli(store_url, "record", "submit", tid, "--findings", good)
    assert out.exit_code == 0, out.output
    assert "第 1 版" in out.output and "5. 发现问题已责令改正" in out.output
    shown = json.loads(run_cli(store_url, "record", "show", tid, "--format", "json").output)
    for key in ("task_id", "status", "version", "findings", "results", "opinion", "remarks",
                "checklist_fingerprint"):
        assert key in shown
    assert shown["status"] == "submitted" and shown["version"] == 1
    assert shown["escort"] == {"name": "李明", "position": "安全科长"}
    assert shown["findings"]["departments"][EM]["items"]["equipment_maintenance"]["note"] == \
        "两台灭火器压力不足，已当场更换。"
    # the same file again is refused: the record is read-only
    again = run_cli(store_url, "record", "submit", tid, "--findings", good)
    assert again.exit_code == 1 and "JC802" in again.output
    blank = run_cli(store_url, "record", "amend", tid, "--findings", good, "--reason", " ")
    assert blank.exit_code == 1 and "JC816" in blank.output
    assert R.load_draft(drawn.engine, tid).task.status == "submitted"
    bad = record_file(drawn, tmp_path, tid, bad_note=True)
    refused = run_cli(store_url, "record", "amend", tid, "--findings", bad, "--reason", "改备注")
    assert refused.exit_code == 1 and "JC811" in refused.output
    assert R.load_draft(drawn.engine, tid).task.status == "submitted"  # left as it was
    assert [v.version for v in R.versions(drawn.engine, tid)] == [1]
    good = record_file(drawn, tmp_path, tid)  # the same file name: write the good one again
    amended = run_cli(store_url, "record", "amend", tid, "--findings", good, "--reason",
                      "补录陪同人员")
    assert amended.exit_code == 0, amended.output
    assert "第 2 版" in amended.output
    text = run_cli(store_url, "record", "show", tid)
    assert "第 2 版" in text.output and "补录陪同人员" in text.output
    en = run_cli(store_url, "--lang", "en", "record", "show", tid)
    assert "version 2" in en.output and "发现问题已责令改正" in en.output


def test_record_commands_with_wrong_arguments(drawn, store_url, tmp_path):
    out = run_cli(store_url, "record", "show", "9-9")
    assert out.exit_code == 1 and "JC801" in out.output
    out = run_cli(store_url, "record", "submit", drawn.task_ids[0], "--findings",
                  str(tmp_path / "missing.yaml"))
    assert out.exit_code == 1 and "Traceback" not in out.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("outcome: inspected\ndepartments: {emergency_mgmt: {items: {risk_control: {result: maybe}}}}\n",
                      encoding="utf-8")
    out = run_cli(store_url, "record", "submit", drawn.task_ids[0], "--findings", str(broken))
    assert out.exit_code == 1 and "JC204" in out.output and f"{broken}:2:" in out.output
    out = run_cli(store_url, "record", "show", drawn.task_ids[0], "--version", "3")
    assert out.exit_code == 1 and "JC807" in out.output
    out = run_cli(store_url, "record", "amend", drawn.task_ids[0], "--findings", str(broken),
                  "--reason", "x")
    assert out.exit_code == 1


def test_schema_record_is_printed():
    out = CliRunner().invoke(main, ["schema", "record"])
    assert out.exit_code == 0 and "urn:jointcheck:schema:record:1" in out.output


# --------------------------------------------------------------------------- migration


def test_upgrading_a_store_drawn_before_records_makes_its_tasks(db_url, tmp_path):
    """A store at revision 0001 with a draw gets one pending task per drawn target."""
    from alembic import command

    from jointcheck.core.store import alembic_config, create_engine_for, open_store, upgrade

    cfg = alembic_config(db_url)
    command.upgrade(cfg, "0001")
    engine = create_engine_for(db_url)
    result = {"targets": [{"seq": 1, "credit_code": "91410611000000001X",
                           "team": [{"cert_no": "B", "department": MS, "leader": False},
                                    {"cert_no": "A", "department": EM, "leader": True}]}]}
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO draws (id, campaign_id, campaign_kind, year, seed, algorithm_version, "
            "parameters, targets_fingerprint, officers_fingerprint, result, result_digest, "
            "created_at, actor) VALUES (7, 'hebi-2020-industrial-safety', 'k', 2020, 's', "
            "'jc-draw-1', '{}', 'x', 'y', :result, 'z', CURRENT_TIMESTAMP, 'me')"),
            {"result": json.dumps(result)})
    engine.dispose()
    upgrade(db_url)
    engine = open_store(db_url)
    try:
        found = R.list_tasks(engine)
        assert [(t.id, t.status, t.checklist_fingerprint) for t in found] == [("7-1", "pending", None)]
        assert [m.cert_no for m in found[0].team] == ["A", "B"]  # leader first
        # the task is pinned to the campaign's checklist when first opened with it
        with pytest.raises(R.RecordError) as info:
            R.load_draft(engine, "7-1")
        assert info.value.problems[0].code == "JC818"
        from jointcheck.core.campaign import open_campaign
        from jointcheck.core.merge import merge

        opened = open_campaign(None)
        config, camp = opened.config, opened.campaign
        draft = R.load_draft(engine, "7-1", campaign=merge(config, camp))
        assert draft.task.checklist_fingerprint == draft.checklist.fingerprint
        assert R.load_draft(engine, "7-1").checklist.fingerprint == draft.checklist.fingerprint
    finally:
        engine.dispose()


def test_a_busy_store_is_said_and_nothing_is_lost(sqlite_url, tmp_path, monkeypatch):
    """SQLite: while another process holds the write lock past the busy timeout, a mark is
    refused with JC820 (StoreBusy) and stored on the next try once the lock is released."""
    import sqlite3

    from jointcheck.core import store
    from jointcheck.core.store import upgrade

    upgrade(sqlite_url)
    d = drawn_store(sqlite_url, tmp_path, count=1)
    d.engine.dispose()
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    engine = store.open_store(sqlite_url)
    try:
        draft = R.load_draft(engine, d.task_ids[0], host=d.host)
        key = R.item_key(draft.items[0])
        holder = sqlite3.connect(store.sqlite_path(sqlite_url), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(R.StoreBusy) as info:
            R.save_answer(engine, d.task_ids[0], key, {"result": "compliant"}, expected=0,
                          checklist=draft.checklist)
        assert info.value.problems[0].code == "JC820"
        holder.execute("ROLLBACK")
        holder.close()
        stored = R.save_answer(engine, d.task_ids[0], key, {"result": "compliant"},
                               expected=0, checklist=draft.checklist)
        assert stored.version == 1
    finally:
        engine.dispose()


def test_the_apps_writer_retries_a_mark_refused_as_busy_until_it_is_stored(sqlite_url, tmp_path,
                                                                           monkeypatch):
    """A mark refused as busy (JC820: the lock held past the busy timeout, e.g. by an
    import) is retried by the app's writer (tui/saving.py), as JC820's hint promises, and
    stored once the lock is released: never rejected, never dropped."""
    import sqlite3

    from jointcheck.core import store
    from jointcheck.core.store import upgrade
    from jointcheck.tui.saving import Busy, Rejected, Saved, Saver

    upgrade(sqlite_url)
    d = drawn_store(sqlite_url, tmp_path, count=1)
    d.engine.dispose()
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    engine = store.open_store(sqlite_url)
    holder = sqlite3.connect(store.sqlite_path(sqlite_url), isolation_level=None,
                             check_same_thread=False)  # released on the writer's thread
    try:
        draft = R.load_draft(engine, d.task_ids[0], host=d.host)
        key = R.item_key(draft.items[0])
        holder.execute("BEGIN IMMEDIATE")
        posted: list[object] = []
        done = threading.Event()

        def post(message):
            posted.append(message)
            if isinstance(message, Saved | Rejected):
                done.set()

        def backoff(seconds):  # the writer waits before its next try: the import ends
            if holder.in_transaction:
                holder.execute("ROLLBACK")

        saver = Saver(engine, d.task_ids[0], draft.checklist, {}, post, sleep=backoff)
        writer = threading.Thread(target=saver.run)
        writer.start()
        saver.save(key, {"result": "compliant"}, expected=0)
        assert done.wait(10)
        saver.stop()
        writer.join(5)
        busy, saved = posted
        assert isinstance(busy, Busy) and isinstance(busy.error, R.StoreBusy)
        assert isinstance(saved, Saved) and saved.answer.version == 1
        stored = R.load_draft(engine, d.task_ids[0]).answers[key]
        assert (stored.version, stored.value) == (1, {"result": "compliant"})
    finally:
        holder.close()
        engine.dispose()


def test_a_sqlite_import_takes_the_write_lock_only_to_write(sqlite_url, tmp_path, monkeypatch):
    """While a library file is read and validated, an inspector's mark is stored at once
    (the import holds the store's write lock only for its final write)."""
    from jointcheck.core import store
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.store import upgrade

    upgrade(sqlite_url)
    d = drawn_store(sqlite_url, tmp_path, count=1)
    big, _o = write_sample(tmp_path / "big", targets=25_000, officers=5, seed=9)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 300)
    marker = store.open_store(sqlite_url)
    draft = R.load_draft(marker, d.task_ids[0], host=d.host)
    items = [i for i in draft.items if draft.applies(i)]
    stored: list[int] = []

    def mark_while_reading(done: int, total: int) -> None:
        if done < total and len(stored) < len(items):
            item = items[len(stored)]
            a = R.save_answer(marker, d.task_ids[0], R.item_key(item), {"result": "compliant"},
                              expected=0, checklist=draft.checklist)
            stored.append(a.version)

    try:
        report = import_file(d.engine, "targets", big, progress=mark_while_reading,
                             parallel=False)
        assert report.imported and report.rows == 25_000
        assert len(stored) >= 2  # marks were stored during the reading, none waited out
        assert len(R.load_draft(marker, d.task_ids[0]).answers) == len(stored)
    finally:
        marker.dispose()
        d.engine.dispose()
    assert not list((tmp_path).glob(".jointcheck-import-*"))  # the stage is removed
