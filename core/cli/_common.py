"""Pieces shared by the CLI commands: output formats, problem printing, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

import click

from ..errors import Problem
from ..text import display_width, render_table  # noqa: F401 - re-exported for the commands

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def format_option(*choices: str, default: str | None = None):
    """``--format`` with the given choices (first one is the default)."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)),
                        default=default or choices[0], show_default=True,
                        help="输出格式 / output format")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_problems(problems: Iterable[Problem], *, err: bool = True,
                  hint_once: bool = False) -> None:
    """Print problems one per line as ``FILE:LINE:COL: CODE message — hint``.

    With *hint_once*, each code's hint is printed with its first problem only (a library
    file can have thousands of rows with the same mistake)."""
    hinted: set[str] = set()
    for p in problems:
        prefix = "" if p.is_error else ("warning: " if _en() else "警告：")
        click.echo(prefix + p.format(with_hint=not (hint_once and p.code in hinted)), err=err)
        hinted.add(p.code)


def echo_config_warnings(config: Any) -> None:
    """On stderr, the warnings about an opened campaign's configuration (validation hooks,
    law editions...); plugin failures are summarised in one line instead (core.cli)."""
    echo_problems([p for p in config.problems
                   if not p.is_error and (p.reported_by or not p.plugin)])


def fail(problems: list[Problem], fmt: str = "text") -> NoReturn:
    """Report *problems* (text to stderr, or JSON to stdout) and exit 1."""
    if fmt == "json":
        echo_json({"valid": False, "errors": [p.to_json() for p in problems if p.is_error],
                   "warnings": [p.to_json() for p in problems if not p.is_error]})
    else:
        echo_problems(problems)
    sys.exit(EXIT_INVALID)


def _en() -> bool:
    from ..i18n import get_lang

    return get_lang() == "en"


def db_url(ctx: click.Context) -> str | None:
    """The ``--db`` URL given to the main group (or JOINTCHECK_DB), if any."""
    root = ctx.find_root()
    return (root.obj or {}).get("db_url")
