"""The inspectors' app: ``jointcheck inspect [TASK]`` (docs/architecture.md, "The app").

A thin shell over the records service: it loads tasks and drafts through
core.records.service, renders them with core.present, and writes every answer at once on
a writer thread (tui/saving.py). It never re-implements a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from jointcheck.core.crash import write_crash_log
from jointcheck.core.records.service import RecordError
from jointcheck.core.store import IDLE_SECONDS, release_idle
from jointcheck.core.store.access import is_refusal, refusal

from . import linebreak
from .modals.help import HelpScreen
from .modals.login import LoginModal
from .screens.inspection import InspectionScreen
from .screens.review import ReviewScreen
from .screens.tasks import TaskListScreen
from .session import InspectionReady, Loaded, OpenTask, Session, ShowRecord, load_record
from .text import _, localise

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from jointcheck.core.model import Checklist
    from jointcheck.core.plugins import PluginHost

__all__ = ["Crashed", "InspectApp", "Loaded", "load_record"]


class Crashed(Exception):
    """An unexpected exception, already logged: shown as one sentence, not a traceback."""

    def __init__(self, sentence: str):
        super().__init__(sentence)
        self.sentence = sentence

    def __rich__(self) -> str:
        return self.sentence


class InspectApp(App[int]):
    """``jointcheck inspect``: the task list, the inspection screen, the office's review
    (``--review``) and their dialogs."""

    CSS_PATH = "jointcheck.tcss"
    TITLE = "jointcheck"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # 24 rows, 40 rows
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
        linebreak.install()
        # the store is None until the person logs in (login_url: a server store without a
        # password)
        self.session = Session(engine, host, campaign, actor, fallback)
        self.login_url = login_url
        self.task_id = task_id
        self.officer = officer
        self._loaded = loaded
        self.review = review  # the office's review: True (the newest campaign) or its id

    @property
    def engine(self) -> Engine:
        """The store (every screen is shown after the login, if one was needed)."""
        return self.session.engine

    @property
    def store_open(self) -> bool:
        return self.session.store is not None

    @property
    def host(self) -> PluginHost | None:
        return self.session.host

    # -- screens ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        # hold no database connection while the inspector is idle (docs/store.md#connections)
        self.set_interval(IDLE_SECONDS / 2, self.release_idle_connections)
        if self.session.store is None and self.login_url is not None:
            self.push_screen(LoginModal(self.login_url), self._logged_in)
            return
        self._start()

    def _logged_in(self, engine: Engine | None) -> None:
        if engine is None:  # cancelled: nothing to show without the store
            self.exit(1)
            return
        self.session.store = engine
        self._start()

    def _start(self) -> None:
        if self.review:
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
        store = self.session.store
        return store is not None and release_idle(store)

    def open_task(self, task_id: str, *, replace: bool = False) -> None:
        """Load *task_id* on a worker thread and show it."""
        self.run_worker(lambda: self._load(task_id, replace), thread=True,
                        group="load", exclusive=True)

    def on_open_task(self, message: OpenTask) -> None:
        self.open_task(message.task_id, replace=message.replace)

    def _load(self, task_id: str, replace: bool) -> None:
        s = self.session
        try:
            loaded = load_record(s.engine, task_id, s.host, s.campaign, s.fallback)
        except RecordError as exc:
            self.call_from_thread(self.notify, "\n".join(p.message for p in exc.problems),
                                  severity="error")
            return
        self.call_from_thread(self.show_record, loaded, replace)

    def show_record(self, loaded: Loaded, replace: bool = False,
                    from_history: bool = False) -> None:
        screen = InspectionScreen(loaded, from_history=from_history)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def on_show_record(self, message: ShowRecord) -> None:
        self.show_record(message.loaded, message.replace, message.from_history)

    @on(InspectionReady)
    def _inspection_ready(self) -> None:
        hook = type(self).on_inspection_ready
        if hook is not None:
            hook(self)

    # -- keys: help screen and command palette, both generated from the bindings ----------

    def action_help(self) -> None:
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
        """The screen's own bindings in declared order (also those a focused widget
        shadows, such as ``enter`` over a list), then the other active ones."""
        own = [b for bindings in screen._bindings.key_to_bindings.values() for b in bindings]
        return own + [active.binding for active in screen.active_bindings.values()]

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
        if self.refused(error):
            return
        try:
            path = write_crash_log(error, f"task {self.task_id or '-'}")
            sentence = _("crashed", path=path)
        except OSError as exc:
            sentence = _("crashed_nolog", error=exc)
        crashed = Crashed(sentence)
        crashed.__cause__ = error
        super()._handle_exception(crashed)


    def refused(self, error: BaseException) -> bool:
        """PostgreSQL refusing the login an action (JC760: the action and why, in the
        user's language) is said in a notification, not a crash; the app goes on."""
        store = self.session.store
        if store is None or not is_refusal(error):
            return False
        action = "inspect --review" if self.review else "inspect"
        url = store.url.render_as_string(hide_password=False)
        self.notify(refusal(error, action=action, url=url).message, severity="error",
                    timeout=10)
        return True


def _runner(app: App, node: Any, action: str) -> Callable[[], Any]:
    async def run() -> None:
        await app.run_action(action, node)

    return run
