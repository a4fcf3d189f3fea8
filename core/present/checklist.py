"""The merged joint checklist (联合检查记录表) as text: the table of ``jointcheck checklist``
and its markdown, from :func:`checklist_json` data (the JSON of ``jointcheck checklist``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import translator
from ..legal import cited_laws
from ..model import Campaign, Checklist
from ..text import render_table
from .conditions import describe_condition
from .legal import editions_note, label, supplement_note

_ = translator({
    "title": ("联合检查记录表 — {title}", "Joint checklist — {title}"),
    "fingerprint": ("指纹（SHA-256）：{fp}", "fingerprint (SHA-256): {fp}"),
    "summary": ("共 {n} 个检查事项，{d} 个检查单位", "{n} items from {d} departments"),
    "h_seq": ("序号", "No."),
    "h_dept": ("检查单位", "Department"),
    "h_id": ("事项编号", "Item id"),
    "h_title": ("抽查事项", "抽查事项 (item)"),
    "h_applies": ("适用条件", "Applies when"),
    "doc_number": ("文号：{v}", "Document number: {v}"),
    "issued": ("印发：{v}", "Issued by: {v}"),
    "period": ("抽查时间：{start} 至 {end}", "Inspection period: {start} to {end}"),
    "group_line": ("领导小组：{name}（组长：{leader}；副组长：{deputies}）",
                   "Leading group: {name} (组长 {leader}; 副组长 {deputies})"),
    "office_line": ("领导小组办公室：设在{seat}，主任：{director}；副主任：{deputies}",
                    "Its office: at {seat}; 主任 {director}; 副主任 {deputies}"),
    "methods": ("检查方式：{v}", "Inspection methods: {v}"),
    "see_markdown": ("法律依据、处罚依据和检查指引见 --format markdown。",
                     "Legal basis, penalty basis and guidance: --format markdown."),
    "none": ("（无）", "(none)"),
})


def _data(checklist: Checklist, data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return data if data is not None else checklist_json(checklist)


def attribute_labels(checklist: Checklist) -> dict[str, str]:
    """name -> Chinese label of the attributes the checklist's departments declare."""
    return {a["name"]: a["label"] for d in checklist.departments
            for a in d.data.get("attributes") or ()}


def checklist_rows(data: Mapping[str, Any],
                   labels: Mapping[str, str] | None = None) -> tuple[list[str], list[list[Any]]]:
    """``(headers, rows)`` of the checklist table: 序号, 检查单位, 事项编号, 抽查事项, 适用条件
    (*labels*: :func:`attribute_labels`)."""
    headers = [_("h_seq"), _("h_dept"), _("h_id"), _("h_title"), _("h_applies")]
    rows = [[i["seq"], i["department_name"], i["id"], i["title"],
             describe_condition(i["applicability"], labels)] for i in data["items"]]
    return headers, rows


def checklist_table(checklist: Checklist, data: Mapping[str, Any] | None = None) -> str:
    """The merged checklist as the table of ``jointcheck checklist`` (also shown by the demo).

    *data* is ``checklist_json(checklist)`` when the caller has it already."""
    data = _data(checklist, data)
    headers, rows = checklist_rows(data, attribute_labels(checklist))
    title = checklist.campaign.title if checklist.campaign else ""
    return "\n".join([
        _("title", title=title),
        *campaign_lines(data["campaign"] or {}),
        render_table(headers, rows),
        _("summary", n=len(checklist.items), d=len(checklist.departments)),
        *reference_lines(data),
        _("see_markdown"),
        _("fingerprint", fp=checklist.fingerprint),
    ])


def checklist_markdown(checklist: Checklist, data: Mapping[str, Any] | None = None) -> str:
    """The merged checklist as markdown: per department, per item its id, applicability,
    group, legal and penalty basis (the editions in force) and guidance."""
    from .legal import format_citations, label

    data = _data(checklist, data)
    camp = checklist.campaign
    labels = attribute_labels(checklist)

    def basis(item: Mapping[str, Any], key: str) -> str:
        return format_citations(item["legal_basis"].get(key) or []) or _("none")

    lines = [f"# {_('title', title=camp.title if camp else '')}", ""]
    lines += [f"- {line}" for line in campaign_lines(data["campaign"] or {})] + [""]
    lines += reference_lines(data, prefix="> ")
    current = None
    for item in data["items"]:
        if item["department"] != current:
            current = item["department"]
            lines += [f"## {item['department_name']}", ""]
        lines += [f"### {item['seq']}. {item['title']}", "",
                  f"- {_('h_id')}: `{item['department']}.{item['id']}`",
                  f"- {_('h_applies')}: {describe_condition(item['applicability'], labels)}"]
        if item.get("group"):
            lines.append(f"- {label('group')}: {item['group']}")
        lines += [f"- {label('legal_basis')}: {basis(item, 'duty')}",
                  f"- {label('penalty')}: {basis(item, 'penalty')}"]
        if item.get("guidance"):
            lines.append(f"- {label('guidance')}: {item['guidance']}")
        lines.append("")
    lines.append(_("fingerprint", fp=checklist.fingerprint))
    return "\n".join(lines)


def campaign_lines(c: Mapping[str, Any]) -> list[str]:
    """What the 实施方案 says about itself: 文号, issuers and date, period, leading group,
    inspection methods (only what the campaign file records)."""
    lines = []
    if c.get("document_number"):
        lines.append(_("doc_number", v=c["document_number"]))
    issuers = "、".join(x for x in (c.get("issuer"), c.get("co_issuer")) if x)
    issued = "，".join(x for x in (issuers, c.get("issue_date")) if x)
    if issued:
        lines.append(_("issued", v=issued))
    if c.get("period"):
        lines.append(_("period", start=c["period"]["start"], end=c["period"]["end"]))
    group = c.get("leading_group") or {}
    if group:
        none = _("none")
        lines.append(_("group_line", name=group.get("name") or none,
                       leader=group.get("leader") or none,
                       deputies="、".join(group.get("deputy_leaders") or []) or none))
        office = group.get("office") or {}
        if office:
            lines.append(_("office_line", seat=office.get("seat") or none,
                           director=office.get("director") or none,
                           deputies="、".join(office.get("deputy_directors") or []) or none))
    if c.get("inspection_methods"):
        lines.append(_("methods", v="、".join(c["inspection_methods"])))
    return lines


def reference_lines(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The supplementary-material note and the editions cited, as lines (markdown: quoted)."""
    ref = data["reference"]
    lines = [prefix + ref["note"]]
    if ref["editions_note"]:
        lines += [prefix.rstrip()] if prefix else []
        lines.append(prefix + ref["editions_note"])
    return lines + ([""] if prefix else [])


def reference_json(checklist: Checklist) -> dict[str, Any]:
    """What in the checklist is not the 实施方案's: the labels, and the editions cited."""
    as_of = checklist.as_of
    editions = checklist.editions()
    laws = cited_laws(i.data for i in checklist.items)
    cited = [e for e in editions if e.law in laws and (as_of is None or e.in_force(as_of))]
    return {
        "note": supplement_note(),
        "fields": {"legal_basis": label("legal_basis"), "group": label("group"),
                   "guidance": label("guidance")},
        "provided_by": "department plugins",
        "as_of": as_of.isoformat() if as_of else None,
        "editions": [e.to_json() for e in cited],
        "editions_note": editions_note(editions, as_of, laws,
                                       until=checklist.campaign.end if checklist.campaign else None),
    }


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    """The merged checklist as ``jointcheck checklist --format json`` prints it.

    ``legal_basis`` holds the citations in force on the campaign's first day; ``reference``
    says that legal basis, groups and guidance are the plugins' reference material.
    """
    campaign = checklist.campaign
    names = {d.code: d.name for d in checklist.departments}
    return {
        "campaign": campaign_json(campaign) if campaign else None,
        "reference": reference_json(checklist),
        "fingerprint": checklist.fingerprint,
        "policy": checklist.policy.id,
        "departments": [{"code": d.code, "name": d.name, "items": len(checklist.items_of(d.code))}
                        for d in checklist.departments],
        "items": [
            {
                "seq": n,
                "department": item.department,
                "department_name": names[item.department],
                "id": item.id,
                "title": item.title,
                "group": item.data.get("group"),
                "legal_basis": checklist.legal_basis(item),
                "applicability": item.applicability,
                "noncompliance": item.noncompliance,
                "method": item.data.get("method"),
                "guidance": item.data.get("guidance"),
                "related": item.data.get("related", []),
                "provenance": item.source.to_json(),
            }
            for n, item in enumerate(checklist.items, 1)
        ],
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    """What the checklist says about the campaign itself."""
    issued = campaign.issue_date
    return {"id": campaign.id, "title": campaign.title,
            "document_number": campaign.document_number,
            "issuer": campaign.issuer, "co_issuer": campaign.co_issuer,
            "issue_date": issued.isoformat() if issued else None,
            "period": campaign.data.get("period"),
            "leading_group": campaign.leading_group or None,
            "inspection_methods": campaign.inspection_methods}
