"""Noticing changes that other processes make to the library.

Every change raises the library's version (see `store`). A watcher thread reads that
number once a second, a single-row read, and on PostgreSQL also listens for the
notification each change sends, so a change made anywhere is answered from everywhere
within about a second (a notification names the server: only its scopes are dropped).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from bot.library.store import CHANNEL, Library, LibraryError

log = logging.getLogger(__name__)

INTERVAL = 1.0
"""Seconds between two reads of the library version."""


class ChangeWatcher:
    """Calls `on_change(guild_id)` for each change another process makes to the library
    (`None`: some change, server unknown), from a thread of its own."""

    def __init__(
        self,
        library: Library,
        on_change: Callable[[int | None], None],
        interval: float = INTERVAL,
    ) -> None:
        self.library = library
        self.on_change = on_change
        self.interval = interval
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the watcher hears every change
        self._seen: int | None = None
        self._listening: Connection | None = None
        self._thread = threading.Thread(target=self._run, name="library-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        away = False
        while not self._stop.is_set():
            try:
                self._check_version()
                self._wait_for_notifications()
                if away:
                    log.info("library database reachable again")
                    away = False
                continue
            except (LibraryError, SQLAlchemyError, psycopg.Error) as exc:
                if not away:
                    log.warning(
                        "library changes unknown while the database is unreachable (%s)",
                        type(exc).__name__,
                    )
                    away = True
            except Exception:
                log.exception("watching the library for changes failed; trying again")
            self._forget_listener()
            self._stop.wait(self.interval)
        self._forget_listener()

    def _check_version(self) -> None:
        """Read the version; any change since the last read (or before the first: scopes
        may have been read before the watcher started) drops every scope."""
        version = self.library.version()
        if version != self._seen:
            self.on_change(None)
        self._seen = version
        if not self.library.is_postgresql:
            self.ready.set()

    def _wait_for_notifications(self) -> None:
        """Up to `interval` seconds: on PostgreSQL, handle the notifications that come."""
        if not self.library.is_postgresql:
            self._stop.wait(self.interval)
            return
        if self._listening is None:
            connection = self.library.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
            connection.execute(text(f"LISTEN {CHANNEL}"))
            self._listening = connection
            self.ready.set()
        driver = self._listening.connection.driver_connection
        for notification in driver.notifies(timeout=self.interval):  # type: ignore[union-attr]
            guild, _, version = notification.payload.partition(" ")
            following = self._seen is not None and int(version) == self._seen + 1
            self.on_change(int(guild) if following else None)
            self._seen = max(self._seen or 0, int(version))

    def _forget_listener(self) -> None:
        if self._listening is not None:
            with suppress(SQLAlchemyError, psycopg.Error):  # a connection already gone
                self._listening.close()
            self._listening = None
