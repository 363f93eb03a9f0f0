"""cuttings_bm25() and its helpers (storage/_fts5rank.c, storage/search_rank.py): the
same scores as FTS5's bm25(), document frequencies counted or estimated, id bitmaps,
and searches that rank alike with and without the extension."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

import storage.search as search_mod
from storage import search_rank
from storage.db import Database, open_database
from storage.query import parse
from storage.search import SqliteSearch
from tests.storage.search_fixture import article, fill_search_archive

WEIGHTS = "10.0, 2.0, 2.0, 1.0"


@pytest.fixture()
def archive(tmp_path: Path) -> Database:
    db = open_database("sqlite:///" + str(tmp_path / "a.db"))
    fill_search_archive(db)
    with db.writer() as s:  # more rows, so that common and rare words differ in IDF
        for n in range(40):
            s.add(article(100 + n, title=f"Harbour notes {n}",
                           text=("harbour tide report " * (1 + n % 3))
                           + ("storm warning " if n % 4 == 0 else "")
                           + ("flood barrier " if n % 7 == 0 else "")))
    yield db
    db.dispose()


def _con(db: Database) -> sqlite3.Connection:
    raw = db.engine.raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


def test_the_extension_is_built_and_on_every_connection(archive: Database) -> None:
    assert search_rank.extension_loaded()
    con = _con(archive)
    assert search_rank.connection_has_function(con.cursor())
    names = {r[0] for r in con.execute("SELECT name FROM pragma_function_list")}
    assert {"cuttings_bm25", "cuttings_rowcount", "cuttings_bitmap", "cuttings_in"} <= names


QUERIES = ['harbour', '"flood barrier"', 'harb*', 'harbour storm', 'storm OR flood',
           '(harbour) NOT (storm)', 'authors : "jane roe"', 'tide AND "harbour tide" AND r*']


def _exact_dfs(con: sqlite3.Connection, match: str) -> str:
    dfs = []
    for phrase in search_rank.phrases(match):
        n = con.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                        (phrase,)).fetchone()[0]
        dfs.append(str(n))
    return ",".join(dfs)


@pytest.mark.parametrize("match", QUERIES)
def test_scores_equal_bm25_when_counting_or_told_the_true_frequencies(
        archive: Database, match: str) -> None:
    con = _con(archive)
    dfs = _exact_dfs(con, match)
    rows = con.execute(
        f"SELECT rowid, bm25(articles_fts, {WEIGHTS}), "
        f"cuttings_bm25(articles_fts, '', {WEIGHTS}), "
        f"cuttings_bm25(articles_fts, ?, {WEIGHTS}) "
        "FROM articles_fts WHERE articles_fts MATCH ?", (dfs, match)).fetchall()
    assert rows, match
    for _rowid, bm25, counted, told in rows:
        assert counted == pytest.approx(bm25, rel=1e-12, abs=1e-15)
        # Told the true frequencies, phrase by phrase in FTS5's order: the same score.
        # (A list out of step with FTS5's phrases would weigh the wrong phrase.)
        assert told == pytest.approx(bm25, rel=1e-12, abs=1e-15)


def test_told_frequencies_are_used_and_u_leaves_the_idf_out(archive: Database) -> None:
    con = _con(archive)
    n_rows = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    rows = con.execute(
        f"SELECT bm25(articles_fts, {WEIGHTS}), cuttings_bm25(articles_fts, '1', {WEIGHTS}), "
        f"cuttings_bm25(articles_fts, 'u', {WEIGHTS}), cuttings_rowcount(articles_fts) "
        "FROM articles_fts WHERE articles_fts MATCH 'storm'").fetchall()
    df = con.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'storm'"
                     ).fetchone()[0]
    assert df > 1
    for bm25, rare, unscaled, rowcount in rows:
        assert rowcount == n_rows
        true_idf = search_rank.Ranker.idf(rowcount, df)
        assert unscaled * true_idf == pytest.approx(bm25, rel=1e-12)
        # Told the word is in one row only: a larger IDF, a better (more negative) score.
        assert rare == pytest.approx(unscaled * search_rank.Ranker.idf(rowcount, 1), rel=1e-12)
        assert rare < bm25


def test_idf_is_floored_like_bm25() -> None:
    assert search_rank.Ranker.idf(100, 1) == pytest.approx(math.log(99.5 / 1.5))
    assert search_rank.Ranker.idf(100, 60) == 1e-6  # in more than half the rows
    assert search_rank.Ranker.idf(100, 500) == 1e-6  # an estimate above the row count


def test_phrases_of_query_expressions_in_order() -> None:
    q = parse('"flood wall" harb* cost')
    assert search_rank.phrases(q.match_expression() or "") == [
        '"flood wall"', '"harb" *', '"cost"']
    assert search_rank.phrases('("a" OR "b ""c""") NOT ("d") AND speaker : "lena park"') == [
        '"a"', '"b ""c"""', '"d"', 'speaker : "lena park"']
    assert search_rank.phrases("") == []


@pytest.mark.parametrize(("ids", "expected"), [
    (list(range(1, 151)), 150.0),  # at most the sample: counted
    (list(range(1, 10_001, 2)), 5000.0),  # every other row of 10,000
    (list(range(9_001, 10_001)), 1000.0),  # only lately in the news: not a common word
    (list(range(1, 1_001)), 1000.0),  # only years ago
])
def test_document_frequency_counted_or_estimated(ids: list[int], expected: float) -> None:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    con.executemany("INSERT INTO t(rowid, body) VALUES (?, 'x')", [(n,) for n in range(1, 10_001)])
    con.executemany("UPDATE t SET body = 'x word' WHERE rowid = ?", [(n,) for n in ids])

    def rows(sql: str, params: dict) -> list[tuple]:
        return con.execute(sql, params).fetchall()

    df = search_rank.Ranker(rows, enabled=True).df("t", '"word"')
    assert df == pytest.approx(expected, rel=0.02)


def test_bitmaps_of_ids() -> None:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")  # loads the extension's functions
    con.execute("CREATE TABLE ids(id)")
    con.executemany("INSERT INTO ids VALUES (?)", [(5,), (9,), (None,), (-3,), ("x",), (70_000,)])
    bits = con.execute("SELECT cuttings_bitmap(id) FROM ids").fetchone()[0]
    assert isinstance(bits, bytes) and len(bits) == 70_000 // 8 + 1
    found = [n for n in range(-5, 70_010)
             if con.execute("SELECT cuttings_in(?, ?)", (n, bits)).fetchone()[0]]
    assert found == [5, 9, 70_000]
    empty = con.execute("SELECT cuttings_bitmap(id) FROM ids WHERE 0").fetchone()[0]
    assert empty == b"" and con.execute("SELECT cuttings_in(1, ?)", (empty,)).fetchone()[0] == 0
    assert con.execute("SELECT cuttings_in(1, NULL)").fetchone()[0] == 0
    with pytest.raises(sqlite3.OperationalError, match="too large"):
        con.execute("SELECT cuttings_bitmap(?)", (1 << 40,)).fetchone()


SEARCHES = ["harbour", "harbour storm", '"flood barrier"', "harb*", "storm OR flood",
            "harbour -storm", "tide site:news.example", "harbour is:article before:2030",
            "tag:Flooding harbour", "speaker:\"Lena Park\" harbour"]


@pytest.mark.parametrize("limits", [{}, {"WINDOW": 5, "FULL_RANK_LIMIT": 8}])
def test_searches_rank_alike_with_and_without_the_extension(
        archive: Database, monkeypatch: pytest.MonkeyPatch, limits: dict[str, int]) -> None:
    for name, value in limits.items():
        monkeypatch.setattr(search_mod, name, value)
    engine = SqliteSearch(archive)
    fast = {q: engine.search(q, limit=100) for q in SEARCHES}
    monkeypatch.setattr(search_mod, "_has_rank_function", lambda s: False)
    slow = {q: engine.search(q, limit=100) for q in SEARCHES}
    assert any(len(r.hits) > 5 for r in fast.values())
    for q in SEARCHES:
        assert fast[q].error is None and slow[q].error is None
        assert [(h.kind, h.id) for h in fast[q].hits] == [(h.kind, h.id) for h in slow[q].hits], q
        assert fast[q].total == slow[q].total
        for a, b in zip(fast[q].hits, slow[q].hits, strict=True):
            if fast[q].ranked:  # every match counted: the very same scores
                assert a.score == pytest.approx(b.score, rel=1e-9), q
