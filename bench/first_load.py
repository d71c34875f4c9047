"""A phone's first load: bytes on the wire and requests, measured in a real browser.

A fresh Chromium context with a phone's screen (empty cache, no cookies) opens the join link,
taps "Meedoen" and waits until its first statements are on screen and its socket is open: what
a participant's phone fetches on the school Wi-Fi before the first tap. Measured against the
server of `make run` (production mode) and, in the same run, of `make dev` (development), so the
ratio shows what production mode saves. Bytes are what crossed the wire: response headers plus
the body as sent (compressed when it was). The WebSocket is counted apart. A second visit (a
reload) shows what the cache keeps.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

from .report import Result
from .server import BenchServer

TITLE = "A phone's first load"
CHROMIUM = Path("/usr/bin/chromium")
GOAL_BYTES = 60 * 1024
GOAL_REQUESTS = 8
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-NL",
}


def add_arguments(parser) -> None:
    group = parser.add_argument_group("first load")
    group.add_argument(
        "--first-load-repeats", type=int, default=3, help="fresh phones per mode (median)"
    )


class Traffic:
    """What a page fetched over the network, from Chromium's own accounting (DevTools protocol).

    A request answered from the browser's cache costs nothing on the wire and is not counted; a
    redirect is a request of its own. Sizes are Chromium's `encodedDataLength`: headers and
    body as received.
    """

    def __init__(self, context, page):
        self.requests: list[tuple[str, int]] = []
        self.sockets = 0
        self._urls: dict[str, str] = {}
        self._cached: set[str] = set()
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketCreated", self._socket)
        cdp.send("Network.enable")

    def _sent(self, event) -> None:
        redirect = event.get("redirectResponse")
        if redirect:  # the same request id carries on to the new address
            size = int(redirect.get("encodedDataLength", 0))
            self.requests.append((self._urls.get(event["requestId"], "?"), size))
        self._urls[event["requestId"]] = event["request"]["url"]

    def _from_cache(self, event) -> None:
        self._cached.add(event["requestId"])

    def _finished(self, event) -> None:
        request_id = event["requestId"]
        if request_id in self._cached:
            return
        size = int(event.get("encodedDataLength", 0))
        self.requests.append((self._urls.get(request_id, "?"), size))

    def _socket(self, event) -> None:
        self.sockets += 1

    def mark(self) -> int:
        return len(self.requests)

    def since(self, mark: int) -> tuple[int, int]:
        part = self.requests[mark:]
        return len(part), sum(size for _, size in part)


def load_once(browser, base_url: str, code: str) -> dict:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    traffic = Traffic(context, page)
    page.goto(f"{base_url}/j/{code}/", wait_until="load")
    page.wait_for_load_state("networkidle")
    join_requests, join_bytes = traffic.since(0)
    page.get_by_role("button", name="Meedoen").click()
    page.wait_for_selector("fieldset.statement", state="visible")
    page.wait_for_load_state("networkidle")
    total_requests, total_bytes = traffic.since(0)
    urls = [url.removeprefix(base_url) for url, _ in traffic.requests]
    mark = traffic.mark()
    page.reload(wait_until="load")
    page.wait_for_selector("fieldset.statement", state="visible")
    page.wait_for_load_state("networkidle")
    again_requests, again_bytes = traffic.since(mark)
    sockets = traffic.sockets
    context.close()
    return {
        "join": (join_requests, join_bytes),
        "total": (total_requests, total_bytes),
        "again": (again_requests, again_bytes),
        "sockets": sockets,
        "urls": urls,
    }


def measure(debug: bool, repeats: int, keep: bool) -> list[dict]:
    with BenchServer(keep=keep, debug=debug) as server:
        live = server.create_live_session()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                return [load_once(browser, server.base_url, live["code"]) for _ in range(repeats)]
            finally:
                browser.close()


def median_of(runs: list[dict], key: str) -> tuple[int, int]:
    ordered = sorted(runs, key=lambda run: run[key][1])
    return ordered[len(ordered) // 2][key]


def kib(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def run(args) -> Result:
    result = Result(
        title=TITLE,
        setup=(
            f"Chromium ({CHROMIUM}), a fresh phone context per load (390×844, nl-NL, empty "
            f"cache), {args.first_load_repeats} loads per mode, median by bytes. Join link → "
            "“Meedoen” → the first statements on screen with the socket open. "
            f"Goal under `make run`: ≤ {GOAL_BYTES // 1024} KB in ≤ {GOAL_REQUESTS} requests."
        ),
    )
    if not CHROMIUM.exists():
        result.failures.append(f"{CHROMIUM} is missing (Debian package chromium)")
        return result
    production = measure(False, args.first_load_repeats, args.keep)
    development = measure(True, args.first_load_repeats, args.keep)
    for label, runs in (("`make run`", production), ("`make dev`", development)):
        for key, what in (
            ("join", "join page"),
            ("total", "join page → first statements"),
            ("again", "reload (second visit)"),
        ):
            requests, size = median_of(runs, key)
            plural = "request" if requests == 1 else "requests"
            result.add(f"{label}: {what}", f"{kib(size)} in {requests} {plural}")
    requests, size = median_of(production, "total")
    dev_requests, dev_size = median_of(development, "total")
    result.add(
        "`make run` against the goal",
        f"{size / GOAL_BYTES:.2f}× the bytes, {requests / GOAL_REQUESTS:.2f}× the requests",
    )
    result.add("`make run` / `make dev`", f"{size / dev_size:.2f}× the bytes")
    result.notes.append("Requests under `make run`: " + ", ".join(production[0]["urls"]))
    result.notes.append(
        f"WebSockets opened per phone, the reload included: {production[0]['sockets']} "
        "(not counted as requests)."
    )
    if size > GOAL_BYTES or requests > GOAL_REQUESTS:
        result.notes.append("Above the goal: see the requests listed above.")
    return result
