"""``jointcheck classify FINDINGS``: classify one enterprise's findings."""

from __future__ import annotations

import sys

import click

from ..i18n import translator
from ._common import (
    EXIT_INVALID,
    echo_config_warnings,
    echo_json,
    echo_problems,
    fail,
    format_option,
)

_ = translator({
    "dept": ("{name}（{code}）", "{name} ({code})"),
    "result": ("  抽查结果：{code}. {text}", "  抽查结果 (result): {code}. {text}"),
    "dispositions": ("  处理结果：{values}", "  处理结果 (dispositions): {values}"),
    "rule": ("  依据规则：{rule}", "  policy rule: {rule}"),
    "override": ("  已被插件“{plugin}”改判", "  overridden by plugin '{plugin}'"),
    "noncompliant": ("  不符合事项：{items}", "  non-compliant items: {items}"),
    "change": ("  处理结果调整：{action}“{disposition}”，理由：{reason}",
               "  disposition change: {action} '{disposition}', reason: {reason}"),
    "add": ("增加", "add"),
    "remove": ("去掉", "remove"),
    "joint": ("联合抽查结果：{code}. {text}", "joint result: {code}. {text}"),
    "none": ("无", "none"),
})


def render_text(result, checklist) -> list[str]:
    lines = []
    for code, r in result.departments.items():
        dept = checklist.department(code)
        lines.append(_("dept", name=dept.name if dept else code, code=code))
        lines.append(_("result", code=r.code, text=r.text))
        lines.append(_("dispositions", values="、".join(r.dispositions) or _("none")))
        if r.noncompliant:
            lines.append(_("noncompliant", items=", ".join(r.noncompliant)))
        for change in r.disposition_changes:
            lines.append(_("change", action=_(change["action"]), disposition=change["disposition"],
                           reason=change["reason"]))
        if r.overridden_by:
            lines.append(_("override", plugin=r.overridden_by))
        elif r.rule:
            lines.append(_("rule", rule=r.rule))
    lines.append(_("joint", code=result.code, text=result.text))
    return lines


@click.command(help="对一户企业的检查结果（YAML 或 JSON，模式 findings）进行分类。\n\n"
                    "Classify one enterprise's findings (YAML or JSON, schema 'findings').")
@click.argument("findings", type=click.Path(path_type=str))
@click.option("--campaign", type=click.Path(path_type=str), default=None,
              help="实施方案文件（默认：示例）/ campaign file (default: the example)")
@format_option("text", "json")
@click.option("--strict", is_flag=True, help="插件问题视为错误 / plugin problems are errors")
def classify(findings: str, campaign: str | None, fmt: str, strict: bool) -> None:
    from ..classify import check_findings
    from ..classify import classify as run
    from ..config import open_campaign
    from ..errors import ConfigError
    from ..merge import merge
    from ..yamlload import load_file

    try:
        config, camp = open_campaign(campaign, strict=strict)
        checklist = merge(config, camp)
        doc = load_file(findings)
    except ConfigError as exc:
        fail(exc.problems, fmt)
    echo_config_warnings(config)
    problems = check_findings(doc, checklist, config.host)
    if problems:
        fail(problems, fmt)
    result = run(doc.data, checklist, config.host)
    if fmt == "json":
        data = result.to_json()
        data["campaign"] = camp.id
        data["checklist_fingerprint"] = checklist.fingerprint
        if result.problems:
            data["problems"] = [p.to_json() for p in result.problems]
        echo_json(data)
    else:
        click.echo("\n".join(render_text(result, checklist)))
        echo_problems(result.problems)
    if result.problems:
        sys.exit(EXIT_INVALID)
