"""The draw with the store and the CLI, on every engine the fixtures provide.

Covers: recording (draws, draw_targets, commitments, audit), commitments, exclusion of
targets drawn earlier this year, the SQL pushdown giving the same eligible set as Python,
equality with the pure algorithm (so SQLite and PostgreSQL agree), verification against a
changed library or a changed result, the CLI's output, and processes drawing at once.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner

from jointcheck.core.campaign import open_campaign
from jointcheck.core.cli import main
from jointcheck.core.clock import reading_time
from jointcheck.core.draw import algorithm as A
from jointcheck.core.draw import service as S
from jointcheck.core.draw.algorithm import DrawError
from jointcheck.core.libraries.codes import credit_code_check_char
from jointcheck.core.libraries.fields import row_digest
from jointcheck.core.store import audit, begin_write, open_store
from jointcheck.core.store.models import (
    audit_log,
    commitments,
    draw_targets,
    draws,
    officers,
    targets,
)

NOW = datetime(2020, 6, 1, tzinfo=UTC)
EM, MS = "emergency_mgmt", "market_supervision"
SE = "特种设备安全监察"


def code(n: int) -> str:
    first17 = f"91410611{n:09d}"
    return first17 + credit_code_check_char(first17)


def run_cli(*args: str, url: str | None = None):
    prefix = ["--db", url] if url else []
    return CliRunner().invoke(main, [*prefix, *args])


# --------------------------------------------------------------------------- data


GRADES = "AABBBCD"
DISTRICTS = ("淇滨区", "山城区", "鹤山区", "浚县", "淇县")


def target_rows(n: int = 120) -> list[dict]:
    rows = []
    for i in range(n):
        row = {
            "credit_code": code(i), "name": f"鹤壁测试{i}机械有限公司",
            "status": ("存续", "在业", "注销", "存续", "吊销")[i % 5],
            "industry": "工业" if i % 7 else "服务业",
            "risk_grade": GRADES[i % len(GRADES)] if i % 11 else None,
            "jurisdiction": DISTRICTS[i % len(DISTRICTS)],
            "phone": f"0392-{3000000 + i}",
            "attributes": {"uses_special_equipment": True} if i % 3 == 0 else
                          ({"uses_special_equipment": False} if i % 3 == 1 else {}),
            "check_override": False,
        }
        rows.append(row)
    return rows


def officer_rows() -> list[dict]:
    rows = []
    for i in range(14):
        rows.append({"cert_no": f"41061{i:07d}", "name": f"应急{i}", "department": EM,
                     "active": i != 3, "cert_expiry": date(2019, 1, 1) if i == 4 else date(2030, 1, 1),
                     "qualifications": [], "jurisdiction": DISTRICTS[i % 5], "conflicts": [],
                     "phone": f"1390000{i:04d}", "id_number": "11010519491231002X"})
    for i in range(12):
        rows.append({"cert_no": f"41062{i:07d}", "name": f"市监{i}", "department": MS,
                     "active": True, "cert_expiry": date(2030, 1, 1),
                     "qualifications": [SE] if i != 5 else ["食品安全"],
                     "jurisdiction": DISTRICTS[i % 5],
                     "conflicts": [code(0), code(3)] if i == 2 else [],
                     "phone": f"1380000{i:04d}", "id_number": "440524188001010014"})
    return rows


def insert_libraries(engine, trows=None, orows=None) -> None:
    trows = target_rows() if trows is None else trows
    orows = officer_rows() if orows is None else orows
    with begin_write(engine) as conn:
        if trows:
            conn.execute(sa.insert(targets), [
                {**r, "row_digest": row_digest("targets", r), "created_at": NOW,
                 "updated_at": NOW} for r in trows])
        if orows:
            conn.execute(sa.insert(officers), [
                {**r, "row_digest": row_digest("officers", r), "created_at": NOW,
                 "updated_at": NOW} for r in orows])


def campaign_file(tmp_path: Path, name: str = "campaign.yaml", **changes) -> Path:
    data = {
        "id": "test-draw", "kind": "test-kind", "title": "测试联合抽查",
        "lead_department": EM, "departments": [EM, MS],
        "period": {"start": "2020-07-01", "end": "2020-07-31"},
        "scope": {"filter": {"all": [{"attribute": "status", "in": ["存续", "在业"]},
                                     {"attribute": "industry", "equals": "工业"}]}},
        "sample": {"by_grade": {"A": 0.2, "B": 0.1, "C": 0.5}},
        "officers": {EM: {"count": 2}, MS: {"count": 2, "qualifications": [SE]}},
        "team": {"leader_from": EM, "cross_jurisdiction": True},
    }
    data.update(changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"schema_version": 1, "campaign": data}, allow_unicode=True),
                    encoding="utf-8")
    return path


@pytest.fixture
def engine(store_url):
    eng = open_store(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def stocked(engine):
    insert_libraries(engine)
    return engine


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# --------------------------------------------------------------------------- recording


def test_run_records_the_draw_its_targets_commitment_and_audit(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path)).campaign
    c = S.commit(stocked, camp)
    assert c.fresh and len(c.seed) == 32 and c.commitment == A.commitment_of(c.seed)
    record = S.run_draw(stocked, camp, c.seed)
    assert record.commitment == c.commitment
    assert record.algorithm_version == "jc-draw-2"
    assert record.parameters["date"] == "2020-07-01"
    assert record.parameters["sample"] == {"by_grade": {"A": "0.2", "B": "0.1", "C": "0.5"}}
    with stocked.connect() as conn:
        row = conn.execute(sa.select(draws)).one()
        assert row.seed == c.seed and row.result_digest == A.result_digest(row.result)
        assert row.campaign_kind == "test-kind" and row.year == 2020
        listed = conn.execute(sa.select(draw_targets.c.seq, draw_targets.c.credit_code)
                              .order_by(draw_targets.c.seq)).all()
        assert [tuple(x) for x in listed] == [(t["seq"], t["credit_code"]) for t in record.drawn]
        assert conn.execute(sa.select(commitments.c.used_by_draw)).scalar_one() == record.id
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.seq)).scalars()
        assert list(actions) == ["draw.commit", "draw.run"]
        assert audit.verify(conn) == []
    assert S.verify_stored(stocked, record.id).ok


def test_run_refuses_a_seed_without_commitment_and_records_nothing(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path)).campaign
    S.commit(stocked, camp, "the committed seed", weak_seed=True)
    with pytest.raises(DrawError) as exc:
        S.run_draw(stocked, camp, "another seed")
    assert exc.value.problems[0].code == "JC732"
    assert A.commitment_of("another seed") in exc.value.problems[0].message
    assert count(stocked, draws) == 0 and count(stocked, draw_targets) == 0
    assert count(stocked, audit_log) == 1  # the commit only

    record = S.run_draw(stocked, camp, "another seed", commitment_required=False, weak_seed=True)
    assert record.commitment is None
    first = S.run_draw(stocked, camp, "the committed seed", supplementary="测试：再抽一次")
    assert first.commitment == A.commitment_of("the committed seed")
    with pytest.raises(DrawError) as exc:  # a seed draws once
        S.run_draw(stocked, camp, "the committed seed")
    assert exc.value.problems[0].code == "JC733"
    with pytest.raises(DrawError) as exc:
        S.commit(stocked, camp, "the committed seed", weak_seed=True)
    assert exc.value.problems[0].code == "JC736"
    again = S.commit(stocked, camp, "fresh", weak_seed=True)
    assert not again.already_recorded
    assert S.commit(stocked, camp, "fresh", weak_seed=True).already_recorded


def test_commitments_belong_to_their_campaign(stocked, tmp_path):
    one = open_campaign(campaign_file(tmp_path)).campaign
    other = open_campaign(campaign_file(tmp_path, "other.yaml", id="other-campaign")).campaign
    S.commit(stocked, one, "s1", weak_seed=True)
    with pytest.raises(DrawError) as exc:
        S.run_draw(stocked, other, "s1")
    assert exc.value.problems[0].code == "JC732"


def test_targets_drawn_earlier_this_year_in_the_same_kind_are_excluded(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path, sample={"ratio": 0.5})).campaign
    same_kind = open_campaign(campaign_file(tmp_path, "b.yaml", id="test-draw-b",
                                            sample={"ratio": 0.5})).campaign
    first = S.run_draw(stocked, camp, "one", commitment_required=False, weak_seed=True)
    second = S.run_draw(stocked, same_kind, "two", commitment_required=False, weak_seed=True)
    a = {t["credit_code"] for t in first.drawn}
    b = {t["credit_code"] for t in second.drawn}
    assert a and b and not a & b
    assert second.parameters["exclude"] == sorted(a)
    assert second.result["eligible"] == first.result["eligible"] - len(a)
    # another kind, another year, or exclusion switched off: not excluded
    other_kind = open_campaign(campaign_file(tmp_path, "k.yaml", id="k", kind="other-kind",
                                             sample={"ratio": 0.5})).campaign
    assert S.run_draw(stocked, other_kind, "one", commitment_required=False, weak_seed=True
                      ).parameters["exclude"] == []
    next_year = open_campaign(campaign_file(
        tmp_path, "y.yaml", id="y", sample={"ratio": 0.5},
        period={"start": "2021-03-01", "end": "2021-03-31"})).campaign
    assert S.run_draw(stocked, next_year, "one", commitment_required=False, weak_seed=True
                      ).parameters["exclude"] == []
    off = open_campaign(campaign_file(tmp_path, "off.yaml", id="off", sample={"ratio": 0.5},
                                      exclusion={"inspected_this_year_same_kind": False})).campaign
    rec = S.run_draw(stocked, off, "one", commitment_required=False, weak_seed=True)
    assert rec.parameters["exclude"] == [] and rec.parameters["exclusion"] is False
    # each draw still verifies against the draws before it
    for r in (first, second, rec):
        assert S.verify_stored(stocked, r.id).ok


# --------------------------------------------------------------------------- equivalence


FILTERS = [
    None,
    {"attribute": "status", "in": ["存续", "在业"]},
    {"all": [{"attribute": "status", "in": ["存续", "在业"]},
             {"attribute": "industry", "equals": "工业"}]},
    {"all": [{"attribute": "status", "not_in": ["注销"]},
             {"attribute": "uses_special_equipment", "equals": True}]},
    {"any": [{"attribute": "risk_grade", "equals": "D"},
             {"attribute": "uses_special_equipment"}]},
    {"not": {"attribute": "risk_grade", "in": ["A", "B"]}},
    {"not": {"attribute": "uses_special_equipment", "equals": False}},
    {"attribute": "risk_grade", "present": False},
    {"any": [{"attribute": "jurisdiction", "equals": "浚县"},
             {"all": [{"attribute": "status", "equals": "吊销"},
                      {"attribute": "risk_grade", "present": True}]}]},
]


@pytest.mark.parametrize("scope", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_sql_pushdown_selects_exactly_what_python_selects(stocked, scope):
    p = A.Parameters(campaign_id="x", campaign_kind="x", year=2020, date=date(2020, 7, 1),
                     scope_filter=scope, exclusion=True, exclude=(code(1), code(2)),
                     sample={"count": 1}, departments=(EM,), officers={},
                     cross_jurisdiction=False, leader_department=EM)
    with stocked.connect() as conn:
        from_sql, _ = S.load_eligible_targets(conn, p)
    rows = [{**r, "row_digest": row_digest("targets", r)} for r in target_rows()]
    in_python, total = A.eligible_targets(rows, p)
    assert total == 120
    assert sorted(from_sql) == sorted((t.credit_code, t.risk_grade, t.row_digest)
                                      for t in in_python)


def test_store_result_equals_the_pure_algorithm_on_the_same_rows(stocked, tmp_path):
    """The pure function of the rows decides the draw, so every engine gives this result."""
    camp = open_campaign(campaign_file(tmp_path)).campaign
    record = S.run_draw(stocked, camp, "same everywhere", commitment_required=False, weak_seed=True)
    p = A.Parameters.from_json(record.parameters)
    rows = [{**r, "row_digest": row_digest("targets", r)} for r in target_rows()]
    entries, _ = A.eligible_targets(rows, p)
    offs = [A.officer_entry(r, row_digest("officers", r)) for r in officer_rows()]
    expected = A.draw("same everywhere", entries, offs, p)
    assert record.result == expected.to_json()
    assert record.targets_fingerprint == expected.targets_fingerprint
    assert record.officers_fingerprint == expected.officers_fingerprint
    # the teams respect the constraints of this library
    by_code = {r["credit_code"]: r for r in target_rows()}
    for t in record.drawn:
        for m in t["team"]:
            o = next(x for x in officer_rows() if x["cert_no"] == m["cert_no"])
            assert o["active"] and o["cert_expiry"] >= date(2020, 7, 1)
            assert o["jurisdiction"] != by_code[t["credit_code"]]["jurisdiction"]
            assert t["credit_code"] not in o["conflicts"]
            if m["department"] == MS:
                assert SE in o["qualifications"]


# --------------------------------------------------------------------------- verify


def tamper(engine, statement, **params) -> None:
    with engine.begin() as conn:
        conn.execute(statement, params)


def test_verify_detects_a_changed_target_library(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path)).campaign
    record = S.run_draw(stocked, camp, "s", commitment_required=False, weak_seed=True)
    # an ineligible target's change does not matter
    changed = {**target_rows()[2], "name": "改名后的企业"}  # status 注销: out of scope
    tamper(stocked, sa.update(targets).where(targets.c.credit_code == changed["credit_code"])
           .values(name=changed["name"], row_digest=row_digest("targets", changed)))
    assert S.verify_stored(stocked, record.id).ok
    # an eligible target's changed row changes the fingerprint
    eligible = target_rows()[1]
    assert eligible["status"] == "在业" and eligible["industry"] == "工业"
    changed = {**eligible, "phone": "0392-9999999"}
    tamper(stocked, sa.update(targets).where(targets.c.credit_code == eligible["credit_code"])
           .values(phone=changed["phone"], row_digest=row_digest("targets", changed)))
    report = S.verify_stored(stocked, record.id)
    assert not report.ok
    assert report.differences[0].startswith("检查对象名录库已变化")
    assert record.targets_fingerprint in report.differences[0]
    assert report.notes  # the result itself still replays the same
    # a target that leaves the scope changes the result too
    gone = record.drawn[0]["credit_code"]
    tamper(stocked, sa.update(targets).where(targets.c.credit_code == gone).values(status="注销"))
    report = S.verify_stored(stocked, record.id)
    assert any("第 " in d and "抽取结果不一致" in d for d in report.differences)


def test_verify_detects_a_changed_officer_library(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path)).campaign
    record = S.run_draw(stocked, camp, "s", commitment_required=False, weak_seed=True)
    cert = record.drawn[0]["team"][0]["cert_no"]
    tamper(stocked, sa.update(officers).where(officers.c.cert_no == cert).values(active=False))
    report = S.verify_stored(stocked, record.id)
    assert not report.ok
    assert report.differences[0].startswith("执法检查人员名录库已变化")
    assert any("检查人员记录为" in d for d in report.differences)


def test_verify_detects_a_changed_result(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path)).campaign
    record = S.run_draw(stocked, camp, "s", commitment_required=False, weak_seed=True)
    result = json.loads(json.dumps(record.result))
    team = result["targets"][1]["team"]
    team[0]["cert_no"], team[1]["cert_no"] = team[1]["cert_no"], team[0]["cert_no"]
    tamper(stocked, sa.update(draws).where(draws.c.id == record.id).values(result=result))
    report = S.verify_stored(stocked, record.id)
    assert not report.ok
    assert report.differences[0].startswith("抽取结果在记录后被修改")
    assert "第 2 号的检查人员记录为" in report.differences[1]
    # the drawn list of draw_targets is checked against the result as well
    tamper(stocked, sa.update(draws).where(draws.c.id == record.id).values(result=record.result))
    assert S.verify_stored(stocked, record.id).ok
    tamper(stocked, sa.update(draw_targets).where(draw_targets.c.seq == 1)
           .values(credit_code=code(999)))
    report = S.verify_stored(stocked, record.id)
    assert report.differences == ["draw_targets 表与抽取结果不符（第 1 号）"]


def test_verify_detects_a_seed_that_does_not_match_its_commitment(stocked, tmp_path):
    camp = open_campaign(campaign_file(tmp_path)).campaign
    S.commit(stocked, camp, "s", weak_seed=True)
    record = S.run_draw(stocked, camp, "s")
    tamper(stocked, sa.update(draws).values(commitment=hashlib.sha256(b"x").hexdigest()))
    report = S.verify_stored(stocked, record.id)
    assert report.differences[0].startswith("种子与承诺不符")


# --------------------------------------------------------------------------- CLI


def test_cli_commit_run_show_verify(stocked, store_url, tmp_path):
    path = str(campaign_file(tmp_path))
    res = run_cli("draw", "commit", path, url=store_url)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    commitment = lines[1].split("：")[1]
    seed = lines[2].split("：")[1]
    assert "请在抽取前公布" in lines[1] and "保密" in lines[2]
    assert commitment == hashlib.sha256(seed.encode()).hexdigest()

    res = run_cli("draw", "run", path, "--seed", "wrong", url=store_url)
    assert res.exit_code == 1 and "JC732" in res.output and "Traceback" not in res.output

    res = run_cli("draw", "run", path, "--seed", seed, url=store_url)
    assert res.exit_code == 0, res.output
    out = res.output
    for header in ("抽取序号", "统一社会信用代码", "市场主体名称", "信用风险等级", "检查人员", "组长"):
        assert header in out
    assert "鹤壁测试" in out and "应急" in out and "市监" in out
    assert "应急管理局" in out  # department names from the plugins
    # grade D and targets without a grade are eligible but not listed in by_grade
    assert "信用风险等级未列入 sample.by_grade 的符合条件对象不参加抽取" in out
    for r in officer_rows():  # never phone or ID numbers
        assert r["phone"] not in out and r["id_number"] not in out
    assert commitment in out

    res = run_cli("draw", "show", "1", "--format", "json", url=store_url)
    assert res.exit_code == 0
    shown = json.loads(res.output)
    assert shown["seed"] == seed and shown["teams"][0]["team"][0]["leader"] is True
    assert "phone" not in res.output and "id_number" not in res.output

    res = run_cli("draw", "verify", "1", url=store_url)
    assert res.exit_code == 0 and res.output.strip() == "一致"
    res = run_cli("--lang", "en", "draw", "verify", "1", url=store_url)
    assert res.exit_code == 0 and "consistent" in res.output

    res = run_cli("--lang", "zh", "draw", "list", url=store_url)
    assert res.exit_code == 0 and "test-draw" in res.output
    # the time is Beijing time, and the header says so (not UTC)
    with stocked.connect() as conn:
        at = conn.execute(sa.select(draws.c.created_at).where(draws.c.id == 1)).scalar_one()
    assert "时间（北京时间）" in res.output and "UTC" not in res.output
    assert reading_time(at) in res.output

    res = run_cli("draw", "show", "7", url=store_url)
    assert res.exit_code == 1 and "JC734" in res.output


def test_cli_usage_errors(stocked, store_url, tmp_path):
    path = str(campaign_file(tmp_path))
    res = run_cli("draw", "run", path, "--seed", "x", "--date", "2020-13-01", url=store_url)
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
    res = run_cli("draw", "verify", url=store_url)
    assert res.exit_code == 2
    res = run_cli("draw", "verify", "--file", "x.json", url=store_url)
    assert res.exit_code == 2
    res = run_cli("draw", "run", str(tmp_path / "missing.yaml"), "--seed", "x", url=store_url)
    assert res.exit_code == 1 and "Traceback" not in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(campaign_file(tmp_path).read_text(encoding="utf-8")
                   .replace("count: 2", "count: 1", 1), encoding="utf-8")
    res = run_cli("draw", "run", str(bad), "--seed", "x", "--no-commitment", url=store_url)
    assert res.exit_code == 1 and "JC313" in res.output and "第四十二条" in res.output  # caught when the campaign is loaded
    assert count(stocked, draws) == 0


def test_cli_date_option_checks_certificates_on_that_date(stocked, store_url, tmp_path):
    path = str(campaign_file(tmp_path))
    res = run_cli("draw", "run", path, "--seed", "x", "--no-commitment", "--weak-seed", "--date", "2031-01-01",
                  url=store_url)
    assert res.exit_code == 1
    assert "JC725" in res.output and "执法证在有效期内 0" in res.output
    assert count(stocked, draws) == 0
    res = run_cli("draw", "run", path, "--seed", "x", "--no-commitment", "--weak-seed", "--date", "2018-12-31",
                  "--format", "json", url=store_url)
    assert res.exit_code == 0
    assert json.loads(res.output)["parameters"]["date"] == "2018-12-31"


def test_cli_without_a_database_says_so(tmp_path):
    res = run_cli("draw", "run", "--seed", "x", url=f"sqlite:///{tmp_path / 'none.db'}")
    assert res.exit_code == 1 and "JC701" in res.output


# --------------------------------------------------------------------------- files


@pytest.fixture
def sample_store(engine, tmp_path):
    """The libraries of `jointcheck sample-data`, imported, and their files."""
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample

    tpath, opath = write_sample(tmp_path / "libs", targets=400, officers=60, seed=7)
    assert import_file(engine, "targets", tpath).imported
    assert import_file(engine, "officers", opath).imported
    return engine, tpath, opath


def test_verify_from_exported_file_and_library_files(sample_store, store_url, tmp_path):
    engine, tpath, opath = sample_store
    path = str(campaign_file(tmp_path, sample={"ratio": 0.05}))
    res = run_cli("draw", "run", path, "--seed", "file seed", "--no-commitment", "--weak-seed", url=store_url)
    assert res.exit_code == 0, res.output
    out = tmp_path / "draw.json"
    res = run_cli("draw", "export", "1", "-o", str(out), url=store_url)
    assert res.exit_code == 0, res.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {"seed", "commitment", "algorithm_version", "parameters", "targets_fingerprint",
            "officers_fingerprint", "result", "result_digest"} <= set(exported)
    text = out.read_text(encoding="utf-8")
    with open(opath, encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):  # no personal data
            assert row["手机号码"] not in text and row["身份证号"] not in text
            assert row["姓名"] not in text

    res = run_cli("draw", "verify", "--file", str(out), "--targets", str(tpath),
                  "--officers", str(opath))
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "一致"

    # edit one eligible target's row in the file: the target library no longer matches
    with open(tpath, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    status, industry, name = (header.index(h) for h in ("登记状态", "行业", "市场主体名称"))
    drawn = {t["credit_code"] for t in exported["result"]["targets"]}
    cc = header.index("统一社会信用代码")
    victim = next(r for r in rows[1:] if r[status] in ("存续", "在业") and r[industry] == "工业"
                  and r[cc] not in drawn)
    victim[name] = victim[name] + "（已改名）"
    edited = tmp_path / "targets-edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    res = run_cli("draw", "verify", "--file", str(out), "--targets", str(edited),
                  "--officers", str(opath))
    assert res.exit_code == 1
    assert "不一致" in res.output and "检查对象名录库已变化" in res.output
    assert "执法检查人员名录库" not in res.output

    # a library file with an invalid row is reported row by row, not replayed
    victim[cc] = victim[cc][:17] + ("0" if victim[cc][17] != "0" else "1")
    broken = tmp_path / "targets-broken.csv"
    with open(broken, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    res = run_cli("draw", "verify", "--file", str(out), "--targets", str(broken),
                  "--officers", str(opath))
    assert res.exit_code == 1
    assert f"{broken}:{rows.index(victim) + 1}:统一社会信用代码" in res.output
    assert "JC613" in res.output and "一致" not in res.output

    # a changed result in the exported file
    exported["result"]["targets"][0]["credit_code"] = code(999)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    res = run_cli("draw", "verify", "--file", str(forged), "--targets", str(tpath),
                  "--officers", str(opath))
    assert res.exit_code == 1
    assert "抽取结果在记录后被修改" in res.output
    assert "第 1 号（抽取序号）记录为 " + code(999) in res.output

    res = run_cli("draw", "verify", "--file", str(tmp_path / "nope.json"), "--targets",
                  str(tpath), "--officers", str(opath))
    assert res.exit_code == 1 and "JC735" in res.output

    exported["algorithm_version"] = "jc-draw-99"
    forged.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    res = run_cli("draw", "verify", "--file", str(forged), "--targets", str(tpath),
                  "--officers", str(opath))
    assert res.exit_code == 1 and "JC730" in res.output and "jc-draw-1" in res.output

    # the export goes to standard output without -o
    res = run_cli("draw", "export", "1", url=store_url)
    assert res.exit_code == 0 and json.loads(res.output)["draw_id"] == 1


# --------------------------------------------------------------------------- processes


CLI = [sys.executable, "-c", "from jointcheck.core.cli import main; main()"]


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["JOINTCHECK_DB"] = url
    env.pop("JOINTCHECK_LANG", None)
    return env


@pytest.mark.slow
def test_same_draw_in_two_processes_and_two_stores(stocked, store_url, tmp_path):
    """A second process, on a second (SQLite) store with the same rows, draws the same."""
    from jointcheck.core.store import upgrade

    other = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other)
    eng = open_store(other)
    insert_libraries(eng)
    eng.dispose()
    path = str(campaign_file(tmp_path))
    outs = []
    for url in (store_url, other):
        proc = subprocess.run([*CLI, "draw", "run", path, "--seed", "跨进程", "--no-commitment", "--weak-seed",
                               "--format", "json"], env=_env(url), capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout))
    assert outs[0]["result"] == outs[1]["result"]
    assert outs[0]["result_digest"] == outs[1]["result_digest"]
    assert outs[0]["targets_fingerprint"] == outs[1]["targets_fingerprint"]


@pytest.mark.slow
def test_two_processes_drawing_at_once(stocked, store_url, tmp_path):
    # two campaigns of one kind (a campaign draws once): the second to write excludes the first
    paths = [str(campaign_file(tmp_path, f"c{i}.yaml", id=f"test-draw-{i}", sample={"ratio": 0.3}))
             for i in range(2)]
    procs = [subprocess.Popen([*CLI, "draw", "run", paths[i], "--seed", f"seed {i}",
                               "--no-commitment", "--weak-seed", "--format", "json"], env=_env(store_url),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    with stocked.connect() as conn:
        rows = conn.execute(sa.select(draws).order_by(draws.c.id)).all()
        assert [r.id for r in rows] == [1, 2]
        assert audit.verify(conn) == []
        assert [a for a in conn.execute(sa.select(audit_log.c.action)).scalars()] == [
            "draw.run", "draw.run"]
        codes = [set(conn.execute(sa.select(draw_targets.c.credit_code)
                                  .where(draw_targets.c.draw_id == i)).scalars()) for i in (1, 2)]
    assert codes[0] and codes[1] and not codes[0] & codes[1]  # the later one excluded the first
    assert rows[1].parameters["exclude"] == sorted(codes[0])
    for i in (1, 2):
        assert S.verify_stored(stocked, i).ok


@pytest.mark.slow
def test_two_processes_racing_one_campaign_draw_it_once(stocked, store_url, tmp_path):
    """A campaign draws once, also when two processes race its first draw: one draws, the
    other is refused (JC741) and records nothing. Two supplementary draws racing each other
    both draw, never an enterprise the campaign already has, 抽取序号 never twice."""
    path = str(campaign_file(tmp_path, sample={"ratio": 0.2}))

    def race(*extra: str) -> list[subprocess.CompletedProcess]:
        procs = [subprocess.Popen([*CLI, "draw", "run", path, "--seed", f"race {i}",
                                   "--no-commitment", "--weak-seed", "--format", "json",
                                   *extra], env=_env(store_url), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        return [subprocess.CompletedProcess(p.args, p.returncode, *out)
                for p, out in zip(procs, outs, strict=True)]

    first = race()
    assert sorted(p.returncode for p in first) == [0, 1], [p.stderr for p in first]
    (refused,) = [p for p in first if p.returncode == 1]
    assert "JC741" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    assert count(stocked, draws) == 1

    more = race("--supplementary", "--reason", "测试：两个补充抽取同时进行")
    assert [p.returncode for p in more] == [0, 0], [p.stderr for p in more]
    with stocked.connect() as conn:
        rows = conn.execute(sa.select(draw_targets.c.draw_id, draw_targets.c.seq,
                                      draw_targets.c.credit_code)).all()
        assert audit.verify(conn) == []
        actions = list(conn.execute(sa.select(audit_log.c.action)).scalars())
    assert actions == ["draw.run"] * 3
    assert {r.draw_id for r in rows} == {1, 2, 3}
    assert len({r.credit_code for r in rows}) == len(rows)  # no enterprise drawn twice
    assert sorted(r.seq for r in rows) == list(range(1, len(rows) + 1))  # 抽取序号 continue
    for i in (1, 2, 3):
        assert S.verify_stored(stocked, i).ok


def test_every_command_refuses_a_campaign_whose_policy_is_invalid(stocked, store_url,
                                                                   tmp_path):
    """One verdict for one campaign: draw commit/run refuse what checklist and classify do."""
    (tmp_path / "policy.yaml").write_text("schema_version: 1\npolicy:\n  id: local\n",
                                          encoding="utf-8")
    path = str(campaign_file(tmp_path, policy="policy.yaml"))
    for args in (["checklist", path], ["classify", "findings.yaml", "--campaign", path],
                 ["draw", "commit", path],
                 ["draw", "run", path, "--seed", "x", "--no-commitment"]):
        res = run_cli(*args, url=store_url)
        assert res.exit_code == 1, (args, res.output)
        assert "policy.yaml" in res.output and "JC202" in res.output, (args, res.output)
    assert count(stocked, draws) == 0 and count(stocked, commitments) == 0


def test_a_directory_is_not_a_campaign(stocked, store_url, tmp_path):
    campaign_file(tmp_path, "a.yaml")
    campaign_file(tmp_path, "b.yaml", id="other")
    for args in (["checklist", str(tmp_path)], ["classify", "f.yaml", "--campaign", str(tmp_path)],
                 ["draw", "commit", str(tmp_path)],
                 ["draw", "run", str(tmp_path), "--seed", "x", "--no-commitment"],
                 ["--lang", "en", "checklist", str(tmp_path)]):
        res = run_cli(*args, url=store_url)
        assert res.exit_code == 1, (args, res.output)
        assert "JC120" in res.output and str(tmp_path) in res.output
        assert ("a campaign is a file" if "en" in args else "实施方案应为一个文件") in res.output
    assert count(stocked, draws) == 0 and count(stocked, commitments) == 0


def test_seed_strength_estimate():
    assert A.seed_bits("abc") < 20 and A.seed_bits("x" * 64) == 0
    assert A.seed_bits(S.new_seed()) == 128
    assert A.seed_bits("0123456789abcdef" * 2) == 128
    assert A.seed_bits("Xk9#mQ2$vL7!pR4@wN8") >= 120  # 19 characters of 95 symbols
    assert A.seed_bits("二〇二〇年鹤壁市双随机抽查种子一号十二个") >= 128  # 20 characters x 12


def test_a_weak_seed_is_refused_unless_acknowledged_and_then_recorded(stocked, store_url,
                                                                        tmp_path):
    path = str(campaign_file(tmp_path))
    res = run_cli("draw", "commit", path, "--seed", "abc", url=store_url)
    assert res.exit_code == 1 and "JC740" in res.output and "--weak-seed" in res.output
    assert "Traceback" not in res.output and count(stocked, commitments) == 0
    res = run_cli("--lang", "en", "draw", "commit", path, "--seed", "abc", url=store_url)
    assert res.exit_code == 1 and "too weak" in res.output
    strong = "3f9a" * 8
    res = run_cli("draw", "commit", path, "--seed", strong, url=store_url)
    assert res.exit_code == 0, res.output
    res = run_cli("draw", "commit", path, "--seed", "abc", "--weak-seed", url=store_url)
    assert res.exit_code == 0, res.output
    with stocked.connect() as conn:
        payloads = [e["payload"] for e in audit.entries(conn)]
    assert [(p["weak_seed"], p["seed_bits"]) for p in payloads] == [
        (False, 128), (True, A.seed_bits("abc"))]
    # draw run: a weak seed with a recorded (acknowledged) commitment draws, marked weak
    res = run_cli("draw", "run", path, "--seed", "abc", url=store_url)
    assert res.exit_code == 0, res.output
    # without a commitment a weak seed needs --weak-seed too
    res = run_cli("draw", "run", path, "--seed", "def", "--no-commitment", "--supplementary",
                  "--reason", "测试", url=store_url)
    assert res.exit_code == 1 and "JC740" in res.output
    with stocked.connect() as conn:
        payloads = [e["payload"] for e in audit.entries(conn)]
    assert payloads[-1]["weak_seed"] is True and count(stocked, draws) == 1
    # the replay does not change: the draw verifies
    assert run_cli("draw", "verify", "1", url=store_url).exit_code == 0


def test_export_to_a_path_that_cannot_be_written(stocked, store_url, tmp_path):
    path = str(campaign_file(tmp_path))
    res = run_cli("draw", "run", path, "--seed", "ab" * 32, "--no-commitment", url=store_url)
    assert res.exit_code == 0, res.output
    (tmp_path / "FILE").write_text("x", encoding="utf-8")
    for target in ("/nonexistent/dir/x.json", str(tmp_path / "FILE" / "x.json")):
        res = run_cli("draw", "export", "1", "-o", target, url=store_url)
        assert res.exit_code == 1 and "Traceback" not in res.output
        assert f"{target}: JC121" in res.output, res.output
    res = run_cli("--lang", "en", "draw", "export", "1", "-o", "/nonexistent/dir/x.json",
                  url=store_url)
    assert "no such file or directory" in res.output


def test_campaign_argument_is_a_file_or_the_shipped_example_id(stocked, store_url, tmp_path):
    """Every command that reads a campaign file takes the file, or the shipped example by the
    id the other commands (results, report, publish) take; anything else is JC122, located."""
    from jointcheck.examples import example_path

    example_id = example_path().stem
    for args in (["checklist", example_id], ["status", example_id, "--format", "json"],
                 ["calendar", "deadlines", example_id]):
        res = run_cli(*args, url=store_url)
        assert res.exit_code == 0, (args, res.output)
    missing = tmp_path / "no-such-campaign.yaml"
    for args in (["checklist", "no-such-campaign"], ["status", str(missing)],
                 ["referrals", "list", "no-such-campaign"],
                 ["draw", "commit", str(missing)]):
        res = run_cli(*args, url=store_url)
        assert res.exit_code == 1, (args, res.output)
        assert "JC122" in res.output and "实施方案不存在" in res.output
        assert example_id in res.output  # the hint names the id that does work
    assert count(stocked, draws) == 0 and count(stocked, commitments) == 0


def test_a_jc_draw_1_record_still_verifies(stocked, store_url, tmp_path):
    """A draw recorded by jc-draw-1 (parameters without the history, result marked
    jc-draw-1) replays with its own version: consistent, and a tampered result is not."""
    camp = open_campaign(campaign_file(tmp_path)).campaign
    rec = S.run_draw(stocked, camp, "v1 seed", commitment_required=False, weak_seed=True)
    v1_params = A.Parameters.from_json(rec.parameters, "jc-draw-1").to_json()
    assert set(rec.parameters) - set(v1_params) == {
        "start", "inspection_limits", "history", "campaign_drawn", "seq_start"}
    result = dict(rec.result, algorithm_version="jc-draw-1")
    with begin_write(stocked) as conn:
        conn.execute(sa.update(draws).where(draws.c.id == rec.id).values(
            algorithm_version="jc-draw-1", parameters=v1_params, result=result,
            result_digest=A.result_digest(result), history_fingerprint=None, funnel=None))
    assert S.verify_stored(stocked, rec.id).ok
    res = run_cli("draw", "verify", str(rec.id), url=store_url)
    assert res.exit_code == 0 and "一致" in res.output, res.output
    exported = S.load_draw(stocked, rec.id).export()
    assert "history_fingerprint" not in exported and exported["algorithm_version"] == "jc-draw-1"
    # the same draw claimed as jc-draw-2 does not verify: the result names its version
    with begin_write(stocked) as conn:
        conn.execute(sa.update(draws).where(draws.c.id == rec.id).values(
            algorithm_version="jc-draw-2"))
    assert not S.verify_stored(stocked, rec.id).ok
