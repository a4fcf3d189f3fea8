"""The inspection screen (联合检查记录表, 附件4): the enterprise header, the visit, the
items by department, the legal-basis panel and the live results.

Every change is shown at once and handed to the writer thread (tui/saving.py), which
stores it in its own short transaction; the title says honestly whether everything is
stored. A submitted record is shown read-only, with its versions and ``a`` to amend.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static

from jointcheck.core.errors import problem
from jointcheck.core.present.inspection import (
    correctable_facts,
    escort_text,
    header_pairs,
    legal_sections,
    live_result_lines,
    referral_summary,
    visit_pairs,
)
from jointcheck.core.present.legal import label
from jointcheck.core.present.records import outcome_label, result_label, results_lines, status_label
from jointcheck.core.present.team import member_text
from jointcheck.core.records.opinion import draft_opinion
from jointcheck.core.records.service import (
    AMENDING,
    OUTCOMES,
    Answer,
    RecordError,
    field_key,
    item_key,
    start_amendment,
    submit,
    version_draft,
)
from jointcheck.core.text import flow

from ...core.clock import reading_time
from ...core.clock import today as clock_today
from ..modals.conflict import ConflictModal
from ..modals.facts import FactsModal, shown
from ..modals.form import ChoiceModal, FormModal
from ..modals.pick import PickModal
from ..modals.submit import SubmitModal
from ..modals.text import TextModal
from ..saving import Busy, Conflict, JobDone, JobFailed, Rejected, Saved, Saver, Saving
from ..session import InspectionReady, Loaded, OpenTask, Session, ShowRecord, session_of
from ..text import _, localise
from ..widgets.footer import FittingFooter
from ..widgets.items import ItemList

if TYPE_CHECKING:  # pragma: no cover
    from jointcheck.core.model import Item, JointResult


BUSY_AFTER = 1.0  # seconds a save may take before the title says the store is busy


class InspectionScreen(Screen):
    BINDINGS = [
        Binding("down,j", "cursor('down')", "down", key_display="↓/j", show=False,
                id="down"),
        Binding("up,k", "cursor('up')", "up", key_display="↑/k", show=False, id="up"),
        Binding("1", "mark('compliant')", "compliant", id="mark_compliant"),
        Binding("2", "mark('noncompliant')", "noncompliant", id="mark_noncompliant"),
        Binding("3", "mark('not_applicable')", "not_applicable", id="mark_not_applicable"),
        Binding("c", "corrected", "corrected", id="corrected"),
        Binding("enter", "note", "note", key_display="⏎", id="note"),
        Binding("ctrl+s", "submit", "submit", key_display="^s", id="submit"),
        Binding("o", "opinion", "opinion", id="opinion"),
        Binding("a", "amend", "amend", id="amend"),
        Binding("h", "history", "history", id="history"),
        Binding("l", "legal", "legal", id="legal"),
        Binding("d", "date", "date", show=False, id="date"),
        Binding("v", "outcome", "outcome", show=False, id="outcome"),
        Binding("e", "escort", "escort", show=False, id="escort"),
        Binding("p", "officers", "officers", show=False, id="officers"),
        Binding("r", "remarks", "remarks", show=False, id="remarks"),
        Binding("f", "facts", "facts", show=False, id="facts"),
        Binding("escape", "back", "back", show=False, id="back"),
        Binding("q", "quit", "quit", id="quit"),
    ]
    EDITING = {"mark", "corrected", "note", "opinion", "submit", "date", "outcome", "escort",
               "remarks", "officers", "facts"}

    def __init__(self, loaded: Loaded, *, from_history: bool = False):
        super().__init__()
        localise(self)
        self.loaded = loaded
        self.from_history = from_history  # opened from another screen's version list
        self.draft = loaded.draft
        self.readonly = loaded.readonly
        self.saver: Saver | None = None
        self.save_state = "saved"
        self._saving_since: float | None = None
        self._busy = False
        self._quit_when_saved = False
        self._result: JointResult | None = None

    @property
    def result(self) -> JointResult:
        """The joint result of the draft as it stands (classified by refresh_all)."""
        if self._result is None:
            self._result = self.draft.classify()
        return self._result

    @property
    def session(self) -> Session:
        return session_of(self)

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="titlebar", classes="line")
        yield Static(id="enterprise-short", classes="line")
        yield Static(id="enterprise-full")
        yield Static(id="visit", classes="line")
        with Horizontal(id="body"):
            yield ItemList(self.draft, id="items")
            with VerticalScroll(id="legal"):
                yield Static(id="legal-text")
        yield Static(id="results")
        yield FittingFooter()

    def on_mount(self) -> None:
        items = self.query_one(ItemList)
        items.border_title = _("items_heading")
        self.query_one("#legal").border_title = label("legal_basis")
        self.query_one("#results").border_title = _(
            "results_heading" if self.loaded.shown is None else "results_submitted")
        items.go_to_item_number(self.draft.resume_index())
        items.focus()
        if not self.readonly:
            versions = {k: a.version for k, a in self.draft.answers.items()}
            self.saver = Saver(self.session.engine, self.draft.task.id, self.draft.checklist,
                               versions, self.post_message, actor=self.session.actor)
            self._writer()
            self.set_interval(0.25, self._tick)
        self.refresh_all()
        self.call_after_refresh(self.app.post_message, InspectionReady())

    def on_unmount(self) -> None:
        if self.saver is not None:
            self.saver.stop()

    @work(thread=True, group="writer", name="writer")
    def _writer(self) -> None:
        assert self.saver is not None
        self.saver.run()

    # -- rendering --------------------------------------------------------------------------

    @property
    def items(self) -> ItemList:
        return self.query_one(ItemList)

    def refresh_all(self) -> None:
        self._result = self.draft.classify()
        self._render_header()
        self._render_title()
        self._render_visit()
        self._render_results()
        self._render_legal()

    def _render_title(self) -> None:
        campaign = self.draft.checklist.campaign
        self.title = (campaign.title + " · " if campaign else "") + _("task", id=self.draft.task.id)
        answered, total = self.draft.progress()
        status = self.draft.task.status
        if self.readonly:
            state = _("readonly")
            label = status_label(status)
            if self.loaded.shown is not None:
                label += " " + _("version_short", n=self.loaded.shown.version)
                if self.older_version:
                    label += _("older")
        else:
            shown = "draft" if status in ("pending", "draft") else status
            label = status_label(shown, answered, total)
            if status == AMENDING:
                label += f" {answered}/{total}"
            state = _(self.save_state)
        self.sub_title = f"{label} · {state}"
        self.query_one("#titlebar", Static).update(
            f"{_('task', id=self.draft.task.id)} · {self.sub_title}"
            + (f" · {campaign.title}" if campaign else ""))

    def _render_header(self) -> None:
        """附件4's header, with the officers' corrections of the library's facts."""
        task = self.draft.task
        pairs = header_pairs(task.target | (self.draft.field("target") or {})
                             | {"credit_code": task.credit_code})
        self._header = [f"{pairs[i][0]} {pairs[i][1]}" for i in HEADER_ORDER]
        self.query_one("#enterprise-short", Static).update(
            "  ".join(f"{v}" for _l, v in pairs[:2]))
        self._flow_header()

    def _flow_header(self) -> None:
        """The nine 附件4 fields, whole pairs per line, wrapped rather than cut."""
        header = self.query_one("#enterprise-full", Static)
        width = (header.size.width or self.size.width or self.app.size.width) - 2
        header.update("\n".join(flow(self._header, max(width, 20))))

    def on_resize(self) -> None:
        if hasattr(self, "_header"):
            self._flow_header()

    def _render_visit(self) -> None:
        parts = [f"{label} {value}" for label, value in visit_pairs(self.draft)]
        if self.loaded.history:
            listed = "；".join(_version_text(v) for v in self.loaded.history)
            parts.append(_("versions", list=listed))
        if self.draft.task.status == AMENDING and self.draft.task.amend_reason:
            parts.append(_("amending", reason=self.draft.task.amend_reason))
        self.query_one("#visit", Static).update("   ".join(parts))

    def _render_results(self) -> None:
        shown = self.loaded.shown
        if shown is not None:
            lines = results_lines(shown.results, self.draft.checklist)
        else:
            lines = live_result_lines(self.result, self.draft.checklist,
                                      self.draft.unfinished())
            referred = referral_summary(self.draft, self.result)
            if referred:
                lines.append(referred)
        self.query_one("#results", Static).update("\n".join(lines))

    def _render_legal(self) -> None:
        item = self.items.current
        if item is None:
            return

        text = Text()
        for n, (heading, body) in enumerate(legal_sections(item, self.draft.checklist)):
            if n:
                text.append("\n")
            text.append(heading + "\n", style="bold")
            if body:
                text.append(body + "\n")
        self.query_one("#legal-text", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list is self.items:
            self._render_legal()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is self.items:
            event.stop()
            self.action_note()

    # -- bindings ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.EDITING:
            return not self.readonly
        if action == "amend":  # from the newest version only
            return self.readonly and not self.older_version
        if action == "history":
            return len(self.loaded.history) > 1 or (bool(self.loaded.history)
                                                    and not self.readonly)
        return True

    @property
    def older_version(self) -> bool:
        """Whether the version shown is not the newest (read from the history)."""
        shown = self.loaded.shown
        return shown is not None and any(v.version > shown.version for v in self.loaded.history)

    def action_cursor(self, direction: str) -> None:
        if direction == "down":
            self.items.action_cursor_down()
        else:
            self.items.action_cursor_up()

    def action_mark(self, result: str) -> None:
        item = self.items.current
        if item is None:
            return
        if not self.draft.applies(item) and result != "not_applicable":
            self.notify(_("does_not_apply"), severity="warning")
            return
        old = self.draft.value(item_key(item)) or {}
        value: dict[str, Any] = {"result": result}
        if result == "noncompliant" and old.get("corrected_on_site"):
            value["corrected_on_site"] = True
        if old.get("note"):
            value["note"] = old["note"]
        self.set_item(item, value)
        self.items.advance()

    def action_corrected(self) -> None:
        item = self.items.current
        old = self.draft.item_answer(item) if item else None
        if item is None or old is None or old["result"] != "noncompliant":
            return
        value = dict(old)
        if value.get("corrected_on_site"):
            value.pop("corrected_on_site")
        else:
            value["corrected_on_site"] = True
        self.set_item(item, value)

    def action_note(self) -> None:
        if self.readonly:
            return

        item = self.items.current
        if item is None:
            return

        def changed(text: str) -> None:
            # a note typed before the mark is kept (without a result) and stays with it
            value = dict(self.draft.value(item_key(item)) or {"result": None})
            if text.strip():
                value["note"] = text
            else:
                value.pop("note", None)
            self.set_item(item, value)

        note = (self.draft.value(item_key(item)) or {}).get("note") or ""
        self.app.push_screen(TextModal(_("note_title", title=item.title), note, changed))

    def action_opinion(self) -> None:
        self.app.push_screen(TextModal(_("opinion_title"), self.opinion(),
                                       lambda text: self.set_field("opinion", text)))

    def action_remarks(self) -> None:
        self.app.push_screen(TextModal(_("remarks_title"), self.draft.field("remarks") or "",
                                       lambda text: self.set_field("remarks", text)))

    def opinion(self) -> str:
        stored = self.draft.field("opinion")
        return stored if stored is not None else draft_opinion(self.draft)

    def action_date(self) -> None:
        current = self.draft.field("inspected_on") or clock_today().isoformat()

        def check(values: dict[str, str]) -> str | None:
            try:
                date.fromisoformat(values["date"])
            except ValueError:
                return _("bad_date")
            return None if len(values["date"]) == 10 else _("bad_date")

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.set_field("inspected_on", values["date"])

        self.app.push_screen(FormModal(_("date_title"), [("date", _("date"), current)], check),
                             done)

    def action_outcome(self) -> None:
        def done(value: str | None) -> None:
            if value:
                self.set_field("outcome", value)

        self.app.push_screen(ChoiceModal(_("outcome_title"),
                                         [(o, outcome_label(o)) for o in OUTCOMES],
                                         self.draft.outcome), done)

    def action_escort(self) -> None:
        escort = self.draft.field("escort") or {}

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            if values["name"]:
                value = {"name": values["name"]}
                if values["position"]:
                    value["position"] = values["position"]
                self.set_field("escort", value)
            else:
                self.set_field("escort", None)

        self.app.push_screen(FormModal(_("escort_title"), [
            ("name", _("escort_name"), escort.get("name", "")),
            ("position", _("escort_position"), escort.get("position", ""))]), done)

    def action_facts(self) -> None:
        facts = correctable_facts(self.draft)

        def done(corrections: dict[str, Any] | None) -> None:
            if corrections is None or corrections == (self.draft.field("target") or {}):
                return
            self.set_field("target", corrections or None)
            self.items.refresh_all()
            if corrections:
                labels = {f.name: f.label for f in facts}
                self.notify(_("facts_changed", what="、".join(
                    f"{labels[k]} {shown(v)}" for k, v in corrections.items())))
            else:
                self.notify(_("facts_withdrawn"))

        self.app.push_screen(FactsModal(facts), done)

    def action_officers(self) -> None:
        present = set(self.draft.officers_present())
        names = {d.code: d.name for d in self.draft.checklist.departments}
        choices = [(m.cert_no, member_text({"name": m.name, "cert_no": m.cert_no,
                                            "leader": m.leader,
                                            "department_name": names.get(m.department)})
                    + f"  {m.cert_no}", m.cert_no in present) for m in self.draft.task.team]

        def done(values: list[str] | None) -> None:
            if values:
                self.set_field("officers_present", values)

        self.app.push_screen(PickModal(_("officers_title"), choices), done)

    def action_legal(self) -> None:
        if "-narrow" in self.classes:
            self.toggle_class("-show-legal")
        else:
            self.toggle_class("-hide-legal")

    def action_submit(self) -> None:
        self.app.push_screen(SubmitModal(self.draft, self.opinion()), self._submit_chosen)

    def _submit_chosen(self, choice: tuple[str, object] | None) -> None:
        if choice is None:
            return
        what, arg = choice
        if what == "jump":
            self.jump_to(str(arg))
            return

        app, draft = self.session, self.draft
        assert self.saver is not None
        self.notify(_("submitting"))
        self._saving()
        self.saver.job("submit", lambda: submit(
            app.engine, draft.task.id, host=app.host, campaign=draft.checklist,
            confirm_date=bool(arg), actor=app.actor))

    def jump_to(self, key: str) -> None:
        kind, _sep, name = key.partition(":")
        if kind == "item":
            item = next((i for i in self.draft.checklist.items if i.key == name), None)
            if item is not None:
                self.items.go_to(item)
                self.items.focus()
        elif key == field_key("inspected_on"):
            self.action_date()
        elif key == field_key("escort"):
            self.action_escort()
        elif key == field_key("officers_present"):
            self.action_officers()

    def action_amend(self) -> None:
        def check(values: dict[str, str]) -> str | None:
            return None if values["reason"] else problem("JC816").message

        def done(values: dict[str, str] | None) -> None:
            if values:
                self._start_amendment(values["reason"])

        self.app.push_screen(FormModal(_("amend_title"), [("reason", _("amend"), "")], check),
                             done)

    @work(thread=True, group="amend")
    def _start_amendment(self, reason: str) -> None:
        try:
            start_amendment(self.session.engine, self.draft.task.id, reason,
                            actor=self.session.actor)
        except RecordError as exc:
            self.app.call_from_thread(self._problems, exc.problems)
            return
        self.app.post_message(OpenTask(self.draft.task.id, replace=True))

    def action_history(self) -> None:
        """Choose a submitted version to read (read-only, over the checklist it was filled
        against); escape comes back here."""
        history = self.loaded.history
        shown = self.loaded.shown.version if self.loaded.shown else None

        def chosen(value: str | None) -> None:
            if value is not None and int(value) != shown:
                self._open_version(int(value))

        self.app.push_screen(ChoiceModal(_("history_title"), [
            (str(v.version), _version_text(v)) for v in reversed(history)],
            str(shown) if shown else None), chosen)

    @work(thread=True, group="history", exclusive=True)
    def _open_version(self, version: int) -> None:
        s = self.session
        try:
            draft, rv = version_draft(s.engine, self.draft.task.id, version, host=s.host)
        except RecordError as exc:
            self.app.call_from_thread(self._problems, exc.problems)
            return
        loaded = Loaded(draft, self.loaded.history, rv)
        # one version view at a time: a second choice replaces the first
        self.app.post_message(ShowRecord(loaded, replace=self.from_history, from_history=True))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    async def action_quit(self) -> None:
        if self.saver is not None and self.saver.pending:
            self._quit_when_saved = True
            self.notify(_("saving"))
            return
        self.app.exit(0)

    # -- changes --------------------------------------------------------------------------

    def set_item(self, item: Item, value: dict[str, Any]) -> None:
        key = item_key(item)
        self._store_locally(key, value)
        self.items.refresh_item(item)
        self.refresh_all()
        assert self.saver is not None
        self.saver.save(key, value)
        self._saving()

    def set_field(self, name: str, value: Any) -> None:
        key = field_key(name)
        self._store_locally(key, value)
        self.refresh_all()
        assert self.saver is not None
        self.saver.save(key, value)
        self._saving()

    def _store_locally(self, key: str, value: Any) -> None:
        old = self.draft.answers.get(key)
        self.draft.answers[key] = Answer(value, old.version if old else 0,
                                         old.updated_at if old else None,
                                         old.updated_by if old else None)
        if self.draft.task.status == "pending":
            self.draft.task.status = "draft"

    # -- events from the writer thread ----------------------------------------------------

    def _saving(self) -> None:
        """A write is queued: the title says so (and that the store is busy, if it is)."""
        if self._saving_since is None:
            self._saving_since = time.monotonic()
        self._set_state("busy" if self._busy else "saving")

    def _all_saved(self, pending: int) -> None:
        if pending > 0:
            return
        self._saving_since = None
        self._busy = False
        self._set_state("saved")
        if self._quit_when_saved:
            self.app.exit(0)

    def on_saving(self, _message: Saving) -> None:
        self._saving()

    def on_busy(self, _message: Busy) -> None:
        self._busy = True
        self._set_state("busy")

    def on_saved(self, message: Saved) -> None:
        self._all_saved(message.pending)

    def on_conflict(self, message: Conflict) -> None:
        self._conflict(message.key, message.mine, message.theirs)

    def on_rejected(self, message: Rejected) -> None:
        self._set_state("unsaved")
        self._problems(message.problems)

    def on_job_done(self, message: JobDone) -> None:
        self._all_saved(message.pending)
        if message.job == "submit":
            self.notify(_("submitted", n=message.result.version))
            self.app.post_message(OpenTask(self.draft.task.id, replace=True))

    def on_job_failed(self, message: JobFailed) -> None:
        self._problems(message.problems)
        if message.pending <= 0:
            self._set_state("saved")

    def _tick(self) -> None:
        if self._saving_since is not None and time.monotonic() - self._saving_since > BUSY_AFTER:
            self._set_state("busy")

    def _set_state(self, state: str) -> None:
        if state != self.save_state:
            self.save_state = state
            self._render_title()

    def _problems(self, problems) -> None:
        self.notify("\n".join(p.message for p in problems), severity="error", timeout=8)

    def _conflict(self, key: str, mine: Any, theirs: Answer) -> None:
        def chosen(which: str | None) -> None:
            assert self.saver is not None
            if which == "mine":
                self.saver.save(key, mine, expected=theirs.version)
                self._saving()
            else:
                self.draft.answers[key] = theirs
                self.saver.adopt(key, theirs.version)
                item = next((i for i in self.draft.checklist.items if item_key(i) == key), None)
                if item is not None:
                    self.items.refresh_item(item)
                elif key == field_key("target"):  # their facts decide which items apply
                    self.items.refresh_all()
                self.refresh_all()

        self._set_state("unsaved")
        what = key.partition(":")[2]
        item = next((i for i in self.draft.checklist.items if item_key(i) == key), None)
        self.app.push_screen(ConflictModal(item.title if item else what,
                                           theirs.updated_by or "?", _answer_text(mine),
                                           _answer_text(theirs.value)), chosen)


# the order of header_pairs' fields in the wide header: name, code, legal representative,
# phone first, then type, area, address, business scope, founding date
HEADER_ORDER = (0, 1, 2, 6, 3, 5, 7, 8, 4)


def _version_text(v) -> str:
    return _("version", n=v.version, at=reading_time(v.submitted_at), by=v.submitted_by,
             reason=_("reason_part", r=v.reason) if v.reason else "")


def _answer_text(value: Any) -> str:
    if value is None:
        return _("empty")
    if isinstance(value, dict) and "result" in value:
        text = result_label(value.get("result"))
        if value.get("note"):
            text += f"：{value['note']}"
        return text
    if isinstance(value, dict):
        return escort_text(value) or str(value)
    return str(value)
