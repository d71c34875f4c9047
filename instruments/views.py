"""An instrument as a facilitator reads it before choosing it for a session."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Instrument, Theme


@login_required
def preview(request: HttpRequest, instrument_id: int) -> HttpResponse:
    themes = Prefetch("themes", queryset=Theme.objects.prefetch_related("items"))
    instrument = get_object_or_404(Instrument.objects.prefetch_related(themes), pk=instrument_id)
    context = {
        "instrument": instrument,
        "scale": [(point, instrument.scale_label(point)) for point in instrument.scale_points],
        "newest": Instrument.objects.newest(instrument.slug),
    }
    return render(request, "instruments/preview.html", context)
