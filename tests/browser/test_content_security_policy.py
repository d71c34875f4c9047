"""Every page works under the Content-Security-Policy (reflectie/headers.py): scripts from this
site only, no inline script, no inline event handler, no eval (htmx runs with allowEval off, so
an hx-on attribute or a trigger filter would fail). Any violation, reported by the browser as a
securitypolicyviolation event or a console message, fails the test.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, chromium, save_screenshots, wait_until
from .helpers import LiveServerTests, first_round, login_cookie, open_page, phone_cookie

LIVE_TIMEOUT = 5000  # ms


@pytest.mark.browser
class ContentSecurityPolicyTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _scoring_session(self, alice, lob):
        session, self.item = first_round(alice, lob)
        self.session = session
        self.phone = phone_cookie(session)
        self.facilitator = login_cookie(alice)

    def test_phone_dashboard_and_projector_run_without_a_violation(self):
        problems: list[str] = []
        url = self.live_server_url
        pages = {}
        with chromium() as browser:
            try:
                dashboard = open_page(browser, url, self.facilitator, DESKTOP, problems)
                pages["dashboard"] = dashboard
                answer = dashboard.goto(url + reverse("session_dashboard", args=[self.session.pk]))
                assert "script-src 'self'" in answer.headers["content-security-policy"]
                expect(dashboard.locator(".dashboard")).to_have_attribute("data-live", "open")

                projector = open_page(browser, url, self.facilitator, DESKTOP, problems)
                pages["projector"] = projector
                projector.goto(url + reverse("session_projector", args=[self.session.pk]))
                expect(projector.locator(".projector")).to_have_attribute("data-live", "open")

                phone = open_page(browser, url, self.phone, PHONE, problems)
                pages["phone"] = phone
                phone.goto(url + reverse("phone", args=[self.session.code]))
                wait_until(phone, "window.reflectieSocket === true")
                statement = phone.locator(f"#item-{self.item.pk}")
                statement.locator("label.point").filter(has=phone.locator("input[value='4']")).tap()
                expect(phone.locator(f"#status-item-{self.item.pk}")).to_have_text("opgeslagen")
                # The tap reaches the dashboard over its socket: htmx swaps work there too.
                expect(dashboard.locator(f"#item-{self.item.pk}")).to_have_attribute(
                    "data-respondents", "1", timeout=LIVE_TIMEOUT
                )

                for label, page in pages.items():
                    assert page.evaluate("window.__csp") == [], label
                assert problems == [], problems
            except BaseException:
                save_screenshots("csp", pages)
                raise

    def test_the_facilitators_other_pages_run_without_a_violation(self):
        problems: list[str] = []
        url = self.live_server_url
        pk = self.session.pk
        with chromium() as browser:
            page = open_page(browser, url, self.facilitator, DESKTOP, problems)
            try:
                for name in ("session_agreements", "session_review", "session_share_links"):
                    page.goto(url + reverse(name, args=[pk]))
                    assert page.evaluate("window.__csp") == [], name
                # A new share link selects itself on focus (a script now, not onfocus="...").
                page.get_by_role("button", name="Nieuwe deellink maken").click()
                field = page.locator("#new-share-url")
                field.focus()
                assert field.evaluate("el => el.selectionEnd - el.selectionStart > 20")
                for path in (reverse("session_list"), reverse("session_new"), "/", "/j/"):
                    page.goto(url + path)
                    assert page.evaluate("window.__csp") == [], path
                assert problems == [], problems
            except BaseException:
                save_screenshots("csp-other", {"page": page})
                raise
