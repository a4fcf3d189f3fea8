"""Snapshot tests of the app's screens (pytest-textual-snapshot): plain ``def`` tests,
fixed terminal sizes, no cursor blink, no animations. Update after a deliberate change
with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the report."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("pytest_textual_snapshot")

from jointcheck.core import clock  # noqa: E402
from jointcheck.core.i18n import set_lang  # noqa: E402
from jointcheck.core.plugins import load_plugins  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from tui_support import build_store, make_app, opened_copy, pick_tasks  # noqa: E402

NARROW, WIDE = (80, 24), (120, 40)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("tui-snap"))


@pytest.fixture
def engine(template, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    yield from opened_copy(template, tmp_path)


def acting(*keys):
    """``run_before``: press *keys* (it runs before snap_compare's own presses), then stop
    cursors blinking and wait until every save is stored."""
    from textual.widgets import Input, TextArea

    async def run(pilot):
        from jointcheck.tui.screens.inspection import InspectionScreen

        while pilot.app.task_id and not isinstance(pilot.app.screen, InspectionScreen):
            await pilot.pause(0.05)
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        for widget in [*pilot.app.screen.query(Input), *pilot.app.screen.query(TextArea)]:
            widget.cursor_blink = False
        for screen in pilot.app.screen_stack:
            saver = getattr(screen, "saver", None)
            while saver is not None and (saver.pending or screen.save_state != "saved"):
                await pilot.pause(0.05)
        await pilot.pause()

    return run


async def _task_list_loaded(pilot):
    from jointcheck.tui.screens.tasks import TaskListScreen

    while not (isinstance(pilot.app.screen, TaskListScreen) and pilot.app.screen.tasks):
        await pilot.pause(0.05)
    await acting()(pilot)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_task_list(engine, snap_compare, size):
    # at 80 columns: 任务, 抽取序号, 状态, the name (cut with …) and the check date
    assert snap_compare(make_app(engine), terminal_size=size, run_before=_task_list_loaded)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_dashboard(engine, snap_compare, size, monkeypatch):
    from jointcheck.core.campaign import open_campaign
    from jointcheck.examples import example_path
    from jointcheck.tui.screens.dashboard import DashboardScreen

    # the dashboard counts from today (截至, 逾期 N 天), the day the snapshot was taken:
    # 23:30 UTC on the 5th is 2026-12-06 in Beijing, and the screen says so
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 5, 23, 30, tzinfo=UTC))

    async def run(pilot):
        await _task_list_loaded(pilot)
        await pilot.press("f2")
        for _ in range(600):  # at most 30 s
            if isinstance(pilot.app.screen, DashboardScreen) and pilot.app.screen.status:
                break
            await pilot.pause(0.05)
        await pilot.pause()

    app = make_app(engine)
    app.session.campaign = open_campaign(example_path()).checklist
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_help_screen(engine, snap_compare, size):
    app = make_app(engine, pick_tasks(engine)["special"])
    assert snap_compare(app, terminal_size=size, run_before=acting("question_mark"))


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_submit_dialog_with_referrals(engine, snap_compare, size):
    """Everything answered, item 1 不符合 not corrected: the dialog lists its referral."""
    from jointcheck.core.records import service as R

    task = pick_tasks(engine)["plain"]
    draft = R.load_draft(engine, task, host=load_plugins())
    values = {R.field_key("inspected_on"): "2020-07-15"}
    for n, item in enumerate(i for i in draft.checklist.items if draft.applies(i)):
        values[R.item_key(item)] = ({"result": "noncompliant", "note": "隐患排查治理台账缺失"}
                                    if n == 0 else {"result": "compliant"})
    for key, value in values.items():
        R.save_answer(engine, task, key, value, expected=draft.version_of(key),
                      checklist=draft.checklist)
    assert snap_compare(make_app(engine, task), terminal_size=size,
                        run_before=acting("ctrl+s"))


def test_item_note_editor_at_80_columns(engine, snap_compare):
    app = make_app(engine, pick_tasks(engine)["special"])
    assert snap_compare(app, terminal_size=NARROW, run_before=acting("2", "k", "enter"))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_inspection_screen(engine, snap_compare, lang, size):
    set_lang(lang)
    app = make_app(engine, pick_tasks(engine)["special"])
    # four items answered (one 不符合 corrected on the spot): the live result is 5
    assert snap_compare(app, terminal_size=size,
                        run_before=acting("1", "2", "k", "c", "j", "1", "1"))


def test_facts_dialog_at_80_columns(engine, snap_compare):
    """The correction form (f) in 24 rows: its facts scroll, OK and Cancel stay on screen."""
    app = make_app(engine, pick_tasks(engine)["special"])
    assert snap_compare(app, terminal_size=NARROW, run_before=acting("f"))


def test_legal_basis_panel_at_80_columns(engine, snap_compare):
    app = make_app(engine, pick_tasks(engine)["special"])
    assert snap_compare(app, terminal_size=NARROW, run_before=acting("j", "l"))


def test_submit_dialog_with_problems(engine, snap_compare):
    app = make_app(engine, pick_tasks(engine)["special"])
    assert snap_compare(app, terminal_size=WIDE, run_before=acting("1", "2", "ctrl+s"))


# -- the office's review ------------------------------------------------------------------

CLERK = "办公室张三"


@pytest.fixture
def reviewed(engine, monkeypatch):
    """Four of six tasks submitted and settled, then the first one's 应急管理局 result
    changed from 8 to 5 (which unsettles it), at a fixed time."""
    from tui_support import submit_for_review

    from jointcheck.core.records import results as RS

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2020, 7, 20, 9, 30, tzinfo=UTC))
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # times are shown local: 2020-07-20 17:30
    time.tzset()
    ids = submit_for_review(engine, load_plugins())
    RS.settle(engine, "hebi-2020-industrial-safety", allow_missing=True, actor=CLERK)
    RS.set_result(engine, ids[0], department="emergency_mgmt", result=5,
                  reason="经与应急管理局协商，问题已当场整改", actor=CLERK)
    return ids


@pytest.fixture(autouse=True)
def _local_time_zone_restored():
    yield
    time.tzset()  # after monkeypatch has put TZ back


def review_app(engine):
    from jointcheck.tui.app import InspectApp

    return InspectApp(engine, host=load_plugins(), actor=CLERK, review=True)


def reviewing(*keys, record: bool = False, modal: str | None = None):
    """``run_before`` for the review: wait for the list (and the record), press *keys*,
    wait for the dialog *modal* (a selector inside it), stop cursors blinking."""
    from textual.widgets import Input

    async def run(pilot):
        from jointcheck.tui.screens.review import ReviewRecordScreen, ReviewScreen

        while not (isinstance(pilot.app.screen, ReviewScreen) and pilot.app.screen.ready):
            await pilot.pause(0.05)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        if record:
            await pilot.press("enter")
            while not (isinstance(pilot.app.screen, ReviewRecordScreen)
                       and pilot.app.screen.row is not None):
                await pilot.pause(0.05)
        for key in keys:
            await pilot.press(key)
        while modal and not pilot.app.screen.query(modal):
            await pilot.pause(0.05)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_review_list(engine, reviewed, snap_compare, size):
    assert snap_compare(review_app(engine), terminal_size=size, run_before=reviewing())


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_review_record(engine, reviewed, snap_compare, size):
    assert snap_compare(review_app(engine), terminal_size=size,
                        run_before=reviewing(record=True))


def test_review_override_dialog_at_80_columns(engine, reviewed, snap_compare):
    assert snap_compare(review_app(engine), terminal_size=NARROW,
                        run_before=reviewing("r", record=True, modal="#reason"))


def test_review_settle_dialog_with_missing_records(engine, reviewed, snap_compare):
    assert snap_compare(review_app(engine), terminal_size=NARROW,
                        run_before=reviewing("ctrl+s", modal="#allow-missing"))


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "120x40"])
def test_login_dialog_as_served(snap_compare, size, monkeypatch):
    """What a browser tab of ``jointcheck serve`` opens on with a server store: the login
    dialog naming the server, no login suggested (the server's own user is nobody's)."""
    from textual.widgets import Input

    from jointcheck.tui.app import InspectApp
    from jointcheck.tui.modals.login import LoginModal

    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("JOINTCHECK_SERVED", "1")

    async def run(pilot):
        while not isinstance(pilot.app.screen, LoginModal):
            await pilot.pause(0.05)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    app = InspectApp(None, host=load_plugins(), login_url="postgresql+psycopg://db.example:5432/jc")
    assert snap_compare(app, terminal_size=size, run_before=run)
