"""Halen en brengen on a real phone: the first of the two scores is not sent on its own (its
radios are required), the second sends the pair, and the stage is not held by the unsent tap."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from instruments.models import Item
from sessions import answers, lifecycle
from sessions.models import BalanceAnswer, Participant

from .conftest import PHONE, chromium, save_screenshots
from .helpers import LiveServerTests, open_page, phone_cookie
from .test_tap_during_a_blip import in_thread

LIVE_TIMEOUT = 5000  # ms


@pytest.mark.browser
class BalancePhoneTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _balance_round(self, alice, instruments):
        praat = instruments["praatplaat-regio"]
        self.item = Item.objects.get(theme__instrument=praat, kind=Item.Kind.BALANCE)
        self.session = lifecycle.create_session(
            alice, praat, title="Praatplaat", partnership_name="Regio Zuid"
        )
        lifecycle.open_round(self.session, self.item.theme_id)
        self.phone = phone_cookie(self.session)

    @staticmethod
    def _point(page, form, side: str, value: int):
        return form.locator("label.point", has=page.locator(f"input[name={side}][value='{value}']"))

    def test_the_pair_is_sent_once_both_scores_are_chosen(self):
        problems: list[str] = []
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.phone, PHONE, problems)
            try:
                page.goto(self.live_server_url + reverse("phone", args=[self.session.code]))
                form = page.locator(f"#item-{self.item.pk}")
                status = page.locator(f"#status-item-{self.item.pk}")
                self._point(page, form, "brings", 4).tap()
                page.wait_for_timeout(500)
                expect(status).to_have_text("")
                assert not in_thread(BalanceAnswer.objects.exists)
                self._point(page, form, "gets", 2).tap()
                expect(status).to_have_text("opgeslagen", timeout=LIVE_TIMEOUT)
                stored = in_thread(
                    lambda: answers.balances_of(Participant.objects.get(session=self.session))
                )
                assert stored == {self.item.pk: (4, 2)}
                page.reload()
                expect(page.locator("input[name=brings][value='4']")).to_be_checked()
                expect(page.locator("input[name=gets][value='2']")).to_be_checked()
                assert page.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots("balance-phone", {"phone": page})
                raise

    def test_a_single_unsent_score_does_not_hold_the_next_stage(self):
        problems: list[str] = []
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.phone, PHONE, problems)
            try:
                page.goto(self.live_server_url + reverse("phone", args=[self.session.code]))
                form = page.locator(f"#item-{self.item.pk}")
                self._point(page, form, "gets", 3).tap()
                page.wait_for_timeout(300)
                in_thread(lambda: lifecycle.set_phase(self.session, "discussion"))
                # What the poll does when the socket is closed (this test's notice may not
                # reach the forked server): the new stage is swapped in, not held for the tap.
                page.evaluate("htmx.trigger('#phone-poll', 'reflectie:poll')")
                expect(page.locator("#stage-title")).to_have_text(
                    "Praatplaat", timeout=LIVE_TIMEOUT
                )
                assert problems == [], problems
            except BaseException:
                save_screenshots("balance-phone-held", {"phone": page})
                raise
