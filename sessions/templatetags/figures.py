"""{% load figures %}: {{ value|number:2 }} writes a figure as screens, the PDF and the CSV do."""

from django import template

from sessions.formatting import number as format_number

register = template.Library()


@register.filter
def number(value, places=1):
    """The figure rounded half up with `places` decimals in the active language; "" for None."""
    try:
        places = int(places)
    except (TypeError, ValueError):
        places = 1
    return format_number(value, places)
