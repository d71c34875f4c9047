"""The projector fits its screen: no scroll at 1920×1080 and 1280×720 in any phase.

A real Chromium opens the projector of a session in each state (lobby, the look back, scoring
one theme and all at once, a discussion of revealed themes sorted by most divided, a spotlight on
a reminder and on a long background, a balance and a priority question, a conversation without
scores, the priorities, a follow-up of eight long agreements page by page, closed) and checks
that the page is no taller than the window and that every element of it ends inside it.

The state is set up with the services before each browser starts (the ORM cannot run while
Playwright's loop is active). Screenshots go to test-results/projector-fit-*.png.
"""

import pytest
from django.urls import reverse

from instruments.models import Item
from sessions import agreements, answers, history, lifecycle, notes, spotlight
from sessions.models import OpenAnswer, Session
from tests.builders import join_phones, make_scored_session, valid_agreement

from .conftest import DESKTOP, chromium, save_screenshots
from .helpers import LiveServerTests, login_cookie, open_page

SCREENS = {"1080": (1920, 1080), "720": (1280, 720)}

LONG = (
    "Organiseren van een gezamenlijke open dag voor alle scholen, gemeenten en bedrijven in de "
    "regio, met een programma voor ouders en leerlingen over loopbaankeuzes en doorstroom"
)
LONG_FIELD = (
    "Dat minstens drie van de vier scholen het programma in hun eigen loopbaanplan opnemen en "
    "dat de leerlingen in de evaluatie zeggen dat ze er iets aan hadden voor hun keuze"
)

# Everything on the projector ends inside the window, and no box hides content it cut off
# (a text clamped on purpose, .p-clamp, may; the dashboard and the PDF have it whole).
MEASURE = """() => {
  const h = window.innerHeight, w = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll(".projector *")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest(".visually-hidden")) continue;
    if (r.bottom > h + 0.5 || r.right > w + 0.5) {
      const where = `${Math.round(r.bottom)}/${Math.round(r.right)}`;
      out.push(`${el.tagName}.${el.className} ends at ${where}`);
    }
  }
  const boxes = ".p-content, .p-item, .p-agreement, .p-prompt, .p-talk-notes, .p-spot";
  for (const el of document.querySelectorAll(boxes)) {
    if (el.scrollHeight > el.clientHeight + 1) {
      out.push(`${el.tagName}.${el.className} cuts off ${el.scrollHeight - el.clientHeight}px`);
    }
  }
  return {scroll: document.documentElement.scrollHeight, inner: h, out: out};
}"""


@pytest.mark.browser
class ProjectorFitTests(LiveServerTests):
    @pytest.fixture(autouse=True)
    def _people(self, alice, instruments):
        self.alice = alice
        self.instruments = instruments
        self.cookie = login_cookie(alice)

    # States, set up with the services ------------------------------------------------------------

    def lob_session(self, **scores) -> Session:
        return make_scored_session(
            self.alice, self.instruments["lob-regio"], scores=scores or {"visie": [1, 5, 2, 4]}
        )

    def praat_session(self) -> Session:
        session = make_scored_session(self.alice, self.instruments["praatplaat-regio"], people=5)
        phones = join_phones(session, 3)
        item = Item.objects.get(theme__instrument=session.instrument, kind="balance")
        for phone, (brings, gets) in zip(phones, [(5, 1), (4, 4), (2, 5)], strict=True):
            lifecycle.open_round(session, item.theme_id)
            answers.answer_balance(phone, item.pk, str(brings), str(gets))
        return session

    def long_agreements(self, session: Session, n: int) -> None:
        for i in range(n):
            agreements.create(
                session,
                valid_agreement(
                    action=f"{i + 1}. {LONG}",
                    owner="Gemeente Westland en het Regionaal Bureau Leerplicht samen",
                    with_whom="Alle vo-scholen, het mbo, de bibliotheek en twee werkgevers",
                    success=LONG_FIELD,
                    due="2030-06-30",
                    review="2030-09-01",
                ),
            )

    def states(self):
        """(label, function giving the session to show), each set up just before its turn."""
        lob = self.instruments["lob-regio"]

        def lobby():
            return lifecycle.create_session(self.alice, lob, title="Regio", partnership_name="Oost")

        def review():
            earlier = make_scored_session(self.alice, lob, title="Najaar", partnership="Noord")
            lifecycle.set_phase(earlier, "followup")
            self.long_agreements(earlier, 5)
            lifecycle.set_phase(earlier, "closed")
            session = lifecycle.create_session(
                self.alice, lob, title="Voorjaar", partnership_name="Noord"
            )
            first = history.earlier_agreements(session)[0]
            history.review(session, first.agreement.pk, "loopt", "Half klaar, de rest in mei")
            return lifecycle.set_phase(session, "review")

        def scoring_theme():
            session = self.lob_session()
            return lifecycle.open_round(session, lob.themes.get(key="inspiratie").pk)

        def scoring_all():
            session = self.lob_session()
            lifecycle.set_scoring_mode(session, "all")
            return lifecycle.set_phase(session, "scoring")

        def discussion():
            session = self.lob_session(visie=[1, 5, 2, 4], inspiratie=[1, 1, 5, 5])
            lifecycle.set_phase(session, "discussion")
            lifecycle.change(session, phones=False, projector_sort="divided")
            lifecycle.set_revealed(session, lob.themes.get(key="visie").pk, True)
            return lifecycle.set_revealed(session, lob.themes.get(key="inspiratie").pk, True)

        def spot_prompt():
            praat = self.instruments["praatplaat-regio"]
            session = lifecycle.create_session(self.alice, praat, title="P", partnership_name="Z")
            lifecycle.set_phase(session, "discussion")
            longest = max(
                Item.objects.filter(theme__instrument=praat, kind="prompt"),
                key=lambda i: len(i.text),
            )
            return spotlight.set(session, "item", longest.pk)

        def spot_background():
            po = self.instruments["po-externe-partners"]
            session = lifecycle.create_session(self.alice, po, title="Po", partnership_name="Z")
            lifecycle.set_phase(session, "discussion")
            return spotlight.set(session, "background", po.themes.first().pk)

        def spot_answers():
            praat = self.instruments["praatplaat-regio"]
            session = lifecycle.create_session(self.alice, praat, title="P", partnership_name="Z")
            item = Item.objects.filter(theme__instrument=praat, kind="priority").first()
            OpenAnswer.objects.bulk_create(
                OpenAnswer(session=session, item=item, option="anders", text=f"{n}. {LONG}"[:300])
                for n in range(14)
            )
            lifecycle.set_phase(session, "discussion")
            return spotlight.set(session, "answers", item.pk)

        def balance():
            session = self.praat_session()
            lifecycle.set_phase(session, "discussion")
            item = Item.objects.get(theme__instrument=session.instrument, kind="balance")
            lifecycle.set_revealed(session, item.theme_id, True)
            return lifecycle.change(session, phones=False, projector_page=1)

        def priority():
            praat = self.instruments["praatplaat-regio"]
            session = lifecycle.create_session(self.alice, praat, title="P", partnership_name="Z")
            item = Item.objects.filter(theme__instrument=praat, kind="priority").first()
            lifecycle.open_round(session, item.theme_id)
            keys = [key for key, _label in item.choices]
            for phone in join_phones(session, 4):
                answers.choose(phone, item.pk, keys[: item.max_choices])
            lifecycle.set_phase(session, "discussion")
            return lifecycle.set_revealed(session, item.theme_id, True)

        def conversation():
            session = lifecycle.create_session(
                self.alice, lob, title="Gesprek", partnership_name="Z"
            )
            Session.objects.filter(pk=session.pk).update(conversation_only=True)
            visie = lob.themes.get(key="visie")
            notes.save(session, visie.pk, "\n".join([LONG_FIELD] * 4))
            return lifecycle.set_phase(Session.objects.get(pk=session.pk), "discussion")

        def priorities():
            return lifecycle.set_phase(self.lob_session(), "priorities")

        def followup():
            session = self.lob_session()
            lifecycle.set_phase(session, "priorities")
            for phone in join_phones(session, 4):
                answers.choose(phone, None, ["theme:visie", "theme:relatie", "theme:partners"])
            lifecycle.set_phase(session, "followup")
            self.long_agreements(session, 8)
            return session

        def followup_page(n):
            def show():
                session = (
                    Session.objects.filter(title="Voorjaar", phase="followup")
                    .order_by("-pk")
                    .first()
                )
                return lifecycle.change(session, phones=False, projector_page=n)

            return show

        def closed():
            session = (
                Session.objects.filter(title="Voorjaar", phase="followup").order_by("-pk").first()
            )
            return lifecycle.set_phase(session, "closed")

        return [
            ("lobby", lobby),
            ("review", review),
            ("scoring-theme", scoring_theme),
            ("scoring-all", scoring_all),
            ("discussion", discussion),
            ("spotlight-prompt", spot_prompt),
            ("spotlight-background", spot_background),
            ("spotlight-answers", spot_answers),
            ("balance", balance),
            ("priority", priority),
            ("conversation", conversation),
            ("priorities", priorities),
            ("followup-votes", followup),
            ("followup-agreements-1", followup_page(1)),
            ("followup-agreements-3", followup_page(3)),
            ("closed", closed),
        ]

    # The test -------------------------------------------------------------------------------------

    def test_the_projector_never_scrolls_in_any_phase(self):
        url = self.live_server_url
        failures = []
        for label, make in self.states():
            session = make()
            address = url + reverse("session_projector", args=[session.pk])
            with chromium() as browser:
                for size, (width, height) in SCREENS.items():
                    options = {"viewport": {"width": width, "height": height}, "locale": "nl-NL"}
                    problems: list[str] = []
                    page = open_page(browser, url, self.cookie, options, problems)
                    page.goto(address)
                    page.wait_for_load_state("load")
                    seen = page.evaluate(MEASURE)
                    save_screenshots(f"projector-fit-{label}", {size: page})
                    if seen["scroll"] > seen["inner"] or seen["out"]:
                        failures.append(f"{label} at {width}x{height}: {seen}")
                    assert problems == [], problems
                    page.context.close()
                if label == "discussion":  # the dashboard's controls name the same page
                    self.check_dashboard(browser, session)
        assert failures == [], "\n".join(failures)

    def check_dashboard(self, browser, session):
        problems: list[str] = []
        page = open_page(browser, self.live_server_url, self.cookie, DESKTOP, problems)
        page.goto(self.live_server_url + reverse("session_dashboard", args=[session.pk]))
        controls = page.locator("#projector-controls")
        assert "pagina 2 van 2" in controls.inner_text()
        assert "Inspiratie" in controls.inner_text()
        assert page.locator("#projector-sort-divided").get_attribute("aria-pressed") == "true"
        save_screenshots("projector-fit-dashboard", {"1280": page})
        assert problems == [], problems
        page.context.close()
