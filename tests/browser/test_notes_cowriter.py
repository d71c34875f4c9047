"""Notes in a real browser: a co-writer types on the second device's page and the text is saved
without a button; the dashboard shows it, and the guide card opens with a click."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sessions import lifecycle, notes

from .conftest import DESKTOP, chromium, save_screenshots
from .helpers import MARK_PAGE, SAME_PAGE, LiveServerTests, login_cookie, open_page


@pytest.mark.browser
class NotesCowriterTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _session(self, alice, lob):
        self.session = lifecycle.create_session(
            alice, lob, title="Regiotafel", partnership_name="LOB Regio West"
        )
        self.theme = lob.themes.first()
        self.cookie = login_cookie(alice)

    def test_typing_on_the_cowriter_page_saves_and_the_dashboard_shows_it(self):
        problems: list[str] = []
        base = self.live_server_url
        theme_id = self.theme.pk
        with chromium() as browser:
            page = open_page(browser, base, self.cookie, DESKTOP, problems)
            try:
                page.goto(base + reverse("session_notes", args=[self.session.pk]))
                page.evaluate(MARK_PAGE)
                field = page.get_by_label("Aantekeningen bij dit thema").first
                field.fill("")
                field.press_sequentially("Stages: gemeente belt mbo", delay=10)
                # Saved a second after typing stops, in place: no button, no reload.
                expect(page.locator(f"#note-{theme_id}-status")).to_contain_text("Opgeslagen om")
                assert page.evaluate(SAME_PAGE)

                dashboard = base + reverse("session_dashboard", args=[self.session.pk])
                page.goto(dashboard)
                expect(page.locator(f"#note-{theme_id}-text")).to_have_value(
                    "Stages: gemeente belt mbo"
                )
                guide = page.locator("#guide-card")
                expect(guide.locator(".guide-list")).not_to_be_visible()  # closed at first
                guide.locator("summary").click()
                expect(guide.locator(".guide-list")).to_be_visible()
                assert page.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots("notes-cowriter", {"page": page})
                raise
        # The ORM after the browser (see chromium()).
        assert notes.by_theme(self.session.pk) == {theme_id: "Stages: gemeente belt mbo"}
