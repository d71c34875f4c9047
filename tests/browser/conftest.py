"""Real-browser tests: Playwright driving Debian's Chromium (the `chromium` package).

CI installs Chromium (.ci/run), so there a missing browser fails the run; elsewhere the tests are
skipped with the reason. Playwright's own browser download is never used.
"""

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import channel_layers
from daphne.testing import DaphneProcess
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Quiet and self-contained: no sandbox (containers), no GPU, and nothing that calls home.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"

# Dutch, as the people in the room: Chromium's default Accept-Language would pick English.
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-NL",
}


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (Debian package chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI installs it, so this is a broken setup", pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium, closed afterwards.

    Started inside the test, after the database work: while Playwright's sync API is active its
    event loop counts as running in this thread, and Django refuses ORM calls from there.
    """
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Wait until a JavaScript expression is true on the page.

    Instead of page.wait_for_function, which polls with eval inside the page: the pages'
    Content-Security-Policy forbids eval. page.evaluate goes through the debugger protocol.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {expression}")
        page.wait_for_timeout(50)


def save_screenshots(test_name: str, pages: dict) -> list[Path]:
    """Full-page screenshots into test-results/, for reading a failure afterwards."""
    RESULTS.mkdir(exist_ok=True)
    saved = []
    for label, page in pages.items():
        if page is None or page.is_closed():
            continue
        path = RESULTS / f"{test_name}-{label}.png"
        try:
            page.screenshot(path=str(path), full_page=True, timeout=5000)
        except Exception as exc:  # the failure itself matters more than its picture
            print(f"screenshot {path.name} failed: {exc}")
        else:
            saved.append(path)
    return saved


class FreshDaphneProcess(DaphneProcess):
    """The live server, forked from the test process, without that process's live state.

    A fork copies what earlier async tests left behind: asgiref's single-thread executor (whose
    worker thread does not survive the fork, so every database call from a consumer would wait
    forever) and the in-memory channel layer bound to the parent's event loop. The server makes
    its own, as a real daphne process would.

    The test process closes its database connections before the fork: SQLite keeps per-process
    lock state for an open file, and a child that inherits it (without the locks themselves) can
    keep reading an old snapshot, so a second test's rows stayed invisible to the server.
    """

    def start(self):
        connections.close_all()
        super().start()

    def run(self):
        SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
        channel_layers.backends.clear()
        super().run()
