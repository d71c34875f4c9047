"""Instruments as versioned data: an instrument version with its themes and items.

A version that a session has used is frozen: editing it makes a new version (see services), so
old sessions keep exactly the statements they were scored on.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstrumentQuerySet(models.QuerySet):
    def latest_versions(self):
        """The newest version of every instrument, for choosing one to run."""
        newest = (
            Instrument.objects.filter(slug=models.OuterRef("slug"))
            .order_by("-version")
            .values("pk")[:1]
        )
        return self.filter(pk=models.Subquery(newest)).order_by("name")

    def newest(self, slug: str):
        """The newest version of one instrument, or None."""
        return self.filter(slug=slug).order_by("-version").first()


class Instrument(models.Model):
    slug = models.SlugField(_("sleutel"), max_length=80)
    version = models.PositiveIntegerField(_("versie"), default=1)
    name = models.CharField(_("naam"), max_length=200)
    language = models.CharField(_("taal van de inhoud"), max_length=10, default="nl")
    description = models.TextField(_("beschrijving"), blank=True)
    attribution_text = models.CharField(_("bron"), max_length=200, blank=True)
    attribution_url = models.URLField(_("adres van de bron"), blank=True)
    source_note = models.TextField(_("verantwoording"), blank=True)
    guide = models.TextField(_("handleiding voor de gespreksleider"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duur (minuten)"), default=60)
    followup_minutes = models.PositiveSmallIntegerField(
        _("tijd voor afspraken (minuten)"), default=15
    )
    scale_min = models.PositiveSmallIntegerField(_("laagste score"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("hoogste score"), default=5)
    scale_labels = models.JSONField(_("labels van de schaal"), default=dict, blank=True)
    dont_know_label = models.CharField(
        _("label 'weet ik niet'"), max_length=100, blank=True, default="weet ik niet"
    )
    followup_fields = models.JSONField(_("velden van een afspraak"), default=list, blank=True)
    # [{"key", "label"}]; empty means the default list (instruments.partner_types).
    partner_types = models.JSONField(_("soorten partners"), default=list, blank=True)
    # {language: {field: text}}: the instrument's own texts in other languages (translation.py).
    translations = models.JSONField(_("vertalingen"), default=dict, blank=True)
    # Hash of the data file this version was loaded from: loading the same file again is a no-op.
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instrumenten")
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="instrument_slug_version")
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def scale_points(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    def scale_label(self, point: int) -> str:
        return self.scale_labels.get(str(point), "")

    def is_used(self) -> bool:
        """True once any session runs on this version: from then on it is frozen."""
        return self.sessions.exists()


class Theme(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    key = models.SlugField(_("sleutel"), max_length=80)
    title = models.CharField(_("titel"), max_length=200)
    background_title = models.CharField(_("titel achtergrond"), max_length=200, blank=True)
    background = models.TextField(_("achtergrond om door te vragen"), blank=True)
    translations = models.JSONField(_("vertalingen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("thema")
        verbose_name_plural = _("thema's")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "key"], name="theme_key_per_instrument")
        ]

    def __str__(self):
        return self.title


def item_label(theme_title: str, number: int | None, title: str) -> str:
    """How an item is referred to on screens, phones, in agreements and the PDF: "Relatie 3".

    A numbered item by its theme and number, else by its own title, else by its theme.
    """
    if number:
        return f"{theme_title} {number}"
    return title or theme_title


class Item(models.Model):
    class Kind(models.TextChoices):
        STATEMENT = "statement", _("stelling (score)")
        PRIORITY = "priority", _("prioriteit (kies er maximaal N)")
        PROMPT = "prompt", _("gespreksvraag (alleen tonen)")
        # Each participant rates, for their own organisation, what it brings and what it gets.
        BALANCE = "balance", _("halen en brengen (twee scores)")
        # Participants type short answers; nothing links an answer to who wrote it.
        OPEN = "open", _("open vraag (korte antwoorden)")

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind, default=Kind.STATEMENT)
    number = models.PositiveSmallIntegerField(_("nummer"), null=True, blank=True)
    title = models.CharField(_("titel"), max_length=200, blank=True)
    text = models.TextField(_("tekst"))
    max_choices = models.PositiveSmallIntegerField(_("maximaal te kiezen"), null=True, blank=True)
    options = models.JSONField(_("keuzes"), default=list, blank=True)
    translations = models.JSONField(_("vertalingen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("onderdeel")
        verbose_name_plural = _("onderdelen")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return item_label(self.theme.title, self.number, self.title)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """A priority question's options as (key, label), in the instrument's order."""
        return [(option["key"], option["label"]) for option in self.options]

    @property
    def is_statement(self) -> bool:
        return self.kind == self.Kind.STATEMENT

    @property
    def is_priority(self) -> bool:
        return self.kind == self.Kind.PRIORITY

    @property
    def is_balance(self) -> bool:
        return self.kind == self.Kind.BALANCE

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN
