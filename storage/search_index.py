"""Keeping the SQLite search index compact: merging FTS5's segments a step at a time.

Every transaction that writes to an FTS5 table adds a small segment (b-tree) to its
index; FTS5 merges some of them as it goes, but an archive filled capture by capture
keeps tens of them (21 in the 100,000-article benchmark archive). Every search then
opens and seeks every segment of every phrase: about 25 us per FTS statement instead of
5, and slower walks. Merged down to one segment per table, the benchmark's query mix is
about 15% faster (``benchmarks/search_scale.py`` prints it).

:func:`tidy` runs FTS5's ``merge`` command (``-MERGE_PAGES``: merge any two or more
segments of a level, writing at most that many pages) one step at a time, each step in
its own short write transaction (about 0.1 s), until nothing is left to merge, a
deadline passes or the caller says stop. The window runs it in the background after each
capture batch (``desktop/capture_controller.py``), ``cuttings tidy`` runs it to the end.
It changes how the index is stored, never what it holds: searches give the same results.

PostgreSQL archives and read-only ones are left alone (nothing to do, nothing allowed).

Thread rules: call from a worker thread, never the GUI thread; it takes the archive's
write lock for one step at a time, so captures and edits interleave with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from storage.db import Database

log = logging.getLogger(__name__)

FTS_TABLES = ("articles_fts", "quotes_fts", "claims_fts", "credits_fts", "citations_fts")
MERGE_PAGES = 2000  # pages written per step (about 8 MB, 0.1 s)


@dataclass
class TidyResult:
    steps: int = 0  # merge steps that did some work
    finished: bool = True  # False when stopped (deadline, should_stop) with work left
    seconds: float = 0.0


def tidy(db: Database, *, deadline: float | None = None,
         should_stop: Callable[[], bool] | None = None) -> TidyResult:
    """Merge the search index's segments step by step (see the module docstring).

    ``deadline`` is a ``time.monotonic()`` value after which no new step starts.
    """
    started = time.monotonic()
    result = TidyResult()
    if db.engine.dialect.name != "sqlite" or db.readonly:
        return result
    for table in FTS_TABLES:
        while True:
            if (deadline is not None and time.monotonic() >= deadline) or (
                    should_stop is not None and should_stop()):
                result.finished = False
                result.seconds = time.monotonic() - started
                return result
            if not _merge_step(db, table):
                break
            result.steps += 1
    result.seconds = time.monotonic() - started
    if result.steps:
        log.info("search index tidied: %d merge steps in %.1f s", result.steps,
                 result.seconds)
    return result


def _merge_step(db: Database, table: str) -> bool:
    """One bounded merge of ``table``'s segments; True when it found work to do (FTS5
    documents that a merge which changed fewer than 2 rows was a no-op)."""
    with db.writer() as session:
        conn = session.connection()
        raw = conn.connection.driver_connection
        before = raw.total_changes
        conn.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('merge', "
                             f"{-MERGE_PAGES})")
        return bool(raw.total_changes - before >= 2)


def segments(db: Database, table: str = "articles_fts") -> int:
    """How many segments (b-trees) ``table``'s index has now (for tests and reports).
    Reads FTS5's ``%_idx`` shadow table, which holds one row per segment and leaf."""
    with db.reader() as session:
        return int(session.connection().exec_driver_sql(
            f"SELECT count(DISTINCT segid) FROM {table}_idx").scalar() or 0)
