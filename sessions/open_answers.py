"""Short typed answers: to an open question, or the text of an option such as "Anders".

An answer is stored without its participant (models.OpenAnswer), so no screen, export or order
of updates can tie it to a person. The facilitator hides an answer or merges it into another;
what is left is "shown": on the projector when spotlighted, in the PDF and in the CSV.
"""

from dataclasses import dataclass

from .models import OpenAnswer


@dataclass(frozen=True)
class ShownAnswer:
    text: str
    option: str  # the option key for an option's text, "" for an open question
    count: int  # this answer and those merged into it


def shown_by_item(session_id: int) -> dict[int, list[ShownAnswer]]:
    """Per item, its shown answers in the order they came in, merged ones counted in."""
    rows = list(
        OpenAnswer.objects.filter(session_id=session_id, hidden=False).values_list(
            "pk", "item_id", "option", "text", "merged_into_id"
        )
    )
    merged: dict[int, int] = {}
    for _pk, _item, _option, _text, into in rows:
        if into is not None:
            merged[into] = merged.get(into, 0) + 1
    shown: dict[int, list[ShownAnswer]] = {}
    for pk, item_id, option, text, into in rows:
        if into is None:
            shown.setdefault(item_id, []).append(ShownAnswer(text, option, 1 + merged.get(pk, 0)))
    return shown
