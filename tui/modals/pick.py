"""Choose several of a list (the officers present)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, SelectionList

from ..text import _, localise
from .form import OkCancelModal


class PickModal(OkCancelModal[list[str]]):
    """``(value, label, selected)`` choices; at least one must stay chosen."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="pick_cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str, bool]]):
        super().__init__()
        localise(self)
        self.heading = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="dialog-title")
            yield SelectionList[str](*[(label, value, chosen)
                                       for value, label, chosen in self.choices], id="picks")
            yield Label("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("ok"), id="ok", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def accept(self) -> None:
        chosen = list(self.query_one(SelectionList).selected)
        if not chosen:
            self.show_error(_("pick_one"))
            return
        self.dismiss(chosen)
