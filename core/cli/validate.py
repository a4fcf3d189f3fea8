"""``jointcheck validate``: check installed plugins and configuration files."""

from __future__ import annotations

import sys

import click
from click.core import ParameterSource

from ..errors import Verdict
from ..i18n import translator
from ..validate import validate_all
from ._common import (
    EXIT_INVALID,
    db_url,
    echo_json,
    echo_problems,
    format_option,
    store_engine,
)

_ = translator({
    "ok": ("校验通过：{plugins} 个插件，{departments} 个部门，{items} 个检查事项，{files} 个文件；{warnings} 个警告",
           "valid: {plugins} plugins, {departments} departments, {items} items, {files} files; {warnings} warnings"),
    "bad": ("校验未通过：{errors} 个错误，{warnings} 个警告",
            "invalid: {errors} errors, {warnings} warnings"),
    "help_strict": ("插件加载失败等问题也视为错误", "treat plugin failures as errors"),
    "help": ("校验已安装插件及给定的部门（department）、实施方案（campaign）、分类规则（policy）文件或目录。"
             "在命令行给出 --db 时，还检查部门的检查事项是否在检查记录提交后被修改（JC323）；"
             "仅设置 JOINTCHECK_DB 不会打开数据库。",
             "Validate the installed plugins and the given files or directories; given --db "
             "on the command line, also whether departments changed items after records were "
             "submitted against them (JC323); JOINTCHECK_DB alone does not open the store."),
})


@click.command(help=_("help"))
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@format_option("text", "json")
@click.option("--strict", is_flag=True, help=_("help_strict"))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str, strict: bool) -> None:
    config, _checklists = validate_all(paths, strict=strict)
    if _store_named(ctx):  # given the store: items changed under submitted records
        from ..records.drift import drift_problems  # the store is heavy: principle 8

        with store_engine(ctx) as engine:
            config.add(drift_problems(config, engine))
    verdict = Verdict(config.problems)
    problems, errors, warnings = verdict.problems, verdict.errors, verdict.warnings
    if fmt == "json":
        echo_json(verdict.to_json())
    else:
        echo_problems(problems, err=False)
        if errors:
            click.echo(_("bad", errors=len(errors), warnings=len(warnings)))
        else:
            plugins = len(config.host.infos) if config.host else 0
            items = sum(len(d.items) for d in config.departments.values())
            click.echo(_("ok", plugins=plugins, departments=len(config.departments), items=items,
                         files=len(paths), warnings=len(warnings)))
    if errors:
        sys.exit(EXIT_INVALID)


def _store_named(ctx: click.Context) -> bool:
    """Whether ``--db`` was given on the command line: only then does validate open the
    store (the drift check). JOINTCHECK_DB alone, set for the other commands, does not:
    validate stays light (principle 8) and works where that store is absent or down."""
    root = ctx.find_root()
    return (db_url(ctx) is not None
            and root.get_parameter_source("db_url") is ParameterSource.COMMANDLINE)
