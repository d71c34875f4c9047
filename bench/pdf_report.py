"""The follow-up report: how long `report.render_pdf` takes for a full session.

A full hour on the LOB instrument: its 22 statements each scored by 40 participants (a spread of
1-5 and "weet ik niet", so every chart has bars and the flags show), and 15 agreements with every
field filled. The session is built in a temporary database of its own (the benchmark server's
VAR_DIR and migrations, no daphne needed) and closed, as it is when phones download the report.

One warm-up render (it loads fonts, templates and the instrument's cached structure, as the first
download after a server start does) and then N timed renders, each reading the session from the
database again as the download view does. Wall time and this process's CPU time per render; the
page count and size of the PDF. The goal is a median below one second on this machine; the ratio
to it is reported, never judged (the machine is shared).
"""

import statistics

from .report import Result, ms
from .server import BenchServer

TITLE = "Follow-up report (PDF)"
GOAL_SECONDS = 1.0

RENDER_FULL_SESSION = """
import io, time
from django.contrib.auth import get_user_model
from instruments.models import Instrument, Item
from sessions import agreements, lifecycle, participation, report
from sessions.models import Agreement, Response, Session

instrument = Instrument.objects.filter(slug=args["slug"]).order_by("-version").first()
if instrument is None:
    sys.exit(f"instrument {args['slug']!r} not loaded")
user = get_user_model().objects.create_user("bench-pdf")
session = lifecycle.create_session(
    user, instrument, title="Regiotafel LOB", partnership_name="LOB Regio West"
)
people = args["participants"]
phones = [participation.join(session, None)[0] for _ in range(people)]
statements = list(
    Item.objects.filter(theme__instrument=instrument, kind=Item.Kind.STATEMENT)
    .order_by("theme__position", "position", "pk")
)
# As tests/sessions/test_report.py's full_session: the same spread on every statement.
pattern = (1, 2, 3, 3, 4, 4, 4, 5, 5, None)
Response.objects.bulk_create(
    Response(session=session, participant=phone, item=item, value=pattern[n % len(pattern)])
    for item in statements
    for n, phone in enumerate(phones)
)
# The agreements answer a theme, so the report shows its title next to them.
theme_field = agreements.reference_choices(session)[0][0]
for n in range(args["agreements"]):
    agreements.create(session, {
        "action": f"Actie {n}: stagebank voor de regio opzetten en onderhouden",
        "owner": "Gemeente Westland",
        "answers": theme_field,
        "with_whom": "mbo, hbo en werkgevers",
        "due": "2026-09-01",
        "success": "Minstens twintig bedrijven bieden stages aan. " * 3,
        "review": "2026-12-01",
    })
lifecycle.set_phase(session, "closed")


def render():
    # As the phone's download does: the session read again, then rendered.
    fresh = Session.objects.select_related("instrument", "partnership").get(pk=session.pk)
    wall, cpu = time.perf_counter(), time.process_time()
    data = report.render_pdf(fresh)
    return time.perf_counter() - wall, time.process_time() - cpu, data


def render_html():
    # The part before WeasyPrint (queries, statistics, the template), timed on its own.
    fresh = Session.objects.select_related("instrument", "partnership").get(pk=session.pk)
    wall = time.perf_counter()
    report.render_html(fresh)
    return time.perf_counter() - wall


warm_wall, warm_cpu, _data = render()
walls, cpus, sizes, html_walls = [], [], [], []
for _ in range(args["runs"]):
    wall, cpu, data = render()
    walls.append(wall)
    cpus.append(cpu)
    sizes.append(len(data))
    html_walls.append(render_html())
try:
    from pypdf import PdfReader
    pages = len(PdfReader(io.BytesIO(data)).pages)
except ImportError:  # pypdf is a test dependency; count page objects instead
    import re
    pages = len(re.findall(rb"/Type\\s*/Page(?![s\\w])", data))
emit({
    "instrument": f"{instrument.slug} v{instrument.version}",
    "statements": len(statements),
    "participants": people,
    "agreements": Agreement.objects.filter(session=session).count(),
    "warm_wall": warm_wall,
    "warm_cpu": warm_cpu,
    "walls": walls,
    "html_walls": html_walls,
    "cpus": cpus,
    "sizes": sizes,
    "pages": pages,
    "is_pdf": data.startswith(b"%PDF-"),
})
"""


def add_arguments(parser) -> None:
    group = parser.add_argument_group("follow-up report (PDF)")
    group.add_argument(
        "--pdf-runs", type=int, default=7, help="timed renders after one warm-up (default 7)"
    )
    group.add_argument(
        "--pdf-participants", type=int, default=40, help="participants who scored (default 40)"
    )
    group.add_argument(
        "--pdf-agreements", type=int, default=15, help="agreements in the report (default 15)"
    )


def run(args) -> Result:
    server = BenchServer(keep=getattr(args, "keep", False))
    try:
        server.prepare()
        data = server.django(
            RENDER_FULL_SESSION,
            slug="lob-regio",
            participants=args.pdf_participants,
            agreements=args.pdf_agreements,
            runs=max(1, args.pdf_runs),
        )
    finally:
        server.__exit__(None, None, None)  # no daphne was started: this only removes VAR_DIR
    return describe(data)


def describe(data: dict) -> Result:
    walls, cpus = data["walls"], data["cpus"]
    median = statistics.median(walls)
    result = Result(
        title=TITLE,
        setup=(
            f"`report.render_pdf` for a closed session on {data['instrument']}: "
            f"{data['statements']} statements scored by {data['participants']} participants, "
            f"{data['agreements']} agreements with every field filled. One warm-up render, then "
            f"{len(walls)} timed renders in one process (the session read from the database "
            "each time, as the download does). Goal: a median under 1 s."
        ),
    )
    result.add(
        "Wall time median / min / max", f"{ms(median)} / {ms(min(walls))} / {ms(max(walls))}"
    )
    result.add(
        "CPU time median / min / max",
        f"{ms(statistics.median(cpus))} / {ms(min(cpus))} / {ms(max(cpus))}",
    )
    html = statistics.median(data["html_walls"])
    result.add(
        "Of which the HTML (queries, statistics, template), median",
        f"{ms(html)} ({html / median:.0%}); the rest is WeasyPrint",
    )
    result.add("Median against the 1 s goal", f"{median / GOAL_SECONDS:.2f}×")
    result.add("Warm-up render (wall / CPU)", f"{ms(data['warm_wall'])} / {ms(data['warm_cpu'])}")
    result.add("Pages", str(data["pages"]))
    sizes = sorted(set(data["sizes"]))
    size = (
        f"{sizes[0] / 1024:.0f} KiB"
        if len(sizes) == 1
        else "–".join(f"{s / 1024:.0f}" for s in (sizes[0], sizes[-1])) + " KiB"
    )
    result.add("Size", size)
    result.notes.append(
        "CPU time is the rendering process's own (user + system); wall above CPU means waiting "
        "(the database, or a busy machine)."
    )
    if not data["is_pdf"]:
        result.failures.append("the renderer did not return a PDF")
    return result
