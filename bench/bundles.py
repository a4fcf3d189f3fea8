"""Field bundles: export of 1,000 tasks and import of 1,000 submitted records.

Issue targets: export of 1,000 tasks ≤ 2 s; import of 1,000 submitted records ≤ 5 s on
SQLite and on PostgreSQL (the office's store).

Baselines, measured in the same run: copying the bundle file (``cp``), and inserting the
same rows the import writes (record versions, answers, problems) with one bare
``executemany`` per table into constraint-free copies of those tables on the office engine.

    .venv/bin/python bench/bundles.py [--tasks 1000] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from pgschema import scratch_schema  # noqa: E402 - bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jointcheck.core.records import bundle as B  # noqa: E402
from jointcheck.core.records import service as R  # noqa: E402
from jointcheck.core.store import open_store, upgrade  # noqa: E402
from jointcheck.core.store.models import (  # noqa: E402
    record_problems,
    record_versions,
    task_answers,
)
from tests.recordsupport import drawn_store  # noqa: E402


def submit_all(engine, task_ids, host) -> None:
    for t in task_ids:
        draft = R.load_draft(engine, t, host=host)
        answers = {R.field_key("outcome"): "inspected", R.field_key("inspected_on"): "2020-07-15"}
        for n, item in enumerate(draft.items):
            if draft.applies(item):
                answers[R.item_key(item)] = ({"result": "noncompliant", "note": "过期"}
                                             if n == 0 else {"result": "compliant"})
        R.submit(engine, t, host=host, answers=answers, actor="bench")


def bare_executemany(url: str, bundle_path: Path) -> float:
    """Insert the bundle's record rows into constraint-free copies of the tables."""
    src = open_store(f"sqlite:///{bundle_path}")
    rows = {}
    with src.connect() as conn:
        for table in (record_versions, task_answers, record_problems):
            rows[table.name] = [dict(r._mapping) for r in conn.execute(sa.select(table))]
    src.dispose()
    meta = sa.MetaData()
    copies = [sa.Table(f"bench_{t.name}_{uuid.uuid4().hex[:6]}", meta,
                       *(sa.Column(c.name, c.type) for c in t.c))
              for t in (record_versions, task_answers, record_problems)]
    engine = sa.create_engine(url)
    try:
        meta.create_all(engine)
        start = time.perf_counter()
        with engine.begin() as conn:
            for copy, name in zip(copies, ("record_versions", "task_answers",
                                           "record_problems"), strict=True):
                if rows[name]:
                    conn.execute(copy.insert(), rows[name])
        took = time.perf_counter() - start
        meta.drop_all(engine)
    finally:
        engine.dispose()
    return took


def run(label: str, url: str, work: Path, n: int) -> None:
    upgrade(url)
    # about a fifth of the sample targets is eligible for the example campaign
    drawn = drawn_store(url, work, count=n, targets=max(7 * n, 600), officers=max(n // 5, 80))
    ids = drawn.task_ids
    path = work / "bench.jcb"
    start = time.perf_counter()
    B.export(drawn.engine, drawn.draw.id, path, task_ids=ids, actor="bench")
    t_export = time.perf_counter() - start
    bundle = open_store(f"sqlite:///{path}")
    submit_all(bundle, ids, drawn.host)
    bundle.dispose()
    start = time.perf_counter()
    subprocess.run(["cp", str(path), str(work / "copy.jcb")], check=True)
    t_cp = time.perf_counter() - start
    start = time.perf_counter()
    done = B.import_bundle(drawn.engine, path, host=drawn.host, actor="bench")
    t_import = time.perf_counter() - start
    assert len(done.applied) == n and done.versions == n, done.to_json()
    t_bare = bare_executemany(url, path)
    size = path.stat().st_size / 1e6
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{label:10} export {n} tasks: {t_export:6.2f} s (target ≤ 2 s)   "
          f"import {n} records: {t_import:6.2f} s (target ≤ 5 s)   "
          f"baselines: cp {size:.1f} MB file {t_cp * 1000:6.1f} ms, "
          f"bare executemany {t_bare * 1000:6.1f} ms   "
          f"import = {t_import / t_bare:.1f} × executemany = {t_import / t_cp:.0f} × cp   "
          f"load {load:.2f}")
    drawn.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--pg", default=os.environ.get("JOINTCHECK_TEST_PG_URL"),
                    help="PostgreSQL URL (a fresh schema is made and dropped)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "sqlite").mkdir()
        run("sqlite", f"sqlite:///{work / 'sqlite' / 'office.db'}", work / "sqlite", args.tasks)
        if args.pg:
            schema = f"jc_bench_{uuid.uuid4().hex[:8]}"
            with scratch_schema(args.pg, schema) as url:
                (work / "pg").mkdir()
                run("postgresql", url, work / "pg", args.tasks)


if __name__ == "__main__":
    main()
