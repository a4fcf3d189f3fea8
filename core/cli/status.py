"""``jointcheck status``: a campaign's progress and every step due or overdue."""

from __future__ import annotations

from datetime import date

import click

from ..i18n import translator
from ..present.status import pending_command, status_lines
from ..status import campaign_status
from ._common import (
    echo_json,
    format_option,
    holidays_option,
    open_campaign_or_fail,
    parse_date,
    store_engine,
    warn_estimates,
)

_ = translator({
    "help": ("实施方案的进度（抽取、记录、汇总、公示、移交、答复、结案）及逾期和即将到期的事项",
             "A campaign's progress (drawn, records, settled, published, referred, answered, "
             "closed) and the steps overdue or due soon"),
    "campaign": ("实施方案文件", "campaign file"),
    "within": ("列出该天数内到期的事项", "list the steps due within this many days"),
    "as_of": ("按该日期计算（默认：今天）", "as of this date (default: today)"),
})


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else parse_date(value)


@click.command(help=_("help"))
@click.argument("campaign", type=click.Path(path_type=str))
@click.option("--within", type=click.IntRange(0, 3650), default=7, show_default=True,
              metavar="N", help=_("within"))
@click.option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD", help=_("as_of"))
@holidays_option
@format_option("text", "json")
@click.pass_context
def status(ctx: click.Context, campaign: str, within: int, as_of: date | None,
           holidays: tuple[str, ...], fmt: str) -> None:
    opened = open_campaign_or_fail(campaign, ctx, holidays=holidays, calendar=True,
                                   reading=True, fmt=fmt)
    camp, cal, names = opened.campaign, opened.calendar, opened.department_names
    with store_engine(ctx) as engine:
        found = campaign_status(engine, camp, cal, today=as_of, within=within,
                                department_names=names)
    if fmt == "json":
        data = found.to_json()
        for p in data["pending"]:
            p["command"] = pending_command(p["kind"], campaign)
        echo_json(data)
    else:
        for line in status_lines(found, camp, campaign):
            click.echo(line)
    warn_estimates(cal)
