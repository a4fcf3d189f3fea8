"""Stores with submitted records that imply problems, for the referral and status tests:
``problems_store(url, tmp_path, submit=3)``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from recordsupport import Drawn, answer_all, drawn_store

from jointcheck.core.cli import main
from jointcheck.core.records import service as R


def mark(drawn: Drawn, tid: str, item_id: str, value: dict) -> None:
    """Store one item's answer (through the records service)."""
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    item = next(i for i in draft.items if i.id == item_id)
    R.save_answer(drawn.engine, tid, R.item_key(item), value,
                  expected=draft.version_of(R.item_key(item)), checklist=draft.checklist)


def problems_store(url: str, tmp_path: Path, *, count: int = 3, submit: int = 3) -> Drawn:
    """*count* tasks of the example campaign, every item answered (检查日期 2020-07-15):
    task 1 with two problems (the second corrected on the spot), task 2 with one, the rest
    without; the first *submit* tasks submitted. ``drawn.em``: the 应急管理局 item ids."""
    drawn = drawn_store(url, tmp_path, count=count)
    tids = drawn.task_ids
    for tid in tids:
        answer_all(drawn, tid)
    em = [i.id for i in drawn.checklist.items_of("emergency_mgmt")]
    mark(drawn, tids[0], em[0], {"result": "noncompliant", "note": "隐患排查治理台账缺失"})
    mark(drawn, tids[0], em[1], {"result": "noncompliant", "note": "灭火器过期",
                                 "corrected_on_site": True})
    mark(drawn, tids[1], em[2], {"result": "noncompliant", "note": "未建立安全生产责任制"})
    for tid in tids[:submit]:
        R.submit(drawn.engine, tid, host=drawn.host)
    drawn.em = em  # type: ignore[attr-defined]
    return drawn


def cli(drawn: Drawn, *args: str):
    """``jointcheck --db <the store> ARGS``."""
    return CliRunner().invoke(main, ["--db", drawn.engine.url.render_as_string(
        hide_password=False), *args])
