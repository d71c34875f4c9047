"""Publish what was stored before tallies existed, so earlier sessions keep their results."""

from django.db import migrations
from django.db.models import Count


def publish_existing(apps, schema_editor):
    Response = apps.get_model("live", "Response")
    PriorityChoice = apps.get_model("live", "PriorityChoice")
    Tally = apps.get_model("live", "Tally")
    shown = {}
    for session_id, item_id, partner_type, value, n in (
        Response.objects.values_list("session_id", "item_id", "participant__partner_type", "value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        key = "?" if value is None else str(value)
        group = shown.setdefault((session_id, item_id), {}).setdefault(partner_type, {})
        group[key] = n
    for session_id, item_id, option, n in (
        PriorityChoice.objects.values_list("session_id", "item_id", "option")
        .annotate(n=Count("id"))
        .order_by()
    ):
        shown.setdefault((session_id, item_id), {})[option] = n
    Tally.objects.bulk_create(
        Tally(session_id=session_id, item_id=item_id, shown=counts)
        for (session_id, item_id), counts in shown.items()
    )


class Migration(migrations.Migration):
    dependencies = [("live", "0003_privacy")]

    operations = [migrations.RunPython(publish_existing, migrations.RunPython.noop)]
