"""The conversation on screen, end to end in a real browser (issue 11's done-when): a Praatplaat
session in which three phones type answers to "Wat willen we bereiken?", the facilitator hides
one, puts a reminder on the projector and keeps notes; the PDF read back holds the notes and the
two shown answers, not the hidden one."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from instruments.models import Item
from sessions import lifecycle
from sessions.models import OpenAnswer, ThemeNote
from tests.builders import pdf_text, squeeze

from .conftest import DESKTOP, PHONE, chromium, save_screenshots
from .helpers import LiveServerTests, login_cookie, open_page, phone_cookie
from .test_tap_during_a_blip import in_thread

LIVE_TIMEOUT = 8000  # ms

ANSWERS = ("Minder uitval in het mbo", "Eén loket voor stages", "Niks, dit is zinloos")
HIDDEN = ANSWERS[2]
NOTE = "Gemeente en mbo willen samen een stageloket; Jan zoekt uit wat het kost."


@pytest.mark.browser
class ConversationSessionTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _praatplaat(self, alice, instruments):
        praat = instruments["praatplaat-regio"]
        self.open_item = Item.objects.get(theme__instrument=praat, kind=Item.Kind.OPEN)
        self.topics = self.open_item.theme
        self.reminder = Item.objects.get(
            theme__instrument=praat, kind=Item.Kind.PROMPT, title="Start bij jezelf"
        )
        self.session = lifecycle.create_session(
            alice, praat, title="Praatplaat Oost", partnership_name="Regio Oost"
        )
        lifecycle.set_phase(self.session, "scoring")
        lifecycle.open_round(self.session, self.topics.pk)
        self.phones = [phone_cookie(self.session) for _ in ANSWERS]
        self.login = login_cookie(alice)

    def _url(self, name: str, *args) -> str:
        return self.live_server_url + reverse(name, args=args)

    def test_answers_spotlight_and_notes_reach_the_pdf(self):
        problems: list[str] = []
        field = f"open-{self.open_item.pk}"
        with chromium() as browser:
            dashboard = open_page(browser, self.live_server_url, self.login, DESKTOP, problems)
            projector = open_page(browser, self.live_server_url, self.login, DESKTOP, problems)
            phones = [
                open_page(browser, self.live_server_url, cookie, PHONE, problems)
                for cookie in self.phones
            ]
            pages = {"dashboard": dashboard, "projector": projector}
            pages.update({f"phone-{n}": page for n, page in enumerate(phones)})
            try:
                dashboard.goto(self._url("session_dashboard", self.session.pk))
                projector.goto(self._url("session_projector", self.session.pk))
                # Each phone types its answer; the notice says who sees it before the field.
                for page, text in zip(phones, ANSWERS, strict=True):
                    page.goto(self._url("phone", self.session.code))
                    expect(page.locator(f"#{field}-notice")).to_contain_text("zonder je naam")
                    page.locator(f"#{field}-text").fill(text)
                    page.locator(f"#{field} button[type=submit]").click()
                    expect(page.locator(f"#status-{field}")).to_contain_text(
                        "Verstuurd", timeout=LIVE_TIMEOUT
                    )
                    expect(page.locator(f"#{field}-text")).to_have_value("")

                # They arrive on the dashboard without a reload; one is hidden.
                block = dashboard.locator(f"#open-answers-{self.open_item.pk}")
                for text in ANSWERS:
                    expect(block).to_contain_text(text, timeout=LIVE_TIMEOUT)
                block.get_by_role("button", name=re.compile(f"^Verbergen.*{HIDDEN}")).click()
                expect(block.locator("li.answer.is-hidden")).to_contain_text(
                    HIDDEN, timeout=LIVE_TIMEOUT
                )

                # A reminder on the projector and on the phones, one click from the dashboard.
                reminders = f"#theme-{self.reminder.theme_id}"
                dashboard.locator(f"{reminders} details.prompts summary").click()
                dashboard.locator(
                    f"{reminders} .spot-form",
                    has=dashboard.locator(f"button[value='{self.reminder.pk}']"),
                ).get_by_role("button").click()
                expect(projector.locator("#projector-content")).to_contain_text(
                    "Start bij jezelf", timeout=LIVE_TIMEOUT
                )
                expect(projector.locator("#projector-content")).to_contain_text(
                    self.reminder.text[:40]
                )
                expect(phones[0].locator("#phone-spotlight")).to_contain_text(
                    "Start bij jezelf", timeout=LIVE_TIMEOUT
                )

                # The answers go on the projector too: the two shown, not the hidden one.
                block.locator(f"#open-answers-{self.open_item.pk}-spotlight").click()
                content = projector.locator("#projector-content")
                expect(content).to_contain_text(ANSWERS[0], timeout=LIVE_TIMEOUT)
                expect(content).to_contain_text(ANSWERS[1])
                expect(content).not_to_contain_text(HIDDEN)

                # Notes under the theme, saved as the facilitator types.
                notes = dashboard.locator(f"#note-{self.topics.pk}-text")
                notes.fill(NOTE)
                expect(dashboard.locator(f"#note-{self.topics.pk}-status")).to_contain_text(
                    "Opgeslagen om", timeout=LIVE_TIMEOUT
                )

                response = dashboard.request.get(self._url("session_report_pdf", self.session.pk))
                assert response.status == 200
                pdf = response.body()
                assert dashboard.evaluate("window.__csp") == []
                assert problems == [], problems
            except BaseException:
                save_screenshots("conversation-session", pages)
                raise

        stored = in_thread(
            lambda: (
                sorted(
                    OpenAnswer.objects.filter(session=self.session, hidden=False).values_list(
                        "text", flat=True
                    )
                ),  # fmt: skip
                ThemeNote.objects.get(session=self.session, theme=self.topics).text,
            )
        )
        assert stored == (sorted(ANSWERS[:2]), NOTE)
        text = squeeze(pdf_text(pdf))
        assert squeeze(NOTE) in text
        for shown in ANSWERS[:2]:
            assert squeeze(shown) in text
        assert squeeze(HIDDEN) not in text
        assert squeeze("Tussenstand") in text  # the session still runs
