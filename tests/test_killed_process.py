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
    # the lock died with the process: the same import runs to the end
    done = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    engine = open_store(store_url)
    try:
        assert count(engine, "targets") == 150_000
    finally:
        engine.dispose()
