"""daphne as `manage.py serve` starts it: daphne's own command line, with join codes and share
tokens masked in its access log.

`serve` turns the access log off (daphne writes one to stdout by default, with every path); it is
written only when ACCESS_LOG names a file (or "-" for stdout), and then through ``masked``.

Run as ``python -m reflectie.server <daphne's arguments>``.
"""

import sys
from collections.abc import Callable

# daphne.cli imports daphne.server first, which must install its reactor before Twisted loads.
from daphne.cli import CommandLineInterface
from daphne.server import Server

from reflectie.private_logs import mask

ActionLogger = Callable[[str, str, dict], None]


def masked(action_logger: ActionLogger | None) -> ActionLogger | None:
    """daphne's access logger, given each request's path with its secrets masked."""
    if action_logger is None:
        return None

    def log(protocol: str, action: str, details: dict) -> None:
        action_logger(protocol, action, {**details, "path": mask(str(details.get("path", "")))})

    return log


class MaskingServer(Server):
    def __init__(self, *args, action_logger: ActionLogger | None = None, **kwargs):
        super().__init__(*args, action_logger=masked(action_logger), **kwargs)


class MaskingCommandLine(CommandLineInterface):
    server_class = MaskingServer


if __name__ == "__main__":
    sys.exit(MaskingCommandLine.entrypoint())
