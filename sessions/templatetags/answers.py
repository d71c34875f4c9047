"""Template helpers for typed answers on the dashboard."""

from django import template

register = template.Library()


@register.filter
def newer_than(block, upto):
    """How many of a question's answers (not hidden) came after those on the projector."""
    return block.newer_than(upto)
