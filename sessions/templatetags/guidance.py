"""Template helpers for the instrument's own guidance and the notes beside each theme."""

import re

from django import template

from instruments.translation import text as translated

register = template.Library()

_PARAGRAPHS = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*[-•]\s+")


@register.filter
def guide_blocks(instrument) -> list[dict]:
    """The guide (Korte handleiding) as blocks: {"kind": "p", "text"} or {"kind": "ul", "items"}.

    The data format is plain text: paragraphs split by a blank line, a line starting with "- "
    is a bullet; bullets that follow each other, also across blank lines, form one list.
    """
    guide = translated(instrument, "guide", getattr(instrument, "guide", "")) or ""
    blocks: list[dict] = []
    for paragraph in _PARAGRAPHS.split(guide.replace("\r\n", "\n").strip()):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = [_BULLET.sub("", line).strip() for line in lines]
            if blocks and blocks[-1]["kind"] == "ul":
                blocks[-1]["items"].extend(items)
            else:
                blocks.append({"kind": "ul", "items": items})
        else:
            blocks.append({"kind": "p", "text": "\n".join(line.strip() for line in lines)})
    return blocks


@register.filter
def note_of(notes: dict | None, theme_id) -> dict | None:
    """The editor's entry for this theme from a {theme id: entry} map (views.notes)."""
    return (notes or {}).get(theme_id)
