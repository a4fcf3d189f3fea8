"""The checklist of the inspection screen: one section per department, its items in
checklist order; items that do not apply are shown as such, not hidden."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jointcheck.core.present.inspection import department_heading, item_lines

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.model import Item
    from jointcheck.core.records.service import Draft

STYLES = {"compliant": "green", "noncompliant": "bold red", "not_applicable": "dim", None: ""}


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

    def prompt(self, n: int, item: Item) -> Table:
        """``  2 ✗`` beside the title, wrapped under itself, with the note below it."""
        answer = self.draft.item_answer(item)
        applies = self.draft.applies(item)
        head, first, more = item_lines(n, item, answer, applies)
        style = STYLES[answer["result"] if answer else None] if applies else "dim"
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=5, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        body = Text(first, style=style)
        for line in more:
            body.append("\n" + line, style="italic")
        grid.add_row(Text(head, style=style), body)
        return grid

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
