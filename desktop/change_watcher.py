"""Other desktops' changes, for the window: new articles, claims and tags appear
without a restart on a shared (PostgreSQL) archive.

``ChangeWatcher(db)`` runs a :class:`storage.changes.ChangeFeed` (LISTEN/NOTIFY) on its
own thread and emits ``changed(set_of_table_names)`` (queued to the GUI thread) when
a change to the archive's contents is committed by anyone. ``watch_changes`` returns
None for an SQLite archive: one desktop owns the file (instance lock), and it already
refreshes after its own changes. ``stop()`` before closing the archive.

Thread rules: create, connect and stop on the GUI thread; the feed lives on the
watcher's thread only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from storage.archive import Archive
from storage.changes import ChangeFeed
from storage.db import Database

log = logging.getLogger(__name__)

POLL_S = 2.0
IGNORED = frozenset({"capture_jobs"})  # the capture queue has its own view


class ChangeWatcher(QObject):
    changed = Signal(object)  # set[str]: tables changed

    def __init__(self, db: Database, parent: QObject | None = None,
                 interval: float = POLL_S) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(db, interval),
                                        name="change-feed", daemon=True)
        self._thread.start()

    def _loop(self, db: Database, interval: float) -> None:
        try:
            feed = ChangeFeed(db)
        except Exception:  # noqa: BLE001 - no live updates, the window still works
            log.exception("cannot listen for other desktops' changes")
            return
        try:
            while not self._stop.is_set():
                try:
                    tables = feed.poll(timeout=interval) - IGNORED
                except Exception as exc:  # noqa: BLE001 - a dropped connection: retry later
                    log.warning("change feed: %s", type(exc).__name__)
                    self._stop.wait(interval)
                    continue
                if tables and not self._stop.is_set():
                    self.changed.emit(tables)
        finally:
            try:
                feed.close()
            except Exception:  # noqa: BLE001
                log.debug("change feed close failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=POLL_S * 3)


def watch_changes(archive: Archive, on_change: Callable[[], object],
                  parent: QObject | None = None) -> ChangeWatcher | None:
    """Call ``on_change()`` on the GUI thread when another desktop changes the archive."""
    if archive.db.is_sqlite:
        return None
    watcher = ChangeWatcher(archive.db, parent)
    watcher.changed.connect(lambda _tables: on_change())
    return watcher
