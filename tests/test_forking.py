"""core.forking: no part of jointcheck forks while another thread runs, or when told not to.

The three places that fork for speed (the YAML prefetch, the library importer's reader
process, the draw's fingerprint) are run with ``os.fork`` replaced by a function that
records the call and fails: with a second thread alive, or with ``JOINTCHECK_NO_FORK=1``,
none may call it, and each gives the same result as when it forks.
"""

from __future__ import annotations

import hashlib
import os
import threading

import pytest
from test_draw_algorithm import params, pool, target

from jointcheck.core import forking
from jointcheck.core.draw import service
from jointcheck.core.draw.algorithm import draw
from jointcheck.core.yamlload import _CACHE_VERSION, cache_dir, load_file, prefetch


class Forks:
    """Replaces os.fork: ``allowed`` forks for real (and counts), otherwise the call is
    recorded and fails."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.calls = 0
        self.allowed = False
        real = os.fork

        def fork() -> int:
            self.calls += 1
            if not self.allowed:
                raise AssertionError("os.fork() called where forking is not safe")
            return real()

        monkeypatch.setattr(os, "fork", fork)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)  # forking is worthwhile


@pytest.fixture
def forks(monkeypatch):
    return Forks(monkeypatch)


@pytest.fixture
def second_thread():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="like-a-textual-worker", daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join()


@pytest.fixture(params=["thread", "env"])
def fork_blocked(request, monkeypatch):
    """Forking is unsafe: a second thread is running, or JOINTCHECK_NO_FORK=1."""
    if request.param == "thread":
        request.getfixturevalue("second_thread")
    else:
        monkeypatch.setenv(forking.NO_FORK_ENV, "1")
    return request.param


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a platform without fork never forks")
def test_the_guard(monkeypatch):
    assert threading.active_count() == 1
    assert forking.fork_safe() is True
    monkeypatch.setenv(forking.NO_FORK_ENV, "1")
    assert forking.fork_safe() is False
    monkeypatch.setenv(forking.NO_FORK_ENV, "0")
    assert forking.fork_safe() is True
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert forking.fork_safe() is False
    finally:
        stop.set()
        thread.join()
    assert forking.fork_safe() is True


def test_beside_gives_the_same_result_with_and_without_a_fork(forks, fork_blocked):
    def work(n: int) -> list[int]:
        return [i * i for i in range(n)]

    assert forking.beside(work, 1000)() == work(1000)
    assert forks.calls == 0


def test_beside_forks_when_safe(forks):
    forks.allowed = True
    parent = os.getpid()
    assert forking.beside(lambda _x: os.getpid(), None)() != parent
    assert forks.calls == 1


# --------------------------------------------------------------------------- the three places


def _yaml_files(tmp_path, n=20):
    paths = []
    for i in range(n):
        path = tmp_path / f"doc{i:02d}.yaml"
        path.write_text(f"name: 文件{i}\nitems: [{i}, {i + 1}]\n", encoding="utf-8")
        paths.append(path)
    return paths


def _cached(path) -> bool:
    key = hashlib.sha256(_CACHE_VERSION + path.read_bytes()).hexdigest()
    return (cache_dir() / f"{key}.marshal").exists()


def test_prefetch_forks_only_when_safe(tmp_path, monkeypatch, forks, fork_blocked):
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    paths = _yaml_files(tmp_path)
    assert prefetch(paths) == {}  # nothing parsed beside: the caller parses every file
    assert forks.calls == 0
    assert not any(_cached(p) for p in paths[1::2])
    expected = {p: load_file(p).data for p in paths}

    # the same files where forking is safe: the child caches its share, same documents
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache2"))
    monkeypatch.delenv(forking.NO_FORK_ENV, raising=False)
    if fork_blocked == "thread":
        return  # the second thread is alive until the end of this test
    forks.allowed = True
    parsed = prefetch(paths)
    assert forks.calls == 1
    assert set(parsed) == set(paths[0::2])
    assert all(_cached(p) for p in paths[1::2])
    assert {p: load_file(p).data for p in paths} == expected


def test_import_reader_forks_only_when_safe(store_url, tmp_path, forks, fork_blocked,
                                            monkeypatch):
    from jointcheck.core.libraries.fields import row_digest
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.reader import iter_rows
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.store import open_store
    from jointcheck.core.store.models import targets as table

    targets, _officers = write_sample(tmp_path, targets=400, officers=0, seed=3)
    expected = [row_digest("targets", r.data) for r in iter_rows("targets", targets)]
    engine = open_store(store_url)
    try:
        report = import_file(engine, "targets", targets, parallel=True)
        assert forks.calls == 0
        assert report.added == 400
        assert report.sha256 == hashlib.sha256(targets.read_bytes()).hexdigest()
        with engine.connect() as conn:
            stored = list(conn.execute(table.select().order_by(table.c.id)).mappings())
        assert [r["row_digest"] for r in stored] == expected
        if fork_blocked == "env":  # where forking is safe, the reader process runs
            monkeypatch.delenv(forking.NO_FORK_ENV)
            forks.allowed = True
            again = import_file(engine, "targets", targets, parallel=True)
            assert forks.calls == 1
            assert (again.added, again.updated, again.unchanged) == (0, 0, 400)
            assert again.sha256 == report.sha256
    finally:
        engine.dispose()


def test_draw_ranking_forks_only_when_safe(monkeypatch, forks, fork_blocked):
    monkeypatch.setattr(service, "PARALLEL_THRESHOLD", 1)
    targets = [target(i, grade="ABC"[i % 3]) for i in range(2000)]
    p = params(sample={"ratio": "0.01"})
    blocked = draw("s", targets, pool(), p, beside=service.rank_beside)
    assert forks.calls == 0
    inline = draw("s", list(reversed(targets)), pool(), p)
    assert forks.calls == 0  # the pure algorithm alone never forks
    assert blocked.to_json() == inline.to_json()
    assert blocked.targets_fingerprint == inline.targets_fingerprint
    if fork_blocked == "env":
        monkeypatch.delenv(forking.NO_FORK_ENV)
        forks.allowed = True
        forked = draw("s", targets, pool(), p, beside=service.rank_beside)
        assert forks.calls == 1
        assert forked.to_json() == inline.to_json()
