"""A facilitator reads an instrument before choosing it: /instrumenten/<id>/."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from instruments.models import Instrument, Item
from instruments.services import new_version


def preview_url(instrument: Instrument) -> str:
    return reverse("instrument_preview", args=[instrument.pk])


def test_the_preview_shows_the_instrument(alice_client, lob):
    page = alice_client.get(preview_url(lob))
    assert page.status_code == 200
    text = page.text
    assert f'<h1 id="instrument-title">{escape(lob.name)}</h1>' in text
    assert escape(lob.description.split("\n")[0]) in text
    assert '<a href="https://www.expertisepuntlob.nl">Expertisepunt LOB</a>' in text
    assert "Korte handleiding" in text
    assert "60 minuten, waarvan de laatste 15 voor afspraken" in text
    assert "helemaal niet waar" in text and "helemaal waar" in text
    assert "„weet ik niet”" in text
    assert "Wat gaan we doen?" in text  # a follow-up field


def test_the_guide_keeps_its_line_breaks(alice_client, lob):
    lob.guide = "Eerste regel\nTweede regel\n\nNieuwe alinea"
    lob.save()
    text = alice_client.get(preview_url(lob)).text
    assert "<p>Eerste regel<br>Tweede regel</p>" in text
    assert "<p>Nieuwe alinea</p>" in text


def test_the_themes_and_their_statements_are_shown_in_order(alice_client, lob):
    text = alice_client.get(preview_url(lob)).text
    places = []
    for theme in lob.themes.all():
        places.append(text.index(f'id="theme-{theme.key}-title">{escape(theme.title)}</h3>'))
        for item in theme.items.all():
            places.append(text.index(escape(item.text), places[-1]))
    assert places == sorted(places)


def test_the_background_is_in_a_collapsible_details(alice_client, lob):
    theme = lob.themes.exclude(background="").first()
    text = alice_client.get(preview_url(lob)).text
    details = text[text.index(f'id="theme-{theme.key}"') :]
    details = details[details.index("<details") : details.index("</details>")]
    assert "<summary>" in details
    assert escape(theme.background.split("\n")[0]) in details


def test_prompts_priorities_and_balance_items_are_shown(alice_client, instruments):
    praatplaat = instruments["praatplaat-regio"]
    text = alice_client.get(preview_url(praatplaat)).text
    items = Item.objects.filter(theme__instrument=praatplaat)
    prompt = items.filter(kind=Item.Kind.PROMPT).first()
    priority = items.filter(kind=Item.Kind.PRIORITY).first()
    assert escape(prompt.text.split("\n")[0]) in text
    assert escape(priority.text) in text
    for _key, label in priority.choices:
        assert f"<li>{escape(label)}" in text  # "Anders" adds "(met een tekstveld)"
    assert f"Deelnemers kiezen er maximaal {priority.max_choices}." in text


def test_a_balance_item_is_explained(alice_client, lob):
    theme = lob.themes.first()
    Item.objects.create(
        theme=theme, position=99, kind=Item.Kind.BALANCE, text="Wat halen en brengen wij?"
    )
    text = alice_client.get(preview_url(lob)).text
    assert "Halen en brengen" in text
    assert "Wat halen en brengen wij?" in text
    assert (
        "Deelnemers geven hun eigen organisatie twee scores: wat ze brengen en wat ze halen."
        in text
    )


def test_an_older_version_points_to_the_newest(alice_client, lob):
    newer = new_version(lob)
    text = alice_client.get(preview_url(lob)).text
    assert f'href="{preview_url(newer)}"' in text
    assert 'id="newer-version"' not in alice_client.get(preview_url(newer)).text


def test_an_unknown_instrument_is_a_404(alice_client, instruments):
    unknown = Instrument.objects.order_by("-pk").first().pk + 1
    assert alice_client.get(f"/instrumenten/{unknown}/").status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login(client, lob):
    answer = client.get(preview_url(lob))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))


def test_the_new_session_page_links_to_each_instruments_preview(alice_client, instruments):
    lob = instruments["lob-regio"]
    older = lob
    newer = new_version(lob)
    text = alice_client.get(reverse("session_new")).text
    for instrument in Instrument.objects.latest_versions():
        assert f'<a href="{preview_url(instrument)}">{escape(instrument.name)}</a>' in text
    assert f'href="{preview_url(newer)}"' in text
    assert f'href="{preview_url(older)}"' not in text
    assert "Bekijk de instrumenten" in text
