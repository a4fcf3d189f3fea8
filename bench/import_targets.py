"""Benchmark: import 1,000,000 synthetic targets from CSV with full validation.

Targets (issue 3): SQLite <= 20 s and <= 500 MB peak memory. The baseline, measured in the
same run on the same file, is the ``sqlite3`` command-line tool's ``.import`` (no
validation, no indexes, no digests: the floor of "CSV into SQLite"); the figure that matters
is the ratio. Without the ``sqlite3`` binary (apt package sqlite3) the baseline falls back to
Python's sqlite3 module ``executemany`` of the raw CSV rows, and says so.

With ``--pg URL`` the same import runs on PostgreSQL (a fresh schema
``jointcheck_bench_import`` of that database, dropped afterwards), against a baseline of
psycopg ``COPY`` of the raw file into a table of text columns.

The import fills an empty library table (the first import of a library, which a SQLite
store writes by copying its stage's table whole); then the same file is imported again,
a refresh whose every row is unchanged (the upsert), and its time printed beside it.

How it is measured: the import runs in a child process (``import_file`` timed inside it,
interpreter start-up excluded; the whole process is timed too, the refresh included). Memory is the peak, polled
every 20 ms, of the summed PSS of the child and its own children (the importer reads the
file in a second process for large files) — PSS counts pages shared after ``fork`` once —
alongside ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the largest single process. The
polling is done in a second run of the same import into a fresh store, not in the timed
one: reading the processes' memory maps every 20 ms took about 0.3 s of CPU over a
200,000-row import, and on two cores slowed the import it watched by about 0.1 s. CPU time
(user + system, from ``getrusage``, of the first import's process and its reader process,
taken in the child around ``import_file``) is printed beside the wall time: the machine may be
shared, and the CPU ratio moves less with its load. On PostgreSQL only the client's CPU
is counted (the server's is not), so only the wall ratio is given there.

The synthetic file (``jointcheck sample-data``, seed 2020) is cached under bench/out/import/
(gitignored).

    python bench/import_targets.py [N] [--pg URL] [--no-sqlite] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from argtypes import positive  # noqa: E402 - bench/, beside this script
from pgschema import check_reachable, scratch_schema  # noqa: E402 - bench/, beside this script
from timing import stopwatch  # noqa: E402 - bench/, beside this script

OUT = Path(__file__).resolve().parent / "out" / "import"
TARGET_SECONDS = 20.0
TARGET_MB = 500.0
PG_SCHEMA = "jointcheck_bench_import"

CHILD = r"""
import json, resource, sys, time
from jointcheck.core.store import open_store
from jointcheck.core.libraries.importer import import_file

def cpu():  # this process's and its reader process's (reaped when the import ends)
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))

engine = open_store(sys.argv[1])
start, cpu_start = time.perf_counter(), cpu()
report = import_file(engine, "targets", sys.argv[2])
elapsed, cpu_used = time.perf_counter() - start, cpu() - cpu_start
start = time.perf_counter()
again = import_file(engine, "targets", sys.argv[2])  # the same file again: a refresh
refresh = time.perf_counter() - start
engine.dispose()
print(json.dumps({"elapsed": elapsed, "imported": report.imported, "added": report.added,
                  "rows": report.rows, "rejected": report.rejected, "cpu": cpu_used,
                  "refresh": refresh,
                  "refresh_unchanged": again.unchanged}))
"""


def log(text: str = "") -> None:
    print(text, flush=True)


def sample_file(n: int, seed: str) -> Path:
    import hashlib

    from jointcheck.core.libraries import sample
    from jointcheck.core.libraries.sample import write_sample

    # the generator's own digest in the name: a file written by an older generator (which
    # today's checks may refuse) is never reused
    version = hashlib.sha256(Path(sample.__file__).read_bytes()).hexdigest()[:8]
    folder = OUT / f"targets-{n}-seed-{seed}-{version}"
    path = folder / "targets.csv"
    if path.is_file() and (folder / "complete").is_file():
        log(f"using the cached sample file {path}")
        return path
    log(f"writing {n:,} synthetic targets (seed {seed}) to {path} ...")
    start = time.perf_counter()
    write_sample(folder, targets=n, officers=0, seed=seed)
    (folder / "complete").write_text("ok\n")
    log(f"  written in {time.perf_counter() - start:.1f} s, "
        f"{path.stat().st_size / 1e6:.0f} MB")
    return path


def _pss_kib(pid: int) -> int:
    """PSS of one process (KiB), or RSS where smaps_rollup is unavailable; 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids.extend(_tree(int(child)))
    return pids


def measure_import(url: str, path: Path, *, poll: bool) -> dict:
    """Run the import in a child process; wall time, import time, CPU time, and with
    *poll* its peak memory (the polling costs the machine CPU: not in a timed run)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, url, str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    can_poll = poll and Path("/proc").is_dir()
    while proc.poll() is None:
        if can_poll:
            peak = max(peak, sum(_pss_kib(p) for p in _tree(proc.pid)))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        log(err)
        raise SystemExit(f"the import failed (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result.update(wall=wall, pss_mb=peak / 1024 if peak else None,
                  maxrss_mb=max(maxrss, before) / 1024)
    return result


def sqlite_baseline(path: Path, workdir: Path) -> tuple[str, float, float]:
    """(label, wall seconds, CPU seconds) of the baseline."""
    db = workdir / "baseline.db"
    binary = shutil.which("sqlite3")
    if binary:
        with stopwatch() as took:
            subprocess.run([binary, str(db), "-cmd", ".mode csv",
                            f".import {path} raw_targets"], check=True, capture_output=True)
        return "sqlite3 command-line tool .import (no validation)", took.seconds, took.cpu
    import csv
    import sqlite3

    label = ("sqlite3 binary NOT FOUND (apt install sqlite3); fallback: Python sqlite3 "
             "executemany of the raw rows (no validation)")
    with stopwatch() as took, open(path, encoding="utf-8-sig", newline="") as f:
        con = sqlite3.connect(db)
        reader = csv.reader(f)
        header = next(reader)
        cols = ", ".join(f'"c{i}"' for i in range(len(header)))
        con.execute(f"CREATE TABLE raw_targets ({cols})")
        marks = ", ".join("?" for _ in header)
        con.executemany(f"INSERT INTO raw_targets VALUES ({marks})", reader)
        con.commit()
        con.close()
    return label, took.seconds, took.cpu



def pg_baseline(url: str, path: Path) -> tuple[str, float, float]:
    import psycopg
    from sqlalchemy.engine import make_url

    from jointcheck.core.store import resolve_url

    u = make_url(resolve_url(url))
    conninfo = u.set(drivername="postgresql").render_as_string(hide_password=False)
    with open(path, encoding="utf-8-sig", newline="") as f:
        header = f.readline().rstrip("\n").split(",")
    cols = ", ".join(f"c{i} text" for i in range(len(header)))
    options = f"-csearch_path={PG_SCHEMA}"
    with stopwatch() as took, psycopg.connect(conninfo, options=options) as conn:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE raw_targets ({cols})")
            with open(path, "rb") as f, cur.copy(
                    "COPY raw_targets FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
    return "psycopg COPY of the raw file (no validation)", took.seconds, took.cpu


def memory_of(result: dict) -> dict:
    """The memory figures of a polled run."""
    return {k: result[k] for k in ("pss_mb", "maxrss_mb")}


def report(engine: str, result: dict, baseline: tuple[str, float, float]) -> None:
    label, base, base_cpu = baseline
    ok_time = result["elapsed"] <= TARGET_SECONDS
    memory = result["pss_mb"] if result["pss_mb"] is not None else result["maxrss_mb"]
    ok_mem = memory <= TARGET_MB
    log(f"\n== {engine} ==")
    log(f"rows imported            {result['added']:,} of {result['rows']:,} "
        f"(rejected {result['rejected']})")
    log(f"import (full validation) {result['elapsed']:7.2f} s   target <= {TARGET_SECONDS:.0f} s"
        f"   {'OK' if ok_time else 'MISSED'}")
    log(f"  child process wall     {result['wall']:7.2f} s   (interpreter start-up included)")
    if result["pss_mb"] is not None:
        log(f"peak memory (PSS, sum)   {result['pss_mb']:7.0f} MB  target <= {TARGET_MB:.0f} MB"
            f"  {'OK' if ok_mem else 'MISSED'}  (a second run, polled)")
        if engine == "PostgreSQL":
            log("  (the import's own processes; the PostgreSQL server's memory is not counted)")
    log(f"largest process (maxrss) {result['maxrss_mb']:7.0f} MB")
    log(f"  CPU time (its processes) {result['cpu']:5.2f} s"
        + ("   (the server's is not counted)" if engine == "PostgreSQL" else ""))
    log(f"baseline                 {base:7.2f} s   {label}; CPU {base_cpu:.2f} s")
    log(f"ratio import / baseline  {result['elapsed'] / base:7.2f} x wall"
        + (f", {result['cpu'] / base_cpu:.2f} x CPU" if engine == "SQLite" and base_cpu > 0
           else ""))
    log(f"refresh (the same file again, {result['refresh_unchanged']:,} rows unchanged) "
        f"{result['refresh']:.2f} s = {result['refresh'] / base:.2f} x baseline wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=positive, default=1_000_000)
    parser.add_argument("--pg", metavar="URL", default=None, help="also run on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--seed", default="2020")
    args = parser.parse_args()
    check_reachable(parser, args.pg)

    from jointcheck.core.store import upgrade

    path = sample_file(args.n, args.seed)
    log(f"cores: {os.cpu_count()}, load average: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            work = Path(tmp)
            url = f"sqlite:///{work / 'bench.db'}"
            upgrade(url)
            result = measure_import(url, path, poll=False)
            for name in ("bench.db", "bench.db-wal", "bench.db-shm"):  # its disk space back
                (work / name).unlink(missing_ok=True)
            again = f"sqlite:///{work / 'memory.db'}"
            upgrade(again)
            result.update(memory_of(measure_import(again, path, poll=True)))
            baseline = sqlite_baseline(path, work)
            report("SQLite", result, baseline)
    if args.pg:
        with scratch_schema(args.pg, PG_SCHEMA) as url:
            upgrade(url)
            result = measure_import(url, path, poll=False)
        with scratch_schema(args.pg, PG_SCHEMA) as url:
            upgrade(url)
            result.update(memory_of(measure_import(url, path, poll=True)))
            baseline = pg_baseline(args.pg, path)
        report("PostgreSQL", result, baseline)


if __name__ == "__main__":
    main()
