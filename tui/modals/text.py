"""A multi-line text editor in a dialog: the note of an item, 处理意见, 备注.

Chinese input and full-width punctuation go straight into the TextArea. What is typed is
handed to ``on_change`` (debounced) while typing and once more on closing, so every edit
reaches the store as it is made; ``ctrl+s`` and ``escape`` both keep the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from ..text import _, localise

if TYPE_CHECKING:  # pragma: no cover
    from textual.timer import Timer

DEBOUNCE = 0.4


class TextModal(ModalScreen[str]):
    BINDINGS = [
        Binding("ctrl+s", "close", "ok", priority=True, id="text_ok"),
        Binding("escape", "close", "back", id="text_back"),
    ]

    def __init__(self, title: str, text: str, on_change: Callable[[str], None] | None = None):
        super().__init__()
        localise(self)
        self.heading = title
        self.initial = text
        self.on_change = on_change
        self._timer: Timer | None = None
        self._sent = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="text-dialog"):
            yield Label(self.heading, id="dialog-title")
            yield TextArea(self.initial, id="text", soft_wrap=True, show_line_numbers=False)
            yield Label(_("note_help"), classes="dialog-help")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.on_change is None:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._flush)

    def _flush(self) -> None:
        text = self.text
        if self.on_change is not None and text != self._sent:
            self._sent = text
            self.on_change(text)

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._flush()
        self.dismiss(self.text)
