"""Hearing about other desktops' changes: new articles, claims, tags, queued jobs.

``ChangeFeed(db).poll()`` returns the names of the tables changed since the last
call (``{"articles", "tags", ...}``; empty when nothing changed). On PostgreSQL it
LISTENs on ``cuttings_changes``, which statement-level triggers (migration 0003)
notify on commit, whoever wrote; on SQLite, where one desktop owns the file but other
processes (the CLI) may write too, it compares a cheap fingerprint of each table
(polling fallback: call it on a timer, e.g. every 2 s).

Thread rules: one feed per thread (it owns one connection on PostgreSQL); ``close()``
it when done.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text

from storage.db import Database

log = logging.getLogger(__name__)

CHANNEL = "cuttings_changes"

# table -> SQL fingerprint (changes whenever rows are added, removed or edited)
_FINGERPRINTS: dict[str, str] = {
    "articles": "SELECT count(*), max(id), max(updated_at) FROM articles",
    "claims": "SELECT count(*), max(id), max(updated_at), sum(version) FROM claims",
    "tags": "SELECT count(*), max(id), sum(version), max(color) FROM tags",
    "article_tags": "SELECT count(*), sum(articles_id * 7 + tags_id) FROM article_tags",
    "quote_tags": "SELECT count(*), sum(quotes_id * 7 + tags_id) FROM quote_tags",
    "claim_tags": "SELECT count(*), sum(claims_id * 7 + tags_id) FROM claim_tags",
    "credit_tags": "SELECT count(*), sum(photo_credits_id * 7 + tags_id) FROM credit_tags",
    "collections": "SELECT count(*), max(id) FROM collections",
    "collection_articles": "SELECT count(*), sum(collections_id * 7 + articles_id) "
                           "FROM collection_articles",
    "collection_claims": "SELECT count(*), sum(collections_id * 7 + claims_id) "
                         "FROM collection_claims",
    "capture_jobs": "SELECT count(*), max(id), max(updated_at) FROM capture_jobs",
}


class ChangeFeed:
    """Which tables other writers changed since the last :meth:`poll`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: Any = None
        self._last: dict[str, tuple[Any, ...]] = {}
        if db.engine.dialect.name == "postgresql":
            raw = db.engine.raw_connection()
            self._raw = raw
            self._conn = raw.driver_connection
            self._conn.autocommit = True
            self._conn.execute(f"LISTEN {CHANNEL}")
        else:
            self._last = self._fingerprints()

    def poll(self, timeout: float = 0.0) -> set[str]:
        """Tables changed since the last call; waits up to ``timeout`` seconds for the
        first notification on PostgreSQL (returns at once on SQLite)."""
        if self._conn is None:
            now = self._fingerprints()
            changed = {t for t, fp in now.items() if self._last.get(t) != fp}
            self._last = now
            return changed
        changed: set[str] = set()
        for note in self._conn.notifies(timeout=max(0.0, timeout), stop_after=1):
            changed.add(note.payload)
        # Drain whatever else has arrived, without waiting.
        for note in self._conn.notifies(timeout=0.0):
            changed.add(note.payload)
        return changed

    def _fingerprints(self) -> dict[str, tuple[Any, ...]]:
        with self.db.reader() as s:
            return {t: tuple(s.execute(text(sql)).one()) for t, sql in _FINGERPRINTS.items()}

    def close(self) -> None:
        if self._conn is not None:
            # An autocommit, listening connection never goes back to the pool.
            self._raw.invalidate()
            self._conn = None

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
