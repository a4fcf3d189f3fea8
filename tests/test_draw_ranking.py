"""The draw's ranking keeps only each stratum's best while it ranks (core/draw/algorithm.py
``_best``): it must give exactly ``heapq.nsmallest(k, ...)`` of every target's rank, for any
k (none, fewer than the stratum, more), any grades (some outside every stratum) and any
order of the targets, in this process or ranked in a forked child."""

from __future__ import annotations

import heapq
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from jointcheck.core.draw import algorithm as A
from jointcheck.core.draw import service

GRADES = ["A", "B", "C", None, ""]


@st.composite
def rankings(draw):
    # up to 300 targets in any order, and k often small beside its stratum: the bar (the
    # candidates cut to k whenever 2k are held) must be crossed many times, not only by
    # the few large lists of unique codes hypothesis would generate
    n = draw(st.integers(0, 300))
    codes = [f"91{i:x}" for i in draw(st.permutations(range(n)))]
    grades = draw(st.lists(st.sampled_from(GRADES), min_size=n, max_size=n))
    entries = [(c, g, "d") for c, g in zip(codes, grades, strict=True)]
    by_grade = draw(st.booleans())
    strata = draw(st.lists(st.sampled_from(["A", "B", "C"]), unique=True, min_size=1)
                  ) if by_grade else [None]
    wanted = {g: draw(st.integers(0, 10) | st.integers(0, 120)) for g in strata}
    return draw(st.text(min_size=1, max_size=10)), entries, wanted, by_grade


@settings(max_examples=300, deadline=None)
@given(rankings())
def test_the_best_of_each_stratum_are_the_smallest_ranks(job):
    seed, entries, wanted, by_grade = job
    best = A._best(A._Ranking(seed, entries, wanted, by_grade))
    for stratum, k in wanted.items():
        members = [(A.target_rank(seed, c), c) for c, g, _d in entries
                   if not by_grade or g == stratum]
        assert best[stratum] == heapq.nsmallest(k, members)


def test_a_million_scale_stratum_keeps_its_order_when_ranked_beside(monkeypatch):
    """The forked ranking gives what this process gives (and a few thousand of many)."""
    entries = [(f"91{i:016d}", "AB"[i % 2], "d") for i in range(20000)]
    job = A._Ranking("种子 seed", entries, {"A": 300, "B": 0}, True)
    monkeypatch.setattr(service, "PARALLEL_THRESHOLD", 1)
    monkeypatch.delenv("JOINTCHECK_NO_FORK", raising=False)
    monkeypatch.delenv(service.PARALLEL_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)

    def best_and_where(ranking):  # the result says which process ranked
        return os.getpid(), A._best(ranking)

    where, beside = service.rank_beside(best_and_where, job)()
    # ranked in a forked child indeed: a child that failed would be rerun here (same
    # result), and a fork alone would not show it
    assert where != os.getpid()
    here = A._best(job)
    assert beside == here and len(here["A"]) == 300 and here["B"] == []
    assert here["A"] == heapq.nsmallest(300, [(A.target_rank("种子 seed", c), c)
                                              for c, g, _d in entries if g == "A"])
