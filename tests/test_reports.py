"""The reports 附件1–4 on every engine: XLSX read back with openpyxl (titles, 文号, headers,
merged cells, values, print setup, widths), CSV with its BOM, JSON with stable keys; 附件3
recomputed independently from the stored rows; overrides shown in every report; the forms
stay Chinese with --lang en; personal data masked unless asked."""

from __future__ import annotations

import csv
import json
from collections import Counter

import openpyxl
import sqlalchemy as sa

from jointcheck.core.records import results as RS
from jointcheck.core.store.models import officers, record_versions, result_overrides, tasks
from tests.recordsupport import drawn_store, run_cli, submit_task

EM, MS = "emergency_mgmt", "market_supervision"
CAMPAIGN = "hebi-2020-industrial-safety"
PREFIX = "工业企业安全生产“双随机、一公开”"
DOCNO = "鹤双随机办〔2020〕19号"
RESULTS = ["未发现问题", "未按规定公示应当公示的信息", "公示信息隐瞒真实情况弄虚作假",
           "通过登记的住所（经营场所）无法联系", "发现问题已责令改正", "不配合检查情节严重",
           "未发现开展本次抽查涉及的经营活动", "发现问题待后续处理"]
# 附件3's own header row: two labels differ from 附件4's 备注 in the source itself
SUMMARY_LABELS = ["未发现问题", "未按规定公示应当公示的信息", "公示信息隐瞒真实情况、弄虚作假",
                  "通过登记住所(经营场所)无法联系", "发现问题已责令改正", "不配合检查情节严重",
                  "未发现开展本次抽查涉及的经营活动", "发现问题待后续处理"]


def _write(url, tmp_path, kind, fmt, *extra):
    path = tmp_path / f"{kind}.{fmt}"
    out = run_cli(url, "--lang", "en", "report", kind, CAMPAIGN, "--format", fmt,
                  "-o", str(path), *extra)
    assert out.exit_code == 0, out.output
    assert "Wrote" in out.output  # messages follow --lang, the forms do not
    return path


def _independent_summary(engine):
    """附件3 from the raw tables: newest record version's results, overrides applied."""
    counts: dict[str, Counter] = {}
    with engine.connect() as conn:
        newest = {r.id: r.version for r in conn.execute(sa.select(tasks.c.id, tasks.c.version))}
        over: dict[tuple[str, str], list] = {}
        for r in conn.execute(sa.select(result_overrides).order_by(result_overrides.c.id)):
            over.setdefault((r.task_id, r.department), []).append(r.change)
        for r in conn.execute(sa.select(record_versions)):
            if newest[r.task_id] != r.version:
                continue
            for dept, block in r.results["departments"].items():
                code = block["result"]["code"]
                disp = set(block["dispositions"])
                for change in over.get((r.task_id, dept), []):
                    code = change.get("result", code)
                    disp |= set(change.get("add", []))
                    disp -= set(change.get("remove", []))
                c = counts.setdefault(dept, Counter())
                c["n"] += 1
                c[code] += 1
                for name in disp:
                    c[name] += 1
    return counts


def test_summary_xlsx_matches_an_independent_count(settled, store_url, tmp_path):
    path = _write(store_url, tmp_path, "summary", "xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws["A1"].value == "附件3"
    assert ws["A2"].value == PREFIX + "联合抽查汇总表"
    assert ws["A3"].value == DOCNO
    assert [ws.cell(4, c).value for c in (1, 2, 3, 11)] == ["单位", "抽查户数", "抽查结果",
                                                            "处理结果"]
    assert [ws.cell(5, c).value for c in range(3, 15)] == SUMMARY_LABELS + [
        "责令改正", "立案处理", "函告许可部门", "移送司法机关"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:N2", "A3:N3", "A4:A5", "B4:B5", "C4:J4", "K4:N4"} <= merged
    assert ws.freeze_panes == "A6"
    assert ws.print_title_rows == "$4:$5"
    # narrow columns, the second header row wrapped to show every line of its labels
    widths = [ws.column_dimensions[chr(64 + c)].width for c in range(1, 15)]
    assert sum(widths) <= 200 and max(widths[2:]) <= 8
    assert ws.row_dimensions[5].height >= 14 * 4
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width >= 12  # 市市场监管局 fits
    expected = _independent_summary(settled.engine)
    names = {d.code: d.name for d in settled.checklist.departments}
    body = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 15)]
            for r in range(6, ws.max_row + 1)}
    # one row per department and no 合计: the source has none, and summing the rows would
    # count an enterprise inspected by both departments twice
    assert set(body) == {names[EM], names[MS]}
    for code, name in names.items():
        c = expected[code]
        assert body[name] == [c["n"]] + [c[i] for i in range(1, 9)] + [
            c[n] for n in ("责令改正", "立案处理", "函告许可部门", "移送司法机关")], name
    # the office's override shows: 未按规定公示应当公示的信息 counted for 应急管理局
    assert body[names[EM]][2] == 1


def test_statistics_in_three_formats(settled, store_url, tmp_path):
    x = openpyxl.load_workbook(_write(store_url, tmp_path, "statistics", "xlsx")).active
    header = [x.cell(4, c).value for c in range(1, 14)]
    assert header == ["抽取序号", "市场主体名称", "统一社会信用代码", "注册号", "法定代表人",
                      "地址", "电话", "管辖单位", "登记单位", "检查人员", "抽查结果", "处理结果",
                      "是否公示"]
    assert x["A1"].value == "附件2"
    assert x["A2"].value == PREFIX + "联合抽查统计表" and x["A3"].value == DOCNO
    assert x.freeze_panes == "A5" and x.print_title_rows == "$4:$4"
    assert x.max_row == 4 + 4
    assert x.cell(5, 1).border.left.style == "thin" and x.cell(5, 2).alignment.wrap_text
    # one A4 landscape page wide at a legible size: 200 character units at most
    widths = [x.column_dimensions[chr(64 + c)].width for c in range(1, 14)]
    assert sum(widths) <= 200 and widths[2] >= 20  # the credit code never wraps
    last = x.max_row  # every data cell is styled, not only the first row's
    assert all(x.cell(last, c).border.bottom.style == "thin" and x.cell(last, c).font.name
               == "宋体" and x.cell(last, c).alignment.wrap_text for c in range(1, 14))
    assert x.cell(4, 1).font.b and not x.cell(last, 1).font.b
    rows = {r.task.id: r for r in RS.load(settled.engine, CAMPAIGN)}
    first = rows[settled.task_ids[0]]
    line = [x.cell(5, c).value for c in range(1, 14)]
    assert line[1] == first.task.name and line[2] == first.task.credit_code
    leader = first.task.leader
    assert line[9].startswith(leader.name + "（组长）")
    assert line[10] == "发现问题待后续处理" and line[12] == "否"
    override = [x.cell(r, 11).value for r in range(5, 9)][2]
    assert override == "未按规定公示应当公示的信息"  # the settled, overridden joint result
    assert "责令改正" in x.cell(7, 12).value
    assert x.column_dimensions["B"].width > x.column_dimensions["A"].width

    raw = _write(store_url, tmp_path, "statistics", "csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0] == header and len(lines) == 5 and lines[1][10] == "发现问题待后续处理"

    data = json.loads(_write(store_url, tmp_path, "statistics", "json").read_text("utf-8"))
    assert data["title"] == PREFIX + "联合抽查统计表" and data["document_number"] == DOCNO
    assert data["label"] == "附件2"
    assert [c["label"] for c in data["columns"]] == header
    assert data["rows"][0]["result"] == "发现问题待后续处理"
    assert data["rows"][2]["result"] == "未按规定公示应当公示的信息"


def test_officers_masked_unless_asked(settled, store_url, tmp_path):
    with settled.engine.connect() as conn:
        people = {r.cert_no: r for r in conn.execute(sa.select(officers))}
    team = RS.load(settled.engine, CAMPAIGN)[0].task.team
    path = _write(store_url, tmp_path, "officers", "xlsx")
    ws = openpyxl.load_workbook(path).active
    # the source's 附件1 title has no prefix
    assert ws["A1"].value == "附件1" and ws["A2"].value == "随机抽取执法检查人员信息表"
    assert [ws.cell(4, c).value for c in range(1, 9)] == [
        "序号", "姓名", "性别", "单位", "职务", "执法证号", "手机号码", "身份证号"]
    assert ws.page_setup.orientation == "portrait"
    first = people[team[0].cert_no]
    assert [ws.cell(5, c).value for c in (1, 2, 6)] == [1, first.name, first.cert_no]
    everything = " ".join(str(c.value) for row in ws.iter_rows() for c in row)
    assert all(p.phone not in everything and p.id_number not in everything
               for p in people.values() if p.phone and p.id_number)
    assert "****" in ws.cell(5, 7).value
    full = _write(store_url, tmp_path, "officers", "csv", "--show-personal").read_text(
        "utf-8-sig")
    assert first.phone in full and first.id_number in full


def test_record_grid_one_sheet_per_enterprise(settled, store_url, tmp_path):
    path = _write(store_url, tmp_path, "record", "xlsx")
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 4
    ws = wb[wb.sheetnames[0]]
    assert ws["A1"].value == "附件4"
    assert ws["A2"].value == PREFIX + "联合抽查记录表" and ws["A3"].value == DOCNO
    labels = [ws.cell(r, 1).value for r in range(4, 11)]
    assert labels == ["市场主体法人签字（或加盖企业公章）", "市场主体名称", "注册号", "经营范围",
                      "成立日期", "经营地址", "检查单位"]
    # the source's five columns: 检查结果 spans two
    assert [ws.cell(10, c).value for c in range(1, 6)] == ["检查单位", "抽查事项", "检查结果",
                                                           None, "检查人员签字"]
    assert ws["D4"].value == "检查日期" and ws["E4"].value == "2020年7月15日"
    assert ws["B4"].value is None  # signed on paper
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B4:C4", "B5:C5", "B8:C8", "B9:E9", "C10:D10", "C11:D11"} <= merged
    em_items = len(settled.checklist.items_of(EM))
    assert f"A11:A{10 + em_items}" in merged and f"E11:E{10 + em_items}" in merged
    assert ws["A11"].value == "应急管理局" and ws["B11"].value.startswith("1. ")
    assert ws["C11"].value.startswith("不符合")
    last = ws.max_row
    assert ws.cell(last, 1).value == "备注" and ws.cell(last - 1, 1).value == "处理意见"
    assert ws.cell(last, 2).value.startswith("检查结果共分为 8 种：1. 未发现问题 2. ")
    assert "8. 发现问题待后续处理" in ws.cell(last, 2).value
    assert f"B{last}:E{last}" in merged
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert int(ws.page_setup.fitToHeight) == 0  # one page wide, as many pages high as needed
    assert "统一社会信用代码" not in [ws.cell(r, c).value for r in range(4, 10)
                                 for c in (1, 4)]
    one = _write(store_url, tmp_path, "record", "json", "--task", settled.task_ids[2])
    data = json.loads(one.read_text("utf-8"))
    (rec,) = data["records"]
    assert rec["results"]["departments"][EM]["result"]["code"] == 2
    assert rec["departments"][0]["unit"] == "应急管理局"
    assert "应急管理局：2. 未按规定公示应当公示的信息" in rec["remarks"]


def test_reports_leave_unsettled_results_out_and_say_so(store_url, tmp_path):
    d = drawn_store(store_url, tmp_path, count=2)
    try:
        submit_task(d, d.task_ids[0])
        none = run_cli(store_url, "report", "summary", "no-such", "-o", str(tmp_path / "x.xlsx"))
        assert none.exit_code == 1 and "JC122" in none.output  # unknown, as in every command
        path = tmp_path / "s.csv"
        out = run_cli(store_url, "report", "statistics", CAMPAIGN, "--format", "csv",
                      "-o", str(path))
        assert out.exit_code == 0 and "尚未确认" in out.output
        lines = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
        assert lines[1][10] == "" and lines[1][12] == "否"
        missing = run_cli(store_url, "report", "record", CAMPAIGN, "--task", d.task_ids[0],
                          "-o", str(tmp_path / "r.xlsx"))
        assert missing.exit_code == 1 and "JC852" in missing.output
        bad = run_cli(store_url, "report", "summary", CAMPAIGN, "-o",
                      str(tmp_path / "no" / "dir" / "s.xlsx"))
        assert bad.exit_code == 1 and "JC851" in bad.output and "Traceback" not in bad.output
    finally:
        d.engine.dispose()


def test_report_outputs_for_a_careless_user(settled, store_url, tmp_path):
    """-o a folder, a missing folder, an existing file, a format that disagrees with the
    file name, options of another kind, a campaign file that is not there: a clear message
    or the file where the user expects it, never a traceback or a half-written file."""
    def run(*args):
        out = run_cli(store_url, "report", *args)
        assert "Traceback" not in out.output
        return out

    folder = tmp_path / "out"
    folder.mkdir()
    out = run("statistics", CAMPAIGN, "-o", str(folder))
    assert out.exit_code == 0, out.output
    assert (folder / "附件2_联合抽查统计表.xlsx").is_file()
    out = run("summary", CAMPAIGN, "-o", str(tmp_path / "missing") + "/")  # a folder: made
    assert out.exit_code == 0 and (tmp_path / "missing" / "附件3_联合抽查汇总表.xlsx").is_file()
    out = run("summary", CAMPAIGN, "-o", str(tmp_path / "gone" / "s.xlsx"))
    assert out.exit_code == 1 and "JC851" in out.output and "不存在" in out.output
    assert not (tmp_path / "gone").exists()
    # the format follows the file's extension unless given; a contradiction is refused
    out = run("summary", CAMPAIGN, "-o", str(tmp_path / "s.json"))
    assert out.exit_code == 0 and json.loads((tmp_path / "s.json").read_text("utf-8"))["annex"] == 3
    out = run("summary", CAMPAIGN, "--format", "csv", "-o", str(tmp_path / "s.xlsx"))
    assert out.exit_code == 2 and "--format csv" in out.output
    assert not (tmp_path / "s.xlsx").exists()
    out = run("statistics", CAMPAIGN, "--task", settled.task_ids[0])
    assert out.exit_code == 2 and "--task" in out.output
    out = run("summary", CAMPAIGN, "--show-personal")
    assert out.exit_code == 2 and "--show-personal" in out.output
    out = run("summary", str(tmp_path / "no-campaign.yaml"))
    assert out.exit_code == 1 and "JC122" in out.output and "no-campaign.yaml" in out.output
    # an existing file is replaced once the new one is complete, and kept when it fails
    target = tmp_path / "s.json"
    before = target.read_bytes()
    out = run("record", CAMPAIGN, "--task", "9-999", "-o", str(target))
    assert out.exit_code == 1 and "JC852" in out.output
    assert target.read_bytes() == before
    out = run("officers", CAMPAIGN, "-o", str(target))
    assert out.exit_code == 0 and "已替换原有文件" in out.output
    assert json.loads(target.read_text("utf-8"))["annex"] == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []


def test_record_form_shows_the_facts_the_officers_corrected_on_site(store_url, tmp_path):
    """附件4's header is the record's: the library's facts with the team's corrections."""
    from jointcheck.core.records.service import field_key, load_draft, save_answer

    d = drawn_store(store_url, tmp_path, count=1)
    try:
        (tid,) = d.task_ids
        draft = load_draft(d.engine, tid, host=d.host)
        save_answer(d.engine, tid, field_key("target"),
                    {"legal_rep": "王更正", "phone": "13900000000"}, expected=0,
                    checklist=draft.checklist)
        submit_task(d, tid)
        RS.settle(d.engine, CAMPAIGN)
        path = _write(store_url, tmp_path, "record", "xlsx")
        ws = openpyxl.load_workbook(path).worksheets[0]
        values = [ws.cell(r, c).value for r in range(1, 12) for c in range(1, 6)]
        assert "王更正" in values and "13900000000" in values
    finally:
        d.engine.dispose()


def test_record_form_rows_are_tall_enough_for_wrapped_paragraphs():
    """A 处理意见 of several paragraphs, one of them longer than the merged cell is wide,
    gets a row with room for every wrapped line (each paragraph wraps on its own)."""
    from jointcheck.core.reports.xlsx import _height

    opinion = "经检查，该企业存在以下问题：\n" + "安" * 60 + "\n2. 责令限期改正。"
    # 处理意见 is merged over columns B–E of 附件4: 40 + 12 + 12 + 16 wide
    assert _height(["处理意见", opinion], [14, 80]) >= 14 * 4
    assert _height(["处理意见", "一行"], [14, 80]) == 20
