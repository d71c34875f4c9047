"""The whole live path in a real browser: phones join with the code and tap a score, and the
facilitator's dashboard shows it without reloading; and a short session to its end, where the
agreements appear on the phone as they are written and the phone downloads the report.

daphne serves the test database from a process of its own (channels' ChannelsLiveServerTestCase),
so HTTP, WebSockets and the in-memory channel layer run as in `make run`.
"""

import io
import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import DESKTOP, PHONE, chromium, save_screenshots, wait_until
from .helpers import LiveServerTests, first_round

ALICE_PASSWORD = "alice-password-1"  # the alice persona in tests/conftest.py
# Set on the dashboard before the phones start: still there at the end means no reload happened.
NO_RELOAD = "window.__noReload = 1"
# Counts the socket's messages from the very first one (the snapshot sent on connect).
COUNT_WS_MESSAGES = """
window.__wsMessages = 0;
document.addEventListener("htmx:wsAfterMessage", function () { window.__wsMessages += 1; });
"""
LIVE_TIMEOUT = 5000  # ms: a tap reaches the dashboard within a second or so; this is slack
# Written on the agreements page; the phone must show it and the PDF must contain it.
ACTION = "Stagebank voor de regio opzetten"
OWNER = "Gemeente Westland"


@pytest.mark.browser
class LiveSessionInTheBrowserTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _scoring_session(self, alice, lob):
        """alice's session on the LOB instrument, scoring its first theme with statements.

        Everything the database needs happens here, before the browser starts (see chromium()).
        """
        assert alice.check_password(ALICE_PASSWORD)
        session, self.statement = first_round(alice, lob)
        self.session = session
        self.dashboard_path = reverse("session_dashboard", args=[session.pk])
        self.agreements_path = reverse("session_agreements", args=[session.pk])

    def test_three_phones_tap_a_score_and_the_dashboard_shows_it_without_reloading(self):
        pages = {"facilitator": None, "phone": None}
        errors: list[str] = []
        with chromium() as browser:
            try:
                facilitator = self._open_dashboard(browser, errors)
                pages["facilitator"] = facilitator
                item = facilitator.locator(f"#item-{self.statement.pk}")
                expect(item).to_have_attribute("data-respondents", "0")
                facilitator.evaluate(NO_RELOAD)

                for number in (1, 2, 3):
                    phone = browser.new_context(**PHONE).new_page()
                    pages["phone"] = phone
                    phone.on("pageerror", lambda exc, n=number: errors.append(f"phone {n}: {exc}"))
                    self._join_and_tap_4(phone)
                    if number == 2:
                        # Anonymity: two answers arrive live, but no figures below three.
                        expect(item).to_have_attribute(
                            "data-respondents", "2", timeout=LIVE_TIMEOUT
                        )
                        expect(item.locator(".too-few")).to_contain_text("2 van 2")
                        expect(item.locator(".mean")).to_have_count(0)
                    if number < 3:
                        phone.context.close()

                expect(item).to_have_attribute("data-respondents", "3", timeout=LIVE_TIMEOUT)
                expect(item.locator(".x-of-y")).to_contain_text("3 van 3", timeout=LIVE_TIMEOUT)
                # Dutch number format: the dashboard speaks the facilitator's language.
                expect(item.locator(".mean")).to_have_text("4,0", timeout=LIVE_TIMEOUT)
                expect(facilitator.locator("#participant-count")).to_contain_text(
                    "3 deelnemers", timeout=LIVE_TIMEOUT
                )
                assert facilitator.evaluate("window.__noReload") == 1, "the dashboard reloaded"
                expect(facilitator.locator(".dashboard")).to_have_attribute("data-live", "open")
                assert errors == [], errors
            except BaseException:
                # Inside the with: once the browser closes there is nothing left to picture.
                for path in save_screenshots("live-session", pages):
                    print(f"screenshot: {path}")
                if errors:
                    print("JavaScript errors:", *errors, sep="\n  ")
                raise

    def test_to_the_end_agreements_appear_on_the_phone_and_the_phone_downloads_the_pdf(self):
        pages = {"facilitator": None, "phone": None}
        errors: list[str] = []
        with chromium() as browser:
            try:
                facilitator = self._open_dashboard(browser, errors)
                pages["facilitator"] = facilitator
                phone = browser.new_context(**PHONE, accept_downloads=True).new_page()
                pages["phone"] = phone
                phone.on("pageerror", lambda exc: errors.append(f"phone: {exc}"))
                self._join_and_tap_4(phone)
                # Still there at the end means the phone followed every step without a reload.
                phone.evaluate(NO_RELOAD)
                wait_until(phone, "window.reflectieSocket === true")

                # Starting the clock tells the phones too, but the scoring form on screen is kept:
                # only what the phone shows (#phone-shown) is brought up to date.
                statement = phone.locator("fieldset.statement").first
                statement.evaluate("el => { el.__kept = 1; }")
                shown = "+document.querySelector('#phone-shown input[name=v]').value"
                before = phone.evaluate(shown)
                facilitator.goto(self.live_server_url + self.agreements_path)
                facilitator.get_by_role("button", name="Klok starten").click()
                wait_until(phone, f"{shown} > {before}")
                assert statement.evaluate("el => el.__kept") == 1, "the scoring form was replaced"
                expect(statement.locator("input[value='4']")).to_be_checked()

                # The facilitator moves the room on to the follow-up from the dashboard.
                facilitator.goto(self.live_server_url + self.dashboard_path)
                facilitator.locator("#phase-followup").click()
                expect(phone.locator(".stage-followup")).to_be_visible(timeout=LIVE_TIMEOUT)
                expect(phone.locator("#phone-clock")).to_contain_text("Nog")
                expect(phone.locator("#agreements")).to_contain_text("Nog geen afspraken.")

                # ... and writes an agreement down; the phone shows it without a reload.
                facilitator.goto(self.live_server_url + self.agreements_path)
                facilitator.get_by_label("Wat gaan we doen?").fill(ACTION)
                facilitator.get_by_label("Wie is eigenaar?").fill(OWNER)
                facilitator.get_by_role("button", name="Afspraak toevoegen").click()
                written = time.monotonic()
                editor = facilitator.locator("#agreements-editor li.agreement")
                expect(editor).to_contain_text(ACTION)
                expect(phone.locator("#agreements")).to_contain_text(ACTION, timeout=LIVE_TIMEOUT)
                print(f"agreement on the phone {time.monotonic() - written:.2f}s after submit")
                expect(phone.locator("#agreements")).to_contain_text(OWNER)
                expect(phone.locator("#report-download")).to_have_count(0)

                # Closing asks for confirmation first; then every phone gets the report.
                facilitator.goto(self.live_server_url + self.dashboard_path)
                facilitator.on("dialog", lambda dialog: dialog.accept())
                facilitator.locator("#phase-closed").click()
                download = phone.get_by_role("link", name="Download het verslag (pdf)")
                expect(download).to_be_visible(timeout=LIVE_TIMEOUT)
                expect(phone.locator(".stage-closed")).to_contain_text("Bedankt voor het meedoen.")
                assert phone.evaluate("window.__noReload") == 1, "the phone reloaded"
                with phone.expect_download() as downloaded:
                    download.tap()
                pdf = Path(downloaded.value.path()).read_bytes()
                assert downloaded.value.suggested_filename.endswith(".pdf")
                assert phone.evaluate("window.__noReload") == 1, "the download navigated away"
                assert errors == [], errors
            except BaseException:
                for path in save_screenshots("to-the-end", pages):
                    print(f"screenshot: {path}")
                if errors:
                    print("JavaScript errors:", *errors, sep="\n  ")
                raise

        assert pdf.startswith(b"%PDF-")
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        flat = re.sub(r"\s+", "", text)  # a long line may wrap anywhere
        assert re.sub(r"\s+", "", ACTION) in flat
        assert re.sub(r"\s+", "", OWNER) in flat
        assert "Expertisepunt LOB" in text
        assert self.session.title in text

    def _open_dashboard(self, browser, errors: list[str]):
        """Log in through the real form, land on the dashboard, wait for the live snapshot."""
        page = browser.new_context(**DESKTOP).new_page()
        page.on("pageerror", lambda exc: errors.append(f"facilitator: {exc}"))
        page.add_init_script(COUNT_WS_MESSAGES)
        page.goto(f"{self.live_server_url}{reverse('login')}?next={self.dashboard_path}")
        page.locator("#id_username").fill("alice")
        page.locator("#id_password").fill(ALICE_PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        expect(page).to_have_url(self.live_server_url + self.dashboard_path)
        expect(page.locator(".dashboard")).to_have_attribute("data-live", "open")
        # The socket's first message is the full snapshot: from here on every change shows.
        wait_until(page, "window.__wsMessages > 0")
        expect(page.locator("#participant-count")).to_contain_text("0 deelnemers")
        return page

    def _join_and_tap_4(self, phone) -> None:
        code = self.session.code
        phone.goto(f"{self.live_server_url}/")
        # Typed as a person would copy it off the projector on a phone: lower case.
        phone.locator("#id_code").fill(code.lower())
        phone.get_by_role("button", name="Meedoen").click()
        expect(phone).to_have_url(re.compile(rf"/j/{code}/$"))
        expect(phone.get_by_role("heading", level=1)).to_have_text(self.session.title)
        phone.get_by_role("button", name="Meedoen").click()
        expect(phone).to_have_url(re.compile(rf"/s/{code}/$"))

        statement = phone.locator("fieldset.statement").first
        expect(statement).to_have_id(f"item-{self.statement.pk}")
        expect(statement).to_contain_text(self.statement.text)
        # The whole label is the touch target, not the small radio inside it.
        statement.locator("label.point").filter(has=phone.locator("input[value='4']")).tap()
        expect(statement.locator("input[value='4']")).to_be_checked()
        expect(phone.locator(f"#status-item-{self.statement.pk}")).to_have_text("opgeslagen")
