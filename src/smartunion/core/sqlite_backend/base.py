"""Django's SQLite backend with writers queued on a file lock instead of SQLite's busy handler.

SQLite lets one writer at a time; a second one that finds the lock taken sleeps in its busy handler (1, 2, 5, 10,
15, 20, 25 ... ms, then tries again), so two gunicorn workers filing at once spend more time asleep than working:
one worker filed 130 cases/s, two only 82/s. Here every transaction (BEGIN IMMEDIATE, settings.py) first takes an
exclusive flock on `<database>-writer.lock`, which the kernel hands to the next waiter the moment the holder
commits or rolls back (or dies: the lock goes with the process), so writers follow each other without sleeping.
Single statements outside a transaction keep SQLite's own busy handler. An in-memory database (the tests) has one
process and no file: nothing is locked.

Before a connection closes (they live a minute, settings.CONN_MAX_AGE) it runs `PRAGMA optimize`, SQLite's advice for
connections that come and go: the tables this connection queried whose planner statistics look stale (never taken, or
the table grew or shrank tenfold since) are analysed again, reading at most ANALYSIS_LIMIT rows of each index, so a
database that grew after its seeding keeps plans that fit its size. It writes, so it takes the writers' lock without
waiting: when another writer holds it, a later close does the work.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3

from django.db.backends.sqlite3 import base

from smartunion.core.files import FILE_MODE

log = logging.getLogger(__name__)
ANALYSIS_LIMIT = 1000  # rows of each index that PRAGMA optimize's ANALYZE reads (an estimate, not a full scan)


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_held = False

    def _writer_lock(self) -> int | None:
        if self._lock_fd is None and not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}-writer.lock"
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        return self._lock_fd

    def _start_transaction_under_autocommit(self):
        fd = self._writer_lock()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._lock_held = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # Django's, not in the stubs
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._lock_held and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._lock_held = False

    def _commit(self):
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _optimize_statistics(self) -> None:
        if self.connection is None or self.in_atomic_block or self.is_in_memory_db():
            return
        fd = self._writer_lock()
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a writer is busy: not worth making it wait
        try:
            self.connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            self.connection.execute("PRAGMA optimize")
        except sqlite3.Error as error:  # statistics are an optimisation: never fail the close for them
            log.warning("PRAGMA optimize failed: %s", error)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _close(self):
        self._optimize_statistics()
        try:
            return super()._close()  # type: ignore[misc]  # BaseDatabaseWrapper._close, not in the stubs
        finally:
            self._release_writer()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
