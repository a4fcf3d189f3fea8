"""Load: N inspectors marking at once on one PostgreSQL, through PgBouncer.

    python bench/load.py --inspectors 1000 --pg URL [--seconds 100] [--mean 5]

What it does, on loopback only, bounded in time (at most 120 s) and cleaning up after
itself:

1. creates a database of its own on the server of URL (the role needs CREATEDB) and
   starts PgBouncer (transaction mode, ``tests/pgbouncer.py``) on 127.0.0.1 in front of
   that server; everything below goes through PgBouncer;
2. upgrades it, imports sample libraries and draws one task per inspector;
3. runs N simulated inspectors in ``--processes`` (2) worker processes at a lower
   priority than the server and PgBouncer (``nice`` 10: the apps stand for laptops
   elsewhere, whose CPU is not the server's), one thread each.
   Each opens the store as the app does (its own Engine: at most two connections, none while idle
   -- ``release_idle`` every few seconds --, no pre-ping) and marks one item of its task
   about every ``--mean`` seconds (Poisson arrivals), retrying a busy store as the app's
   writer does; half-way through, all of them mark at the same moment (the burst);
4. reads every answer back: an acknowledged mark is lost when the answer's version does
   not count every acknowledged write of that item, or its value is not the last one;
5. stops PgBouncer and drops the database.

With ``--named-logins`` each app logs in as a named login of its own (an inspector of its
task's team, made as ``jointcheck users add`` makes it), as docs/deployment.md asks of a
server store; PgBouncer then keeps a pool per login (one server connection each, no cap
per database unless ``--db-cap N``), so the server needs a connection per login at work:
on a stock server (``max_connections`` 100) about 90 inspectors at most.

A mark's latency is the wall time of ``records.service.save_answer`` as the app calls it
(including a reconnect after an idle spell). ``refused`` counts marks whose connection the
pooler or the server refused at least once, and apps that could not open the store
because it was refused. Beside the wall times it prints the worker
processes' CPU time per mark (the machine may be shared: wall times are noisy, CPU times
less so). The last line is::

    inspectors=N marks=M lost=L refused=R p50=… p95=… p99=… ms
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from queue import Empty

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from argtypes import duration, positive  # noqa: E402 - bench/, beside this script
from pgschema import check_reachable  # noqa: E402 - bench/, beside this script
from timing import pct  # noqa: E402 - bench/, beside this script

LIMIT_SECONDS = 120.0  # the whole run, setup and cleanup included
TAIL_SECONDS = 15.0  # kept for what follows the marking
RESULTS = ("compliant", "noncompliant", "not_applicable")
SWITCH_INTERVAL = 0.05  # s: the worker processes' sys.setswitchinterval (default 0.005)
SIMULATOR_NICE = 10  # the worker processes yield the cores to the server and PgBouncer


def log(text: str) -> None:
    print(text, flush=True)


def _refused(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("too many clients", "no more connections",
                                   "connection refused", "sorry, too many",
                                   "remaining connection slots"))


class App:
    """One inspector's app: its own Engine (as the app opens it) on its task. Every task
    of the draw is new and pinned to the same checklist, so the checklist is loaded once
    per process (*checklist*) instead of once per app: not what is measured here."""

    def __init__(self, url: str, task_id: str, n: int, checklist):
        from jointcheck.core.records.service import item_key
        from jointcheck.core.store import open_store

        self.task_id, self.n = task_id, n
        self.engine = open_store(url)
        self.checklist = checklist
        self.keys = [item_key(i) for i in checklist.items]
        self.versions = dict.fromkeys(self.keys, 0)
        self.acks: dict[str, list] = {}


def inspector(app: App, schedule: list[float], burst_at: float, deadline: float,
              out: dict) -> None:
    """Mark at the times of *schedule*, as the app does."""
    from jointcheck.core.records import service as R
    from jointcheck.core.store import IDLE_SECONDS, release_idle
    from jointcheck.tui.saving import is_busy

    try:
        for k, at in enumerate(schedule):
            while True:  # wait as the app does: now and then it closes idle connections
                left = at - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(left, IDLE_SECONDS / 2))
                release_idle(app.engine)
            if time.monotonic() > deadline:
                break
            key = app.keys[(app.n + k) % len(app.keys)]
            value = {"result": RESULTS[k % 3], "note": f"load {app.n}-{k}"}
            start = time.perf_counter()
            refused = False
            while True:  # the app's writer retries a busy store until the mark is stored
                try:
                    answer = R.save_answer(app.engine, app.task_id, key, value,
                                           expected=app.versions[key],
                                           checklist=app.checklist,
                                           actor=f"inspector{app.n}")
                    break
                except Exception as exc:  # noqa: BLE001 - what the app retries
                    if not is_busy(exc) or time.monotonic() > deadline:
                        raise
                    refused = refused or _refused(exc)
                    time.sleep(0.1)
            took = (time.perf_counter() - start) * 1000
            app.versions[key] = answer.version
            seen = app.acks.setdefault(key, [0, None])
            seen[0] += 1
            seen[1] = value
            with out["lock"]:
                (out["burst"] if at == burst_at else out["steady"]).append(took)
                out["refused"] += refused
    except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
        with out["lock"]:
            out["errors"].append(f"{app.task_id}: {type(exc).__name__}: {exc}"[:300])
    finally:
        with out["lock"]:
            out["acks"][app.task_id] = app.acks
        app.engine.dispose()


def worker(tasks: list[tuple[int, str, str]], mean: float, ready, go, clock,
           queue) -> None:
    """A process of inspectors (one thread each): opens every app, says it is *ready*,
    waits for *go*, marks from the start time ``clock[0]`` for ``clock[1]`` seconds; puts
    its figures on *queue*."""
    from concurrent.futures import ThreadPoolExecutor

    out: dict = {"lock": threading.Lock(), "steady": [], "burst": [], "refused": 0,
                 "acks": {}, "errors": []}
    from jointcheck.core.records.service import load_draft
    from jointcheck.core.store import open_store

    def refused_open(task_id: str, exc: BaseException) -> None:
        with out["lock"]:
            out["errors"].append(f"{task_id}: the app could not open the store: "
                                 f"{type(exc).__name__}: {exc}"[:300])
            out["refused"] += _refused(exc)

    try:
        engine = open_store(tasks[0][2])
        checklist = load_draft(engine, tasks[0][1]).checklist
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - counted and shown: this process marks nothing
        for task in tasks:
            refused_open(task[1], exc)
        ready.put(0)
        go.wait()
        queue.put({k: v for k, v in out.items() if k != "lock"} | {"cpu": 0.0})
        return

    def open_app(task: tuple[int, str, str]) -> App | None:
        try:
            return App(task[2], task[1], task[0], checklist)
        except Exception as exc:  # noqa: BLE001 - counted and shown, the others go on
            refused_open(task[1], exc)
            return None

    with ThreadPoolExecutor(8) as pool:  # open the apps (not timed)
        apps = [app for app in pool.map(open_app, tasks) if app is not None]
    # The simulator's own costs, which 500 apps in one interpreter have and one app on a
    # laptop does not: the cyclic garbage collector walking every app's engine and
    # checklist (0.17 s a full pass, holding every thread), and waiting threads forcing
    # the interpreter lock from each other every 5 ms. Neither touches the mark's path.
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    # The 1,000 apps stand for 1,000 laptops, whose CPU is not the server's; here they
    # share the server's cores. Lower priority (nice) is the nearest this machine comes
    # to keeping them apart: the server and PgBouncer take a mark as soon as it arrives
    # (their queueing is all measured), and the apps wait for the cores they leave.
    os.nice(SIMULATOR_NICE)
    ready.put(len(apps))
    go.wait()
    start_at, seconds = clock[0], clock[1]
    deadline = start_at + seconds + 3
    burst_at = start_at + seconds / 2
    threads = []
    for app in apps:
        rng = random.Random(app.n)
        schedule, t = [], start_at + rng.uniform(0, mean)
        while t < start_at + seconds:
            schedule.append(t)
            t += rng.expovariate(1 / mean)
        schedule = sorted(schedule + [burst_at])
        th = threading.Thread(target=inspector, daemon=True,
                              args=(app, schedule, burst_at, deadline, out))
        th.start()
        threads.append(th)
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu0 = time.process_time()  # the marking only, not the apps' start
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
    alive = sum(th.is_alive() for th in threads)
    if alive:
        out["errors"].append(f"{alive} inspectors still busy at the deadline")
    with out["lock"]:
        figures = {k: v for k, v in out.items() if k != "lock"}
    queue.put(figures | {"cpu": time.process_time() - cpu0})


def prepare(url: str, inspectors: int, work: Path, *, named: str | None = None):
    """Upgrade, import and draw one task per inspector: the task ids, and with *named* a
    named login for each task (an inspector of its team; a member on no other task where
    there is one) with its password, named ``insp_<named>_<n>`` (without, no logins)."""
    from jointcheck.core.store import upgrade
    from jointcheck.core.store.users import add_user
    from tests.recordsupport import drawn_store

    upgrade(url)
    # about a fifth of the sample libraries' targets is eligible for the example campaign
    drawn = drawn_store(url, work, count=inspectors, targets=max(300, 7 * inspectors),
                        officers=max(200, 4 * inspectors) if named else 200)
    logins: list[tuple[str, str]] = []
    try:
        if named:
            import secrets

            import sqlalchemy as sa

            from jointcheck.core.store.models import tasks

            with drawn.engine.connect() as conn:
                teams = {r.id: [m["cert_no"] for m in r.team]
                         for r in conn.execute(sa.select(tasks.c.id, tasks.c.team))}
            seen: dict[str, int] = {}
            for team in teams.values():
                for cert in team:
                    seen[cert] = seen.get(cert, 0) + 1
            made: dict[str, tuple[str, str]] = {}
            for n, task_id in enumerate(drawn.task_ids):
                cert = min(teams[task_id], key=lambda c: (seen[c], c))
                if cert not in made:
                    login = f"insp_{named}_{n}"
                    password = secrets.token_urlsafe(12)
                    add_user(drawn.engine, login, "inspector", password, cert_no=cert)
                    made[cert] = (login, password)
                logins.append(made[cert])
    finally:
        drawn.engine.dispose()
    return drawn.task_ids, logins


def alone(url: str, task_ids: list[str], n: int = 100) -> tuple[list[float], list[float]]:
    """Before the load, one client alone: (single-row UPDATE in autocommit, the floor of any
    write; one mark through save_answer) wall times in ms, *n* of each."""
    import psycopg

    from jointcheck.core.records import service as R
    from jointcheck.core.store import open_store

    bare = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True, prepare_threshold=None) as conn:
        for k in range(n):
            start = time.perf_counter()
            conn.execute("UPDATE tasks SET amend_reason = %s WHERE id = %s",
                         (f"bench {k}", task_ids[k % len(task_ids)]))
            bare.append((time.perf_counter() - start) * 1000)
        conn.execute("UPDATE tasks SET amend_reason = NULL")
    engine = open_store(url)
    marks = []
    try:
        draft = R.load_draft(engine, task_ids[0])
        key, version = R.item_key(draft.items[0]), 0
        for k in range(n):
            start = time.perf_counter()
            version = R.save_answer(engine, task_ids[0], key, {"result": RESULTS[k % 3]},
                                    expected=version, checklist=draft.checklist).version
            marks.append((time.perf_counter() - start) * 1000)
        with engine.begin() as conn:  # leave the task as the load expects it
            from jointcheck.core.store.models import task_answers, tasks

            conn.execute(task_answers.delete())
            conn.execute(tasks.update().values(status="pending"))
    finally:
        engine.dispose()
    return bare, marks


def read_back(url: str, acks: dict[str, dict[str, list]]) -> tuple[int, int]:
    """(acknowledged marks, lost marks) from the stored answers."""
    import sqlalchemy as sa

    from jointcheck.core.store import open_store
    from jointcheck.core.store.models import task_answers

    engine = open_store(url)
    try:
        with engine.connect() as conn:
            stored = {(r.task_id, r.key): (r.version, r.value)
                      for r in conn.execute(sa.select(task_answers))}
    finally:
        engine.dispose()
    marks = lost = 0
    for task_id, keys in acks.items():
        for key, (count, last) in keys.items():
            marks += count
            version, value = stored.get((task_id, key), (0, None))
            if value != last:
                lost += count  # the last acknowledged value is not there
            else:
                lost += max(0, count - version)  # every acknowledged write made a version
    return marks, lost


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inspectors", type=positive, default=1000)
    ap.add_argument("--pg", metavar="URL", default=os.environ.get("JOINTCHECK_TEST_PG_URL"),
                    help="a PostgreSQL database whose role may CREATE DATABASE")
    ap.add_argument("--seconds", type=duration, default=100.0, help="marking time at most "
                    f"(shortened so that the whole run takes at most {LIMIT_SECONDS:.0f} s)")
    ap.add_argument("--mean", type=duration, default=5.0, help="mean seconds between marks")
    ap.add_argument("--pool", type=positive, default=None,
                    help="PgBouncer's server connections (default: this machine's CPUs, "
                    "where the server runs; docs/store.md#a-province-pgbouncer-in-front)")
    ap.add_argument("--processes", type=positive, default=2, help="worker processes")
    ap.add_argument("--named-logins", action="store_true",
                    help="each app logs in as a named login of its own (a PgBouncer pool per "
                    "login, one server connection each)")
    ap.add_argument("--db-cap", type=positive, default=None, metavar="N",
                    help="with --named-logins: at most N server connections in all "
                    "(PgBouncer's max_db_connections)")
    args = ap.parse_args()
    if not args.pg:
        ap.error("--pg URL (or JOINTCHECK_TEST_PG_URL) is required")
    if args.db_cap is not None and not args.named_logins:
        ap.error("--db-cap goes with --named-logins (without, --pool is the cap)")
    if args.pool is not None and args.named_logins:
        ap.error("--pool goes without --named-logins (with, each login has a pool of one "
                 "server connection; --db-cap N caps them)")
    pool = args.pool or os.cpu_count() or 2

    import sqlalchemy as sa

    from jointcheck.core.store import resolve_url
    from jointcheck.core.store.access import drop_roles, role_prefix
    from tests.pgbouncer import bouncer

    began = time.monotonic()
    base = resolve_url(args.pg)
    host = sa.engine.make_url(base).host or ""
    if not (host.startswith("127.") or host in ("localhost", "::1", "")):
        ap.error("the load goes to loopback only: --pg must name 127.0.0.1 or localhost")
    tag = uuid.uuid4().hex[:10]  # of the database and the named logins
    name = f"jc_load_{tag}"
    check_reachable(ap, base)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        if args.named_logins and args.db_cap is None:
            # a PgBouncer pool per login: a server connection per inspector at work
            free = conn.exec_driver_sql(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
                " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
                ).scalar_one()
            if args.inspectors + 5 > free:
                admin.dispose()
                sys.exit(f"--named-logins: each of the {args.inspectors:,} inspectors' logins "
                         f"needs a server connection of its own, and the server has {free} "
                         f"free (max_connections); raise max_connections, use fewer "
                         f"inspectors or --db-cap N")
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        named = args.named_logins
        with bouncer(base, pool_size=1 if named else pool,
                     max_clients=2 * args.inspectors + 50, named_logins=named,
                     db_cap=args.db_cap) as b, \
                tempfile.TemporaryDirectory() as tmp:
            url = b.url(name)
            servers = ("a pool per named login, one server connection each, "
                       + (f"at most {args.db_cap} in all" if args.db_cap else "no cap")
                       if named else f"{pool} server connections")
            log(f"PgBouncer (transaction mode, {servers}) on "
                f"127.0.0.1:{b.port}; database {name}; {os.cpu_count()} CPUs")
            task_ids, logins = prepare(url, args.inspectors, Path(tmp),
                                       named=tag if named else None)
            urls = [url] * len(task_ids)
            if named:
                b.add_logins(dict(logins))
                urls = [sa.engine.make_url(url).set(username=login, password=password)
                        .render_as_string(hide_password=False) for login, password in logins]
                log(f"{len(set(logins)):,} named logins (insp_{tag}_…)")
            log(f"prepared {len(task_ids):,} tasks in {time.monotonic() - began:.1f} s")
            bare, single = alone(url, task_ids)
            log(f"one client alone: single-row UPDATE (baseline) median "
                f"{statistics.median(bare):.2f} ms; one mark median "
                f"{statistics.median(single):.2f} ms = "
                f"{statistics.median(single) / statistics.median(bare):.1f} x baseline")
            ctx = multiprocessing.get_context("spawn")
            ready, queue, go = ctx.Queue(), ctx.Queue(), ctx.Event()
            clock = ctx.Array("d", 2)  # start (time.monotonic, one clock per machine), seconds
            apps = [(n, t, u) for n, (t, u) in enumerate(zip(task_ids, urls, strict=True))]
            shares = [apps[i::args.processes] for i in range(min(args.processes, len(apps)))]
            procs = [ctx.Process(target=worker, args=(share, args.mean, ready, go, clock,
                                                      queue))
                     for share in shares]
            for p in procs:
                p.start()
            opened = sum(ready.get(timeout=60) for _ in procs)
            log(f"{opened:,} apps open in {time.monotonic() - began:.0f} s")
            # what follows the marking (the last marks, read-back, cleanup; printed as
            # "after the marking") took up to 14 s on a machine at load average 9
            seconds = min(args.seconds,
                          LIMIT_SECONDS - (time.monotonic() - began) - TAIL_SECONDS)
            clock[0], clock[1] = time.monotonic() + 1, seconds
            go.set()
            parts = []
            for _ in procs:
                try:
                    parts.append(queue.get(timeout=seconds + 10))
                except Empty:
                    parts.append({"steady": [], "burst": [], "refused": 0, "acks": {},
                                  "cpu": 0.0,
                                  "errors": ["a worker process ended without its figures"]})
            marked = clock[0] + seconds  # the end of the marking window
            for p in procs:
                p.join(5)
                if p.is_alive():
                    p.kill()
            acks = {k: v for part in parts for k, v in part["acks"].items()}
            steady = [t for part in parts for t in part["steady"]]
            burst = [t for part in parts for t in part["burst"]]
            refused = sum(part["refused"] for part in parts)
            cpu = sum(part["cpu"] for part in parts)
            errors = [e for part in parts for e in part["errors"]]
            # straight from the server, not through the pooler the load may have swamped
            marks, lost = read_back(sa.engine.make_url(base).set(database=name)
                                    .render_as_string(hide_password=False), acks)
    finally:
        store = sa.create_engine(sa.engine.make_url(base).set(database=name),
                                 poolclass=sa.pool.NullPool)
        with store.connect() as conn:
            prefix = role_prefix(conn)  # roles are cluster-wide: they outlive the database
        store.dispose()
        with admin.connect() as conn:
            # named logins' server connections end a moment after PgBouncer stops; FORCE
            # cannot end them for us (they are other roles' backends): wait for them
            give_up = time.monotonic() + 15
            while True:
                try:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except sa.exc.DBAPIError:
                    if time.monotonic() > give_up:
                        raise
                    time.sleep(0.3)
            if prefix:
                drop_roles(conn, prefix)
        admin.dispose()
    everything = steady + burst
    for e in errors[:10]:
        log(f"  error: {e}")
    if errors:
        log(f"  {len(errors)} inspectors stopped on an error")
    log(f"marking {seconds:.0f} s, a mark every {args.mean:g} s on average per inspector "
        f"({args.inspectors / args.mean:.0f} marks/s), a burst of {len(burst):,} at half time")
    if steady:
        log(f"  steady: {len(steady):,} marks  p50 {pct(steady, .5):.1f}  p95 {pct(steady, .95):.1f}"
            f"  p99 {pct(steady, .99):.1f}  max {max(steady):.1f} ms")
    if burst:
        log(f"  burst:  {len(burst):,} marks  p50 {pct(burst, .5):.1f}  p95 {pct(burst, .95):.1f}"
            f"  p99 {pct(burst, .99):.1f}  max {max(burst):.1f} ms"
            f"  ({sum(t <= 50 for t in burst):,} within 50 ms)")
    if everything:
        log(f"  client CPU {cpu:.1f} s = {cpu / len(everything) * 1000:.2f} ms per mark "
            f"(mean wall {statistics.fmean(everything):.1f} ms); whole run "
            f"{time.monotonic() - began:.0f} s, of which after the marking "
            f"{time.monotonic() - marked:.0f} s")
    log(f"inspectors={args.inspectors} marks={marks} lost={lost} refused={refused} "
        f"p50={pct(everything, .5):.1f} p95={pct(everything, .95):.1f} "
        f"p99={pct(everything, .99):.1f} ms")
    if errors or lost or marks == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
