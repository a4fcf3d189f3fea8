"""The reports 附件1–4 as rows and grids (pure functions; core/reports writes the files).

The forms are official documents: their text is always Chinese, whatever ``--lang`` says.
Columns are exactly those of the source's annexes (docs/results.md); each has a stable
English key for JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ..clock import chinese_date
from ..libraries.fields import mask_id_number as _mask_id
from ..libraries.fields import mask_phone as _mask_phone
from .results import plugin_note_zh

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Campaign, Checklist
    from ..records.results import Consolidated, PublicRow, StatisticsRow

ANNEX_TITLES = {1: "随机抽取执法检查人员信息表", 2: "联合抽查统计表", 3: "联合抽查汇总表",
                4: "联合抽查记录表"}

# (key, header) in the order of the source's tables
OFFICER_COLUMNS = [("seq", "序号"), ("name", "姓名"), ("gender", "性别"), ("unit", "单位"),
                   ("title", "职务"), ("cert_no", "执法证号"), ("phone", "手机号码"),
                   ("id_number", "身份证号")]
STATISTICS_COLUMNS = [("seq", "抽取序号"), ("name", "市场主体名称"),
                      ("credit_code", "统一社会信用代码"), ("reg_no", "注册号"),
                      ("legal_rep", "法定代表人"), ("address", "地址"), ("phone", "电话"),
                      ("jurisdiction", "管辖单位"), ("registration_authority", "登记单位"),
                      ("officers", "检查人员"), ("result", "抽查结果"),
                      ("dispositions", "处理结果"), ("published", "是否公示")]
DISPOSITIONS = ("责令改正", "立案处理", "函告许可部门", "移送司法机关")
# 附件3's second header row as 附件3 itself prints it where it differs from 附件4's 备注
# (the policy's texts): "公示信息隐瞒真实情况、弄虚作假" with 、, "通过登记住所(经营场所)无法联系"
# without 的 and with half-width brackets. The source's extraction garbles the labels of
# results 7 and 8 ("发 展 本 次 抽 查 涉 及 经 营 活 动", "发 现 问 题 后 处 理 待 续"): they are
# read as the 备注's texts (docs/results.md).
SUMMARY_LABELS = {"公示信息隐瞒真实情况弄虚作假": "公示信息隐瞒真实情况、弄虚作假",
                  "通过登记的住所（经营场所）无法联系": "通过登记住所(经营场所)无法联系"}

# Column widths (spreadsheet character units: a Chinese character is two) as (least,
# most): a column takes its widest cell within these, headers wrap. 附件2 and 附件3 stay
# within 200 units in all, so that they print one A4 landscape page wide at a legible
# size; codes get their full width and never wrap.
OFFICER_WIDTHS = [(5, 5), (8, 10), (5, 5), (12, 26), (8, 12), (12, 14), (13, 13), (20, 20)]
STATISTICS_WIDTHS = [(6, 8), (12, 22), (20, 20), (10, 17), (8, 10), (12, 26), (13, 14),
                     (8, 12), (10, 16), (12, 20), (10, 14), (8, 12), (6, 6)]
SUMMARY_UNIT_WIDTH = (10, 16)
SUMMARY_CELL_WIDTH = 7  # the counts, under headers wrapped three characters a line

ITEM_RESULTS = {"compliant": "符合", "noncompliant": "不符合", "not_applicable": "不适用"}
OUTCOME_NOTES = {"unreachable": "通过登记的住所（经营场所）无法联系，未能实施检查",
                 "refused": "企业不配合检查"}


def annex_title(annex: int, campaign: Campaign | None) -> str:
    """The annex title as the source prints it: 附件2–4 with the campaign's title prefix
    (工业企业安全生产“双随机、一公开”联合抽查统计表), 附件1 without one (随机抽取执法检查人员信息表)."""
    prefix = campaign.report_title_prefix if campaign and annex != 1 else ""
    return prefix + ANNEX_TITLES[annex]


def annex_label(annex: int) -> str:
    """The label above each annex, as in the source: 附件1 … 附件4."""
    return f"附件{annex}"


@dataclass
class Table:
    """One report table: title lines, header rows (with merged ranges), data rows."""

    annex: int
    title: str
    document_number: str
    keys: list[str]
    header: list[list[str]]  # one or two rows
    rows: Iterable[Sequence[Any]]
    # merged ranges in the header, 0-based (row, col, last_row, last_col)
    header_merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    landscape: bool = True
    widths: list[tuple[int, int]] = field(default_factory=list)  # (least, most) per column
    centered: frozenset[int] = frozenset()  # columns of numbers and short marks

    @property
    def label(self) -> str:
        return annex_label(self.annex)

    @property
    def labels(self) -> list[str]:
        """The column labels of the lowest header row (CSV)."""
        return list(self.header[-1])


# --------------------------------------------------------------------------- 附件1


def mask_phone(value: str | None) -> str:
    return _mask_phone(value) if value else ""


def mask_id(value: str | None) -> str:
    return _mask_id(value) if value else ""


def officer_rows(officers: Sequence[Mapping[str, Any]], *, show_personal: bool = False
                 ) -> list[list[Any]]:
    """附件1: one row per drawn officer (手机号码 and 身份证号 masked unless asked)."""
    out = []
    for n, o in enumerate(officers, 1):
        phone, ident = o.get("phone") or "", o.get("id_number") or ""
        out.append([n, o.get("name") or "", o.get("gender") or "", o.get("unit") or "",
                    o.get("title") or "", o.get("cert_no") or "",
                    phone if show_personal else mask_phone(phone),
                    ident if show_personal else mask_id(ident)])
    return out


def officers_table(campaign: Campaign | None, officers: Sequence[Mapping[str, Any]], *,
                   show_personal: bool = False) -> Table:
    return Table(annex=1, title=annex_title(1, campaign),
                 document_number=campaign_docno(campaign), keys=[k for k, _h in OFFICER_COLUMNS],
                 header=[[h for _k, h in OFFICER_COLUMNS]],
                 rows=officer_rows(officers, show_personal=show_personal), landscape=False,
                 widths=OFFICER_WIDTHS, centered=frozenset({0, 2}))


# --------------------------------------------------------------------------- 附件2


def team_text(team: Iterable[tuple[str, bool]]) -> str:
    """检查人员: the team's names (name, 组长), 组长 first."""
    return "、".join(name + ("（组长）" if leader else "")
                    for name, leader in sorted(team, key=lambda m: not m[1]))


DECISIONS = {"opened": "已立案", "declined": "不予立案"}


def dispositions_text(dispositions: Sequence[str], decisions: Mapping[str, Sequence[str]],
                      names: Mapping[str, str] | None = None) -> str:
    """处理结果 of 附件2: the joint office's settled dispositions, with — beside 立案处理, or
    after them when the office settled none — what each receiving department decided on
    its referral: ``责令改正、立案处理（应急管理局已立案）``."""
    text = "、".join(dispositions)
    said = "；".join(f"{(names or {}).get(d, d)}{'、'.join(DECISIONS[x] for x in found)}"
                    for d, found in sorted(decisions.items()) if found)
    if not said:
        return text
    note = f"（{said}）"
    if "立案处理" in dispositions:
        return text.replace("立案处理", "立案处理" + note, 1)
    return text + note


def statistics_row(row: StatisticsRow, names: Mapping[str, str] | None = None) -> list[Any]:
    """One row of 附件2; *names*: department names by code (the departments' decisions
    on their referrals are named by them)."""
    t = row.target
    settled = row.result is not None
    return [row.seq, t.get("name") or "", row.credit_code, t.get("reg_no") or "",
            t.get("legal_rep") or "", t.get("address") or t.get("business_address") or "",
            t.get("phone") or "", t.get("jurisdiction") or "",
            t.get("registration_authority") or "", team_text(row.team),
            row.result or "",
            dispositions_text(row.dispositions, row.decisions, names) if settled else "",
            "是" if row.published_on else "否"]


def statistics_table(campaign: Campaign | None, rows: Iterable[StatisticsRow],
                     names: Mapping[str, str] | None = None) -> Table:
    """附件2: one row per drawn enterprise (core.records.results.statistics_rows); results
    only where settled; *names*: department names by code."""
    return Table(annex=2, title=annex_title(2, campaign), document_number=campaign_docno(campaign),
                 keys=[k for k, _h in STATISTICS_COLUMNS],
                 header=[[h for _k, h in STATISTICS_COLUMNS]],
                 rows=(statistics_row(r, names) for r in rows), widths=STATISTICS_WIDTHS,
                 centered=frozenset({0, len(STATISTICS_COLUMNS) - 1}))


# --------------------------------------------------------------------------- 附件3


def summary_table(campaign: Campaign | None, checklist: Checklist,
                  counts: Mapping[str, Sequence[int]]) -> Table:
    """附件3: one row per department (单位), as in the source — no 合计 row: summing the
    department rows would count an enterprise inspected by two departments twice
    (docs/results.md); the two-level header as merges. *counts*: per department
    ``[抽查户数, one per result code..., one per disposition...]``
    (core.records.results.summary_counts)."""
    results = checklist.policy.results
    codes = sorted(results)
    body: list[list[Any]] = [[d.name, *counts[d.code]] for d in checklist.departments]
    n = len(codes)
    top = ["单位", "抽查户数", "抽查结果"] + [""] * (n - 1) + ["处理结果", "", "", ""]
    bottom = (["单位", "抽查户数"] + [SUMMARY_LABELS.get(results[c], results[c]) for c in codes]
              + list(DISPOSITIONS))
    keys = (["unit", "inspected"] + [f"result_{c}" for c in codes]
            + ["责令改正", "立案处理", "函告许可部门", "移送司法机关"])
    return Table(annex=3, title=annex_title(3, campaign), document_number=campaign_docno(campaign),
                 keys=keys, header=[top, bottom], rows=body,
                 header_merges=[(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 1 + n),
                                (0, 2 + n, 0, 5 + n)],
                 widths=[SUMMARY_UNIT_WIDTH] + [(SUMMARY_CELL_WIDTH, SUMMARY_CELL_WIDTH)]
                 * (1 + n + len(DISPOSITIONS)),
                 centered=frozenset(range(1, 2 + n + len(DISPOSITIONS))))


# --------------------------------------------------------------------------- 附件4


@dataclass
class Grid:
    """附件4 for one enterprise: the source's five columns of text, merged ranges (0-based,
    inclusive)."""

    task_id: str
    name: str
    cells: list[list[str]]
    merges: list[tuple[int, int, int, int]]
    # rows whose cells are labels (bold) and the first row of the item table
    item_header_row: int
    signature_rows: list[int]


def eight_results_text(results: Mapping[int, str]) -> str:
    """备注: 检查结果共分为 8 种：1. 未发现问题 2. … 8. 发现问题待后续处理."""
    return (f"检查结果共分为 {len(results)} 种："
            + " ".join(f"{c}. {t}" for c, t in sorted(results.items())))


def _day(value: Any) -> str:
    if not value:
        return "年 月 日"
    return chinese_date(value if isinstance(value, date)
                        else date.fromisoformat(str(value)[:10]))


def item_result_text(answer: Mapping[str, Any] | None, applies: bool) -> str:
    if answer is None:
        return "不适用" if not applies else ""
    text = ITEM_RESULTS.get(str(answer.get("result")), "")
    if answer.get("result") == "noncompliant":
        note = str(answer.get("note") or "").strip().rstrip("。")
        if note:
            text += f"：{note}"
        if answer.get("corrected_on_site") and "当场" not in note:
            text += "，已当场整改" if note else "（已当场整改）"
    return text


def record_grid(row: Consolidated, checklist: Checklist) -> Grid:
    """The 附件4 grid (docs/results.md) for one submitted record: header block, 检查单位
    merged down each department's items, 检查结果 per item, 处理意见, 备注 with the eight
    results (and the settled ones); signature cells left blank for signing on paper."""
    record = row.record or {}
    findings = record.get("findings") or {}
    # the facts the record was submitted with: the library's, with the officers' corrections
    t = {**row.task.target, **(findings.get("target") or {})}
    # five columns: label | value (two cells) | label | value; the item table is
    # 检查单位 | 抽查事项 | 检查结果 (two cells) | 检查人员签字
    cells = [
        ["市场主体法人签字（或加盖企业公章）", "", "", "检查日期", _day(findings.get("inspected_on"))],
        ["市场主体名称", t.get("name") or "", "", "市场主体类型", t.get("entity_type") or ""],
        ["注册号", t.get("reg_no") or "", "", "法定代表人", t.get("legal_rep") or ""],
        ["经营范围", t.get("business_scope") or "", "", "行政区划", t.get("region") or ""],
        ["成立日期", _day(t.get("established")), "", "联系电话", t.get("phone") or ""],
        ["经营地址", t.get("business_address") or t.get("address") or "", "", "", ""],
        ["检查单位", "抽查事项", "检查结果", "", "检查人员签字"],
    ]
    merges = [(r, 1, r, 2) for r in range(5)] + [(5, 1, 5, 4), (6, 2, 6, 3)]
    header_row = 6
    departments = (findings.get("departments") or {})
    outcome = findings.get("outcome", "inspected")
    signature_rows = []
    for dept in checklist.departments:
        items = checklist.items_of(dept.code)
        if not items:
            continue
        first = len(cells)
        answers = (departments.get(dept.code) or {}).get("items") or {}
        for n, item in enumerate(items, 1):
            a = answers.get(item.id)
            text = (OUTCOME_NOTES.get(outcome, "") if outcome != "inspected"
                    else item_result_text(a, a is not None))
            cells.append([dept.name if n == 1 else "", f"{n}. {item.title}", text, "", ""])
            merges.append((len(cells) - 1, 2, len(cells) - 1, 3))
        last = len(cells) - 1
        signature_rows.append(first)
        if last > first:
            merges += [(first, 0, last, 0), (first, 4, last, 4)]
    # principle 8: core.present.records is heavy; loaded only when this runs
    from .records import opinion_text

    # the officers' text with the 处理结果 the joint office settled (reports show settled
    # records only; a proposal would be marked as one)
    opinion = opinion_text(record.get("opinion"), row.results, row.is_settled, checklist)
    cells.append(["处理意见", opinion, "", "", ""])
    merges.append((len(cells) - 1, 1, len(cells) - 1, 4))
    remarks = [eight_results_text(checklist.policy.results)]
    res = row.settled or row.results
    if res:
        names = {d.code: d.name for d in checklist.departments}
        computed = (row.computed or {}).get("departments") or {}
        parts = [f"{names.get(c, c)}：{b['result']['code']}. {b['result']['text']}"
                 + _plugin_remark(b, computed.get(c) or {})
                 for c, b in res["departments"].items()]
        remarks.append("抽查结果：" + "；".join(parts))
    if record.get("remarks"):
        remarks.append(str(record["remarks"]))
    cells.append(["备注", "\n".join(remarks), "", "", ""])
    merges.append((len(cells) - 1, 1, len(cells) - 1, 4))
    return Grid(task_id=row.task.id, name=t.get("name") or row.task.credit_code, cells=cells,
                merges=merges, item_header_row=header_row, signature_rows=signature_rows)


def _plugin_remark(block: Mapping[str, Any], computed: Mapping[str, Any]) -> str:
    """（插件“fire_safety”改判，原为 5）after a department's result a plugin's hook decided."""
    plugin = block.get("plugin") or (
        {"name": computed["overridden_by"], "from": computed.get("overridden_from")}
        if computed.get("overridden_by") else None)
    return f"（{plugin_note_zh(plugin['name'], plugin.get('from'))}）" if plugin else ""


def grid_json(grid: Grid, row: Consolidated) -> dict[str, Any]:
    """附件4 as data with stable keys (the same content as the grid)."""
    t = row.task.target
    record = row.record or {}
    findings = record.get("findings") or {}
    items = []
    for r in grid.cells[grid.item_header_row + 1:-2]:
        items.append({"item": r[1], "result": r[2]})
    return {
        "task": row.task.id, "name": t.get("name"), "credit_code": row.task.credit_code,
        "inspected_on": findings.get("inspected_on"), "entity_type": t.get("entity_type"),
        "reg_no": t.get("reg_no"), "legal_rep": t.get("legal_rep"),
        "business_scope": t.get("business_scope"), "region": t.get("region"),
        "established": _iso(t.get("established")), "phone": t.get("phone"),
        "business_address": t.get("business_address") or t.get("address"),
        "departments": _department_items(grid), "opinion": grid.cells[-2][1],
        "remarks": grid.cells[-1][1], "results": row.settled or row.results,
    }


def _department_items(grid: Grid) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in grid.cells[grid.item_header_row + 1:-2]:
        if r[0]:
            out.append({"unit": r[0], "items": []})
        out[-1]["items"].append({"item": r[1], "result": r[2]})
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else (str(value) if value else None)


def campaign_docno(campaign: Campaign | None) -> str:
    """The campaign's 文号 as every annex and report heads it ("" without one)."""
    return (campaign.document_number or "") if campaign else ""


def table_json(table: Table) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """A table as JSON: title, 文号 and columns (key and header), and the rows keyed by
    column, as an iterator (written one by one under ``rows``)."""
    head = {"annex": table.annex, "label": table.label, "title": table.title,
            "document_number": table.document_number,
            "columns": [{"key": k, "label": h} for k, h in zip(table.keys, table.labels,
                                                                 strict=True)]}
    return head, (dict(zip(table.keys, r, strict=True)) for r in table.rows)


# --------------------------------------------------------------------------- publication

# The fields the public may see (一公开): no officer, no phone, no ID number, no 法定代表人.
PUBLIC_COLUMNS = [("name", "市场主体名称"), ("credit_code", "统一社会信用代码"),
                  ("departments", "检查部门"), ("inspected_on", "检查日期"),
                  ("result", "抽查结果"), ("department_results", "各部门抽查结果")]


def public_record(row: PublicRow, names: Sequence[str]) -> dict[str, Any]:
    """One settled enterprise as published: what was inspected, by which departments
    (*names*, in the order of ``row.department_results``), when, and the result
    ("只针对检查行为本身": no later enforcement results)."""
    depts = [(n, r) for n, r in zip(names, row.department_results, strict=True) if r]
    return {"name": row.name, "credit_code": row.credit_code,
            "departments": "、".join(n for n, _r in depts),
            "inspected_on": row.inspected_on, "result": row.result,
            "department_results": "；".join(f"{n}：{r}" for n, r in depts)}
