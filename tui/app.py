"""The inspectors' app: ``jointcheck inspect [TASK]`` (docs/architecture.md, "The app").

A thin shell over the records service: it loads tasks and drafts through
core.records.service, renders them with core.present, and writes every answer at once on
a writer thread (tui/saving.py). It never re-implements a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from jointcheck.core.crash import write_crash_log

from .text import _, localise

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from jointcheck.core.model import Checklist
    from jointcheck.core.plugins import PluginHost
    from jointcheck.core.records.service import Draft, RecordVersion


class Crashed(Exception):
    """An unexpected exception, already logged: shown as one sentence, not a traceback."""

    def __init__(self, sentence: str):
        super().__init__(sentence)
        self.sentence = sentence

    def __rich__(self) -> str:
        return self.sentence


@dataclass
class Loaded:
    """What an inspection screen shows: the draft (or a submitted version as a read-only
    draft), the version history and the version shown, if any."""

    draft: Draft
    history: list[RecordVersion]
    shown: RecordVersion | None = None

    @property
    def readonly(self) -> bool:
        return self.shown is not None


def load_record(engine: Engine, task_id: str, host: PluginHost | None,
                campaign: Checklist | None,
                fallback: Callable[[], Checklist | None] | None = None) -> Loaded:
    """Read a task for the inspection screen (on a worker thread, or before the app starts).
    A task drawn before checklist snapshots were kept is pinned to *campaign*, else to
    ``fallback()`` (the example campaign), loaded only then."""
    from jointcheck.core.records.service import (
        SUBMITTED,
        RecordError,
        load_draft,
        version_draft,
        versions,
    )

    try:
        draft = load_draft(engine, task_id, host=host, campaign=campaign)
    except RecordError as exc:
        if campaign is not None or fallback is None \
                or not any(p.code == "JC818" for p in exc.problems):
            raise
        draft = load_draft(engine, task_id, host=host, campaign=fallback())
    history = versions(engine, task_id) if draft.task.version else []
    if draft.task.status == SUBMITTED and history:
        shown_draft, rv = version_draft(engine, task_id, host=host)
        return Loaded(shown_draft, history, rv)
    return Loaded(draft, history)


class InspectApp(App[int]):
    """``jointcheck inspect``: the task list, the inspection screen, the office's review
    (``--review``) and their dialogs."""

    CSS_PATH = "jointcheck.tcss"
    TITLE = "jointcheck"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "quit", id="quit"),
        Binding("question_mark", "help", "help", key_display="?", id="help"),
        Binding("ctrl+p", "command_palette", "palette", show=False, id="palette"),
    ]
    # set by bench/app_startup.py: called once the first inspection screen is interactive
    on_inspection_ready: Callable[[InspectApp], None] | None = None

    def __init__(self, engine: Engine | None, *, host: PluginHost | None = None,
                 campaign: Checklist | None = None, task_id: str | None = None,
                 officer: str | None = None, loaded: Loaded | None = None,
                 actor: str | None = None,
                 fallback: Callable[[], Checklist | None] | None = None,
                 review: str | bool | None = None, login_url: str | None = None):
        super().__init__()
        localise(self)
        # None until the person logs in (login_url: a server store without a password)
        self._engine = engine
        self.login_url = login_url
        self.host = host
        self.campaign = campaign
        self.task_id = task_id
        self.officer = officer
        self.actor = actor
        self.fallback = fallback
        self._loaded = loaded
        self.review = review  # the office's review: True (the newest campaign) or its id

    @property
    def engine(self) -> Engine:
        """The store (every screen is shown after the login, if one was needed)."""
        if self._engine is None:
            raise RuntimeError("the store is not open yet: the login comes first")
        return self._engine

    @property
    def store_open(self) -> bool:
        return self._engine is not None

    # -- screens ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        from jointcheck.core.store import IDLE_SECONDS

        # hold no database connection while the inspector is idle (docs/store.md#connections)
        self.set_interval(IDLE_SECONDS / 2, self.release_idle_connections)
        if self._engine is None and self.login_url is not None:
            from .modals.login import LoginModal

            self.push_screen(LoginModal(self.login_url), self._logged_in)
            return
        self._start()

    def _logged_in(self, engine: Engine | None) -> None:
        if engine is None:  # cancelled: nothing to show without the store
            self.exit(1)
            return
        self._engine = engine
        self._start()

    def _start(self) -> None:
        from .screens.tasks import TaskListScreen

        if self.review:
            from .screens.review import ReviewScreen

            self.push_screen(ReviewScreen(self.review if isinstance(self.review, str)
                                          else None))
        elif self.task_id is None:
            self.push_screen(TaskListScreen(officer=self.officer))
        elif self._loaded is not None:
            self.show_record(self._loaded)
        else:
            self.open_task(self.task_id)

    def release_idle_connections(self) -> bool:
        """Close the store's connections once unused for a while (PostgreSQL); the next
        read or mark opens one again."""
        from jointcheck.core.store import release_idle

        return self._engine is not None and release_idle(self._engine)

    def open_task(self, task_id: str, *, replace: bool = False) -> None:
        """Load *task_id* on a worker thread and show it."""
        self.run_worker(lambda: self._load(task_id, replace), thread=True,
                        group="load", exclusive=True)

    def _load(self, task_id: str, replace: bool) -> None:
        from jointcheck.core.records.service import RecordError

        try:
            loaded = load_record(self.engine, task_id, self.host, self.campaign, self.fallback)
        except RecordError as exc:
            self.call_from_thread(self.notify, "\n".join(p.message for p in exc.problems),
                                  severity="error")
            return
        self.call_from_thread(self.show_record, loaded, replace)

    def show_record(self, loaded: Loaded, replace: bool = False,
                    from_history: bool = False) -> None:
        from .screens.inspection import InspectionScreen

        screen = InspectionScreen(loaded, from_history=from_history)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def inspection_ready(self) -> None:
        hook = type(self).on_inspection_ready
        if hook is not None:
            hook(self)

    # -- keys: help screen and command palette, both generated from the bindings ----------

    def action_help(self) -> None:
        from .modals.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_rows(self.screen)))

    def binding_rows(self, screen: Screen) -> list[tuple[str, str]]:
        """(key, description) of every binding active on *screen*, in order, once each."""
        rows: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for binding in self._bindings_of(screen):
            row = (self.get_key_display(binding), binding.description)
            if binding.id and binding.description and row not in seen:
                seen.add(row)
                rows.append(row)
        return rows

    def _bindings_of(self, screen: Screen) -> Iterable[Binding]:
        return [active.binding for active in screen.active_bindings.values()]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        seen = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if not b.id or b.action in seen or b.action == "command_palette":
                continue
            seen.add(b.action)
            node = active.node
            yield SystemCommand(b.description, self.get_key_display(b),
                                _runner(self, node, b.action))

    # -- crashes ----------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        if isinstance(error, Crashed):
            super()._handle_exception(error)
            return
        try:
            path = write_crash_log(error, f"task {self.task_id or '-'}")
            sentence = _("crashed", path=path)
        except OSError as exc:
            sentence = _("crashed_nolog", error=exc)
        crashed = Crashed(sentence)
        crashed.__cause__ = error
        super()._handle_exception(crashed)


def _runner(app: App, node: Any, action: str) -> Callable[[], Any]:
    async def run() -> None:
        await app.run_action(action, node)

    return run
