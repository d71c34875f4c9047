"""How an item is named on screens, phones, in agreements and the PDF: one rule."""

import pytest

from instruments.models import Item, item_label
from sessions import agreements, lifecycle, results


def test_a_numbered_item_is_named_by_its_theme_and_number():
    assert item_label("Relatie", 3, "") == "Relatie 3"


def test_an_unnumbered_item_is_named_by_its_title_or_else_its_theme():
    assert item_label("Prioriteiten", None, "Regionale opgaven") == "Regionale opgaven"
    assert item_label("Prioriteiten", None, "") == "Prioriteiten"


@pytest.mark.django_db
def test_the_model_the_results_and_the_agreements_name_an_item_alike(alice, instruments):
    praat = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Zuid")
    shown = {
        item.info.id: item.label
        for theme in results.session_results(session.pk).themes
        for item in theme.items
    }
    choices = dict(agreements.reference_choices(session))
    for kind in (Item.Kind.STATEMENT, Item.Kind.PRIORITY):
        item = (
            Item.objects.select_related("theme").filter(theme__instrument=praat, kind=kind).first()
        )
        assert shown[item.pk] == item.label
        assert choices[f"item:{item.pk}"].startswith(f"— {item.label}: ")
