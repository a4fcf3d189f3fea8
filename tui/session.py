"""What the app's screens share, in a module of its own (the screens never import
tui/app.py): the :class:`Session` of the running app (its store, plugins, campaign and
officer), what an inspection screen shows (:class:`Loaded`, :func:`load_record`), and the
typed messages a screen posts to the app to move between screens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.message import Message

from jointcheck.core.records.service import (
    SUBMITTED,
    RecordError,
    load_draft,
    version_draft,
    versions,
)

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from jointcheck.core.model import Checklist
    from jointcheck.core.plugins import PluginHost
    from jointcheck.core.records.service import Draft, RecordVersion


@dataclass
class Session:
    """The running app's context: the store (``None`` until the person logs in), the
    plugins, the campaign's checklist (for tasks drawn before snapshots were kept, else
    ``fallback()``) and who is working."""

    store: Engine | None
    host: PluginHost | None = None
    campaign: Checklist | None = None
    actor: str | None = None
    fallback: Callable[[], Checklist | None] | None = None

    @property
    def engine(self) -> Engine:
        """The store (every screen is shown after the login, if one was needed)."""
        if self.store is None:
            raise RuntimeError("the store is not open yet: the login comes first")
        return self.store


def session_of(node: DOMNode) -> Session:
    """The session of the app *node* runs in."""
    found = getattr(node.app, "session", None)
    assert isinstance(found, Session), "a jointcheck screen runs in the jointcheck app"
    return found


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




# -- what a screen asks of the app --------------------------------------------------------


class OpenTask(Message):
    """Load a task on a worker thread and show it (*replace*: instead of this screen)."""

    def __init__(self, task_id: str, *, replace: bool = False) -> None:
        super().__init__()
        self.task_id = task_id
        self.replace = replace


class ShowRecord(Message):
    """Show a loaded record (a version from the history: *from_history*)."""

    def __init__(self, loaded: Loaded, *, replace: bool = False,
                 from_history: bool = False) -> None:
        super().__init__()
        self.loaded = loaded
        self.replace = replace
        self.from_history = from_history


class InspectionReady(Message):
    """The first inspection screen is interactive (bench/app_startup.py measures it)."""
