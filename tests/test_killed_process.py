"""A process killed in the middle of its work (battery dies, kill -9) loses nothing and leaves
nothing half-written: the store is as before, the audit chain intact, and the next run works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from jointcheck.core.libraries.sample import write_sample
from jointcheck.core.store import sqlite_path


def count(engine, table_name):
    import sqlalchemy as sa

    from jointcheck.core.store import models

    with engine.connect() as conn:
        table = getattr(models, table_name)
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.mark.slow
def test_import_killed_midway_leaves_the_store_unchanged(store_url, tmp_path):
    from jointcheck.core.store import audit, open_store

    targets, _officers = write_sample(tmp_path / "libs", targets=150_000, officers=10, seed=9)
    cmd = [sys.executable, "-c", "from jointcheck.core.cli import main; main()",
           "--db", store_url, "targets", "import", str(targets), "--progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    # wait until the import is writing: its progress bar has moved past the first batches
    deadline = time.monotonic() + 60
    seen = b""
    while time.monotonic() < deadline and b"%" not in seen:
        seen += os.read(proc.stderr.fileno(), 256)
    time.sleep(0.3)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the reader child goes too
    proc.wait(timeout=30)

    engine = open_store(store_url)
    try:
        assert count(engine, "targets") == 0
        with engine.connect() as conn:
            assert audit.verify(conn) == []
            assert list(audit.entries(conn)) == []
    finally:
        engine.dispose()
    # on SQLite the killed import leaves its scratch stage beside the store (hidden)
    store_dir = sqlite_path(store_url).parent if store_url.startswith("sqlite") else None
    if store_dir is not None:
        (left,) = store_dir.glob(".jointcheck-import-*.tmp")
        os.utime(left, (time.time() - 60, time.time() - 60))
    # the lock died with the process: the same import runs to the end
    done = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    engine = open_store(store_url)
    try:
        assert count(engine, "targets") == 150_000
    finally:
        engine.dispose()
    if store_dir is not None:  # and the next import cleared it away: no disk leak
        assert list(store_dir.glob(".jointcheck-import-*.tmp")) == []


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][:1] not in ("Z", "X")  # a zombie is gone
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"),
                    reason="finds the reader process in /proc/PID/task/PID/children (Linux)")
def test_an_import_whose_own_process_is_killed_leaves_no_reader_behind(sqlite_url, tmp_path):
    """kill -9 of the import's process alone (an administrator's kill, the OOM killer),
    not of its reader process: the reader ends at once instead of waiting forever on a
    pipe nobody reads, holding the stage's lock; the next import clears the stage away."""
    from jointcheck.core.store import upgrade

    upgrade(sqlite_url)
    targets, _officers = write_sample(tmp_path / "libs", targets=150_000, officers=10, seed=9)
    cmd = [sys.executable, "-c", "from jointcheck.core.cli import main; main()",
           "--db", sqlite_url, "targets", "import", str(targets), "--progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    readers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        seen = b""
        while time.monotonic() < deadline and b"%" not in seen:
            seen += os.read(proc.stderr.fileno(), 256)
        readers.extend(_children(proc.pid))
        assert len(readers) == 1 and proc.poll() is None, "no reader process to watch"
        proc.kill()  # the import's own process only
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(readers[0]):
            time.sleep(0.05)
        assert not _alive(readers[0]), "the reader process outlived its import"
    finally:  # nothing of this test left running, whatever it found
        proc.kill()
        for reader in readers:
            if _alive(reader):
                os.kill(reader, signal.SIGKILL)
    store_dir = sqlite_path(sqlite_url).parent
    (left,) = store_dir.glob(".jointcheck-import-*.tmp")
    os.utime(left, (time.time() - 60, time.time() - 60))
    done = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert list(store_dir.glob(".jointcheck-import-*.tmp")) == []


def test_a_running_imports_stage_is_never_swept(tmp_path):
    """The sweep deletes only stage files whose import died: a live one is locked."""
    from jointcheck.core.libraries import importer

    live = importer._SqliteStage("targets", tmp_path)
    dead = tmp_path / ".jointcheck-import-dead.tmp"
    dead.write_bytes(b"left by a killed import")
    old = time.time() - 60
    for path in (live.path, dead):
        os.utime(path, (old, old))
    importer._sweep(tmp_path, ".jointcheck-import-")
    assert live.path.exists() and not dead.exists()
    live.remove()
    assert list(tmp_path.iterdir()) == []
