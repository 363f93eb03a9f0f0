"""Merging the search index (storage/search_index.py): fewer segments, the same results,
bounded steps that stop when asked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

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


def test_tidy_merges_every_table_to_one_segment_and_keeps_the_results(
        archive: Database) -> None:
    assert segments(archive) > 1 and segments(archive, "quotes_fts") > 1
    before = _results(archive)
    assert all(before.values())
    result = tidy(archive)
    assert result.finished and result.steps >= 2
    assert all(segments(archive, table) <= 1 for table in FTS_TABLES)
    assert _results(archive) == before
    again = tidy(archive)  # nothing left to merge
    assert again.finished and again.steps == 0


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


def test_tidy_leaves_a_read_only_archive_alone(archive: Database) -> None:
    many = segments(archive)
    ro = open_database(archive.url, readonly=True)
    try:
        result = tidy(ro)
    finally:
        ro.dispose()
    assert result.finished and result.steps == 0 and segments(archive) == many
