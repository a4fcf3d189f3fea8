"""``jointcheck report``: the reports 附件1–4 of a campaign as XLSX, CSV or JSON."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import translator
from .db import store_engine
from .results import campaign_id, fail_records

_ = translator({
    "help": ("写出报表：officers 附件1 随机抽取执法检查人员信息表；statistics 附件2 联合抽查统计表；"
             "summary 附件3 联合抽查汇总表；record 附件4 联合抽查记录表。表格内容始终为中文。",
             "Write a report: officers 附件1, statistics 附件2, summary 附件3, record 附件4. "
             "The forms are always in Chinese."),
    "output": ("输出文件（默认为当前目录下的“附件N_表名.格式”）",
               "output file (default: 附件N_<title>.<format> in the current folder)"),
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
@click.argument("kind", type=click.Choice(["officers", "statistics", "summary", "record"]))
@click.argument("campaign")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="xlsx",
              show_default=True, help="输出格式 / output format")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help=_("output"))
@click.option("--task", default=None, help=_("task"))
@click.option("--show-personal", is_flag=True, help=_("show_personal"))
@click.pass_context
def report(ctx: click.Context, kind: str, campaign: str, fmt: str, output: Path | None,
           task: str | None, show_personal: bool) -> None:
    from ..records.service import RecordError
    from ..reports import default_name, write_report

    path = output or Path(default_name(kind, fmt))
    with store_engine(ctx) as engine:
        try:
            done = write_report(engine, kind, campaign_id(campaign), fmt, path, task=task,
                                show_personal=show_personal)
        except RecordError as exc:
            fail_records(exc)
    click.echo(_("written", path=done.path, n=done.rows,
                 unit=_("records" if kind == "record" else "rows")))
    if done.unsettled and kind != "officers":
        click.echo(_("unsettled", n=done.unsettled), err=True)
