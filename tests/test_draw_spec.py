"""An independent re-implementation of the draw from docs/draw.md alone (jc-draw-2, with
the inspection history, its limits and a 补充抽取), checked against what jointcheck records.

Nothing of jointcheck's draw code is used here: only the standard library, the exported
draw (`draw export`, as a third party gets it) and the library rows with their stored
row digests (which docs/libraries.md defines). If this test fails after a change to the
draw, either the change is a bug or docs/draw.md must say what changed (and the
algorithm version must change with it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from jointcheck.core.campaign import open_campaign
from jointcheck.core.draw import service as S
from jointcheck.core.store import open_store
from jointcheck.core.store.models import officers, targets
from tests.test_draw_store import EM, MS, SE, campaign_file, code, insert_libraries, run_cli

US = "\x1f"
IN_SCOPE = ("存续", "在业")


def h(seed: str, message: str) -> bytes:
    return hmac.new(seed.encode(), message.encode(), hashlib.sha256).digest()


def fingerprint(pairs: list[tuple[str, str]]) -> str:
    pairs = sorted(pairs)
    if not pairs:
        return hashlib.sha256(b"").hexdigest()
    text = "".join(k + "\n" for k, _ in pairs) + "".join(d + "\n" for _, d in pairs)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(export: dict, target_rows: list[dict], officer_rows: list[dict]) -> dict:
    """docs/draw.md §1–§7 for a campaign whose scope filter is `status in 存续/在业`."""
    seed, p = export["seed"], export["parameters"]
    start = date.fromisoformat(p["start"])
    limits = p["inspection_limits"] or {}
    within, cap = limits.get("exclude_within_days"), limits.get("max_per_year")
    history = [tuple(e) for e in p["history"]]
    near = {c for c, d in history
            if within is not None and abs((date.fromisoformat(d) - start).days) <= within}
    per_year: dict[str, int] = {}
    for c, d in history:
        if date.fromisoformat(d).year == start.year:
            per_year[c] = per_year.get(c, 0) + 1
    capped = {c for c, n in per_year.items() if cap is not None and n >= cap}
    excluded = set(p["exclude"]) | set(p["campaign_drawn"]) | near | capped
    eligible = [t for t in target_rows
                if t["status"] in IN_SCOPE and t["credit_code"] not in excluded]
    out: dict = {"history_fingerprint": hashlib.sha256("".join(
        f"{c}{US}{d}\n" for c, d in sorted(history)).encode()).hexdigest(),
        "targets_fingerprint": fingerprint([(t["credit_code"], t["row_digest"])
                                            for t in eligible])}
    grades = sorted(p["sample"]["by_grade"])
    drawn, strata = [], []
    for g in grades:
        members = sorted((h(seed, f"target{US}{t['credit_code']}"), t["credit_code"])
                         for t in eligible if t["risk_grade"] == g)
        k = math.ceil(Decimal(p["sample"]["by_grade"][g]) * len(members))
        drawn += [(g, r, c) for r, c in members[:k]]
        strata.append({"grade": g, "ratio": p["sample"]["by_grade"][g],
                       "eligible": len(members), "drawn": k})
    unsampled: dict[str, int] = {}
    for t in eligible:
        if t["risk_grade"] not in grades:
            unsampled[t["risk_grade"] or ""] = unsampled.get(t["risk_grade"] or "", 0) + 1
    jur = {t["credit_code"]: t["jurisdiction"] for t in target_rows}
    pools = {}
    for d in p["departments"]:
        need = set(p["officers"][d]["qualifications"])
        pools[d] = sorted((o for o in officer_rows if o["department"] == d and o["active"]
                           and o["cert_expiry"] is not None
                           and o["cert_expiry"] >= date.fromisoformat(p["date"])
                           and need <= set(o["qualifications"])), key=lambda o: o["cert_no"])
    out["officers_fingerprint"] = fingerprint([(o["cert_no"], o["row_digest"])
                                               for pool in pools.values() for o in pool])
    result_targets = []
    for seq, (g, rank, c) in enumerate(drawn, start=p["seq_start"]):
        team = []
        for d in p["departments"]:
            cands = [o for o in pools[d]
                     if not (p["cross_jurisdiction"] and jur[c] and o["jurisdiction"] == jur[c])
                     and c not in o["conflicts"]]
            chosen: list[int] = []
            i = 0
            while len(chosen) < p["officers"][d]["count"]:
                j = int.from_bytes(h(seed, f"officer{US}{c}{US}{d}{US}{i}"), "big") % len(cands)
                if j not in chosen:
                    chosen.append(j)
                i += 1
            team += [{"department": d, "cert_no": cands[j]["cert_no"],
                      "leader": d == p["leader_department"] and n == 0}
                     for n, j in enumerate(chosen)]
        result_targets.append({"seq": seq, "credit_code": c, "stratum": g, "rank": rank.hex(),
                               "team": team})
    out["result"] = {"algorithm_version": export["algorithm_version"],
                     "eligible": len(eligible), "strata": strata, "unsampled": unsampled,
                     "officers_eligible": {d: len(pool) for d, pool in pools.items()},
                     "targets": result_targets}
    canonical = json.dumps(out["result"], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    out["result_digest"] = hashlib.sha256(canonical.encode()).hexdigest()
    return out


@pytest.fixture
def stocked(store_url):
    engine = open_store(store_url)
    insert_libraries(engine)
    yield engine
    engine.dispose()


def test_an_independent_replay_agrees_with_every_recorded_draw(stocked, store_url, tmp_path):
    scope = {"attribute": "status", "in": list(IN_SCOPE)}
    common = {"scope": {"filter": scope}, "sample": {"by_grade": {"A": 0.3, "B": 0.2}},
              "officers": {EM: {"count": 2}, MS: {"count": 2, "qualifications": [SE]}}}
    first = open_campaign(campaign_file(tmp_path, "a.yaml", id="a", kind="a", **common)).campaign
    S.run_draw(stocked, first, "first seed", commitment_required=False, weak_seed=True)
    csv = tmp_path / "h.csv"
    csv.write_text("统一社会信用代码,检查日期,检查单位\n" + "".join(
        f"{code(i)},{day},市生态环境局\n"
        for i, day in [(1, "2020-06-15"), (3, "2020-01-05"), (3, "2020-03-05"), (8, "2019-02-01"),
                       (5, "2020-12-30"), (6, "2019-06-30")]), encoding="utf-8")
    assert run_cli("history", "import", str(csv), url=store_url).exit_code == 0
    limited = open_campaign(campaign_file(
        tmp_path, "b.yaml", id="b", kind="b", period={"start": "2020-07-01", "end": "2020-07-31"},
        inspection_limits={"exclude_within_days": 20, "max_per_year": 2}, **common)).campaign
    records = [S.run_draw(stocked, limited, "second seed", commitment_required=False,
                          weak_seed=True),
               S.run_draw(stocked, limited, "third seed", commitment_required=False,
                          weak_seed=True, supplementary="第 1 号企业已注销")]
    with stocked.connect() as conn:
        target_rows = [dict(r._mapping) for r in conn.execute(sa.select(targets))]
        officer_rows = [dict(r._mapping) for r in conn.execute(sa.select(officers))]
    for o in officer_rows:
        for key in ("qualifications", "conflicts"):
            if isinstance(o[key], str):
                o[key] = json.loads(o[key])
    assert records[0].funnel["inspected_within_days"] and records[0].funnel["yearly_cap"]
    assert records[1].parameters["seq_start"] == len(records[0].drawn) + 1
    for record in records:
        export = record.export()
        mine = replay(export, target_rows, officer_rows)
        assert mine["result"] == export["result"]
        for key in ("result_digest", "targets_fingerprint", "officers_fingerprint",
                    "history_fingerprint"):
            assert mine[key] == export[key], key
