"""``jointcheck inspect [TASK]``: the inspectors' terminal app (tui/).

A thin shell: it opens the store and reads the task first (a store or task error is
printed like every command's and exits 1 before the app starts), then imports Textual and
runs the app. Textual is imported only here, never by the light commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import problem
from ..i18n import translator
from ..records.service import RecordError, list_tasks
from ..store import StoreError, open_store, resolve_url
from ..store.access import password_needed
from ._common import (
    EXIT_INVALID,
    campaign_id_or_fail,
    db_url,
    echo_problems,
    example_checklist,
    plugins_and_checklist,
)

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

_ = translator({
    "help": ("打开检查界面：不给任务时列出检查任务，给出任务（如 1-3）时直接打开该任务的检查记录。",
             "Open the inspectors' app: the task list, or straight into TASK (e.g. 1-3)."),
    "officer": ("只列出该执法检查人员（执法证号）参加的任务", "only tasks of this officer (执法证号)"),
    "campaign": ("实施方案文件：任务没有检查事项快照时使用（默认：示例）；与 --review 一起时也可给实施方案 id",
                 "campaign file, for tasks without a checklist snapshot (default: the example); "
                 "with --review also a campaign id"),
    "review_alone": ("--review 列出实施方案的全部已提交记录，不能与 {what} 同时使用（在汇总审核中输入名称或代码筛选）",
                     "--review lists every submitted record of a campaign and takes no {what} "
                     "(type a name or code in the review to filter)"),
    "review": ("打开汇总审核（联合抽查领导小组办公室）：已提交记录的结果、修改（须说明理由）和确认；"
               "默认最近一次抽取的实施方案",
               "open the office's review: the submitted records' results, overrides (with a "
               "reason) and settling; default: the campaign drawn last"),
})


@click.command(help=_("help"))
@click.argument("task", required=False)
@click.option("--officer", default=None, metavar="CERT_NO", help=_("officer"))
@click.option("--campaign", type=click.Path(path_type=str), default=None, help=_("campaign"))
@click.option("--review", is_flag=True, help=_("review"))
@click.pass_context
def inspect(ctx: click.Context, task: str | None, officer: str | None,
            campaign: str | None, review: bool) -> None:
    if review and (task is not None or officer is not None):
        raise click.UsageError(_("review_alone", what="TASK" if task is not None
                                 else "--officer"), ctx)
    review_id: str | bool = review
    if review and campaign is not None and not _is_file(campaign):
        review_id, campaign = campaign, None  # a campaign id
    # the office's review reads what the campaign made: a plugin gone since is no obstacle
    host, checklist = plugins_and_checklist(campaign, ctx, reading=review)
    if review and checklist is not None and checklist.campaign is not None:
        review_id = checklist.campaign.id
    engine, login_url = _open_or_login(ctx)

    def fallback():
        return example_checklist(host)

    try:
        loaded = None
        try:
            if engine is None:
                pass  # the app asks for the login first, then reads
            elif isinstance(review_id, str):
                review_id = campaign_id_or_fail(review_id, engine)  # JC122 when unknown
                if not list_tasks(engine, campaign=review_id):
                    raise RecordError([problem("JC848", campaign=review_id)])
            elif task is None:
                list_tasks(engine, officer=officer, task_ids=["-"])  # the store answers
            else:
                from jointcheck.tui.app import load_record

                loaded = load_record(engine, task, host, checklist, fallback)
        except RecordError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_INVALID)
        from jointcheck.tui.app import InspectApp

        app = InspectApp(engine, host=host, campaign=checklist, task_id=task, officer=officer,
                         loaded=loaded, fallback=fallback, review=review_id,
                         login_url=login_url)
        code = app.run()
        if app.store_open:
            engine = app.engine
    finally:
        if engine is not None:
            engine.dispose()
    sys.exit(code or 0)


def _open_or_login(ctx: click.Context) -> tuple[Engine | None, str | None]:
    """The store's Engine; or, for a server store that asks for a password none is
    configured for (URL, PGPASSWORD, .pgpass), None and the URL: the app asks for the
    login itself (docs/deployment.md). Any other problem is printed, exit 1."""
    try:
        return open_store(db_url(ctx)), None
    except StoreError as exc:
        if password_needed(exc.problem):
            return None, resolve_url(db_url(ctx))
        echo_problems([exc.problem])
        sys.exit(EXIT_INVALID)


def _is_file(value: str) -> bool:
    return Path(value).is_file()
