"""Hostile input for every free-text field, over HTTP: the corpus and the run that sends it.

The same run drives the Django test client on SQLite and a real daphne on PostgreSQL
(tests/test_hostile_input.py): it posts every string into every field the way a browser does
(urlencoded), reads back what the database holds with plain SQL, and looks at the page that
shows it. What the free-text rule refuses must get a 4xx and change nothing; what it accepts
must be stored exactly (tidied as the rule says) and shown escaped; nothing answers 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.utils.html import escape

FORM = "application/x-www-form-urlencoded"


# The corpus -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    label: str
    text: str
    refused: bool  # by the character rule; length and "required" are per field


def _r(label: str, text: str) -> Hostile:
    return Hostile(label, text, refused=True)


def _a(label: str, text: str) -> Hostile:
    return Hostile(label, text, refused=False)


CORPUS: list[Hostile] = [
    # Control characters: refused.
    _r("NUL inside", "Jan\x00Jansen"),
    _r("NUL alone", "\x00"),
    _r("NUL at the end", "Regio West\x00"),
    _r("SOH", "naam\x01"),
    _r("BEL", "\x07bel"),
    _r("backspace", "back\x08space"),
    _r("vertical tab", "a\x0bb"),
    _r("form feed", "a\x0cb"),
    _r("shift out", "a\x0eb"),
    _r("ANSI escape", "\x1b[31mrood\x1b[0m"),
    _r("unit separator", "a\x1fb"),
    _r("DEL", "del\x7fete"),
    _r("C1 NEL", "a\x85b"),
    _r("C1 CSI", "a\x9b31m"),
    # Bidi embeddings, overrides and isolates: refused.
    _r("RLO", "\u202eevil"),
    _r("LRO", "abc\u202dxyz"),
    _r("LRE", "\u202aLRE"),
    _r("RLE", "\u202bRLE"),
    _r("PDF", "pop\u202c"),
    _r("LRI", "\u2066LRI\u2069"),
    _r("RLI", "\u2067RLI\u2069"),
    _r("FSI", "\u2068FSI\u2069"),
    _r("PDI alone", "a\u2069b"),
    _r("spoofed file name", "factuur\u202efdp.exe"),
    _r("reversed name", "Jan \u202enesnaJ"),
    _r("formula with NUL", '=HYPERLINK("http://x")\x00'),
    _r("isolate and override", "ok\u2067\u202e mixed"),
    # Markup, scripts, SQL, templates, spreadsheet formulas: accepted, stored as typed, escaped.
    _a("script tag", "<script>alert(1)</script>"),
    _a("attribute break-out", '"><img src=x onerror=alert(1)>'),
    _a("single-quote break-out", "' onmouseover='alert(1)"),
    _a("SQL", "'; DROP TABLE live_session; --"),
    _a("template tags", "{{ 7|add:7 }} {% debug %}"),
    _a("javascript URL", "javascript:alert(document.cookie)"),
    _a("entities", "&lt;b&gt; &amp; &#x27;"),
    _a("HYPERLINK", '=HYPERLINK("http://evil.example","klik")'),
    _a("plus cmd", "+cmd|' /C calc'!A0"),
    _a("at SUM", "@SUM(1+1)*cmd|' /C calc'!A0"),
    _a("minus formula", "-2+3+cmd|' /C calc'!A0"),
    _a("equals", "=1+1"),
    _a("percent escapes as text", "%00%FF%E2%80%AE"),
    _a("backslash escapes as text", "\\x00 \\u202e"),
    # White space: tidied.
    _a("leading tab", "\tTab vooraan"),
    _a("LF", "regel 1\nregel 2"),
    _a("CRLF and CR", "regel 1\r\nregel 2\rregel 3"),
    _a("non-breaking spaces", "\u00a0niet\u00a0brekend "),
    _a("only white space", " \t "),
    # Legitimate text of every kind: accepted.
    _a("Dutch", "Coöperatie ’s-Hertogenbosch: één, drieëntwintig, Ĳsselmeer, café"),
    _a("quotes", "„citaat” ‘enkel’ «guillemets» – gedachtestreep …"),
    _a("family emoji", "👩\u200d👩\u200d👧\u200d👦"),
    _a("flags and skin tones", "🏳️\u200d🌈 🇳🇱 👍🏽"),
    _a("long ZWJ sequence", "👩\u200d💻" * 20),
    _a("emoji run", "\U0001f600" * 30),
    _a("combining marks", "e\u0301\u0302\u0303\u0304\u0305"),
    _a("zalgo", "Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o"),
    _a("Arabic", "مرحبا بالعالم"),
    _a("Hebrew", "שלום עולם"),
    _a("mixed RTL and LTR", "مدرسة 12 — School"),
    _a("Hebrew with RLM", "עברית\u200f (RLM)"),
    _a("LRM and ALM", "\u200eLRM \u061cALM"),
    _a("CJK", "日本語のテキスト"),
    _a("Greek and Cyrillic", "Ελληνικά Кириллица"),
    _a("zero-width characters", "zero\u200bwidth\u200cnon\u200djoiner"),
    _a("BOM in text", "\ufeffBOM"),
    _a("private use", "\ue000 privé"),
    _a("last code point", "\U0010ffff"),
    _a("replacement character", "\ufffd typed"),
    # Lengths around and far beyond the limits (a title holds 200, a note 500, agreements 1000).
    _a("80 characters", "a" * 80),
    _a("81 characters", "b" * 81),
    _a("10 KB ASCII", "x" * 10240),
    _a("10 KB accents", "é" * 5120),
    _a("10 KB emoji", "👍" * 2560),
]

# Bodies that are not UTF-8: the value goes in raw, after the field's name.
BAD_UTF8: list[tuple[str, bytes]] = [
    ("percent-encoded 0xFF", b"%FF"),
    ("raw bytes", b"\xff\xfe"),
    ("Latin-1 e-acute", b"caf\xe9"),
    ("broken two-byte sequence", b"%C3%28"),
    ("encoded surrogate", b"%ED%A0%80"),
    ("beyond U+10FFFF", b"%F4%90%80%80"),
    ("overlong slash", b"%C0%AF"),
    ("truncated emoji", b"%F0%9F%98"),
]


def tidy(text: str, multiline: bool) -> str:
    """What the rule stores for accepted text: one line, or lines with LF only; stripped."""
    if not multiline:
        return " ".join(text.split())
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# What the run talks to --------------------------------------------------------------------------


class Http:
    """A browser for one person: posts urlencoded bodies, keeps its cookies."""

    def post(self, path: str, body: bytes, htmx: bool = False) -> tuple[int, str]:
        raise NotImplementedError

    def get(self, path: str) -> tuple[int, str]:
        raise NotImplementedError


class DjangoClientHttp(Http):
    def __init__(self, client):
        self.client = client

    def post(self, path, body, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.post(path, data=body, content_type=FORM, headers=headers)
        return response.status_code, response.content.decode()

    def get(self, path):
        response = self.client.get(path)
        return response.status_code, response.content.decode()


class HttpxHttp(Http):
    """httpx against a real server: CSRF as a browser's page script sends it, in a header."""

    def __init__(self, client):
        self.client = client

    def post(self, path, body, htmx=False):
        headers = {"Content-Type": FORM, "X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        if htmx:
            headers["HX-Request"] = "true"
        response = self.client.post(path, content=body, headers=headers)
        return response.status_code, response.text

    def get(self, path):
        response = self.client.get(path)
        return response.status_code, response.text


Query = Callable[[str, tuple], list[tuple]]


@dataclass
class Context:
    """The rows the run works on: alice's session with a phone, and a later session of the same
    partnership that looks back at an agreement of the first."""

    instrument_id: int
    session_id: int
    code: str
    second_id: int
    earlier_agreement_id: int


# The fields -------------------------------------------------------------------------------------


@dataclass
class Field:
    """One free-text field: how to send a value, what is stored now, where it is shown."""

    name: str
    max_length: int
    multiline: bool = False
    required: bool = False
    # send(value bytes, already percent-encoded or raw) -> (status, html of the answer)
    send: Callable[[bytes], tuple[int, str]] = field(repr=False, default=None)
    # (row count, newest stored value): a refusal leaves both as they were
    snapshot: Callable[[], tuple[int, object]] = field(repr=False, default=None)
    # the page that shows the stored value, when the answer itself does not
    page: Callable[[str], str] | None = field(repr=False, default=None)
    # or a page that shows them all, read once after the last value
    page_once: Callable[[], str] | None = field(repr=False, default=None)
    # after an accepted value: undo what would pile up (agreements have a ceiling)
    after: Callable[[], None] | None = field(repr=False, default=None)
    # how the value is shown in HTML (a multi-line agreement value gets <br>)
    shown: Callable[[str], str] = field(repr=False, default=escape)

    def expect(self, text: str, refused: bool) -> str | None:
        """What must be stored, or None when the value must be refused."""
        if refused:
            return None
        stored = tidy(text, self.multiline)
        if len(stored) > self.max_length or (self.required and not stored):
            return None
        return stored


def _form(**fields) -> bytes:
    return urlencode(fields).encode()


def _with(base: bytes, name: str, raw_value: bytes) -> bytes:
    return (base + b"&" if base else b"") + name.encode() + b"=" + raw_value


def _one(query: Query, sql: str, params: tuple):
    rows = query(sql, params)
    return rows[0][0] if rows else None


def fields(ctx: Context, facilitator: Http, phone: Http, newcomer: Http, query: Query):
    """Every free-text field of the application, wired to these people and this database."""
    s, second = ctx.session_id, ctx.second_id

    def new_session(name: str, other: dict) -> Callable[[bytes], tuple[int, str]]:
        base = {"instrument": ctx.instrument_id, "scoring_mode": "theme", "language": "nl"}
        return lambda raw: facilitator.post(
            "/sessies/nieuw/", _with(_form(**base, **other), name, raw)
        )

    def session_list() -> str:
        return facilitator.get("/sessies/")[1]

    def newest(column: str, table: str, where: str = "", params: tuple = ()):
        """(rows, the newest row's column), as a snapshot. Names are this module's constants."""
        where = f" WHERE {where}" if where else ""
        count = f"SELECT count(*) FROM {table}{where}"  # noqa: S608
        value = f"SELECT {column} FROM {table}{where} ORDER BY id DESC LIMIT 1"  # noqa: S608
        return lambda: (_one(query, count, params), _one(query, value, params))

    def agreement(key: str) -> Callable[[bytes], tuple[int, str]]:
        base = {"action": "Open dag organiseren", "owner": "Gemeente Westland"}
        base.pop(key, None)
        return lambda raw: facilitator.post(
            f"/sessies/{s}/afspraken/", _with(_form(**base), key, raw), htmx=True
        )

    def agreement_value(key: str) -> Callable[[], tuple[int, object]]:
        def snapshot():
            rows = query("SELECT fields FROM live_agreement WHERE session_id = %s", (s,))
            values = [_json(row[0]).get(key, "") for row in rows]  # empty: not stored
            return len(values), values[-1] if values else None

        return snapshot

    def drop_agreements() -> None:
        query("DELETE FROM live_agreement WHERE session_id = %s", (s,))

    def multiline_shown(text: str) -> str:
        return escape(text).replace("\n", "<br>")

    return [
        Field(
            "session title",
            200,
            required=True,
            send=new_session("title", {"partnership_name": "LOB West"}),
            snapshot=newest("title", "live_session"),
            page_once=session_list,
        ),
        Field(
            "partnership name",
            200,
            required=True,
            send=new_session("partnership_name", {"title": "Voorjaar"}),
            snapshot=newest("name", "live_partnership"),
            page_once=session_list,
        ),
        Field(
            "agreement: what (one line, required)",
            1000,
            required=True,
            send=agreement("action"),
            snapshot=agreement_value("action"),
            after=drop_agreements,
        ),
        Field(
            "agreement: with whom (one line)",
            1000,
            send=agreement("with_whom"),
            snapshot=agreement_value("with_whom"),
            after=drop_agreements,
        ),
        Field(
            "agreement: how we know (multi-line)",
            1000,
            multiline=True,
            send=agreement("success"),
            snapshot=agreement_value("success"),
            after=drop_agreements,
            shown=multiline_shown,
        ),
        Field(
            "review note",
            500,
            send=lambda raw: facilitator.post(
                f"/sessies/{second}/terugblik/",
                _with(_form(agreement=ctx.earlier_agreement_id, status=""), "note", raw),
                htmx=True,
            ),
            snapshot=newest("note", "live_agreementreview", "session_id = %s", (second,)),
        ),
    ]


def _json(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value)


# The run ----------------------------------------------------------------------------------------


@dataclass
class Report:
    sent: int = 0
    refused: int = 0
    accepted: int = 0
    statuses: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_corpus(all_fields: list[Field], report: Report | None = None) -> Report:
    """Every corpus string into every field, then every non-UTF-8 body."""
    report = report or Report()
    for f in all_fields:
        later: list[tuple[str, str]] = []
        for hostile in CORPUS:
            _send_text(f, hostile, report, later)
        for label, raw in BAD_UTF8:
            _send_bad_bytes(f, label, raw, report)
        if later:
            page = f.page_once()
            for where, want in later:
                _check_shown(f, want, page, where, report)
    return report


def _check_shown(f: Field, want: str, page: str, where: str, report: Report) -> None:
    if f.shown(want) not in page:
        report.problems.append(f"{where}: not shown escaped")
    if any(c in want for c in "<>\"'&") and len(want) >= 8 and want in page:
        report.problems.append(f"{where}: shown unescaped")


def _send_text(f: Field, hostile: Hostile, report: Report, later: list) -> None:
    want = f.expect(hostile.text, hostile.refused)
    before = f.snapshot()
    status, html = f.send(quote(hostile.text, safe="").encode())
    report.sent += 1
    report.statuses.append(status)
    where = f"{f.name} <- {hostile.label}: {status}"
    if status >= 500:
        report.problems.append(f"{where}: server error")
        return
    if want is None:
        report.refused += 1
        if not 400 <= status < 500:
            report.problems.append(f"{where}: should be refused with a 4xx")
        if f.snapshot() != before:
            report.problems.append(f"{where}: refused but stored {f.snapshot()!r}")
        return
    report.accepted += 1
    if status >= 400:
        report.problems.append(f"{where}: should be accepted")
        return
    stored = f.snapshot()[1]
    if stored != want:
        report.problems.append(f"{where}: stored {stored!r}, expected {want!r}")
    if f.page_once:
        later.append((where, want))
    else:
        _check_shown(f, want, f.page(want) if f.page else html, where, report)
    if f.after:
        f.after()


def _send_bad_bytes(f: Field, label: str, raw: bytes, report: Report) -> None:
    before = f.snapshot()
    status, html = f.send(raw)
    report.sent += 1
    report.statuses.append(status)
    where = f"{f.name} <- not UTF-8 ({label}): {status}"
    if status != 400:
        report.problems.append(f"{where}: should be refused with a 400")
    if "UTF-8" not in html:
        report.problems.append(f"{where}: the answer does not say what is wrong")
    if f.snapshot() != before:
        report.problems.append(f"{where}: stored {f.snapshot()!r}")
