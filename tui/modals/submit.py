"""The submit dialog: what blocks submission (each line jumps to its answer), then the
results, what will be referred to which department (each line jumps to the answer that
decides it, so the inspector can correct it) and a confirmation. A check date outside the campaign period needs an explicit
confirmation. The problems come from the records service (Draft.check), never from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, OptionList, Static
from textual.widgets.option_list import Option

from jointcheck.core.present.inspection import live_result_lines, referral_preview

from ..text import _, localise

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.records.service import Draft

DATE_OUTSIDE = "JC814"


class SubmitModal(ModalScreen[tuple[str, object] | None]):
    """Dismisses with ``("jump", key)``, ``("submit", confirm_date)`` or None."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="submit_cancel")]

    def __init__(self, draft: Draft, opinion: str):
        super().__init__()
        localise(self)
        self.draft = draft
        self.opinion = opinion
        self.confirm_date = False

    def problems(self):
        return self.draft.check(confirm_date=self.confirm_date)

    def compose(self) -> ComposeResult:
        problems = self.problems()
        outside = any(p.code == DATE_OUTSIDE for p in self.draft.check())
        with Vertical(id="dialog", classes="submit-dialog"):
            yield Label(_("submit_title"), id="dialog-title")
            yield Label(_("submit_problems"), id="problems-heading")
            yield OptionList(*self._options(problems), id="problems")
            if outside:
                yield Checkbox(_("confirm_date"), id="confirm-date")
            with VerticalScroll(id="summary"):
                yield Static(self._summary(), id="summary-text")
                yield Label(_("referrals_heading"), id="referrals-heading")
                yield OptionList(*self._referrals(), id="referrals")
                yield Static(f"{_('opinion')}：{self.opinion}", id="opinion-text")
            with Horizontal(classes="buttons"):
                yield Button(_("do_submit"), id="submit", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def _options(self, problems) -> list[Option]:
        return [Option(f"{n}. {p.message}" + (f" — {p.hint}" if p.hint else ""),
                       id=f"{n}:{p.extra.get('key', '')}")
                for n, p in enumerate(problems, 1)]

    def _referrals(self) -> list[Option]:
        """What submitting will refer, each line jumping to the answer that decides it."""
        lines = referral_preview(self.draft, self.draft.classify())
        if not lines:
            return [Option(_("referrals_none"), disabled=True)]
        return [Option(text, id=f"r{n}:{key}") for n, (key, text) in enumerate(lines, 1)]

    def _summary(self) -> str:
        lines = [_("submit_ready"), ""]
        lines += live_result_lines(self.draft.classify(), self.draft.checklist)
        return "\n".join(lines)

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        problems = self.problems()
        listing = self.query_one("#problems", OptionList)
        listing.clear_options()
        listing.add_options(self._options(problems))
        blocked = bool(problems)
        listing.display = blocked
        self.query_one("#problems-heading").display = blocked
        self.query_one("#summary").display = not blocked
        self.query_one("#submit", Button).disabled = blocked
        (listing if blocked else self.query_one("#submit", Button)).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.confirm_date = event.value
        self._show()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = (event.option.id or "").partition(":")[2]
        self.dismiss(("jump", key))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.dismiss(("submit", self.confirm_date))
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
