"""An English session on a Dutch phone: the phone speaks the session's language (the room reads the
projector in it), the LOB tool's statements, scale labels and follow-up fields included, until
the participant switches to Dutch."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from instruments import partner_types
from instruments import translation as instrument_texts
from sessions import agreements, lifecycle

from .conftest import PHONE, chromium, save_screenshots
from .helpers import LiveServerTests
from .test_tap_during_a_blip import in_thread

LIVE_TIMEOUT = 5000  # ms


@pytest.mark.browser
class EnglishPhoneTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _english_session(self, alice, lob):
        self.session = lifecycle.create_session(
            alice, lob, title="Regional table", partnership_name="LOB West", language="en"
        )
        self.theme = lob.themes.first()
        lifecycle.open_round(self.session, self.theme.pk)
        self.statement = self.theme.items.filter(kind="statement").first()
        self.english = {
            "theme": self.theme.translations["en"]["title"],
            "statement": self.statement.translations["en"]["text"],
            "low": instrument_texts.scale_label(lob, lob.scale_min, "en"),
            "dont_know": instrument_texts.dont_know_label(lob, "en"),
            "action": instrument_texts.followup_fields(lob, "en")[0]["label"],
        }
        self.dutch = {
            "statement": self.statement.text,
            "action": lob.followup_fields[0]["label"],
        }
        with translation.override("en"):
            self.partner_label = dict(partner_types.choices(lob))["bedrijf"]
        with translation.override("nl"):
            assert self.partner_label != dict(partner_types.choices(lob))["bedrijf"]
        # Written outside the browser: the ORM may not run in Playwright's thread.
        self.agree = lambda: (
            agreements.create(self.session, {"action": "Visit each other", "owner": "Els"}),
            lifecycle.set_phase(self.session, "followup"),
        )

    def test_a_dutch_phone_joins_in_english_and_can_switch_to_dutch(self):
        assert self.english["statement"] != self.dutch["statement"]
        assert self.english["action"] != self.dutch["action"]
        problems: list[str] = []
        with chromium() as browser:
            context = browser.new_context(**PHONE)  # Accept-Language: nl-NL
            page = context.new_page()
            page.on("pageerror", lambda exc: problems.append(f"error: {exc}"))
            try:
                page.goto(self.live_server_url + reverse("join", args=[self.session.code]))
                expect(page.locator("html")).to_have_attribute("lang", "en")
                page.locator("label.choice", has_text=self.partner_label).click()
                expect(page.get_by_label(self.partner_label)).to_be_checked()
                page.locator("form button[type=submit].primary").click()

                statement = page.locator(f"#item-{self.statement.pk}")
                expect(statement).to_contain_text(self.english["statement"])
                expect(page.locator(f"#theme-title-{self.theme.pk}")).to_contain_text(
                    self.english["theme"]
                )
                expect(statement.locator(".scale-ends")).to_contain_text(self.english["low"])
                expect(statement.locator(".dont-know")).to_contain_text(self.english["dont_know"])
                statement.locator("label.point", has=page.locator("input[value='4']")).tap()
                expect(page.locator(f"#status-item-{self.statement.pk}")).to_have_text(
                    "saved", timeout=LIVE_TIMEOUT
                )

                joined = in_thread(lambda: self.session.participants.get().partner_type)
                assert joined == "bedrijf"
                in_thread(self.agree)
                page.reload()
                agreements_list = page.locator("#agreements")
                expect(agreements_list).to_contain_text(self.english["action"])
                expect(agreements_list).to_contain_text("Visit each other")

                # The participant's own choice wins over the session's language.
                page.get_by_role("button", name="Nederlands").click()
                expect(page.locator("html")).to_have_attribute("lang", "nl")
                expect(page.locator("#agreements")).to_contain_text(self.dutch["action"])
                assert problems == [], problems
            except BaseException:
                save_screenshots("english-phone", {"phone": page})
                raise
