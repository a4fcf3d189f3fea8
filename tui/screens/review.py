"""The joint office's review (汇总审核, 共同协商汇总结果): the campaign's submitted records
with each department's result (computed → settled), the joint result and 处理结果; a
record's details with its 不符合 items and the history of overrides; overrides with a
reason and the settlement of the campaign.

A thin shell over core.records.results (the service of ``jointcheck results``): every
change goes through ``set_result`` / ``settle`` on a worker thread, so the audit log and
``results list`` always agree with what the app shows. Rows and blocks come from
core.present.consolidation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from jointcheck.core.clock import reading_time
from jointcheck.core.errors import problem
from jointcheck.core.i18n import get_lang
from jointcheck.core.present.consolidation import _ as consolidation_text
from jointcheck.core.present.consolidation import (
    legend,
    override_lines,
    problem_lines,
    results_header,
    results_row,
    review_counts,
    settled_cell,
    target_blocks,
)
from jointcheck.core.present.records import opinion_text, status_label
from jointcheck.core.records.results import (
    campaign_checklist,
    load,
    publication_warning,
    set_result,
    settle,
)
from jointcheck.core.records.service import (
    RecordError,
    get_task,
    list_tasks,
    write_timed_out,
)

from ..modals.override import OverrideModal
from ..modals.settle import SettleModal
from ..session import Session, session_of
from ..text import _, localise
from ..widgets.footer import FittingFooter
from ..widgets.items import folded
from .listing import FilteredList

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.errors import Problem
    from jointcheck.core.records.results import Consolidated


JOINT = "joint"  # the option id of the joint result's block
NARROW_BELOW = 100  # columns: the app's -narrow layout (InspectApp.HORIZONTAL_BREAKPOINTS)


def store_failure(exc: BaseException) -> list[str] | None:
    """The sentences for a store error (busy, amended meanwhile, refused), or None when
    *exc* is not the store's (then it is a bug: the crash handler takes it)."""
    if isinstance(exc, RecordError):
        return [problem_text(p) for p in exc.problems]
    if isinstance(exc, SQLAlchemyError):
        if write_timed_out(exc):
            return [_("busy_write")]
        return [_("store_error", error=_first_line(exc))]
    return None


def problem_text(p: Problem) -> str:
    """The message, its code and the hint in one sentence (the app's wording of a problem)."""
    zh = get_lang() == "zh"
    head = f"{p.message}（{p.code}）" if zh else f"{p.message} ({p.code})"
    return head + ("。" if zh else ". ") + p.hint if p.hint else head


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def latest_campaign(engine: Any) -> str | None:
    """The campaign of the newest draw in the store (the review's default)."""
    tasks = list_tasks(engine)
    return max(tasks, key=lambda t: (t.draw_id, t.seq)).campaign_id if tasks else None


class _Loading(Screen):
    """Runs a store read or write on a worker thread; errors become notifications."""

    @property
    def session(self) -> Session:
        return session_of(self)

    def fail(self, exc: BaseException) -> None:
        """From a worker: show the store error in the app (never a traceback)."""
        sentences = store_failure(exc)
        if sentences is None:
            raise exc
        self.app.call_from_thread(self.app.notify, "\n".join(sentences), severity="error",
                                  timeout=10)


class ReviewScreen(FilteredList, _Loading):
    """The submitted records of a campaign, filtered as you type; ``enter`` opens one,
    ``ctrl+s`` settles the campaign."""

    BINDINGS = [
        Binding("down", "move(1)", "down", key_display="↓", show=False, id="review_down"),
        Binding("up", "move(-1)", "up", key_display="↑", show=False, id="review_up"),
        Binding("enter", "open", "details", key_display="⏎", priority=True, id="review_open"),
        Binding("ctrl+s", "settle", "settle", key_display="^s", id="review_settle"),
        Binding("f5", "reload", "reload", key_display="F5", id="review_reload"),
        Binding("escape", "back", "back", key_display="Esc", id="review_back"),
    ]

    def __init__(self, campaign: str | None = None):
        super().__init__()
        localise(self)
        self.campaign = campaign
        self.rows: list[Consolidated] = []
        self.departments: list[tuple[str, str]] = []
        self.ready = False  # the rows are loaded

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(_("loading"), id="review-counts", classes="line")
        yield Input(placeholder=_("review_filter"), id="review-filter")
        yield DataTable(id="review", cursor_type="row", zebra_stripes=True)
        yield Static("", id="review-empty")
        yield Static("", id="review-legend")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.title = _("review_title")
        self.sub_title = self.campaign or ""
        self.query_one(Input).focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self.ready:
            self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, group="review", exclusive=True)
    def load(self) -> None:
        app = self.session
        try:
            campaign = self.campaign or latest_campaign(app.engine)
            rows = load(app.engine, campaign) if campaign else []
        except Exception as exc:  # noqa: BLE001 - store errors are shown, others re-raised
            self.fail(exc)
            return
        checklist = campaign_checklist(rows)
        self.app.call_from_thread(self._loaded, campaign, rows, checklist)

    def _loaded(self, campaign: str | None, rows: list[Consolidated], checklist: Any) -> None:
        self.campaign, self.rows, self.ready = campaign, rows, True
        if checklist is not None and checklist.campaign is not None:
            c = checklist.campaign
            self.sub_title = c.document_number or c.title
        self.departments = [(d.code, d.name) for d in checklist.departments] if checklist else []
        self.query_one(DataTable).clear(columns=True)
        self.query_one("#review-counts", Static).update(
            review_counts(rows) if campaign else _("review_campaign_none"))
        self.query_one("#review-legend", Static).update(
            legend(checklist.policy.results) if checklist else "")
        self._fill()

    def submitted(self) -> list[Consolidated]:
        return [r for r in self.rows if r.submitted]

    def on_resize(self) -> None:
        if self.ready and self._narrow() != self._columns_narrow:
            self.query_one(DataTable).clear(columns=True)
            self._fill()

    _columns_narrow: bool | None = None

    def _narrow(self) -> bool:
        return self.app.size.width < NARROW_BELOW

    def _columns(self, table: DataTable) -> None:
        """The columns; below 100 columns the name, 处理结果 and the settled state are cut
        to fit 80 (the details show them whole)."""
        narrow = self._columns_narrow = self._narrow()
        labels = results_header(self.departments, review=True)
        widths: dict[int, int] = {1: 12, len(labels) - 2: 10, len(labels) - 1: 8} \
            if narrow else {}
        for n, label in enumerate(labels):
            table.add_column(label, width=widths.get(n))

    def _fill(self) -> None:
        words = self.query_one(Input).value.lower().split()
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        if not table.columns:
            self._columns(table)
        for row in self.submitted():
            cells = results_row(row, self.departments, review=True)
            hay = " ".join([*cells, row.task.credit_code]).lower()
            if all(w in hay for w in words):
                table.add_row(*[Text(c, overflow="ellipsis", no_wrap=True) for c in cells],
                              key=row.task.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        empty = self.query_one("#review-empty", Static)
        empty.update(_("review_no_match") if self.submitted() else _("review_none"))
        empty.display = not table.row_count

    def open_row(self, key: str) -> None:
        self.app.push_screen(ReviewRecordScreen(key))

    def action_back(self) -> None:
        field = self.query_one(Input)
        if field.value:
            field.value = ""
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    # -- settling -------------------------------------------------------------------------

    def action_settle(self) -> None:
        if not self.ready or not self.campaign:
            return
        todo = [r for r in self.rows if r.submitted and not r.is_settled]
        missing = [r for r in self.rows if not r.submitted]
        if not todo:
            self.notify(_("nothing_to_settle"))
            return

        def chosen(allow_missing: bool | None) -> None:
            if allow_missing is not None:
                self.settle(allow_missing)

        self.app.push_screen(SettleModal(len(todo), len(self.rows) - len(missing) - len(todo),
                                         missing), chosen)

    @work(thread=True, group="settle", exclusive=True)
    def settle(self, allow_missing: bool) -> None:
        app = self.session
        assert self.campaign is not None
        try:
            done = settle(app.engine, self.campaign, allow_missing=allow_missing,
                          actor=app.actor)
        except Exception as exc:  # noqa: BLE001 - store errors are shown, others re-raised
            self.fail(exc)
            self.app.call_from_thread(self.load)
            return
        text = _("settled_done", n=len(done.settled), already=done.already)
        if done.missing:
            text += "\n" + _("settled_missing", n=len(done.missing))
        self.app.call_from_thread(self.app.notify, text)
        self.app.call_from_thread(self.load)


class ReviewRecordScreen(_Loading):
    """One record: per department the computed and the settled result and dispositions,
    the joint result, the 不符合 items and the overrides; overrides with a reason."""

    BINDINGS = [
        Binding("down,j", "cursor('down')", "down", key_display="↓/j", show=False,
                id="record_down"),
        Binding("up,k", "cursor('up')", "up", key_display="↑/k", show=False, id="record_up"),
        Binding("r", "result", "change_result", id="record_result"),
        Binding("enter", "result", "change_result", key_display="⏎", show=False,
                id="record_enter"),
        Binding("a", "add", "add_disposition", id="record_add"),
        Binding("x", "remove", "remove_disposition", id="record_remove"),
        Binding("f5", "reload", "reload", key_display="F5", show=False, id="record_reload"),
        Binding("escape", "app.pop_screen", "back", key_display="Esc", id="record_back"),
    ]

    def __init__(self, task_id: str):
        super().__init__()
        localise(self)
        self.task_id = task_id
        self.row: Consolidated | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(_("loading"), id="record-heading", classes="line")
        yield OptionList(id="targets")
        with VerticalScroll(id="record-detail"):
            yield Static(id="record-text")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.title = _("review_title")
        self.sub_title = _("task", id=self.task_id)
        targets = self.query_one(OptionList)
        targets.border_title = _("targets_heading")
        targets.focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_cursor(self, direction: str) -> None:
        targets = self.query_one(OptionList)
        (targets.action_cursor_down if direction == "down" else targets.action_cursor_up)()

    @work(thread=True, group="record", exclusive=True)
    def load(self, notice: tuple[str, str] | None = None) -> None:
        app = self.session
        try:
            with app.engine.connect() as conn:
                task = get_task(conn, self.task_id)
            (row,) = load(app.engine, "", with_record=True, tasks=[task])
        except Exception as exc:  # noqa: BLE001 - store errors are shown, others re-raised
            self.fail(exc)
            return
        self.app.call_from_thread(self._loaded, row)
        if notice is not None:
            self.app.call_from_thread(self.app.notify, notice[0], severity=notice[1])

    def _loaded(self, row: Consolidated) -> None:
        self.row = row
        t = row.task
        self.query_one("#record-heading", Static).update(_(
            "record_heading", task=t.id, name=t.name or t.credit_code, version=t.version,
            state=settled_cell(row) if row.submitted else _status(row)))
        names = self.names()
        targets = self.query_one(OptionList)
        keep = targets.highlighted
        targets.clear_options()
        for code, lines in target_blocks(row, names):
            targets.add_option(Option("\n".join(lines), id=code or JOINT))
        if targets.option_count:
            targets.highlighted = min(keep or 0, targets.option_count - 1)
        parts: list[tuple[str, str]] = [(_("problems_heading"), "bold")]
        parts += [(line, "") for line in problem_lines(row)]
        parts += [("", ""), (_("history_heading"), "bold")]
        parts += [(line, "") for line in override_lines(row, names) or [_("no_history")]]
        opinion = (row.record or {}).get("opinion")
        if row.checklist is not None:  # with the dispositions settled, or proposed
            opinion = opinion_text(opinion, row.results, row.is_settled, row.checklist)
        if opinion:
            parts += [("", ""), (_("opinion"), "bold"), (opinion, "")]
        if row.is_settled and row.settled_at is not None:
            parts += [("", ""), (_("settled_by", at=reading_time(row.settled_at),
                                  by=row.settled_by or "?"), "")]
        self.query_one("#record-text", Static).update(folded(parts))

    def names(self) -> dict[str, str]:
        checklist = self.row.checklist if self.row else None
        return {d.code: d.name for d in checklist.departments} if checklist else {}

    def target(self) -> str | None:
        """The highlighted block: a department's code, or None for the joint result."""
        targets = self.query_one(OptionList)
        if targets.highlighted is None:
            return None
        option = targets.get_option_at_index(targets.highlighted)
        return None if option.id == JOINT else option.id

    def target_name(self, code: str | None) -> str:
        return self.names().get(code, code) if code else consolidation_text("joint")

    def block(self, code: str | None) -> dict[str, Any]:
        res = (self.row.results if self.row else None) or {}
        return res.get("joint") or {} if code is None else res["departments"][code]

    # -- overrides ------------------------------------------------------------------------

    def _ready(self) -> bool:
        """A submitted record with results; else says why nothing can be changed."""
        if self.row is None:
            return False
        if self.row.submitted and self.row.checklist and self.row.results:
            return True

        self.notify(problem_text(problem("JC841", task=self.task_id)), severity="warning")
        return False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # enter on a department (or the joint result): change its result
        self.action_result()

    def action_result(self) -> None:
        if not self._ready():
            return
        assert self.row is not None and self.row.checklist is not None
        code = self.target()
        current = self.block(code)["result"]["code"]
        choices = [(str(c), f"{c}. {text}" + (_("current") if c == current else ""))
                   for c, text in self.row.checklist.policy.results.items()]
        self._ask("result", code, _("result_title", target=self.target_name(code)), choices,
                  str(current))

    def action_add(self) -> None:
        self._disposition("add")

    def action_remove(self) -> None:
        self._disposition("remove")

    def _disposition(self, kind: str) -> None:
        if not self._ready():
            return
        assert self.row is not None and self.row.checklist is not None
        code = self.target()
        if code is None:
            self.notify(_("dispositions_of_department"), severity="warning")
            return
        have = self.block(code)["dispositions"]
        name = self.target_name(code)
        if kind == "add":
            values = [d for d in self.row.checklist.policy.dispositions if d not in have]
            empty = _("nothing_to_add", target=name)
        else:
            values, empty = list(have), _("nothing_to_remove", target=name)
        if not values:
            self.notify(empty, severity="warning")
            return
        self._ask(kind, code, _(f"{kind}_title", target=name), [(v, v) for v in values],
                  values[0])

    def _ask(self, kind: str, code: str | None, title: str, choices: list[tuple[str, str]],
             current: str, reason: str = "", error: str = "") -> None:
        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                value, why = answer
                self.override(kind, code, value, why, (title, choices))

        self.app.push_screen(OverrideModal(title, choices, current, reason, error), chosen)

    @work(thread=True, group="override", exclusive=True)
    def override(self, kind: str, code: str | None, value: str, reason: str,
                 dialog: tuple[str, list[tuple[str, str]]]) -> None:
        app, row = self.session, self.row
        assert row is not None
        change: dict[str, Any] = {"result": int(value)} if kind == "result" else {
            kind: [value]}
        try:
            now = set_result(app.engine, row.task.id, reason=reason, department=code,
                             actor=app.actor, version=row.task.version, **change)
        except Exception as exc:  # noqa: BLE001 - store errors are shown, others re-raised
            sentences = store_failure(exc)
            if sentences is None:
                raise
            stale = isinstance(exc, RecordError) and any(
                p.code in ("JC853", "JC841") for p in exc.problems)
            if stale:  # the record changed: show it as it is now, the error beside it
                self.app.call_from_thread(self.app.notify, "\n".join(sentences),
                                          severity="error", timeout=10)
                self.app.call_from_thread(self.load)
            else:  # busy or refused: the dialog again, with what was typed
                self.app.call_from_thread(self._ask, kind, code, dialog[0], dialog[1], value,
                                          reason, _("not_saved_retry",
                                                    message="；".join(sentences)))
            return
        lines = override_lines(now, self.names())
        text = _("changed", what=lines[-1] if lines else "")
        severity = "information"
        if now.stale_settlement is not None:
            text += "\n" + _("unsettled")
            severity = "warning"
        warning = publication_warning(now)
        if warning is not None:
            text += "\n" + warning.format()
        self.app.call_from_thread(self.load, (text, severity))


def _status(row: Consolidated) -> str:
    return status_label(row.task.status)
