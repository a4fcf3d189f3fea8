"""The office's review in the app (汇总审核, ``jointcheck inspect --review`` or F3 on the
task list) driven through Textual's Pilot on every engine: only submitted records are
listed; overrides need a reason and land in ``results list`` and the audit log with the
computed value kept; dispositions are added and removed; settling is refused while
records are missing unless explicitly confirmed; store errors are shown, nothing lost."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

pytest.importorskip("textual")

from click.testing import CliRunner  # noqa: E402
from textual.widgets import Button, Checkbox, DataTable, Input, OptionList, Static  # noqa: E402

from jointcheck.core.cli import main  # noqa: E402
from jointcheck.core.records import results as RS  # noqa: E402
from jointcheck.core.store import audit  # noqa: E402
from jointcheck.tui.app import InspectApp  # noqa: E402
from jointcheck.tui.modals.override import OverrideModal  # noqa: E402
from jointcheck.tui.modals.settle import SettleModal  # noqa: E402
from jointcheck.tui.screens.review import ReviewRecordScreen, ReviewScreen  # noqa: E402
from tests.recordsupport import CAMPAIGN_ID, drawn_store, submit_task  # noqa: E402
from tests.tui_support import until  # noqa: E402

EM, MS = "emergency_mgmt", "market_supervision"
CLERK = "办公室张三"
REASON = "经与应急管理局协商，问题已当场整改"


@pytest.fixture
def drawn(store_url, tmp_path):
    """Three drawn tasks: the first submitted with a problem left for follow-up in each
    department (result 8, 责令改正、立案处理), the second submitted without problems, the
    third not submitted."""
    d = drawn_store(store_url, tmp_path, count=3)
    submit_task(d, d.task_ids[0], noncompliant=1)
    submit_task(d, d.task_ids[1])
    yield d
    d.engine.dispose()


def review_app(drawn, **kw) -> InspectApp:
    kw.setdefault("review", CAMPAIGN_ID)
    return InspectApp(drawn.engine, host=drawn.host, actor=CLERK, **kw)



async def review_list(pilot) -> ReviewScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen)
                and pilot.app.screen.ready)
    return pilot.app.screen


async def open_record(pilot, task_id: str) -> ReviewRecordScreen:
    screen = await review_list(pilot)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(task_id))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ReviewRecordScreen)
                and pilot.app.screen.row is not None)
    return pilot.app.screen


async def choose_target(pilot, screen: ReviewRecordScreen, code: str | None) -> None:
    targets = screen.query_one(OptionList)
    wanted = code or "joint"
    targets.highlighted = next(i for i in range(targets.option_count)
                               if targets.get_option_at_index(i).id == wanted)
    await pilot.pause()


async def override(pilot, key: str, value: str, reason: str) -> OverrideModal:
    """Press *key* on the record screen, choose *value* in the dialog, type *reason* and
    confirm; returns the dialog."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, OverrideModal)
                and pilot.app.screen.query(OptionList))
    modal = pilot.app.screen
    options = modal.query_one(OptionList)
    options.highlighted = next(i for i in range(options.option_count)
                               if options.get_option_at_index(i).id == value)
    options.focus()
    await pilot.press("enter")  # chosen: the focus moves to the reason
    await until(pilot, lambda: modal.query_one("#reason", Input).has_focus)
    modal.query_one("#reason", Input).insert_text_at_cursor(reason)  # as an IME commits it
    await pilot.press("enter")
    return modal


def cells(table: DataTable, key: str) -> list[str]:
    return [str(c) for c in table.get_row(key)]


def row_of(drawn, task_id: str) -> RS.Consolidated:
    (row,) = RS.load(drawn.engine, "", tasks=[RS._task(drawn.engine, task_id)])
    return row


def overrides_in_audit(drawn) -> list[dict]:
    with drawn.engine.connect() as conn:
        return [e for e in audit.entries(conn) if e["action"] == "results.override"]


def results_json(drawn) -> dict[str, dict]:
    url = drawn.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(main, ["--db", url, "results", "list", CAMPAIGN_ID,
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    return {r["task"]: r for r in json.loads(out.output)}


def test_the_review_lists_only_submitted_records_and_filters_as_you_type(drawn):
    first, second, third = drawn.task_ids

    async def run():
        async with review_app(drawn).run_test(size=(120, 40)) as pilot:
            screen = await review_list(pilot)
            table = screen.query_one(DataTable)
            ids = [str(table.coordinate_to_cell_key((i, 0))[0].value)
                   for i in range(table.row_count)]
            assert ids == [first, second]  # the third has no submitted record
            counts = str(screen.query_one("#review-counts", Static).render())
            assert "已抽取 3 户 · 已提交 2 户 · 未提交 1 户 · 已确认 0 户" in counts
            header = [str(c.label) for c in table.columns.values()]
            assert header == ["任务", "市场主体名称", "应急管理局", "市市场监管局", "抽查结果",
                              "处理结果", "确认"]
            assert cells(table, first)[2:] == ["8", "8", "8", "责令改正、立案处理", "未确认"]
            for ch in "立案":
                await pilot.press(ch)
            await until(pilot, lambda: table.row_count == 1)
            assert str(table.coordinate_to_cell_key((0, 0))[0].value) == first

    asyncio.run(run())


def test_an_override_with_a_reason_shows_in_results_list_and_the_audit_log(drawn):
    first = drawn.task_ids[0]

    async def run():
        async with review_app(drawn).run_test(size=(120, 40)) as pilot:
            screen = await open_record(pilot, first)
            await choose_target(pilot, screen, EM)
            await override(pilot, "r", "5", REASON)
            await until(pilot, lambda: screen.row is not None and screen.row.overrides)
            text = "\n".join(str(o.prompt) for o in screen.query_one(OptionList).options)
            assert "计算：8. 发现问题待后续处理" in text and "修改：5. 发现问题已责令改正" in text
            await pilot.press("escape")
            listing = await review_list(pilot)
            table = listing.query_one(DataTable)
            await until(pilot, lambda: table.row_count and cells(table, first)[2] == "8→5*")

    asyncio.run(run())
    em = results_json(drawn)[first]["results"]["departments"][EM]
    assert em["computed"] == {"code": 8, "text": "发现问题待后续处理"}
    assert em["result"] == {"code": 5, "text": "发现问题已责令改正"}
    assert em["overrides"][0]["reason"] == REASON and em["overrides"][0]["actor"] == CLERK
    (entry,) = overrides_in_audit(drawn)
    assert entry["actor"] == CLERK and entry["payload"]["reason"] == REASON
    assert entry["payload"]["change"] == {"result": 5} and entry["payload"]["department"] == EM


def test_an_empty_reason_is_refused_and_nothing_is_written(drawn):
    first = drawn.task_ids[0]

    async def run():
        async with review_app(drawn).run_test(size=(80, 24)) as pilot:
            screen = await open_record(pilot, first)
            await choose_target(pilot, screen, None)  # the joint result
            modal = await override(pilot, "enter", "1", "   ")  # enter works as r
            error = modal.query_one("#form-error")
            await until(pilot, lambda: error.display and "理由不能为空" in str(error.render()))
            assert pilot.app.screen is modal  # still open
            await pilot.press("escape")
            await until(pilot, lambda: pilot.app.screen is screen)

    asyncio.run(run())
    assert row_of(drawn, first).overrides == []
    assert overrides_in_audit(drawn) == []


def test_dispositions_are_removed_and_added_with_a_reason(drawn):
    first = drawn.task_ids[0]

    async def run():
        async with review_app(drawn).run_test(size=(120, 40)) as pilot:
            screen = await open_record(pilot, first)
            await choose_target(pilot, screen, EM)
            await override(pilot, "x", "立案处理", "情节轻微，不予立案")
            await until(pilot, lambda: len(screen.row.overrides) == 1)
            await override(pilot, "a", "函告许可部门", "涉及许可事项")
            await until(pilot, lambda: len(screen.row.overrides) == 2)
            # dispositions belong to a department: on the joint result nothing opens
            await choose_target(pilot, screen, None)
            await pilot.press("a")
            await pilot.pause()  # the key is handled: nothing opens
            assert pilot.app.screen is screen

    asyncio.run(run())
    res = results_json(drawn)[drawn.task_ids[0]]["results"]
    em = res["departments"][EM]
    assert em["computed_dispositions"] == ["责令改正", "立案处理"]
    assert em["dispositions"] == ["责令改正", "函告许可部门"]
    # 处理结果 is the union: 市市场监管局 still proposes 立案处理
    assert res["dispositions"] == ["责令改正", "立案处理", "函告许可部门"]
    changes = [e["payload"]["change"] for e in overrides_in_audit(drawn)]
    assert changes == [{"remove": ["立案处理"]}, {"add": ["函告许可部门"]}]


def test_settling_with_missing_records_is_refused_then_allowed_on_confirmation(drawn):
    first, second, third = drawn.task_ids

    async def run():
        async with review_app(drawn).run_test(size=(120, 40)) as pilot:
            screen = await review_list(pilot)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(pilot.app.screen, SettleModal)
                        and pilot.app.screen.query("#ok"))
            modal = pilot.app.screen
            text = str(modal.query_one("#settle-missing-text", Static).render())
            assert "还有 1 户企业没有已提交的检查记录" in text
            missing = modal.query_one("#missing", OptionList)
            assert missing.option_count == 1 and third in str(missing.get_option_at_index(0).prompt)
            await pilot.click("#ok")
            await until(pilot, lambda: "请先勾选" in str(
                modal.query_one("#form-error", Static).render()))
            assert pilot.app.screen is modal
            assert not any(r.is_settled for r in RS.load(drawn.engine, CAMPAIGN_ID))
            modal.query_one("#allow-missing", Checkbox).value = True
            modal.query_one("#ok", Button).press()  # wherever the error line moved it
            await until(pilot, lambda: pilot.app.screen is screen)
            table = screen.query_one(DataTable)
            await until(pilot, lambda: table.row_count and cells(table, first)[-1] == "已确认")
            counts = str(screen.query_one("#review-counts", Static).render())
            assert "已确认 2 户" in counts

    asyncio.run(run())
    rows = {r.task.id: r for r in RS.load(drawn.engine, CAMPAIGN_ID)}
    assert rows[first].is_settled and rows[second].is_settled and not rows[third].is_settled
    assert rows[first].settled_by == CLERK


def test_after_settling_an_amendment_and_an_override_unsettle_and_the_app_says_so(drawn):
    from jointcheck.core.records.service import start_amendment, submit

    first, second = drawn.task_ids[:2]
    RS.settle(drawn.engine, CAMPAIGN_ID, allow_missing=True)
    start_amendment(drawn.engine, second, "检查日期填错", actor="组长")
    submit(drawn.engine, second, host=drawn.host)  # version 2: settled was version 1

    async def run():
        app = review_app(drawn)
        async with app.run_test(size=(120, 40)) as pilot:
            listing = await review_list(pilot)
            table = listing.query_one(DataTable)
            assert cells(table, first)[-1] == "已确认"
            assert cells(table, second)[-1] == "已修改，待重新确认"
            assert "确认后修改 1 户" in str(listing.query_one("#review-counts", Static).render())
            screen = await open_record(pilot, first)
            assert "已确认" in str(screen.query_one("#record-heading", Static).render())
            notes: list[str] = []
            app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore
            await choose_target(pilot, screen, EM)
            await override(pilot, "r", "5", REASON)
            await until(pilot, lambda: any("解除确认" in n for n in notes))
            # the settlement the override undid stays visible: settle again
            await until(pilot, lambda: "已修改，待重新确认" in str(
                screen.query_one("#record-heading", Static).render()))

    asyncio.run(run())
    assert not row_of(drawn, first).is_settled


def test_a_record_amended_meanwhile_is_refused_and_shown_as_it_is_now(drawn):
    from jointcheck.core.records.service import start_amendment

    first = drawn.task_ids[0]

    async def run():
        app = review_app(drawn)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_record(pilot, first)
            start_amendment(drawn.engine, first, "检查日期填错", actor="组长")
            notes: list[str] = []
            app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore
            await choose_target(pilot, screen, EM)
            await override(pilot, "r", "5", REASON)
            await until(pilot, lambda: any("JC853" in n for n in notes))
            assert "已被修改" in notes[-1] and "修改中" in notes[-1]
            await until(pilot, lambda: "修改中" in str(
                screen.query_one("#record-heading", Static).render()))

    asyncio.run(run())
    assert overrides_in_audit(drawn) == []


def test_a_busy_store_keeps_the_dialog_and_the_reason(sqlite_url, tmp_path, monkeypatch):
    """SQLite's busy timeout, shortened: the write gives up while an import holds the
    lock; the dialog comes back with the reason typed and the store's sentence."""
    import jointcheck.core.store as store

    store.upgrade(sqlite_url)
    drawn = drawn_store(sqlite_url, tmp_path, count=3)
    submit_task(drawn, drawn.task_ids[0], noncompliant=1)

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    engine = store.open_store(drawn.engine.url.render_as_string(hide_password=False))
    first = drawn.task_ids[0]
    release, locked = threading.Event(), threading.Event()

    def hold_write_lock():
        with store.begin_write(drawn.engine):
            locked.set()
            release.wait(10)

    async def run():
        app = InspectApp(engine, host=drawn.host, actor=CLERK, review=CAMPAIGN_ID)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_record(pilot, first)
            holder = threading.Thread(target=hold_write_lock)
            holder.start()
            locked.wait(5)
            await choose_target(pilot, screen, EM)
            await override(pilot, "r", "5", REASON)
            await until(pilot, lambda: isinstance(pilot.app.screen, OverrideModal)
                        and pilot.app.screen.error)
            modal = pilot.app.screen
            await until(pilot, lambda: modal.query("#reason") and modal.query_one(
                "#reason", Input).has_focus)  # mounted, the reason focused
            assert "数据库正忙" in modal.error
            assert modal.query_one("#reason", Input).value == REASON
            release.set()
            holder.join()
            await pilot.click("#ok")
            await until(pilot, lambda: screen.row.overrides)

    try:
        asyncio.run(run())
        assert [e["payload"]["reason"] for e in overrides_in_audit(drawn)] == [REASON]
    finally:
        engine.dispose()
        drawn.engine.dispose()


def test_f3_on_the_task_list_opens_the_review_and_the_keys_are_listed(drawn):
    from jointcheck.core.i18n import set_lang

    async def run(lang, review_key, settle_key):
        set_lang(lang)
        app = InspectApp(drawn.engine, host=drawn.host, actor=CLERK)
        async with app.run_test(size=(120, 40)) as pilot:
            from jointcheck.tui.screens.tasks import TaskListScreen

            await until(pilot, lambda: isinstance(app.screen, TaskListScreen)
                        and app.screen.tasks)
            assert ("F3", review_key) in app.binding_rows(app.screen)
            await pilot.press("f3")
            screen = await review_list(pilot)
            assert screen.campaign == CAMPAIGN_ID
            assert ("^s", settle_key) in app.binding_rows(screen)
            assert settle_key in [c.title for c in app.get_system_commands(screen)]
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, TaskListScreen))

    asyncio.run(run("zh", "汇总审核", "确认结果"))
    asyncio.run(run("en", "Review results", "Settle"))


def test_inspect_review_with_an_unknown_campaign_is_refused_before_the_app_starts(drawn):
    url = drawn.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(main, ["--db", url, "inspect", "--review", "--campaign",
                                    "no-such-campaign"])
    assert out.exit_code == 1 and "JC122" in out.output and "Traceback" not in out.output
    # the review takes the whole campaign: a task or an officer beside it is a usage error
    for extra in (["1-1"], ["--officer", "41061000002"]):
        out = CliRunner().invoke(main, ["--db", url, "inspect", "--review", *extra])
        assert out.exit_code == 2 and "--review" in out.output, out.output
        assert ("TASK" if extra == ["1-1"] else "--officer") in out.output
