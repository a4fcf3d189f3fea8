"""Forking for speed, only where it is safe: one guard for every place that forks.

Three places run part of their work in a forked child process, only to be faster (the
result never depends on it): parsing many YAML files (core.yamlload.prefetch), reading a
large library file beside the database writer (core.libraries.importer) and the draw's
ranking of a large target set beside the set's fingerprint (core.draw.service).

``os.fork()`` copies only the calling thread: a lock held by another thread (the
interpreter's, a logging handler's, a database driver's) stays locked forever in the
child, which can then deadlock. The Textual app runs workers in threads, so no code may
fork while another thread lives. :func:`fork_safe` says whether forking is allowed now;
``JOINTCHECK_NO_FORK=1`` turns every fork off (the work is then done in this process).

This module imports nothing heavy and forks nothing by itself being imported.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

NO_FORK_ENV = "JOINTCHECK_NO_FORK"

T = TypeVar("T")


def fork_disabled() -> bool:
    """Whether ``JOINTCHECK_NO_FORK`` turns forking off (any value but empty or 0)."""
    return os.environ.get(NO_FORK_ENV, "").strip() not in ("", "0")


def fork_safe() -> bool:
    """Whether this process may fork now: forking is not switched off (:data:`NO_FORK_ENV`),
    the platform forks safely (POSIX, not macOS, whose system libraries are not fork-safe:
    Python's multiprocessing defaults to spawn there) and no other thread is alive."""
    if fork_disabled() or not hasattr(os, "fork") or sys.platform == "darwin":
        return False
    return threading.active_count() == 1


def fork_worthwhile() -> bool:
    """:func:`fork_safe`, and a second core for the child to run on."""
    return fork_safe() and (os.cpu_count() or 1) >= 2


def beside(fn: Callable[[Any], T], arg: Any) -> Callable[[], T]:
    """Start ``fn(arg)`` in a forked child and return a function that waits for its
    (picklable) result.

    When forking is not :func:`fork_worthwhile` or fails, ``fn(arg)`` runs here at once;
    when the child fails, it runs here when waited for. Only the speed depends on which.
    The child inherits *arg* by copy-on-write, must touch no database connection or file
    of the parent, and leaves with ``os._exit`` (no cleanup, no buffered output flushed
    twice). The returned function must be called exactly once.
    """
    if not fork_worthwhile():
        value = fn(arg)
        return lambda: value

    sys.stdout.flush()
    sys.stderr.flush()
    try:
        r, w = os.pipe()
        pid = os.fork()
    except OSError:
        value = fn(arg)
        return lambda: value
    if pid == 0:  # the child
        code = 0
        try:
            os.close(r)
            payload = pickle.dumps(fn(arg))
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(w)

    def wait() -> T:
        chunks = []
        try:
            while True:
                chunk = os.read(r, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(r)
            _, status = os.waitpid(pid, 0)
        if status == 0 and chunks:
            return pickle.loads(b"".join(chunks))
        return fn(arg)  # the child failed: do it here

    return wait
