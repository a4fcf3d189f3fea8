"""The real app in a pseudo-terminal, killed with SIGKILL after a known number of marks:
every mark is in the store and the app reopens on the next item (no save on quit)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from jointcheck.core.plugins import load_plugins
from jointcheck.core.records.service import load_draft
from jointcheck.core.store import open_store

sys.path.insert(0, str(Path(__file__).parent))
from tui_support import build_store, copy_store, pick_tasks  # noqa: E402

MARKS = ["1", "2", "1", "3", "1"]
EXPECTED = ["compliant", "noncompliant", "compliant", "not_applicable", "compliant"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_sigkill_after_marks_loses_none_and_reopens_on_the_next_item(tmp_path):
    url = copy_store(build_store(tmp_path / "template"), tmp_path)
    engine = open_store(url)
    try:
        task = pick_tasks(engine)["special"]
    finally:
        engine.dispose()

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCHECK_")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", JOINTCHECK_ACTOR="pty-test")
    jointcheck = Path(sys.executable).parent / "jointcheck"
    proc = subprocess.Popen([str(jointcheck), "--db", url, "inspect", task], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True,
                            close_fds=True)
    os.close(slave)
    screen = bytearray()

    def drain():  # the app must never block on a full terminal
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            screen.extend(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        end = time.monotonic() + 30
        while "检查事项".encode() not in screen:
            assert proc.poll() is None, bytes(screen).decode(errors="replace")
            assert time.monotonic() < end, "the app did not start"
            time.sleep(0.1)
        time.sleep(0.5)
        for key in MARKS:
            os.write(master, key.encode())
            time.sleep(0.2)
        time.sleep(1.5)  # the last keystroke reaches the store; no clean exit follows
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)

    engine = open_store(url)
    try:
        draft = load_draft(engine, task, host=load_plugins())
        items = draft.checklist.items
        assert [(draft.item_answer(i) or {}).get("result") for i in items[:len(MARKS)]] \
            == EXPECTED
        assert all(draft.item_answer(i) is None for i in items[len(MARKS):])
        assert draft.resume_index() == len(MARKS)

        from jointcheck.tui.app import InspectApp, load_record

        host = load_plugins()
        app = InspectApp(engine, host=host, task_id=task,
                         loaded=load_record(engine, task, host, None))

        async def reopen():
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                return app.screen.items.current

        assert asyncio.run(reopen()) == items[len(MARKS)]
    finally:
        engine.dispose()
