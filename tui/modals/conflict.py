"""Another officer changed the same answer: show both values and ask which to keep."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..text import _


class ConflictModal(ModalScreen[str]):
    """Dismisses with ``"mine"`` or ``"theirs"``."""

    def __init__(self, what: str, by: str, mine: str, theirs: str):
        super().__init__()
        self.what, self.by, self.mine, self.theirs = what, by, mine, theirs

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(_("conflict_title", what=self.what, by=self.by), id="dialog-title")
            yield Static(_("conflict_mine", value=self.mine), id="mine")
            yield Static(_("conflict_theirs", value=self.theirs), id="theirs")
            with Horizontal(classes="buttons"):
                yield Button(_("keep_mine"), id="keep-mine", variant="primary")
                yield Button(_("keep_theirs"), id="keep-theirs")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss("mine" if event.button.id == "keep-mine" else "theirs")
