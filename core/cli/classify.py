"""``jointcheck classify FINDINGS``: classify one enterprise's findings."""

from __future__ import annotations

import sys

import click

from ..classify import check_findings
from ..classify import classify as run
from ..errors import ConfigError
from ..present.results import result_lines
from ..yamlload import load_file
from ._common import (
    EXIT_INVALID,
    echo_config_warnings,
    echo_json,
    echo_problems,
    fail,
    format_option,
    open_campaign_or_fail,
)


@click.command(help="对一户企业的检查结果（YAML 或 JSON，模式 findings）进行分类。\n\n"
                    "Classify one enterprise's findings (YAML or JSON, schema 'findings').")
@click.argument("findings", type=click.Path(path_type=str))
@click.option("--campaign", type=click.Path(path_type=str), default=None,
              help="实施方案文件（默认：示例）/ campaign file (default: the example)")
@format_option("text", "json")
@click.option("--strict", is_flag=True, help="插件问题视为错误 / plugin problems are errors")
def classify(findings: str, campaign: str | None, fmt: str, strict: bool) -> None:
    opened = open_campaign_or_fail(campaign, strict=strict, fmt=fmt)
    config, camp, checklist = opened.config, opened.campaign, opened.checklist
    try:
        doc = load_file(findings)
    except ConfigError as exc:
        fail(exc.problems, fmt)
    echo_config_warnings(config)
    problems = check_findings(doc, checklist, config.host)
    if any(p.is_error for p in problems):
        fail(problems, fmt)
    echo_problems(problems)  # warnings
    result = run(doc.data, checklist, config.host)
    if fmt == "json":
        data = result.to_json()
        data["campaign"] = camp.id
        data["checklist_fingerprint"] = checklist.fingerprint
        if result.problems:
            data["problems"] = [p.to_json() for p in result.problems]
        echo_json(data)
    else:
        click.echo("\n".join(result_lines(result, checklist)))
        echo_problems(result.problems)
    if result.problems:
        sys.exit(EXIT_INVALID)
