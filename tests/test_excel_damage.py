"""Excel's damage to library files is recognised and said as such (issue 7).

An 18-digit code stored as a number (``9.14106E+17`` in a CSV export, 914106000000000000
as a float or an integer cell of an XLSX file), full-width digits and letters, dates as
serial numbers (40328) and datetimes with a time of day. A damaged code is never offered
the 校验码例外 way out: the code itself was lost.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("value", [9.14106e17, 914106000000000000, 914106000000000000.0])
def test_an_xlsx_code_stored_as_a_number(tmp_path, value):
    row: list[object] = target_row(1)
    row[CODE_COLUMN] = value
    path = write_xlsx(tmp_path / "t.xlsx", TARGET_HEADERS, [row])
    (p,) = problems_of(path)
    assert p.code == "JC625" and p.column == "统一社会信用代码"
    assert "Excel 将此列存为数字" in p.message
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
    assert p.code == "JC625" and p.column == "身份证号"


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
