"""core.present: pure presentation shared by the CLI, the app and the reports."""

from __future__ import annotations

import pytest

from jointcheck.core.i18n import set_lang
from jointcheck.core.present.conditions import describe_condition

SPECIAL = {"attribute": "uses_special_equipment", "equals": True}
OPEN = {"attribute": "status", "in": ["存续", "在业"]}
GRADE = {"attribute": "risk_grade", "equals": "D"}
KNOWN = {"attribute": "industry", "present": True}


@pytest.mark.parametrize(("cond", "zh", "en"), [
    ({"all": [{"any": [SPECIAL, GRADE]}, OPEN]},
     "(使用特种设备 = 是 或 信用风险等级 = D) 且 登记状态 ∈ 存续、在业",
     "(使用特种设备 = yes or 信用风险等级 = D) and 登记状态 ∈ 存续、在业"),
    ({"any": [{"all": [SPECIAL, OPEN]}, GRADE]},
     "(使用特种设备 = 是 且 登记状态 ∈ 存续、在业) 或 信用风险等级 = D",
     "(使用特种设备 = yes and 登记状态 ∈ 存续、在业) or 信用风险等级 = D"),
    ({"not": {"any": [SPECIAL, GRADE]}},
     "非（使用特种设备 = 是 或 信用风险等级 = D）",
     "not (使用特种设备 = yes or 信用风险等级 = D)"),
    ({"all": [{"not": {"all": [SPECIAL, KNOWN]}}, {"any": [GRADE, {"all": [OPEN, KNOWN]}]}]},
     "非（使用特种设备 = 是 且 行业 已知） 且 (信用风险等级 = D 或 (登记状态 ∈ 存续、在业 且 行业 已知))",
     "not (使用特种设备 = yes and 行业 known) and (信用风险等级 = D or (登记状态 ∈ 存续、在业 and 行业 known))"),
    ({"all": [{"any": [SPECIAL]}, OPEN]},  # a lone child needs no brackets
     "使用特种设备 = 是 且 登记状态 ∈ 存续、在业",
     "使用特种设备 = yes and 登记状态 ∈ 存续、在业"),
    ({"all": [SPECIAL, {"not": OPEN}]},
     "使用特种设备 = 是 且 非（登记状态 ∈ 存续、在业）",
     "使用特种设备 = yes and not (登记状态 ∈ 存续、在业)"),
    (None, "均适用", "always"),
])
def test_conditions_keep_their_grouping(cond, zh, en):
    set_lang("zh")
    assert describe_condition(cond) == zh
    set_lang("en")
    assert describe_condition(cond) == en


def test_present_loads_neither_click_nor_the_database():
    """The app and the reports import core.present: it must not drag in the CLI or a driver."""
    import json
    import subprocess
    import sys

    probe = ("import json, sys\n"
             "import jointcheck.core.present.checklist, jointcheck.core.present.conditions\n"
             "import jointcheck.core.present.draw, jointcheck.core.present.libraries\n"
             "import jointcheck.core.present.results\n"
             "print(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    modules = json.loads(proc.stdout)
    heavy = ("click", "sqlalchemy", "textual", "psycopg", "openpyxl", "jointcheck.core.cli")
    assert [m for m in modules if m.startswith(heavy)] == []


def _record(targets):
    from jointcheck.core.draw.service import DrawRecord

    return DrawRecord(id=3, campaign_id="c", campaign_kind="c", year=2020, seed="s",
                      commitment=None, algorithm_version="jc-draw-1", parameters={},
                      targets_fingerprint="t", officers_fingerprint="o",
                      result={"targets": targets, "eligible": 9}, result_digest="d")


def test_draw_team_rows_and_table_need_no_store():
    from jointcheck.core.draw.queries import team_rows
    from jointcheck.core.present.draw import team_table

    record = _record([
        {"seq": 1, "credit_code": "91410611000000001X", "stratum": None,
         "team": [{"department": "emergency_mgmt", "cert_no": "E2"},
                  {"department": "emergency_mgmt", "cert_no": "E1", "leader": True}]},
        {"seq": 2, "credit_code": "91410611000000002Y", "stratum": None, "team": []},
    ])
    rows = team_rows(record, {"91410611000000001X": "鹤壁甲公司"},
                     {"E1": {"name": "张三", "unit": "市应急管理局"}},
                     {"emergency_mgmt": "应急管理局"})
    assert [m["cert_no"] for m in rows[0]["team"]] == ["E1", "E2"]  # 组长 first
    assert rows[0]["team"][1] == {"name": None, "cert_no": "E2", "department": "emergency_mgmt",
                                  "department_name": "应急管理局", "leader": False}
    set_lang("zh")
    lines = team_table(rows)
    assert lines[0].split() == ["抽取序号", "统一社会信用代码", "市场主体名称", "检查人员"]
    assert "组长 张三（应急管理局）、E2（名录库中已无此人）（应急管理局）" in lines[2]
    assert lines[3].endswith("（名录库中已无此对象）")
    set_lang("en")
    assert "leader 张三（应急管理局）" in team_table(rows)[2]


def test_library_queries_and_cells(store_url, tmp_path):
    """core.libraries.queries on a connection, core.present.libraries on the rows: what
    ``officers list`` / ``show`` print, without the CLI."""
    from test_import_support import officers_file

    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.queries import find_row, list_rows
    from jointcheck.core.present import libraries as P
    from jointcheck.core.store import open_store

    engine = open_store(store_url)
    try:
        import_file(engine, "officers", officers_file(tmp_path / "o.csv", 7))
        with engine.connect() as conn:
            market = list_rows(conn, "officers", {"department": "market_supervision"},
                               limit=2)
            assert market.total == 3
            assert [r["cert_no"] for r in market.rows] == ["41061000002", "41061000004"]
            held = list_rows(conn, "officers", {}, qualifications=["安全生产执法"])
            assert held.total == 4
            assert list_rows(conn, "officers", {}, search="王7").total == 1
            row = find_row(conn, "officers", "41061000003")
            assert find_row(conn, "officers", "41061999999") is None
    finally:
        engine.dispose()
    assert row is not None and row["phone"] == "13800000003"
    shown = P.masked("officers", row, show_personal=False)
    assert shown["phone"] != row["phone"] and shown["id_number"] != row["id_number"]
    assert P.masked("officers", row, show_personal=True) is row
    headers, cells = P.table_rows("officers", [shown], {"emergency_mgmt": "应急管理局"})
    assert headers[:2] == ["执法证号", "姓名"]
    assert cells[0][0] == "41061000003" and cells[0][3] == "应急管理局"
    columns, csv_headers = P.csv_header("officers")
    assert dict(zip(csv_headers, P.csv_values("officers", columns, row), strict=True))["手机号码"] \
        == "13800000003"
    assert ["执法证号", "41061000003"] in P.show_pairs("officers", row)
    assert P.cut("鹤" * 40) == "鹤" * 17 + "…"
