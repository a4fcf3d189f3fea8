"""``jointcheck tasks``: the inspection tasks of the draws (one per drawn target)."""

from __future__ import annotations

import click

from ..i18n import translator
from ..present.records import task_header, task_row
from ..records.service import applicable_counts, list_tasks
from ..text import table_lines
from ._common import campaign_id_or_fail, echo_json_list, fail, format_option, store_engine

_ = translator({
    "group": ("检查任务（每个抽取的检查对象一项）", "Inspection tasks (one per drawn target)"),
    "list": ("列出检查任务及其状态", "List inspection tasks and their status"),
    "campaign": ("只列出该实施方案（id）的任务", "only this campaign's tasks (its id)"),
    "draw": ("只列出该次抽取的任务", "only the tasks of this draw"),
    "officer": ("只列出该执法检查人员（执法证号）参加的任务", "only tasks of this officer (执法证号)"),
    "status": ("只列出该状态的任务（可重复）", "only tasks in this status (repeatable)"),
    "none": ("没有符合条件的任务。", "No tasks match."),
    "count": ("共 {n} 项任务", "{n} task(s)"),
})


@click.group(help=_("group"))
def tasks() -> None:
    pass


@tasks.command("list", help=_("list"))
@click.option("--campaign", default=None, metavar="ID", help=_("campaign"))
@click.option("--draw", "draw_id", type=click.IntRange(min=1, max=2**62), default=None,
              metavar="N", help=_("draw"))
@click.option("--officer", default=None, metavar="CERT_NO", help=_("officer"))
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["pending", "draft", "submitted", "amending"]), help=_("status"))
@format_option("table", "json")
@click.pass_context
def list_(ctx: click.Context, campaign: str | None, draw_id: int | None, officer: str | None,
          statuses: tuple[str, ...], fmt: str) -> None:
    with store_engine(ctx) as engine:
        if campaign is not None:
            campaign = campaign_id_or_fail(campaign, engine, fmt)
        if draw_id is not None:  # no such draw: JC734, as `draw show` says it
            # only for --draw: draw.service would add ~100 ms to every `tasks list`
            from ..draw.algorithm import DrawError
            from ..draw.service import load_draw

            try:
                load_draw(engine, draw_id)
            except DrawError as exc:
                fail(exc.problems, fmt)
        found = list_tasks(engine, campaign=campaign, draw=draw_id, officer=officer,
                           statuses=statuses)
        totals = applicable_counts(engine, found)
    if fmt == "json":
        echo_json_list(t.to_json(totals.get(t.id)) for t in found)
        return
    if not found:
        click.echo(_("none"))
        return
    for line in table_lines(task_header(), (task_row(t, totals.get(t.id)) for t in found)):
        click.echo(line)
    click.echo(_("count", n=len(found)))
