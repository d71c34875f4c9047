"""Notes per theme, kept by the facilitator or a co-writer while the group talks."""

from .models import ThemeNote


def by_theme(session_id: int) -> dict[int, str]:
    """Theme id → its note, for themes with something written."""
    return {
        theme_id: text
        for theme_id, text in ThemeNote.objects.filter(session_id=session_id)
        .exclude(text="")
        .values_list("theme_id", "text")
    }
