"""``jointcheck history``: the inspection history (国办发〔2024〕54号) — import the
inspections done outside jointcheck. docs/history.md."""

from __future__ import annotations

import sys

import click

from ..history import import_history
from ..i18n import translator
from ..libraries.messages import LibraryError
from ._common import (
    EXIT_INVALID,
    OFFICE,
    echo_json,
    echo_problems,
    format_option,
    store_engine,
    table_file_options,
)

_ = translator({
    "group": ("检查历史：导入 jointcheck 以外的检查记录（供抽取时的检查频次限制和重复检查提示使用）",
              "Inspection history: import inspections done outside jointcheck (read by the "
              "draw's inspection limits and the repeated-inspection warnings)"),
    "import": ("导入检查记录（CSV 或 XLSX：统一社会信用代码、检查日期、检查单位，可选检查类型、检查事项）；"
               "有任何问题则全部不导入",
               "Import inspections (CSV or XLSX: 统一社会信用代码, 检查日期, 检查单位, optionally "
               "检查类型, 检查事项); nothing is imported when any row has a problem"),
    "imported": ("已导入检查记录“{file}”：新增 {added}，已有 {unchanged}（共 {rows} 行）",
                 "imported inspections '{file}': {added} added, {unchanged} already on record "
                 "({rows} rows)"),
    "nothing": ("未导入任何检查记录：{n} 行有问题。改正后重新导入。",
                "no inspection was imported: {n} row(s) have problems. Correct them and "
                "import again."),
})


@click.group(help=_("group"))
def history() -> None:
    pass


@history.command("import", help=_("import"))
@click.argument("file", type=click.Path(dir_okay=False))
@table_file_options
@format_option("text", "json")
@click.pass_context
def import_(ctx: click.Context, file: str, encoding: str | None, sheet: str | None,
            mapping: str | None, fmt: str) -> None:
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            report = import_history(engine, file, encoding=encoding, mapping=mapping,
                                    sheet=sheet)
        except LibraryError as exc:
            rows = len({p.line for p in exc.problems if p.line})
            if fmt == "json":
                echo_json(exc.to_json())
            else:
                echo_problems(exc.problems, hint_once=True)
                if rows:
                    click.echo(_("nothing", n=rows), err=True)
            sys.exit(EXIT_INVALID)
    if fmt == "json":
        echo_json(report.to_json())
        return
    echo_problems(report.warnings, hint_once=True)
    click.echo(_("imported", file=file, added=report.added, unchanged=report.unchanged,
                 rows=report.rows))
