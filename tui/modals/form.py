"""Small dialogs: a few one-line fields (check date, escort, the reason of an amendment)
and a choice among a few values (the visit outcome)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..text import _, localise

ResultT = TypeVar("ResultT")


class OkCancelModal(ModalScreen[ResultT | None]):
    """A dialog with an OK button (``#ok``), a Cancel button and an error line
    (``#form-error``): enter in a field or OK calls :meth:`accept`, which dismisses with a
    value or shows why it cannot; Cancel and escape dismiss with None."""

    def accept(self) -> None:
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        error = self.query_one("#form-error", Static)
        error.update(text)
        error.display = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.accept()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormModal(OkCancelModal[dict[str, str]]):
    """Fields ``(id, label, value)``; ``check`` returns an error sentence or None."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="form_cancel")]

    def __init__(self, title: str, fields: list[tuple[str, str, str]],
                 check: Callable[[dict[str, str]], str | None] | None = None):
        super().__init__()
        localise(self)
        self.heading = title
        self.fields = fields
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="dialog-title")
            for fid, label, value in self.fields:
                yield Label(label)
                yield Input(value, id=f"f-{fid}")
            yield Label("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("ok"), id="ok", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def values(self) -> dict[str, str]:
        return {fid: self.query_one(f"#f-{fid}", Input).value.strip() for fid, _l, _v in self.fields}

    def accept(self) -> None:
        values = self.values()
        error = self.check(values) if self.check else None
        if error:
            self.show_error(error)
            return
        self.dismiss(values)


class ChoiceModal(ModalScreen[str | None]):
    """Choose one of ``(value, label)``."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="choice_cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None):
        super().__init__()
        localise(self)
        self.heading = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="dialog-title")
            yield OptionList(*[Option(label, id=value) for value, label in self.choices],
                             id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [v for v, _l in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
