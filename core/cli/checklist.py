"""``jointcheck checklist``: a campaign's merged joint checklist (联合检查记录表).

A thin shell: the text comes from core.present.checklist."""

from __future__ import annotations

import click

from ..present.checklist import checklist_json, checklist_markdown, checklist_table
from ._common import echo_json, format_option, open_campaign_or_fail


@click.command(help="显示实施方案合并后的联合检查记录表事项（默认：示例实施方案）。\n\n"
                    "Show the merged joint checklist of CAMPAIGN (default: the example).")
@click.argument("campaign", required=False, type=click.Path(path_type=str))
@format_option("table", "json", "yaml", "markdown")
@click.option("--strict", is_flag=True, help="插件问题视为错误 / plugin problems are errors")
@click.pass_context
def checklist(ctx: click.Context, campaign: str | None, fmt: str, strict: bool) -> None:
    merged = open_campaign_or_fail(campaign, ctx, strict=strict, warnings=True,
                                   fmt=fmt).checklist
    data = checklist_json(merged)
    if fmt == "json":
        echo_json(data)
        return
    if fmt == "yaml":
        import yaml

        click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), nl=False)
        return
    if fmt == "markdown":
        click.echo(checklist_markdown(merged, data))
        return
    click.echo(checklist_table(merged, data))
