"""The app's write path: one writer thread per open record.

Every answer goes to the store at once, in its own short transaction, with the version
the screen loaded (the records service detects a conflicting edit). The writer runs on a
Textual thread worker, so the UI thread never waits on the database; while the store is
busy (SQLite locked by an import, PostgreSQL unreachable) a save is retried with backoff
until it is stored — a mark waits, it is never dropped.

Events reach the screen through ``notify(kind, **data)`` (called on the writer thread; the
screen forwards them with ``call_from_thread``):

- ``saving`` (pending): a queued save was superseded by a later value of its key;
- ``saved`` (key, answer, pending);
- ``busy`` (error, attempt): the store refused for now; retrying;
- ``conflict`` (key, mine, theirs): someone else changed the answer (nothing written);
- ``rejected`` (key, problems): the service refused the value (e.g. the record was
  submitted meanwhile);
- ``done`` (job, result) / ``failed`` (job, problems): a queued job (submit, amend).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from jointcheck.core.model import Checklist

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
    data: dict[str, Any] = field(default_factory=dict)


def is_busy(exc: BaseException) -> bool:
    """Whether *exc* means "the store cannot take this write now, try again": SQLite
    locked or busy, a lost or refused connection."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class Saver:
    """Serialises the writes of one record; :meth:`run` is the writer thread's body."""

    def __init__(self, engine: Engine, task_id: str, checklist: Checklist,
                 versions: dict[str, int], notify: Callable[..., None], *,
                 actor: str | None = None, sleep: Callable[[float], None] = time.sleep):
        self.engine = engine
        self.task_id = task_id
        self.checklist = checklist
        self.versions = dict(versions)
        self.notify = notify
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

    def job(self, name: str, run: Callable[[], Any], **data: Any) -> None:
        """Run *run* on the writer thread after every save queued before it."""
        self._put(_Job(name, run, data))

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
                    self.notify("saving", pending=self.pending)

    def _retrying(self, step: Callable[[], Any]) -> Any:
        delay, attempt = BACKOFF_START, 0
        while True:
            try:
                return step()
            except Exception as exc:  # noqa: BLE001 - only store-busy errors are retried
                if not is_busy(exc) or self._stopped.is_set():
                    raise
                attempt += 1
                self.notify("busy", error=exc, attempt=attempt)
                self._sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    def _do(self, item: Any) -> None:
        from jointcheck.core.records.service import AnswerConflict, RecordError, save_answer

        if isinstance(item, _Job):
            try:
                result = self._retrying(item.run)
            except RecordError as exc:
                self.notify("failed", job=item.name, problems=exc.problems, **item.data)
                return
            self.notify("done", job=item.name, result=result, pending=self.pending - 1,
                        **item.data)
            return
        expected = item.expected if item.expected is not None else self.versions.get(item.key, 0)
        try:
            answer = self._retrying(lambda: save_answer(
                self.engine, self.task_id, item.key, item.value, expected=expected,
                checklist=self.checklist, actor=self.actor))
        except AnswerConflict as exc:
            self.notify("conflict", key=item.key, mine=item.value, theirs=exc.theirs)
            return
        except RecordError as exc:
            self.notify("rejected", key=item.key, problems=exc.problems)
            return
        self.versions[item.key] = answer.version
        self.notify("saved", key=item.key, answer=answer, pending=self.pending - 1)
