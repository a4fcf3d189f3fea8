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


@pytest.mark.parametrize("replace_missing_columns", [False, True])  # PostgreSQL: params, COPY
def test_a_failing_reader_process_is_a_clear_error(engine, tmp_path, monkeypatch,
                                                   replace_missing_columns):
    from jointcheck.core.libraries import importer
    from jointcheck.core.libraries.messages import LibraryError

    def broken(lib, make):
        raise ValueError("boom")
        yield  # a generator, as the batches are

    # the forked child inherits it: every form the reader process sends (lines for
    # SQLite's stage, COPY text or parameters for PostgreSQL) comes in its batches
    monkeypatch.setattr(importer, "_batches", broken)
    path = targets_file(tmp_path / "t.csv", 3)
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(LibraryError) as exc:
        import_file(engine, "targets", path, parallel=True, rejects=rejects,
                    replace_missing_columns=replace_missing_columns)
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


# --- a file with fewer columns (issue 7: no silent data loss) -------------------------
# A status-update file must leave the columns it lacks as they are on the matched rows; a
# full replacement is --replace-missing-columns.

def by_key(engine, kind):
    key = "credit_code" if kind == "targets" else "cert_no"
    return {r[key]: r for r in stored(engine, kind)}


STATUS_HEADERS = ["统一社会信用代码", "市场主体名称", "登记状态"]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_status_file_keeps_the_columns_it_lacks(engine, tmp_path, parallel):
    import_file(engine, "targets", targets_file(tmp_path / "full.csv", 4))
    before = by_key(engine, "targets")
    status = write_csv(tmp_path / "status.csv", STATUS_HEADERS, [
        [code(1), "鹤壁测试1机械有限公司", "注销"],  # status changes
        [code(2), "鹤壁测试2机械有限公司", "存续"],  # nothing changes
        [code(9), "新企业", "存续"],  # a new row: the absent columns are empty
    ])
    report = import_file(engine, "targets", status, parallel=parallel)
    assert report.imported
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    after = by_key(engine, "targets")
    one = after[code(1)]
    assert one["status"] == "注销"
    for column in ("industry", "risk_grade", "attributes", "address", "phone", "legal_rep",
                   "established", "jurisdiction"):
        assert one[column] == before[code(1)][column], column
    assert one["attributes"] == {"uses_special_equipment": True}
    # the digest is that of the whole row as stored
    assert one["row_digest"] == row_digest("targets", one)
    assert after[code(2)]["row_digest"] == before[code(2)]["row_digest"]
    assert after[code(2)]["updated_at"] == before[code(2)]["updated_at"]
    new = after[code(9)]
    assert new["industry"] is None and new["attributes"] == {}
    assert new["row_digest"] == row_digest("targets", new)
    # the report says which columns the file does not have
    (warning,) = [w for w in report.warnings if w.code == "JC652"]
    assert "行业" in warning.message and "使用特种设备" in warning.message
    assert "统一社会信用代码" not in warning.message
    assert "注册号" not in warning.message  # no stored value was kept there: not said
    assert "2 条已有记录" in warning.message
    assert "行业" in report.missing_columns
    assert audit_entries(engine)[-1]["payload"]["missing_columns"][:2] == ["reg_no", "legal_rep"]


def test_an_unchanged_partial_file_changes_nothing(engine, tmp_path):
    import_file(engine, "targets", targets_file(tmp_path / "full.csv", 3))
    status = write_csv(tmp_path / "status.csv", STATUS_HEADERS,
                       [[code(n), f"鹤壁测试{n}机械有限公司", "存续"] for n in (1, 2, 3)])
    report = import_file(engine, "targets", status)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)


def test_a_refresh_that_keeps_nothing_does_not_warn(engine, tmp_path):
    # the usual file lacks a few optional columns (注册号...) the store has no value for
    import_file(engine, "targets", targets_file(tmp_path / "a.csv", 2))
    report = import_file(engine, "targets", targets_file(tmp_path / "b.csv", 3))
    assert report.imported and report.warnings == []
    assert "注册号" in report.missing_columns


def test_replace_missing_columns_empties_them(engine, tmp_path):
    import_file(engine, "targets", targets_file(tmp_path / "full.csv", 2))
    status = write_csv(tmp_path / "status.csv", STATUS_HEADERS,
                       [[code(1), "鹤壁测试1机械有限公司", "注销"]])
    report = import_file(engine, "targets", status, replace_missing_columns=True)
    assert report.updated == 1
    assert [w.code for w in report.warnings] == ["JC653"]
    one = by_key(engine, "targets")[code(1)]
    assert one["industry"] is None and one["attributes"] == {}
    assert one["row_digest"] == row_digest("targets", one)


def test_a_present_attribute_column_replaces_only_its_key(engine, tmp_path):
    import_file(engine, "targets", targets_file(tmp_path / "full.csv", 1))
    # a mapped custom attribute, and no 使用特种设备: the stored key stays
    path = write_csv(tmp_path / "boiler.csv", [*STATUS_HEADERS, "有无锅炉"],
                     [[code(1), "鹤壁测试1机械有限公司", "存续", "是"]])
    mapping = {"columns": {"有无锅炉": "attributes.has_boiler"}}
    import_file(engine, "targets", path, mapping=mapping)
    one = by_key(engine, "targets")[code(1)]
    assert one["attributes"] == {"uses_special_equipment": True, "has_boiler": True}
    assert one["row_digest"] == row_digest("targets", one)


def test_an_officer_file_with_fewer_columns(engine, tmp_path):
    import_file(engine, "officers", officers_file(tmp_path / "full.csv", 3))
    before = by_key(engine, "officers")
    cert = "41061000001"
    path = write_csv(tmp_path / "duty.csv", ["姓名", "执法证号", "部门", "在岗"],
                     [["王1", cert, "应急管理局", "否"]])
    report = import_file(engine, "officers", path)
    assert report.updated == 1
    one = by_key(engine, "officers")[cert]
    assert one["active"] is False
    for column in ("phone", "id_number", "qualifications", "cert_expiry", "jurisdiction",
                   "unit", "gender"):
        assert one[column] == before[cert][column], column
    assert one["row_digest"] == row_digest("officers", one)
    assert "手机号码" in report.missing_columns and "部门" not in report.missing_columns


def test_the_cli_warns_and_offers_the_replacement(store_url, tmp_path):
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    import_file_path = targets_file(tmp_path / "full.csv", 1)
    runner = CliRunner()
    assert runner.invoke(main, ["--db", store_url, "targets", "import",
                                str(import_file_path)]).exit_code == 0
    status = write_csv(tmp_path / "status.csv", STATUS_HEADERS,
                       [[code(1), "鹤壁测试1机械有限公司", "注销"]])
    result = runner.invoke(main, ["--db", store_url, "targets", "import", str(status)])
    assert result.exit_code == 0, result.output
    assert "JC652" in result.output and "--replace-missing-columns" in result.output
    result = runner.invoke(main, ["--db", store_url, "--lang", "en", "targets", "import",
                                  str(status), "--replace-missing-columns"])
    assert result.exit_code == 0, result.output
    assert "JC653" in result.output and "lose their values" in result.output


# --- errors of the store and of the bytes, each attributed to what is wrong (issue 7) ------

def read_only_url(url: str) -> str:
    """The same store, opened read-only (file permissions do not stop root: ask the engine)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return f"sqlite:///file:{u.database}?mode=ro&uri=true"
    options = (u.query.get("options") or "") + " -cdefault_transaction_read_only=on"
    return u.update_query_dict({"options": options.strip()}).render_as_string(
        hide_password=False)


def test_a_read_only_store_is_said_to_be_read_only(store_url, tmp_path):
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    path = targets_file(tmp_path / "targets.csv", 3)
    for args in (["targets", "import", str(path)], ["draw", "commit", "--seed", "ab" * 32]):
        result = CliRunner().invoke(main, ["--db", read_only_url(store_url), *args])
        assert result.exit_code == 1, result.output
        assert "JC708" in result.output and "只读" in result.output, result.output
        assert "稍后重试" not in result.output and "Traceback" not in result.output
        assert not result.output.startswith(str(path))  # the database is at fault, not the file
    from jointcheck.core.store import open_store

    engine = open_store(store_url)
    try:
        assert stored(engine, "targets") == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("parallel", [False, True])
def test_a_nul_byte_is_a_row_error_on_every_engine(engine, tmp_path, parallel):
    rows = [target_row(i) for i in range(1, 5)]
    rows[1][1] = "鹤壁\x00测试"  # row 3 of the file, 市场主体名称
    path = write_csv(tmp_path / "nul.csv", TARGET_HEADERS, rows)
    report = import_file(engine, "targets", path, parallel=parallel)
    assert not report.imported
    (p,) = report.problems
    assert (p.code, p.row, p.column) == ("JC629", 3, "市场主体名称")
    assert "NUL" in p.message and "稍后重试" not in (p.hint or "")
    report = import_file(engine, "targets", path, skip_invalid=True, parallel=parallel)
    assert report.imported and report.added == 3 and report.rejected == 1


# --- the reader process's hand-off (importer._wire_maker / _wire_reader) -------------------

_TRICKY_TEXT = ["", "鹤壁测试机械有限公司", 'a "quoted" name', "back\\slash", "tab\there",
                "line\nbreak", "cr\rlf", "\x01\x1f\x7f", "\u2028\u2029", "😀 astral",
                "\ufeffbom", "é\u0301", "],[", '"\n"', "0392", "1e5", "true", "null",
                "\\", "a\\b", "\t", "x\ny\r", "\\N", "\\."]


def _wire_batch(kind, rows):
    from jointcheck.core.libraries.importer import _wire_maker, _WireBatch

    make = _wire_maker(kind)
    text = "\n".join(make(list(r)) for r in rows)
    return _WireBatch(text.encode("utf-8"), len(rows))  # as the reader process sends it


def _wire_round_trip(kind, rows):
    from jointcheck.core.libraries.importer import _wire_reader

    return _wire_reader(kind)(_wire_batch(kind, rows))


def _staged(kind, batch, folder):
    """The rows of a SQLite stage that *batch* was written into, as SQLite holds them."""
    import sqlite3

    from jointcheck.core.libraries.importer import _SqliteStage

    stage = _SqliteStage(kind, folder)
    try:
        stage.write(batch)
        stage.close()
        with sqlite3.connect(stage.path) as db:
            return [[(type(v), v) for v in row]
                    for row in db.execute("SELECT * FROM rows ORDER BY rowid")]
    finally:
        stage.remove()


def _in_process(kind, rows):
    from jointcheck.core.libraries.importer import _tuple_maker

    make = _tuple_maker(kind)
    return [make(list(r)) for r in rows]


def _typed(rows):
    return [[(type(v), v) for v in row] for row in rows]


def _values_strategy(kind, nul=True, short=False):
    """Rows of reader values; *nul* False leaves out U+0000, which no row of a file read
    by the reader process holds (JC629) and SQLite's JSON functions end a text at; *short*
    keeps the plain columns' text within 4 characters (the narrowest column, 性别)."""
    from datetime import date

    from hypothesis import strategies as st

    from jointcheck.core.libraries.fields import DIGEST_COLUMNS

    chars = st.characters(blacklist_categories=("Cs",),
                          blacklist_characters="" if nul else "\x00")
    text = st.text(chars) | st.sampled_from(_TRICKY_TEXT)
    plain = (st.text(chars, max_size=4) | st.sampled_from([t for t in _TRICKY_TEXT
                                                           if len(t) <= 4])
             if short else text)
    scalar = (text | st.booleans() | st.none() | st.integers() | st.integers(min_value=2**63)
              | st.floats(allow_nan=False, allow_infinity=False))
    column = {
        "attributes": st.dictionaries(text, scalar, max_size=4),
        "qualifications": st.lists(text, max_size=4),
        "conflicts": st.lists(text, max_size=3),
        "established": st.none() | st.dates(min_value=date(1, 1, 1)),
        "cert_expiry": st.none() | st.dates(),
        "check_override": st.booleans(),
        "active": st.booleans(),
    }
    return st.tuples(*(column.get(c, plain | st.none()) for c in DIGEST_COLUMNS[kind]))


@pytest.mark.parametrize("kind", ["targets", "officers"])
def test_the_reader_process_hands_over_exactly_the_in_process_parameters(kind):
    """What crosses the pipe (the rows' canonical JSON) reads back into the very values,
    types and digests the in-process reader makes: for every text (quotes, backslashes,
    control characters, U+2028, astral characters, empty), big and small numbers, floats,
    booleans and nulls inside the JSON columns."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jointcheck.core.canonical import canonical_digest, canonical_text

    @settings(max_examples=300, deadline=None)
    @given(st.lists(_values_strategy(kind), min_size=1, max_size=5))
    def check(rows):
        expected = _in_process(kind, rows)
        assert _typed(_wire_round_trip(kind, rows)) == _typed(expected)
        for row, made in zip(rows, expected, strict=True):
            # the digest is that of core.canonical's encoding of the row (dates as text)
            values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
            assert made[-1] == canonical_digest(values)
            for i, v in enumerate(values):
                if isinstance(v, dict | list):
                    assert made[i] == canonical_text(v)

    check()
    assert _wire_round_trip(kind, []) == []


@pytest.mark.parametrize("kind", ["targets", "officers"])
@pytest.mark.parametrize("sqlite_json", [True, False])
def test_a_staged_batch_from_the_reader_process_is_the_in_process_one(
        kind, sqlite_json, tmp_path, monkeypatch):
    """SQLite's JSON functions spread the reader process's lines over the stage's columns
    exactly as the in-process parameters fill them (same values, same storage types, the
    JSON columns as core.canonical writes them); so does Python where SQLite has no JSON
    functions."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jointcheck.core.libraries import importer

    assert importer._sqlite_reads_json(__import__("sqlite3").connect(":memory:"))
    if not sqlite_json:
        monkeypatch.setattr(importer, "_sqlite_reads_json", lambda db: False)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_values_strategy(kind, nul=False), min_size=1, max_size=5))
    def check(rows):
        expected = _staged(kind, _in_process(kind, rows), tmp_path)
        assert _staged(kind, _wire_batch(kind, rows), tmp_path) == expected

    check()


def _stored_text(engine, kind):
    """Every stored row as the database holds it, JSON columns as their stored text."""
    import sqlalchemy as sa

    from jointcheck.core.store import models

    table = getattr(models, kind)
    columns = [sa.cast(c, sa.Text) if isinstance(c.type, sa.JSON) else c
               for c in table.c if c.name != "id"]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*columns).order_by(table.c.id))]


def test_tricky_text_stores_the_same_by_either_reader(store_url, tmp_path, monkeypatch):
    """Cells with quotes, backslashes, tabs, line breaks, control characters and U+2028 (in
    plain columns and in a custom attribute) are stored as written and digested as the
    draw's verification re-derives them, and the reader process (its hand-off to SQLite's
    stage or as COPY text to PostgreSQL) stores exactly what the in-process reader stores,
    byte for byte, JSON columns included, into a table holding rows or into an empty one."""
    from jointcheck.core import clock
    from jointcheck.core.libraries import importer
    from jointcheck.core.store import open_store

    now = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: now)  # the same stamps in every run
    modes = []  # what the reader process sent, run by run

    class Remote(importer._RemoteBatches):
        def __init__(self, lib, mode):
            modes.append(mode)
            super().__init__(lib, mode)

    monkeypatch.setattr(importer, "_RemoteBatches", Remote)
    names = [t for t in _TRICKY_TEXT if t.strip()]
    rows = [[*target_row(i, 市场主体名称=f"名{name}", 地址=name, 行业=name), name]
            for i, name in enumerate(names, start=1)]
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADERS, "备注"], rows)
    seed = targets_file(tmp_path / "seed.csv", 1, start=900)  # a table that holds a row
    mapping = {"columns": {"备注": "attributes.note"}}
    got = {}
    # into a table holding a row (the upsert), the file lacking columns: keeping their
    # stored values, PostgreSQL's reader process sends the values (params); replacing
    # them, COPY text; into an empty table, SQLite copies its stage whole and PostgreSQL
    # COPYs into the table itself
    runs = ((False, False, True), (True, False, True), (True, True, True), (True, True, False))
    for parallel, replace, seeded in runs:
        engine = open_store(store_url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM targets")
            if seeded:
                assert import_file(engine, "targets", seed).added == 1
            report = import_file(engine, "targets", path, parallel=parallel, mapping=mapping,
                                 replace_missing_columns=replace)
            assert report.imported and report.added == len(names), report.problems
            one = [r for r in stored(engine, "targets") if r["credit_code"] != code(900)]
            assert [r["address"] for r in one] == [n.strip() for n in names]
            read = [r.data for r in iter_rows("targets", path, mapping=mapping)]
            assert [r["attributes"] for r in one] == [r["attributes"] for r in read]
            assert "back\\slash" in [r["attributes"].get("note") for r in one]
            assert [r["row_digest"] for r in one] == [row_digest("targets", r) for r in one]
            assert [r["row_digest"] for r in one] == [row_digest("targets", r) for r in read]
            got[parallel, replace, seeded] = [
                r for r in _stored_text(engine, "targets") if r[0] != code(900)]
            sqlite = engine.dialect.name == "sqlite"
        finally:
            engine.dispose()
    assert modes == (["lines"] * 3 if sqlite else ["params", "copy", "copy"])
    assert len(set(map(tuple, got.values()))) == 1, "the write paths stored different rows"


@pytest.mark.parametrize("kind", ["targets", "officers"])
def test_the_reader_process_copy_text_is_what_psycopg_writes(kind, pg_store_url):
    """PostgreSQL: the COPY text the reader process makes (_copy_maker) loads the very rows
    that psycopg's own COPY of the in-process parameters loads, for tricky values."""
    store_url = pg_store_url
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jointcheck.core.libraries.importer import IMPORT_COLUMNS, _copy_maker
    from jointcheck.core.store import open_store

    names = ", ".join(IMPORT_COLUMNS[kind])
    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            cur = conn.connection.driver_connection.cursor()
            for t in ("a", "b"):
                cur.execute(f"CREATE TEMPORARY TABLE {t} AS SELECT {names} FROM {kind} "
                            f"WITH NO DATA")

            def load(table, write):
                """The rows loaded, as text; or the error the server refused them with
                (a generated text too long for its column, say), which must be the same."""
                import psycopg

                cur.execute(f"TRUNCATE {table}")
                try:
                    with (cur.connection.transaction(),  # a savepoint
                          cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy):
                        write(copy)
                except psycopg.DataError as exc:
                    return type(exc).__name__
                cur.execute(f"SELECT {', '.join(f'{c}::text' for c in IMPORT_COLUMNS[kind])} "
                            f"FROM {table}")
                return cur.fetchall()

            # derandomized: the same examples on every machine
            @settings(max_examples=150, deadline=None, derandomize=True)
            @given(st.lists(_values_strategy(kind, nul=False, short=True), min_size=1,
                            max_size=5))
            def check(rows):
                expected = load("a", lambda copy: [copy.write_row(r)
                                                   for r in _in_process(kind, rows)])
                make = _copy_maker(kind)
                text = "".join(f"{make(list(r))}\n" for r in rows)
                assert load("b", lambda copy: copy.write(text)) == expected
                loaded.append(not isinstance(expected, str))

            loaded: list[bool] = []

            check()
            assert all(loaded)  # the values fit their columns: every example compared
    finally:
        engine.dispose()


def _sqlite_rows(url, kind):
    """Every row of *kind* as SQLite holds it: (key, id, every other column's storage type
    and value), by key."""
    import sqlite3

    from jointcheck.core.libraries.fields import KEY
    from jointcheck.core.store import sqlite_path

    con = sqlite3.connect(sqlite_path(url))
    try:
        names = [r[1] for r in con.execute(f"PRAGMA table_info({kind})")]
        others = [n for n in names if n != "id"]
        select = ", ".join(f"typeof({n}), {n}" for n in others)
        key = others.index(KEY[kind])
        return {r[2 + 2 * key]: (r[0], r[1:])
                for r in con.execute(f"SELECT id, {select} FROM {kind}")}
    finally:
        con.close()


def _written_whole(monkeypatch) -> list[bool]:
    """Fix the clock (the same stamps in every import) and record, import by import,
    whether its rows went whole into an empty table (SQLite's stage copied, PostgreSQL's
    batches COPYed into the table) rather than through the upsert."""
    from jointcheck.core import clock
    from jointcheck.core.libraries import importer

    now = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: now)
    whole: list[bool] = []

    class Stage(importer._SqliteStage):
        def close(self):
            whole.append(self.transfer)
            super().close()

    class Writer(importer._PostgresWriter):
        def finish(self):
            whole.append(self.direct)
            return super().finish()

    monkeypatch.setattr(importer, "_SqliteStage", Stage)
    monkeypatch.setattr(importer, "_PostgresWriter", Writer)
    return whole


def _library_file(kind, tmp_path):
    from jointcheck.core.libraries.sample import write_sample

    targets, officers = write_sample(tmp_path / kind, targets=400, officers=120, seed=11)
    return targets if kind == "targets" else officers


def _one_row_file(kind, tmp_path, n):
    if kind == "targets":
        return targets_file(tmp_path / f"one-{n}.csv", 1, start=n)
    return officers_file(tmp_path / f"one-{n}.csv", 1, start=n)


@pytest.mark.parametrize("kind", ["targets", "officers"])
@pytest.mark.parametrize("parallel", [False, True])
def test_the_first_import_of_a_library_stores_what_the_upsert_stores(
        kind, parallel, tmp_path, monkeypatch):
    """Into an empty library table, a SQLite import stages the rows as the store holds them
    and copies that table whole; the result is the upsert's, row for row: the same values
    of the same storage types, ids in the file's order, the same stamps, and indexes that
    check out and serve the next import."""
    from jointcheck.core.libraries import importer
    from jointcheck.core.store import open_store, upgrade

    transfers = _written_whole(monkeypatch)
    path = _library_file(kind, tmp_path)
    extra = _one_row_file(kind, tmp_path, 999_999)
    urls = {}
    for way in ("first", "upsert"):
        urls[way] = f"sqlite:///{tmp_path / way}.db"
        upgrade(urls[way])
        engine = open_store(urls[way])
        try:
            if way == "upsert":  # a table holding one row already: the upsert
                assert import_file(engine, kind, extra).added == 1
            report = import_file(engine, kind, path, parallel=parallel)
            assert report.imported and (report.added, report.updated) == (report.rows, 0)
        finally:
            engine.dispose()
    assert transfers == [True, True, False]  # each table's first import only
    first, upsert = (_sqlite_rows(urls[w], kind) for w in ("first", "upsert"))
    del upsert[next(r.data[importer.KEY[kind]] for r in iter_rows(kind, extra))]
    assert {k: v[1] for k, v in first.items()} == {k: v[1] for k, v in upsert.items()}
    keys = [r.data[importer.KEY[kind]] for r in iter_rows(kind, path)]
    assert sorted(keys, key=lambda k: first[k][0]) == keys  # ids in the file's order
    assert [first[k][0] for k in keys] == [upsert[k][0] - 1 for k in keys]

    engine = open_store(urls["first"])
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        changed = _one_row_file(kind, tmp_path, 999_998)  # a refresh: one row more
        again = import_file(engine, kind, path)
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(keys))
        assert import_file(engine, kind, changed).added == 1
    finally:
        engine.dispose()
    assert len(_sqlite_rows(urls["first"], kind)) == len(keys) + 1


def test_a_library_table_with_a_generated_column_is_still_imported(sqlite_url, tmp_path):
    """A column someone added to the table by hand, computed by SQLite, cannot be copied
    whole: the first import upserts instead, and the column is computed for every row."""
    from jointcheck.core.store import open_store, upgrade

    upgrade(sqlite_url)
    engine = open_store(sqlite_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE targets ADD COLUMN name_length INTEGER "
                                 "GENERATED ALWAYS AS (length(name)) VIRTUAL")
        report = import_file(engine, "targets", targets_file(tmp_path / "t.csv", 20))
        assert report.imported and report.added == 20
        with engine.connect() as conn:
            got = conn.exec_driver_sql("SELECT name, name_length FROM targets").all()
        assert len(got) == 20 and all(n == len(name) for name, n in got)
    finally:
        engine.dispose()


def test_a_library_filled_while_its_first_import_reads_is_upserted(sqlite_url, tmp_path,
                                                                   monkeypatch):
    """The table was empty when the import began and another import filled it meanwhile:
    the staged rows are upserted (no row twice, the other import's row kept, the row both
    files hold taking this file's values), as into any table holding rows."""
    from jointcheck.core.libraries import importer
    from jointcheck.core.store import open_store, upgrade

    upgrade(sqlite_url)
    engine = open_store(sqlite_url)
    path = targets_file(tmp_path / "t.csv", 50)
    other = write_csv(tmp_path / "other.csv", TARGET_HEADERS,
                      [target_row(7, 市场主体名称="另一次导入的名称"), target_row(500)])
    real = importer._definition_if_empty

    def meanwhile(e, kind):
        found = real(e, kind)
        assert found  # empty when this import began...
        monkeypatch.setattr(importer, "_definition_if_empty", real)
        assert import_file(engine, "targets", other).added == 2  # ...then filled
        return found

    monkeypatch.setattr(importer, "_definition_if_empty", meanwhile)
    try:
        report = import_file(engine, "targets", path)
        assert (report.added, report.updated, report.not_in_file) == (49, 1, 1)
        rows = {r["credit_code"]: r for r in stored(engine, "targets")}
        assert len(rows) == 51
        assert rows[code(7)]["name"] == target_row(7)[1] != "另一次导入的名称"
        assert code(500) in rows
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["targets", "officers"])
@pytest.mark.parametrize("parallel", [False, True])
def test_the_first_import_into_postgresql_stores_what_the_upsert_stores(
        kind, parallel, pg_store_url, tmp_path, monkeypatch):
    """Into an empty library table a PostgreSQL import copies its batches straight into
    the table; the rows are the upsert's, column for column: ids in the file's order, the
    same stamps; the next imports upsert against them."""
    import sqlalchemy as sa

    from jointcheck.core.libraries import importer
    from jointcheck.core.store import models, open_store

    direct = _written_whole(monkeypatch)
    path = _library_file(kind, tmp_path)
    extra = _one_row_file(kind, tmp_path, 999_999)
    key = importer.KEY[kind]
    table = getattr(models, kind)

    def rows(engine):
        with engine.connect() as conn:
            found = conn.execute(sa.select(table)).mappings().all()
        return {r[key]: (r["id"], {c: v for c, v in r.items() if c != "id"}) for r in found}

    engine = open_store(pg_store_url)
    try:
        report = import_file(engine, kind, path, parallel=parallel)
        assert report.imported and (report.added, report.updated) == (report.rows, 0)
        first = rows(engine)
        with engine.begin() as conn:
            conn.execute(sa.delete(table))
        assert import_file(engine, kind, extra).added == 1
        report = import_file(engine, kind, path, parallel=parallel)
        assert (report.added, report.updated, report.not_in_file) == (report.rows, 0, 1)
        upsert = rows(engine)
        again = import_file(engine, kind, path)
        assert (again.added, again.updated, again.unchanged) == (0, 0, report.rows)
    finally:
        engine.dispose()
    assert direct == [True, True, False, False]  # into an empty table only
    del upsert[next(r.data[key] for r in iter_rows(kind, extra))]
    assert {k: v[1] for k, v in first.items()} == {k: v[1] for k, v in upsert.items()}
    keys = [r.data[key] for r in iter_rows(kind, path)]
    for stored_rows in (first, upsert):
        assert sorted(keys, key=lambda k: stored_rows[k][0]) == keys  # the file's order
