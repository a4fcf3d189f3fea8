"""The checklist of the inspection screen: one section per department, its items in
checklist order; items that do not apply are shown as such, not hidden."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text
from textual.css.styles import RulesMap
from textual.visual import RichVisual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jointcheck.core.present.inspection import department_heading, item_lines
from jointcheck.core.text import break_offsets

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.model import Item
    from jointcheck.core.records.service import Draft

STYLES = {"compliant": "green", "noncompliant": "bold red", "not_applicable": "dim", None: ""}


class Hanging:
    """A head (``  2 ✗``) with a body wrapped beside it under a hanging indent, broken by
    core.text.break_offsets (避头尾 for Chinese, spaces for other text). Measured for every
    item at startup: the wrap is computed by cell width once per width, not by Rich's
    word wrapper."""

    def __init__(self, head: Text, body: Text):
        self.head = head
        self.body = body
        self._lines: dict[int, list[Text]] = {}

    def lines(self, width: int) -> list[Text]:
        if width not in self._lines:
            parts = list(self.body.divide(break_offsets(self.body.plain, width)))
            for part in parts:
                part.rstrip()  # the newline or the space a line was broken at
            self._lines[width] = parts
        return self._lines[width]

    def __rich_console__(self, console: Console, options: ConsoleOptions):
        indent = self.head.cell_len + 1
        pad = Text(" " * indent)
        for n, line in enumerate(self.lines(max(1, options.max_width - indent))):
            yield from (self.head + " " if n == 0 else pad).render(console)
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.head.cell_len + 2, options.max_width)


class HangingVisual(RichVisual):
    """Textual's view of a :class:`Hanging`: its height is the number of folded lines
    (no rendering needed to measure 500 items)."""

    def get_height(self, rules: RulesMap, width: int) -> int:
        hanging: Hanging = self._renderable  # type: ignore[assignment]
        return len(hanging.lines(max(1, width - hanging.head.cell_len - 1)))


def folded(parts: list[tuple[str, str]]) -> Group:
    """Lines of text (each with its style) for a Static, Chinese folded at any character
    instead of moved whole to the next line as one long "word"."""
    return Group(*[Hanging(Text(""), Text(text, style=style)) for text, style in parts])


class ItemList(OptionList):
    """Department headings (not selectable) and items; ``items[i]`` is the item of option i."""

    def __init__(self, draft: Draft, **kwargs):
        super().__init__(**kwargs)
        self.draft = draft
        self.by_index: dict[int, Item] = {}
        self.index_of: dict[str, int] = {}
        self.numbers: dict[str, int] = {}

    def on_mount(self) -> None:
        draft = self.draft
        options: list[Option] = []
        n = 0
        for dept in draft.checklist.departments:
            options.append(Option(Text(department_heading(draft, dept.code, dept.name),
                                       style="bold"), id=f"dept:{dept.code}", disabled=True))
            for item in draft.checklist.items_of(dept.code):
                n += 1
                self.by_index[len(options)] = item
                self.index_of[item.key] = len(options)
                self.numbers[item.key] = n
                options.append(Option(self.prompt(n, item), id=f"item:{item.key}"))
        self.add_options(options)

    def prompt(self, n: int, item: Item) -> HangingVisual:
        """``  2 ✗`` beside the title, wrapped under itself, with the note below it."""
        answer = self.draft.item_answer(item)
        applies = self.draft.applies(item)
        head, first, more = item_lines(n, item, answer, applies)
        style = STYLES[answer["result"] if answer else None] if applies else "dim"
        body = Text(first, style=style)
        for line in more:
            body.append("\n" + line, style="italic")
        return HangingVisual(self, Hanging(Text(head, style=style), body))

    def refresh_all(self) -> None:
        """Every prompt anew: which items apply has changed (the enterprise's facts)."""
        for index, item in self.by_index.items():
            self.replace_option_prompt_at_index(index, self.prompt(self.numbers[item.key], item))
        for dept in self.draft.checklist.departments:
            self.replace_option_prompt(f"dept:{dept.code}", Text(
                department_heading(self.draft, dept.code, dept.name), style="bold"))

    def refresh_item(self, item: Item) -> None:
        index = self.index_of[item.key]
        self.replace_option_prompt_at_index(index, self.prompt(self.numbers[item.key], item))

    @property
    def current(self) -> Item | None:
        return self.by_index.get(self.highlighted) if self.highlighted is not None else None

    def go_to(self, item: Item) -> None:
        self.highlighted = self.index_of[item.key]

    def go_to_item_number(self, index: int) -> None:
        """Highlight the *index*-th item of the checklist (0-based)."""
        items = self.draft.checklist.items
        if items:
            self.go_to(items[max(0, min(index, len(items) - 1))])

    def advance(self) -> None:
        """Move to the next item that applies (or stay on the last one)."""
        if self.highlighted is None:
            return
        for index in range(self.highlighted + 1, self.option_count):
            item = self.by_index.get(index)
            if item is not None and self.draft.applies(item):
                self.highlighted = index
                return
