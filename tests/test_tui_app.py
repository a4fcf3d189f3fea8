"""The inspectors' app driven by keyboard through Textual's Pilot: the whole flow from
opening a task to amending the submitted record, with every answer checked in the store."""

from __future__ import annotations

import asyncio
import threading

import pytest

pytest.importorskip("textual")

from textual.widgets import Input, OptionList, TextArea  # noqa: E402
from tui_support import (  # noqa: E402
    build_store,
    make_app,
    opened_copy,
    pick_tasks,
    settled,
    until,
)

from jointcheck.core.plugins import load_plugins  # noqa: E402
from jointcheck.core.records.service import (  # noqa: E402
    load_draft,
    save_answer,
    versions,
)
from jointcheck.tui.app import Crashed  # noqa: E402
from jointcheck.tui.screens.inspection import InspectionScreen  # noqa: E402
from jointcheck.tui.screens.tasks import TaskListScreen  # noqa: E402

NOTE = "两台灭火器压力不足，已当场更换。"


@pytest.fixture(scope="session")
def store_template(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("tui-store"))


@pytest.fixture
def engine(store_template, tmp_path):
    yield from opened_copy(store_template, tmp_path)


@pytest.fixture
def tasks(engine):
    return pick_tasks(engine)


def stored(engine, task_id):
    return load_draft(engine, task_id, host=load_plugins())


def results(screen: InspectionScreen) -> tuple[dict[str, int], int]:
    r = screen._result
    return {code: d.code for code, d in r.departments.items()}, r.code


def test_the_whole_flow_by_keyboard(engine, tasks):
    task = tasks["special"]

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            items = screen.items
            checklist = screen.draft.checklist
            assert items.current == checklist.items[0]  # a fresh task starts on item 1
            assert "草稿 0/12" in screen.sub_title or "待检查" in screen.sub_title

            # every item by keyboard: 1 符合 marks and advances
            await pilot.press(*["1"] * 12)
            screen = await settled(pilot)
            assert results(screen)[1] == 1  # 1. 未发现问题
            assert "联合抽查结果：1. 未发现问题" in str(screen.query_one("#results").render())
            draft = stored(engine, task)
            assert [draft.item_answer(i)["result"] for i in checklist.items] == ["compliant"] * 12
            assert "已保存" in screen.sub_title and "12/12" in screen.sub_title

            # item 2 不符合 and corrected on the spot: 5. 发现问题已责令改正
            await pilot.press("home", "j", "2")
            assert items.current == checklist.items[2]  # marking advanced
            await pilot.press("k", "c")
            await settled(pilot)
            assert results(screen) == ({"emergency_mgmt": 5, "market_supervision": 1}, 5)

            # the note, typed with full-width punctuation (inserted: Pilot drops ，。)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen.focused, TextArea))
            app.screen.focused.insert(NOTE)
            # stored while typing (debounced), before closing
            await until(pilot, lambda: (stored(engine, task).item_answer(checklist.items[1])
                                        or {}).get("note") == NOTE)
            await pilot.press("ctrl+s")
            screen = await settled(pilot)
            answer = stored(engine, task).item_answer(checklist.items[1])
            assert answer == {"result": "noncompliant", "corrected_on_site": True, "note": NOTE}
            # the note already says it was put right on the spot: said once
            assert NOTE.rstrip("。") + "。" in screen.opinion()
            assert "已当场整改" not in screen.opinion()

            # not corrected: 8. 发现问题待后续处理
            await pilot.press("c")
            screen = await settled(pilot)
            assert results(screen)[1] == 8
            assert "立案处理" in str(screen.query_one("#results").render())

            # visit outcome 无法联系: 4
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen.focused, OptionList)
                        and app.screen is not screen)
            await pilot.press("down", "enter")
            screen = await settled(pilot)
            assert results(screen)[1] == 4
            assert stored(engine, task).field("outcome") == "unreachable"
            await pilot.press("v")
            await until(pilot, lambda: app.screen is not screen)
            await pilot.press("up", "enter")
            screen = await settled(pilot)
            assert results(screen)[1] == 8

            # submit with problems: the check date is missing; choosing it opens the date
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query("#problems"))
            problems = app.screen.query_one("#problems", OptionList)
            texts = [str(problems.get_option_at_index(i).prompt)
                     for i in range(problems.option_count)]
            assert any("检查日期" in t for t in texts), texts
            problems.highlighted = next(i for i, t in enumerate(texts) if "检查日期" in t)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen.focused, Input))
            app.screen.focused.value = "2020-07-15"
            await pilot.press("enter")
            screen = await settled(pilot)
            assert stored(engine, task).field("inspected_on") == "2020-07-15"

            # submit without problems: the record becomes read-only, version 1
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query("#submit"))
            assert not app.screen.query_one("#problems").display
            await pilot.click("#submit")
            await until(pilot, lambda: isinstance(app.screen, InspectionScreen)
                        and app.screen.readonly)
            screen = app.screen
            assert [v.version for v in versions(engine, task)] == [1]
            assert "已提交" in screen.sub_title and "只读" in screen.sub_title
            assert "第 1 版" in str(screen.query_one("#visit").render())
            await pilot.press("1", "c")  # nothing changes a submitted record
            assert stored(engine, task).item_answer(checklist.items[0]) is not None

            # amend: the reason, then editable; submitting stores version 2
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen.focused, Input))
            app.screen.focused.value = "更正检查日期"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, InspectionScreen)
                        and not app.screen.readonly)
            screen = await settled(pilot)
            assert "修改中" in screen.sub_title
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen.focused, Input))
            app.screen.focused.value = "2020-07-16"
            await pilot.press("enter")
            await settled(pilot)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query("#submit"))
            await pilot.click("#submit")
            await until(pilot, lambda: isinstance(app.screen, InspectionScreen)
                        and app.screen.readonly and len(app.screen.loaded.history) == 2)
            history = versions(engine, task)
            assert [v.version for v in history] == [1, 2]
            assert history[1].reason == "更正检查日期"
            assert history[1].record["findings"]["inspected_on"] == "2020-07-16"

    asyncio.run(run())


def test_a_target_without_special_equipment_gives_result_7_and_the_item_stays_visible(
        engine, tasks):
    task = tasks["plain"]

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)
            # the four 应急管理局 items apply; the eight special-equipment ones do not
            await pilot.press(*["1"] * 4)
            screen = await settled(pilot)
            assert results(screen) == ({"emergency_mgmt": 1, "market_supervision": 7}, 1)
            assert "0/4" not in screen.sub_title and "4/4" in screen.sub_title
            ms_item = screen.draft.checklist.items_of("market_supervision")[0]
            screen.items.go_to(ms_item)
            await pilot.press("2")  # cannot be 不符合: it does not apply
            assert stored(engine, task).item_answer(ms_item) is None
            await pilot.pause()
            assert "（不适用于该企业）" in app.export_screenshot()

    asyncio.run(run())


def test_reopening_resumes_after_the_last_item_touched(engine, tasks):
    task = tasks["special"]

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await pilot.press("1", "1", "2", "1", "1")
            await settled(pilot)
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            assert screen.items.current == screen.draft.checklist.items[5]

    asyncio.run(run())


def test_the_legal_basis_panel_folds_away_at_80_columns_and_l_toggles_it(engine, tasks):
    async def run():
        app = make_app(engine, tasks["special"])
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)
            legal = screen.query_one("#legal")
            assert not legal.display or legal.region.width == 0
            await pilot.press("l")
            await pilot.pause()
            assert legal.region.width > 0
            text = str(screen.query_one("#legal-text").render())
            assert "法律依据（参考，非实施方案原文）" in text and "《中华人民共和国安全生产法》" in text
        app = make_app(engine, tasks["special"])
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            assert screen.query_one("#legal").region.width > 0
            await pilot.press("l")
            await pilot.pause()
            assert screen.query_one("#legal").region.width == 0

    asyncio.run(run())


def test_the_task_list_filters_as_you_type_and_opens_a_task(engine, tasks):
    async def run():
        app = make_app(engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, TaskListScreen)
                        and app.screen.tasks)
            screen = app.screen
            table = screen.query_one("DataTable")
            assert table.row_count == 6
            wanted = next(t for t in screen.tasks if t.id == tasks["special"])
            await pilot.press(*wanted.credit_code[-6:])
            await pilot.pause()
            assert table.row_count == 1
            await pilot.press("enter")
            inspection = await settled(pilot)
            assert inspection.draft.task.id == wanted.id
            await pilot.press("1")
            await settled(pilot)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, TaskListScreen))
            await until(pilot, lambda: "草稿 1/12" in str(table.get_row(wanted.id)))

    asyncio.run(run())


def test_help_and_command_palette_list_the_bindings_in_the_ui_language(engine, tasks):
    from jointcheck.core.i18n import set_lang

    async def run(lang, expected):
        set_lang(lang)
        app = make_app(engine, tasks["special"])
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            rows = app.binding_rows(screen)
            assert ("1", expected) in rows
            commands = [c.title for c in app.get_system_commands(screen)]
            assert expected in commands
            await pilot.press("question_mark")
            await until(pilot, lambda: app.screen.query("#keys"))
            assert app.screen.query_one("#keys").row_count == len(app.binding_rows(screen))

    asyncio.run(run("zh", "符合"))
    asyncio.run(run("en", "符合 (compliant)"))


def test_a_busy_store_delays_a_mark_honestly_and_loses_nothing(engine, tasks, monkeypatch):
    import jointcheck.tui.screens.inspection as screen_module

    monkeypatch.setattr(screen_module, "BUSY_AFTER", 0.2)
    task = tasks["special"]
    release = threading.Event()
    locked = threading.Event()

    def hold_write_lock():  # as an import does while it writes
        from jointcheck.core.store import begin_write

        with begin_write(engine):
            locked.set()
            release.wait(10)

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            holder = threading.Thread(target=hold_write_lock)
            holder.start()
            locked.wait(5)
            await pilot.press("1")
            await until(pilot, lambda: screen.save_state == "busy")
            assert "未保存（数据库忙，正在重试）" in screen.sub_title
            await pilot.press("2")  # the UI keeps responding
            assert screen.draft.item_answer(screen.draft.checklist.items[1])["result"] == \
                "noncompliant"
            release.set()
            holder.join()
            await settled(pilot)
            assert "已保存" in screen.sub_title
        draft = stored(engine, task)
        assert draft.item_answer(draft.checklist.items[0])["result"] == "compliant"
        assert draft.item_answer(draft.checklist.items[1])["result"] == "noncompliant"

    asyncio.run(run())


def test_the_review_says_a_busy_store_apart_from_other_store_errors(tmp_path):
    """The review's writes (an override, settling) show SQLite's "database is locked" as
    the busy sentence, any other driver error with its own words, and leave a bug alone."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from jointcheck.tui.screens.review import store_failure

    holder = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(tmp_path / "s.db", timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as missing:
        other.execute("SELECT * FROM nowhere")
    holder.close()
    other.close()
    assert store_failure(OperationalError("BEGIN", {}, locked.value)) == [
        "数据库正忙（另一项写入正在进行），修改未保存，请稍后再试。"]
    assert store_failure(OperationalError("SELECT", {}, missing.value)) == [
        "无法读写数据库：no such table: nowhere"]
    assert store_failure(ValueError("a bug")) is None


def test_an_edit_by_another_officer_is_shown_and_the_choice_is_kept(engine, tasks):
    task = tasks["special"]

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            first = screen.draft.checklist.items[0]
            save_answer(engine, task, f"item:{first.key}", {"result": "noncompliant",
                        "note": "对方填写"}, expected=0, checklist=screen.draft.checklist,
                        actor="officer-b")
            await pilot.press("1")
            await until(pilot, lambda: app.screen.query("#keep-mine"))
            assert "对方填写" in str(app.screen.query_one("#theirs").render())
            await pilot.click("#keep-mine")
            await settled(pilot)
        answer = stored(engine, task).answers[f"item:{first.key}"]
        assert answer.value == {"result": "compliant"} and answer.version == 2

    asyncio.run(run())


def test_an_unexpected_error_is_logged_and_shown_as_one_sentence(engine, tasks, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("JOINTCHECK_LOG_DIR", str(tmp_path / "logs"))
    task = tasks["special"]

    async def run():
        app = make_app(engine, task)
        with pytest.raises(Crashed) as caught:
            async with app.run_test(size=(120, 40)) as pilot:
                await settled(pilot)
                await pilot.press("1", "1")
                await settled(pilot)
                monkeypatch.setattr(InspectionScreen, "action_opinion",
                                    lambda self: 1 / 0)
                await pilot.press("o")
                await pilot.pause()
        return caught.value

    crashed = asyncio.run(run())
    logs = list((tmp_path / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and "ZeroDivisionError" in logs[0].read_text(encoding="utf-8")
    assert str(logs[0]) in crashed.sentence and "\n" not in crashed.sentence
    assert stored(engine, task).progress()[0] == 2


def test_the_check_date_field_rejects_a_bad_date(engine, tasks):
    async def run():
        app = make_app(engine, tasks["special"])
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen.focused, Input))
            app.screen.focused.value = "2020-7-1"
            await pilot.press("enter")
            await pilot.pause()
            assert "YYYY-MM-DD" in str(app.screen.query_one("#form-error").render())
            await pilot.press("escape")
            await settled(pilot)
        assert stored(engine, tasks["special"]).field("inspected_on") is None

    asyncio.run(run())


def test_officers_present_are_chosen_and_too_few_block_submission(engine, tasks):
    task = tasks["plain"]

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            team = screen.draft.task.team
            assert screen.draft.officers_present() == [m.cert_no for m in team]
            await pilot.press("p")
            await until(pilot, lambda: app.screen.query("#picks"))
            await pilot.press("space")  # the first member (组长, 应急管理局) is not present
            await pilot.click("#ok")
            screen = await settled(pilot)
        draft = stored(engine, task)
        assert draft.officers_present() == [m.cert_no for m in team[1:]]
        assert "JC812" in [p.code for p in draft.check()]

    asyncio.run(run())


def test_correcting_the_enterprise_facts_on_site_changes_which_items_apply(engine, tasks):
    """The library says no special equipment; the team finds some: f corrects the fact,
    the eight special-equipment items apply at once, the correction is stored with the
    record, and setting it back to the library's value withdraws it."""
    from textual.widgets import Select

    task = tasks["plain"]
    ms_items = None

    async def run():
        nonlocal ms_items
        app = make_app(engine, task)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)
            ms_items = screen.draft.checklist.items_of("market_supervision")
            assert not any(screen.draft.applies(i) for i in ms_items)
            assert "0/4" in screen.sub_title
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen.focused, Select))
            app.screen.focused.value = "yes"
            phone = app.screen.query_one("#f-phone", Input)
            phone.value = "13900000000"
            await pilot.click("#ok")
            screen = await settled(pilot)
            assert all(screen.draft.applies(i) for i in ms_items)
            assert "0/12" in screen.sub_title
            # the header of 附件4 (shown at 120 columns) shows the corrected phone
            header = str(screen.query_one("#enterprise-full").render())
            assert "联系电话 13900000000" in header
            # a special-equipment item can now be 不符合
            screen.items.go_to(ms_items[0])
            await pilot.press("2")
            screen = await settled(pilot)
        draft = stored(engine, task)
        assert draft.field("target") == {"uses_special_equipment": True,
                                         "phone": "13900000000"}
        assert draft.item_answer(ms_items[0])["result"] == "noncompliant"

        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            assert all(screen.draft.applies(i) for i in ms_items)
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen.focused, Select))
            app.screen.focused.value = "no"  # the library's value: no correction
            app.screen.query_one("#f-phone", Input).value = ""  # emptied: the library's
            await pilot.click("#ok")
            screen = await settled(pilot)
            assert not any(screen.draft.applies(i) for i in ms_items)
        assert stored(engine, task).field("target") is None

    asyncio.run(run())


def test_their_facts_kept_in_a_conflict_redraw_which_items_apply(engine, tasks):
    """Another officer corrected the enterprise's facts (no special equipment after all)
    while this one corrected its phone: keeping theirs in the conflict greys out the
    special-equipment items at once, as the officer's own correction would."""
    from textual.widgets import Select

    from jointcheck.core.records.service import field_key

    task = tasks["special"]

    def shown(screen, item) -> str:
        index = screen.items.index_of[item.key]
        return screen.items.get_option_at_index(index).prompt._renderable.body.plain

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settled(pilot)
            ms_items = screen.draft.checklist.items_of("market_supervision")
            assert all(screen.draft.applies(i) for i in ms_items)
            save_answer(engine, task, field_key("target"), {"uses_special_equipment": False},
                        expected=0, checklist=screen.draft.checklist, actor="officer-b")
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen.focused, Select))
            app.screen.query_one("#f-phone", Input).value = "13900000000"
            await pilot.click("#ok")
            await until(pilot, lambda: app.screen.query("#keep-theirs"))
            await pilot.click("#keep-theirs")
            screen = await settled(pilot)
            assert not any(screen.draft.applies(i) for i in ms_items)
            assert all("不适用于该企业" in shown(screen, i) for i in ms_items)
        assert stored(engine, task).field("target") == {"uses_special_equipment": False}

    asyncio.run(run())


def test_a_mistyped_fact_correction_is_refused_by_the_store(engine, tasks):
    """The service refuses a correction naming an unknown attribute or a value of the
    wrong type: either would silently change which items apply."""
    from jointcheck.core.records.service import RecordError, field_key

    task = tasks["plain"]
    checklist = stored(engine, task).checklist
    for value, code in (({"uses_special_equipmnt": True}, "JC821"),
                        ({"uses_special_equipment": "是"}, "JC507")):
        with pytest.raises(RecordError) as exc:
            save_answer(engine, task, field_key("target"), value, expected=0,
                        checklist=checklist, actor="tester")
        assert [p.code for p in exc.value.problems] == [code]
        if code == "JC821":
            assert "uses_special_equipment" in (exc.value.problems[0].hint or "")
    assert stored(engine, task).field("target") is None


def test_every_submitted_version_can_be_read_and_only_the_newest_amended(engine, tasks):
    """h lists the submitted versions; an older one opens read-only over its own answers,
    says it is older and cannot be amended; escape comes back to the newest."""
    from jointcheck.core.records.service import amend, field_key, item_key, submit

    task = tasks["plain"]
    host = load_plugins()
    draft = stored(engine, task)
    first = next(i for i in draft.items if draft.applies(i))
    answers = {item_key(i): {"result": "compliant"} for i in draft.items if draft.applies(i)}
    answers[field_key("inspected_on")] = "2020-07-15"
    for key, value in answers.items():
        save_answer(engine, task, key, value, expected=0, checklist=draft.checklist)
    submit(engine, task, host=host)
    answers[item_key(first)] = {"result": "noncompliant", "note": NOTE}
    amend(engine, task, answers, "补记问题", host=host)

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(120, 40)) as pilot:
            newest = await settled(pilot)
            assert newest.readonly and newest.loaded.shown.version == 2
            assert newest.draft.item_answer(first)["result"] == "noncompliant"
            await pilot.press("h")
            await until(pilot, lambda: isinstance(app.screen.focused, OptionList)
                        and app.screen is not newest)
            await pilot.press("down", "enter")  # newest first: v2, then v1
            await until(pilot, lambda: isinstance(app.screen, InspectionScreen)
                        and app.screen is not newest)
            older = app.screen
            assert older.loaded.shown.version == 1 and older.readonly
            assert older.draft.item_answer(first)["result"] == "compliant"
            assert "第 1 版（旧版本）" in older.sub_title
            assert "第 2 版" in newest.sub_title and "旧版本" not in newest.sub_title
            assert older.check_action("amend", ()) is False
            assert newest.check_action("amend", ()) is True
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is newest)

    asyncio.run(run())
