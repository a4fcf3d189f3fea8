"""``jointcheck checklist``: a campaign's merged joint checklist (联合检查记录表).

A thin shell: the text comes from core.present.checklist."""

from __future__ import annotations

import click

from ._common import echo_config_warnings, echo_json, fail, format_option


@click.command(help="显示实施方案合并后的联合检查记录表事项（默认：示例实施方案）。\n\n"
                    "Show the merged joint checklist of CAMPAIGN (default: the example).")
@click.argument("campaign", required=False, type=click.Path(path_type=str))
@format_option("table", "json", "yaml", "markdown")
@click.option("--strict", is_flag=True, help="插件问题视为错误 / plugin problems are errors")
def checklist(campaign: str | None, fmt: str, strict: bool) -> None:
    from ..config import open_campaign
    from ..errors import ConfigError
    from ..merge import checklist_json, merge
    from ..present.checklist import checklist_markdown, checklist_table

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
    if fmt == "markdown":
        click.echo(checklist_markdown(merged, data))
        return
    click.echo(checklist_table(merged, data))
