"""The app whole at 80×24 and 120×40: columns by priority, a footer of whole keys, headers
that wrap, Chinese line breaking (避头尾), one name per thing, and what will be referred
shown before submitting."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("textual")

from textual.widgets import DataTable, OptionList  # noqa: E402
from tui_support import (  # noqa: E402
    build_store,
    make_app,
    opened_copy,
    pick_tasks,
    settled,
    until,
)

from jointcheck.core.plugins import load_plugins  # noqa: E402
from jointcheck.core.records import service as R  # noqa: E402
from jointcheck.core.text import (  # noqa: E402
    NO_LINE_END,
    NO_LINE_START,
    display_width,
    flow,
    line_breaks,
    wrap_lines,
)
from jointcheck.tui.screens.tasks import TaskListScreen, task_columns  # noqa: E402
from jointcheck.tui.widgets.footer import FittingFooter, fitting  # noqa: E402

LEGAL = ("《中华人民共和国安全生产法》（2014年修正）第三十八条；《中华人民共和国安全生产法》"
         "（2014年修正）第十八条第五项；是否配备安全管理机构或配备专兼职管理人员 （不适用于该企业）")


# -- 避头尾: the line breaker alone -----------------------------------------------------------

@pytest.mark.parametrize("width", range(6, 60))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(width):
    lines = wrap_lines(LEGAL, width)
    assert "".join(lines).replace(" ", "") == LEGAL.replace(" ", "")
    for line in lines:
        assert display_width(line) <= width, (width, line)
    for before, after in zip(lines, lines[1:], strict=False):
        assert after[0] not in NO_LINE_START, (width, before, after)
        assert before[-1] not in NO_LINE_END, (width, before, after)


def test_latin_words_and_numbers_break_only_at_spaces():
    assert wrap_lines("Textual 8.2.8 is pinned exactly", 12) == [
        "Textual", "8.2.8 is", "pinned", "exactly"]
    # a number inside Chinese stays whole: 2014 is never split over two lines
    for width in range(8, 30):
        assert not any(line.endswith(("20", "201")) for line in wrap_lines(LEGAL, width))


def test_a_run_wider_than_the_line_is_folded_rather_than_lost():
    assert line_breaks("91410603506303228E", 10) == [10]
    assert wrap_lines("（" + "安" * 30 + "）", 10)[0] == "（安安安安"


def test_the_app_wraps_text_by_the_rule_in_textual_and_rich():
    """linebreak.install() (InspectApp does it) puts the rule where Textual and rich wrap
    text; with Textual pinned, a release that moves their line breaker fails here."""
    import rich.text
    import textual.content
    from rich.console import Console

    from jointcheck.tui import linebreak

    linebreak.install()
    assert textual.content.divide_line is line_breaks and rich.text.divide_line is line_breaks
    for width in range(6, 60):
        for lines in ([line.plain for line in textual.content.Content(LEGAL).wrap(width)],
                      [line.plain for line in rich.text.Text(LEGAL).wrap(Console(), width)]):
            for before, after in zip(lines, lines[1:], strict=False):
                assert after.lstrip()[0] not in NO_LINE_START, (width, before, after)
                assert before.rstrip()[-1] not in NO_LINE_END, (width, before, after)


def test_header_pairs_flow_whole_and_wrap_only_when_alone_too_wide():
    pairs = ["市场主体名称 浚县博远食品股份有限公司", "统一社会信用代码/注册号 914106215031352066",
             "法定代表人 杨艳霞", "成立日期 2001-10-28"]
    lines = flow(pairs, 80)
    assert all(display_width(line) <= 80 for line in lines)
    assert "成立日期 2001-10-28" in lines[-1]  # never cut as "成立日期 200…"
    assert sum(line.count("   ") for line in lines) == len(pairs) - len(lines)


# -- columns and footer -------------------------------------------------------------------

def _rows(n=3):
    return [{"task": f"{d}-{s}", "seq": str(s), "status": "草稿 3/12",
             "name": "鹤壁市鹤山区金鹤化工有限公司", "date": "2020-07-15", "leader": "周国斌",
             "code": "914106021947811318"} for d in (1, 2) for s in range(1, n + 1)]


HEADERS = {"task": "任务", "seq": "抽取序号", "status": "状态", "name": "市场主体名称",
           "date": "检查日期", "leader": "组长", "code": "统一社会信用代码"}


def test_the_task_id_and_draw_number_are_kept_at_every_width():
    for width in (60, 80, 100, 120, 160):
        columns, name_width = task_columns(width, _rows(), HEADERS)
        assert columns[:2] == ["task", "seq"]
        assert "status" in columns and "name" in columns
        assert name_width >= 16
    assert "code" not in task_columns(80, _rows(), HEADERS)[0]
    assert task_columns(120, _rows(), HEADERS)[0] == [
        "task", "seq", "status", "name", "date", "leader", "code"]


def test_the_footer_keeps_help_and_drops_whole_keys_only():
    items = [("mark", "1", "符合"), ("mark2", "2", "不符合"), ("corrected", "c", "当场整改"),
             ("submit", "^s", "提交"), ("legal", "l", "法律依据"), ("help", "?", "帮助")]
    chosen = fitting(items, 40)
    assert chosen[-1] == 5  # help always, shown last
    assert set(chosen) < set(range(6))
    assert fitting(items, 200) == [0, 1, 2, 3, 4, 5]


# -- the app at 80×24 and 120×40 ------------------------------------------------------------

@pytest.fixture(scope="module")
def store_template(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("tui-layout"))


@pytest.fixture
def engine(store_template, tmp_path):
    yield from opened_copy(store_template, tmp_path)


def footer_words(screen) -> list[tuple[str, int, int]]:
    """(text, first column, last column) of every key the footer shows."""
    footer = screen.query_one(FittingFooter)
    return [(str(key.render()).strip(), key.region.x, key.region.right) for key in footer.children]


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_every_task_shows_its_id_and_every_footer_key_is_whole(engine, size):
    async def run():
        app = make_app(engine)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: isinstance(app.screen, TaskListScreen)
                        and app.screen.query_one(DataTable).row_count)
            table = app.screen.query_one(DataTable)
            labels = [str(c.label) for c in table.columns.values()]
            assert labels[:2] == ["任务", "抽取序号"]
            ids = [table.get_row_at(r)[0] for r in range(table.row_count)]
            assert ids == [t.id for t in app.screen.tasks]
            assert sum(c.get_render_width(table) for c in table.columns.values()) <= size[0]
            await pilot.press("enter")
            screen = await settled(pilot)
            await pilot.pause()
            words = footer_words(screen)
            assert words and all(right <= size[0] for _t, _x, right in words), words
            shown = " ".join(t for t, _x, _r in words)
            for key in ("1 符合", "2 不符合", "3 不适用", "^s 提交", "? 帮助"):
                assert key in shown
            if size[0] >= 120:
                header = str(screen.query_one("#enterprise-full").render())
                assert "成立日期" in header and "…" not in header

    asyncio.run(run())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_footer_key_runs_into_another_or_the_palette(engine, lang):
    """Whatever the width and language, the keys and the palette (^p) docked right stay
    apart: the room left for the keys is what the palette key takes in this language
    (English "^p Commands" is wider than "^p 命令")."""
    from jointcheck.core.i18n import set_lang

    set_lang(lang)

    async def run():
        app = make_app(engine, pick_tasks(engine)["special"])
        async with app.run_test(size=(60, 24)) as pilot:
            screen = await settled(pilot)
            # 61, 62, 68, 69, 71: where a fixed palette width let "? Help" run into it
            for width in (61, 62, 68, 69, 71, 80, 100, 120):
                await pilot.resize_terminal(width, 24)
                await pilot.pause()
                await pilot.pause(0.05)
                words = sorted(footer_words(screen), key=lambda w: w[1])
                assert words[-1][2] <= width, (width, words)
                for left, right in zip(words, words[1:], strict=False):
                    assert right[1] >= left[2], (width, left, right)

    asyncio.run(run())


@pytest.mark.slow
def test_help_lists_enter_for_the_item_note_under_one_name(engine):
    async def run():
        app = make_app(engine, pick_tasks(engine)["special"])
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)
            rows = app.binding_rows(screen)
            assert ("⏎", "问题说明") in rows
            assert ("r", "备注") in rows  # the record's own 备注, a different thing

    asyncio.run(run())


@pytest.mark.slow
def test_the_submit_dialog_lists_what_will_be_referred_and_jumps_to_its_answer(engine):
    """Item 1 不符合 (not corrected) is referred to its department; item 2 不符合 corrected
    on the spot is not; choosing the referral line goes back to item 1, where 当场整改
    changes what will be referred."""
    host = load_plugins()
    task = pick_tasks(engine)["plain"]
    draft = R.load_draft(engine, task, host=host)
    items = [i for i in draft.checklist.items if draft.applies(i)]
    answers = {R.field_key("inspected_on"): "2020-07-15"}
    for n, item in enumerate(items):
        answers[R.item_key(item)] = (
            {"result": "noncompliant", "note": "隐患排查台账缺失"} if n == 0 else
            {"result": "noncompliant", "note": "灭火器过期，已当场更换", "corrected_on_site": True}
            if n == 1 else {"result": "compliant"})
    for key, value in answers.items():
        R.save_answer(engine, task, key, value, expected=draft.version_of(key),
                      checklist=draft.checklist)

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)
            live = str(screen.query_one("#results").render())
            assert "提交后将移交 1 项问题：应急管理局 1 项" in live
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query("#referrals"))
            listing = app.screen.query_one("#referrals", OptionList)
            lines = [str(listing.get_option_at_index(i).prompt)
                     for i in range(listing.option_count)]
            assert len(lines) == 2
            assert lines[0].startswith("移交应急管理局：") and items[0].title in lines[0]
            assert "未当场整改" in lines[0] and "立案处理" in lines[0]
            assert lines[1].startswith("不移交：") and "已当场整改" in lines[1]
            listing.focus()
            listing.highlighted = 0
            await pilot.press("enter")
            await until(pilot, lambda: app.screen is screen)
            assert screen.items.current == items[0]
            await pilot.press("c")  # corrected on the spot after all
            await settled(pilot)
            assert "提交后将移交" not in str(screen.query_one("#results").render())
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query("#referrals"))
            listing = app.screen.query_one("#referrals", OptionList)
            lines = [str(listing.get_option_at_index(i).prompt)
                     for i in range(listing.option_count)]
            assert all(line.startswith("不移交：") for line in lines)

    asyncio.run(run())


@pytest.mark.slow
def test_every_action_is_reachable_by_touch(engine):
    """A tablet has no keyboard: tapping an item selects it, tapping a footer key acts
    (符合 / 不符合 / 提交 …), and the palette (^p) reaches the keys the footer leaves out."""
    from textual.widgets._footer import FooterKey

    task = pick_tasks(engine)["plain"]

    async def run():
        app = make_app(engine, task)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)

            def keys():  # the footer is laid out anew when the bindings change
                return {k.description: k for k in screen.query(FooterKey)}

            first = screen.items.current
            await pilot.click(keys()["不符合"])
            await settled(pilot)
            draft = R.load_draft(engine, task, host=load_plugins())
            assert draft.item_answer(first)["result"] == "noncompliant"
            await pilot.click(keys()["提交"])
            await until(pilot, lambda: app.screen.query("#problems"))
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
            await pilot.click(keys()["命令"])  # the palette: every binding by name
            await until(pilot, lambda: app.screen is not screen)
            await pilot.press("escape")

    asyncio.run(run())
