"""A partnership's history: how long its page and its PDF take for a partnership that has met
for years.

Twelve sessions of "LOB Regio West" on the LOB instrument (three a year for four years), each
with 25 participants who scored all 22 statements and 5 agreements with every field filled, the
earlier ones reviewed in the next session. Built in a temporary database of its own (the
benchmark server's VAR_DIR and migrations, no daphne needed).

One warm-up request of each, then N timed requests in one process: the page through Django's
test client (the whole view: access, overview, twelve sessions' results, the charts, the
template) with the number of queries, and `partnership_report.render_pdf`. Goals of our own, as
the issue names none: the page under 0.5 s and the PDF under 2 s (medians); ratios are reported,
never judged (the machine is shared).
"""

import statistics

from .report import Result, ms
from .server import BenchServer

TITLE = "Partnership history (page and PDF)"
GOAL_PAGE_SECONDS = 0.5
GOAL_PDF_SECONDS = 2.0

MEASURE = """
import time
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from instruments.models import Instrument, Item
from sessions import agreements, history, lifecycle, participation, partnership_report, tallies
from sessions.models import AgreementReview, Response

instrument = Instrument.objects.filter(slug=args["slug"]).order_by("-version").first()
user = get_user_model().objects.create_user("bench-partnership")
statements = list(Item.objects.filter(theme__instrument=instrument, kind=Item.Kind.STATEMENT))
pattern = (1, 2, 3, 3, 4, 4, 4, 5, 5, None)
previous = None
for n in range(args["sessions"]):
    session = lifecycle.create_session(
        user, instrument, title=f"Regiotafel {n + 1}", partnership_name="LOB Regio West"
    )
    phones = [participation.join(session, None)[0] for _ in range(args["participants"])]
    Response.objects.bulk_create(
        Response(session=session, participant=p, item=item, value=pattern[(i + n) % len(pattern)])
        for item in statements
        for i, p in enumerate(phones)
    )
    tallies.publish_all(session.pk)
    if previous is not None:
        for earlier in history.earlier_agreements(session)[:5]:
            history.review(session, earlier.agreement.pk, AgreementReview.Status.ONGOING, "Loopt")
    for a in range(args["agreements"]):
        agreements.create(session, {
            "action": f"Actie {n}.{a}: stagebank voor de regio opzetten",
            "owner": "Gemeente Westland",
            "with_whom": "mbo, hbo en werkgevers",
            "due": "2026-09-01",
            "success": "Minstens twintig bedrijven bieden stages aan.",
            "review": "2026-11-01",
        })
    lifecycle.set_phase(session, "closed")
    previous = session
partnership = session.partnership
client = Client()
client.force_login(user)
url = reverse("partnership_page", args=[partnership.pk])


def page():
    with CaptureQueriesContext(connection) as queries:
        wall = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        wall = time.perf_counter() - wall
    assert response.status_code == 200, response.status_code
    return wall, len(queries), len(response.content), response.content.count(b"<circle")


def pdf():
    wall = time.perf_counter()
    data = partnership_report.render_pdf(partnership)
    return time.perf_counter() - wall, data


warm_page, warm_pdf = page()[0], pdf()[0]
pages, pdfs = [page() for _ in range(args["runs"])], [pdf() for _ in range(args["runs"])]
emit({
    "sessions": args["sessions"],
    "participants": args["participants"],
    "agreements": args["agreements"],
    "warm_page": warm_page,
    "warm_pdf": warm_pdf,
    "page_walls": [p[0] for p in pages],
    "queries": pages[-1][1],
    "page_bytes": pages[-1][2],
    "points": pages[-1][3],
    "pdf_walls": [p[0] for p in pdfs],
    "pdf_bytes": len(pdfs[-1][1]),
    "is_pdf": pdfs[-1][1].startswith(b"%PDF-"),
})
"""


def add_arguments(parser) -> None:
    group = parser.add_argument_group("partnership history")
    group.add_argument(
        "--history-sessions", type=int, default=12, help="sessions of the partnership (12)"
    )
    group.add_argument("--history-runs", type=int, default=5, help="timed runs of each (5)")


def run(args) -> Result:
    server = BenchServer(keep=getattr(args, "keep", False))
    try:
        server.prepare()
        data = server.django(
            MEASURE,
            slug="lob-regio",
            sessions=max(1, args.history_sessions),
            participants=25,
            agreements=5,
            runs=max(1, args.history_runs),
        )
    finally:
        server.__exit__(None, None, None)  # no daphne was started: this only removes VAR_DIR
    return describe(data)


def describe(data: dict) -> Result:
    page, pdf = statistics.median(data["page_walls"]), statistics.median(data["pdf_walls"])
    result = Result(
        title=TITLE,
        setup=(
            f"A partnership of {data['sessions']} closed sessions on the LOB instrument, each "
            f"with {data['participants']} participants who scored every statement and "
            f"{data['agreements']} agreements (the earlier ones reviewed). One warm-up, then "
            f"{len(data['page_walls'])} timed requests of the page (Django's test client, the "
            "whole view) and renders of the partnership PDF. Goals of our own: page under "
            "0.5 s, PDF under 2 s (medians)."
        ),
    )
    result.add(
        "Page: wall median / min / max",
        f"{ms(page)} / {ms(min(data['page_walls']))} / {ms(max(data['page_walls']))}",
    )
    result.add("Page: queries, size", f"{data['queries']}, {data['page_bytes'] / 1024:.0f} KiB")
    result.add("Page: points drawn", str(data["points"]))
    result.add(
        "PDF: wall median / min / max",
        f"{ms(pdf)} / {ms(min(data['pdf_walls']))} / {ms(max(data['pdf_walls']))}",
    )
    result.add("PDF: size", f"{data['pdf_bytes'] / 1024:.0f} KiB")
    result.add(
        "Medians against the goals (page, PDF)",
        f"{page / GOAL_PAGE_SECONDS:.2f}×, {pdf / GOAL_PDF_SECONDS:.2f}×",
    )
    result.add("Warm-up (page / PDF)", f"{ms(data['warm_page'])} / {ms(data['warm_pdf'])}")
    themes = 6
    if data["points"] != themes * data["sessions"]:
        result.failures.append(
            f"the page drew {data['points']} points, not {themes} themes × {data['sessions']}"
        )
    if not data["is_pdf"]:
        result.failures.append("the renderer did not return a PDF")
    return result
