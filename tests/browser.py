"""Open the kit's HTML pages in a real browser (headless Chromium, the system package) and report
what a person would see go wrong: console errors, uncaught exceptions, failed loads, broken
images, a page wider than the screen. Screenshots are kept as test artifacts.

No extra dependency and no network: Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages ended by NUL, Chromium reads fd 3 and writes fd 4).

    with Browser() as browser:
        seen = browser.open(Path("feedback/alice.html"), width=390, screenshot=ARTIFACTS / "alice.png")
        assert seen.problems() == []

``CHROMIUM`` names the browser (default: ``chromium`` on PATH, then /usr/bin/chromium);
``AUTOGRADER_TEST_ARTIFACTS`` the folder of the screenshots (default: tests/artifacts/, ignored by git).
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ARTIFACTS_ENV = "AUTOGRADER_TEST_ARTIFACTS"
DEFAULT_ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = (390, 844)       # a common phone screen, CSS pixels
DESKTOP = (1280, 900)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-pipe")

# Evaluated in the page once loaded: what the tests assert on.
INSPECT = """(() => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
      .map(i => (i.getAttribute('src') || '').slice(0, 80));
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')]
      .filter(e => e.getBoundingClientRect().right > window.screen.width + 1)
      .filter(e => !e.closest('.table, pre'))   // scrollable boxes may be wider inside
      .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                             + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
  return {broken, wide, scrollWidth: root.scrollWidth, innerWidth: window.innerWidth,
          height: Math.ceil(root.scrollHeight), title: document.title};
})()"""


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or \
        (("/usr/bin/chromium") if os.path.exists("/usr/bin/chromium") else None)


def artifacts_dir() -> Path:
    folder = Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class PageSeen:
    """What the browser saw of one page."""

    url: str
    width: int
    console_errors: list[str] = field(default_factory=list)   # console.error, exceptions, failed loads
    broken_images: list[str] = field(default_factory=list)
    scroll_width: int = 0
    inner_width: int = 0
    too_wide: list[str] = field(default_factory=list)          # elements past the right edge
    title: str = ""
    screenshot: Path | None = None

    @property
    def overflows(self) -> bool:
        """Wider than the screen: scrolls sideways, or (a phone) is zoomed out to fit."""
        return max(self.scroll_width, self.inner_width) > self.width

    def problems(self, *, fit_width: bool = True) -> list[str]:
        found = [f"console: {e}" for e in self.console_errors]
        found += [f"broken image: {src}" for src in self.broken_images]
        if fit_width and self.overflows:
            found.append(f"page {max(self.scroll_width, self.inner_width)}px wide on a {self.width}px screen "
                         f"(no <meta name=viewport>, or too wide: {self.too_wide})")
        return found


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium (fresh profile), driven over the DevTools pipe."""

    def __init__(self, executable: str | None = None, timeout: float = 30.0):
        self.executable = executable or chromium_path()
        if not self.executable:
            raise BrowserError("no Chromium: install the system package (apt-get install chromium) "
                               "or set CHROMIUM=/path/to/chromium")
        self.timeout = timeout
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._events: list[dict] = []
        self._cond = threading.Condition()
        self._closed = False

    # -- process and pipe
    def __enter__(self) -> Browser:
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():   # Chromium reads commands on fd 3 and writes replies on fd 4
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)   # out of the way of 3 and 4 first
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self._stderr: list[str] = []
        self._proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=child_fds, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        threading.Thread(target=self._read_loop, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001  closing anyway
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def _drain_stderr(self) -> None:
        for line in self._proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip())
            del self._stderr[:-50]

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._cond:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self._events.append(message)
                self._cond.notify_all()

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        with self._cond:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"{method}: no reply from Chromium"
                                       + (f" (it exited: {self._stderr[-5:]})" if self._closed else ""))
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _wait_event(self, method: str, session: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while True:
                for event in self._events:
                    if event.get("method") == method and event.get("sessionId") == session:
                        self._events.remove(event)
                        return event
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"{method} did not come")
                self._cond.wait(left)

    # -- one page
    def open(self, path: Path | str, *, width: int = DESKTOP[0], height: int = DESKTOP[1],
             mobile: bool | None = None, screenshot: Path | None = None) -> PageSeen:
        """Load ``path`` (a file or a URL) in a fresh tab of ``width`` × ``height`` CSS pixels and
        report what was seen; ``screenshot``: where to write a full-page PNG."""
        url = Path(path).resolve().as_uri() if not str(path).startswith(("file:", "http:", "https:")) else str(path)
        mobile = width < 600 if mobile is None else mobile
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", session=session)
            self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                      "deviceScaleFactor": 1, "mobile": mobile}, session=session)
            with self._cond:
                self._events = [e for e in self._events if e.get("sessionId") != session]
            self.call("Page.navigate", {"url": url}, session=session)
            self._wait_event("Page.loadEventFired", session)
            time.sleep(0.2)   # late console messages, image decoding
            facts = self.call("Runtime.evaluate", {"expression": INSPECT, "returnByValue": True},
                              session=session)["result"]["value"]
            seen = PageSeen(url=url, width=width, broken_images=facts["broken"],
                            scroll_width=facts["scrollWidth"], inner_width=facts["innerWidth"],
                            too_wide=facts["wide"], title=facts["title"])
            if screenshot is not None:
                shot = self.call("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": max(width, facts["scrollWidth"]),
                             "height": min(facts["height"], 16000), "scale": 1}}, session=session)
                screenshot = Path(screenshot)
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                seen.screenshot = screenshot
            with self._cond:
                events = [e for e in self._events if e.get("sessionId") == session]
            seen.console_errors = _errors(events)
            return seen
        finally:
            self.call("Target.closeTarget", {"targetId": target})


def _errors(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions and failed loads among a page's DevTools events."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            found.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            found.append(f"load failed: {params.get('errorText')}")
    return found
