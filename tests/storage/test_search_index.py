"""Merging the search index (storage/search_index.py): fewer segments, the same results,
bounded steps that stop when asked."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

import storage.db
from storage import search_index
from storage.db import Database, open_database
from storage.models import Quote
from storage.search import SqliteSearch
from storage.search_index import FTS_TABLES, segments, tidy
from tests.storage.search_fixture import article

QUERIES = ["harbour", '"storm warning"', "tid*", "harbour -storm", "storm OR flood",
           "is:quote harbour"]


@pytest.fixture()
def archive(tmp_path: Path) -> Database:
    """Articles written one transaction each, as captures are: many small segments."""
    db = open_database("sqlite:///" + str(tmp_path / "a.db"))
    for n in range(60):
        with db.writer() as s:
            a = article(n + 1, title=f"Harbour notes {n}",
                        text="harbour tide report " + ("storm warning " * (n % 3))
                        + ("flood " if n % 5 == 0 else ""))
            s.add(a)
            s.flush()
            s.add(Quote(article_id=a.id, text=f"the harbour is calm today {n}", speaker="Ana"))
    yield db
    db.dispose()


def _results(db: Database) -> dict[str, list[tuple[str, int, float]]]:
    engine = SqliteSearch(db)
    return {q: [(h.kind, h.id, round(h.score, 9)) for h in engine.search(q, limit=100).hits]
            for q in QUERIES}


def _add(db: Database, n: int) -> None:
    with db.writer() as s:
        s.add(article(1000 + n, title=f"Late notes {n}", text="harbour tide report, late"))


def test_full_tidy_merges_every_table_to_one_segment_and_keeps_the_results(
        archive: Database) -> None:
    assert segments(archive) > 1 and segments(archive, "quotes_fts") > 1
    before = _results(archive)
    assert all(before.values())
    result = tidy(archive, full=True)
    assert result.finished and result.steps >= 2
    assert all(segments(archive, table) <= 1 for table in FTS_TABLES)
    assert _results(archive) == before
    again = tidy(archive, full=True)  # nothing left to merge
    assert again.finished and again.steps == 0


def test_incremental_tidy_merges_small_and_carries_on_where_it_stopped(
        archive: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    many = segments(archive)
    before = _results(archive)
    done = tidy(archive)
    assert done.finished and segments(archive) < many
    assert _results(archive) == before
    settled = segments(archive)
    # A capture adds a small segment: only a small merge follows, not a rewrite of all.
    _add(archive, 1)
    assert tidy(archive).steps <= 2 and segments(archive) <= settled + 1
    # Stopped after every step while captures keep coming, it still converges (a merge
    # of everything would start over each time and leave ever more segments behind).
    monkeypatch.setattr(search_index, "MERGE_PAGES", 2)
    for n in range(12):
        calls: list[int] = []
        tidy(archive, should_stop=lambda: calls.append(1) or len(calls) > 3)  # noqa: B023
        _add(archive, 100 + n)
    monkeypatch.setattr(search_index, "MERGE_PAGES", 2000)
    assert segments(archive) <= settled + 3
    assert tidy(archive).finished and segments(archive) <= settled + 1


def test_tidy_stops_at_its_deadline_or_when_asked(archive: Database) -> None:
    many = segments(archive)
    late = tidy(archive, deadline=time.monotonic() - 1)
    assert not late.finished and late.steps == 0 and segments(archive) == many
    calls = []

    def stop_after_one() -> bool:
        calls.append(1)
        return len(calls) > 1

    stopped = tidy(archive, should_stop=stop_after_one)
    assert not stopped.finished and stopped.steps == 1
    assert tidy(archive).finished  # and carries on where it stopped


def test_tidy_gives_way_to_another_program_holding_the_archive(
        archive: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 50)  # not the app's 5 s
    db = open_database(archive.url)
    path = archive.url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # e.g. a sqlite3 shell, or a sync tool
    try:
        result = tidy(db)  # waits out the busy timeout, then stops: no exception
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.busy and not result.finished and result.steps == 0
    assert tidy(db).finished
    db.dispose()


def test_tidy_leaves_a_read_only_archive_alone(archive: Database) -> None:
    many = segments(archive)
    ro = open_database(archive.url, readonly=True)
    try:
        result = tidy(ro)
    finally:
        ro.dispose()
    assert result.finished and result.steps == 0 and segments(archive) == many
