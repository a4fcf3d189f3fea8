"""Excel's damage to library files is recognised and said as such (issue 7).

An 18-digit code stored as a number (``9.14106E+17`` in a CSV export, 914106000000000000
as a float or an integer cell of an XLSX file), full-width digits and letters, dates as
serial numbers (40328) and datetimes with a time of day. A damaged code is never offered
the 校验码例外 way out: the code itself was lost.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner
from test_import_support import TARGET_HEADERS, code, target_row, write_csv, write_xlsx

from jointcheck.core.cli import main
from jointcheck.core.i18n import set_lang
from jointcheck.core.libraries.reader import iter_rows


def problems_of(path, kind="targets"):
    return [p for r in iter_rows(kind, path) for p in r.problems]


def one_row_with(**cells):
    return [target_row(1, **cells)]


CODE_COLUMN = TARGET_HEADERS.index("统一社会信用代码")


@pytest.mark.parametrize("value", [9.14106e17, 914106000000000000, 914106000000000000.0,
                                   # Excel kept 15 digits of 914106031734614114: the check
                                   # character of what is left happens to validate
                                   914106031734614114.0])
def test_an_xlsx_code_stored_as_a_number(tmp_path, value):
    row: list[object] = target_row(1)
    row[CODE_COLUMN] = value
    path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS, [row])
    (p,) = problems_of(path)
    assert p.code == "JC635" and p.column == "统一社会信用代码" and p.line == 2
    assert "Excel 将此列存为数字" in p.message and "9141060" in p.message
    assert "文本格式" in p.hint and "不要填写“校验码例外”" in p.hint


def test_a_csv_code_in_scientific_notation(tmp_path):
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     one_row_with(统一社会信用代码="9.14106E+17"))
    (p,) = problems_of(path)
    assert p.code == "JC625" and "9.14106E+17" in p.message


def test_no_check_override_is_offered_for_a_mangled_code(tmp_path):
    """Even with 校验码例外 = 是 the row is refused: the override is for real codes."""
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADERS, "校验码例外"],
                     [[*target_row(1, 统一社会信用代码="914106000000000000"), "是"]])
    (p,) = problems_of(path)
    assert p.code == "JC625"


def test_english_message(tmp_path):
    set_lang("en")
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     one_row_with(统一社会信用代码="9.14106E+17"))
    (p,) = problems_of(path)
    assert "Excel stored this column as a number" in p.message and "as text" in p.hint


def test_full_width_digits_and_letters_are_normalised(tmp_path):
    wide = code(7).translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert wide != code(7)
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, one_row_with(统一社会信用代码=wide))
    (row,) = list(iter_rows("targets", path))
    assert row.ok and row.data["credit_code"] == code(7)


def test_an_officer_id_number_stored_as_a_number(tmp_path):
    from test_import_support import OFFICER_HEADERS, officer_row

    row: list[object] = officer_row(1)
    row[OFFICER_HEADERS.index("身份证号")] = 410611198001010000
    path = write_xlsx(tmp_path / "o.xlsx", OFFICER_HEADERS, [row])
    (p,) = problems_of(path, "officers")
    assert p.code == "JC635" and p.column == "身份证号"


def test_a_serial_date(tmp_path):
    row: list[object] = target_row(1)
    row[TARGET_HEADERS.index("成立日期")] = 40328
    path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS, [row])
    (p,) = problems_of(path)
    assert p.code == "JC627" and "2010-05-30" in p.message and "序列号" in p.message
    csv_path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, one_row_with(成立日期="40328"))
    assert [p.code for p in problems_of(csv_path)] == ["JC627"]


def test_a_datetime_with_a_time_of_day(tmp_path):
    row: list[object] = target_row(1)
    row[TARGET_HEADERS.index("成立日期")] = datetime(2010, 5, 1, 8, 30)
    path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS, [row])
    (p,) = problems_of(path)
    assert p.code == "JC628" and "2010-05-01 08:30:00" in p.message
    # midnight is a plain date, as spreadsheets write it
    row[TARGET_HEADERS.index("成立日期")] = datetime(2010, 5, 1)
    path = write_xlsx(tmp_path / "t2.xlsx", TARGET_HEADERS, [row])
    (r,) = list(iter_rows("targets", path))
    assert r.ok and r.data["established"].isoformat() == "2010-05-01"


def test_the_cli_says_it_and_suggests_no_override(store_url, tmp_path):
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     one_row_with(统一社会信用代码="9.14106E+17"))
    result = CliRunner().invoke(main, ["--db", store_url, "targets", "import", str(path)])
    assert result.exit_code == 1
    assert "JC625" in result.output and "Excel 将此列存为数字" in result.output
    assert "请在该行“校验码例外”列填“是”" not in result.output


# --- every digit column, CSV (UTF-8 and GBK as Excel writes it) and XLSX (issue 18) ---------

TARGET_DIGITS = [*TARGET_HEADERS, "注册号"]


def target_with(**cells):
    return [*target_row(1, **{k: v for k, v in cells.items() if k != "注册号"}),
            cells.get("注册号", "410611000012345")]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
@pytest.mark.parametrize(("column", "value", "code"), [
    ("注册号", "4.10621E+14", "JC625"),
    ("注册号", "410621000012345.0", "JC625"),
    ("注册号", "410,621,000,012,345", "JC625"),  # a number format with thousands separators
    ("统一社会信用代码", "9.14106E+17", "JC625"),
    ("联系电话", "1.38123E+10", "JC625"),
    ("联系电话", "3923331234", "JC636"),  # 0392-3331234 without its 0
    ("联系电话", "39233312345", "JC636"),
    # 914106031734614114 rounded to 15 digits: its check character validates
    ("统一社会信用代码", "914106031734614000", "JC634"),
])
def test_csv_damage_in_a_target_digit_column(tmp_path, encoding, column, value, code):
    path = write_csv(tmp_path / "t.csv", TARGET_DIGITS, [target_with(**{column: value})],
                     encoding=encoding)
    (p,) = problems_of(path)
    assert (p.code, p.line, p.column) == (code, 2, column)
    assert value in p.message
    text = p.format()
    assert text.startswith(f"{path}:2:{column}: {code}") and ("文本格式" in text)


@pytest.mark.parametrize(("column", "value"), [
    ("联系电话", "13812345678"), ("联系电话", "4001234567"), ("联系电话", "03923331234"),
    ("联系电话", "0392-3331234"), ("联系电话", "3331234"), ("注册号", "410611000012345"),
])
def test_good_digit_strings_pass(tmp_path, column, value):
    path = write_csv(tmp_path / "t.csv", TARGET_DIGITS, [target_with(**{column: value})])
    (row,) = list(iter_rows("targets", path))
    assert row.ok, row.problems


def test_a_rounded_code_that_validates_is_accepted_only_when_confirmed(tmp_path):
    rounded = "914106031734614000"
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADERS, "校验码例外"],
                     [[*target_row(1, 统一社会信用代码=rounded), "是"]])
    (row,) = list(iter_rows("targets", path))
    assert row.ok and row.data["credit_code"] == rounded and row.data["check_override"]
    # never under --no-check-override
    (refused,) = list(iter_rows("targets", path, allow_check_override=False))
    assert [p.code for p in refused.problems] == ["JC624", "JC634"]


@pytest.mark.parametrize(("column", "value", "code"), [
    ("执法证号", 4.10610000012e11, "JC635"),
    ("手机号码", 3923331234, "JC636"),
    ("身份证号", 410611198001028000, "JC635"),
])
def test_xlsx_damage_in_an_officer_digit_column(tmp_path, column, value, code):
    from test_import_support import OFFICER_HEADERS, officer_row

    row: list[object] = officer_row(1)
    row[OFFICER_HEADERS.index(column)] = value
    path = write_xlsx(tmp_path / "o.xlsx", OFFICER_HEADERS, [row])
    (p,) = problems_of(path, "officers")
    assert (p.code, p.line, p.column) == (code, 2, column)


def test_xlsx_numbers_below_12_digits_and_long_numbers_elsewhere_pass(tmp_path):
    from test_import_support import OFFICER_HEADERS, officer_row

    row: list[object] = officer_row(1)
    row[OFFICER_HEADERS.index("手机号码")] = 13812345678  # 11 digits: exact in a spreadsheet
    row[OFFICER_HEADERS.index("执法证号")] = 41061000001
    row[OFFICER_HEADERS.index("职务")] = 123456789012345  # not a digit column
    path = write_xlsx(tmp_path / "o.xlsx", OFFICER_HEADERS, [row])
    (r,) = list(iter_rows("officers", path))
    assert r.ok, r.problems
    assert r.data["phone"] == "13812345678" and r.data["cert_no"] == "41061000001"


def test_a_numeric_cell_and_another_problem_of_the_row_are_both_said(tmp_path):
    row: list[object] = target_row(1, 登记状态="营业中")
    row[CODE_COLUMN] = 914106031734614114.0
    path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS, [row])
    assert sorted(p.code for p in problems_of(path)) == ["JC618", "JC635"]


def test_csv_officer_columns(tmp_path):
    from test_import_support import OFFICER_HEADERS, officer_row

    rows = [officer_row(1, 执法证号="4.1061E+10"), officer_row(2, 身份证号="410611198001028000"),
            officer_row(3, 回避对象="914106031734614000"), officer_row(4, 手机号码="3923331234")]
    path = write_csv(tmp_path / "o.csv", OFFICER_HEADERS, rows, encoding="gbk")
    got = [(p.line, p.column, p.code) for p in problems_of(path, "officers")]
    assert got == [(2, "执法证号", "JC625"), (3, "身份证号", "JC634"), (4, "回避对象", "JC634"),
                   (5, "手机号码", "JC636")]


def _show(store_url, credit_code):
    return CliRunner().invoke(main, ["--db", store_url, "--lang", "zh", "targets", "show",
                                     credit_code])


def test_a_damaged_file_never_replaces_a_stored_good_value(store_url, tmp_path):
    """Re-importing an Excel-damaged GBK export over a good library changes nothing: the
    good 注册号 and phone stay, no phantom enterprise appears (with or without
    --skip-invalid)."""
    good = write_csv(tmp_path / "good.csv", TARGET_DIGITS,
                     [target_with(注册号="410621000012345"), target_row_n(2)])
    runner = CliRunner()
    assert runner.invoke(main, ["--db", store_url, "targets", "import", str(good)]).exit_code == 0
    before = _show(store_url, code(1)).output
    assert "410621000012345" in before

    damaged = write_csv(tmp_path / "excel.csv", TARGET_DIGITS, [
        target_with(注册号="4.10621E+14", 联系电话="3923331234"),
        [*target_row(2, 统一社会信用代码="914106031734614000"), "410611000012346"],
    ], encoding="gbk")
    for extra in ([], ["--skip-invalid", "--rejects", str(tmp_path / "rejects.csv")]):
        result = runner.invoke(main, ["--db", store_url, "targets", "import", str(damaged),
                                      *extra])
        out = result.output
        assert result.exit_code == (0 if extra else 1), out  # --skip-invalid: rows skipped
        assert f"{damaged}:2:注册号: JC625" in out and f"{damaged}:2:联系电话: JC636" in out
        assert f"{damaged}:3:统一社会信用代码: JC634" in out
        assert _show(store_url, code(1)).output == before
        assert _show(store_url, "914106031734614000").exit_code != 0
    listed = runner.invoke(main, ["--db", store_url, "targets", "list", "--format", "json"])
    assert sorted(t["credit_code"] for t in json.loads(listed.output)["rows"]) == sorted(
        [code(1), code(2)])


def target_row_n(n):
    return [*target_row(n), f"41062100001234{n}"]


def test_the_inspection_history_s_credit_codes_are_checked_too(tmp_path):
    headers = ["统一社会信用代码", "检查日期", "检查单位"]
    path = write_xlsx(tmp_path / "h.xlsx", headers, [[914106031734614114.0, "2024-05-01", "应急管理局"],
                                                     [code(2), "2024-05-02", "应急管理局"]])
    assert [(p.line, p.code) for p in problems_of(path, "history")] == [(2, "JC635")]
    path = write_csv(tmp_path / "h.csv", headers, [["914106031734614000", "2024-05-01", "应急管理局"]],
                     encoding="gbk")
    assert [(p.line, p.code) for p in problems_of(path, "history")] == [(2, "JC634")]
