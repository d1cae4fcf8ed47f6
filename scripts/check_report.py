#!/usr/bin/env python3
"""Opens an HTML report in headless Chromium and fails on any console error, uncaught
exception, failed resource load or request for anything outside the page (the report must be
self-contained), then saves a screenshot.

It talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
on fd 3, replies and events on fd 4, each a JSON message ended by a NUL byte), so it needs only
Python's standard library and the browser: no port, no network, no npm.

Usage: check_report.py REPORT.html [SCREENSHOT.png]   (default screenshot: $TMPDIR/check-report.png;
taken whatever the verdict, to show what was seen)
Environment: CHROMIUM (default: chromium), CHECK_REPORT_HEIGHT (most CSS pixels of the page
captured, from the top; default 8000), CHECK_REPORT_SCALE (screenshot pixels per CSS pixel,
default 1), CHECK_REPORT_TIMEOUT (seconds, default 60).
Exit codes: 0 clean, 1 problems found, 2 usage or browser failure.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WIDTH = 1100
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    f"--window-size={WIDTH},900",
    "--remote-debugging-pipe",
]
# Schemes a self-contained page may load: itself, inline data, the blank start page.
LOCAL_SCHEMES = ("file:", "data:", "about:")


class Browser:
    def __init__(self, exe, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # Chromium reads commands on fd 3 and writes on fd 4. Copies first: a pipe end
            # may already be fd 3 or 4, and dup2 onto itself would leave it close-on-exec.
            # os.dup2 makes 3 and 4 inheritable; every other descriptor is close-on-exec.
            r, w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=fds,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, deadline):
        """The next message, or None when the deadline passes or the browser has gone."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                return None
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=30):
        """Sends a command and waits for its reply; events met meanwhile are kept."""
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self.read(deadline)
            if msg is None:
                raise RuntimeError(f"no reply to {method}")
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if any(e["method"] == method for e in self.events):
                return True
            msg = self.read(deadline)
            if msg is None:
                return False
            if "method" in msg:
                self.events.append(msg)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        while (msg := self.read(deadline)) is not None:
            if "method" in msg:
                self.events.append(msg)

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def problems(events):
    """Every event that makes the page fail the check, as a line of text."""
    out = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            out.append(f"console.{p['type']}: {text}")
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append(f"uncaught exception: {d.get('exception', {}).get('description', d.get('text', ''))}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            out.append(f"console ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".rstrip())
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            out.append(f"failed load: {p.get('errorText')} ({p.get('type')})")
        elif m == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if not url.startswith(LOCAL_SCHEMES):
                out.append(f"request outside the page: {url}")
    return out


def check(report, screenshot):
    exe = shutil.which(os.environ.get("CHROMIUM", "chromium"))
    if not exe:
        print("check-report: chromium not found", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("CHECK_REPORT_TIMEOUT", "60"))
    max_height = int(os.environ.get("CHECK_REPORT_HEIGHT", "8000"))
    scale = float(os.environ.get("CHECK_REPORT_SCALE", "1"))
    with tempfile.TemporaryDirectory(prefix="check-report-") as profile:
        b = Browser(exe, profile)
        try:
            target = b.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
            s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                b.call(f"{domain}.enable", session=s)
            b.events.clear()  # what about:blank did is not the report's
            nav = b.call("Page.navigate", {"url": report.resolve().as_uri()}, session=s)
            found = [f"navigation failed: {nav['errorText']}"] if "errorText" in nav else []
            if not found and not b.wait_for("Page.loadEventFired", timeout):
                found.append(f"the page did not finish loading in {timeout:.0f} s")
            b.drain(0.5)  # late errors (timers, lazily decoded images)
            found += problems(b.events)
            if "errorText" not in nav:
                size = b.call("Page.getLayoutMetrics", session=s)["cssContentSize"]
                clip = {"x": 0, "y": 0, "width": WIDTH, "height": min(size["height"], max_height), "scale": scale}
                shot = b.call(
                    "Page.captureScreenshot",
                    {"format": "png", "clip": clip, "captureBeyondViewport": True},
                    session=s,
                    timeout=timeout,
                )
                screenshot.write_bytes(base64.b64decode(shot["data"]))
        except (RuntimeError, OSError) as e:
            print(f"check-report: {report}: browser: {e}", file=sys.stderr)
            return 2
        finally:
            b.close()
    for line in found:
        print(f"check-report: {report}: {line}", file=sys.stderr)
    if found:
        return 1
    print(f"check-report: {report}: no console errors, no failed or outside loads; screenshot {screenshot}")
    return 0


def main(argv):
    if len(argv) not in (2, 3) or not Path(argv[1]).is_file():
        print("usage: check-report.sh REPORT.html [SCREENSHOT.png]", file=sys.stderr)
        return 2
    default = Path(tempfile.gettempdir()) / "check-report.png"
    return check(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else default)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
