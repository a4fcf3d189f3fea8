"""``jointcheck schema [NAME]``: print a JSON Schema, or list them."""

from __future__ import annotations

import sys

import click

from jointcheck import schemas

from ..i18n import translator
from ._common import EXIT_USAGE

_ = translator({
    "unknown": ("未知的模式“{name}”；可用：{names}", "unknown schema '{name}'; available: {names}"),
})


@click.command(help="打印 JSON Schema（draft 2020-12）；不带参数时列出全部模式。\n\n"
                    "Print a JSON Schema; without NAME, list them.")
@click.argument("name", required=False)
def schema(name: str | None) -> None:
    if name is None:
        for n in schemas.NAMES:
            click.echo(f"{n}\t{schemas.load_schema(n)['$id']}\t{schemas.load_schema(n).get('title', '')}")
        return
    if name not in schemas.NAMES:
        click.echo(_("unknown", name=name, names=", ".join(schemas.NAMES)), err=True)
        sys.exit(EXIT_USAGE)
    click.echo(schemas.schema_text(name), nl=False)
