"""The draw algorithm (core/draw/algorithm.py) as a pure function: no database.

What a user would notice: the same seed and the same eligible set give the same result
whatever the order of the input; sample sizes follow the documented rounding rule; teams
respect qualifications, certificates, activity and 回避; an impossible draw says which
target and department fell short and why; docs/draw.md's worked example is what the code
computes.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date

import pytest

from jointcheck.core.draw import algorithm as A
from jointcheck.core.draw.algorithm import (
    DrawError,
    OfficerEntry,
    Parameters,
    TargetEntry,
    draw,
)
from jointcheck.core.libraries.codes import credit_code_check_char

DATE = date(2020, 7, 1)


def code(n: int, prefix: str = "91410611") -> str:
    """A valid 统一社会信用代码 numbered *n*."""
    first17 = f"{prefix}{n:09d}"[:17]
    return first17 + credit_code_check_char(first17)


def params(**kw) -> Parameters:
    base = dict(
        campaign_id="t", campaign_kind="t", year=2020, date=DATE, scope_filter=None,
        exclusion=True, exclude=(), sample={"count": 1},
        departments=("emergency_mgmt", "market_supervision"),
        officers={"emergency_mgmt": {"count": 2, "qualifications": []},
                  "market_supervision": {"count": 2, "qualifications": []}},
        cross_jurisdiction=False, leader_department="emergency_mgmt",
    )
    base.update(kw)
    return Parameters(**base)


def target(n: int, grade: str | None = "A", jurisdiction: str | None = "淇滨区") -> TargetEntry:
    c = code(n)
    return TargetEntry(c, grade, jurisdiction, hashlib.sha256(c.encode()).hexdigest())


def officer(cert: str, dept: str = "emergency_mgmt", *, active: bool = True,
            expiry: date | None = date(2030, 1, 1), quals=(), jurisdiction: str | None = "山城区",
            conflicts=()) -> OfficerEntry:
    return OfficerEntry(cert, dept, active, expiry, frozenset(quals), jurisdiction,
                        frozenset(conflicts), hashlib.sha256(cert.encode()).hexdigest())


def pool(n_per_dept: int = 6) -> list[OfficerEntry]:
    return ([officer(f"E{i:03d}") for i in range(n_per_dept)]
            + [officer(f"M{i:03d}", "market_supervision") for i in range(n_per_dept)])


# --------------------------------------------------------------------------- hashing


def test_ranks_are_hmac_sha256_of_the_documented_message():
    seed = "种子-seed-1"
    rank_of = A.keyed_hasher(seed, "target\x1f")
    for c in (code(1), code(2), "91310110666007217T"):
        expected = hmac.digest(seed.encode(), f"target\x1f{c}".encode(), "sha256")
        assert rank_of(c.encode()) == expected == A.target_rank(seed, c)
    # a key longer than SHA-256's block is hashed first, as RFC 2104 says
    long_seed = "x" * 100
    assert A.keyed_hasher(long_seed, "p")(b"m") == hmac.digest(long_seed.encode(), b"pm",
                                                               "sha256")


def test_commitment_is_sha256_of_the_utf8_seed():
    assert A.commitment_of("abc") == hashlib.sha256(b"abc").hexdigest()
    assert A.commitment_of("种子") == hashlib.sha256("种子".encode()).hexdigest()


def test_fingerprint_is_keys_then_digests_one_per_line():
    keys, digests = ["A1", "B2"], ["d1", "d2"]
    assert A.fingerprint(keys, digests) == hashlib.sha256(b"A1\nB2\nd1\nd2\n").hexdigest()
    assert A.fingerprint([], []) == hashlib.sha256(b"").hexdigest()


# --------------------------------------------------------------------------- determinism


def test_result_does_not_depend_on_input_order():
    targets = [target(i, grade="ABCD"[i % 4]) for i in range(400)]
    officers = pool(8)
    p = params(sample={"by_grade": {"A": "0.05", "B": "0.1", "C": "0.02", "D": "0.5"}})
    first = draw("seed", targets, officers, p).to_json()
    rng = random.Random(7)
    for _ in range(3):
        t2, o2 = targets[:], officers[:]
        rng.shuffle(t2)
        rng.shuffle(o2)
        again = draw("seed", t2, o2, p)
        assert again.to_json() == first
    assert draw("other seed", targets, officers, p).to_json() != first


def test_parallel_ranking_gives_the_same_result(monkeypatch):
    """The services rank a large set in a forked child (core.forking):
    the same result as in-process; the pure algorithm itself never forks."""
    import os

    from jointcheck.core.draw import service

    targets = [target(i, grade="ABC"[i % 3]) for i in range(3000)]
    p = params(sample={"ratio": "0.01"})
    real_fork, forks = os.fork, []

    def counting_fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counting_fork)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    serial = draw("s", targets, pool(), p)
    assert forks == []
    monkeypatch.setattr(service, "PARALLEL_THRESHOLD", 1)
    parallel = draw("s", list(reversed(targets)), pool(), p, beside=service.rank_beside)
    assert forks == [1]
    assert parallel.to_json() == serial.to_json()
    assert parallel.targets_fingerprint == serial.targets_fingerprint


def test_smallest_ranks_are_drawn_in_rank_order():
    targets = [target(i) for i in range(50)]
    result = draw("s", targets, pool(), params(sample={"count": 5}))
    ranks = sorted((A.target_rank("s", t.credit_code), t.credit_code) for t in targets)
    assert [t.credit_code for t in result.targets] == [c for _, c in ranks[:5]]
    assert [t.seq for t in result.targets] == [1, 2, 3, 4, 5]
    assert [t.rank for t in result.targets] == [r.hex() for r, _ in ranks[:5]]


# --------------------------------------------------------------------------- sample sizes


def test_ratio_rounds_up_with_exact_decimals():
    # 0.07 * 100 is 7.000000000000001 in binary floating point: ceil would give 8
    assert A.sample_size(A.ratio_text(0.07), 100) == 7
    assert A.sample_size("0.01", 1) == 1  # a non-empty stratum always gets one
    assert A.sample_size("0.01", 101) == 2
    assert A.sample_size("0.01", 0) == 0
    assert A.ratio_text(0.01) == "0.01"
    assert A.ratio_text(1) == "1"
    assert A.ratio_text(1e-05) == "0.00001"
    for bad in (0, 1.5, -0.1, True, "x"):
        with pytest.raises(ValueError):
            A.ratio_text(bad)


def test_by_grade_strata_in_grade_order_with_their_own_ratio():
    targets = ([target(i, "D") for i in range(10)] + [target(100 + i, "A") for i in range(300)]
               + [target(1000 + i, "B") for i in range(7)] + [target(2000 + i, "E") for i in range(4)]
               + [target(3000 + i, None) for i in range(2)])
    p = params(sample={"by_grade": {"D": "0.3", "A": "0.01", "B": "0.5"}})
    result = draw("s", targets, pool(), p)
    assert [(s["grade"], s["eligible"], s["drawn"]) for s in result.strata] == [
        ("A", 300, 3), ("B", 7, 4), ("D", 10, 3)]
    assert [t.stratum for t in result.targets] == ["A"] * 3 + ["B"] * 4 + ["D"] * 3
    assert [t.seq for t in result.targets] == list(range(1, 11))
    # grades not listed are eligible (fingerprinted) but not sampled, and reported
    assert result.unsampled == {"E": 4, "": 2}
    assert result.eligible == len(targets)


def test_count_larger_than_the_eligible_set_is_an_error():
    with pytest.raises(DrawError) as exc:
        draw("s", [target(1), target(2)], pool(), params(sample={"count": 3}))
    assert exc.value.problems[0].code == "JC722"
    assert "3" in exc.value.problems[0].message and "2" in exc.value.problems[0].message


def test_empty_eligible_set_is_an_error():
    with pytest.raises(DrawError) as exc:
        draw("s", [], pool(), params(), total_targets=12)
    assert exc.value.problems[0].code == "JC721"
    assert "12" in exc.value.problems[0].message


def test_duplicate_credit_code_is_an_error():
    t = target(1)
    with pytest.raises(DrawError) as exc:
        draw("s", [t, target(2), t], pool(), params())
    assert exc.value.problems[0].code == "JC727"
    assert t.credit_code in exc.value.problems[0].message


def test_bad_seeds_are_refused():
    for bad in ("", " padded ", "x" * 257, "tab\there"):
        with pytest.raises(DrawError) as exc:
            draw(bad, [target(1)], pool(), params())
        assert exc.value.problems[0].code == "JC729"


# --------------------------------------------------------------------------- eligibility


def test_scope_filter_unknown_counts_as_out_of_scope():
    f = {"all": [{"attribute": "status", "in": ["存续", "在业"]},
                 {"attribute": "uses_special_equipment", "equals": True}]}
    rows = [
        {"credit_code": code(1), "status": "存续", "attributes": {"uses_special_equipment": True},
         "row_digest": "d1"},
        {"credit_code": code(2), "status": "存续", "attributes": {}, "row_digest": "d2"},
        {"credit_code": code(3), "status": "注销", "attributes": {"uses_special_equipment": True},
         "row_digest": "d3"},
        {"credit_code": code(4), "status": None, "attributes": {"uses_special_equipment": True},
         "row_digest": "d4"},
        {"credit_code": code(5), "status": "在业", "attributes": {"uses_special_equipment": True},
         "row_digest": "d5"},
    ]
    eligible, total = A.eligible_targets(rows, params(scope_filter=f, exclude=(code(5),)))
    assert total == 5
    assert [e.credit_code for e in eligible] == [code(1)]


# --------------------------------------------------------------------------- officers


def test_teams_have_each_departments_count_and_a_leader_from_the_lead_department():
    p = params(sample={"count": 20},
               officers={"emergency_mgmt": {"count": 2, "qualifications": []},
                         "market_supervision": {"count": 3, "qualifications": []}},
               leader_department="market_supervision")
    result = draw("s", [target(i) for i in range(30)], pool(), p)
    for t in result.targets:
        depts = [m.department for m in t.team]
        assert depts == ["emergency_mgmt"] * 2 + ["market_supervision"] * 3
        assert len({m.cert_no for m in t.team}) == 5
        leaders = [m for m in t.team if m.leader]
        assert len(leaders) == 1 and leaders[0].department == "market_supervision"
        assert leaders[0] == [m for m in t.team if m.department == "market_supervision"][0]
    # teams vary from target to target (one officer may serve several targets)
    assert len({tuple(m.cert_no for m in t.team) for t in result.targets}) > 10


def test_officer_selection_follows_the_documented_index_rule():
    seed, p = "s", params(sample={"count": 3})
    targets = [target(i) for i in range(10)]
    officers = pool(7)
    result = draw(seed, targets, officers, p)
    for t in result.targets:
        for dept in p.departments:
            cands = sorted(o.cert_no for o in officers if o.department == dept)
            chosen: list[int] = []
            i = 0
            while len(chosen) < 2:
                idx = A.officer_index(seed, t.credit_code, dept, i, len(cands))
                if idx not in chosen:
                    chosen.append(idx)
                i += 1
            assert [m.cert_no for m in t.team if m.department == dept] == [cands[j] for j in chosen]


def test_only_active_qualified_officers_with_a_valid_certificate_are_drawn():
    officers = [
        officer("E-ok-1"), officer("E-ok-2"),
        officer("E-inactive", active=False),
        officer("E-expired", expiry=date(2020, 6, 30)),
        officer("E-no-expiry", expiry=None),
        officer("M-ok-1", "market_supervision", quals=["特种设备安全监察", "食品安全"]),
        officer("M-ok-2", "market_supervision", quals=["特种设备安全监察"], expiry=DATE),
        officer("M-unqualified", "market_supervision", quals=["食品安全"]),
        officer("X-other-dept", "tax", quals=["特种设备安全监察"]),
    ]
    p = params(sample={"count": 25},
               officers={"emergency_mgmt": {"count": 2, "qualifications": []},
                         "market_supervision": {"count": 2,
                                                "qualifications": ["特种设备安全监察"]}})
    result = draw("s", [target(i) for i in range(25)], officers, p)
    drawn = {m.cert_no for t in result.targets for m in t.team}
    assert drawn == {"E-ok-1", "E-ok-2", "M-ok-1", "M-ok-2"}
    assert result.officers_eligible == {"emergency_mgmt": 2, "market_supervision": 2}


def test_avoidance_by_jurisdiction_and_declared_conflict():
    t1 = target(1, jurisdiction="淇滨区")
    t2 = target(2, jurisdiction="山城区")
    officers = [
        officer("E1", jurisdiction="淇滨区"), officer("E2", jurisdiction="淇滨区"),
        officer("E3", jurisdiction="山城区"), officer("E4", jurisdiction="山城区"),
        officer("E5", jurisdiction="浚县", conflicts=[t1.credit_code]),
        officer("E6", jurisdiction="浚县"),
        officer("M1", "market_supervision", jurisdiction="浚县"),
        officer("M2", "market_supervision", jurisdiction="浚县"),
    ]
    p = params(sample={"count": 2}, cross_jurisdiction=True)
    for seed in ("a", "b", "c", "d", "e"):
        result = draw(seed, [t1, t2], officers, p)
        team = {t.credit_code: {m.cert_no for m in t.team} for t in result.targets}
        assert team[t1.credit_code] & {"E1", "E2", "E5"} == set()
        assert team[t2.credit_code] & {"E3", "E4"} == set()
    # without cross_jurisdiction only the declared conflict is avoided
    p2 = params(sample={"count": 2})
    seen = set()
    for seed in map(str, range(40)):
        result = draw(seed, [t1, t2], officers, p2)
        for t in result.targets:
            names = {m.cert_no for m in t.team}
            if t.credit_code == t1.credit_code:
                assert "E5" not in names
            seen |= names
    assert {"E1", "E2", "E3", "E4"} <= seen


def test_infeasible_team_fails_with_an_account_of_the_shortfall():
    t1 = target(1, jurisdiction="淇滨区")
    officers = [
        officer("E1", jurisdiction="淇滨区"), officer("E2", jurisdiction="山城区"),
        officer("E3", jurisdiction="浚县", active=False),
        officer("E4", jurisdiction="浚县", expiry=date(2019, 1, 1)),
        officer("E5", jurisdiction="浚县", conflicts=[t1.credit_code]),
        officer("M1", "market_supervision"), officer("M2", "market_supervision"),
    ]
    p = params(sample={"count": 1}, cross_jurisdiction=True)
    with pytest.raises(DrawError) as exc:
        draw("s", [t1], officers, p)
    problems = exc.value.problems
    assert [p.code for p in problems] == ["JC725"]
    msg = problems[0].message
    assert "第 1 号" in msg and t1.credit_code in msg and "emergency_mgmt" in msg
    assert "需要 2 名" in msg and "只有 1 名" in msg
    # the funnel: 在册 5 → 在岗 4 → 执法证在有效期内 3 → 具备所需资格 3 → 非检查对象所在辖区 2 → 无回避关系 1
    assert "在册 5 → 在岗 4 → 执法证在有效期内 3 → 具备所需资格 3 → 非检查对象所在辖区 2 → 无回避关系 1" in msg
    assert problems[0].path == "campaign.officers.emergency_mgmt"


def test_infeasible_draw_lists_every_shortfall_up_to_a_limit():
    officers = [officer("E1"), officer("M1", "market_supervision"),
                officer("M2", "market_supervision")]
    with pytest.raises(DrawError) as exc:
        draw("s", [target(i) for i in range(30)], officers, params(sample={"count": 25}),
             max_reported=20)
    codes = [p.code for p in exc.value.problems]
    assert codes == ["JC725"] * 20 + ["JC726"]
    assert "5" in exc.value.problems[-1].message


def test_english_messages(monkeypatch):
    monkeypatch.setenv("JOINTCHECK_LANG", "en")
    with pytest.raises(DrawError) as exc:
        draw("s", [target(1)], [officer("E1")], params())
    msg = exc.value.problems[0].message
    assert "needs 2 officer(s), only 1 qualify" in msg
    assert "on file 1" in msg


def test_fewer_than_two_officers_per_department_is_refused():
    p = params(officers={"emergency_mgmt": {"count": 1, "qualifications": []},
                         "market_supervision": {"count": 2, "qualifications": []}})
    with pytest.raises(DrawError) as exc:
        draw("s", [target(1)], pool(), p)
    assert exc.value.problems[0].code == "JC723"
    assert "第四十二条" in exc.value.problems[0].message


def test_leader_department_must_take_part():
    with pytest.raises(DrawError) as exc:
        draw("s", [target(1)], pool(), params(leader_department="tax"))
    assert exc.value.problems[0].code == "JC724"


# --------------------------------------------------------------------------- parameters


def test_parameters_round_trip_through_json():
    p = params(scope_filter={"attribute": "status", "in": ["存续"]}, exclude=(code(2), code(1)),
               sample={"by_grade": {"A": "0.01"}})
    again = Parameters.from_json(p.to_json())
    assert again.to_json() == p.to_json()
    assert again.exclude == tuple(sorted((code(1), code(2))))
    with pytest.raises(DrawError) as exc:
        Parameters.from_json({"campaign_id": "x"})
    assert exc.value.problems[0].code == "JC731"


def test_first_difference_names_the_first_differing_sequence_number():
    targets = [target(i) for i in range(20)]
    a = draw("s", targets, pool(), params(sample={"count": 5})).to_json()
    b = draw("s", targets, pool(), params(sample={"count": 5})).to_json()
    assert A.first_difference(a, b) is None
    b["targets"][2]["team"][0]["cert_no"] = "E999"
    assert A.first_difference(a, b)[:2] == (3, "team")
    c = draw("t", targets, pool(), params(sample={"count": 5})).to_json()
    assert A.first_difference(a, c)[1] == "target"
    d = draw("s", targets, pool(), params(sample={"count": 6})).to_json()
    assert A.first_difference(a, d) == (6, "count", 5, 6)


# --------------------------------------------------------------------------- docs/draw.md


WORKED_TARGETS = [
    # (credit code, grade, 管辖单位)
    ("91410611MA44A00016", "A", "淇滨区"),
    ("91410603MA44A0002N", "A", "山城区"),
    ("91410602MA44A0003B", "B", "鹤山区"),
    ("91410621MA44A0004Y", "B", "浚县"),
    ("91410622MA44A0005G", "B", "淇县"),
]


def worked_example():
    targets = [TargetEntry(c, g, j, hashlib.sha256(c.encode()).hexdigest())
               for c, g, j in WORKED_TARGETS]
    officers = [
        officer("410610000001", jurisdiction="淇滨区"),
        officer("410610000002", jurisdiction="山城区"),
        officer("410610000003", jurisdiction="浚县"),
        officer("410620000001", "market_supervision", quals=["特种设备安全监察"],
                jurisdiction="淇滨区"),
        officer("410620000002", "market_supervision", quals=["特种设备安全监察"],
                jurisdiction="鹤山区"),
        officer("410620000003", "market_supervision", quals=["特种设备安全监察"],
                jurisdiction="淇县"),
    ]
    p = params(sample={"by_grade": {"A": "0.5", "B": "0.3"}}, cross_jurisdiction=True,
               officers={"emergency_mgmt": {"count": 2, "qualifications": []},
                         "market_supervision": {"count": 2,
                                                "qualifications": ["特种设备安全监察"]}})
    return draw("jc-example-2020", targets, officers, p)


def test_worked_example_of_the_documentation():
    """docs/draw.md walks through exactly this draw; keep the two in step."""
    for c, _, _ in WORKED_TARGETS:
        assert credit_code_check_char(c[:17]) == c[17]
    result = worked_example()
    got = [(t.seq, t.credit_code, t.stratum, [(m.cert_no, m.leader) for m in t.team])
           for t in result.targets]
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "draw.md").read_text(encoding="utf-8")
    for seq, credit, _, team in got:
        assert f"| {seq} | {credit} |" in doc
        for cert, _leader in team:
            assert cert in doc
    for t in result.targets:
        assert t.rank in doc
    assert result.targets_fingerprint in doc


# --------------------------------------------------------------------------- history (jc-draw-2)


def test_history_limits_count_days_either_side_inclusive_and_the_start_year():
    start = date(2021, 3, 1)
    history = [(code(1), "2020-03-01"),  # 365 days before: within 365
               (code(2), "2020-02-29"),  # 366 days before: not within 365
               (code(3), "2022-03-01"),  # 365 days after (a campaign drawn for later)
               (code(4), "2021-01-01"), (code(4), "2021-12-31"),  # twice in 2021
               (code(5), "2020-12-31"), (code(5), "2021-06-01")]  # once in 2021
    near, capped = A.history_exclusions(history, {"exclude_within_days": 365}, start)
    assert near == {code(1), code(3), code(4), code(5)} and capped == set()
    near, capped = A.history_exclusions(history, {"max_per_year": 2}, start)
    assert near == set() and capped == {code(4)}
    assert A.history_exclusions(history, None, start) == (frozenset(), frozenset())
    assert A.history_window({"exclude_within_days": 10, "max_per_year": 1}, start) == (
        date(2021, 1, 1), date(2021, 12, 31))
    assert all(A.history_relevant(date.fromisoformat(d), {"exclude_within_days": 365}, start)
               == (c != code(2)) for c, d in history)


def test_history_and_campaign_exclusions_take_targets_out_before_sampling():
    targets = [target(i) for i in range(30)]
    rows = [{"credit_code": t.credit_code, "risk_grade": t.risk_grade,
             "jurisdiction": t.jurisdiction, "row_digest": t.row_digest} for t in targets]
    history = ((code(1), "2020-06-30"), (code(2), "2020-01-01"), (code(2), "2020-02-01"))
    p = params(sample={"ratio": "1"}, start=DATE, history=history, campaign_drawn=(code(3),),
               inspection_limits={"exclude_within_days": 30, "max_per_year": 2}, seq_start=8)
    eligible, total = A.eligible_targets(rows, p)
    assert total == 30 and len(eligible) == 27
    result = draw("s", eligible, pool(), p)
    got = {t.credit_code for t in result.targets}
    assert got == {code(i) for i in range(30)} - {code(1), code(2), code(3)}
    assert [t.seq for t in result.targets] == list(range(8, 8 + 27))
    assert A.exclusion_funnel([code(1), code(2), code(3)], p) == {
        "drawn_this_year": 0, "drawn_in_campaign": 1, "inspected_within_days": 1,
        "yearly_cap": 1}
    # jc-draw-1 parameters have none of it, and the result says which version it is
    v1 = A.Parameters.from_json(params(sample={"ratio": "1"}).to_json(), "jc-draw-1")
    assert "history" not in v1.to_json()
    assert draw("s", targets, pool(), v1).to_json()["algorithm_version"] == "jc-draw-1"
    assert A.Parameters.from_json(p.to_json()) == p


def test_history_fingerprint_is_code_us_date_lines():
    entries = [("B", "2020-01-02"), ("A", "2020-01-01"), ("A", "2020-01-01")]
    text = "A\x1f2020-01-01\nA\x1f2020-01-01\nB\x1f2020-01-02\n"
    assert A.history_fingerprint(entries) == hashlib.sha256(text.encode()).hexdigest()
    assert A.history_fingerprint([]) == hashlib.sha256(b"").hexdigest()
