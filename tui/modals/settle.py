"""Settling the campaign's results: what will be settled, and — while drawn enterprises
have no submitted record — the list of them (JC840) with an explicit "settle anyway"
tick, without which the dialog refuses. Dismisses with ``allow_missing`` or None."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Label, OptionList, Static
from textual.widgets.option_list import Option

from jointcheck.core.errors import problem
from jointcheck.core.present.records import task_status

from ..text import _, localise
from ..widgets.items import folded
from .form import OkCancelModal

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.records.results import Consolidated


class SettleModal(OkCancelModal[bool]):
    BINDINGS = [Binding("escape", "cancel", "cancel", id="settle_cancel")]

    def __init__(self, todo: int, already: int, missing: list[Consolidated]):
        super().__init__()
        localise(self)
        self.todo, self.already, self.missing = todo, already, missing

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="settle-dialog"):
            yield Label(_("settle_title"), id="dialog-title")
            yield Static(folded([(_("settle_ready", todo=self.todo, already=self.already),
                                  "")]), id="settle-ready")
            if self.missing:
                # the message of `results settle`'s refusal, the list below it
                yield Static(problem("JC840", n=len(self.missing), tasks="").message,
                             id="settle-missing-text", classes="error")
                yield OptionList(*[Option(f"{r.task.id}  {r.task.name or r.task.credit_code}"
                                          f"  {task_status(r.task)}")
                                   for r in self.missing], id="missing")
                yield Checkbox(_("allow_missing", n=self.todo + self.already,
                                 m=len(self.missing)), id="allow-missing")
            error = Static("", id="form-error", classes="error")
            error.display = False
            yield error
            with Horizontal(classes="buttons"):
                yield Button(_("do_settle"), id="ok", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def on_mount(self) -> None:
        (self.query_one("#allow-missing", Checkbox) if self.missing
         else self.query_one("#ok", Button)).focus()

    def accept(self) -> None:
        allow = bool(self.missing) and self.query_one("#allow-missing", Checkbox).value
        if self.missing and not allow:
            self.show_error(_("must_allow_missing"))
            return
        self.dismiss(allow)
