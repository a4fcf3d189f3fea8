"""How long an inspector's mark takes to be stored, alone and while a library import runs.

Issue targets: median time to persist one mark ≤ 20 ms on SQLite and on PostgreSQL; while a
one-million-row target import runs on the same store, p95 ≤ 50 ms on PostgreSQL; on SQLite
(one writer at a time is the engine's rule) print the longest wait seen.

Baseline, measured in the same run on the same store: one plain single-row UPDATE in a
transaction of its own (what any write costs there).

    .venv/bin/python bench/mark_persist.py [--rows 1000000] [--pg URL] [--marks 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from pgschema import scratch_schema  # noqa: E402 - bench/, beside this script
from timing import pct  # noqa: E402 - bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jointcheck.core.records import service as R  # noqa: E402
from jointcheck.core.store import upgrade  # noqa: E402
from jointcheck.core.store.models import tasks  # noqa: E402
from tests.recordsupport import drawn_store  # noqa: E402

RESULTS = ("compliant", "noncompliant", "not_applicable")


def marks(drawn, n: int, *, until=None, pause: float = 0.0) -> list[float]:
    """Store marks one after another (cycling over the applicable items of the tasks) and
    return each one's wall time in ms; with *until*, keep going while until() is true."""
    drafts = [R.load_draft(drawn.engine, t, host=drawn.host) for t in drawn.task_ids]
    slots = [(d, i) for d in drafts for i in d.items if d.applies(i)]
    versions = {(d.task.id, k): a.version for d in drafts for k, a in d.answers.items()}
    times: list[float] = []
    k = 0
    while (until() if until else k < n):
        draft, item = slots[k % len(slots)]
        key = R.item_key(item)
        value = {"result": RESULTS[k % 3], "note": f"第{k}次"}
        start = time.perf_counter()
        while True:  # as the app does: a busy store is retried until the mark is stored
            try:
                a = R.save_answer(drawn.engine, draft.task.id, key, value,
                                  expected=versions.get((draft.task.id, key), 0),
                                  checklist=draft.checklist, actor="bench")
                break
            except R.StoreBusy:
                continue
        times.append((time.perf_counter() - start) * 1000)
        versions[(draft.task.id, key)] = a.version
        k += 1
        if pause:
            time.sleep(pause)
    return times


def baseline(drawn, n: int) -> list[float]:
    times = []
    for k in range(n):
        start = time.perf_counter()
        with drawn.engine.begin() as conn:
            conn.execute(sa.update(tasks).where(tasks.c.id == drawn.task_ids[0])
                         .values(amend_reason=f"bench {k}"))
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, times: list[float]) -> str:
    return (f"  {label:<34} n={len(times):>4}  median {statistics.median(times):7.2f} ms  "
            f"p95 {pct(times, 0.95):7.2f} ms  max {max(times):8.2f} ms")


def run(name: str, url: str, work: Path, args, big_csv: Path | None) -> None:
    upgrade(url)
    drawn = drawn_store(url, work / name, count=5)
    try:
        base = baseline(drawn, args.marks)
        alone = marks(drawn, args.marks)
        print(f"{name}:")
        print(line("baseline: one-row UPDATE", base))
        print(line("persist one mark", alone))
        print(f"  ratio median mark / median baseline: "
              f"{statistics.median(alone) / statistics.median(base):.2f}x "
              f"(target: median ≤ 20 ms)")
        if big_csv is None:
            return
        env = dict(os.environ, JOINTCHECK_DB=url)
        proc = subprocess.Popen([str(Path(sys.executable).with_name("jointcheck")), "targets",
                                 "import", str(big_csv)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        start = time.perf_counter()
        during = marks(drawn, 0, until=lambda: proc.poll() is None, pause=0.05)
        proc.wait()
        took = time.perf_counter() - start
        if proc.returncode != 0:
            print("  import failed:", proc.stderr.read().decode()[-500:])
        print(line(f"mark during a {args.rows:,}-row import", during))
        print(f"  import took {took:.1f} s; longest wait until a mark was stored "
              f"{max(during):.0f} ms"
              + ("  (target: p95 ≤ 50 ms)" if name == "postgresql" else ""))
    finally:
        drawn.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the concurrent import "
                    "(0: no concurrent import)")
    ap.add_argument("--marks", type=int, default=200)
    ap.add_argument("--pg", default=os.environ.get("JOINTCHECK_TEST_PG_URL"),
                    help="PostgreSQL URL (a fresh schema is made and dropped)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        big = None
        if args.rows:
            from jointcheck.core.libraries.sample import write_sample

            big, _officers = write_sample(work / "big", targets=args.rows, officers=10, seed=7)
        run("sqlite", f"sqlite:///{work / 'bench.db'}", work, args, big)
        if args.pg:
            schema = f"jc_bench_{uuid.uuid4().hex[:8]}"
            with scratch_schema(args.pg, schema) as url:
                run("postgresql", url, work, args, big)


if __name__ == "__main__":
    main()
