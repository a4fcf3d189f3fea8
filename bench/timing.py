"""What the bench scripts measure with: wall and CPU time of a block, percentiles.

The machine may be shared, so each figure comes with its CPU time (user + system, from
``getrusage``), which moves less with the machine's load than the wall time. A database
server's CPU time is never counted (another process, not a child).

    with stopwatch() as took:
        work()
    print(took.seconds, took.cpu)
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def cpu_seconds(*, own: bool = True, children: bool = True) -> float:
    """CPU seconds so far of this process (*own*) and of its finished children and theirs
    (*children*: a fork or a subprocess the work ran in)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.process_time() if own else 0.0) + (r.ru_utime + r.ru_stime if children
                                                    else 0.0)


@dataclass
class Took:
    """Wall and CPU seconds of a :func:`stopwatch` block (set when it ends)."""

    seconds: float = 0.0
    cpu: float = 0.0


@contextmanager
def stopwatch(*, own: bool = True, children: bool = True) -> Iterator[Took]:
    """Time the block: wall seconds and CPU seconds (as :func:`cpu_seconds` counts)."""
    took = Took()
    start, cpu = time.perf_counter(), cpu_seconds(own=own, children=children)
    try:
        yield took
    finally:
        took.seconds = time.perf_counter() - start
        took.cpu = cpu_seconds(own=own, children=children) - cpu


def pct(values: list[float], q: float) -> float:
    """The *q* quantile (0..1) of *values*, nearest rank (0 for none)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0
