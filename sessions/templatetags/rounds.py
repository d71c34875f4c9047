"""Template helpers for the open round on the dashboard: how many are done, how many busy."""

from django import template

from .. import round_progress

register = template.Library()


@register.filter
def round_of(themes, participants):
    """``{% with r=open_themes|round_of:participants %}``: a RoundProgress, or None."""
    return round_progress.of_themes(themes or [], int(participants or 0))
