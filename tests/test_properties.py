"""Property tests (hypothesis): the fast paths agree with the reference ones.

- The SQL a draw narrows the 检查对象名录库 with (core/draw/service.py ``sql_filter``) selects
  every target ``conditions.evaluate`` puts in scope, and exactly those when it says it is
  exact, on both engines.
- The library reader's generated fast row path (core/libraries/reader.py) never accepts a
  row the general path rejects and never reads a value differently, on invalid cells too;
  nor does its form for the importer, which writes the row's canonical JSON directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_import_support import (
    OFFICER_HEADERS,
    TARGET_HEADERS,
    bad_check,
    code,
    id_number,
    write_csv,
)

from jointcheck.core.conditions import evaluate
from jointcheck.core.draw.algorithm import TARGET_COLUMNS
from jointcheck.core.draw.service import sql_filter
from jointcheck.core.libraries.fields import DIGEST_COLUMNS, KEY, Invalid, row_text
from jointcheck.core.libraries.importer import _wire_maker
from jointcheck.core.libraries.reader import _Slow, iter_rows, open_library

pytestmark = pytest.mark.slow

# --------------------------------------------------------------------------- scope filter

TEXT_VALUES = ["存续", "在业", "注销", "工业", "商业", "", "A", "B", "410602", "甲"]
VALUES: list[Any] = [*TEXT_VALUES, True, False, 0, 1]
ATTRIBUTES = ["status", "industry", "risk_grade", "region", "name", "established",
              "credit_code", "uses_special_equipment", "size", "not_an_attribute"]

_leaf = st.one_of(
    st.builds(lambda a, v: {"attribute": a, "equals": v},
              st.sampled_from(ATTRIBUTES), st.sampled_from(VALUES)),
    st.builds(lambda a, k, vs: {"attribute": a, k: vs}, st.sampled_from(ATTRIBUTES),
              st.sampled_from(["in", "not_in"]),
              st.lists(st.sampled_from(VALUES), min_size=1, max_size=3)),
    st.builds(lambda a, p: {"attribute": a, "present": p},
              st.sampled_from(ATTRIBUTES), st.booleans()),
    st.builds(lambda a: {"attribute": a}, st.sampled_from(ATTRIBUTES)),
)
conditions = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner)),
    max_leaves=8)

_optional_text = st.sampled_from([None, *TEXT_VALUES])
target_rows = st.lists(st.fixed_dictionaries({
    "name": st.sampled_from(["甲", "乙公司"]),
    "status": st.sampled_from(["存续", "在业", "注销", ""]),
    "industry": _optional_text,
    "risk_grade": st.sampled_from([None, "A", "B", ""]),
    "region": _optional_text,
    "established": st.sampled_from([None, dt.date(2010, 5, 1)]),
    "attributes": st.fixed_dictionaries({}, optional={
        "uses_special_equipment": st.booleans(),
        "size": st.sampled_from(["大", "小", ""]),
        "industry": st.sampled_from(["工业", "商业"]),  # a column's name shadows it
    }),
}), max_size=8)


def test_the_sql_scope_filter_selects_what_evaluate_puts_in_scope(store_url):
    import sqlalchemy as sa

    from jointcheck.core.clock import utcnow
    from jointcheck.core.store import open_store
    from jointcheck.core.store.models import targets

    engine = open_store(store_url)
    now = utcnow()

    @settings(max_examples=150, deadline=None)
    @given(rows=target_rows, cond=conditions)
    def check(rows: list[dict[str, Any]], cond: dict[str, Any]) -> None:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                if rows:
                    conn.execute(targets.insert(), [
                        dict(row, credit_code=code(i), check_override=False,
                             row_digest="0" * 64, created_at=now, updated_at=now)
                        for i, row in enumerate(rows)])
                stored = [dict(r._mapping) for r in conn.execute(sa.select(targets))]
                in_scope = {r["credit_code"] for r in stored
                            if evaluate(cond, {c: r[c] for c in TARGET_COLUMNS}) is True}
                for scan in (False, True):
                    clause, exact = sql_filter(cond, targets, scan=scan)
                    query = sa.select(targets.c.credit_code)
                    if clause is not None:
                        query = query.where(clause)
                    selected = set(conn.execute(query).scalars())
                    assert in_scope <= selected, (cond, scan)
                    if exact:
                        assert selected == in_scope, (cond, scan)
            finally:
                trans.rollback()

    try:
        check()
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- library reader

TARGET_CELLS: dict[str, list[str]] = {
    "统一社会信用代码": [code(1), code(2), bad_check(code(3)), code(4).lower(), f" {code(5)} ",
                   code(6)[:17], "91410611I0000000SX", "９１４１０６１１０００００００１Ｘ",
                   "9.14106E+17", "", "9.13E+17", "91410611MA4000001E", "91410611ma4000001e",
                   "91410611MA4000001I", "914106100000017000", "914106100000017000 ",
                   code(7) + "0", code(8)[:17] + "Ｘ", "91410611\u3000" + code(9)[8:],
                   "914106110000000I01", "91410611-00000001", "٩١٤١٠٦١١٠٠٠٠٠٠٠٠١X"],
    "市场主体名称": ["甲公司", "", "  ", "名" * 300, "A&B 公司", '鹤壁"乙"公司', "a\\b",
               "一\n二", "tab\there", "\x01", "\u2028", "😀", " 甲公司\u3000"],
    "法定代表人": ["张三", "", "x" * 200],
    "地址": ["河南省鹤壁市淇滨区九州路1号", ""],
    "联系电话": ["0392-3331234", "13812345678", "abc", "1", "", "+86 138 1234 5678",
             " 0392-4179717 ", "3923700330", "03923700330", "0392-41797171", "039-1234567",
             "０３９２-4179717", "1381234567８", "4.10621E+14", "0392-4179717\n",
             "23812345678", "4001234567", "0392—4179717", "1" * 40],
    "管辖单位": ["淇滨区", ""],
    "成立日期": ["2010-05-01", "2010/5/1", "2010-13-01", "40328", "2010-05-01 10:00:00",
             "abc", "", "20100501"],
    "登记状态": ["存续", "在业", "注销", "歇业中", "", "存续 ", "在营", "吊销，未注销"],
    "行业": ["工业", "", "商业"],
    "信用风险等级": ["A", "b", "E", "", "甲", "A级", 'A"', "Ａ", "AB", "ß"],
    "使用特种设备": ["是", "否", "Y", "N", "maybe", "", "TRUE", " 是 ", "有", "√"],
    "注册号": ["410611000012345", "", "9.14106E+17", "410611000012345.0", "410,611,000,012,345",
            "ABC-123", "４１０６１１", " 410611 "],
    "校验码例外": ["是", "否", "", "x"],
}
OFFICER_CELLS: dict[str, list[str]] = {
    "序号": ["1", ""],
    "姓名": ["王五", "", "x" * 200],
    "性别": ["男", "女", "", "M", "未知"],
    "单位": ["鹤壁市应急管理局", "鹤壁市市场监管局", "", "某单位"],
    "职务": ["科员", ""],
    "执法证号": ["41061000001", "", "x" * 100],
    "手机号码": ["13812345678", "abc", "", "1381234567"],
    "身份证号": [id_number(1), id_number(2)[:17] + "Y", id_number(3)[:17] + "x",
             "410611198013010011", id_number(4)[:16], ""],
    "部门": ["应急管理局", "市场监管局", "emergency_mgmt", "unknown_dept", "", "公安局"],
    "执法证有效期至": ["2030-12-31", "2030/12/31", "bad", ""],
    "资格": ["特种设备安全监察", "安全生产执法;特种设备安全监察", "", "a、b"],
    "管辖单位": ["淇滨区", ""],
    "在岗": ["是", "否", "", "maybe"],
    "回避对象": ["", code(1), "bad", f"{code(1)};{code(2)}"],
}
TABLES = {"targets": (TARGET_HEADERS + ["注册号", "校验码例外"], TARGET_CELLS),
          "officers": (OFFICER_HEADERS, OFFICER_CELLS)}


def _rows(kind: str) -> st.SearchStrategy[list[list[str]]]:
    headers, cells = TABLES[kind]
    row = st.tuples(*[st.sampled_from(cells[h]) for h in headers]).map(list)
    return st.lists(row.filter(lambda r: any(c.strip() for c in r)), min_size=1, max_size=6)


def _paths_agree(kind: str, path: Any, seen: dict[str, int]) -> None:
    """Every row of the file at *path*: the generated fast row and its importer's form
    (key and canonical text) accept only what the general path accepts, and read it the
    same; and the reader's iterations yield what the general path says."""
    encode = _wire_maker(kind)
    lib = open_library(kind, path)
    fast_row, wire = lib._build_fast(), lib._build_fast(wire=True)
    general: dict[int, tuple[dict[str, Any] | None, list[str]]] = {}
    for rownum, cells in lib._rows:
        data, problems = lib._make_row(rownum, cells)
        general[rownum] = (data, [p.format() for p in problems or []])
        seen["rejected"] += bool(problems)
        # the importer's form: the row's key and canonical text, written directly
        try:
            key, text = wire(cells)
        except (Invalid, _Slow):
            pass
        else:
            seen["wire"] += 1
            assert not problems, (cells, general[rownum][1])
            assert data is not None and key == data[KEY[kind]], cells
            assert text == row_text(kind, data), cells
            assert text == encode([data[c] for c in DIGEST_COLUMNS[kind]]), cells
        try:
            fast = fast_row(cells)
        except (Invalid, _Slow):
            seen["general"] += 1
            continue  # the general path decides (and reports)
        seen["fast"] += 1
        assert not problems, (cells, general[rownum][1])
        assert data is not None and fast == [data[c] for c in DIGEST_COLUMNS[kind]], cells

    # and what the reader yields is what the general path says, row by row (a
    # repeated key is an extra problem, JC619, only the whole file can see)
    results = list(iter_rows(kind, path))
    assert [r.row for r in results] == sorted(general)
    for r in results:
        data, problems = general[r.row]
        shown = [p.format() for p in r.problems if p.code != "JC619"]
        assert shown == problems
        if not r.problems:
            assert r.data == data
    # the importer's reading of the file: the same rows, problems and texts
    values = [(n, encode(v) if v is not None else None, [p.format() for p in ps or []])
              for n, v, ps, _cells in open_library(kind, path).iter_values()]
    texts = [(n, t, [p.format() for p in ps or []])
             for n, t, ps, _cells in open_library(kind, path).iter_wire(encode)]
    assert texts == values


@pytest.mark.parametrize("kind", ["targets", "officers"])
def test_each_tricky_cell_reads_alike_on_the_fast_and_general_paths(kind, tmp_path):
    """Table-driven: a valid row (the first cell of each pool) with one cell replaced by
    each value of its pool in turn, so that every tricky value meets the fast paths in a
    row that is otherwise valid."""
    headers, cells = TABLES[kind]
    base = [cells[h][0] for h in headers]
    rows = [base[:i] + [value] + base[i + 1:]
            for i, h in enumerate(headers) for value in cells[h]]
    path = write_csv(tmp_path / f"{kind}.csv", headers, rows)
    seen = {"fast": 0, "general": 0, "rejected": 0, "wire": 0}
    _paths_agree(kind, path, seen)
    assert min(seen.values()) > 0, seen


@pytest.mark.parametrize("kind", ["targets", "officers"])
def test_the_fast_row_path_agrees_with_the_general_one_on_invalid_cells(kind, tmp_path):
    headers = TABLES[kind][0]
    path = tmp_path / f"{kind}.csv"
    seen = {"fast": 0, "general": 0, "rejected": 0, "wire": 0}

    @settings(max_examples=150, deadline=None)
    @given(rows=_rows(kind))
    def check(rows: list[list[str]]) -> None:
        write_csv(path, headers, rows)
        _paths_agree(kind, path, seen)

    check()
    # the cell pools make rows of every kind: read fast, left to the general path, rejected
    assert min(seen.values()) > 0, seen

