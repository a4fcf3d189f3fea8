"""The task list (``jointcheck inspect`` without a task): one row per task, filtered as
you type; ``enter`` (or a click) opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from jointcheck.core.present.records import task_status

from ..session import OpenTask, session_of
from ..text import _, localise
from .listing import FilteredList

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.records.service import Task


def task_cells(task: Task, total: int | None, check_date: str | None) -> list[str]:
    leader = task.leader
    return [str(task.seq), task.name or "—", task.credit_code,
            (leader.name or leader.cert_no) if leader else "",
            task_status(task, total), check_date or "", task.id]


def matches(task: Task, words: list[str]) -> bool:
    leader = task.leader
    hay = " ".join([task.id, str(task.seq), task.name or "", task.credit_code,
                    (leader.name or "") if leader else ""]).lower()
    return all(w in hay for w in words)


class TaskListScreen(FilteredList):
    BINDINGS = [
        Binding("down", "move(1)", "down", key_display="↓", show=False, id="list_down"),
        Binding("up", "move(-1)", "up", key_display="↑", show=False, id="list_up"),
        Binding("enter", "open", "open", key_display="⏎", id="open"),
        Binding("escape", "clear", "filter", show=False, id="clear"),
        Binding("f2", "dashboard", "dashboard", key_display="F2", show=False, id="dashboard"),
        Binding("f3", "review", "review", key_display="F3", id="review"),
    ]

    def __init__(self, officer: str | None = None):
        super().__init__()
        localise(self)
        self.officer = officer
        self.tasks: list[Task] = []
        self.totals: dict[str, int] = {}
        self.dates: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Input(placeholder=_("filter_placeholder"), id="filter")
        yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
        yield Static(_("loading"), id="empty")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("tasks_title")
        table = self.query_one(DataTable)
        table.add_columns(_("c_seq"), _("c_name"), _("c_code"), _("c_leader"), _("c_status"),
                          _("c_date"), _("c_task"))
        self.query_one(Input).focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, group="tasks", exclusive=True)
    def load(self) -> None:
        from jointcheck.core.records.service import applicable_counts, check_dates, list_tasks

        app = session_of(self)
        tasks = list_tasks(app.engine, officer=self.officer)
        totals = applicable_counts(app.engine, tasks, app.host)
        dates = check_dates(app.engine, [t.id for t in tasks])
        self.app.call_from_thread(self._loaded, tasks, totals, dates)

    def _loaded(self, tasks: list[Task], totals: dict[str, int], dates: dict[str, str]) -> None:
        self.tasks, self.totals, self.dates = tasks, totals, dates
        self._fill()

    def _fill(self) -> None:
        words = self.query_one(Input).value.lower().split()
        table = self.query_one(DataTable)
        table.clear()
        for task in self.tasks:
            if matches(task, words):
                table.add_row(*task_cells(task, self.totals.get(task.id),
                                          self.dates.get(task.id)), key=task.id)
        empty = self.query_one("#empty", Static)
        empty.update(_("no_tasks"))
        empty.display = not self.tasks

    def open_row(self, key: str) -> None:
        self.app.post_message(OpenTask(key))

    def action_clear(self) -> None:
        self.query_one(Input).value = ""

    def action_review(self) -> None:
        """The office's review of the highlighted task's campaign (else the newest)."""
        from .review import ReviewScreen

        key = self.highlighted_key()
        campaign = next((t.campaign_id for t in self.tasks if t.id == key), None)
        self.app.push_screen(ReviewScreen(campaign))

    def action_dashboard(self) -> None:
        """The campaign's progress: the app's campaign, else the example's."""
        from .dashboard import DashboardScreen

        app = session_of(self)
        checklist = app.campaign or (app.fallback() if app.fallback else None)
        if checklist is None or checklist.campaign is None:
            self.app.notify(_("no_campaign"), severity="warning")
            return
        self.app.push_screen(DashboardScreen(checklist.campaign))
