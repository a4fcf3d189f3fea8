"""The office's override dialog: choose a result (the policy's verbatim texts) or a
disposition, and give the reason, which is required. Dismisses with ``(value, reason)``
or None; an empty reason is refused here, before anything reaches the store."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from ..text import _, localise
from .form import OkCancelModal


class OverrideModal(OkCancelModal[tuple[str, str]]):
    BINDINGS = [Binding("escape", "cancel", "cancel", id="override_cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str,
                 reason: str = "", error: str = ""):
        super().__init__()
        localise(self)
        self.heading = title
        self.choices = choices
        self.current = current
        self.reason = reason
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="override-dialog"):
            yield Label(self.heading, id="dialog-title")
            yield OptionList(*[Option(label, id=value) for value, label in self.choices],
                             id="choices")
            yield Label(_("reason"))
            yield Input(self.reason, placeholder=_("reason_placeholder"), id="reason")
            error = Label(self.error, id="form-error", classes="error")
            error.display = bool(self.error)
            yield error
            with Horizontal(classes="buttons"):
                yield Button(_("ok"), id="ok", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [v for v, _l in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        (self.query_one("#reason", Input) if self.reason else options).focus()

    @property
    def value(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # chosen: now the reason
        self.query_one("#reason", Input).focus()

    def accept(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        value = self.value
        if not reason:
            self.show_error(_("no_reason"))
            self.query_one("#reason", Input).focus()
            return
        if value is None:
            return
        self.dismiss((value, reason))
