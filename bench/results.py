"""Benchmark: the reports and the publication on 100,000 settled records.

Synthetic data is inserted directly into the tables (targets, officers, one draw, tasks,
submitted record versions with their classification, settlements) of a SQLite store under
bench/out/results/ (gitignored; reused by later runs), for the example campaign's checklist.

Targets (issue 9), each printed with a baseline from the same run:
- 附件3 summary (rows and counts, from the store) <= 2 s; baseline: one scan of the same
  settled results (the sum of their JSON's length);
- 附件2 statistics XLSX <= 30 s and peak memory <= 400 MB, in a fresh process; baseline:
  a bare openpyxl write-only dump of the same 100,000 rows (no styles), in a fresh process;
- publication CSV (results.csv, from the store) <= 10 s; the whole publish folder beside it;
- index.html for 100,000 enterprises: the first 5,000 are in the page, the rest in
  data/results-NNNN.js files loaded one after another; headless Chromium's load event
  <= 2 s (with the first page of results shown), and the time until all files are in.

With ``--pg URL`` every figure is measured again on PostgreSQL, in a schema
``jointcheck_bench_results_N`` of that database (built on the first run, reused by later
ones, never touching its other tables).

    python bench/results.py [--records 100000] [--pg URL]
                            [--part all|summary|scan|statistics|baseline|publish --url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from argtypes import positive  # noqa: E402 - bench/, beside this script
from pgschema import check_reachable  # noqa: E402 - bench/, beside this script
from timing import stopwatch  # noqa: E402 - bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "results"
CAMPAIGN = "hebi-2020-industrial-safety"
EM, MS = "emergency_mgmt", "market_supervision"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def log(text: str) -> None:
    print(text, flush=True)


def credit_code(n: int) -> str:
    body = f"91410600{n:09d}"
    body = "".join(ALPHABET[int(c)] for c in body)
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + ALPHABET[(31 - total % 31) % 31]


def build(url: str, records: int) -> None:
    """Insert *records* settled records of the example campaign."""
    import sqlalchemy as sa

    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.records.snapshot import register_checklist
    from jointcheck.core.store import begin_write, open_store, upgrade
    from jointcheck.core.store.models import (
        draws,
        officers,
        record_versions,
        result_settlements,
        targets,
        tasks,
    )

    upgrade(url)
    engine = open_store(url)
    opened = open_campaign()
    checklist = opened.checklist
    texts = checklist.policy.results
    rng = random.Random(2020)
    now = datetime.now(UTC)
    with begin_write(engine) as conn:
        fp = register_checklist(conn, checklist)
        people = []
        for n in range(200):
            dept = EM if n < 100 else MS
            people.append({"cert_no": f"4106{n:08d}", "name": f"执法人员{n:03d}", "gender": "男",
                           "department": dept, "unit": "鹤壁市应急管理局" if dept == EM
                           else "鹤壁市市场监督管理局", "title": "科员",
                           "phone": f"139{n:08d}", "id_number": f"41060019900101{n:04d}",
                           "qualifications": [], "active": True, "conflicts": [],
                           "row_digest": "0" * 64, "created_at": now, "updated_at": now})
        conn.execute(sa.insert(officers), people)
        conn.execute(sa.insert(draws).values(
            id=1, campaign_id=CAMPAIGN, campaign_kind="industrial-safety", year=2020,
            seed="bench-seed", commitment=None, algorithm_version="jc-draw-1", parameters={},
            targets_fingerprint="0" * 64, officers_fingerprint="0" * 64, result={"targets": []},
            result_digest="0" * 64, created_at=now, actor="bench"))
        for start in range(0, records, 5000):
            t_rows, k_rows, v_rows, s_rows = [], [], [], []
            for n in range(start, min(records, start + 5000)):
                code = credit_code(n)
                t_rows.append({"credit_code": code, "name": f"鹤壁市第{n}号机械制造有限公司",
                               "reg_no": f"410600{n:09d}", "legal_rep": f"法人{n}",
                               "address": f"鹤壁市淇滨区工业路{n}号", "phone": f"0392{n:07d}",
                               "jurisdiction": "淇滨区", "registration_authority":
                               "鹤壁市市场监督管理局", "status": "存续", "industry": "工业",
                               "attributes": {"uses_special_equipment": n % 2 == 0},
                               "check_override": False, "row_digest": "0" * 64,
                               "created_at": now, "updated_at": now})
                a, b = rng.randrange(100), 100 + rng.randrange(100)
                team = [{"cert_no": people[a]["cert_no"], "department": EM, "leader": True},
                        {"cert_no": people[(a + 1) % 100]["cert_no"], "department": EM},
                        {"cert_no": people[b]["cert_no"], "department": MS},
                        {"cert_no": people[100 + (b + 1) % 100]["cert_no"], "department": MS}]
                tid = f"1-{n + 1}"
                k_rows.append({"id": tid, "draw_id": 1, "seq": n + 1, "campaign_id": CAMPAIGN,
                               "credit_code": code, "team": team, "status": "submitted",
                               "checklist_fingerprint": fp, "version": 1, "created_at": now,
                               "updated_at": now})
                em, ms = rng.choice([1, 1, 1, 5, 8]), rng.choice([1, 7, 7, 5, 8])
                disp = {EM: ["责令改正"] if em in (5, 8) else [],
                        MS: ["责令改正"] if ms in (5, 8) else []}
                joint = next(c for c in checklist.policy.joint_order if c in (em, ms))
                results = {"departments": {
                    d: {"result": {"code": c, "text": texts[c]}, "dispositions": disp[d],
                        "rule": "bench", "applicable_items": [], "noncompliant_items": []}
                    for d, c in ((EM, em), (MS, ms))},
                    "joint": {"code": joint, "text": texts[joint]}}
                record = {"findings": {"outcome": "inspected", "inspected_on": "2020-07-15",
                                       "departments": {}},
                          "methods": ["实地检查"], "opinion": "", "remarks": "",
                          "officers_present": [m["cert_no"] for m in team], "escort": None}
                v_rows.append({"task_id": tid, "version": 1, "checklist_fingerprint": fp,
                               "record": record, "results": results, "digest": "0" * 64,
                               "submitted_at": now, "submitted_by": "bench"})
                settled = {"departments": {
                    d: {"computed": {"code": c, "text": texts[c]},
                        "result": {"code": c, "text": texts[c]},
                        "computed_dispositions": disp[d], "dispositions": disp[d],
                        "overrides": []} for d, c in ((EM, em), (MS, ms))},
                    "joint": {"computed": {"code": joint, "text": texts[joint]},
                              "result": {"code": joint, "text": texts[joint]}, "overrides": []},
                    "dispositions": ["责令改正"] if disp[EM] or disp[MS] else [],
                    "inspected_on": "2020-07-15"}
                s_rows.append({"task_id": tid, "version": 1, "campaign_id": CAMPAIGN,
                               "results": settled, "settled_at": now, "settled_by": "bench"})
            conn.execute(sa.insert(targets), t_rows)
            conn.execute(sa.insert(tasks), k_rows)
            conn.execute(sa.insert(record_versions), v_rows)
            conn.execute(sa.insert(result_settlements), s_rows)
    engine.dispose()


def settled_count(url: str) -> int | None:
    """The settled records of a built store at *url* (None: not a store at the newest
    revision)."""
    import sqlalchemy as sa

    from jointcheck.core.store import StoreError, open_store
    from jointcheck.core.store.models import result_settlements

    try:
        engine = open_store(url)
    except StoreError:
        return None
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(result_settlements)
                                ).scalar_one()
    finally:
        engine.dispose()


def pg_store(base: str, records: int) -> str:
    """The PostgreSQL schema holding *records* settled records (built when it does not)."""
    from pgschema import schema_url

    schema = f"jointcheck_bench_results_{records}"
    url = schema_url(base, schema)
    if settled_count(url) != records:
        url = schema_url(base, schema, fresh=True)
        log(f"building {records:,} settled records in PostgreSQL schema {schema} …")
        start = time.perf_counter()
        build(url, records)
        log(f"  built in {time.perf_counter() - start:.1f} s")
    return url


def store(records: int) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"results-{records}.db"
    url = f"sqlite:///{path}"
    if path.exists() and settled_count(url) != records:  # an older schema or a broken build
        path.unlink()
    if not path.exists():
        log(f"building {records:,} settled records in {path} …")
        start = time.perf_counter()
        try:
            build(url, records)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        log(f"  built in {time.perf_counter() - start:.1f} s")
    return url


def load() -> str:
    """The load average (1, 5, 15 minutes): the machine is shared."""
    import os

    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def ratio(part: dict, baseline: dict) -> str:
    """Wall-clock and CPU time over the baseline's: on a shared machine the CPU ratio
    says what a quiet machine would show."""
    return (f"{part['seconds'] / baseline['seconds']:.2f} wall, "
            f"{part['cpu'] / baseline['cpu']:.2f} CPU")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def part_summary(url: str) -> None:
    from jointcheck.core.reports import build_table
    from jointcheck.core.store import open_store

    engine = open_store(url)
    with stopwatch() as took:
        table, _unsettled = build_table(engine, "summary", CAMPAIGN)
        rows = list(table.rows)
    total = rows[-1][1]
    print(json.dumps({"part": "summary", "seconds": took.seconds, "cpu": took.cpu,
                      "inspected": total}))


def part_scan(url: str) -> None:
    """The baseline of 附件3: one scan of the same settled results (the length of each
    JSON document summed), the least any query reading them can cost."""
    import sqlalchemy as sa

    from jointcheck.core.store import open_store
    from jointcheck.core.store.models import result_settlements as rs
    from jointcheck.core.store.models import tasks

    engine = open_store(url)
    with stopwatch() as took, engine.connect() as conn:
        size = conn.execute(sa.select(sa.func.sum(sa.func.length(sa.cast(rs.c.results,
                                                                           sa.Text))))
                            .select_from(rs.join(tasks, (tasks.c.id == rs.c.task_id)
                                                 & (tasks.c.version == rs.c.version)))
                            .where(tasks.c.campaign_id == CAMPAIGN)).scalar_one()
    print(json.dumps({"part": "scan", "seconds": took.seconds, "cpu": took.cpu,
                      "chars": int(size or 0)}))


def part_statistics(url: str) -> None:
    from jointcheck.core.reports import write_report
    from jointcheck.core.store import open_store

    engine = open_store(url)
    with stopwatch() as took:
        done = write_report(engine, "statistics", CAMPAIGN, "xlsx", OUT / "statistics.xlsx")
    print(json.dumps({"part": "statistics", "seconds": took.seconds, "cpu": took.cpu,
                      "rows": done.rows, "peak_mb": peak_mb()}))


def part_baseline(url: str) -> None:
    """A bare openpyxl write-only dump of the same rows: the rows read with one query."""
    import sqlalchemy as sa
    from openpyxl import Workbook

    from jointcheck.core.store import open_store
    from jointcheck.core.store.models import targets, tasks

    engine = open_store(url)
    query = sa.select(
        tasks.c.seq, targets.c.name, targets.c.credit_code, targets.c.reg_no,
        targets.c.legal_rep, targets.c.address, targets.c.phone, targets.c.jurisdiction,
        targets.c.registration_authority, tasks.c.team).join(
        targets, targets.c.credit_code == tasks.c.credit_code).order_by(tasks.c.seq)
    with stopwatch() as took:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("附件2")
        for r in rows:
            ws.append([*r[:9], "、".join(m["cert_no"] for m in r[9]), "未发现问题", "", "否"])
        wb.save(OUT / "baseline.xlsx")
    print(json.dumps({"part": "baseline", "seconds": took.seconds, "cpu": took.cpu,
                      "rows": len(rows), "peak_mb": peak_mb()}))


def part_publish(url: str) -> None:
    import sqlalchemy as sa

    from jointcheck.core.present.reports import PUBLIC_COLUMNS, public_record
    from jointcheck.core.records.results import public_rows
    from jointcheck.core.reports import stored_checklist, write_csv
    from jointcheck.core.reports.publish import publish
    from jointcheck.core.store import open_store
    from jointcheck.core.store.models import result_settlements

    engine = open_store(url)
    start = time.perf_counter()
    checklist = stored_checklist(engine, CAMPAIGN)
    rows, _drawn = public_rows(engine, CAMPAIGN, [d.code for d in checklist.departments])
    names = [d.name for d in checklist.departments]
    keys = [k for k, _h in PUBLIC_COLUMNS]
    write_csv(OUT / "results.csv", [h for _k, h in PUBLIC_COLUMNS],
              ([rec[k] for k in keys] for rec in (public_record(r, names) for r in rows)))
    csv_seconds = time.perf_counter() - start
    folder = OUT / "publication"
    start = time.perf_counter()
    done = publish(engine, CAMPAIGN, folder, on=date(2020, 8, 3))
    folder_seconds = time.perf_counter() - start
    with engine.begin() as conn:  # leave the store as built
        conn.execute(sa.update(result_settlements).values(published_on=None))
    print(json.dumps({"part": "publish", "csv_seconds": csv_seconds,
                      "folder_seconds": folder_seconds, "count": done.count,
                      "files": len(done.files)}))


def run_part(part: str, url: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--url", url, "--part", part],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def browser_figures() -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.browser import Browser, chromium_path

    if chromium_path() is None:
        return {}
    url = (OUT / "publication" / "index.html").resolve().as_uri()
    with Browser() as b:
        loaded = b.open(url)
        first = b.eval("document.querySelectorAll('#rows tr').length")
        start = time.perf_counter()
        for _ in range(600):
            text = b.eval("document.getElementById('count').textContent")
            if "已载入" not in text:
                break
            b.drain(0.05)
        all_in = loaded + time.perf_counter() - start
        t0 = time.perf_counter()
        b.eval("(function(){var q=document.getElementById('q');q.value='第99999号';"
               "q.dispatchEvent(new Event('input'));})()")
        hits = b.eval("document.querySelectorAll('#rows tr').length")
        search = time.perf_counter() - t0
        errors = b.console_errors()
        requests = b.requests()
    return {"load": loaded, "first_rows": first, "all_loaded": all_in, "count": text,
            "search": search, "hits": hits, "errors": len(errors),
            "non_file_requests": sum(1 for u in requests if not u.startswith("file://"))}


def main() -> None:
    parts = {"summary": part_summary, "scan": part_scan, "statistics": part_statistics,
             "baseline": part_baseline, "publish": part_publish}
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=positive, default=100_000)
    parser.add_argument("--part", default="all", choices=["all", *parts])
    parser.add_argument("--url", help="the store of a --part run (set by the parent)")
    parser.add_argument("--pg", metavar="URL", help="also run on this PostgreSQL database")
    args = parser.parse_args()
    check_reachable(parser, args.pg)
    if args.part != "all":
        parts[args.part](args.url)
        return
    report("SQLite", store(args.records), args.records, browser=True)
    if args.pg:
        report("PostgreSQL", pg_store(args.pg, args.records), args.records, browser=False)


def report(label: str, url: str, n: int, *, browser: bool) -> None:
    log(f"== {label} ==")
    log(f"load average before: {load()}")
    s, scan = run_part("summary", url), run_part("scan", url)
    log(f"附件3 summary, {n:,} records: {s['seconds']:.2f} s (target <= 2 s), CPU "
        f"{s['cpu']:.2f} s; baseline one scan of the same settled results: "
        f"{scan['seconds']:.2f} s, CPU {scan['cpu']:.2f} s (ratio {ratio(s, scan)}); "
        f"load {load()}")
    base = run_part("baseline", url)
    stat = run_part("statistics", url)
    log(f"附件2 statistics XLSX: {stat['seconds']:.1f} s, CPU {stat['cpu']:.1f} s, peak "
        f"{stat['peak_mb']:.0f} MB (targets <= 30 s, <= 400 MB); baseline bare write-only "
        f"dump: {base['seconds']:.1f} s, CPU {base['cpu']:.1f} s, peak {base['peak_mb']:.0f} "
        f"MB (ratio {ratio(stat, base)}); load {load()}")
    pub = run_part("publish", url)
    log(f"publication CSV: {pub['csv_seconds']:.2f} s (target <= 10 s); whole folder "
        f"(csv, json, index.html, {pub['files'] - 1} files in all): "
        f"{pub['folder_seconds']:.2f} s; load {load()}")
    if not browser:  # the same publication folder as from SQLite
        return
    fig = browser_figures()
    if fig:
        log(f"index.html, {n:,} enterprises: load event {fig['load']:.2f} s with "
            f"{fig['first_rows']} rows shown (target <= 2 s); all data files in after "
            f"{fig['all_loaded']:.2f} s ({fig['count']}); search over all: "
            f"{fig['search'] * 1000:.0f} ms, {fig['hits']} hit(s); console errors: "
            f"{fig['errors']}; non-file requests: {fig['non_file_requests']}")
    else:
        log("index.html: chromium is not installed (apt-get install chromium)")


if __name__ == "__main__":
    main()
