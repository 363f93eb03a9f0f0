"""Keeping the SQLite search index compact: merging FTS5's segments a step at a time.

Every transaction that writes to an FTS5 table adds a small segment (b-tree) to its
index; FTS5 merges some of them as it goes, but an archive filled capture by capture
keeps tens of them (21 in the 100,000-article benchmark archive). Every search then
opens and seeks every segment of every phrase: about 25 us per FTS statement instead of
5, and slower walks. Merged down, the benchmark's query mix is about 15% faster
(``benchmarks/search_scale.py`` prints it).

:func:`tidy` runs FTS5's ``merge`` command one bounded step at a time (at most
``MERGE_PAGES`` pages, about 0.1 s), each in its own short write transaction, until
nothing is left to merge, a deadline passes or the caller says stop:

* by default incrementally: ``merge`` with a positive page count and ``usermerge`` 2, so
  any two segments of a level are merged and a merge stopped half-way is carried on by
  the next call. After a capture adds a small segment only small merges follow; the
  index settles at a few segments. The window runs this for a few seconds after each
  capture batch (``desktop/capture_controller.py``), ``cuttings add`` too.
* ``full=True`` (``cuttings tidy``): ``merge`` with a negative count, which merges
  everything into one segment (7 s at 100,000 articles). Stopped half-way and followed
  by writes, it would start over, so it is only for running to the end.

It changes how the index is stored, never what it holds: searches give the same results.
An archive busy in another program stops it (logged; nothing to lose). A damaged index
raises :class:`storage.index_health.SearchIndexDamagedError` (one line, with the way to
rebuild it). PostgreSQL archives and read-only ones are left alone.

Thread rules: call from a worker thread, never the GUI thread; it takes the archive's
write lock for one step at a time, so captures and edits interleave with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from storage.db import ArchiveBusyError, Database

log = logging.getLogger(__name__)

FTS_TABLES = ("articles_fts", "quotes_fts", "claims_fts", "credits_fts", "citations_fts")
MERGE_PAGES = 2000  # pages written per step (about 8 MB, 0.1 s)
USERMERGE = 2  # segments of one level that an incremental merge combines


@dataclass
class TidyResult:
    steps: int = 0  # merge steps that did some work
    finished: bool = True  # False when stopped (deadline, should_stop, busy) with work left
    seconds: float = 0.0
    busy: bool = False  # another program held the archive


def tidy(db: Database, *, full: bool = False, deadline: float | None = None,
         should_stop: Callable[[], bool] | None = None) -> TidyResult:
    """Merge the search index's segments step by step (see the module docstring).

    ``deadline`` is a ``time.monotonic()`` value after which no new step starts.
    """
    started = time.monotonic()
    result = TidyResult()
    if db.engine.dialect.name != "sqlite" or db.readonly:
        return result
    pages = -MERGE_PAGES if full else MERGE_PAGES
    try:
        for table in FTS_TABLES:
            if not full:
                _set_usermerge(db, table)
            while True:
                if (deadline is not None and time.monotonic() >= deadline) or (
                        should_stop is not None and should_stop()):
                    result.finished = False
                    break
                if not _merge_step(db, table, pages):
                    break
                result.steps += 1
            if not result.finished:
                break
    except ArchiveBusyError as exc:
        log.info("search index not tidied: %s", exc)
        result.finished, result.busy = False, True
    except DBAPIError as exc:
        from storage.index_health import SearchIndexDamagedError, is_index_damage

        if not is_index_damage(exc):
            raise
        log.info("search index not tidied, it is damaged: %s", exc.orig)
        raise SearchIndexDamagedError(str(exc.orig)) from None
    result.seconds = time.monotonic() - started
    if result.steps:
        log.info("search index tidied: %d merge steps in %.1f s%s", result.steps,
                 result.seconds, "" if result.finished else " (more to do)")
    return result


def _set_usermerge(db: Database, table: str) -> None:
    """Let a positive ``merge`` combine any two segments of a level (FTS5's default
    waits for four). Stored in the table's config; written only when it differs."""
    with db.reader() as session:
        current = session.connection().exec_driver_sql(
            f"SELECT v FROM {table}_config WHERE k = 'usermerge'").scalar()
    if current != USERMERGE:
        with db.writer() as session:
            session.connection().exec_driver_sql(
                f"INSERT INTO {table}({table}, rank) VALUES ('usermerge', {USERMERGE})")


def _merge_step(db: Database, table: str, pages: int) -> bool:
    """One bounded merge of ``table``'s segments; True when it found work to do (FTS5
    documents that a merge which changed fewer than 2 rows was a no-op)."""
    with db.writer() as session:
        conn = session.connection()
        raw = conn.connection.driver_connection
        before = raw.total_changes
        conn.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('merge', {pages})")
        return bool(raw.total_changes - before >= 2)


def segments(db: Database, table: str = "articles_fts") -> int:
    """How many segments (b-trees) ``table``'s index has now (for tests and reports).
    Reads FTS5's ``%_idx`` shadow table, which holds one row per segment and leaf."""
    with db.reader() as session:
        return int(session.connection().exec_driver_sql(
            f"SELECT count(DISTINCT segid) FROM {table}_idx").scalar() or 0)
