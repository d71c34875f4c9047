"""A refusal (a 4xx) shows its message where the request was made and never replaces the page,
with DEBUG on as well as off. django-htmx's debug script, which its template tag adds when DEBUG
is on, used to swap the whole document for the body of any 4xx: a phone that ticked one
priority too many was left with a bare fragment, without its stylesheet or socket.

The live server is forked from the test process in setUpClass, so a class-level
override_settings is what it runs with.
"""

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from sessions import answers, lifecycle

from .conftest import DESKTOP, PHONE, chromium, save_screenshots
from .helpers import MARK_PAGE, SAME_PAGE, LiveServerTests, login_cookie, open_page, phone_cookie

LIVE_TIMEOUT = 5000  # ms


class RefusalsInPlace:
    """The tests; the classes below run them with DEBUG off and on."""

    debug = False

    @pytest.fixture(autouse=True)
    def _priorities_session(self, alice, lob):
        """alice's session in the priorities phase (the session vote, at most three themes), a
        phone that joined it, and alice logged in."""
        session = lifecycle.create_session(
            alice, lob, title="Regiotafel LOB", partnership_name="LOB Regio West"
        )
        lifecycle.set_phase(session, "priorities")
        assert len(answers.session_vote_options(session)) > answers.SESSION_VOTE_MAX
        self.session = session
        self.phone = phone_cookie(session)
        self.facilitator = login_cookie(alice)

    def test_a_fourth_priority_shows_the_limit_in_place_and_the_page_stays(self):
        problems: list[str] = []
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.phone, PHONE, problems)
            try:
                page.goto(self.live_server_url + reverse("phone", args=[self.session.code]))
                self._check_mode(page)
                page.evaluate(MARK_PAGE)
                choices = page.locator("#vote label.choice")
                status = page.locator("#status-vote")
                for n in range(answers.SESSION_VOTE_MAX):
                    choices.nth(n).tap()
                    expect(status).to_have_text("opgeslagen")

                choices.nth(answers.SESSION_VOTE_MAX).tap()
                expect(status.locator(".error")).to_have_text("Kies er maximaal 3.")
                # The stored picks are put back next to the message.
                expect(page.locator("#vote input:checked")).to_have_count(3)
                # Still the phone's page: header, stylesheet, socket, no reload.
                expect(page.locator("header.phone-header")).to_be_visible()
                expect(page.locator("link[href$='css/phone.css']")).to_have_count(1)
                expect(page.locator("#phone-socket[ws-connect]")).to_have_count(1)
                assert page.evaluate(SAME_PAGE), "the page was replaced"
                assert page.evaluate("window.reflectieSocket") is True, "the socket is gone"
                assert page.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots(f"refusal-phone-debug-{self.debug}", {"phone": page})
                raise

    def test_an_empty_agreement_shows_the_error_in_the_editor_and_the_page_stays(self):
        problems: list[str] = []
        path = reverse("session_agreements", args=[self.session.pk])
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.facilitator, DESKTOP, problems)
            try:
                page.goto(self.live_server_url + path)
                self._check_mode(page)
                page.evaluate(MARK_PAGE)
                page.get_by_role("button", name="Afspraak toevoegen").click()
                editor = page.locator("#agreements-editor")
                expect(editor.locator(".error")).to_contain_text("Vul ", timeout=LIVE_TIMEOUT)
                expect(editor.get_by_role("button", name="Afspraak toevoegen")).to_be_visible()
                expect(page.locator("header.site-header")).to_be_visible()
                expect(page.locator("link[href$='css/reflectie.css']")).to_have_count(1)
                expect(page.locator("#timer")).to_have_count(1)
                assert page.evaluate(SAME_PAGE), "the page was replaced"
                assert page.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots(f"refusal-agreement-debug-{self.debug}", {"page": page})
                raise

    def _check_mode(self, page) -> None:
        """The server runs in the mode this class says, and the page has plain htmx only."""
        missing = page.request.get(self.live_server_url + "/bestaat-niet/")
        assert missing.status == 404
        # Django's technical 404 page names the URLconf; only DEBUG shows it.
        assert ("URLconf" in missing.text()) is self.debug
        expect(page.locator("script[src$='django_htmx/htmx-2.min.js']")).to_have_count(1)
        expect(page.locator("script[src$='django-htmx.js']")).to_have_count(0)


@pytest.mark.browser
class RefusalsInPlaceWithDebugOffTests(RefusalsInPlace, LiveServerTests):
    debug = False


@pytest.mark.browser
@override_settings(DEBUG=True)
class RefusalsInPlaceWithDebugOnTests(RefusalsInPlace, LiveServerTests):
    debug = True
