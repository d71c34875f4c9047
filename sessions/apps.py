from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveSessionsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions"; ours is "live" (tables live_*).
    name = "sessions"
    label = "live"
    verbose_name = _("Live sessies")
    default_auto_field = "django.db.models.BigAutoField"
