"""The app's dashboard (F2 on the task list): a bar per stage and the overdue steps first,
from the same core.status as ``jointcheck status``."""

from __future__ import annotations

import asyncio
import time

import pytest

pytest.importorskip("textual")

from referralsupport import problems_store  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from jointcheck.core.store import upgrade  # noqa: E402
from jointcheck.tui.app import InspectApp  # noqa: E402
from jointcheck.tui.screens.dashboard import DashboardScreen  # noqa: E402


def test_f2_opens_the_dashboard_with_overdue_steps_first(sqlite_url, tmp_path):
    upgrade(sqlite_url)
    drawn = problems_store(sqlite_url, tmp_path, submit=2)

    async def run():
        app = InspectApp(drawn.engine, host=drawn.host, campaign=drawn.checklist, actor="t")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            end = time.monotonic() + 10
            while not (isinstance(app.screen, DashboardScreen) and app.screen.status):
                assert time.monotonic() < end, "the dashboard did not load"
                await pilot.pause(0.05)
            screen = app.screen
            stages = screen.query_one("#stages", DataTable)
            rows = {stages.get_row_at(i)[0]: stages.get_row_at(i)[1:]
                    for i in range(stages.row_count)}
            assert rows["已抽取"][0] == "3"
            assert rows["已提交"][0] == "2" and rows["已提交"][1].count("█") == 13
            assert rows["记录草稿"][0] == "1"
            assert rows["已汇总确定"][0] in ("—", "0")
            # what is left to do, with the command, as jointcheck status lists it
            pending = str(screen.query_one("#pending").render())
            assert "2 户已提交的结果尚未确定" in pending
            assert "jointcheck results settle hebi-2020-industrial-safety" in pending
            due = screen.query_one("#due", DataTable)
            first, second = due.get_row_at(0), due.get_row_at(1)
            # the draft's record was due 2020-07-27, the letter for the two problems of the
            # submitted records 2020-08-10: both long overdue today, the older first
            assert first[0].startswith("逾期") and first[1:] == [
                "2020-07-27", "移交记录表", "1", "检查组"]
            assert second[1:] == ["2020-08-10", "移交问题线索", "2",
                                  "市“双随机、一公开”工作领导小组办公室"]
            assert due.display and not screen.query_one("#none-due").display
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, DashboardScreen)

    try:
        asyncio.run(run())
    finally:
        drawn.engine.dispose()
