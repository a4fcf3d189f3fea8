"""Presentation of referrals (问题线索移交): status labels, the table and JSON of
``referrals list``, and the content of the letter 《关于移交双随机抽查有关问题的函》 that the
DOCX and Markdown writers (core/letters.py) lay out. Pure functions.

The letter is a document of record: always Chinese, whatever ``--lang`` says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ..clock import chinese_date
from ..i18n import translator
from ..referrals import STATUS_NAMES
from .calendar import due_text
from .legal import format_citations, label

if TYPE_CHECKING:  # pragma: no cover
    from ..calendar import WorkCalendar
    from ..deadlines import Rule
    from ..model import Campaign, Checklist
    from ..referrals import CorrectionLetter, Letter, NextDue, Referral, Stale

_ = translator({
    **STATUS_NAMES,
    "stale_changed": ("记录已更正：需发更正函", "记录已更正: a correcting letter is due"),
    "stale_vanished": ("记录已更正：问题已不存在，需发撤回函",
                       "记录已更正: the problem is gone, a withdrawing letter is due"),
    "stale_hint": ("记录已更正的移交请用 jointcheck referrals correct {campaign} --format docx -o 目录 "
                   "写出更正或撤回函。",
                   "Write the correcting or withdrawing letters of referrals marked 记录已更正 "
                   "with jointcheck referrals correct {campaign} --format docx -o DIR."),
    "h_id": ("编号", "Id"),
    "h_task": ("任务", "Task"),
    "h_name": ("市场主体名称", "市场主体名称"),
    "h_code": ("统一社会信用代码", "统一社会信用代码"),
    "h_item": ("抽查事项", "Item"),
    "h_to": ("接收部门", "Receiving department"),
    "h_status": ("状态", "Status"),
    "h_due": ("下一期限", "Next due"),
    "h_owner": ("责任方", "Owed by"),
    "overdue": ("（已逾期）", " (overdue)"),
    "none": ("没有符合条件的问题线索移交。", "No referrals match."),
    "count": ("共 {n} 项问题线索移交", "{n} referral(s)"),
})

TITLE = "关于移交双随机抽查有关问题的函"
PUBLICITY = "国家企业信用信息公示系统（河南）"


def status_label(status: str) -> str:
    return _(status)


def department_name(code: str, checklist: Checklist | None) -> str:
    dept = checklist.department(code) if checklist is not None else None
    return dept.name if dept is not None else code


def department_full_name(code: str, checklist: Checklist | None) -> str:
    """The department's official name (its plugin's ``full_name``, e.g. 市应急管理局), as
    a letter addresses it; its short name when the plugin declares none."""
    dept = checklist.department(code) if checklist is not None else None
    if dept is None:
        return code
    return dept.data["department"].get("full_name") or dept.name


def item_title(ref: Referral, checklist: Checklist | None) -> str:
    item = checklist.item(ref.department, ref.item_id) if checklist is not None else None
    return item.title if item is not None else ref.item_id


def owner_text(rule: Rule, ref: Referral, checklist: Checklist | None) -> str:
    """Who owes the step: the campaign's words, with 相关部门 made the receiving department."""
    owner = rule.owner or ""
    if owner == "相关部门":
        return department_name(ref.refer_to, checklist)
    return owner


def list_header() -> list[str]:
    return [_("h_id"), _("h_task"), _("h_name"), _("h_code"), _("h_item"), _("h_to"),
            _("h_status"), _("h_due"), _("h_owner")]


def stale_text(stale: Stale) -> str:
    """记录已更正, with the letter that is due (correcting or withdrawing)."""
    return _("stale_changed" if stale.problem is not None else "stale_vanished")


def stale_hint(campaign: str) -> str:
    return _("stale_hint", campaign=campaign)


def list_row(ref: Referral, checklist: Checklist | None, nxt: NextDue | None,
             today: date, stale: Stale | None = None) -> list[str]:
    due = ""
    if nxt is not None:
        due = due_text(nxt.due) + (_("overdue") if nxt.overdue(today) else "")
    state = status_label(ref.status)
    if stale is not None:
        state += f"（{stale_text(stale)}）"
    return [str(ref.id), ref.task_id, ref.name or "", ref.credit_code,
            item_title(ref, checklist), department_name(ref.refer_to, checklist),
            state, due,
            owner_text(nxt.deadline, ref, checklist) if nxt is not None else ""]


def list_json(ref: Referral, checklist: Checklist | None, nxt: NextDue | None,
              today: date, stale: Stale | None = None) -> dict[str, Any]:
    """One referral of ``referrals list --format json`` (the letter carries the note and the
    dispositions; ``jointcheck referrals letter``). ``stale``: null, or why the referral
    no longer matches its record and which letter resolves it."""
    return {
        "id": ref.id, "task": ref.task_id, "credit_code": ref.credit_code, "name": ref.name,
        "department": ref.department, "item": ref.item_id,
        "receiving_department": ref.refer_to, "status": ref.status,
        "dates": {s: d.isoformat() for s, d in ref.dates.items() if d is not None},
        "case_no": ref.case_no, "letter_number": ref.letter_number,
        "next_due": None if nxt is None else {
            "deadline": nxt.deadline.id, "date": nxt.due.date.isoformat(),
            "estimated": nxt.due.estimated, "overdue": nxt.overdue(today),
            "owner": owner_text(nxt.deadline, ref, checklist)},
        "settled": ref.settled,
        "stale": None if stale is None else stale.to_json(),
    }


# ----------------------------------------------------------------------------- letters


def official_unit(days: int, unit: str) -> str:
    """10日 / 20个工作日, always Chinese (documents of record)."""
    return f"{days}个工作日" if unit == "working_days" else f"{days}日"


# the problem table of the letter; the legal basis of each problem follows the table,
# numbered as its row (it is our addition, not the plan's, and too long for a column)
LETTER_HEADERS = ["序号", "市场主体名称", "统一社会信用代码", "抽查事项", "发现的问题", "发现单位",
                  "建议处理结果"]


@dataclass
class LetterDoc:
    """The content of one referral letter (GB/T 9704-2012 信函), laid out by core/letters.py."""

    title: str
    number: str           # 发文字号
    addressee: str        # 主送机关: the department's full name and a full-width colon
    opening: str
    headers: list[str]
    rows: list[list[str]]
    bases: list[str]      # the legal basis of each row ("" when none is declared)
    basis_heading: str
    requests: list[str]
    sender: str           # 发文机关署名
    dated: str            # 成文日期
    department: str = ""  # the receiving department's full name (file names)


def letter_document(letter: Letter, campaign: Campaign | None,
                    checklists: Mapping[str | None, Checklist | None],
                    rules: Mapping[str, Rule], calendar: WorkCalendar,
                    sender: str) -> LetterDoc:
    """《关于移交双随机抽查有关问题的函》 to one receiving department."""
    any_checklist = next((c for c in checklists.values() if c is not None), None)
    to = department_full_name(letter.department, any_checklist)
    title = campaign.title if campaign is not None else letter.campaign_id
    ref_no = f"（{campaign.document_number}）" if campaign is not None and \
        campaign.document_number else ""
    period = ""
    if campaign is not None and campaign.start and campaign.end:
        period = f"于{chinese_date(campaign.start)}至{chinese_date(campaign.end)}"
    opening = (f"根据《{title}》{ref_no}，我市{period}开展了跨部门联合抽查。现将联合检查组"
               f"发现的、应由你单位依法处理的问题线索及有关材料移交你单位，具体如下：")
    rows = []
    bases = []
    for n, ref in enumerate(letter.referrals, 1):
        checklist = checklists.get(ref.checklist_fingerprint)
        basis = ""
        item = None if checklist is None else checklist.item(ref.department, ref.item_id)
        if checklist is not None and item is not None:
            cited = checklist.legal_basis(item)
            cites = []
            if cited.get("duty"):
                cites.append(format_citations(cited["duty"], official=True))
            if cited.get("penalty"):
                cites.append("处罚依据：" + format_citations(cited["penalty"], official=True))
            basis = "；".join(cites)
        rows.append([str(n), ref.name or "", ref.credit_code, item_title(ref, checklist),
                     ref.note or "", department_full_name(ref.department, checklist),
                     dispositions_cell(ref.dispositions, ref.settled)])
        bases.append(basis)
    requests = []
    decision = rules.get("case_decision")
    if decision is not None:
        when = official_unit(decision.days, decision.unit)
        received = {r.dates.get("received") for r in letter.referrals}
        on = ""
        first = next(iter(received), None)
        if len(received) == 1 and first is not None:
            due = decision.due(first, calendar)
            on = f"（即{chinese_date(due.date)}前{'，估算' if due.estimated else ''}）"
        requests.append(f"请你单位于收到本函后{when}内{on}对符合立案条件的依法立案查处；不符合立案条件的，"
                        f"请于{when}内书面回复{decision.recipient or sender}。")
    report = rules.get("case_result_report")
    if report is not None:
        when = official_unit(report.days, report.unit)
        parts: list[str] = next((list(d.get("parts") or []) for d in (
            campaign.deadlines if campaign else []) if d["id"] == report.id), [])
        if len(parts) >= 2:
            requests.append(f"请于结案后{when}内{parts[0]}，并{parts[1]}。")
        else:
            requests.append(f"请于结案后{when}内以书面形式告知{report.recipient or sender}案件查处结果，"
                            f"并通过“{PUBLICITY}”公示行政处罚信息。")
    requests.append("上述期限不含收到本函或结案的当日；期限最后一日为法定休假日的，顺延至休假日后的第一个工作日。")
    heading = label("legal_basis", official=True) + "，由部门检查事项插件提供，按序号列明："
    return LetterDoc(title=TITLE, number=letter.number, addressee=f"{to}：", opening=opening,
                     headers=list(LETTER_HEADERS), rows=rows, bases=bases,
                     basis_heading=heading, requests=requests, sender=sender,
                     dated=chinese_date(letter.dated), department=to)


UNSETTLED = "（建议，联合抽查结果尚未确定）"


def dispositions_cell(dispositions: list[str], settled: bool) -> str:
    """The 处理结果 of a referred problem: the joint office's settled dispositions, or the
    proposal marked as such while the results are not settled."""
    text = "、".join(dispositions) or "（未提出）"
    return text if settled else text + UNSETTLED


CORRECTION_TITLE = "关于更正移交双随机抽查有关问题的函"


def correction_document(letter: CorrectionLetter, campaign: Campaign | None,
                        checklists: Mapping[str | None, Checklist | None],
                        sender: str) -> LetterDoc:
    """《关于更正移交双随机抽查有关问题的函》 to one receiving department: each referral
    its earlier letter sent, with what it said and what it says now (更正), or that it is
    withdrawn (撤回) because the amended record no longer has the problem."""
    any_checklist = next((c for c in checklists.values() if c is not None), None)
    to = department_full_name(letter.department, any_checklist)
    earlier = "、".join(sorted({c.referral.letter_number or "" for c in letter.corrections}
                              - {""}))
    opening = (f"我办{('以' + earlier + '') if earlier else ''}移交你单位的下列问题线索，"
               "因联合检查记录已更正或联合抽查结果已重新确定，现予更正或撤回，具体如下：")
    headers = ["序号", "市场主体名称", "统一社会信用代码", "抽查事项", "原移交内容", "原函文号",
               "更正为"]
    rows = []
    for n, c in enumerate(letter.corrections, 1):
        ref, now = c.referral, c.stale.problem
        checklist = checklists.get(ref.checklist_fingerprint)
        was = f"{ref.note or ''}（{dispositions_cell(ref.dispositions, True)}）"
        if now is None:
            new = "撤回：更正后的检查记录已无此问题"
        else:
            new = f"{now.note or ''}（{dispositions_cell(now.dispositions, now.settled)}）"
            if now.refer_to != ref.refer_to:
                new += f"；改由{department_name(now.refer_to, checklist)}办理"
        rows.append([str(n), ref.name or "", ref.credit_code, item_title(ref, checklist), was,
                     ref.letter_number or "", new])
    requests = ["更正的问题线索，请按更正后的内容依法办理；撤回的问题线索不再移交，"
                "已立案查处的，请依法处理并将结果书面告知我办。"]
    return LetterDoc(title=CORRECTION_TITLE, number=letter.number, addressee=f"{to}：",
                     opening=opening, headers=headers, rows=rows, bases=[], basis_heading="",
                     requests=requests, sender=sender, dated=chinese_date(letter.dated),
                     department=to)


def letter_markdown(doc: LetterDoc) -> str:
    def cell(v: str) -> str:
        return v.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {doc.title}", "", doc.number, "", doc.addressee, "", doc.opening, "",
             "| " + " | ".join(doc.headers) + " |",
             "|" + "|".join("---" for _h in doc.headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in doc.rows]
    lines.append("")
    for n, text in enumerate(doc.requests, 1):
        lines += [f"{n}. {text}"]
    if any(doc.bases):
        lines += ["", doc.basis_heading, ""]
        lines += [f"{n}. {b}" for n, b in enumerate(doc.bases, 1) if b]
    lines += ["", doc.sender, "", doc.dated, ""]
    return "\n".join(lines)
