"""A real headless Chromium (Debian's ``chromium`` package) driven over the DevTools
protocol, for the publication page tests: console errors, every request the page makes,
JavaScript evaluation, viewport sizes and screenshots."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """``with Browser() as b: b.open(url); b.eval("1+1"); b.screenshot(path, 390, 844)``."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def __enter__(self) -> Browser:

        exe = chromium_path()
        if exe is None:  # pragma: no cover - the callers skip first
            raise RuntimeError("chromium is not installed")
        self._profile = tempfile.mkdtemp(prefix="jc-chromium-")
        self._proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-sync",
             "--disable-background-networking", "--disable-component-update",
             "--remote-debugging-port=0", f"--user-data-dir={self._profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.05)
        port = port_file.read_text().splitlines()[0]
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [p for p in json.load(r) if p["type"] == "page"]
        self._port = port
        self._attach(pages[0]["webSocketDebuggerUrl"])
        return self

    def _attach(self, debugger_url: str) -> None:
        import websocket

        self._ws = websocket.create_connection(debugger_url, timeout=30, suppress_origin=True)
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")

    def new_tab(self) -> Tab:
        """Another tab of the same browser, with its own DevTools connection: ``close()``
        closes it as a person closes a tab (its page's connections end with it)."""
        import urllib.request

        request = urllib.request.Request(f"http://127.0.0.1:{self._port}/json/new?about:blank",
                                         method="PUT")
        with urllib.request.urlopen(request, timeout=10) as r:
            info = json.load(r)
        tab = Tab(self._port, info["id"])
        tab._attach(info["webSocketDebuggerUrl"])
        return tab

    def __exit__(self, *exc: Any) -> None:
        try:
            self._ws.close()
        finally:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._proc.kill()
            shutil.rmtree(self._profile, ignore_errors=True)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        wanted = self._id
        self._ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv())
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        for e in self.events:
            if e["method"] == method:
                self.events.remove(e)
                return e
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self._ws.recv())
            if "method" in msg:
                if msg["method"] == method:
                    return msg
                self.events.append(msg)
        raise TimeoutError(method)

    def open(self, url: str, width: int = 1280, height: int = 900, mobile: bool = False
             ) -> float:
        """Load *url*; returns the seconds until its load event."""
        self.viewport(width, height, mobile)
        start = time.monotonic()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        return time.monotonic() - start

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def eval(self, expression: str) -> Any:
        out = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in out:
            raise RuntimeError(out["exceptionDetails"])
        return out["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def drain(self, seconds: float = 0.3) -> None:
        """Collect the events sent in the next *seconds*."""
        self._ws.settimeout(seconds)
        try:
            while True:
                msg = json.loads(self._ws.recv())
                if "method" in msg:
                    self.events.append(msg)
        except Exception:  # the timeout: nothing more for now
            pass
        finally:
            self._ws.settimeout(30)

    def console_errors(self) -> list[str]:
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(p.get("exceptionDetails"), ensure_ascii=False))
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error",
                                                                                 "assert"):
                out.append(json.dumps(p.get("args"), ensure_ascii=False))
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(p["entry"].get("text", ""))
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]


class Tab(Browser):
    """A tab opened by :meth:`Browser.new_tab` (the browser process is its opener's)."""

    def __init__(self, port: str, target: str) -> None:
        super().__init__()
        self._port = port
        self._target = target

    def close(self) -> None:
        import urllib.request

        try:
            self._ws.close()
        finally:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self._port}/json/close/{self._target}", timeout=10):
                pass
