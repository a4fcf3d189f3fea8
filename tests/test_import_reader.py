"""Reading library files: formats, encodings, headers, and every row validation error."""

from __future__ import annotations

import datetime as dt

import pytest
from test_import_support import (
    OFFICER_HEADERS,
    TARGET_HEADERS,
    bad_check,
    code,
    id_number,
    officer_row,
    officers_file,
    target_row,
    targets_file,
    write_csv,
    write_xlsx,
)

from jointcheck.core.i18n import set_lang
from jointcheck.core.libraries.fields import DIGEST_COLUMNS, row_digest, row_text
from jointcheck.core.libraries.messages import LibraryError
from jointcheck.core.libraries.reader import detect_encoding, iter_rows, open_library


def rows_of(kind, path, **kw):
    return list(iter_rows(kind, path, **kw))


def only_problems(results):
    return [(p.row, p.column, p.code) for r in results for p in r.problems]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("encoding, detected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"),
])
def test_csv_encodings_are_detected(tmp_path, encoding, detected):
    path = targets_file(tmp_path / "t.csv", 3, encoding=encoding)
    assert detect_encoding(path) == detected
    results = rows_of("targets", path)
    assert [r.row for r in results] == [2, 3, 4]
    first = results[0].data
    assert first["name"] == "鹤壁测试1机械有限公司"
    assert first["credit_code"] == code(1)
    assert first["established"] == dt.date(2010, 5, 1)
    assert first["attributes"] == {"uses_special_equipment": True}
    assert results[1].data["attributes"] == {"uses_special_equipment": False}
    assert first["check_override"] is False


def test_the_three_encodings_give_identical_rows(tmp_path):
    outs = []
    for enc in ("utf-8", "utf-8-sig", "gb18030"):
        path = targets_file(tmp_path / f"{enc}.csv", 4, encoding=enc)
        outs.append([r.data for r in rows_of("targets", path)])
    assert outs[0] == outs[1] == outs[2]


def test_forced_encoding(tmp_path):
    path = targets_file(tmp_path / "t.csv", 2, encoding="gbk")
    assert [r.data["name"] for r in rows_of("targets", path, encoding="gbk")] == [
        "鹤壁测试1机械有限公司", "鹤壁测试2机械有限公司"]


def test_wrong_forced_encoding_names_byte_and_line(tmp_path):
    path = targets_file(tmp_path / "t.csv", 2, encoding="gb18030")
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", path, encoding="utf-8")
    (p,) = exc.value.problems
    assert p.code == "JC602"
    assert "不是 UTF-8 编码" in p.message and "（第 1 行）" in p.message  # the header
    assert "GB18030" not in p.message  # a forced encoding is the only one tried


def test_undecodable_file_names_the_offset(tmp_path):
    path = tmp_path / "t.csv"
    good = ",".join(TARGET_HEADERS).encode("gb18030") + b"\n"
    line = ",".join(target_row(1)).encode("gb18030") + b"\n"
    path.write_bytes(good + line + b"\xff\xff\xff\n")  # 0xFF is neither UTF-8 nor GB18030
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", path)
    (p,) = exc.value.problems
    assert p.code == "JC602"
    # both tries are named: UTF-8 fails in the header, GB18030 at the 0xFF of line 3
    assert "不是 UTF-8 编码：" in p.message and "（第 1 行）" in p.message
    assert f"不是 GB18030 编码：第 {len(good) + len(line)} 字节（第 3 行）0xff" in p.message
    set_lang("en")
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", path)
    assert "offset" in exc.value.problems[0].message


def test_xlsx_first_sheet_and_named_sheet(tmp_path):
    rows: list[list[object]] = [target_row(i) for i in range(1, 4)]
    rows[0][6] = dt.datetime(2012, 3, 4)  # a real Excel date cell
    rows[1][4] = 3331234  # a phone stored as a number
    path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS, rows, sheet="名录")
    results = rows_of("targets", path)
    assert [r.row for r in results] == [2, 3, 4]
    assert results[0].data["established"] == dt.date(2012, 3, 4)
    assert results[1].data["phone"] == "3331234"
    assert [r.data for r in rows_of("targets", path, sheet="名录")] == [r.data for r in results]
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", path, sheet="Sheet9")
    assert exc.value.problems[0].code == "JC607" and "名录" in exc.value.problems[0].message


def test_xlsx_equals_csv(tmp_path):
    csv_path = targets_file(tmp_path / "t.csv", 5)
    xlsx_path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS,
                           [target_row(i) for i in range(1, 6)])
    assert [r.data for r in rows_of("targets", csv_path)] == \
        [r.data for r in rows_of("targets", xlsx_path)]


def test_title_row_above_the_header_is_skipped(tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", OFFICER_HEADERS, [officer_row(1), officer_row(2)],
                      title="附件1 随机抽取执法检查人员信息表")
    results = rows_of("officers", path)
    assert [r.row for r in results] == [3, 4]
    assert results[0].data["cert_no"] == "41061000001"


def test_tab_separated_text(tmp_path):
    path = tmp_path / "t.txt"
    lines = ["\t".join(TARGET_HEADERS)] + ["\t".join(target_row(i)) for i in (1, 2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-16")  # Excel's "Unicode text"
    assert [r.data["credit_code"] for r in rows_of("targets", path)] == [code(1), code(2)]


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", tmp_path / "nope.csv")
    assert exc.value.problems[0].code == "JC601"
    (tmp_path / "t.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", tmp_path / "t.xls")
    assert exc.value.problems[0].code == "JC603"
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(LibraryError) as exc:
        rows_of("targets", tmp_path / "broken.xlsx")
    assert exc.value.problems[0].code == "JC609"


def test_blank_lines_are_skipped_but_counted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(",".join(TARGET_HEADERS) + "\n" + ",".join(target_row(1)) + "\n"
                    + "," * (len(TARGET_HEADERS) - 1) + "\n\n" + ",".join(target_row(2)) + "\n",
                    encoding="utf-8")
    assert [r.row for r in rows_of("targets", path)] == [2, 5]


# --------------------------------------------------------------------------- headers


def test_aliases_and_decorated_headers(tmp_path):
    headers = ["社会信用代码", "企业名称*", "登记状态（必填）", "经营场所", "住所", "电话", "登记单位", "风险等级",
               "法定代表人(负责人)"]
    row = [code(1), "鹤壁甲公司", "在营", "经营地", "住所地", "0392-1", "鹤壁市市场监督管理局", "a类", "赵六"]
    results = rows_of("targets", write_csv(tmp_path / "t.csv", headers, [row]))
    data = results[0].data
    assert data["credit_code"] == code(1)
    assert data["name"] == "鹤壁甲公司"
    assert data["status"] == "存续"  # 在营 is an alias
    assert data["business_address"] == "经营地" and data["address"] == "住所地"
    assert data["registration_authority"] == "鹤壁市市场监督管理局"
    assert data["risk_grade"] == "A"
    assert data["legal_rep"] == "赵六"  # ASCII brackets read as full-width ones
    assert data["attributes"] == {}  # 使用特种设备 unknown: absent, not False


def test_missing_required_header_is_one_clear_error(tmp_path):
    path = write_csv(tmp_path / "t.csv", ["市场主体名称", "地址"], [["甲", "乙"]])
    with pytest.raises(LibraryError) as exc:
        open_library("targets", path)
    (p,) = exc.value.problems
    assert p.code == "JC604"
    assert "统一社会信用代码" in p.message and "登记状态" in p.message
    assert "市场主体名称、地址" in p.message  # what was found
    assert p.hint and "--mapping" in p.hint


def test_officers_need_department_or_unit(tmp_path):
    path = write_csv(tmp_path / "o.csv", ["姓名", "执法证号"], [["王一", "A1"]])
    with pytest.raises(LibraryError) as exc:
        open_library("officers", path)
    assert "部门/单位" in exc.value.problems[0].message


def test_two_columns_for_one_field(tmp_path):
    path = write_csv(tmp_path / "t.csv", ["统一社会信用代码", "社会信用代码", "市场主体名称", "登记状态"],
                     [[code(1), code(1), "甲", "存续"]])
    with pytest.raises(LibraryError) as exc:
        open_library("targets", path)
    assert exc.value.problems[0].code == "JC605"


def test_unknown_columns_are_a_warning(tmp_path):
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADERS, "备注", "序号"], [target_row(1) + ["x", "1"]])
    lib = open_library("targets", path)
    assert [(w.code, w.severity) for w in lib.warnings] == [("JC650", "warning")]
    assert "备注" in lib.warnings[0].message and "序号" not in lib.warnings[0].message
    assert [r.ok for r in lib] == [True]


def test_mapping_file(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n"
        "  企业统一代码: 统一社会信用代码\n"
        "  单位全称: name\n"
        "  经营状况: 登记状态\n"
        "  有无锅炉: attributes.has_boiler\n"
        "  有无电梯: 使用特种设备\n"
        "  备注: null\n", encoding="utf-8")
    path = write_csv(tmp_path / "t.csv", ["企业统一代码", "单位全称", "经营状况", "有无锅炉", "有无电梯", "备注"],
                     [[code(1), "鹤壁乙公司", "存续", "有", "否", "x"],
                      [code(2), "鹤壁丙公司", "注销", "2台", "是", ""]])
    lib = open_library("targets", path, mapping=mapping)
    assert lib.warnings == []
    data = [r.data for r in lib]
    assert data[0]["name"] == "鹤壁乙公司" and data[0]["status"] == "存续"
    assert data[0]["attributes"] == {"has_boiler": True, "uses_special_equipment": False}
    assert data[1]["attributes"] == {"has_boiler": "2台", "uses_special_equipment": True}


@pytest.mark.parametrize("text, fragment", [
    ("columns:\n  甲: no_such_field\n", "no_such_field"),
    ("columns: [1, 2]\n", "columns"),
    ("colums:\n  甲: name\n", "colums"),
    ("departments:\n  某局: 应急\n", "应急"),
    ("columns:\n  a: b\n  a: c\n", "JC102"),
])
def test_bad_mapping_files(tmp_path, text, fragment):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text, encoding="utf-8")
    path = targets_file(tmp_path / "t.csv", 1)
    with pytest.raises(LibraryError) as exc:
        open_library("targets", path, mapping=mapping)
    assert exc.value.problems[0].code == "JC606"
    assert fragment in exc.value.problems[0].message


def test_mapping_sections_per_kind_and_departments(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("officers:\n  columns:\n    证号: 执法证号\n  departments:\n"
                       "    鹤壁市林业局: forestry\n", encoding="utf-8")
    path = write_csv(tmp_path / "o.csv", ["姓名", "证号", "单位"],
                     [["李一", "x-1", "鹤壁市林业局"], ["李二", "x-2", "鹤壁市林业局淇县站"]])
    data = [r.data for r in iter_rows("officers", path, mapping=mapping)]
    assert [d["department"] for d in data] == ["forestry", "forestry"]
    assert data[0]["cert_no"] == "X-1"


# --------------------------------------------------------------------------- validation


def test_every_target_validation_error_has_row_and_column(tmp_path):
    rows = [
        target_row(1),                                    # row 2: fine
        target_row(2, 统一社会信用代码=bad_check(code(2))),  # row 3: check character
        target_row(3, 统一社会信用代码="9141061100000000"),  # row 4: length
        target_row(4, 统一社会信用代码="91410611I0000000SX"),  # row 5: alphabet
        target_row(5, 市场主体名称=""),                      # row 6: required
        target_row(6, 成立日期="2020-02-30"),                # row 7: date
        target_row(7, 登记状态="歇业"),                      # row 8: enumeration
        target_row(8, 使用特种设备="也许"),                   # row 9: 是/否
        target_row(9, 联系电话="call me"),                   # row 10: phone
        target_row(10, 信用风险等级="VERYHIGHRISK"),          # row 11: too long
        target_row(1),                                    # row 12: duplicate of row 2
    ]
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, rows)
    results = rows_of("targets", path)
    assert [r.ok for r in results] == [True] + [False] * 10
    assert only_problems(results) == [
        (3, "统一社会信用代码", "JC613"),
        (4, "统一社会信用代码", "JC611"),
        (5, "统一社会信用代码", "JC612"),
        (6, "市场主体名称", "JC610"),
        (7, "成立日期", "JC617"),
        (8, "登记状态", "JC618"),
        (9, "使用特种设备", "JC618"),
        (10, "联系电话", "JC623"),
        (11, "信用风险等级", "JC620"),
        (12, "统一社会信用代码", "JC619"),
    ]
    by_row = {p.row: p for r in results for p in r.problems}
    assert f"应为“{code(2)[17]}”" in by_row[3].message  # names the right check character
    assert "第 2 行" in by_row[12].message  # the duplicate names the first row
    assert by_row[3].format().startswith(f"{path}:3:统一社会信用代码: JC613 ")
    assert by_row[8].column_index == TARGET_HEADERS.index("登记状态") + 1


def test_several_problems_in_one_row_are_all_reported(tmp_path):
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     [target_row(1, 市场主体名称="", 成立日期="昨天", 登记状态="")])
    (result,) = rows_of("targets", path)
    assert [(p.column, p.code) for p in result.problems] == [
        ("市场主体名称", "JC610"), ("成立日期", "JC617"), ("登记状态", "JC610")]


def test_check_override_column(tmp_path):
    failing = bad_check(code(2))
    headers = [*TARGET_HEADERS, "校验码例外"]
    path = write_csv(tmp_path / "t.csv", headers, [
        target_row(1) + [""],
        target_row(2, 统一社会信用代码=failing) + ["是"],
        target_row(3, 统一社会信用代码=bad_check(code(3))) + ["否"],
        target_row(4, 统一社会信用代码="91410611I0000000SX") + ["是"],  # not overridable
        target_row(5) + ["是"],  # a valid code needs no override
    ])
    results = rows_of("targets", path)
    assert results[0].data["check_override"] is False
    assert results[1].data["credit_code"] == failing
    assert results[1].data["check_override"] is True
    assert only_problems(results[2:4]) == [(4, "统一社会信用代码", "JC613"),
                                           (5, "统一社会信用代码", "JC612")]
    assert results[4].data["check_override"] is False
    refused = rows_of("targets", path, allow_check_override=False)
    assert only_problems(refused[1:2]) == [(3, "校验码例外", "JC624"),
                                           (3, "统一社会信用代码", "JC613")]


def test_dates_in_common_spellings(tmp_path):
    spellings = ["2010-05-01", "2010/5/1", "2010.05.01", "20100501", "2010年5月1日",
                 "2010-05-01 00:00:00"]
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     [target_row(i + 1, 成立日期=s) for i, s in enumerate(spellings)])
    assert {r.data["established"] for r in rows_of("targets", path)} == {dt.date(2010, 5, 1)}


def test_status_aliases(tmp_path):
    statuses = ["存续（在营、开业、在册）", "在业", "吊销，未注销", "注销", "迁出", "开业"]
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     [target_row(i + 1, 登记状态=s) for i, s in enumerate(statuses)])
    assert [r.data["status"] for r in rows_of("targets", path)] == [
        "存续", "在业", "吊销", "注销", "迁出", "存续"]


def test_codes_are_normalised(tmp_path):
    lower = code(1).lower()
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, [target_row(1, 统一社会信用代码=f" {lower} ")])
    assert rows_of("targets", path)[0].data["credit_code"] == code(1)


def test_officer_fields(tmp_path):
    conflicts = f"{code(7)}；{code(8)};{code(7)}"
    with_x = next(id_number(n) for n in range(1000) if id_number(n).endswith("X"))
    path = write_csv(tmp_path / "o.csv", OFFICER_HEADERS, [
        officer_row(1, 资格="特种设备安全监察；安全生产执法、食品安全", 回避对象=conflicts, 在岗="否",
                    身份证号=with_x.lower()),
        officer_row(2, 部门="market_supervision", 单位="某某所"),
        officer_row(3, 部门="", 单位="鹤壁市市场监督管理局淇滨分局"),
        officer_row(4, 执法证有效期至="", 资格="", 在岗=""),
    ])
    data = [r.data for r in rows_of("officers", path)]
    assert data[0]["qualifications"] == ["特种设备安全监察", "安全生产执法", "食品安全"]
    assert data[0]["conflicts"] == [code(7), code(8)]
    assert data[0]["active"] is False
    assert data[0]["id_number"] == with_x  # a lower-case x is read as X
    assert data[0]["department"] == "emergency_mgmt"
    assert data[1]["department"] == "market_supervision"
    assert data[2]["department"] == "market_supervision"  # told by 单位
    assert data[3]["cert_expiry"] is None and data[3]["qualifications"] == []
    assert data[3]["active"] is True  # 在岗 defaults to 是


def test_every_officer_validation_error_has_row_and_column(tmp_path):
    number = id_number(5)
    wrong_check = number[:17] + ("0" if number[17] != "0" else "1")
    rows = [
        officer_row(1),
        officer_row(2, 身份证号=wrong_check),           # row 3
        officer_row(3, 身份证号="41061119801301001X"),  # row 4: month 13
        officer_row(4, 身份证号="4106111980"),          # row 5: format
        officer_row(5, 性别="未知"),                    # row 6
        officer_row(6, 部门="某某局", 单位="某某局"),       # row 7: department unknown
        officer_row(7, 回避对象="9141061100000000"),     # row 8
        officer_row(8, 执法证有效期至="2030-13-01"),      # row 9
        officer_row(9, 执法证号=""),                     # row 10
        officer_row(1, 姓名="另一个王1"),                 # row 11: duplicate 执法证号
        officer_row(10, 在岗="休假"),                    # row 12
    ]
    path = write_csv(tmp_path / "o.csv", OFFICER_HEADERS, rows)
    results = rows_of("officers", path)
    assert only_problems(results) == [
        (3, "身份证号", "JC616"),
        (4, "身份证号", "JC615"),
        (5, "身份证号", "JC614"),
        (6, "性别", "JC618"),
        (7, "部门", "JC621"),
        (8, "回避对象", "JC622"),
        (9, "执法证有效期至", "JC617"),
        (10, "执法证号", "JC610"),
        (11, "执法证号", "JC619"),
        (12, "在岗", "JC618"),
    ]


def test_english_messages(tmp_path):
    set_lang("en")
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, [target_row(1, 成立日期="someday")])
    (p,) = rows_of("targets", path)[0].problems
    assert p.message == "invalid date: someday (expected YYYY-MM-DD)"
    assert p.column == "成立日期"  # the header as written, verbatim


# --------------------------------------------------------------------------- digests


def test_row_digest_is_the_sha256_of_the_canonical_json(tmp_path):
    import hashlib

    path = targets_file(tmp_path / "t.csv", 1)
    (r,) = rows_of("targets", path)
    text = row_text("targets", r.data)
    assert text.startswith('["河南省鹤壁市淇滨区九州路1号",{"uses_special_equipment":true},null,')
    assert row_digest("targets", r.data) == hashlib.sha256(text.encode()).hexdigest()
    # what the store hands back (JSON text, ISO dates, 0/1, extra columns) digests the same
    stored = dict(r.data, id=7, established="2010-05-01", attributes='{"uses_special_equipment": true}',
                  check_override=0, created_at="x")
    assert row_digest("targets", stored) == row_digest("targets", r.data)
    assert row_digest("targets", dict(r.data, name="别的名字")) != row_digest("targets", r.data)


def test_fast_and_general_paths_agree(tmp_path):
    from jointcheck.core.libraries.sample import write_sample

    targets, officers = write_sample(tmp_path, targets=3000, officers=200, seed=11)
    for kind, path in (("targets", targets), ("officers", officers)):
        lib = open_library(kind, path)
        fast_row = lib._build_fast()
        for rownum, cells in lib._rows:
            data, problems = lib._make_row(rownum, cells)
            assert problems is None
            try:
                fast = fast_row(cells)
            except Exception:
                assert data.get("check_override")  # the overridden pilot-era codes
                continue
            assert fast == [data[c] for c in DIGEST_COLUMNS[kind]]


def test_officer_digest_is_stable_across_formats(tmp_path):
    csv_path = officers_file(tmp_path / "o.csv", 4)
    xlsx_path = write_xlsx(tmp_path / "o.xlsx", OFFICER_HEADERS, [officer_row(i) for i in range(1, 5)])
    a = [row_digest("officers", r.data) for r in rows_of("officers", csv_path)]
    b = [row_digest("officers", r.data) for r in rows_of("officers", xlsx_path)]
    assert a == b and len(set(a)) == 4


def test_crlf_lines_and_quoted_cells(tmp_path):
    import csv

    path = tmp_path / "t.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)  # \r\n line ends, quotes where needed
        w.writerow(TARGET_HEADERS)
        w.writerows([target_row(1), target_row(2, 市场主体名称='鹤壁"乙",有限公司\n二部'),
                     target_row(3)])
    assert b"\r\n" in path.read_bytes()
    results = rows_of("targets", path)
    assert [r.row for r in results] == [2, 3, 4]  # a record with a line break is one row
    assert results[1].data["name"] == '鹤壁"乙",有限公司\n二部'
    assert results[2].data["credit_code"] == code(3)


# --------------------------------------------------------------------------- departments

FIRE_ALIASES = """\
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_department():
    return {"department": {"code": "fire_rescue", "name": "消防救援支队",
                           "aliases": ["市消防救援支队", "消防大队"]},
            "items": [{"id": "exits", "title": "安全出口是否畅通",
                       "legal_basis": {"duty": [{"law": "中华人民共和国消防法",
                                                 "article": "第二十八条"}]}}]}
"""


def test_officer_departments_come_from_the_loaded_departments(site, tmp_path):
    from distutil import make_dist

    path = write_csv(tmp_path / "o.csv", OFFICER_HEADERS, [
        officer_row(1, 部门="消防大队"),
        officer_row(2, 部门="", 单位="鹤壁市消防救援支队"),
        officer_row(3, 部门="fire_rescue"),
        officer_row(4, 部门="市市场监督管理局"),  # a built-in plugin's declared alias
    ])
    before = rows_of("officers", path)  # not installed: neither its names nor its code
    assert only_problems(before)[:3] == [(2, "部门", "JC621"), (3, "单位", "JC621"),
                                         (4, "部门", "JC621")]
    assert before[3].data["department"] == "market_supervision"
    make_dist(site, "jointcheck-fire", {"fire_rescue": "jc_fire"},
              {"jc_fire/__init__.py": FIRE_ALIASES})
    after = rows_of("officers", path)
    assert only_problems(after) == []
    assert [r.data["department"] for r in after] == ["fire_rescue"] * 3 + ["market_supervision"]


def test_an_unknown_department_code_in_an_officer_file_is_an_error(tmp_path):
    path = write_csv(tmp_path / "o.csv", OFFICER_HEADERS, [officer_row(1, 部门="emergency_mgnt")])
    (result,) = rows_of("officers", path)
    (p,) = result.problems
    assert (p.code, p.column) == ("JC621", "部门") and "emergency_mgnt" in p.message
    assert "应急管理局=emergency_mgmt" in p.message  # the loaded departments are listed


def test_a_row_with_more_fields_than_the_header_is_an_error(tmp_path):
    """An unquoted comma in a name shifts every later cell: never cut the row silently."""
    from test_import_support import TARGET_HEADERS, target_row, write_csv

    rows = [target_row(1), [*target_row(2), "多出来的", ""], [*target_row(3), "", "  "]]
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, rows)
    results = list(iter_rows("targets", path))
    assert [r.ok for r in results] == [True, False, True]  # trailing blanks are harmless
    (p,) = results[1].problems
    assert (p.code, p.row) == ("JC633", 3)
    assert f"{len(TARGET_HEADERS) + 1} 个字段" in p.message
