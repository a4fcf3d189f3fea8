"""`jointcheck demo`: the whole path on the example campaign, twice on the same store."""

from __future__ import annotations

from click.testing import CliRunner

from jointcheck.core.cli import main

VERBATIM_FIRST = "建立风险管控和隐患排查治理制度，开展风险辨识、分级管控和事故隐患排查治理情况的检查"


def test_demo_runs_end_to_end_and_again(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["--db", db, "demo", "--dir", str(tmp_path / "out"), "--targets", "300",
            "--officers", "40"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    out = first.output
    assert "校验通过：2 个部门，12 个检查事项" in out
    assert VERBATIM_FIRST in out and "共 12 个检查事项，2 个检查单位" in out
    assert "检查对象名录库：新增 300，更新 0，未变 0" in out
    assert "抽取记录 #1：抽中 1 户" in out and "组长" in out
    assert "联合抽查结果：" in out
    assert (tmp_path / "out" / "targets.csv").is_file()
    # not a terminal: the command that opens the app on the first drawn task is printed
    assert f"jointcheck --db {db} inspect 1-1" in out
    # it ends with the referral letters and the campaign's status
    assert "已将样例检查结果提交为任务 1-1 的检查记录" in out
    letters = tmp_path / "out" / "letters"
    names = sorted(p.name for p in letters.iterdir())
    # 应急管理局 always gets one; 市市场监管局 too when the drawn enterprise uses special
    # equipment (the demo's seed is fresh each run)
    first = "移交函-鹤双随机办函〔2020〕1号-市应急管理局"
    assert {f"{first}.docx", f"{first}.md"} <= set(names)
    assert all(n.startswith("移交函-鹤双随机办函〔2020〕") for n in names)
    assert "安全设备未按规定定期检查、维护" in (letters / f"{first}.md").read_text("utf-8")
    tail = out[out.index("== 8."):]
    assert "截至 2020-08-12" in tail and "逾期 2 日  2020-08-10  移交问题线索" in tail
    assert "已确认 1 户企业的结果" in out
    reports = tmp_path / "out" / "reports"
    for name in ("附件1_随机抽取执法检查人员信息表", "附件2_联合抽查统计表", "附件3_联合抽查汇总表",
                 "附件4_联合抽查记录表"):
        assert (reports / f"{name}.xlsx").is_file() and f"{name}.xlsx" in out
    publication = tmp_path / "out" / "publication"
    assert "已公示 1 户企业" in out
    assert {p.name for p in publication.iterdir()} == {"index.html", "results.csv",
                                                        "results.json", "draws"}
    # the folder alone replays the demo's draw
    check = CliRunner().invoke(main, ["draw", "verify", "--public", str(publication)])
    assert check.exit_code == 0 and "一致" in check.output, check.output
    # published before 附件2 is written: its 是否公示 says so
    from openpyxl import load_workbook

    sheet = load_workbook(reports / "附件2_联合抽查统计表.xlsx").active
    header = next(r for r in sheet.iter_rows(values_only=True) if "是否公示" in r)
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] == 1 or r[0] == "1"]
    assert rows and rows[0][header.index("是否公示")] == "是"

    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "检查对象名录库：新增 0，更新 0，未变 300" in again.output
    # a campaign draws once: the second run shows the first draw instead of drawing again
    assert "已在此数据库中抽取（抽取记录 #1），不再重复抽取" in again.output
    assert "抽取记录 #1：抽中 1 户" in again.output and "抽取记录 #2" not in again.output
    assert "inspect 1-1" in again.output


def test_demo_in_english(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(main, ["--lang", "en", "--db", db, "demo", "--dir",
                                       str(tmp_path / "out"), "--targets", "200"])
    assert result.exit_code == 0, result.output
    assert "valid: 2 departments, 12 items" in result.output
    assert "joint result:" in result.output
