"""SQLite, with the writers of one process taking turns on a lock instead of SQLite's retries.

SQLite lets one writer at a time. A second one waits in SQLite's busy handler, which sleeps and
tries again after 1, 2, 5 ... up to 100 ms: under a room's taps the writers of the HTTP threads
spent most of their time asleep while the lock was free. Here a write transaction first takes a
lock shared by the process's connections, handed over the moment the previous writer commits.
Writers in other processes (a management command) still meet SQLite's own lock and timeout.
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

#: One writer at a time per process, as SQLite allows one per database file.
_writer = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False

    def _start_transaction_under_autocommit(self):
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        if not _writer.acquire(timeout=timeout):
            raise OperationalError("database is locked (another thread kept writing)")
        self._holds_writer = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self):
        if self._holds_writer:
            self._holds_writer = False
            _writer.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer()
