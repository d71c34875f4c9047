"""A phone in "alles tegelijk" counts its answers as it taps, without reloading, and has no save
buttons while JavaScript saves every tap; without JavaScript the buttons are there and save."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from instruments.models import Item
from sessions import lifecycle
from sessions.models import Response

from .conftest import PHONE, chromium, save_screenshots, wait_until
from .helpers import MARK_PAGE, SAME_PAGE, LiveServerTests, open_page, phone_cookie
from .test_tap_during_a_blip import in_thread

LIVE_TIMEOUT = 5000  # ms


@pytest.mark.browser
class PhoneProgressTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _all_at_once(self, alice, lob):
        self.session = lifecycle.create_session(
            alice, lob, title="Regiotafel LOB", partnership_name="LOB Regio West"
        )
        lifecycle.set_scoring_mode(self.session, "all")
        lifecycle.set_phase(self.session, "scoring")
        statements = Item.objects.filter(theme__instrument=lob, kind=Item.Kind.STATEMENT)
        self.total = statements.count()
        self.theme = lob.themes.filter(items__kind=Item.Kind.STATEMENT).distinct().first()
        self.items = list(self.theme.items.filter(kind=Item.Kind.STATEMENT))
        self.phone = phone_cookie(self.session)

    def url(self) -> str:
        return self.live_server_url + reverse("phone", args=[self.session.code])

    @staticmethod
    def tap(page, item, value: str) -> None:
        statement = page.locator(f"#item-{item.pk}")
        statement.locator("label.point").filter(has=page.locator(f"input[value='{value}']")).tap()

    def stored(self) -> dict:
        session_id = self.session.pk
        return in_thread(
            lambda: dict(
                Response.objects.filter(session_id=session_id).values_list("item_id", "value")
            )
        )

    def test_three_taps_count_without_a_reload_and_no_save_button_shows(self):
        problems: list[str] = []
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.phone, PHONE, problems)
            try:
                page.goto(self.url())
                wait_until(page, "document.documentElement.classList.contains('phone-js')")
                page.evaluate(MARK_PAGE)
                progress = page.locator("#phone-progress")
                expect(progress).to_have_text(f"0 van {self.total} beantwoord")
                expect(progress).to_have_attribute("aria-live", "polite")
                # Every tap saves: no "Opslaan" on screen.
                expect(page.get_by_role("button", name="Opslaan")).to_have_count(0)

                for item, value in zip(self.items, ("4", "dk", "2"), strict=False):
                    self.tap(page, item, value)
                    expect(page.locator(f"#status-item-{item.pk}")).to_have_text(
                        "opgeslagen", timeout=LIVE_TIMEOUT
                    )
                expect(progress).to_have_text(f"3 van {self.total} beantwoord")
                expect(page.locator(f"#theme-progress-{self.theme.pk}")).to_contain_text(
                    f"3 van {len(self.items)}"
                )
                # Changing an answer is no new answer.
                self.tap(page, self.items[0], "5")
                expect(page.locator(f"#status-item-{self.items[0].pk}")).to_have_text(
                    "opgeslagen", timeout=LIVE_TIMEOUT
                )
                expect(progress).to_have_text(f"3 van {self.total} beantwoord")
                assert page.evaluate(SAME_PAGE)  # counted in the page, not reloaded
                assert self.stored() == {
                    self.items[0].pk: 5,
                    self.items[1].pk: None,
                    self.items[2].pk: 2,
                }
                # The sticky line is still in view far down the page.
                page.locator(f"#item-{self.items[-1].pk}").scroll_into_view_if_needed()
                page.mouse.wheel(0, 3000)
                page.wait_for_timeout(200)
                box = progress.bounding_box()
                assert box is not None and 0 <= box["y"] < 5, box
                assert page.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots("phone-progress", {"phone": page})
                raise

    def test_without_javascript_the_save_button_shows_and_saves(self):
        problems: list[str] = []
        options = {**PHONE, "java_script_enabled": False}
        with chromium() as browser:
            page = open_page(browser, self.live_server_url, self.phone, options, problems)
            try:
                page.goto(self.url())
                form = page.locator(f"#theme-{self.theme.pk} form.statements")
                button = form.get_by_role("button", name="Opslaan")
                expect(button).to_be_visible()
                self.tap(page, self.items[0], "4")
                self.tap(page, self.items[1], "dk")
                button.tap()
                expect(page.locator(".messages")).to_contain_text("Opgeslagen")
                assert self.stored() == {self.items[0].pk: 4, self.items[1].pk: None}
                # The new page counts from what is stored.
                expect(page.locator("#phone-progress")).to_have_text(
                    f"2 van {self.total} beantwoord"
                )
                expect(page.locator(f"#item-{self.items[0].pk} input[value='4']")).to_be_checked()
                assert problems == [], problems
            except BaseException:
                save_screenshots("phone-progress-no-js", {"phone": page})
                raise
