"""The help screen (``?``): every key of the screen below, generated from its bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from ..text import _, localise


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "back", id="help_back"),
        Binding("question_mark", "close", "back", key_display="?", id="help_close"),
    ]

    def __init__(self, rows: list[tuple[str, str]]):
        super().__init__()
        localise(self)
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help-dialog"):
            yield Label(_("help_title"), id="dialog-title")
            table: DataTable[str] = DataTable(id="keys", cursor_type="row",
                                              zebra_stripes=True)
            table.add_columns(_("c_key"), _("c_action"))
            table.add_rows(self.rows)
            yield table
            yield Label(_("help_close"), classes="dialog-help")

    def action_close(self) -> None:
        self.dismiss(None)
