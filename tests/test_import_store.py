"""Importing libraries into the store, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import textwrap

import pytest
from test_import_support import (
    OFFICER_HEADERS,
    TARGET_HEADERS,
    bad_check,
    code,
    officer_row,
    officers_file,
    target_row,
    targets_file,
    write_csv,
    write_xlsx,
)

from jointcheck.core.libraries.fields import row_digest
from jointcheck.core.libraries.importer import import_file
from jointcheck.core.libraries.reader import iter_rows


@pytest.fixture
def engine(store_url):
    from jointcheck.core.store import open_store

    e = open_store(store_url)
    yield e
    e.dispose()


def snapshot(engine, kind):
    """Everything an import may change: the rows (by key) and the audit log."""
    import sqlalchemy as sa

    from jointcheck.core.store import models

    table = getattr(models, kind)
    key = "credit_code" if kind == "targets" else "cert_no"
    with engine.connect() as conn:
        rows = {r[key]: (r["row_digest"], r["updated_at"]) for r in
                conn.execute(sa.select(table)).mappings()}
        audit = conn.execute(sa.select(sa.func.count()).select_from(models.audit_log)).scalar()
    return rows, audit


def stored(engine, kind):
    import sqlalchemy as sa

    from jointcheck.core.store import models

    table = getattr(models, kind)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]


def audit_entries(engine):
    from jointcheck.core.store import audit

    with engine.connect() as conn:
        return list(audit.entries(conn))


def test_import_adds_rows_and_writes_an_audit_entry(engine, tmp_path):
    path = targets_file(tmp_path / "targets.csv", 5)
    report = import_file(engine, "targets", path)
    assert report.imported
    assert (report.rows, report.added, report.updated, report.unchanged, report.rejected) == \
        (5, 5, 0, 0, 0)
    rows = stored(engine, "targets")
    assert [r["credit_code"] for r in rows] == [code(i) for i in range(1, 6)]
    assert rows[0]["attributes"] == {"uses_special_equipment": True}
    assert rows[0]["created_at"] == rows[0]["updated_at"]
    (entry,) = audit_entries(engine)
    assert entry["action"] == "targets.import"
    payload = entry["payload"]
    assert payload["file"] == "targets.csv"
    assert payload["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() == report.sha256
    assert (payload["added"], payload["updated"], payload["unchanged"], payload["rows"]) == \
        (5, 0, 0, 5)
    assert entry["seq"] == report.audit_seq


def test_stored_rows_digest_like_the_file_rows(engine, tmp_path):
    for kind, path in (("targets", targets_file(tmp_path / "t.csv", 6)),
                       ("officers", officers_file(tmp_path / "o.csv", 6))):
        import_file(engine, kind, path)
        from_file = [row_digest(kind, r.data) for r in iter_rows(kind, path)]
        rows = stored(engine, kind)
        assert [r["row_digest"] for r in rows] == from_file
        assert [row_digest(kind, r) for r in rows] == from_file  # recomputed from the store


def test_reimport_reports_added_updated_unchanged(engine, tmp_path):
    import_file(engine, "targets", targets_file(tmp_path / "v1.csv", 5))
    before = {r["credit_code"]: r for r in stored(engine, "targets")}
    rows = [target_row(1), target_row(2, 登记状态="注销"), target_row(3, 信用风险等级="D"),
            target_row(4), target_row(6), target_row(7)]  # 5 is absent, 6 and 7 are new
    report = import_file(engine, "targets", write_csv(tmp_path / "v2.csv", TARGET_HEADERS, rows))
    assert (report.added, report.updated, report.unchanged, report.not_in_file) == (2, 2, 2, 1)
    after = {r["credit_code"]: r for r in stored(engine, "targets")}
    assert len(after) == 7
    assert after[code(2)]["status"] == "注销" and after[code(3)]["risk_grade"] == "D"
    assert after[code(2)]["updated_at"] > before[code(2)]["updated_at"]
    assert after[code(2)]["created_at"] == before[code(2)]["created_at"]
    assert after[code(1)]["updated_at"] == before[code(1)]["updated_at"]  # unchanged
    assert after[code(5)] == before[code(5)]  # not in the file: left alone
    again = import_file(engine, "targets", tmp_path / "v2.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)
    assert [e["payload"]["updated"] for e in audit_entries(engine)] == [0, 2, 0]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_failed_import_leaves_the_store_unchanged(engine, tmp_path, parallel):
    import_file(engine, "targets", targets_file(tmp_path / "v1.csv", 20))
    before = snapshot(engine, "targets")
    rows = [target_row(i, 登记状态="吊销") for i in range(1, 40)]  # would update and add...
    rows[30] = target_row(31, 成立日期="2021-02-29")  # ...but one row is bad
    path = write_csv(tmp_path / "v2.csv", TARGET_HEADERS, rows)
    report = import_file(engine, "targets", path, parallel=parallel)
    assert not report.imported
    assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
    assert report.rows == 39 and report.rejected == 1
    assert [(p.row, p.column, p.code) for p in report.problems] == [(32, "成立日期", "JC617")]
    assert snapshot(engine, "targets") == before


def test_every_problem_is_reported_with_file_row_and_column(engine, tmp_path):
    rows = [target_row(1), target_row(2, 统一社会信用代码=bad_check(code(2))),
            target_row(3, 登记状态="停业"), target_row(1)]
    path = write_csv(tmp_path / "bad.csv", TARGET_HEADERS, rows)
    report = import_file(engine, "targets", path)
    assert [p.format(with_hint=False) for p in report.problems] == [
        f"{path}:3:统一社会信用代码: JC613 统一社会信用代码校验码错误："
        f"{bad_check(code(2))} 的第 18 位应为“{code(2)[17]}”",
        f"{path}:4:登记状态: JC618 取值“停业”无效，应为：存续/在业/吊销/注销/迁出",
        f"{path}:5:统一社会信用代码: JC619 统一社会信用代码“{code(1)}”与第 2 行重复",
    ]
    assert stored(engine, "targets") == []


def test_skip_invalid_imports_good_rows_and_writes_rejects(engine, tmp_path):
    rows = [target_row(1), target_row(2, 成立日期="二〇一〇年"), target_row(3),
            target_row(4, 统一社会信用代码=bad_check(code(4)), 市场主体名称=""), target_row(1)]
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, rows, encoding="gb18030")
    rejects = tmp_path / "rejects.csv"
    report = import_file(engine, "targets", path, skip_invalid=True, rejects=rejects)
    assert report.imported
    assert (report.added, report.rejected) == (2, 3)
    assert [r["credit_code"] for r in stored(engine, "targets")] == [code(1), code(3)]
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == [*TARGET_HEADERS, "错误原因"]
    assert [r[:-1] for r in got[1:]] == [rows[1], rows[3], rows[4]]
    assert got[1][-1].startswith("成立日期: JC617 ")
    assert "统一社会信用代码: JC613" in got[2][-1] and "市场主体名称: JC610" in got[2][-1]
    assert "第 2 行" in got[3][-1]
    assert audit_entries(engine)[-1]["payload"]["rejected"] == 3

    # the rejects file, corrected, imports as it is (错误原因 is ignored)
    fixed = [r[:-1] + [r[-1]] for r in got]
    fixed[1][TARGET_HEADERS.index("成立日期")] = "2010-01-01"
    fixed[2][TARGET_HEADERS.index("统一社会信用代码")] = code(4)
    fixed[2][TARGET_HEADERS.index("市场主体名称")] = "鹤壁丁公司"
    del fixed[3]
    with open(rejects, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(fixed)
    again = import_file(engine, "targets", rejects)
    assert again.imported and again.warnings == [] and again.added == 2


def test_rejects_file_in_strict_mode_and_nothing_imported(engine, tmp_path):
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, [target_row(1), target_row(2, 登记状态="")])
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    report = import_file(engine, "targets", path, rejects=rejects)
    assert not report.imported and stored(engine, "targets") == []
    assert len(rejects.read_text(encoding="utf-8-sig").splitlines()) == 2


def test_check_override_is_stored(engine, tmp_path):
    failing = bad_check(code(9))
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADERS, "校验码例外"],
                     [target_row(1) + [""], target_row(9, 统一社会信用代码=failing) + ["是"]])
    assert import_file(engine, "targets", path).added == 2
    rows = {r["credit_code"]: r for r in stored(engine, "targets")}
    assert rows[failing]["check_override"] is True and rows[code(1)]["check_override"] is False
    refused = import_file(engine, "targets", path, allow_check_override=False)
    assert not refused.imported
    assert {p.code for p in refused.problems} == {"JC613", "JC624"}


def test_officers_import_and_refresh(engine, tmp_path):
    import_file(engine, "officers", officers_file(tmp_path / "o1.csv", 4))
    rows = stored(engine, "officers")
    assert [r["department"] for r in rows] == ["emergency_mgmt", "market_supervision"] * 2
    assert rows[1]["qualifications"] == ["特种设备安全监察"] and rows[0]["conflicts"] == []
    changed = [officer_row(1, 在岗="否"), officer_row(2, 回避对象=code(5)), officer_row(3),
               officer_row(4), officer_row(5)]
    report = import_file(engine, "officers",
                         write_csv(tmp_path / "o2.csv", OFFICER_HEADERS, changed))
    assert (report.added, report.updated, report.unchanged) == (1, 2, 2)
    rows = {r["cert_no"]: r for r in stored(engine, "officers")}
    assert rows["41061000001"]["active"] is False
    assert rows["41061000002"]["conflicts"] == [code(5)]


def test_xlsx_and_mapping_import(engine, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  名称: 市场主体名称\n", encoding="utf-8")
    headers = ["统一社会信用代码", "名称", "登记状态"]
    path = write_xlsx(tmp_path / "t.xlsx", headers, [[code(1), "甲", "存续"], [code(2), "乙", "在业"]])
    report = import_file(engine, "targets", path, mapping=mapping)
    assert report.added == 2 and report.encoding is None
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [r["name"] for r in stored(engine, "targets")] == ["甲", "乙"]


def test_progress_is_reported(engine, tmp_path):
    path = targets_file(tmp_path / "t.csv", 50)
    calls = []
    import_file(engine, "targets", path, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert calls and calls[-1] == (size, size)
    assert all(total == size for _d, total in calls)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)


@pytest.mark.slow
def test_parallel_reader_gives_the_same_store(store_url, tmp_path):
    """The child-process reader (used for big CSV files) writes exactly what the
    in-process one writes."""
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.store import open_store

    targets, _officers = write_sample(tmp_path, targets=2500, officers=0, seed=5)
    engine = open_store(store_url)
    try:
        report = import_file(engine, "targets", targets, parallel=True)
        assert report.added == 2500 and report.sha256 == \
            hashlib.sha256(targets.read_bytes()).hexdigest()
        expected = [row_digest("targets", r.data) for r in iter_rows("targets", targets)]
        assert [r["row_digest"] for r in stored(engine, "targets")] == expected
        again = import_file(engine, "targets", targets, parallel=False)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 2500)
    finally:
        engine.dispose()


def test_a_bad_row_found_by_the_parallel_reader(engine, tmp_path):
    rows = [target_row(i) for i in range(1, 30)]
    rows[20] = target_row(21, 统一社会信用代码="X")
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, rows)
    report = import_file(engine, "targets", path, parallel=True)
    assert not report.imported
    assert [(p.row, p.code) for p in report.problems] == [(22, "JC611")]
    assert stored(engine, "targets") == []


IMPORTER = textwrap.dedent("""
    import json, sys
    from jointcheck.core.store import open_store
    from jointcheck.core.libraries.importer import import_file
    engine = open_store(sys.argv[1])
    sys.stdin.readline()  # wait for the starting signal: both processes start together
    report = import_file(engine, "targets", sys.argv[2])
    print(json.dumps({"added": report.added, "updated": report.updated,
                      "unchanged": report.unchanged, "imported": report.imported}))
""")


@pytest.mark.slow
def test_two_processes_importing_at_once(store_url, tmp_path):
    """Both imports complete, one after the other (the write lock), and nothing is lost."""
    from jointcheck.core.store import audit, open_store

    a = targets_file(tmp_path / "a.csv", 1500, start=1)
    b = targets_file(tmp_path / "b.csv", 1500, start=1001)  # 500 rows in common
    procs = [subprocess.Popen([sys.executable, "-c", IMPORTER, store_url, str(p)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for p in (a, b)]
    for p in procs:
        p.stdin.write("go\n")
    for p in procs:
        p.stdin.flush()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    assert all(o["imported"] for o in outs)
    assert sum(o["added"] for o in outs) == 2500
    assert sorted(o["unchanged"] for o in outs) == [0, 500]
    engine = open_store(store_url)
    try:
        rows = stored(engine, "targets")
        assert sorted(r["credit_code"] for r in rows) == sorted(code(i) for i in range(1, 2501))
        with engine.connect() as conn:
            assert audit.verify(conn) == []
            assert [e["action"] for e in audit.entries(conn)] == ["targets.import"] * 2
    finally:
        engine.dispose()


def test_a_failing_reader_process_is_a_clear_error(engine, tmp_path, monkeypatch):
    from jointcheck.core.libraries import importer
    from jointcheck.core.libraries.messages import LibraryError

    def broken(kind, extra=()):
        def make(values):
            raise ValueError("boom")
        return make

    monkeypatch.setattr(importer, "_tuple_maker", broken)  # the forked child inherits it
    path = targets_file(tmp_path / "t.csv", 3)
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(LibraryError) as exc:
        import_file(engine, "targets", path, parallel=True, rejects=rejects)
    (p,) = exc.value.problems
    assert p.code == "JC631" and p.message.endswith("ValueError: boom")
    assert stored(engine, "targets") == [] and audit_entries(engine) == []
    assert not rejects.exists() and not (tmp_path / "rejects.csv.tmp").exists()


def test_an_undecodable_byte_found_late_imports_nothing(engine, tmp_path):
    from jointcheck.core.libraries.messages import LibraryError

    path = targets_file(tmp_path / "t.csv", 30, encoding="gb18030")
    path.write_bytes(path.read_bytes() + b"\xff\xfe\n")
    for parallel in (False, True):
        with pytest.raises(LibraryError) as exc:
            import_file(engine, "targets", path, parallel=parallel)
        assert exc.value.problems[0].code == "JC602"
        assert "（第 32 行）0xff" in exc.value.problems[0].message
        assert stored(engine, "targets") == [] and audit_entries(engine) == []


def test_an_empty_file_and_a_header_only_file(engine, tmp_path):
    from jointcheck.core.libraries.messages import LibraryError

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(LibraryError) as exc:
        import_file(engine, "targets", empty)
    assert exc.value.problems[0].code == "JC608"
    header_only = write_csv(tmp_path / "h.csv", TARGET_HEADERS, [])
    report = import_file(engine, "targets", header_only)
    assert report.imported and report.rows == 0 and report.added == 0


def test_an_unwritable_rejects_file(engine, tmp_path):
    from jointcheck.core.libraries.messages import LibraryError

    path = targets_file(tmp_path / "t.csv", 2)
    with pytest.raises(LibraryError) as exc:
        import_file(engine, "targets", path, skip_invalid=True,
                    rejects=tmp_path / "no" / "such" / "dir.csv")
    assert exc.value.problems[0].code == "JC632"
    assert stored(engine, "targets") == []
