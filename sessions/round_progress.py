"""How far the room is with the open round: who is done, who is still busy.

For the facilitator, before moving on. "Done" is the theme's own figure (ThemeResult.answered:
the fewest answers among its statements, as the dashboard's "x van y hebben het thema ingevuld"
says), so the two never disagree; over several open themes it is the fewest of those. Everyone
else who joined counts as busy, also a phone that has not answered anything yet. Counts only:
nothing here says who is busy or what anyone answered.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import ngettext

from . import lifecycle
from .results import session_results


@dataclass(frozen=True)
class RoundProgress:
    theme_ids: tuple[int, ...]
    titles: tuple[str, ...]
    done: int
    participants: int

    @property
    def busy(self) -> int:
        return max(self.participants - self.done, 0)


def _title(theme) -> str:
    # A screen's ThemeView has its title; a ThemeResult keeps it in its info.
    title = getattr(theme, "title", None)
    return title if title is not None else theme.info.title


def _theme_id(theme) -> int:
    theme_id = getattr(theme, "id", None)
    return theme_id if theme_id is not None else theme.info.id


def of_themes(themes: Iterable, participants: int) -> RoundProgress | None:
    """The open themes' progress (ThemeViews or ThemeResults); None when no round with
    statements is open."""
    open_themes = [t for t in themes if t.is_open and t.statements]
    if not open_themes:
        return None
    done = min(min(t.answered for t in open_themes), participants)
    return RoundProgress(
        theme_ids=tuple(_theme_id(t) for t in open_themes),
        titles=tuple(_title(t) for t in open_themes),
        done=done,
        participants=participants,
    )


def of_session(session_id: int) -> RoundProgress | None:
    """The open round's progress as the dashboard shows it now."""
    results = session_results(session_id)
    return of_themes(results.themes, results.participants)


def left_busy(before: RoundProgress | None, session) -> str:
    """After a change: how many were still busy in a theme that is no longer open, as one
    sentence for the facilitator's status line; "" when nobody was or nothing closed."""
    if before is None or not before.busy:
        return ""
    open_now = set(lifecycle.open_themes(session))
    closed = [t for i, t in zip(before.theme_ids, before.titles, strict=True) if i not in open_now]
    if not closed:
        return ""
    return ngettext(
        "%(count)s deelnemer was nog bezig met %(themes)s.",
        "%(count)s deelnemers waren nog bezig met %(themes)s.",
        before.busy,
    ) % {"count": before.busy, "themes": ", ".join(closed)}
