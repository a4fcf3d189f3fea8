"""``jointcheck serve``: the inspectors' app in a real browser (headless Chromium over the
DevTools protocol, tests/browser.py) through textual-serve — mark an item, close the tab,
reopen it and find the mark — and the command's answers to a taken port and bad options."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")

from tui_support import build_store  # noqa: E402

from tests.browser import Browser, chromium_path  # noqa: E402

JOINTCHECK = [str(Path(sys.executable).with_name("jointcheck"))]
ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "artifacts"

# Everything the server sends to the page (the app's terminal output), kept as text: the
# page draws it on a canvas, so the test reads the stream that feeds the canvas.
RECORD_OUTPUT = """
window.__jcOutput = "";
(() => {
  const Native = window.WebSocket;
  function Recording(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    const decoder = new TextDecoder();
    ws.addEventListener("message", (e) => {
      window.__jcOutput += typeof e.data === "string" ? e.data
        : decoder.decode(e.data, {stream: true});
    });
    return ws;
  }
  Recording.prototype = Native.prototype;
  window.WebSocket = Recording;
})();
"""
ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>78]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(url: str, port: int, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none", "JOINTCHECK_LANG": "zh"}
    return subprocess.Popen(
        [*JOINTCHECK, "--db", url, "serve", "--port", str(port), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def wait_http(port: int, proc: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                assert r.status == 200
                return r.read().decode("utf-8")
        except OSError:
            time.sleep(0.2)
    raise AssertionError("serve did not answer")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def screen(tab) -> str:
    """The terminal output the tab has received, escape sequences removed."""
    return ESCAPES.sub("", tab.eval("window.__jcOutput") or "")


def until(tab, condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            seen = screen(tab)[-2000:] if tab is not None else ""
            raise AssertionError(f"{what} not seen; the screen had: {seen}")
        time.sleep(0.2)


def key(tab, name: str, text: str, code: int) -> None:
    """A key pressed on the page's terminal (xterm.js listens on its helper textarea)."""
    tab.eval("document.querySelector('.xterm-helper-textarea').focus()")
    for kind in ("keyDown", "keyUp"):
        tab.send("Input.dispatchKeyEvent", type=kind, key=name, code=name,
                 windowsVirtualKeyCode=code, text=text if kind == "keyDown" else "")


def children(pid: int) -> list[int]:
    """The app processes serve has started (one per open browser tab)."""
    out = subprocess.run(["pgrep", "-f", "-s", str(pid), "jointcheck --lang"],
                         capture_output=True, text=True)
    return [int(p) for p in out.stdout.split() if int(p) != pid]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    path = build_store(tmp_path_factory.mktemp("serve"))
    return f"sqlite:///{path}"


@pytest.mark.slow
def test_serve_answers_with_the_apps_page_on_loopback(store):
    port = free_port()
    proc = start_serve(store, port)
    try:
        page = wait_http(port, proc)
        assert "jointcheck 检查界面" in page and "textual-terminal" in page
        assert 'data-font-size="18"' in page  # the tablet default (--font-size)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?fontsize=14", timeout=5) as r:
            assert 'data-font-size="14"' in r.read().decode("utf-8")  # the page's own wins
        with socket.create_connection(("127.0.0.1", port)):
            pass
    finally:
        stop(proc)
    err = proc.stderr.read() if proc.stderr else ""
    assert "SQLite" in err and "Traceback" not in err


@pytest.mark.slow
def test_a_taken_port_is_a_sentence_not_a_traceback(store):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = start_serve(store, port)
        try:
            proc.wait(timeout=60)
        finally:
            stop(proc)
        err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 1
    assert "JC781" in err and "Traceback" not in err and str(port) in err


def test_bad_options_are_usage_errors(store):
    out = subprocess.run([*JOINTCHECK, "--db", store, "serve", "--port", "70000"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_a_server_url_loses_its_identity_for_the_apps(monkeypatch):
    from jointcheck.core.cli.serve import _loopback, _without_identity

    monkeypatch.setenv("PGPASSWORD", "secret")
    monkeypatch.setenv("PGUSER", "office")
    monkeypatch.setenv("PGPASSFILE", "")  # restored after the test
    url = _without_identity("postgresql+psycopg://office:secret@db.example:5432/jc")
    assert url == "postgresql+psycopg://db.example:5432/jc"
    assert "PGPASSWORD" not in os.environ and "PGUSER" not in os.environ
    assert not Path(os.environ["PGPASSFILE"]).exists()  # no password file at all
    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("192.0.2.1")


def test_serve_leaves_no_folder_behind(tmp_path):
    """The private folder of the absent password file goes when the process ends."""
    code = ("import os; from jointcheck.core.cli.serve import _without_identity; "
            "_without_identity('postgresql+psycopg://u:p@h/db'); "
            "print(os.path.dirname(os.environ['PGPASSFILE']))")
    env = dict(os.environ, TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    folder = Path(out.stdout.strip())
    assert folder.parent == tmp_path and folder.name.startswith("jointcheck-serve-")
    assert not folder.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium package is not installed (.ci/run installs it)")
def test_a_mark_made_in_the_browser_survives_closing_the_tab(store, tmp_path):
    from jointcheck.core.plugins import load_plugins
    from jointcheck.core.records import service as R
    from jointcheck.core.store import open_store

    engine = open_store(store)
    first = R.list_tasks(engine)[0]
    port = free_port()
    proc = start_serve(store, port)
    try:
        wait_http(port, proc)
        with Browser() as browser:
            url = f"http://127.0.0.1:{port}/"
            b = browser.new_tab()
            b.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_OUTPUT)
            b.open(url, width=1024, height=768)  # a tablet in landscape
            until(b, lambda: "检查任务" in screen(b), "the task list")
            key(b, "Enter", "\r", 13)
            until(b, lambda: "检查事项" in screen(b), "the inspection screen")
            key(b, "Digit1", "1", 49)  # 符合 on the first item
            until(b, lambda: R.load_draft(engine, first.id, host=load_plugins()).progress()[0]
                  == 1, "the mark in the store")
            until(b, lambda: "已保存" in screen(b), "the saved state")
            b.screenshot(ARTIFACTS / "serve-marked.png", full_page=False)
            assert children(proc.pid), "no app process for the open tab"

            b.close()  # the tab is closed: its app process ends
            until(None, lambda: not children(proc.pid), "the app process ending", timeout=30)

            b = browser.new_tab()  # reopened
            b.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_OUTPUT)
            b.open(url, width=1024, height=768)
            until(b, lambda: "检查任务" in screen(b), "the task list again")
            until(b, lambda: "草稿 1/" in screen(b), "the task shown with its mark")
            key(b, "Enter", "\r", 13)
            until(b, lambda: "✓" in screen(b) and "草稿 1/" in screen(b), "the mark on the item")
            b.screenshot(ARTIFACTS / "serve-reopened.png", full_page=False)
            b.close()
    finally:
        stop(proc)
        engine.dispose()
    answers = R.load_draft(open_store(store), first.id, host=load_plugins()).progress()
    assert answers[0] == 1


@pytest.mark.slow
@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium package is not installed (.ci/run installs it)")
@pytest.mark.skipif(not os.environ.get("JOINTCHECK_TEST_PG_URL"),
                    reason="PostgreSQL: JOINTCHECK_TEST_PG_URL is not set")
def test_on_a_server_store_every_tab_logs_in_as_its_person(tmp_path):
    """Given a URL with the owner's name and password, serve still hands the apps no
    identity: the page opens on the login dialog, never on the task list."""
    from conftest import pg_schema_url

    from jointcheck.core.store import upgrade

    with pg_schema_url() as url:
        upgrade(url)
        port = free_port()
        proc = start_serve(url, port)
        try:
            wait_http(port, proc)
            with Browser() as browser:
                b = browser.new_tab()
                b.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_OUTPUT)
                b.open(f"http://127.0.0.1:{port}/", width=1024, height=768)
                until(b, lambda: "登录" in screen(b) and "密码" in screen(b), "the login dialog")
                assert "检查任务" not in screen(b)
                assert os.environ.get("USER", "root") not in screen(b).split("登录名")[-1][:40]
                b.screenshot(ARTIFACTS / "serve-login.png", full_page=False)
                b.close()
        finally:
            stop(proc)
        err = proc.stderr.read() if proc.stderr else ""
        assert "本人账号登录" in err and "Traceback" not in err
