"""``jointcheck publish``: the publication folder of a campaign (一公开)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..i18n import translator
from ..records.service import RecordError
from ..reports.publish import publish as do_publish
from ._common import OFFICE, campaign_id_or_fail, fail, store_engine

_ = translator({
    "help": ("一公开：为已确认的结果写出 results.csv、results.json 和自包含的公示网页 index.html"
             "（事项公开、程序公开、结果公开），并将记录标记为已公示。不含任何个人信息。",
             "Publication (一公开): results.csv, results.json and a self-contained index.html "
             "(items, procedure, results) for the settled results; marks the records "
             "published. No personal data."),
    "output": ("输出目录", "output folder"),
    "columns": ("公示平台模板的列映射（YAML：平台列名: 字段），另写出 upload.csv",
                "column mapping of the platform's template (YAML: column: field); also "
                "writes upload.csv"),
    "date": ("公示日期（默认今天）", "publication date (default: today)"),
    "written": ("已公示 {n} 户企业（公示日期 {day}），写出：", "Published {n} enterprise(s) "
                "(on {day}), wrote:"),
    "unverifiable": ("注意：第 {ids} 次抽取后名录库已更新，公示目录中没有复核这些抽取的文件（网页已说明）。",
                     "Note: the libraries changed after draw(s) {ids}: the folder has no files "
                     "to replay them (the page says so)."),
    "verify": ("任何人可凭该目录复核抽取：jointcheck draw verify --public {dir}",
               "anyone can replay the draws from the folder: jointcheck draw verify --public {dir}"),
    "unsettled": ("注意：{n} 户企业的结果尚未确认，未公示。",
                  "Note: {n} enterprise(s) are not settled and were not published."),
})


@click.command(help=_("help"))
@click.argument("campaign")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              required=True, help=_("output"))
@click.option("--columns", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None,
              help=_("columns"))
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              metavar="YYYY-MM-DD", help=_("date"))
@click.pass_context
def publish(ctx: click.Context, campaign: str, output: Path, columns: Path | None, on) -> None:
    day: date | None = on.date() if on else None
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            done = do_publish(engine, campaign_id_or_fail(campaign, engine), output, on=day, columns=columns)
        except RecordError as exc:
            fail(exc.problems)
    click.echo(_("written", n=done.count, day=done.on.isoformat()))
    for path in done.files[:6]:
        click.echo(f"  {path}")
    if len(done.files) > 6:
        click.echo(f"  … (+{len(done.files) - 6})")
    if any(f.parent.name == "draws" for f in done.files):
        click.echo(_("verify", dir=output))
    if done.unverifiable:
        click.echo(_("unverifiable", ids="、".join(map(str, done.unverifiable))), err=True)
    if done.unsettled:
        click.echo(_("unsettled", n=done.unsettled), err=True)
