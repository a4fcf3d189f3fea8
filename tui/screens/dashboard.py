"""The campaign's dashboard (F2 from the task list): a bar per stage and the steps overdue
or due within 7 days, overdue first, with who owes each — the overview of
``jointcheck status`` (core.status, rows from core.present.status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from jointcheck.core.deadlines import calendar_for
from jointcheck.core.errors import ConfigError
from jointcheck.core.present.status import (
    as_of_line,
    due_header,
    due_rows,
    pending_rows,
    stage_rows,
)
from jointcheck.core.status import campaign_status

from ..session import session_of
from ..text import _, localise
from ..widgets.footer import FittingFooter

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.model import Campaign
    from jointcheck.core.status import Status


class DashboardScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "back", key_display="Esc", id="back"),
        Binding("r", "reload", "reload", id="reload"),
    ]

    def __init__(self, campaign: Campaign):
        super().__init__()
        localise(self)
        self.campaign = campaign
        self.status: Status | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(_("loading"), id="as-of", classes="line")
        yield Static("", id="pending")
        yield DataTable(id="stages", cursor_type="row", show_header=False)
        yield Static(_("due_heading"), classes="line")
        yield Static(_("none_due"), id="none-due", classes="line")
        yield DataTable(id="due", cursor_type="row", zebra_stripes=True)
        yield FittingFooter()

    def on_mount(self) -> None:
        self.title = _("dashboard_title")
        self.sub_title = self.campaign.document_number or self.campaign.id
        self.query_one("#stages", DataTable).add_columns("", "", "")
        self.query_one("#due", DataTable).add_columns(*due_header())
        self.query_one("#none-due").display = False
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, group="dashboard", exclusive=True)
    def load(self) -> None:
        app = session_of(self)
        try:
            calendar = calendar_for(self.campaign)
            found = campaign_status(app.engine, self.campaign, calendar)
        except ConfigError as exc:
            self.app.call_from_thread(self.app.notify, "\n".join(p.message for p in exc.problems),
                                      severity="error")
            return
        warnings = [p.message for p in calendar.warnings()]
        self.app.call_from_thread(self._loaded, found, warnings)

    def _loaded(self, found: Status, warnings: list[str]) -> None:
        self.query_one("#as-of", Static).update(as_of_line(found))
        # what a change left to do, with the command that resolves it (as jointcheck status)
        pending = self.query_one("#pending", Static)
        lines = [f"{what}\n  {command}" for what, command in
                 pending_rows(found, self.campaign.id)]
        pending.update("\n".join(lines))
        pending.display = bool(lines)
        stages = self.query_one("#stages", DataTable)
        stages.clear()
        for row in stage_rows(found):
            stages.add_row(*row)
        due = self.query_one("#due", DataTable)
        due.clear()
        for row in due_rows(found):
            due.add_row(*row)
        # nothing due: a line saying so, as jointcheck status prints, not a table whose
        # first column is widened by that sentence
        due.display = bool(found.due)
        self.query_one("#none-due").display = not found.due
        self.status = found  # last: a screen with a status shows all of it
        for text in warnings:
            self.app.notify(text, severity="warning")
