"""The task list (``jointcheck inspect`` without a task): one row per task, filtered as
you type; ``enter`` (or a click) opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Static

from jointcheck.core.present.records import task_status
from jointcheck.core.records.service import applicable_counts, check_dates, list_tasks
from jointcheck.core.text import cut, display_width

from ..session import OpenTask, session_of
from ..text import _, localise
from ..widgets.footer import FittingFooter
from .dashboard import DashboardScreen
from .listing import FilteredList
from .review import ReviewScreen

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.records.service import Task


# The columns by priority: the task id and 抽取序号 always (two draws both number from 1),
# then status, the name (which takes the room left), the check date, the leader and the
# code as the width allows. Widths are display columns (Chinese characters count two).
COLUMNS = ("task", "seq", "status", "name", "date", "leader", "code")
HEADERS = {"task": "c_task", "seq": "c_seq", "status": "c_status", "name": "c_name",
           "date": "c_date", "leader": "c_leader", "code": "c_code"}
NAME_MIN = 16  # the name column never shrinks below this (…-cut beyond it)
PADDING = 2  # DataTable's cell padding, both sides together
RESERVED = 2  # the vertical scrollbar


def task_values(task: Task, total: int | None, check_date: str | None) -> dict[str, str]:
    leader = task.leader
    return {"task": task.id, "seq": str(task.seq), "name": task.name or "—",
            "code": task.credit_code,
            "leader": (leader.name or leader.cert_no) if leader else "",
            "status": task_status(task, total), "date": check_date or ""}


def task_columns(width: int, rows: list[dict[str, str]],
                 headers: dict[str, str]) -> tuple[list[str], int]:
    """The columns that fit *width* by priority, in display order, and the width left for
    the name (which is cut with "…" when longer)."""
    def need(key: str) -> int:
        return max([display_width(headers[key])] + [display_width(r[key]) for r in rows]) \
            + PADDING

    chosen = ["task", "seq", "status", "name"]
    used = sum(need(k) for k in chosen if k != "name") + RESERVED
    name_full = need("name")
    for key in ("date", "leader", "code"):
        extra = need(key)
        if used + extra + min(name_full, NAME_MIN + PADDING) <= width:
            chosen.append(key)
            used += extra
    name_width = max(NAME_MIN, min(name_full, width - used) - PADDING)
    return [k for k in COLUMNS if k in chosen], name_width




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
        self._filled_width = -1

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Input(placeholder=_("filter_placeholder"), id="filter")
        yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
        yield Static(_("loading"), id="empty")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.title = _("tasks_title")
        self.query_one(Input).focus()  # the tasks load when the screen shows (resume)

    def on_resize(self) -> None:
        if self.size.width != self._filled_width:  # the columns depend on the width only
            self._fill()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, group="tasks", exclusive=True)
    def load(self) -> None:
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
        shown = [t for t in self.tasks if matches(t, words)]
        rows = [task_values(t, self.totals.get(t.id), self.dates.get(t.id)) for t in shown]
        headers = {k: _(v) for k, v in HEADERS.items()}
        self._filled_width = self.size.width
        columns, name_width = task_columns(self.size.width or 80, rows, headers)
        cursor = self.highlighted_key() if table.row_count else None
        table.clear(columns=True)
        for key in columns:
            table.add_column(headers[key], key=key)
        for task, row in zip(shown, rows, strict=True):
            row = {**row, "name": cut(row["name"], name_width)}
            table.add_row(*(row[k] for k in columns), key=task.id)
        if cursor is not None and cursor in {t.id for t in shown}:
            table.move_cursor(row=table.get_row_index(cursor))
        empty = self.query_one("#empty", Static)
        empty.update(_("no_tasks"))
        empty.display = not self.tasks

    def open_row(self, key: str) -> None:
        self.app.post_message(OpenTask(key))

    def action_clear(self) -> None:
        self.query_one(Input).value = ""

    def action_review(self) -> None:
        """The office's review of the highlighted task's campaign (else the newest)."""
        key = self.highlighted_key()
        campaign = next((t.campaign_id for t in self.tasks if t.id == key), None)
        self.app.push_screen(ReviewScreen(campaign))

    def action_dashboard(self) -> None:
        """The campaign's progress: the app's campaign, else the example's."""
        app = session_of(self)
        checklist = app.campaign or (app.fallback() if app.fallback else None)
        if checklist is None or checklist.campaign is None:
            self.app.notify(_("no_campaign"), severity="warning")
            return
        self.app.push_screen(DashboardScreen(checklist.campaign))
