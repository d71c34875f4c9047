"""A tap made while the server cannot be reached is kept, marked "niet opgeslagen", and sent
again by the phone itself once it can (static/js/phone.js); a stage that arrives meanwhile waits
until the tap is stored. Nothing is ever shown as saved that is not.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import expect

from sessions import lifecycle
from sessions.models import Response

from .conftest import PHONE, chromium, save_screenshots, wait_until
from .helpers import (
    MARK_PAGE,
    SAME_PAGE,
    LiveServerTests,
    first_round,
    open_page,
    phone_cookie,
)

RETRIED_WITHIN = 12_000  # ms: the longest backoff is 10 s


def in_thread(work):
    """Run ORM work beside Playwright's sync API, which Django refuses in this thread."""

    def run():
        try:
            return work()
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.mark.browser
class TapDuringABlipTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _scoring_session(self, alice, lob):
        """alice's session scoring the first theme with statements, and a phone in it."""
        session, self.item = first_round(alice, lob)
        self.session = session
        self.phone = phone_cookie(session)

    def stored(self) -> list:
        item_id = self.item.pk
        return in_thread(
            lambda: list(Response.objects.filter(item_id=item_id).values_list("value", flat=True))
        )

    def wait_stored(self, page, expected: list, timeout_ms: int = RETRIED_WITHIN) -> None:
        for _ in range(timeout_ms // 200):
            if self.stored() == expected:
                return
            page.wait_for_timeout(200)
        assert self.stored() == expected

    def open_phone(self, browser, problems: list[str]):
        page = open_page(browser, self.live_server_url, self.phone, PHONE, problems)
        page.goto(self.live_server_url + reverse("phone", args=[self.session.code]))
        wait_until(page, "window.reflectieSocket === true")
        page.evaluate(MARK_PAGE)
        return page

    def tap_4(self, page) -> None:
        statement = page.locator(f"#item-{self.item.pk}")
        statement.locator("label.point").filter(has=page.locator("input[value='4']")).tap()

    def test_a_tap_while_offline_is_stored_when_the_phone_is_back_online(self):
        problems: list[str] = []
        with chromium() as browser:
            page = self.open_phone(browser, problems)
            try:
                status = page.locator(f"#status-item-{self.item.pk}")
                radio = page.locator(f"#item-{self.item.pk} input[value='4']")
                page.context.set_offline(True)
                self.tap_4(page)
                expect(status).to_have_text(re.compile("^niet opgeslagen"))
                expect(radio).to_be_checked()
                page.wait_for_timeout(1500)  # a retry or two, still offline
                assert self.stored() == []
                expect(status).to_have_text(re.compile("^niet opgeslagen"))

                page.context.set_offline(False)  # nobody touches the phone
                self.wait_stored(page, [4])
                expect(status).to_have_text("opgeslagen")
                expect(radio).to_be_checked()
                assert page.evaluate(SAME_PAGE), "the phone reloaded"
                assert problems == [], problems
            except BaseException:
                save_screenshots("blip-offline", {"phone": page})
                raise

    def test_a_tap_answered_503_is_sent_again(self):
        problems: list[str] = []
        refused = []

        def unavailable_once(route):
            if refused:
                route.continue_()
            else:
                refused.append(route.request.url)
                route.fulfill(status=503, body="Service Unavailable")

        with chromium() as browser:
            page = self.open_phone(browser, problems)
            try:
                status = page.locator(f"#status-item-{self.item.pk}")
                page.route("**/answer/", unavailable_once)
                self.tap_4(page)
                expect(status).to_have_text(re.compile("^niet opgeslagen"))
                self.wait_stored(page, [4])
                expect(status).to_have_text("opgeslagen")
                assert len(refused) == 1
                assert problems == [], problems
            except BaseException:
                save_screenshots("blip-503", {"phone": page})
                raise

    def test_a_busy_servers_retry_after_is_waited_out(self):
        # A server past its capacity answers 503 with Retry-After (reflectie/http_threads.py):
        # the phone waits at least most of that (jitter spreads a room's phones), then sends.
        problems: list[str] = []
        sent = []

        def busy_once(route):
            sent.append(time.monotonic())
            if len(sent) == 1:
                route.fulfill(status=503, headers={"Retry-After": "3"}, body="te druk")
            else:
                route.continue_()

        with chromium() as browser:
            page = self.open_phone(browser, problems)
            try:
                page.route("**/answer/", busy_once)
                self.tap_4(page)
                self.wait_stored(page, [4])
                assert len(sent) == 2
                assert sent[1] - sent[0] >= 3 * 0.75 - 0.1, sent
                assert problems == [], problems
            except BaseException:
                save_screenshots("blip-retry-after", {"phone": page})
                raise

    def test_a_new_stage_waits_until_the_unsaved_tap_is_stored(self):
        problems: list[str] = []
        with chromium() as browser:
            page = self.open_phone(browser, problems)
            try:
                statement = page.locator(f"#item-{self.item.pk}")
                status = page.locator(f"#status-item-{self.item.pk}")
                page.route("**/answer/", lambda route: route.fulfill(status=503, body=""))
                statement.evaluate("el => { el.__kept = 1; }")
                self.tap_4(page)
                expect(status).to_have_text(re.compile("^niet opgeslagen"))

                # The facilitator opens every theme; the phone fetches its new stage ...
                session = self.session
                in_thread(lambda: lifecycle.set_scoring_mode(session, "all"))
                with page.expect_response(re.compile(r"/state/")) as fetched:
                    page.evaluate("htmx.trigger('#phone-poll', 'reflectie:poll')")
                assert fetched.value.status == 200
                # ... but does not show it yet: it would re-render the form without the tap.
                page.wait_for_timeout(300)
                assert statement.evaluate("el => el.__kept") == 1, "the stage replaced the tap"
                expect(statement.locator("input[value='4']")).to_be_checked()
                expect(status).to_have_text(re.compile("^niet opgeslagen"))

                page.unroute("**/answer/")
                self.wait_stored(page, [4])
                # Stored: now the new stage, drawn from what is stored.
                expect(page.locator("section.theme")).not_to_have_count(1)
                expect(statement.locator("input[value='4']")).to_be_checked()
                assert page.evaluate(SAME_PAGE), "the phone reloaded"
                assert problems == [], problems
            except BaseException:
                save_screenshots("blip-held-stage", {"phone": page})
                raise
