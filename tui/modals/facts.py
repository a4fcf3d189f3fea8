"""Correct the library's facts about the enterprise, as found on site (``f``): the facts
that decide which items apply (e.g. 使用特种设备) and the changeable header facts of 附件4.

The dialog returns the record's ``field:target`` value: only the facts that differ from
the library (core.present.inspection.corrections_of)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select

from jointcheck.core.present.inspection import corrections_of

from ..text import _, localise
from .form import OkCancelModal

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.present.inspection import Fact

BOOLEAN = {"yes": True, "no": False, "unknown": None}


def shown(value: Any) -> str:
    if value is None or value == "":
        return _("facts_unknown")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


class FactsModal(OkCancelModal[dict[str, Any]]):
    """One row per fact: a 是/否 choice for a boolean, a line of text otherwise."""

    BINDINGS = [Binding("escape", "cancel", "cancel", id="facts_cancel")]

    def __init__(self, facts: list[Fact]):
        super().__init__()
        localise(self)
        self.facts = facts

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="facts-dialog"):
            yield Label(_("facts_title"), id="dialog-title")
            yield Label(_("facts_help"), classes="dialog-help")
            with VerticalScroll(id="facts"):
                for fact in self.facts:
                    with Horizontal(classes="fact"):
                        yield Label(f"{fact.label}\n" + _("facts_library", value=shown(
                            fact.library)), classes="fact-label")
                        yield self._editor(fact)
            yield Label("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("ok"), id="ok", variant="primary")
                yield Button(_("cancel"), id="cancel")

    def _editor(self, fact: Fact) -> Select[str] | Input:
        if fact.type == "boolean":
            options = [(_("yes"), "yes"), (_("no"), "no")]
            if fact.library is None or fact.value is None:
                options.append((_("facts_unknown"), "unknown"))
            current = next(k for k, v in BOOLEAN.items() if v is fact.value) \
                if fact.value in (True, False, None) else "unknown"
            return Select(options, allow_blank=False, value=current, id=f"f-{fact.name}")
        value = "" if fact.value is None else str(fact.value)
        return Input(value, id=f"f-{fact.name}", type="number" if fact.type == "number"
                     else "text")

    def on_mount(self) -> None:
        first = self.query("#facts Select, #facts Input").first()
        first.focus()

    def values(self) -> dict[str, Any] | str:
        """The form's values by fact name, or an error sentence."""
        out: dict[str, Any] = {}
        for fact in self.facts:
            widget = self.query_one(f"#f-{fact.name}")
            if isinstance(widget, Select):
                out[fact.name] = BOOLEAN[str(widget.value)]
                continue
            assert isinstance(widget, Input)
            text = widget.value.strip()
            if not text:  # emptied: back to the library's value
                out[fact.name] = fact.library
            elif fact.type == "number":
                try:
                    out[fact.name] = float(text) if "." in text else int(text)
                except ValueError:
                    return _("facts_number", label=fact.label)
            else:
                out[fact.name] = text
        return out

    def accept(self) -> None:
        values = self.values()
        if isinstance(values, str):
            self.show_error(values)
            return
        self.dismiss(corrections_of(self.facts, values))
