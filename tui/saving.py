"""The app's write path: one writer thread per open record.

Every answer goes to the store at once, in its own short transaction, with the version
the screen loaded (the records service detects a conflicting edit). The writer runs on a
Textual thread worker, so the UI thread never waits on the database; while the store is
busy (SQLite locked by an import, PostgreSQL unreachable) a save is retried with backoff
until it is stored — a mark waits, it is never dropped.

What the writer reports reaches the screen as typed Textual messages, posted from the
writer thread (``post_message`` is thread-safe; the screen handles them on the UI thread):

- :class:`Saving` (pending): a queued save was superseded by a later value of its key;
- :class:`Saved` (key, answer, pending);
- :class:`Busy` (error, attempt): the store refused for now; retrying;
- :class:`Conflict` (key, mine, theirs): someone else changed the answer (nothing written);
- :class:`Rejected` (key, problems): the service refused the value (e.g. the record was
  submitted meanwhile);
- :class:`JobDone` (job, result, pending) / :class:`JobFailed` (job, problems, pending): a
  queued job (submit, amend).

``pending`` counts the writes still queued once this one is done.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, OperationalError
from textual.message import Message

from jointcheck.core.records.service import AnswerConflict, RecordError, StoreBusy, save_answer

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from jointcheck.core.errors import Problem
    from jointcheck.core.model import Checklist
    from jointcheck.core.records.service import Answer

# -- what the writer thread reports --------------------------------------------------------


class Saving(Message):
    """A queued save was superseded by a later value of its key."""

    def __init__(self, pending: int) -> None:
        super().__init__()
        self.pending = pending


class Saved(Message):
    """An answer is stored."""

    def __init__(self, key: str, answer: Answer, pending: int) -> None:
        super().__init__()
        self.key, self.answer, self.pending = key, answer, pending


class Busy(Message):
    """The store refused a write for now (locked, unreachable): it is retried."""

    def __init__(self, error: BaseException, attempt: int) -> None:
        super().__init__()
        self.error, self.attempt = error, attempt


class Conflict(Message):
    """Someone else changed the answer since it was loaded: nothing was written."""

    def __init__(self, key: str, mine: Any, theirs: Any) -> None:
        super().__init__()
        self.key, self.mine, self.theirs = key, mine, theirs


class Rejected(Message):
    """The records service refused the value (e.g. the record was submitted meanwhile)."""

    def __init__(self, key: str, problems: list[Problem]) -> None:
        super().__init__()
        self.key, self.problems = key, problems


class JobDone(Message):
    """A queued job (submit, amend...) is done."""

    def __init__(self, job: str, result: Any, pending: int) -> None:
        super().__init__()
        self.job, self.result, self.pending = job, result, pending


class JobFailed(Message):
    """A queued job was refused by the service."""

    def __init__(self, job: str, problems: list[Problem], pending: int) -> None:
        super().__init__()
        self.job, self.problems, self.pending = job, problems, pending


_STOP = object()
BACKOFF_START, BACKOFF_MAX = 0.1, 2.0


@dataclass
class _Save:
    key: str
    value: Any
    expected: int | None = None  # None: the version of the last save of this key


@dataclass
class _Job:
    name: str
    run: Callable[[], Any]


def is_busy(exc: BaseException) -> bool:
    """Whether *exc* means "the store cannot take this write now, try again": SQLite
    locked or busy (a mark says so as :class:`StoreBusy`, JC820), a lost or refused
    connection."""
    if isinstance(exc, StoreBusy | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class Saver:
    """Serialises the writes of one record; :meth:`run` is the writer thread's body."""

    def __init__(self, engine: Engine, task_id: str, checklist: Checklist,
                 versions: dict[str, int], post: Callable[[Message], object], *,
                 actor: str | None = None, sleep: Callable[[float], None] = time.sleep):
        self.engine = engine
        self.task_id = task_id
        self.checklist = checklist
        self.versions = dict(versions)
        self.post = post  # thread-safe: the screen's post_message
        self.actor = actor
        self._sleep = sleep
        self._queue: queue.Queue[Any] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    # -- called from the UI thread ---------------------------------------------------------

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def save(self, key: str, value: Any, *, expected: int | None = None) -> None:
        self._put(_Save(key, value, expected))

    def job(self, name: str, run: Callable[[], Any]) -> None:
        """Run *run* on the writer thread after every save queued before it."""
        self._put(_Job(name, run))

    def adopt(self, key: str, version: int) -> None:
        """Take *version* as the one loaded for *key* (after choosing the other officer's
        value in a conflict)."""
        self.job("adopt", lambda: self.versions.__setitem__(key, version))

    def stop(self) -> None:
        self._stopped.set()
        self._queue.put(_STOP)

    def _put(self, entry: Any) -> None:
        with self._lock:
            self._pending += 1
        self._queue.put(entry)

    # -- the writer thread -------------------------------------------------------------------

    def run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is _STOP:
                return
            batch = [entry]
            while True:  # take what else is queued now: later values of a key win
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    self._queue.put(_STOP)
                    break
                batch.append(more)
            for n, item in enumerate(batch):
                if self._stopped.is_set():
                    return
                superseded = isinstance(item, _Save) and any(
                    isinstance(later, _Save) and later.key == item.key
                    and later.expected is None for later in batch[n + 1:])
                if not superseded:
                    self._do(item)
                with self._lock:
                    self._pending -= 1
                if superseded:
                    self.post(Saving(self.pending))

    def _retrying(self, step: Callable[[], Any]) -> Any:
        delay, attempt = BACKOFF_START, 0
        while True:
            try:
                return step()
            except Exception as exc:  # noqa: BLE001 - only store-busy errors are retried
                if not is_busy(exc) or self._stopped.is_set():
                    raise
                attempt += 1
                self.post(Busy(exc, attempt))
                self._sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    def _do(self, item: Any) -> None:
        if isinstance(item, _Job):
            try:
                result = self._retrying(item.run)
            except RecordError as exc:
                self.post(JobFailed(item.name, exc.problems, self.pending - 1))
                return
            self.post(JobDone(item.name, result, self.pending - 1))
            return
        expected = item.expected if item.expected is not None else self.versions.get(item.key, 0)
        try:
            answer = self._retrying(lambda: save_answer(
                self.engine, self.task_id, item.key, item.value, expected=expected,
                checklist=self.checklist, actor=self.actor))
        except AnswerConflict as exc:
            self.post(Conflict(item.key, item.value, exc.theirs))
            return
        except RecordError as exc:
            self.post(Rejected(item.key, exc.problems))
            return
        self.versions[item.key] = answer.version
        self.post(Saved(item.key, answer, self.pending - 1))
