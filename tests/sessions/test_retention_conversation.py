"""Typed answers and theme notes go with their session, and the deletion summary counts them."""

import pytest

from instruments.models import Item
from sessions import retention
from sessions.models import OpenAnswer, ThemeNote
from tests.builders import make_scored_session

pytestmark = pytest.mark.django_db


def test_deleting_a_session_counts_and_takes_its_answers_and_notes(alice, lob):
    session = make_scored_session(alice, lob)
    theme = lob.themes.first()
    item = Item.objects.filter(theme=theme).first()
    first = OpenAnswer.objects.create(session=session, item=item, text="Meer stages")
    OpenAnswer.objects.create(session=session, item=item, text="Stages", merged_into=first)
    ThemeNote.objects.create(session=session, theme=theme, text="Afspraak met de gemeente")

    summary = retention.session_summary(session)
    assert summary["open_answers"] == 2
    assert summary["notes"] == 1

    retention.delete_session(session)
    assert not OpenAnswer.objects.exists()
    assert not ThemeNote.objects.exists()
