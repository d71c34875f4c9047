"""What the shorter browser tests share: the live server, people who are already in (by cookie,
quicker than typing the code or the password), and a watch on the Content-Security-Policy.

Cookies are made before the browser starts: see chromium() for why the ORM comes first.
"""

from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings
from django.test import Client

from instruments.models import Item
from sessions import lifecycle, participation

from .conftest import FreshDaphneProcess

# Every violation of the page's Content-Security-Policy, and every eval htmx refused (allowEval
# is off), from before the first script runs. Playwright's init scripts are not subject to the
# policy.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
document.addEventListener("htmx:evalDisallowedError", function (e) {
  window.__csp.push("htmx eval: " + (e.target && e.target.outerHTML || "").slice(0, 200));
});
"""
# Set once the page has loaded: still there later means the page was not replaced or reloaded.
MARK_PAGE = "window.__samePage = 1"
SAME_PAGE = "window.__samePage === 1"


class LiveServerTests(ChannelsLiveServerTestCase):
    ProtocolServerProcess = FreshDaphneProcess
    host = "127.0.0.1"


def first_round(user, instrument):
    """user's session "Regiotafel LOB" scoring the instrument's first theme with statements;
    returns the session and that theme's first statement."""
    theme = instrument.themes.filter(items__kind=Item.Kind.STATEMENT).distinct().first()
    session = lifecycle.create_session(
        user, instrument, title="Regiotafel LOB", partnership_name="LOB Regio West"
    )
    lifecycle.open_round(session, theme.pk)
    return session, theme.items.filter(kind=Item.Kind.STATEMENT).first()


def phone_cookie(session) -> dict:
    """A new participant in this session: the device cookie its phone would have."""
    _participant, token, _created = participation.join(session, None)
    return {"name": participation.cookie_name(session.code), "value": token}


def login_cookie(user) -> dict:
    """The session cookie of this user, logged in."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


def open_page(browser, url: str, cookie: dict, context_options: dict, problems: list[str]):
    """A new page with this cookie, watching for script errors and policy violations."""
    context = browser.new_context(**context_options)
    context.add_cookies([{**cookie, "url": url}])
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"error: {exc}"))

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    return page
