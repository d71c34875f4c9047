"""Live sessions: a partnership meets, participants join with a code and score statements.

The database is the truth: every answer is one row per (participant, item), and a session's
`version` goes up with every change so screens can tell that they are behind.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from instruments.models import Instrument, Item, Theme


class Partnership(models.Model):
    """A group of partners that meets more than once; its sessions are compared over time."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partnerships"
    )
    name = models.CharField(_("samenwerkingsverband"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("samenwerkingsverband")
        verbose_name_plural = _("samenwerkingsverbanden")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="partnership_name_per_owner")
        ]

    def __str__(self):
        return self.name


class PartnershipMember(models.Model):
    """A colleague who sees and runs the partnership's sessions; the owner adds and removes them."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_partnerships"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lid van een samenwerkingsverband")
        verbose_name_plural = _("leden van samenwerkingsverbanden")
        constraints = [
            models.UniqueConstraint(fields=["partnership", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"member {self.user_id} of partnership {self.partnership_id}"


class Session(models.Model):
    class Phase(models.TextChoices):
        LOBBY = "lobby", _("Aanmelden")
        REVIEW = "review", _("Terugblik op eerdere afspraken")
        SCORING = "scoring", _("Scoren")
        DISCUSSION = "discussion", _("Bespreken")
        PRIORITIES = "priorities", _("Prioriteiten")
        FOLLOWUP = "followup", _("Afspraken maken")
        CLOSED = "closed", _("Afgesloten")

    class Mode(models.TextChoices):
        THEME = "theme", _("Eén thema tegelijk")
        ALL = "all", _("Alles tegelijk")

    class Sort(models.TextChoices):
        INSTRUMENT = "", _("in de volgorde van het instrument")
        DIVIDED = "divided", _("meest verdeeld eerst")
        LOWEST = "lowest", _("laagste eerst")

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="sessions")
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitated_sessions"
    )
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("titel"), max_length=200)
    code = models.CharField(_("code"), max_length=6, db_index=True)
    language = models.CharField(_("taal"), max_length=10, default="nl")
    phase = models.CharField(_("fase"), max_length=20, choices=Phase, default=Phase.LOBBY)
    scoring_mode = models.CharField(max_length=10, choices=Mode, default=Mode.THEME)
    current_theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Theme ids whose distributions the facilitator has shown on the projector.
    revealed_theme_ids = models.JSONField(default=list, blank=True)
    locked = models.BooleanField(_("gesloten voor nieuwe deelnemers"), default=False)
    # What the facilitator put on the projector over everything else (spotlight.py):
    # {} for nothing, else {"kind": "item" | "background" | "answers", "id": item or theme id}.
    spotlight = models.JSONField(default=dict, blank=True)
    # Which page of the current phase the projector shows, and how a revealed theme is sorted.
    projector_page = models.PositiveSmallIntegerField(default=0)
    projector_sort = models.CharField(max_length=10, choices=Sort, blank=True, default="")
    # Only the conversation: phones score nothing, the projector walks the statements.
    conversation_only = models.BooleanField(_("alleen het gesprek, zonder scores"), default=False)
    # Goes up with every change (answers included): screens compare it to what they show.
    version = models.PositiveBigIntegerField(default=0)
    # Goes up only when what phones show changes (phase, open round, lock): phones poll on it.
    phase_version = models.PositiveBigIntegerField(default=0)
    # The version of the last change to an answer, and the one up to which every tally has
    # counted them (tallies.publish): a render reads the tallies again only when they differ.
    stamped = models.PositiveBigIntegerField(default=0)
    tallied = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The hour (see timer.py): planned length, the follow-up part at its end, and the clock.
    duration_minutes = models.PositiveSmallIntegerField(_("duur (minuten)"), default=60)
    followup_minutes = models.PositiveSmallIntegerField(_("tijd voor afspraken"), default=15)
    extra_minutes = models.PositiveSmallIntegerField(default=0)
    timer_started_at = models.DateTimeField(null=True, blank=True)
    timer_paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")
        ordering = ["-created_at"]
        # Seeing every facilitator's sessions is this permission, never is_staff alone.
        permissions = [
            ("view_all_sessions", _("Kan alle sessies en samenwerkingsverbanden zien")),
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"

    @property
    def is_closed(self) -> bool:
        return self.phase == self.Phase.CLOSED


class Participant(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    # SHA-256 of the random token the server gave this phone for this session (a fresh one per
    # session, so one phone cannot be linked across sessions); the token itself is not stored.
    token_hash = models.CharField(max_length=64)
    # A key of the instrument's partner types (instruments.partner_types), or "".
    partner_type = models.CharField(_("soort partner"), max_length=40, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "token_hash"], name="one_participant_per_device"
            )
        ]

    def __str__(self):
        return f"participant {self.pk}"


class Response(models.Model):
    """One answer per participant and statement; value None means "weet ik niet"."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="responses")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The session's version when this answer last changed: what the tallies have not yet
    # counted is stamped after their own ``seq`` (tallies.publish).
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "item"], name="one_answer_per_item")
        ]
        indexes = [
            models.Index(fields=["session", "item"]),
            models.Index(fields=["session", "seq"], name="live_response_changed"),
        ]

    def __str__(self):
        return f"answer to item {self.item_id}"


class BalanceAnswer(models.Model):
    """Halen en brengen: what the participant's own organisation brings and gets (1–5 each).

    One row per participant and balance item. Screens read only the tally of the pairs, never
    these rows (tallies.py), and show it from the anonymity floor up.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="balance_answers")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="balance_answers"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    brings = models.PositiveSmallIntegerField()
    gets = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "item"], name="one_balance_per_item")
        ]
        indexes = [models.Index(fields=["session", "item"])]

    def __str__(self):
        return f"balance answer to item {self.item_id}"


class OpenAnswer(models.Model):
    """A short typed answer to an open question, or the text of an option such as "Anders".

    Deliberately without a participant: nothing links an answer to who typed it, so it cannot
    be changed or withdrawn either. The facilitator hides an answer or merges it into another
    (``merged_into``); hidden answers appear nowhere but the facilitator's list.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="open_answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    # The option key for an option's text ("anders"); "" for an open question.
    option = models.CharField(max_length=80, blank=True)
    text = models.CharField(max_length=300)
    hidden = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["session", "item"])]

    def __str__(self):
        return self.text[:40]


class ThemeNote(models.Model):
    """What the facilitator (or a co-writer) wrote down while a theme was discussed."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="notes")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "theme"], name="one_note_per_theme")
        ]

    def __str__(self):
        return f"note on theme {self.theme_id} in session {self.session_id}"


class Tally(models.Model):
    """What the screens show of one question, and who has changed an answer since.

    Screens never read answers directly: they read ``shown``, which is replaced by the current
    counts only when at least three participants have answered or changed since it was last
    replaced (``tallies.py``), so no two states a screen shows differ by one person's answer.
    ``item`` None is the session's own priority vote.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="tallies")
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Statements: {partner type ("" = none): [count per scale point..., weet ik niet]}.
    # Votes: {option key: count}. Aggregates only: nothing in here names a participant.
    shown = models.JSONField(default=dict)
    # Ids of the participants who left or moved to another group since ``shown`` was replaced
    # (answers stamped after ``seq`` are pending as well, without being listed here).
    pending = models.JSONField(default=list)
    # The session's version whose answers ``shown`` was last replaced with.
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "item"],
                condition=models.Q(item__isnull=False),
                name="one_tally_per_item",
            ),
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(item__isnull=True),
                name="one_tally_per_session_vote",
            ),
        ]

    def __str__(self):
        return f"tally of item {self.item_id} in session {self.session_id}"


class PriorityChoice(models.Model):
    """A participant's pick, up to a maximum.

    With an item: one of that priority item's options. Without: the session's own vote on which
    themes or statements need attention (option "theme:<key>" or "item:<id>").
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="priority_choices")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="priority_choices"
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    option = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item", "option"],
                condition=models.Q(item__isnull=False),
                name="one_pick_per_item_option",
            ),
            models.UniqueConstraint(
                fields=["participant", "option"],
                condition=models.Q(item__isnull=True),
                name="one_pick_per_session_option",
            ),
        ]
        indexes = [models.Index(fields=["session", "item"])]

    def __str__(self):
        return self.option


class Agreement(models.Model):
    """A follow-up agreement; its fields are those of the instrument's Follow-up plaat."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agreements")
    position = models.PositiveSmallIntegerField(default=0)
    # {field key: text}, keys from session.instrument.followup_fields.
    fields = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return str(self.fields.get("action", ""))[:60] or f"agreement {self.pk}"


class AgreementReview(models.Model):
    """How an earlier session's agreement went, looked at in a later session."""

    class Status(models.TextChoices):
        DONE = "gedaan", _("gedaan")
        ONGOING = "loopt", _("loopt nog")
        STOPPED = "gestopt", _("gestopt")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(max_length=10, choices=Status, blank=True)
    note = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "session"], name="one_review_per_session")
        ]

    def __str__(self):
        return f"{self.get_status_display()}: {self.note[:40]}"


class ShareLink(models.Model):
    """An unguessable link for partners who were not there; the facilitator can revoke it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="share_links")
    # SHA-256 of the token in the link; the link itself is shown once, when it is made.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"share link {self.pk} of session {self.session_id}"
