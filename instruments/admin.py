"""Instruments in the admin: an instrument with its themes inline, a theme with its items inline.

Django has no nested inlines, so items are edited on the theme's own page (linked from the
instrument). A version that a session has used is frozen: the admin shows it read-only and offers
to copy it into a new version, so old sessions keep exactly the statements they were scored on.

The forms check what they store with the file validator itself (validation.validate on a small
skeleton document), so the admin cannot store an instrument that the loader or the export would
refuse.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from reflectie.free_text import refusal_message, refused_character

from .models import Instrument, Item, Theme
from .services import export, new_version
from .uploads import MAX_UPLOAD_BYTES, download, load_upload, shown_name
from .validation import MAX_DEPTH, InstrumentFileError, nesting_too_deep, validate


def _is_frozen(instrument: Instrument | None) -> bool:
    """True when a session has used this version. Cached on the instance for one request."""
    if instrument is None or instrument.pk is None:
        return False
    if not hasattr(instrument, "_admin_frozen"):
        count = getattr(instrument, "_session_count", None)
        instrument._admin_frozen = bool(count) if count is not None else instrument.is_used()
    return instrument._admin_frozen


def _skeleton(themes: list | None = None, **fields) -> dict:
    """The smallest valid instrument file, with the parts a form wants checked filled in."""
    data = {
        "format": 1,
        "slug": "x",
        "name": "x",
        "themes": themes or [{"key": "x", "title": "x", "items": [{"text": "x"}]}],
    }
    data.update(fields)
    return data


def _report(form: forms.BaseForm, exc: InstrumentFileError, prefix="", aliases=None) -> None:
    """Attach a validator error to the form field it is about (or to the form as a whole).

    The validator speaks in file paths ("scale.labels.7", "themes[0].items[0].options[1].key");
    the part below the field ("7", "[1].key") stays in the message so the editor can find it.
    """
    relative = exc.path.removeprefix(prefix)
    field = relative.split("[")[0].split(".")[0]
    for alias, name in (aliases or {}).items():
        if relative == alias or relative.startswith(alias + "."):
            field, relative = name, name + relative.removeprefix(alias)
            break
    detail = relative.removeprefix(field).lstrip(".")
    message = f"{detail}: {exc.message}" if detail else exc.message
    if field in form.fields and not form.fields[field].disabled:
        form.add_error(field, message)
    else:
        form.add_error(None, exc.in_file)


class InstrumentJSONField(forms.JSONField):
    """A JSON box held to the file's rules before anything else looks at it: no deeper than a
    file may be (a deep box would end in a RecursionError), and no string, key or value, with
    a character the free-text rule refuses (the box is stored as typed, unknown keys too)."""

    def to_python(self, value):
        if isinstance(value, str) and nesting_too_deep(value) is not None:
            raise ValidationError(gettext("te diep genest: hooguit %s niveaus") % MAX_DEPTH)
        parsed = super().to_python(value)
        for text in _strings(parsed):
            char = refused_character(text)
            if char is not None:
                raise ValidationError(refusal_message(char))
        return parsed

    def bound_data(self, data, initial):
        # Showing the form again parses the box too: not when it is too deep to parse.
        if isinstance(data, str) and nesting_too_deep(data) is not None:
            return forms.fields.InvalidJSONInput(data)
        return super().bound_data(data, initial)


def _strings(value):
    """Every string in parsed JSON, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- Instrument -------------------------------------------------------------------------------


class InstrumentUploadForm(forms.Form):
    """The file for "Instrument uploaden"; what is in it is checked by the loader's validator."""

    file = forms.FileField(
        label=_("Instrumentbestand (JSON)"),
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
        error_messages={
            "required": _("Kies een bestand om te uploaden."),
            "missing": _("Kies een bestand om te uploaden."),
            "invalid": _("Dit is geen bestand. Kies een bestand om te uploaden."),
            "empty": _("Het bestand is leeg."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per request: a lazy text with a placeholder would be translated once.
        self.fields["file"].help_text = gettext(
            "Een JSON-bestand in het formaat van instruments/data/, hooguit %(size)s kB."
        ) % {"size": MAX_UPLOAD_BYTES // 1024}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before the file is read: the size comes with the upload.
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                gettext("%(file)s: is te groot: hooguit %(size)s kB.")
                % {"file": shown_name(upload.name), "size": MAX_UPLOAD_BYTES // 1024}
            )
        return upload


# Where the file format and the model differ in name.
_INSTRUMENT_ALIASES = {
    "scale.min": "scale_min",
    "scale.max": "scale_max",
    "scale.labels": "scale_labels",
    "scale.dont_know": "dont_know_label",
    "attribution.text": "attribution_text",
    "attribution.url": "attribution_url",
}

_INSTRUMENT_FIELDS = (
    "slug",
    "name",
    "language",
    "description",
    "attribution_text",
    "attribution_url",
    "source_note",
    "guide",
    "duration_minutes",
    "followup_minutes",
    "scale_min",
    "scale_max",
    "scale_labels",
    "dont_know_label",
    "followup_fields",
    "partner_types",
)


class _ShowsTranslations:
    """A read-only "vertalingen" field: an object's translations as the file has them. They are
    edited in the file (upload), not here."""

    @admin.display(description=_("vertalingen"))
    def translations_shown(self, obj) -> str:
        if obj is None or not obj.translations:
            return "—"
        text = json.dumps(obj.translations, ensure_ascii=False, indent=2)
        return format_html('<pre class="translations">{}</pre>', text)


class InstrumentForm(forms.ModelForm):
    # Declared to say which scheme a bare "www.…" gets (Django 6 changes the default).
    attribution_url = forms.URLField(
        label=Instrument._meta.get_field("attribution_url").verbose_name,
        max_length=200,
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Instrument
        fields = _INSTRUMENT_FIELDS
        field_classes = {
            "scale_labels": InstrumentJSONField,
            "followup_fields": InstrumentJSONField,
            "partner_types": InstrumentJSONField,
        }

    def clean_scale_labels(self):
        # An emptied JSON box means "no labels", not SQL NULL (the column is NOT NULL).
        value = self.cleaned_data.get("scale_labels")
        return {} if value is None else value

    def clean_followup_fields(self):
        value = self.cleaned_data.get("followup_fields")
        return [] if value is None else value

    def clean_partner_types(self):
        # Empty: the default list (instruments.partner_types).
        value = self.cleaned_data.get("partner_types")
        return [] if value is None else value

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if self.instance.pk is None and Instrument.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _(
                    "Er bestaat al een instrument met deze sleutel. Open de nieuwste versie "
                    "daarvan om te bewerken, of maak er een nieuwe versie van."
                )
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        value = {
            name: cleaned.get(name, getattr(self.instance, name)) for name in _INSTRUMENT_FIELDS
        }
        data = _skeleton(
            slug=value["slug"],
            name=value["name"],
            language=value["language"],
            description=value["description"],
            attribution={"text": value["attribution_text"], "url": value["attribution_url"]},
            source_note=value["source_note"],
            guide=value["guide"],
            duration_minutes=value["duration_minutes"],
            followup_minutes=value["followup_minutes"],
            scale={
                "min": value["scale_min"],
                "max": value["scale_max"],
                "labels": value["scale_labels"],
                "dont_know": value["dont_know_label"],
            },
            followup_fields=value["followup_fields"],
            partner_types=value["partner_types"],
            # Read-only here, but checked: they must still fit the fields and partner types.
            translations=self.instance.translations,
        )
        try:
            validate(data, gettext("formulier"))
        except InstrumentFileError as exc:
            _report(self, exc, aliases=_INSTRUMENT_ALIASES)
        return cleaned


class ThemeInlineForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ("position", "key", "title", "background_title", "background")
        widgets = {"background": forms.Textarea(attrs={"rows": 3, "cols": 50})}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            _check_theme(self, cleaned)
        return cleaned


def _check_theme(form: forms.BaseForm, cleaned: dict) -> None:
    theme = {
        "key": cleaned.get("key", getattr(form.instance, "key", "")),
        "title": cleaned.get("title", getattr(form.instance, "title", "")),
        "background_title": cleaned.get("background_title", ""),
        "background": cleaned.get("background", ""),
        "items": [{"text": "x"}],
        "translations": getattr(form.instance, "translations", None) or {},
    }
    try:
        validate(_skeleton(themes=[theme]), gettext("formulier"))
    except InstrumentFileError as exc:
        _report(form, exc, prefix="themes[0].")


class _NotEmptyFormSet(forms.BaseInlineFormSet):
    """An inline that must keep at least one row once the formset is saved."""

    empty_message = ""

    def kept_forms(self) -> list:
        """The rows that will exist after saving: filled in or stored, and not deleted."""
        return [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]

    def clean(self):
        super().clean()
        kept = self.kept_forms()
        if not kept:
            raise forms.ValidationError(self.empty_message)
        return kept


class ThemeFormSet(_NotEmptyFormSet):
    empty_message = _("Een instrument heeft minstens één thema nodig.")

    def clean(self):
        kept = super().clean()
        keys = [form.cleaned_data.get("key") or form.instance.key for form in kept]
        doubles = sorted({key for key in keys if keys.count(key) > 1})
        if doubles:
            raise forms.ValidationError(
                _("Elk thema heeft een eigen sleutel nodig; dubbel: %(keys)s")
                % {"keys": ", ".join(doubles)}
            )


class ThemeInline(admin.TabularInline):
    model = Theme
    form = ThemeInlineForm
    formset = ThemeFormSet
    fields = ("position", "key", "title", "background_title", "background", "items_link")
    readonly_fields = ("items_link",)
    ordering = ("position", "pk")

    def get_extra(self, request, obj=None, **kwargs):
        # A new instrument needs a theme; an existing one adds them with "Nog een toevoegen".
        return 1 if obj is None else 0

    @admin.display(description=_("onderdelen"))
    def items_link(self, theme: Theme):
        if theme.pk is None:
            return gettext("Sla eerst op; daarna kun je de onderdelen invullen.")
        count = theme.items.count()
        url = reverse("admin:instruments_theme_change", args=[theme.pk])
        if _is_frozen(theme.instrument):
            label = ngettext("%(count)d onderdeel bekijken", "%(count)d onderdelen bekijken", count)
        else:
            label = ngettext("%(count)d onderdeel bewerken", "%(count)d onderdelen bewerken", count)
        return format_html('<a href="{}">{}</a>', url, label % {"count": count})

    def has_add_permission(self, request, obj):
        return not _is_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_delete_permission(request, obj)


def _version_notice(instrument: Instrument) -> dict:
    """Template context for the notice above a frozen or incomplete version."""
    context = {"reflectie_instrument": instrument}
    if _is_frozen(instrument):
        count = instrument.sessions.count()
        context["reflectie_frozen_message"] = ngettext(
            "Deze versie is gebruikt in %(count)d sessie en ligt daarom vast: zo houdt die "
            "sessie precies de stellingen waarop is gescoord. Wil je iets veranderen, maak dan "
            "een nieuwe versie.",
            "Deze versie is gebruikt in %(count)d sessies en ligt daarom vast: zo houden die "
            "sessies precies de stellingen waarop is gescoord. Wil je iets veranderen, maak dan "
            "een nieuwe versie.",
            count,
        ) % {"count": count}
        context["reflectie_new_version_url"] = reverse(
            "admin:instruments_instrument_new_version", args=[instrument.pk]
        )
        context["reflectie_new_version_label"] = gettext("Nieuwe versie maken om te bewerken")
    newest = Instrument.objects.newest(instrument.slug)
    if newest is not None and newest.pk != instrument.pk:
        context["reflectie_newest_message"] = gettext(
            "Er bestaat al een nieuwere versie (v%(version)s)."
        ) % {"version": newest.version}
        context["reflectie_newest_url"] = reverse(
            "admin:instruments_instrument_change", args=[newest.pk]
        )
        context["reflectie_newest_label"] = gettext("Naar de nieuwste versie")
    try:
        export(instrument)
    except InstrumentFileError as exc:
        context["reflectie_incomplete_message"] = gettext(
            "Deze versie is nog niet compleet en kan zo niet worden gebruikt of geëxporteerd: "
            "%(problem)s"
        ) % {"problem": exc.in_file}
    return context


@admin.register(Instrument)
class InstrumentAdmin(_ShowsTranslations, admin.ModelAdmin):
    form = InstrumentForm
    inlines = [ThemeInline]
    list_display = ("name", "slug", "version", "session_count", "in_use", "download_link")
    list_display_links = ("name",)
    list_filter = ("slug",)
    search_fields = ("name", "slug", "description")
    ordering = ("slug", "-version")
    actions = ["make_new_versions"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "version", "language", "description")}),
        (_("Bron"), {"fields": ("attribution_text", "attribution_url", "source_note")}),
        (_("Sessie"), {"fields": ("guide", "duration_minutes", "followup_minutes")}),
        (
            _("Schaal"),
            {"fields": ("scale_min", "scale_max", "scale_labels", "dont_know_label")},
        ),
        (_("Afspraken"), {"fields": ("followup_fields",)}),
        (_("Deelnemers"), {"fields": ("partner_types",)}),
        (_("Vertalingen"), {"fields": ("translations_shown",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_session_count=Count("sessions"))

    def get_readonly_fields(self, request, obj=None):
        # The version number is handed out by "Nieuwe versie maken"; the slug is the identity
        # that ties the versions together, so it is fixed once the instrument exists.
        shown = ("translations_shown",)
        return ("slug", "version", *shown) if obj is not None else ("version", *shown)

    @admin.display(description=_("sessies"), ordering="_session_count")
    def session_count(self, instrument: Instrument) -> int:
        return instrument._session_count

    @admin.display(description=_("in gebruik"), boolean=True, ordering="_session_count")
    def in_use(self, instrument: Instrument) -> bool:
        return _is_frozen(instrument)

    @admin.display(description=_("bestand"))
    def download_link(self, instrument: Instrument) -> str:
        url = reverse(
            "admin:instruments_instrument_download",
            args=[instrument.pk],
            current_app=self.admin_site.name,
        )
        # The visible word is the same on every row; the hidden part says which version.
        return format_html(
            '<a href="{}" download>{}<span class="visually-hidden"> {}</span></a>',
            url,
            gettext("JSON downloaden"),
            instrument,
        )

    def has_change_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _is_frozen(obj) and super().has_delete_permission(request, obj)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        custom = [
            path(
                "uploaden/",
                self.admin_site.admin_view(self.upload_view),
                name=f"{name}_upload",
            ),
            path(
                "<path:object_id>/nieuwe-versie/",
                self.admin_site.admin_view(self.new_version_view),
                name=f"{name}_new_version",
            ),
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name=f"{name}_download",
            ),
        ]
        # Before the defaults: their "<path:object_id>/" catch-all would swallow this URL.
        return custom + super().get_urls()

    def _to_change_page(self, instrument: Instrument) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(
                "admin:instruments_instrument_change",
                args=[instrument.pk],
                current_app=self.admin_site.name,
            )
        )

    def may_upload(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"has_upload_permission": self.may_upload(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        instrument = self.get_object(request, unquote(object_id))
        if instrument is not None:
            extra_context = {**_version_notice(instrument), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def new_version_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        instrument = self.get_object(request, unquote(object_id))
        if instrument is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        created = self._make_new_version(request, instrument)
        target = created or instrument
        return self._to_change_page(target)

    def upload_view(self, request):
        """An instrument file, checked and stored as `load_instruments` does with one on disk.

        It takes adding and changing both (may_upload): like the loader, an upload updates the
        newest version in place when no session has used it yet.
        """
        if not self.may_upload(request):
            raise PermissionDenied
        if request.method == "POST":
            form = InstrumentUploadForm(request.POST, request.FILES)
            if form.is_valid():
                stored = self._store_upload(request, form)
                if stored is not None:
                    return self._to_change_page(stored)
            status = 400
        else:
            form, status = InstrumentUploadForm(), 200
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Instrument uploaden"),
            "form": form,
            "errors": [*form.non_field_errors(), *form["file"].errors],
        }
        return TemplateResponse(
            request, "admin/instruments/instrument/upload.html", context, status=status
        )

    def _store_upload(self, request, form: InstrumentUploadForm) -> Instrument | None:
        upload = form.cleaned_data["file"]
        try:
            instrument, outcome = load_upload(upload.read(), shown_name(upload.name))
        except InstrumentFileError as exc:
            form.add_error("file", str(exc))
            return None
        values = {"name": instrument.name, "version": instrument.version}
        if outcome == "nieuw":
            self.log_addition(request, instrument, [{"added": {}}])
            message = gettext("Instrument ‘%(name)s’ versie %(version)s opgeslagen.")
        elif outcome == "bijgewerkt":
            self.log_change(request, instrument, [{"changed": {}}])
            message = gettext("Instrument ‘%(name)s’ versie %(version)s bijgewerkt.")
        else:
            message = gettext(
                "Instrument ‘%(name)s’ versie %(version)s ongewijzigd: dit bestand is al "
                "opgeslagen."
            )
        self.message_user(request, message % values, messages.SUCCESS)
        return instrument

    def download_view(self, request, object_id):
        """A version as the file the loader reads, named <slug>-v<version>.json."""
        instrument = self.get_object(request, unquote(object_id))
        if instrument is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, instrument):
            raise PermissionDenied
        try:
            filename, text = download(instrument)
        except InstrumentFileError as exc:
            self.message_user(
                request,
                gettext("Deze versie kan (nog) niet worden gedownload: %(problem)s")
                % {"problem": exc.in_file},
                messages.ERROR,
            )
            return self._to_change_page(instrument)
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def _make_new_version(self, request, instrument: Instrument) -> Instrument | None:
        try:
            created = new_version(instrument)
        except InstrumentFileError as exc:
            self.message_user(
                request,
                gettext("Van %(instrument)s kan geen nieuwe versie worden gemaakt: %(problem)s")
                % {"instrument": instrument, "problem": exc.message},
                messages.ERROR,
            )
            return None
        self.log_addition(
            request,
            created,
            [{"added": {}}],
        )
        self.message_user(
            request,
            gettext("Versie %(version)s van ‘%(name)s’ is gemaakt als kopie van versie %(old)s.")
            % {"version": created.version, "name": created.name, "old": instrument.version},
            messages.SUCCESS,
        )
        return created

    @admin.action(description=_("Nieuwe versie maken"), permissions=["change"])
    def make_new_versions(self, request, queryset):
        # One new version per instrument, copied from the newest selected version of it:
        # selecting v1 and v2 of the same instrument should not make two new versions.
        newest: dict[str, Instrument] = {}
        for instrument in queryset.order_by("slug", "version"):
            newest[instrument.slug] = instrument
        for instrument in newest.values():
            self._make_new_version(request, instrument)


# --- Theme and its items ----------------------------------------------------------------------


class ThemeForm(ThemeInlineForm):
    class Meta(ThemeInlineForm.Meta):
        fields = ("instrument", "position", "key", "title", "background_title", "background")
        widgets = {}

    def clean(self):
        cleaned = super().clean()
        instrument = cleaned.get("instrument") or getattr(self.instance, "instrument", None)
        key = cleaned.get("key")
        if instrument is not None and key and "key" in self.fields:
            others = Theme.objects.filter(instrument=instrument, key=key).exclude(
                pk=self.instance.pk
            )
            if others.exists():
                self.add_error("key", _("Dit instrument heeft al een thema met deze sleutel."))
        return cleaned


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = ("position", "kind", "number", "title", "text", "max_choices", "options")
        field_classes = {"options": InstrumentJSONField}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 50}),
            "options": forms.Textarea(attrs={"rows": 2, "cols": 40}),
        }

    def clean_options(self):
        value = self.cleaned_data.get("options")
        return [] if value is None else value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        kind = cleaned.get("kind")
        item = {"kind": kind, "text": cleaned.get("text", "")}
        if kind == Item.Kind.STATEMENT:
            item["number"] = cleaned.get("number")
        else:
            item["title"] = cleaned.get("title", "")
        if kind == Item.Kind.PRIORITY:
            item["options"] = cleaned.get("options")
            item["max_choices"] = cleaned.get("max_choices")
        # Read-only here, but checked: a translated option must still exist.
        item["translations"] = self.instance.translations or {}
        theme = {"key": "x", "title": "x", "items": [item]}
        try:
            validate(_skeleton(themes=[theme]), gettext("formulier"))
        except InstrumentFileError as exc:
            _report(self, exc, prefix="themes[0].items[0].")
        return cleaned


class ItemFormSet(_NotEmptyFormSet):
    empty_message = _("Een thema heeft minstens één onderdeel nodig.")


class ItemInline(_ShowsTranslations, admin.TabularInline):
    model = Item
    form = ItemForm
    formset = ItemFormSet
    fields = (
        "position",
        "kind",
        "number",
        "title",
        "text",
        "max_choices",
        "options",
        "translations_shown",
    )
    readonly_fields = ("translations_shown",)
    ordering = ("position", "pk")

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None and obj.items.exists() else 1

    def has_add_permission(self, request, obj):
        return not _theme_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _theme_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _theme_frozen(obj) and super().has_delete_permission(request, obj)


def _theme_frozen(theme: Theme | None) -> bool:
    return theme is not None and theme.pk is not None and _is_frozen(theme.instrument)


@admin.register(Theme)
class ThemeAdmin(_ShowsTranslations, admin.ModelAdmin):
    form = ThemeForm
    inlines = [ItemInline]
    list_display = ("title", "instrument", "position", "item_count")
    list_filter = ("instrument__slug",)
    list_select_related = ("instrument",)
    search_fields = ("title", "key", "instrument__name")
    ordering = ("instrument__slug", "-instrument__version", "position")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("instrument")
            .annotate(_item_count=Count("items"))
        )

    def get_readonly_fields(self, request, obj=None):
        # A theme stays with its instrument version; the read-only field links back to it.
        return ("instrument", "translations_shown") if obj is not None else ("translations_shown",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "instrument":
            # New themes only go into versions that no session has used.
            kwargs["queryset"] = Instrument.objects.filter(sessions=None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("onderdelen"), ordering="_item_count")
    def item_count(self, theme: Theme) -> int:
        return theme._item_count

    def has_change_permission(self, request, obj=None):
        return not _theme_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _theme_frozen(obj) and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        theme = self.get_object(request, unquote(object_id))
        if theme is not None:
            extra_context = {**_version_notice(theme.instrument), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)
