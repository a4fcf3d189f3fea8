"""Benchmark: ``jointcheck status`` and ``jointcheck referrals list --overdue`` on 100,000
records with 30,000 referrals. Target: <= 1 s each, on SQLite and on PostgreSQL (``--pg
URL``: a schema ``jointcheck_bench_referrals`` of that database, dropped and made anew).

Synthetic rows are inserted directly (no draw, no submit): 100,000 targets and tasks of the
example campaign, 95,000 submitted record versions (5,000 records still in draft with their
检查日期), 35,000 problems (5,000 corrected on the spot) and 30,000 referrals spread over
every status, with dates from August 2020 to December 2026 (so that some due dates reach
2027 and are estimated); 90,000 of the submitted records settled by the joint office in two
runs (2020-08-01 and 2020-08-03, not published: the publication is due for them), 5,000
submitted and not settled yet.

Each task's team is four of 400 synthetic officers; ``tasks list --officer`` (an inspector's
task list, about 1,000 of the 100,000 tasks) is timed too, with the same target.

On PostgreSQL the commands then run again as named logins (docs/deployment.md), where the
row-level security decides what each statement sees: a department (emergency_mgmt: its
20,000 referrals and the settled results naming it) runs ``status`` and ``referrals list
--overdue``, and an inspector (the officer of the task list above, bound by ``users add
--officer``) runs ``tasks list --officer``; same target. The logins are removed at the end
(``users remove``; the schema's next drop removes any a killed run left).

The commands are timed in process (click's CliRunner: the campaign file and plugins are
loaded, the store opened, the output rendered), the median of ``--repeat`` runs. The
baseline, in the same run on the same store, is a plain ``SELECT count(*)`` of each table
the commands read (tasks, record_versions, record_problems, referrals, targets,
result_settlements).

    python bench/referrals_status.py [--records 100000] [--referrals 30000] [--repeat 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from argtypes import positive  # noqa: E402 - bench/, beside this script
from pgschema import check_reachable, schema_url  # noqa: E402 - bench/, beside this script
from timing import Took, stopwatch  # noqa: E402 - bench/, beside this script

OUT = Path(__file__).resolve().parent / "out" / "referrals"
PG_SCHEMA = "jointcheck_bench_referrals"
CAMPAIGN_ID = "hebi-2020-industrial-safety"
AS_OF = "2020-09-01"
TARGET_SECONDS = 1.0
TABLES = ("tasks", "record_versions", "record_problems", "referrals", "targets",
          "result_settlements")
# every synthetic record's classification: a problem left for follow-up in each department,
# 责令改正 (what each synthetic problem proposes), so that no referral is stale
_EIGHT = {"code": 8, "text": "发现问题待后续处理"}
RESULTS = {"departments": {d: {"result": _EIGHT, "dispositions": ["责令改正"]}
                           for d in ("emergency_mgmt", "market_supervision")},
           "joint": _EIGHT}


def log(text: str) -> None:
    print(text, flush=True)



OFFICERS = 400  # the teams' synthetic officers (not in the officer library)


def officer_cert(n: int) -> str:
    return f"41061{n:06d}"


def fill(url: str, n_records: int, n_referrals: int) -> None:
    """Insert the synthetic rows (in batches, one transaction)."""
    import sqlalchemy as sa

    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.records.snapshot import register_checklist
    from jointcheck.core.store import begin_write, open_store, upgrade
    from jointcheck.core.store.models import (
        draws,
        record_problems,
        record_versions,
        referrals,
        result_settlements,
        targets,
        task_answers,
        tasks,
    )

    upgrade(url)
    engine = open_store(url)
    opened = open_campaign(None)
    checklist = opened.checklist
    em = [i.id for i in checklist.items_of("emergency_mgmt")]
    ms = [i.id for i in checklist.items_of("market_supervision")]
    rnd = random.Random(2020)
    now = datetime.now(UTC)
    n_draft = n_records // 20
    submitted = n_records - n_draft

    def team(n: int) -> list[dict]:
        """Four of OFFICERS synthetic officers, two of each department, the first leads."""
        members = rnd.sample(range(OFFICERS), 4)
        return [{"cert_no": officer_cert(m), "department": "emergency_mgmt" if j < 2
                 else "market_supervision", "leader": j == 0} for j, m in enumerate(members)]

    def batches(rows, size=5000):
        for i in range(0, len(rows), size):
            yield rows[i:i + size]

    start = time.perf_counter()
    with begin_write(engine) as conn:
        fp = register_checklist(conn, checklist)
        conn.execute(sa.insert(draws).values(
            id=1, campaign_id=CAMPAIGN_ID, campaign_kind="industrial-safety", year=2020,
            seed="bench", algorithm_version="bench", parameters={}, targets_fingerprint="0" * 64,
            officers_fingerprint="0" * 64, result={}, result_digest="0" * 64, created_at=now,
            actor="bench"))
        codes = [f"914106{n:012d}" for n in range(1, n_records + 1)]
        for chunk in batches([{"credit_code": c, "name": f"鹤壁市基准测试企业{n}有限公司",
                               "status": "存续", "attributes": {}, "check_override": False,
                               "row_digest": "0" * 64, "created_at": now, "updated_at": now}
                              for n, c in enumerate(codes, 1)]):
            conn.execute(sa.insert(targets), chunk)
        task_rows = [{"id": f"1-{n}", "draw_id": 1, "seq": n, "campaign_id": CAMPAIGN_ID,
                      "credit_code": codes[n - 1], "team": team(n),
                      "status": "submitted" if n <= submitted else "draft",
                      "checklist_fingerprint": fp, "version": 1 if n <= submitted else 0,
                      "created_at": now, "updated_at": now} for n in range(1, n_records + 1)]
        for chunk in batches(task_rows):
            conn.execute(sa.insert(tasks), chunk)
        inspected = [date(2020, 7, 1) + timedelta(days=rnd.randrange(31))
                     for _ in range(n_records)]
        for chunk in batches([{"task_id": f"1-{n}", "version": 1, "checklist_fingerprint": fp,
                               "record": {"findings": {"inspected_on":
                                                       inspected[n - 1].isoformat()}},
                               "results": RESULTS, "digest": "0" * 64, "submitted_at": now,
                               "submitted_by": "bench"} for n in range(1, submitted + 1)]):
            conn.execute(sa.insert(record_versions), chunk)
        # the joint office settled all but the last 5,000 submitted records, in two runs
        settled_at = [datetime(2020, 8, 1, 2, tzinfo=UTC), datetime(2020, 8, 3, 2, tzinfo=UTC)]
        for chunk in batches([{"task_id": f"1-{n}", "version": 1, "campaign_id": CAMPAIGN_ID,
                               "results": RESULTS, "settled_at": settled_at[n % 2],
                               "settled_by": "bench"} for n in range(1, submitted - 5000 + 1)]):
            conn.execute(sa.insert(result_settlements), chunk)
        for chunk in batches([{"task_id": f"1-{n}", "key": "field:inspected_on",
                               "value": inspected[n - 1].isoformat(), "version": 1,
                               "updated_at": now, "updated_by": "bench"}
                              for n in range(submitted + 1, n_records + 1)]):
            conn.execute(sa.insert(task_answers), chunk)
        # problems: the first n_referrals tasks one each (referred), then 5,000 corrected
        problems, refs = [], []
        plan = (["drafted"] * 20 + ["sent"] * 20 + ["received"] * 20 + ["opened"] * 13
                + ["declined"] * 7 + ["closed"] * 13 + ["reported"] * 7)
        for n in range(1, n_referrals + n_referrals // 6 + 1):
            corrected = n > n_referrals
            dept, items = ("emergency_mgmt", em) if n % 3 else ("market_supervision", ms)
            item = items[n % len(items)]
            problems.append({"task_id": f"1-{n}", "version": 1, "n": 1, "department": dept,
                             "item_id": item, "refer_to": dept, "dispositions": ["责令改正"],
                             "corrected_on_site": corrected, "note": "基准测试问题"})
            if corrected:
                continue
            status = plan[n % len(plan)]
            # most cases of 2020, a tenth in December 2026 (due dates reaching 2027)
            base = date(2026, 12, 1) if n % 10 == 0 else date(2020, 8, 3)
            d = [base + timedelta(days=rnd.randrange(20))]
            for _step in range(6):
                d.append(d[-1] + timedelta(days=rnd.randrange(1, 15)))
            order = ["drafted", "sent", "received", "decided", "closed", "reported"]
            reached = {"drafted": 1, "sent": 2, "received": 3, "opened": 4, "declined": 4,
                       "closed": 5, "reported": 6}[status]
            on = {f"{k}_on": (d[i] if i < reached else None) for i, k in enumerate(order)}
            refs.append({"campaign_id": CAMPAIGN_ID, "task_id": f"1-{n}", "version": 1,
                         "department": dept, "item_id": item, "refer_to": dept,
                         "credit_code": codes[n - 1], "note": "基准测试问题",
                         "dispositions": ["责令改正"], "inspected_on": inspected[n - 1],
                         "status": status, **on, "case_no": None, "letter_id": None,
                         "history": [{"status": status, "date": d[0].isoformat()}],
                         "created_at": now, "updated_at": now})
        for chunk in batches(problems):
            conn.execute(sa.insert(record_problems), chunk)
        for chunk in batches(refs):
            conn.execute(sa.insert(referrals), chunk)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    engine.dispose()
    log(f"  filled in {time.perf_counter() - start:.1f} s: {n_records:,} tasks, "
        f"{submitted:,} records, {len(problems):,} problems, {len(refs):,} referrals")


def timed(repeat: int, fn) -> tuple[Took, object]:
    """The median wall and CPU time (this process's, not the database server's) of
    *repeat* runs of *fn*, and its last result."""
    runs, result = [], None
    for _ in range(repeat):
        with stopwatch() as took:
            result = fn()
        runs.append(took)
    return Took(statistics.median(t.seconds for t in runs),
                statistics.median(t.cpu for t in runs)), result


def runner(url: str):
    """A function running a jointcheck command on *url* in process (its stdout)."""
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    def run(*args: str):
        out = CliRunner().invoke(main, ["--db", url, *args])
        assert out.exit_code == 0, out.output
        return out.stdout

    return run


def measure(label: str, url: str, campaign: str, repeat: int) -> list[tuple[str, float]]:
    """The baseline, then the department's and the inspector's commands, on *url*."""
    import sqlalchemy as sa

    from jointcheck.core.store import open_store

    engine = open_store(url)

    def counts() -> dict:
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                    for t in TABLES}

    base, found = timed(repeat, counts)
    engine.dispose()
    log(f"  baseline: SELECT count(*) of {', '.join(TABLES)}: {base.seconds * 1000:.0f} ms, "
        f"CPU {base.cpu * 1000:.0f} ms "
        f"({', '.join(f'{t} {n:,}' for t, n in found.items())})")
    run = runner(url)
    return (_department_figures(label, run, campaign, repeat)
            + _inspector_figures(label, run, repeat))


def _department_figures(label: str, run, campaign: str, repeat: int) -> list[tuple[str, float]]:
    figures = []
    took, out = timed(repeat, lambda: run("status", campaign, "--as-of", AS_OF, "--format", "json"))
    data = json.loads(out)
    log(f"  status: {took.seconds:.3f} s, CPU {took.cpu:.3f} s (median of {repeat}); "
        f"{len(data['due'])} due groups, "
        f"{sum(g['count'] for g in data['due']):,} steps due or overdue, "
        f"{len(data['repeated_inspections']['enterprises']):,} repeated inspections, "
        f"stages {data['stages']['settled']:,} settled, pending "
        f"{[(p['kind'], p['count']) for p in data['pending']]}")
    figures.append((f"{label} status", took.seconds))
    took, out = timed(repeat, lambda: run("referrals", "list", campaign, "--overdue",
                                          "--as-of", AS_OF, "--format", "json"))
    log(f"  referrals list --overdue: {took.seconds:.3f} s, CPU {took.cpu:.3f} s (median of "
        f"{repeat}); {len(json.loads(out)):,} overdue")
    figures.append((f"{label} referrals list --overdue", took.seconds))
    took, out = timed(repeat, lambda: run("referrals", "list", campaign, "--overdue", "--as-of",
                                          AS_OF))
    log(f"  referrals list --overdue (table): {took.seconds:.3f} s")
    return figures


def _inspector_figures(label: str, run, repeat: int) -> list[tuple[str, float]]:
    figures = []
    # an inspector's task list (the app's first screen asks the same of the store)
    took, out = timed(repeat, lambda: run("tasks", "list", "--officer", officer_cert(7),
                                          "--format", "json"))
    log(f"  tasks list --officer (one officer's tasks among all): {took.seconds:.3f} s, "
        f"CPU {took.cpu:.3f} s (median of {repeat}); {len(json.loads(out)):,} tasks")
    figures.append((f"{label} tasks list --officer", took.seconds))
    return figures


def named_logins(url: str, campaign: str, repeat: int) -> list[tuple[str, float]]:
    """The department's and the inspector's commands, each as a named login of its own
    (made here with ``users add``, removed at the end with ``users remove``)."""
    import secrets
    import uuid

    import sqlalchemy as sa

    from jointcheck.core.store import begin_write, open_store
    from jointcheck.core.store.models import officers
    from jointcheck.core.store.users import add_user, remove_user

    engine = open_store(url)
    cert = officer_cert(7)
    now = datetime.now(UTC)
    with begin_write(engine) as conn:  # users add binds an inspector to the officer library
        conn.execute(sa.insert(officers).values(
            cert_no=cert, name="基准测试检查人员", department="emergency_mgmt",
            qualifications=[], active=True, conflicts=[], row_digest="0" * 64,
            created_at=now, updated_at=now))
    tag = uuid.uuid4().hex[:8]
    logins = {"department": (f"bench_dept_{tag}", secrets.token_urlsafe(12)),
              "inspector": (f"bench_insp_{tag}", secrets.token_urlsafe(12))}
    figures = []
    made = []
    try:
        for role, (login, password) in logins.items():
            add_user(engine, login, role, password,
                     cert_no=cert if role == "inspector" else None,
                     department="emergency_mgmt" if role == "department" else None)
            made.append(login)
        for role, (login, password) in logins.items():
            as_login = (sa.engine.make_url(url).set(username=login, password=password)
                        .render_as_string(hide_password=False))
            who = ("a department (emergency_mgmt)" if role == "department"
                   else f"an inspector ({cert})")
            log(f"PostgreSQL, as the named login of {who}:")
            label = f"PostgreSQL {role} login"
            figures += (_department_figures(label, runner(as_login), campaign, repeat)
                        if role == "department" else
                        _inspector_figures(label, runner(as_login), repeat))
    finally:  # no login with a password left on the server
        for login in made:
            remove_user(engine, login)
        engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=positive, default=100_000)
    parser.add_argument("--referrals", type=int, default=30_000)
    parser.add_argument("--repeat", type=positive, default=3)
    parser.add_argument("--pg", default=None, metavar="URL")
    args = parser.parse_args()
    check_reachable(parser, args.pg)

    from jointcheck.examples import example_path

    campaign = str(example_path())
    stores = []
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "store.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    stores.append(("SQLite", f"sqlite:///{db}"))
    if args.pg:
        stores.append(("PostgreSQL", schema_url(args.pg, PG_SCHEMA, fresh=True)))
    figures = []
    for label, url in stores:
        log(f"{label}:")
        fill(url, args.records, args.referrals)
        figures += measure(label, url, campaign, args.repeat)
        if label == "PostgreSQL":
            figures += named_logins(url, campaign, args.repeat)
    worst = max(s for _l, s in figures)
    log(f"slowest: {worst:.3f} s (target <= {TARGET_SECONDS:.0f} s): "
        f"{'ok' if worst <= TARGET_SECONDS else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
