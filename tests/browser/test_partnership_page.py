"""The partnership's page in a real browser: its history drawn, and the next session in one
click, with the earlier agreements ready for the look back."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sessions import agreements, partnerships
from sessions.models import Session
from tests.builders import make_scored_session, valid_agreement

from .conftest import DESKTOP, chromium, save_screenshots
from .helpers import LiveServerTests, login_cookie, open_page


@pytest.mark.browser
class PartnershipPageTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _history(self, alice, bob, lob):
        """Three sessions of "Regio West", an agreement due for review, bob a member."""
        sessions = [
            make_scored_session(alice, lob, title=title, scores={"visie": scores})
            for title, scores in (
                ("Voorjaar", [3, 3, 4, 4]),
                ("Najaar", [4, 4, 5, 5]),
                ("Winter", [2, 2, 3, 3]),
            )
        ]
        past = (timezone.localdate() - timedelta(days=2)).isoformat()
        agreements.create(sessions[0], valid_agreement(action="Stagebank opzetten", review=past))
        self.partnership = sessions[0].partnership
        partnerships.add_member(self.partnership, alice, "bob")
        self.member = bob
        self.facilitator = login_cookie(bob)

    def test_a_member_starts_the_next_session_from_the_partnership_page_in_one_click(self):
        problems: list[str] = []
        url = self.live_server_url + reverse("partnership_page", args=[self.partnership.pk])
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.facilitator, DESKTOP, problems)
            try:
                page.goto(url)
                expect(page.get_by_role("heading", level=1)).to_have_text("Regio West")
                visie = page.locator("#trend-lob-regio-visie")
                expect(visie.locator("circle")).to_have_count(3)
                day = f"{timezone.localdate():%-d-%-m-%Y}"
                means = "; ".join(f"{day}: {mean}" for mean in ("3,5", "4,5", "2,5"))
                expect(visie.get_by_role("img")).to_have_attribute(
                    "aria-label", f"Visie en ambitie, gemiddelde per sessie: {means}"
                )
                due = page.locator("section", has=page.locator("#due-heading"))
                expect(due).to_contain_text("Stagebank opzetten")

                page.get_by_role("button", name="Nieuwe sessie voor dit verband").click()
                page.wait_for_url("**/sessies/*/")
                landed = page.url
                expect(page.locator(".messages")).to_contain_text("De nieuwe sessie staat klaar.")
                # The look back has the open agreement ready.
                expect(page.locator("#review-panel")).to_contain_text("1 afspraak van eerder")
                expect(page.locator("#review-open")).to_be_visible()
                assert page.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots("partnership-next-session", {"page": page})
                raise
        # The ORM after the browser: Playwright's sync API runs an event loop in this thread.
        new = Session.objects.latest("created_at")
        assert landed.endswith(reverse("session_dashboard", args=[new.pk]))
        assert new.facilitator == self.member and new.partnership == self.partnership
        assert Session.objects.count() == 4
