"""What the screens show of each question, held back so that no step reveals one person.

The rule (DESIGN.md, "How results are read"): a question's shown counts (``Tally.shown``) are
replaced by its current counts only when

1. at least ``MIN_STEP`` participants have answered, changed their answer or left since the
   counts were last replaced, and
2. for a statement or a balance item ("halen en brengen"), the difference is not exactly one
   answer's worth (one answer added, one taken away, or one moved from one score or pair to
   another): changes that cancel out could otherwise leave one person's answer as the whole
   step.

Until then every screen, the PDF and the CSV keep the old counts. How many have answered
("x van y") moves live: it tells that someone answered, never what.

A tap does no tally work: it stamps its answer with the session's next version
(``Response.seq``; answers.py). Whoever reads results first brings the tallies up to date
(``publish``, called by results.session_results): the participants stamped after a tally's
own ``seq``, plus those listed in ``pending`` (who left, or moved to another group), are the
ones changed since. Publishing holds the session row's lock, which every change to an answer
takes too before it commits, so the answers it counts are exactly those stamped up to the
version it read. With the screens re-rendering a few times a second, a room's taps are
counted a burst at a time instead of one query-heavy step per tap.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F

from instruments.models import Item

from . import lifecycle
from .models import BalanceAnswer, Participant, PriorityChoice, Response, Session, Tally
from .stats import MIN_RESPONDENTS

#: Fewest participants whose changes a screen may show in one step (the same 3 as the floor).
MIN_STEP = 3

#: The key under which a statement's "weet ik niet" answers are counted in ``Tally.shown``.
DONT_KNOW = "?"

STATEMENT, PRIORITY, BALANCE = Item.Kind.STATEMENT, Item.Kind.PRIORITY, Item.Kind.BALANCE
#: Where each kind of question keeps its answers (one row per participant and answer).
ANSWERS = ((Response, STATEMENT), (PriorityChoice, PRIORITY), (BalanceAnswer, BALANCE))


def _answered_items(**where) -> list[tuple[int | None, str]]:
    """(item id, kind) of every question with an answer matching ``where``."""
    return [
        (item_id, kind)
        for model, kind in ANSWERS
        for item_id in set(model.objects.filter(**where).values_list("item_id", flat=True))
    ]


def pair_key(brings: int, gets: int) -> str:
    """How a balance item's ``Tally.shown`` names a pair: {"<brings>-<gets>": count}."""
    return f"{brings}-{gets}"


def pairs(shown: dict) -> dict[tuple[int, int], int]:
    """A balance item's shown counts as {(brings, gets): count}."""
    result = {}
    for key, n in shown.items():
        brings, gets = key.split("-")
        result[int(brings), int(gets)] = n
    return result


def record(session_id: int, item_id: int | None, participant_ids: Iterable[int]) -> None:
    """List participants as changed on this question when no stamped answer says so: picks in
    a vote, a balance item's pair, a participant who left, or one who moved to another group.
    The next ``publish`` counts them. Call it inside the transaction that stored the change.

    ``item_id`` None is the session's own priority vote.
    """
    # The session row first, as publish() takes it, so the two never wait for each other's
    # locks in the opposite order (PostgreSQL; SQLite has one writer at a time anyway).
    Session.objects.filter(pk=session_id).update(stamped=F("version") + 1)
    tally = _locked_tally(session_id, item_id)
    tally.pending = sorted(set(tally.pending) | set(participant_ids))
    tally.save(update_fields=["pending"])


def needs_publish(session: Session) -> bool:
    return session.stamped > session.tallied


def publish(session_id: int) -> None:
    """Bring every question's shown counts up to date, as far as the rule allows.

    Only needed when an answer changed since the last time (``Session.stamped``, set with
    every change to an answer, is above ``Session.tallied``): callers that read the session
    row anyway check that first (``needs_publish``). One transaction reads what changed since
    and the counts of the questions that may step.
    """
    with transaction.atomic():
        version, stamped, tallied = (
            Session.objects.select_for_update()
            .filter(pk=session_id)
            .values_list("version", "stamped", "tallied")
            .get()
        )
        if stamped <= tallied:  # another reader was first
            return
        _publish(session_id, version, tallied)
        Session.objects.filter(pk=session_id).update(tallied=version, stamped=version)


def _publish(session_id: int, version: int, tallied: int) -> None:
    tallies = {t.item_id: t for t in Tally.objects.filter(session_id=session_id)}
    since = min([tallied] + [t.seq for t in tallies.values()])
    changed: dict[int, set[int]] = {}
    for item_id, participant_id, seq in Response.objects.filter(
        session_id=session_id, seq__gt=since
    ).values_list("item_id", "participant_id", "seq"):
        tally = tallies.get(item_id)
        if tally is None or seq > tally.seq:
            changed.setdefault(item_id, set()).add(participant_id)
    # A question without a tally has counted nobody yet: everyone who answered it is pending.
    new = [item_id for item_id in changed if item_id not in tallies]
    for item_id, participant_id in Response.objects.filter(
        session_id=session_id, item_id__in=new
    ).values_list("item_id", "participant_id"):
        changed[item_id].add(participant_id)
    pending = {item_id: set(who) for item_id, who in changed.items()}
    for item_id, tally in tallies.items():
        if tally.pending:
            pending.setdefault(item_id, set()).update(tally.pending)
    ready = [item_id for item_id, who in pending.items() if len(who) >= MIN_STEP]
    # Stamped answers are scores; the session's vote (None) counts picks.
    kinds = {item_id: STATEMENT if item_id in changed else PRIORITY for item_id in ready}
    listed_only = [item_id for item_id in ready if item_id is not None and item_id not in changed]
    if listed_only:  # someone left, moved, picked or gave a pair: any kind of question
        kinds.update(Item.objects.filter(pk__in=listed_only).values_list("pk", "kind"))
    counts = _statement_counts(session_id, {i for i, kind in kinds.items() if kind == STATEMENT})
    for item_id in ready:
        kind = kinds[item_id]
        tally = tallies.get(item_id) or Tally(session_id=session_id, item_id=item_id)
        current = (
            counts.get(item_id, {})
            if kind == STATEMENT
            else current_counts(session_id, item_id, kind=kind)
        )
        if step_allowed(tally.shown, current, kind=kind):
            tally.shown, tally.pending, tally.seq = current, [], version
            tally.save()


def _statement_counts(session_id: int, item_ids: set[int]) -> dict[int, dict]:
    """``current_counts`` of several statements in one query."""
    counts: dict[int, dict[str, dict[str, int]]] = {item_id: {} for item_id in item_ids}
    if not item_ids:
        return counts
    for item_id, partner_type, value, n in (
        Response.objects.filter(session_id=session_id, item_id__in=item_ids)
        .values_list("item_id", "participant__partner_type", "value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        key = DONT_KNOW if value is None else str(value)
        counts[item_id].setdefault(partner_type, {})[key] = n
    return counts


def withdraw(participant: Participant) -> None:
    """Remove a participant for good: the row, their answers and picks.

    Their answers leave the screens with the next step of each question (so no screen shows one
    person's answers disappearing); until then only the anonymous counts still hold them.
    """
    session_id = participant.session_id
    with transaction.atomic():
        answered = {item_id for item_id, _kind in _answered_items(participant=participant)}
        pk = participant.pk
        participant.delete()
        for item_id in answered:
            record(session_id, item_id, [pk])
        lifecycle.touch(session_id)


def partner_type_changed(participant: Participant) -> None:
    """A participant moved to another group: their answers move in the breakdown with a step."""
    item_ids = Response.objects.filter(participant=participant).values_list("item_id", flat=True)
    for item_id in list(item_ids):
        record(participant.session_id, item_id, [participant.pk])


def current_counts(session_id: int, item_id: int | None, *, kind: str) -> dict:
    """The counts as stored right now, in the form of ``Tally.shown``."""
    if kind == STATEMENT:
        return _statement_counts(session_id, {item_id})[item_id]
    if kind == BALANCE:
        return {
            pair_key(brings, gets): n
            for brings, gets, n in BalanceAnswer.objects.filter(
                session_id=session_id, item_id=item_id
            )
            .values_list("brings", "gets")
            .annotate(n=Count("id"))
            .order_by()
        }
    return {
        option: n
        for option, n in PriorityChoice.objects.filter(session_id=session_id, item_id=item_id)
        .values_list("option")
        .annotate(n=Count("id"))
        .order_by()
    }


def totals(shown: dict) -> dict[str, int]:
    """A statement's counts over all groups: {score or DONT_KNOW: n}."""
    total: dict[str, int] = {}
    for group in shown.values():
        for key, n in group.items():
            total[key] = total.get(key, 0) + n
    return total


def step_allowed(shown: dict, current: dict, *, kind: str) -> bool:
    """Whether the screens may go from ``shown`` to ``current`` (the caller checked MIN_STEP)."""
    if kind == BALANCE:
        # Below the floor nothing of the pairs is shown, but a hidden state in between must not
        # let two shown ones differ by one pair: the rule holds for every step.
        return not _one_answer_apart(shown, current)
    if kind != STATEMENT:
        return True
    before, after = totals(shown), totals(current)
    if _one_answer_apart(before, after):
        return False
    # Below the floor a screen shows only how many scored and how many did not know.
    if min(_scored(before), _scored(after)) < MIN_RESPONDENTS:
        return not _one_answer_apart(_visible_below_floor(before), _visible_below_floor(after))
    return True


def _one_answer_apart(before: dict[str, int], after: dict[str, int]) -> bool:
    added = removed = 0
    for key in before.keys() | after.keys():
        delta = after.get(key, 0) - before.get(key, 0)
        if delta > 0:
            added += delta
        else:
            removed -= delta
    # (1, 0): one new answer; (0, 1): one gone; (1, 1): one moved.
    return max(added, removed) == 1


def _scored(total: dict[str, int]) -> int:
    return sum(n for key, n in total.items() if key != DONT_KNOW)


def _visible_below_floor(total: dict[str, int]) -> dict[str, int]:
    return {"scored": _scored(total), DONT_KNOW: total.get(DONT_KNOW, 0)}


def publish_all(session_id: int) -> None:
    """Show every question's stored counts as they are, skipping the rule.

    Only for answers that were loaded in bulk, where nobody watched them arrive one by one
    (test and demo data): a live session always goes through ``publish``.
    """
    questions = _answered_items(session_id=session_id)
    with transaction.atomic():
        version = Session.objects.filter(pk=session_id).values_list("version", flat=True).get()
        for item_id, kind in questions:
            tally = _locked_tally(session_id, item_id)
            tally.shown = current_counts(session_id, item_id, kind=kind)
            tally.pending = []
            tally.seq = version
            tally.save(update_fields=["shown", "pending", "seq"])
        Session.objects.filter(pk=session_id).update(tallied=version, stamped=version)


def shown_for_session(session_id: int) -> dict[int | None, dict]:
    """Every question's shown counts in one query: {item id (None = session vote): shown}."""
    return dict(Tally.objects.filter(session_id=session_id).values_list("item_id", "shown"))


def _locked_tally(session_id: int, item_id: int | None) -> Tally:
    tally, _created = Tally.objects.select_for_update().get_or_create(
        session_id=session_id, item_id=item_id
    )
    return tally
