"""``jointcheck report``: the reports 附件1–4 of a campaign as XLSX, CSV or JSON."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..i18n import translator
from ..records.service import RecordError
from ..reports import FORMATS, KINDS, default_name, write_report
from ._common import campaign_id_or_fail, cannot_write, fail, store_engine

_ = translator({
    "help": ("写出报表：officers 附件1 随机抽取执法检查人员信息表；statistics 附件2 联合抽查统计表；"
             "summary 附件3 联合抽查汇总表；record 附件4 联合抽查记录表；repeated 重复检查预警表"
             "（超过检查频次上限或间隔期内重复检查的企业）。表格内容始终为中文。",
             "Write a report: officers 附件1, statistics 附件2, summary 附件3, record 附件4, "
             "repeated 重复检查预警表 (enterprises inspected above the limits). The forms are "
             "always in Chinese."),
    "output": ("输出文件（扩展名即格式：.xlsx、.csv、.json）；给出目录（或以 / 结尾，不存在时创建）时"
               "写入该目录下的“附件N_表名.格式”（默认为当前目录）。已有同名文件时，写完后替换它",
               "output file (its extension is the format: .xlsx, .csv, .json); given a folder "
               "(or a path ending in /, made when missing), 附件N_<title>.<format> in it "
               "(default: the current folder). An existing file is replaced once the new one "
               "is complete"),
    "format": ("输出格式（默认取 -o 的扩展名，否则为 xlsx）",
               "output format (default: the extension of -o, else xlsx)"),
    "task_only": ("--task 只用于 record（附件4）", "--task applies to record (附件4) only"),
    "personal_only": ("--show-personal 只用于 officers（附件1）",
                      "--show-personal applies to officers (附件1) only"),
    "mismatch": ("--format {fmt} 与输出文件 {path} 的扩展名不符",
                 "--format {fmt} does not match the extension of {path}"),
    "bad_suffix": ("输出文件 {path} 的扩展名应为 .xlsx、.csv 或 .json（如 {example}）；"
                   "要写到文件夹中，请以 / 结尾（如 {path}/）",
                   "the output file {path} must end in .xlsx, .csv or .json (e.g. {example}); "
                   "to write into a folder, end it with / (e.g. {path}/)"),
    "replaced": ("，已替换原有文件", ", replacing the existing file"),
    "task": ("附件4 只写该任务（默认每户一页）", "附件4 for this task only (default: one sheet each)"),
    "show_personal": ("附件1 显示完整的手机号码和身份证号（默认遮盖）",
                      "附件1 with full phone and ID numbers (masked by default)"),
    "written": ("已写出 {path}（{n} {unit}）", "Wrote {path} ({n} {unit})"),
    "rows": ("行", "row(s)"),
    "records": ("户", "record(s)"),
    "unsettled": ("注意：{n} 户企业的结果尚未确认（jointcheck results settle）：附件2 中结果为空，"
                  "附件3 未计入，附件4 未写出。",
                  "Note: the results of {n} enterprise(s) are not settled (`jointcheck results "
                  "settle`): blank in 附件2, not counted in 附件3, no 附件4."),
})


@click.command(help=_("help"))
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("campaign")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help=_("format"))
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help=_("output"))
@click.option("--task", default=None, help=_("task"))
@click.option("--show-personal", is_flag=True, help=_("show_personal"))
@click.pass_context
def report(ctx: click.Context, kind: str, campaign: str, fmt: str | None, output: str | None,
           task: str | None, show_personal: bool) -> None:
    if task is not None and kind != "record":
        raise click.UsageError(_("task_only"))
    if show_personal and kind != "officers":
        raise click.UsageError(_("personal_only"))
    folder = output is not None and (Path(output).is_dir() or output.endswith(("/", os.sep)))
    if output is not None and not folder:
        # the file's suffix says its format: one that contradicts --format (or names none
        # of them) is refused rather than XLSX bytes written into a.txt
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            example = Path(output).with_suffix("." + (fmt or "xlsx"))
            raise click.UsageError(_("bad_suffix", path=output, example=example))
        if fmt is not None and suffix != fmt:
            raise click.UsageError(_("mismatch", fmt=fmt, path=output))
        fmt = suffix
    fmt = fmt or "xlsx"
    path = Path(default_name(kind, fmt))
    if output is not None:
        path = Path(output) / path if folder else Path(output)
    with store_engine(ctx) as engine:
        cid = campaign_id_or_fail(campaign, engine)
        if folder:  # -o DIR/: the folder is made when missing
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                cannot_write(exc, output)
        try:
            done = write_report(engine, kind, cid, fmt, path, task=task,
                                show_personal=show_personal)
        except RecordError as exc:
            fail(exc.problems)
    click.echo(_("written", path=done.path, n=done.rows,
                 unit=_("records" if kind == "record" else "rows"))
               + (_("replaced") if done.replaced else ""))
    if done.unsettled and kind != "officers":
        click.echo(_("unsettled", n=done.unsettled), err=True)
