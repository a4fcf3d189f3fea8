"""``jointcheck checklist``: a campaign's merged joint checklist (联合检查记录表)."""

from __future__ import annotations

import click

from ..i18n import translator
from ._common import echo_config_warnings, echo_json, fail, format_option, render_table

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
    "h_source": ("来源", "Source"),
    "always": ("均适用", "always"),
    "and": (" 且 ", " and "),
    "or": (" 或 ", " or "),
    "not": ("非（{cond}）", "not ({cond})"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "known": ("已知", "known"),
    "unknown": ("未知", "unknown"),
    "none": ("（无）", "(none)"),
})


def attribute_label(name: str) -> str:
    """The verbatim Chinese header of a target field or attribute (e.g. 使用特种设备)."""
    from ..libraries.fields import TARGET_FIELDS

    for f in TARGET_FIELDS:
        if name in (f.column, f.attribute):
            return f.header
    return name


def describe_condition(cond: dict | None) -> str:
    if not cond:
        return _("always")
    if "all" in cond:
        return _("and").join(describe_condition(c) for c in cond["all"])
    if "any" in cond:
        return _("or").join(describe_condition(c) for c in cond["any"])
    if "not" in cond:
        return _("not", cond=describe_condition(cond["not"]))
    attr = attribute_label(cond["attribute"])
    for op, sym in (("equals", "="), ("in", "∈"), ("not_in", "∉")):
        if op in cond:
            value = cond[op]
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            elif isinstance(value, list):
                value = "、".join(map(str, value))
            return f"{attr} {sym} {value}"
    if "present" in cond:
        return f"{attr} {_('known') if cond['present'] else _('unknown')}"
    return attr


@click.command(help="显示实施方案合并后的联合检查记录表事项（默认：示例实施方案）。\n\n"
                    "Show the merged joint checklist of CAMPAIGN (default: the example).")
@click.argument("campaign", required=False, type=click.Path(path_type=str))
@format_option("table", "json", "yaml", "markdown")
@click.option("--strict", is_flag=True, help="插件问题视为错误 / plugin problems are errors")
def checklist(campaign: str | None, fmt: str, strict: bool) -> None:
    from ..config import open_campaign
    from ..errors import ConfigError
    from ..legal import format_citations, label
    from ..merge import checklist_json, merge

    try:
        config, camp = open_campaign(campaign, strict=strict)
        merged = merge(config, camp)
    except ConfigError as exc:
        fail(exc.problems, "json" if fmt == "json" else "text")
    echo_config_warnings(config)
    data = checklist_json(merged)
    if fmt == "json":
        echo_json(data)
        return
    if fmt == "yaml":
        import yaml

        click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), nl=False)
        return

    def basis(item: dict, key: str) -> str:
        return format_citations(item["legal_basis"].get(key) or []) or _("none")

    if fmt == "markdown":
        lines = [f"# {_('title', title=camp.title)}", ""]
        lines += [f"- {line}" for line in campaign_lines(data["campaign"])] + [""]
        lines += reference_lines(data, prefix="> ")
        current = None
        for item in data["items"]:
            if item["department"] != current:
                current = item["department"]
                lines += [f"## {item['department_name']}", ""]
            lines += [f"### {item['seq']}. {item['title']}", "",
                      f"- {_('h_id')}: `{item['department']}.{item['id']}`",
                      f"- {_('h_applies')}: {describe_condition(item['applicability'])}"]
            if item.get("group"):
                lines.append(f"- {label('group')}: {item['group']}")
            lines += [f"- {label('legal_basis')}: {basis(item, 'duty')}",
                      f"- {label('penalty')}: {basis(item, 'penalty')}"]
            if item.get("guidance"):
                lines.append(f"- {label('guidance')}: {item['guidance']}")
            lines.append("")
        lines.append(_("fingerprint", fp=merged.fingerprint))
        click.echo("\n".join(lines))
        return
    click.echo(table_text(merged, data))


def table_text(merged, data: dict | None = None) -> str:
    """The merged checklist as the table of ``jointcheck checklist`` (also shown by the demo)."""
    from ..merge import checklist_json

    data = data or checklist_json(merged)
    rows = [[i["seq"], i["department_name"], i["id"], i["title"],
             describe_condition(i["applicability"])] for i in data["items"]]
    return "\n".join([
        _("title", title=merged.campaign.title),
        *campaign_lines(data["campaign"]),
        render_table([_("h_seq"), _("h_dept"), _("h_id"), _("h_title"), _("h_applies")], rows),
        _("summary", n=len(merged.items), d=len(merged.departments)),
        *reference_lines(data),
        _("see_markdown"),
        _("fingerprint", fp=merged.fingerprint),
    ])


def campaign_lines(c: dict) -> list[str]:
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
        lines.append(_("group_line", name=group.get("name") or none, leader=group.get("leader") or none,
                       deputies="、".join(group.get("deputy_leaders") or []) or none))
        office = group.get("office") or {}
        if office:
            lines.append(_("office_line", seat=office.get("seat") or none,
                           director=office.get("director") or none,
                           deputies="、".join(office.get("deputy_directors") or []) or none))
    if c.get("inspection_methods"):
        lines.append(_("methods", v="、".join(c["inspection_methods"])))
    return lines


def reference_lines(data: dict, prefix: str = "") -> list[str]:
    """The supplementary-material note and the editions cited, as lines (markdown: quoted)."""
    ref = data["reference"]
    lines = [prefix + ref["note"]]
    if ref["editions_note"]:
        lines += [prefix.rstrip()] if prefix else []
        lines.append(prefix + ref["editions_note"])
    return lines + ([""] if prefix else [])
