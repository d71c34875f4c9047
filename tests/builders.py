"""Builders for tests: plain functions that make or read test data, for every test module.

Fixtures (tests/conftest.py) give one named state each; these take arguments, so a test can build
a second session or another agreement next to the fixture's.
"""

import io
import re

from django.urls import reverse
from pypdf import PdfReader

from instruments.models import Item
from sessions import lifecycle, participation, tallies
from sessions.models import Response, Session

# An htmx request: views answer it with a fragment instead of a whole page.
HTMX = {"HTTP_HX_REQUEST": "true"}


# Sessions and their rows ------------------------------------------------------------------------


def statements_of(instrument) -> list[Item]:
    """Every statement of an instrument, theme by theme, in the order screens show them."""
    return list(
        Item.objects.filter(theme__instrument=instrument, kind="statement")
        .select_related("theme")
        .order_by("theme__position", "position", "pk")
    )


def theme_statements(theme) -> list[Item]:
    """The statements of one theme: what a round on that theme asks."""
    return list(theme.items.filter(kind="statement"))


def join_phones(session, n: int) -> list:
    """n participants who joined without a device token, as n new phones do."""
    return [participation.join(session, None)[0] for _ in range(n)]


def make_scored_session(
    facilitator,
    instrument,
    *,
    title="Voorjaar",
    partnership="Regio West",
    scores=None,
    people=4,
    default=(3, 4, 4, 5),
    hidden=(),
    close=False,
    language="nl",
):
    """A session where `people` phones scored every statement, stored in one go.

    scores: {theme key: values per person} (None is "weet ik niet"); other themes get `default`.
    hidden: items only two people scored, so they must not be shown.
    """
    session = lifecycle.create_session(
        facilitator, instrument, title=title, partnership_name=partnership, language=language
    )
    phones = join_phones(session, people)
    rows = []
    for item in statements_of(instrument):
        values = (scores or {}).get(item.theme.key, default)
        for n, (phone, value) in enumerate(zip(phones, values, strict=False)):
            if item.pk in hidden and n >= 2:
                break
            rows.append(Response(session=session, participant=phone, item=item, value=value))
    Response.objects.bulk_create(rows)
    # Loaded in one go, not tapped one by one: show them all, as a finished session would.
    tallies.publish_all(session.pk)
    if close:
        lifecycle.set_phase(session, "closed")
    return session


def valid_agreement(**extra) -> dict:
    """The two fields every agreement needs, plus `extra`: a form post or a service call."""
    return {"action": "Organiseren van een open dag", "owner": "Gemeente Westland", **extra}


def stored(session) -> Session:
    """The session as stored now: services change the row, not always the object in hand."""
    return Session.objects.get(pk=session.pk)


# Pages and documents ----------------------------------------------------------------------------


def code_url(name: str, session) -> str:
    """The address of a phone's page: phones name a session by its code, not its id."""
    return reverse(name, args=[session.code])


def fragment(html: str, fragment_id: str) -> str:
    """The element with this id, with everything inside it."""
    match = re.search(rf'<(\w+) id="{fragment_id}"', html)
    assert match, f"no element with id {fragment_id}"
    tag, depth = match.group(1), 0
    for tag_match in re.finditer(rf"<(/?){tag}[\s>]", html[match.start() :]):
        depth += -1 if tag_match.group(1) else 1
        if depth == 0:
            return html[match.start() : match.start() + tag_match.end()]
    raise AssertionError(f"element {fragment_id} is not closed")


def projector_item(session, item) -> str:
    """An item's card on the projector, from the page that holds it ("" when none does)."""
    from sessions import screens

    shown = None
    for page in range(50):  # the projector clamps to its last page: stop when it repeats
        Session.objects.filter(pk=session.pk).update(projector_page=page)
        html = screens.render_screen(session.pk, "projector")[1]["projector-content"]
        if f'id="p-item-{item.pk}"' in html:
            return fragment(html, f"p-item-{item.pk}")
        if html == shown:
            break
        shown = html
    return ""


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, to search like a page's HTML."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeeze(text: str) -> str:
    """Text without any whitespace: a long line may wrap anywhere in the PDF."""
    return re.sub(r"\s+", "", text)
