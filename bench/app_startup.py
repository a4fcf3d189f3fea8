"""Benchmark: ``jointcheck inspect TASK`` from process start to the first interactive
inspection screen, for the 12-item example checklist and a 500-item synthetic one.

Each run is a whole process running the real command (headless, 120×40) that stops as
soon as the inspection screen has been laid out and can take a key. The baseline, in the
same run and interleaved, is a process doing nothing but ``import textual.app``. Target:
≤ 1.0 s for 500 items.

    python bench/app_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_500 = 1.0


def build(directory: Path) -> tuple[str, str, str]:
    """A store with one task on the example checklist and one on a 500-item checklist."""
    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.draw.service import commit, run_draw
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.records.service import list_tasks
    from jointcheck.core.store import open_store, upgrade

    url = f"sqlite:///{directory / 'bench.db'}"
    upgrade(url)
    engine = open_store(url)
    targets, officers = write_sample(directory / "libs", targets=400, officers=60, seed=2020)
    import_file(engine, "targets", targets)
    import_file(engine, "officers", officers)
    opened = open_campaign(None)
    camp = opened.campaign
    example = opened.checklist
    commit(engine, camp, "bench-12", weak_seed=True)
    run_draw(engine, camp, "bench-12", checklist=example)
    # a campaign is drawn once: the 500-item task comes from a campaign of its own
    camp500 = dataclasses.replace(camp, data={**camp.data, "id": f"{camp.id}-500"})
    commit(engine, camp500, "bench-500", weak_seed=True)
    run_draw(engine, camp500, "bench-500", checklist=synthetic(example, 500))
    ids = [t.id for t in list_tasks(engine)]
    engine.dispose()
    return url, ids[0], ids[-1]


def synthetic(checklist, n: int):
    """*checklist* with its items repeated up to *n* (new ids, same departments)."""
    from jointcheck.core.merge import fingerprint
    from jointcheck.core.records.snapshot import from_snapshot, to_snapshot

    snap = to_snapshot(checklist)
    base = snap["items"]
    items = []
    for k in range(n):
        item = dict(base[k % len(base)])
        item["id"] = f"{item['id']}_{k:03d}"
        item["declared_index"] = k
        item["data"] = {**item["data"], "id": item["id"]}
        item["data"].pop("related", None)
        items.append(item)
    items.sort(key=lambda i: (i["department"] != base[0]["department"], i["declared_index"]))
    snap["items"] = items
    snap["fingerprint"] = "0" * 64
    draft = from_snapshot(snap, verify=False)
    snap["fingerprint"] = fingerprint(draft.departments, draft.items, draft.policy,
                                      draft.campaign)
    return from_snapshot(snap)


CHILD = """
import sys
from textual.app import App
from jointcheck.tui.app import InspectApp

def ready(app):
    print("READY", len(app.screen.draft.checklist.items), flush=True)
    app.exit(0)

InspectApp.on_inspection_ready = ready
run = App.run
InspectApp.run = lambda self, **kw: run(self, headless=True, size=(120, 40))
from jointcheck.core.cli import main
main(["--db", sys.argv[1], "inspect", sys.argv[2]])
"""


def timed(cmd: list[str], env: dict[str, str], expect: str | None = None) -> float:
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    elapsed = time.perf_counter() - start
    if expect is not None and expect not in out:
        raise SystemExit(f"unexpected output of {cmd}: {out!r}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="jc-bench-app-"))
    url, task12, task500 = build(directory)
    env = dict(os.environ, JOINTCHECK_CACHE_DIR=str(directory / "cache"))
    env.pop("JOINTCHECK_LANG", None)
    commands = {
        "import textual.app": ([sys.executable, "-c", "import textual.app"], None),
        "inspect, 12 items": ([sys.executable, "-c", CHILD, url, task12], "READY 12"),
        "inspect, 500 items": ([sys.executable, "-c", CHILD, url, task500], "READY 500"),
    }
    for cmd, expect in commands.values():  # warm the OS file cache and the parse cache
        timed(cmd, env, expect)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (cmd, expect) in commands.items():
            times[name].append(timed(cmd, env, expect))
    base = statistics.median(times["import textual.app"])
    print(f"start to the first interactive inspection screen (headless 120×40), "
          f"{args.runs} interleaved runs; medians:")
    for name, values in times.items():
        median = statistics.median(values)
        line = f"  {name:20s} {median * 1000:7.1f} ms  ({median / base:4.1f}x import textual.app)"
        if name == "inspect, 500 items":
            line += (f"  target <= {TARGET_500:.1f} s -> "
                     f"{'OK' if median <= TARGET_500 else 'MISSED'}")
        print(line)


if __name__ == "__main__":
    main()
