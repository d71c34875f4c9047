"""Serve Reflectie with daphne and say which addresses to open.

The process is replaced by daphne (exec), so signals and the exit code are daphne's own. daphne
runs through reflectie/server.py, without its access log unless ACCESS_LOG asks for one.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from reflectie.netinfo import is_local_host, served_urls
from reflectie.services_check import ServicesUnreachable, check_services


def server_argv(host: str, port: int) -> list[str]:
    """daphne's command line. daphne writes every request's path to stdout unless told
    otherwise (`--verbosity 1`, its default), join codes and share tokens included: here no
    access log, unless ACCESS_LOG names a file ("-": stdout), and then with those masked."""
    # The same virtualenv's Python, also when .venv/bin is not on PATH.
    argv = [sys.executable, "-m", "reflectie.server", "-b", host, "-p", str(port), "-v", "0"]
    access_log = os.environ.get("ACCESS_LOG")
    if access_log:
        argv += ["--access-log", access_log]
    argv.append("reflectie.asgi:application")
    return argv


class Command(BaseCommand):
    help = "Serve the app with daphne on all interfaces and print the addresses to open."
    requires_system_checks = []  # daphne loads the app and runs nothing else; checks ran in migrate

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0", help="Address to bind (default 0.0.0.0).")  # noqa: S104
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")

    def handle(self, *args, host: str, port: int, **options):
        try:
            check_services()
        except ServicesUnreachable as exc:
            raise CommandError(str(exc)) from None
        # The server's pages show the LAN address only when it listens there.
        os.environ["REFLECTIE_BIND_HOST"] = host
        if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            # Production mode serves the collected files only: without them no page has style.
            self.stdout.write("Statische bestanden verzamelen (eenmalig)...")
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(self.banner(host, port))
        self.stdout.flush()
        argv = server_argv(host, port)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(argv[0], argv)  # noqa: S606 (fixed argv, no shell)

    def banner(self, host: str, port: int) -> str:
        local, others = served_urls(host, port)
        if settings.SITE_URL:
            others = f"deelnemers: {others}"
        elif is_local_host(host):
            others = f"alleen bereikbaar op deze laptop (--host {host})"
        elif others:
            others = f"telefoons op hetzelfde netwerk: {others}"
        else:
            others = "geen netwerkadres gevonden: telefoons kunnen nu niet meedoen"
        mode = " (ontwikkelmodus: DEBUG staat aan)" if settings.DEBUG else ""
        return f"Reflectie draait{mode}. Open op deze laptop: {local} — {others}\nStoppen: Ctrl+C"
