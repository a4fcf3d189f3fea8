"""``jointcheck targets|officers import|list|show``: what an administrator sees."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
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
)

from jointcheck.core.cli import main


def run(url, *args):
    return CliRunner().invoke(main, ["--db", url, *args])


@pytest.fixture
def loaded(store_url, tmp_path):
    """A store with 6 targets and 4 officers."""
    rows = [target_row(1), target_row(2, 登记状态="注销", 信用风险等级="D"),
            target_row(3, 管辖单位="浚县", 行业="批发和零售业"), target_row(4, 市场主体名称="鹤壁淇河化工有限公司"),
            target_row(5, 信用风险等级="A"), target_row(6, 登记状态="在业")]
    assert run(store_url, "targets", "import",
               str(write_csv(tmp_path / "t.csv", TARGET_HEADERS, rows))).exit_code == 0
    officers = [officer_row(1), officer_row(2), officer_row(3, 在岗="否"),
                officer_row(4, 资格="特种设备安全监察；食品安全")]
    assert run(store_url, "officers", "import",
               str(write_csv(tmp_path / "o.csv", OFFICER_HEADERS, officers))).exit_code == 0
    return store_url


# --------------------------------------------------------------------------- import


def test_import_prints_the_counts(store_url, tmp_path):
    path = targets_file(tmp_path / "t.csv", 3)
    result = run(store_url, "targets", "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"已导入检查对象名录库“{path}”：新增 3，更新 0，未变 0（共 3 行）\n"
    again = run(store_url, "--lang", "en", "targets", "import", str(path)) if False else \
        CliRunner().invoke(main, ["--lang", "en", "--db", store_url, "targets", "import",
                                  str(path)])
    assert again.stdout == f"imported the target library '{path}': 0 added, 0 updated, " \
                           "3 unchanged (3 rows)\n"


def test_import_with_bad_rows_prints_each_problem_and_imports_nothing(store_url, tmp_path):
    rows = [target_row(1), target_row(2, 统一社会信用代码=bad_check(code(2))),
            target_row(3, 统一社会信用代码=bad_check(code(3))), target_row(4, 成立日期="2019-13-01")]
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, rows)
    result = run(store_url, "targets", "import", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:3:统一社会信用代码: JC613 ")
    assert "校验码例外" in lines[0]  # the hint, once...
    assert lines[1].startswith(f"{path}:4:统一社会信用代码: JC613 ") and "—" not in lines[1]
    assert lines[2] == f"{path}:5:成立日期: JC617 日期无效：2019-13-01（应为 YYYY-MM-DD）"
    assert lines[3].startswith("未导入任何数据：3 行有问题（共 3 个问题）")
    listing = run(store_url, "targets", "list", "--format", "json")
    assert json.loads(listing.stdout)["total"] == 0


def test_import_json_report(store_url, tmp_path):
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS, [target_row(1), target_row(2, 登记状态="?")])
    result = run(store_url, "targets", "import", str(path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["imported"] is False and data["rejected"] == 1
    assert data["problems"] == [{"file": str(path), "row": 3, "column": "登记状态", "code": "JC618",
                                 "message": "取值“?”无效，应为：存续/在业/吊销/注销/迁出",
                                 "severity": "error"}]


def test_skip_invalid_with_rejects(store_url, tmp_path):
    path = write_csv(tmp_path / "t.csv", TARGET_HEADERS,
                     [target_row(1), target_row(2, 市场主体名称=""), target_row(3)])
    rejects = tmp_path / "bad.csv"
    result = run(store_url, "targets", "import", str(path), "--skip-invalid", "--rejects",
                 str(rejects))
    assert result.exit_code == 0
    assert "新增 2" in result.stdout and "已跳过 1 行有问题的行" in result.stdout
    assert f"有问题的行及原因已写入 {rejects}" in result.stdout
    assert f"{path}:3:市场主体名称: JC610 必填项为空" in result.stderr
    assert rejects.read_text(encoding="utf-8-sig").splitlines()[1].endswith("市场主体名称: JC610 必填项为空")


def test_no_check_override(store_url, tmp_path):
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADERS, "校验码例外"],
                     [target_row(1, 统一社会信用代码=bad_check(code(1))) + ["是"]])
    refused = run(store_url, "targets", "import", str(path), "--no-check-override")
    assert refused.exit_code == 1 and "JC624" in refused.stderr
    accepted = run(store_url, "targets", "import", str(path))
    assert accepted.exit_code == 0
    shown = run(store_url, "targets", "show", bad_check(code(1)))
    assert "校验码例外        是" in shown.stdout


def test_file_level_errors_are_clear(store_url, tmp_path):
    path = write_csv(tmp_path / "t.csv", ["名称", "代码"], [["甲", "1"]])
    result = run(store_url, "targets", "import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"{path}:1: JC604 缺少必需的列：统一社会信用代码、登记状态"
                                    "（文件中的列：名称、代码） — 请添加该列")
    missing = run(store_url, "officers", "import", str(tmp_path / "nope.xlsx"))
    assert missing.exit_code == 1 and "JC601" in missing.stderr


def test_missing_store_is_reported(tmp_path):
    path = targets_file(tmp_path / "t.csv", 1)
    result = run(f"sqlite:///{tmp_path / 'none.db'}", "targets", "import", str(path))
    assert result.exit_code == 1
    assert "JC701" in result.stderr and "jointcheck db upgrade" in result.stderr


def test_progress_bar_on_request(store_url, tmp_path):
    path = targets_file(tmp_path / "t.csv", 5)
    result = run(store_url, "targets", "import", str(path), "--progress")
    assert result.exit_code == 0
    assert "导入中" in result.stderr and "100%" in result.stderr
    quiet = run(store_url, "targets", "import", str(path))
    assert quiet.stderr == ""  # not a terminal: no bar


# --------------------------------------------------------------------------- list / show


def test_targets_list_table_with_chinese_headers(loaded):
    result = run(loaded, "targets", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["统一社会信用代码", "市场主体名称", "登记状态", "信用风险等级", "行业",
                                "管辖单位", "使用特种设备"]
    # columns line up although the names are full-width: 使用特种设备 starts at the same
    # display column in every row
    from jointcheck.core.cli._common import display_width

    starts = {display_width(line[:line.rindex(" ") + 1]) for line in lines[2:8]}
    assert len(starts) == 1
    assert lines[-1] == "共 6 条"


@pytest.mark.parametrize("args, expected", [
    (["--status", "注销"], [2]),
    (["--status", "存续", "--status", "在业"], [1, 3, 4, 5, 6]),
    (["--grade", "d"], [2]),
    (["--grade", "A", "--grade", "D"], [2, 5]),
    (["--jurisdiction", "浚县"], [3]),
    (["--industry", "批发和零售业"], [3]),
    (["--search", "淇河"], [4]),
    (["--search", code(6)[-4:].lower()], [6]),
    (["--limit", "2"], [1, 2]),
])
def test_targets_list_filters(loaded, args, expected):
    result = run(loaded, "targets", "list", "--format", "json", *args)
    data = json.loads(result.stdout)
    assert [r["credit_code"] for r in data["rows"]] == [code(i) for i in expected]


def test_table_limit_note(loaded):
    result = run(loaded, "targets", "list", "--limit", "2")
    assert result.stdout.splitlines()[-1] == "仅显示前 2 条，共 6 条（--limit 0 显示全部）"


def test_officers_are_masked_unless_asked(loaded):
    phone, ident = "13800000002", id_number(2)
    table = run(loaded, "officers", "list")
    assert "138****0002" in table.stdout and phone not in table.stdout
    for fmt in ("json", "csv"):
        out = run(loaded, "officers", "list", "--format", fmt).stdout
        assert phone not in out and ident not in out
        assert "138****0002" in out and f"{ident[:6]}********{ident[-4:]}" in out
    shown = run(loaded, "officers", "show", "41061000002")
    assert "138****0002" in shown.stdout and ident not in shown.stdout
    full = run(loaded, "officers", "show", "41061000002", "--show-personal")
    assert phone in full.stdout and ident in full.stdout
    listed = run(loaded, "officers", "list", "--format", "json", "--show-personal")
    assert {r["id_number"] for r in json.loads(listed.stdout)["rows"]} == \
        {id_number(i) for i in range(1, 5)}


@pytest.mark.parametrize("args, expected", [
    (["--department", "market_supervision"], ["41061000002", "41061000004"]),
    (["--department", "应急管理局"], ["41061000001", "41061000003"]),
    (["--inactive"], ["41061000003"]),
    (["--active", "--department", "emergency_mgmt"], ["41061000001"]),
    (["--qualification", "特种设备安全监察"], ["41061000002", "41061000004"]),
    (["--qualification", "特种设备安全监察", "--qualification", "食品安全"], ["41061000004"]),
    (["--search", "王3"], ["41061000003"]),
])
def test_officers_list_filters(loaded, args, expected):
    data = json.loads(run(loaded, "officers", "list", "--format", "json", *args).stdout)
    assert [r["cert_no"] for r in data["rows"]] == expected


def test_show_target_and_not_found(loaded):
    shown = run(loaded, "targets", "show", code(4).lower())
    assert shown.exit_code == 0
    assert "市场主体名称      鹤壁淇河化工有限公司" in shown.stdout
    assert "使用特种设备      否" in shown.stdout
    data = json.loads(run(loaded, "targets", "show", code(4), "--format", "json").stdout)
    assert data["credit_code"] == code(4) and data["established"] == "2010-05-01"
    missing = run(loaded, "targets", "show", code(99))
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"JC626 未找到统一社会信用代码为“{code(99)}”的记录"


def test_csv_export_imports_back_unchanged(loaded, tmp_path):
    out = tmp_path / "export.csv"
    out.write_text(run(loaded, "targets", "list", "--format", "csv").stdout, encoding="utf-8")
    # UTF-8 with a byte-order mark, like the rejects file (Excel opens it as UTF-8)
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith(
        "\ufeff统一社会信用代码,市场主体名称,注册号")
    again = run(loaded, "targets", "import", str(out))
    assert again.exit_code == 0 and "新增 0，更新 0，未变 6" in again.stdout
    people = tmp_path / "officers.csv"
    people.write_text(run(loaded, "officers", "list", "--format", "csv", "--show-personal").stdout,
                      encoding="utf-8")
    back = run(loaded, "officers", "import", str(people))
    assert back.exit_code == 0 and "未变 4" in back.stdout


def test_english_listing_keeps_the_chinese_field_names(loaded):
    result = CliRunner().invoke(main, ["--lang", "en", "--db", loaded, "officers", "list"])
    assert result.stdout.splitlines()[0].split()[:3] == ["执法证号", "姓名", "性别"]
    assert result.stdout.splitlines()[-1] == "4 rows"


def test_empty_listing(store_url):
    assert run(store_url, "officers", "list").stdout == "名录库中没有符合条件的记录\n"


def test_officers_file_import_from_cli(store_url, tmp_path):
    result = run(store_url, "officers", "import", str(officers_file(tmp_path / "o.csv", 3)))
    assert result.stdout.startswith("已导入执法检查人员名录库")


def test_a_locked_database_is_reported(sqlite_url, tmp_path, monkeypatch):
    import sqlite3

    from jointcheck.core import store

    store.upgrade(sqlite_url)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        result = run(sqlite_url, "targets", "import", str(targets_file(tmp_path / "t.csv", 2)))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1 and "Traceback" not in result.output
    # the database is at fault (busy), and this is the one error worth retrying
    assert "JC709 数据库正被其他操作占用：database is locked" in result.stderr
    assert result.stderr.startswith(sqlite_url) and "完成后重试" in result.stderr


def test_a_masked_officer_csv_says_it_cannot_be_imported_again(loaded, tmp_path):
    result = run(loaded, "officers", "list", "--format", "csv")
    assert "已脱敏" in result.stderr and "--show-personal" in result.stderr
    first, header = result.stdout.lstrip("\ufeff").splitlines()[:2]
    assert "已脱敏" in first and header.startswith("姓名,")
    path = tmp_path / "masked.csv"
    path.write_text(result.stdout, encoding="utf-8")
    again = run(loaded, "officers", "import", str(path))  # refused, nothing silently changed
    assert again.exit_code == 1
    full = run(loaded, "officers", "list", "--format", "csv", "--show-personal")
    assert "已脱敏" not in full.stdout + full.stderr


@pytest.mark.parametrize("text", ["%", "_", "\\"])
def test_search_takes_wildcards_literally(loaded, text):
    data = json.loads(run(loaded, "targets", "list", "--format", "json", "--search",
                          text).stdout)
    assert data["total"] == 0
