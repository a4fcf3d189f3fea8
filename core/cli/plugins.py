"""``jointcheck plugins``: the installed department plugins and the hooks they implement."""

from __future__ import annotations

import click

from ..config import load_configuration
from ..present.plugins import plugin_lines
from ._common import echo_json, echo_problems, format_option


@click.command(help="列出已安装的部门插件：名称、版本、部门、事项数、实现的钩子、加载位置。\n\n"
                    "List installed plugins with their departments, hooks and origin.")
@format_option("text", "json")
def plugins(fmt: str) -> None:
    config = load_configuration()
    infos = sorted(config.host.infos.values(), key=lambda i: i.name) if config.host else []
    # what belongs to no plugin (e.g. an unknown name in JOINTCHECK_DISABLE_PLUGINS)
    echo_problems([p for p in config.problems if not p.plugin])
    if fmt == "json":
        echo_json({"plugins": [i.to_json() for i in infos]})
        return
    click.echo("\n".join(plugin_lines(infos)))
