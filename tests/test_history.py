"""The inspection history (issue 23, 国办发〔2024〕54号) and the once-only draw, on every
engine the fixtures provide.

Covers: the acceptance scenario (one campaign draws 40, 40 others are imported as inspected
by 市生态环境局 on 2020-06-15, a campaign with exclude_within_days: 365 draws 120 without
any of those 80, verifies, and `targets history` lists the first campaign's inspection);
the yearly cap; the import refusing bad rows all-or-nothing with located problems, GB18030
files and Excel damage; verify detecting a history that changed behind the draw; a second
plain draw refused (JC741) and the supplementary draw with unique 抽取序号; the draw's
funnel; status warnings and the 重复检查预警表 report.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jointcheck.core.campaign import open_campaign
from jointcheck.core.cli import main
from jointcheck.core.draw import service as S
from jointcheck.core.draw.algorithm import DrawError
from jointcheck.core.store import audit, begin_write, open_store
from jointcheck.core.store.models import audit_log, draws, inspections, targets, tasks
from tests.test_draw_store import EM, MS, SE, campaign_file, code, insert_libraries

UNIT = "市生态环境局"


def run_cli(url: str, *args: str):
    return CliRunner().invoke(main, ["--db", url, *args])


def in_scope_rows(n: int) -> list[dict]:
    """*n* targets every campaign here has in scope (存续, 工业)."""
    return [{"credit_code": code(i), "name": f"鹤壁历史{i}有限公司", "status": "存续",
             "industry": "工业", "risk_grade": "A", "jurisdiction": "淇滨区",
             "attributes": {}, "check_override": False} for i in range(n)]


@pytest.fixture
def engine(store_url):
    eng = open_store(store_url)
    insert_libraries(eng, in_scope_rows(220))
    yield eng
    eng.dispose()


def campaign(tmp_path, name: str, **changes):
    base = {"sample": {"count": 40}, "team": {"leader_from": EM, "cross_jurisdiction": False},
            "officers": {EM: {"count": 2}, MS: {"count": 2, "qualifications": [SE]}}}
    base.update(changes)
    return open_campaign(campaign_file(tmp_path, f"{name}.yaml", id=name, kind=name,
                                       **base)).campaign


def history_csv(tmp_path, codes, *, day="2020-06-15", unit=UNIT, name="history.csv",
                encoding="utf-8") -> str:
    path = tmp_path / name
    lines = ["统一社会信用代码,检查日期,检查单位,检查类型,检查事项"]
    lines += [f"{c},{day},{unit},双随机抽查,排污许可执行情况" for c in codes]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return str(path)


def drawn(record) -> set[str]:
    return {t["credit_code"] for t in record.drawn}


# --------------------------------------------------------------------------- acceptance


def test_acceptance_history_excludes_drawn_and_imported_enterprises(engine, store_url,
                                                                    tmp_path):
    first = S.run_draw(engine, campaign(tmp_path, "first"), "seed one",
                       commitment_required=False, weak_seed=True)
    assert len(first.drawn) == 40
    others = sorted({code(i) for i in range(220)} - drawn(first))[:40]
    res = run_cli(store_url, "history", "import", history_csv(tmp_path, others))
    assert res.exit_code == 0, res.output
    assert "新增 40" in res.output

    limited = campaign(tmp_path, "limited", sample={"count": 120},
                       period={"start": "2020-09-01", "end": "2020-09-30"},
                       inspection_limits={"exclude_within_days": 365})
    second = S.run_draw(engine, limited, "seed two", commitment_required=False,
                        weak_seed=True)
    assert len(second.drawn) == 120
    assert not drawn(second) & (drawn(first) | set(others))
    assert second.funnel == {"library": 220, "in_scope": 220, "drawn_this_year": 0,
                             "drawn_in_campaign": 0, "inspected_within_days": 80,
                             "yearly_cap": 0, "eligible": 140}
    assert second.parameters["inspection_limits"] == {"exclude_within_days": 365}
    assert len(second.parameters["history"]) == 80
    res = run_cli(store_url, "draw", "verify", str(second.id))
    assert res.exit_code == 0 and "一致" in res.output, res.output
    # the explanation counts each step
    res = run_cli(store_url, "draw", "show", str(second.id))
    assert "排除 365 日内已检查 80" in res.output and "符合条件 140" in res.output
    assert "同一企业在抽查开始日期前后 365 日内已检查" in res.output

    one = sorted(drawn(first))[0]
    res = run_cli(store_url, "targets", "history", one)
    assert res.exit_code == 0, res.output
    assert "实施方案 first" in res.output and "2020-07-01" in res.output
    assert "已抽取，尚未检查" in res.output
    res = run_cli(store_url, "targets", "history", others[0], "--format", "json")
    entry = json.loads(res.output)["inspections"][0]
    assert (entry["date"], entry["units"], entry["source"]) == ("2020-06-15", [UNIT], "import")
    assert entry["kind"] == "双随机抽查" and entry["matters"] == "排污许可执行情况"


def test_acceptance_on_the_cli_with_an_exported_replay(engine, store_url, tmp_path):
    """The same through the CLI; the export carries the history a replay needs (credit
    codes and dates only) and replays from library files."""
    first = campaign(tmp_path, "first")
    assert run_cli(store_url, "draw", "run", str(first.source.file), "--seed", "s1",
                   "--no-commitment", "--weak-seed").exit_code == 0
    with engine.connect() as conn:
        done = set(conn.execute(sa.select(tasks.c.credit_code)).scalars())
    others = sorted({code(i) for i in range(220)} - done)[:40]
    assert run_cli(store_url, "history", "import", history_csv(tmp_path, others)).exit_code == 0
    limited = campaign(tmp_path, "limited", sample={"count": 120},
                       period={"start": "2020-09-01", "end": "2020-09-30"},
                       inspection_limits={"exclude_within_days": 365})
    res = run_cli(store_url, "draw", "run", str(limited.source.file), "--seed", "s2",
                  "--no-commitment", "--weak-seed", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    got = {t["credit_code"] for t in data["result"]["targets"]}
    assert len(got) == 120 and not got & (done | set(others))
    export = tmp_path / "draw.json"
    assert run_cli(store_url, "draw", "export", str(data["draw_id"]), "-o",
                   str(export)).exit_code == 0
    exported = json.loads(export.read_text(encoding="utf-8"))
    assert exported["algorithm_version"] == "jc-draw-2"
    assert {c for c, _ in exported["parameters"]["history"]} == done | set(others)
    assert "市生态环境局" not in export.read_text(encoding="utf-8")  # codes and dates only
    tfile, ofile = tmp_path / "t.csv", tmp_path / "o.csv"
    assert run_cli(store_url, "targets", "list", "--format", "csv", "--limit", "0").exit_code == 0
    tfile.write_text(run_cli(store_url, "targets", "list", "--format", "csv", "--limit",
                             "0").output, encoding="utf-8")
    ofile.write_text(run_cli(store_url, "officers", "list", "--format", "csv", "--limit", "0",
                             "--show-personal").output, encoding="utf-8")
    res = run_cli(store_url, "draw", "verify", "--file", str(export), "--targets", str(tfile),
                  "--officers", str(ofile))
    assert res.exit_code == 0 and "一致" in res.output, res.output
    # a tampered history in the file is caught by its fingerprint
    exported["parameters"]["history"] = exported["parameters"]["history"][1:]
    export.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    res = run_cli(store_url, "draw", "verify", "--file", str(export), "--targets", str(tfile),
                  "--officers", str(ofile))
    assert res.exit_code == 1 and "检查历史" in res.output


def test_yearly_cap_counts_inspections_in_the_start_year(engine, store_url, tmp_path):
    twice = [code(i) for i in range(10)]
    once = [code(i) for i in range(10, 20)]
    last_year = [code(i) for i in range(20, 30)]
    for name, codes, day in (("a.csv", twice + once, "2021-02-01"),
                             ("b.csv", twice, "2021-11-20"),
                             ("c.csv", last_year + last_year[:0], "2020-12-31")):
        assert run_cli(store_url, "history", "import",
                       history_csv(tmp_path, codes, day=day, name=name)).exit_code == 0
    capped = campaign(tmp_path, "capped", sample={"ratio": 1},
                      period={"start": "2021-05-01", "end": "2021-05-31"},
                      inspection_limits={"max_per_year": 2})
    rec = S.run_draw(engine, capped, "cap seed", commitment_required=False, weak_seed=True)
    got = drawn(rec)
    assert not got & set(twice)  # two inspections in 2021 (one after the start) reach 2
    assert set(once) <= got and set(last_year) <= got  # one in 2021; 2020 is another year
    assert rec.funnel["yearly_cap"] == 10 and rec.funnel["eligible"] == 210
    assert S.verify_stored(engine, rec.id).ok


def test_verify_detects_history_changed_behind_the_draw(engine, store_url, tmp_path):
    others = [code(i) for i in range(5)]
    assert run_cli(store_url, "history", "import", history_csv(tmp_path, others)).exit_code == 0
    limited = campaign(tmp_path, "limited", sample={"count": 10},
                       inspection_limits={"exclude_within_days": 60})
    rec = S.run_draw(engine, limited, "seed", commitment_required=False, weak_seed=True)
    assert not drawn(rec) & set(others)
    # an import after the draw is not part of its history: still consistent
    assert run_cli(store_url, "history", "import",
                   history_csv(tmp_path, [code(9)], name="later.csv")).exit_code == 0
    assert S.verify_stored(engine, rec.id).ok
    # an inspection removed behind jointcheck's back is noticed
    with begin_write(engine) as conn:
        conn.execute(sa.delete(inspections).where(inspections.c.credit_code == others[0]))
    report = S.verify_stored(engine, rec.id)
    assert not report.ok and any("检查历史与抽取时不符" in d for d in report.differences)


def test_a_task_inspected_later_is_dated_by_its_record_but_the_draw_still_verifies(
        db_url, tmp_path):
    """A task counts from its campaign's start until its record gives the date; the
    draw's history is rebuilt as the store knew it at the draw."""
    from jointcheck.core.history import history_of
    from jointcheck.core.store import upgrade
    from tests.recordsupport import campaign_copy, drawn_store, submit_task

    upgrade(db_url)
    first = drawn_store(db_url, tmp_path, count=3)
    start = first.checklist.campaign.start
    (tmp_path / "b").mkdir()
    path = campaign_copy(tmp_path / "b", 5, id="limited", kind="limited",
                         inspection_limits={"exclude_within_days": 30})
    limited = open_campaign(path).campaign
    rec = S.run_draw(first.engine, limited, "s2", commitment_required=False, weak_seed=True)
    codes = {t["credit_code"] for t in first.draw.drawn}
    assert not drawn(rec) & codes and len(rec.parameters["history"]) == 3
    task = first.task_ids[0]
    code0 = first.draw.drawn[0]["credit_code"]
    with first.engine.connect() as conn:
        [before] = [e for e in history_of(conn, [code0]) if e.task_id == task]
    assert (before.on, before.inspected) == (start, False)
    submit_task(first, task, inspected_on="2020-07-20")  # after the second draw
    with first.engine.connect() as conn:
        [after] = [e for e in history_of(conn, [code0]) if e.task_id == task]
    assert (after.on, after.inspected, after.submitted) == (date(2020, 7, 20), True, True)
    assert S.verify_stored(first.engine, rec.id).ok
    # a version brought back in a field bundle after the draw says it was submitted
    # offline before it: what counts is when it entered the store
    from jointcheck.core.store.models import record_versions

    with begin_write(first.engine) as conn:
        conn.execute(sa.update(record_versions).where(record_versions.c.task_id == task)
                     .values(submitted_at=datetime(2020, 7, 20, 9, tzinfo=UTC)))
    assert S.verify_stored(first.engine, rec.id).ok
    first.engine.dispose()


# --------------------------------------------------------------------------- the import


def test_import_is_all_or_nothing_with_located_problems(engine, store_url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("统一社会信用代码,检查日期,检查单位\n"
                    f"{code(1)},2020-06-15,{UNIT}\n"
                    "9.14106E+17,2020-06-15,市生态环境局\n"
                    f"{code(2)},44000,{UNIT}\n"
                    f"{code(3)},2020-06-15,\n", encoding="utf-8")
    res = run_cli(store_url, "history", "import", str(path))
    assert res.exit_code == 1
    assert f"{path}:3" in res.output and "JC625" in res.output  # Excel's scientific notation
    assert f"{path}:4" in res.output and "JC627" in res.output  # a date as a serial number
    assert f"{path}:5" in res.output and "JC610" in res.output  # 检查单位 is required
    assert "Traceback" not in res.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(inspections)).scalar() == 0
        assert not [e for e in audit.entries(conn) if e["action"] == "history.import"]


def test_import_reads_gb18030_and_xlsx_and_is_audited_once_per_file(engine, store_url,
                                                                    tmp_path):
    gbk = history_csv(tmp_path, [code(1), code(2)], name="gbk.csv", encoding="gb18030")
    res = run_cli(store_url, "history", "import", gbk)
    assert res.exit_code == 0, res.output
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["检查记录导出"])  # a title row above the header
    ws.append(["序号", "统一社会信用代码", "企业名称", "检查日期", "检查单位"])
    ws.append([1, code(3), "某公司", date(2020, 5, 6), "市应急管理局"])
    ws.append([2, code(1), "某公司", "2020-06-15", UNIT])
    xlsx = tmp_path / "h.xlsx"
    wb.save(xlsx)
    res = run_cli(store_url, "history", "import", str(xlsx), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["added"], out["rows"]) == (2, 2)
    # the same file again adds nothing
    res = run_cli(store_url, "history", "import", gbk, "--format", "json")
    assert json.loads(res.output)["added"] == 0
    with engine.connect() as conn:
        rows = conn.execute(sa.select(inspections.c.credit_code, inspections.c.inspected_on,
                                      inspections.c.unit).order_by(inspections.c.id)).all()
        actions = [e["action"] for e in audit.entries(conn)]
    assert (code(3), date(2020, 5, 6), "市应急管理局") in [tuple(r) for r in rows]
    assert len(rows) == 4 and actions.count("history.import") == 3


# --------------------------------------------------------------------------- once only


def test_second_plain_draw_is_refused_and_a_supplementary_draw_continues(engine, store_url,
                                                                        tmp_path):
    camp = campaign(tmp_path, "once", sample={"count": 5})
    path = str(camp.source.file)
    assert run_cli(store_url, "draw", "run", path, "--seed", "a", "--no-commitment",
                   "--weak-seed").exit_code == 0
    res = run_cli(store_url, "draw", "run", path, "--seed", "b", "--no-commitment",
                  "--weak-seed")
    assert res.exit_code == 1 and "JC741" in res.output and "--supplementary" in res.output
    assert "Traceback" not in res.output
    res = run_cli(store_url, "draw", "run", path, "--seed", "b", "--no-commitment",
                  "--weak-seed", "--supplementary")
    assert res.exit_code == 1 and "JC742" in res.output
    res = run_cli(store_url, "draw", "run", path, "--seed", "b", "--no-commitment",
                  "--weak-seed", "--reason", "x")
    assert res.exit_code == 2  # --reason only with --supplementary
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(draws)).scalar() == 1
    res = run_cli(store_url, "draw", "run", path, "--seed", "b", "--no-commitment",
                  "--weak-seed", "--supplementary", "--reason", "第 2 号企业已注销",
                  "--count", "2", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [t["seq"] for t in data["result"]["targets"]] == [6, 7]
    assert data["reason"] == "第 2 号企业已注销"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tasks.c.seq, tasks.c.credit_code)
                            .where(tasks.c.campaign_id == "once")).all()
        entry = [e for e in audit.entries(conn) if e["action"] == "draw.run"][-1]
    assert sorted(s for s, _ in rows) == [1, 2, 3, 4, 5, 6, 7]
    assert len({c for _, c in rows}) == 7  # never an enterprise drawn twice
    assert entry["payload"]["supplementary"] and entry["payload"]["reason"] == "第 2 号企业已注销"
    res = run_cli(store_url, "tasks", "list", "--campaign", "once", "--format", "json")
    assert sorted(t["seq"] for t in json.loads(res.output)) == [1, 2, 3, 4, 5, 6, 7]
    for draw_id in (1, 2):
        assert run_cli(store_url, "draw", "verify", str(draw_id)).exit_code == 0
    res = run_cli(store_url, "draw", "show", "2")
    assert "补充抽取，理由：第 2 号企业已注销" in res.output
    res = run_cli(store_url, "draw", "list")
    assert "once（补充抽取）" in res.output


def test_supplementary_needs_an_earlier_draw_and_nothing_is_recorded(engine, tmp_path):
    camp = campaign(tmp_path, "fresh", sample={"count": 5})
    with pytest.raises(DrawError) as exc:
        S.run_draw(engine, camp, "s", commitment_required=False, weak_seed=True,
                   supplementary="再抽")
    assert exc.value.problems[0].code == "JC743"
    with pytest.raises(DrawError) as exc:
        S.run_draw(engine, camp, "s", commitment_required=False, weak_seed=True,
                   supplementary="  ")
    assert exc.value.problems[0].code == "JC742"
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 0


# --------------------------------------------------------------------------- warnings


def test_status_and_report_warn_of_repeated_inspections(engine, store_url, tmp_path):
    camp = campaign(tmp_path, "warned", sample={"count": 5})
    rec = S.run_draw(engine, camp, "s", commitment_required=False, weak_seed=True)
    target = sorted(drawn(rec))[0]
    # imported after the draw: the same enterprise inspected twice more this year
    assert run_cli(store_url, "history", "import", history_csv(
        tmp_path, [target], day="2020-07-10", unit="市市场监管局")).exit_code == 0
    res = run_cli(store_url, "status", str(camp.source.file))
    assert res.exit_code == 0, res.output
    assert "重复检查" in res.output and target in res.output
    assert "2020-07-10" in res.output and "市市场监管局" in res.output
    out = tmp_path / "repeated.xlsx"
    res = run_cli(store_url, "report", "repeated", "warned", "-o", str(out))
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    body = [r for r in values if r and r[1] == target]
    assert body and body[0][3] == "本年度检查 2 次（未设定检查频次限制）"
    assert "2020-07-10 市市场监管局 导入：history.csv" in body[0][4]
    seq = next(t["seq"] for t in rec.drawn if t["credit_code"] == target)
    assert (f"2020-07-01 emergency_mgmt、market_supervision 实施方案 warned（任务 {rec.id}-{seq}）"
            in body[0][4])
    # with declared limits the reason names them
    limited = campaign(tmp_path, "capped", sample={"count": 3},
                       period={"start": "2020-07-05", "end": "2020-07-31"},
                       inspection_limits={"exclude_within_days": 3, "max_per_year": 5})
    rec = S.run_draw(engine, limited, "t", commitment_required=False, weak_seed=True)
    other = sorted(drawn(rec))[0]
    assert run_cli(store_url, "history", "import", history_csv(
        tmp_path, [other], day="2020-07-07", name="near.csv")).exit_code == 0
    res = run_cli(store_url, "--lang", "en", "status", str(limited.source.file))
    assert f"{other}" in res.output and "inspected again within 3 days" in res.output
    data = json.loads(run_cli(store_url, "status", str(limited.source.file), "--format",
                              "json").output)["repeated_inspections"]
    assert data["limits"] == {"exclude_within_days": 3, "max_per_year": 5}
    assert [(e["credit_code"], e["within_days"], e["over_cap"]) for e in data["enterprises"]
            ] == [(other, True, False)]


def test_warnings_count_other_campaigns_tasks_and_ignore_other_years(engine, store_url,
                                                                      tmp_path):
    """Every task of the campaign is checked, whether its other inspections are tasks of
    another campaign or imported; an enterprise inspected once more in another year, or
    only by this campaign, is not reported."""
    from jointcheck.core.history import repeated_inspections

    wide = campaign(tmp_path, "wide", sample={"ratio": 1})
    everyone = S.run_draw(engine, wide, "w", commitment_required=False, weak_seed=True)
    assert len(everyone.drawn) == 220
    again = S.run_draw(engine, campaign(tmp_path, "again", sample={"count": 5}), "a",
                       commitment_required=False, weak_seed=True)
    twice = drawn(again)
    last_year = sorted(drawn(everyone) - twice)[:3]
    assert run_cli(store_url, "history", "import", history_csv(
        tmp_path, [*last_year, sorted(twice)[0]], day="2019-12-31")).exit_code == 0
    with engine.connect() as conn:
        found, limits = repeated_inspections(conn, "wide")
    assert limits == {}
    assert {r.credit_code for r in found} == twice
    for r in found:
        assert (r.over_cap, r.near, r.year_count) == (True, False, 2)
        assert sorted(e.campaign_id for e in r.inspections) == ["again", "wide"]
    data = json.loads(run_cli(store_url, "status", str(wide.source.file), "--format",
                              "json").output)["repeated_inspections"]
    assert sorted(e["credit_code"] for e in data["enterprises"]) == sorted(twice)
    with engine.connect() as conn:
        assert {r.credit_code for r in repeated_inspections(conn, "again")[0]} == twice


def test_publication_and_status_json_state_the_limits(engine, store_url, tmp_path):
    from jointcheck.core.reports.html import _draws_html
    from jointcheck.core.reports.publish import draws_of

    limited = campaign(tmp_path, "limited", sample={"count": 5},
                       inspection_limits={"exclude_within_days": 365, "max_per_year": 2})
    rec = S.run_draw(engine, limited, "s", commitment_required=False, weak_seed=True)
    plain = campaign(tmp_path, "plain", sample={"count": 5})
    other = S.run_draw(engine, plain, "t", commitment_required=False, weak_seed=True)
    [published, unlimited] = draws_of(engine, [rec.id, other.id], tmp_path / "pub")
    assert published["inspection_limits"] == (
        "同一企业在抽查开始日期前后 365 日内已检查（或已被抽取）的，不列入抽取；"
        "同一企业在抽查开始日期所在年度已检查（或已被抽取）满 2 次的，不列入抽取。")
    assert unlimited["inspection_limits"] == "未设定检查频次限制"
    page = _draws_html([published])
    assert "检查频次限制" in page and "365 日内" in page and rec.history_fingerprint in page
    res = run_cli(store_url, "--lang", "en", "draw", "show", str(rec.id))
    assert "inspection limits: an enterprise inspected (or drawn) within 365 days" in res.output
    res = run_cli(store_url, "status", str(limited.source.file), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)["repeated_inspections"]
    assert data["limits"] == {"exclude_within_days": 365, "max_per_year": 2}
    assert data["enterprises"] == []


def test_the_public_replay_refuses_an_eligible_list_holding_an_excluded_enterprise(
        engine, store_url, tmp_path):
    """From the publication folder alone: the record carries the history (codes and dates)
    and the limits, so an enterprise the limits excluded cannot be slipped into the
    published eligible list."""
    from jointcheck.core.draw.public import public_draw_files, verify_public, write_public

    inspected = [code(i) for i in range(10)]
    assert run_cli(store_url, "history", "import", history_csv(tmp_path, inspected)).exit_code == 0
    limited = campaign(tmp_path, "limited", sample={"count": 20},
                       inspection_limits={"exclude_within_days": 365})
    rec = S.run_draw(engine, limited, "s", commitment_required=False, weak_seed=True)
    folder = tmp_path / "pub"
    with engine.connect() as conn:
        write_public(conn, rec, folder)
        digest = conn.execute(sa.select(targets.c.row_digest)
                              .where(targets.c.credit_code == inspected[0])).scalar_one()
    (path,) = public_draw_files(folder)
    assert verify_public(path).ok
    listed = path.with_name(f"draw-{rec.id}-targets.csv")
    row = f"{inspected[0]},鹤壁历史0有限公司,,淇滨区,{digest}\r\n"
    listed.write_text(listed.read_text("utf-8-sig") + row, encoding="utf-8-sig")
    report = verify_public(path)
    assert not report.ok
    assert any("本应排除" in d and inspected[0] in d for d in report.differences)


def test_inspection_limits_are_validated_with_located_errors(tmp_path):
    import yaml

    from jointcheck.examples import example_path

    data = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    data["campaign"]["inspection_limits"] = {"exclude_within_day": 30, "max_per_year": 0}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 1
    assert "JC201" in res.output and "exclude_within_days" in res.output  # did you mean
    assert "JC206" in res.output and "/campaign/inspection_limits/max_per_year" in res.output
    data["campaign"]["inspection_limits"] = {}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 1
    data["campaign"]["inspection_limits"] = {"exclude_within_days": 365, "max_per_year": 2}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    limits = open_campaign(path).campaign.inspection_limits
    assert limits == {"exclude_within_days": 365, "max_per_year": 2}
