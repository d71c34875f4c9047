"""A band's words are said in one place, in the reader's language."""

import pytest
from django.utils import translation

from sessions import bands, history, screens, stats
from sessions.results import session_results


@pytest.mark.parametrize(
    ("mean", "dutch", "english"),
    [(4.2, "sterk punt", "strength"), (3.5, "aandachtspunt", None), (2.1, "zorgpunt", "concern")],
)
def test_each_band_has_its_words_in_both_languages(mean, dutch, english):
    band = stats.band(mean)
    assert bands.band_label(band) == dutch
    with translation.override("en"):
        assert bands.band_label(band) != dutch
        if english:
            assert bands.band_label(band) == english


def test_no_mean_has_no_band_and_no_words():
    assert bands.band_label(stats.band(None)) == ""


@pytest.mark.django_db
def test_the_screens_the_trends_and_the_pdf_use_the_same_words(scored_session):
    theme = session_results(scored_session.pk).themes[0]
    view = screens.theme_view(theme, participants=4, scale_min=1, scale_max=5)
    trend = history.ThemeTrend(
        key=theme.info.key, title="", current=theme.mean, previous=None, trend=None
    )
    assert view.band_label == trend.band_label == bands.band_label(theme.band) == "aandachtspunt"
