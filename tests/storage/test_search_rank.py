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
        f"cuttings_bm25(articles_fts, '', '', {WEIGHTS}), "
        f"cuttings_bm25(articles_fts, 'articles_fts', ?, {WEIGHTS}) "
        "FROM articles_fts WHERE articles_fts MATCH ?", (dfs, match)).fetchall()
    assert rows, match
    for _rowid, bm25, counted, told in rows:
        assert counted == pytest.approx(bm25, rel=1e-12, abs=1e-15)
        # Told the true frequencies, phrase by phrase in FTS5's order: the same score.
        # (A list out of step with FTS5's phrases would weigh the wrong phrase.)
        assert told == pytest.approx(bm25, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("given", "read_as"), [
    ("2", 2.0), ("2.5", 2.5), ("0.25", 0.25), ("u", None),
    # Not a number as we write them: counted like bm25() does.
    ("", "count"), (" 2", "count"), ("2x", "count"), ("2;3", "count"), ("-2", "count"),
    ("uu", "count"), ("2,5", 2.0),  # a comma separates phrases, never a decimal mark
])
def test_frequency_list_is_read_the_same_in_every_locale(given: str, read_as: object) -> None:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    con.executemany("INSERT INTO t(body) VALUES (?)",
                    [("storm at sea",), ("calm",), ("storm storm",), ("calm sea",)] * 5)
    got, bm25, unscaled, rows = con.execute(
        "SELECT cuttings_bm25(t, 't', ?), bm25(t), cuttings_bm25(t, 't', 'u'), "
        "cuttings_rowcount(t) "
        "FROM t WHERE t MATCH 'storm' LIMIT 1", (given,)).fetchone()
    if read_as == "count":
        assert got == pytest.approx(bm25, rel=1e-12)
    elif read_as is None:
        assert got == pytest.approx(unscaled, rel=1e-12)
    else:
        assert got == pytest.approx(unscaled * search_rank.Ranker.idf(rows, read_as), rel=1e-12)


def test_told_frequencies_are_used_and_u_leaves_the_idf_out(archive: Database) -> None:
    con = _con(archive)
    n_rows = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    rows = con.execute(
        f"SELECT bm25(articles_fts, {WEIGHTS}), "
        f"cuttings_bm25(articles_fts, 'articles_fts', '1', {WEIGHTS}), "
        f"cuttings_bm25(articles_fts, 'articles_fts', 'u', {WEIGHTS}), "
        "cuttings_rowcount(articles_fts) "
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


def _scores(con: sqlite3.Connection, match: str = "storm") -> list[tuple[int, float, float]]:
    return con.execute("SELECT rowid, bm25(t), cuttings_bm25(t, 't', '') FROM t "
                       "WHERE t MATCH ? ORDER BY rowid", (match,)).fetchall()


def _lengths(con: sqlite3.Connection) -> int:
    # FROM t: the statement reads the table, so it sees the database's current version.
    return con.execute("SELECT cuttings_lengths('t') FROM t LIMIT 1").fetchone()[0]


def _assert_same_scores(rows: list[tuple[int, float, float]]) -> None:
    assert rows
    for _rowid, bm25, ours in rows:
        assert ours == pytest.approx(bm25, rel=1e-12, abs=1e-15)


def test_document_lengths_are_kept_once_scoring_costs_more_and_dropped_on_any_write(
        tmp_path: Path) -> None:
    path = str(tmp_path / "lengths.db")
    reader, writer = sqlite3.connect(path), sqlite3.connect(path)
    reader.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    with writer:
        writer.executemany("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)",
                           [(n, f"note {n}", "storm " + "calm sea " * (n % 9))
                            for n in range(1, 3001)])
    # A few scored rows: looked up one by one, nothing is kept.
    rows = reader.execute("SELECT bm25(t), cuttings_bm25(t, 't', '') FROM t "
                          "WHERE t MATCH 'storm' LIMIT 20").fetchall()
    assert all(ours == pytest.approx(bm25, rel=1e-12) for bm25, ours in rows)
    assert _lengths(reader) == 0
    # Scoring every row costs more than reading all lengths: they are kept, and the
    # scores stay bm25()'s, from the first row to the last and on the next search.
    _assert_same_scores(_scores(reader))
    assert _lengths(reader) == 3000
    _assert_same_scores(_scores(reader))
    # Another connection changes lengths, deletes a row and gives its id to a new one.
    with writer:
        writer.execute("UPDATE t SET body = 'storm ' || body || body WHERE rowid % 100 = 0")
        writer.execute("DELETE FROM t WHERE rowid = 7")
        writer.execute("INSERT INTO t(rowid, title, body) VALUES "
                       "(7, 'a much longer title than before', 'storm ' || "
                       "'wind rain hail ' || 'wind rain hail ')")
    assert _lengths(reader) == 0  # the database moved on: dropped
    rows = _scores(reader)
    _assert_same_scores(rows)
    assert _lengths(reader) == 3000  # and read again
    _assert_same_scores(_scores(reader))
    # Inside its own write transaction the connection does not use them at all.
    reader.execute("BEGIN")
    reader.execute("UPDATE t SET body = body || ' storm storm' WHERE rowid <= 50")
    _assert_same_scores(_scores(reader))
    reader.execute("COMMIT")
    _assert_same_scores(_scores(reader))
    # No table name: scored without them (and a name with no docsize table is harmless).
    rows = reader.execute("SELECT bm25(t), cuttings_bm25(t, '', ''), "
                          "cuttings_bm25(t, 'no_such_table', '') FROM t WHERE t MATCH 'storm'"
                          ).fetchall()
    assert all(a == pytest.approx(bm25, rel=1e-12) and b == pytest.approx(bm25, rel=1e-12)
               for bm25, a, b in rows)
    reader.close()
    writer.close()


def test_lengths_are_never_read_inside_a_write_that_is_rolled_back(tmp_path: Path) -> None:
    """A statement that outlives a BEGIN on its own connection: the lengths it would
    read meanwhile are uncommitted, and a ROLLBACK leaves the data version as it was."""
    con = sqlite3.connect(str(tmp_path / "rollback.db"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)",
                    [(n, "storm " + "calm sea " * (n % 7)) for n in range(1, 3001)])
    con.execute("COMMIT")
    open_cursor = con.execute("SELECT cuttings_bm25(t, 't', '') FROM t WHERE t MATCH 'storm'")
    open_cursor.fetchone()  # one row scored outside any transaction
    con.execute("BEGIN")
    con.execute("UPDATE t SET body = body || ' wind wind wind wind' WHERE rowid % 2 = 0")
    inside = con.execute("SELECT bm25(t), cuttings_bm25(t, 't', '') FROM t "
                         "WHERE t MATCH 'storm'").fetchall()
    assert all(ours == pytest.approx(bm25, rel=1e-12) for bm25, ours in inside)
    open_cursor.fetchall()  # scores thousands of rows inside the write transaction
    assert _lengths(con) == 0  # nothing read from uncommitted rows
    con.execute("ROLLBACK")
    _assert_same_scores(_scores(con))
    assert _lengths(con) == 3000
    _assert_same_scores(_scores(con))
    con.close()


def test_calls_with_other_weights_in_one_statement_score_with_their_own() -> None:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    con.executemany("INSERT INTO t(title, body) VALUES (?, ?)",
                    [("alpha", "beta"), ("beta", "alpha alpha"), ("gamma", "delta")] * 4)
    rows = con.execute("SELECT bm25(t, 10, 1), bm25(t, 1, 10), cuttings_bm25(t, 't', '', 10, 1), "
                       "cuttings_bm25(t, 't', '', 1, 10) FROM t WHERE t MATCH 'alpha'").fetchall()
    assert rows
    for a, b, ours_a, ours_b in rows:
        assert a != b
        assert ours_a == pytest.approx(a, rel=1e-12) and ours_b == pytest.approx(b, rel=1e-12)


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


SKEWED = {  # rows (of 30,000) that hold a word, spread over time in different ways
    "evenly, every other row": list(range(1, 30_001, 2)),
    "only lately in the news": list(range(29_001, 30_001)),
    "only years ago": list(range(1, 1_001)),
    "dense years ago, sparse lately": list(range(1, 1_201)) + list(range(1_210, 30_001, 10)),
    "sparse before, every row lately": list(range(1, 28_000, 100)) + list(range(28_000, 30_001)),
    "two bursts": list(range(2_000, 2_600)) + list(range(25_000, 25_900)),
}


def _table(ids: list[int], body: str) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    chosen = set(ids)
    con.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)",
                    [(n, f"x {body}" if n in chosen else "x") for n in range(1, 30_001)])
    return con


@pytest.mark.parametrize("spread", list(SKEWED))
def test_document_frequency_of_a_word_is_counted_then_estimated(spread: str) -> None:
    ids = SKEWED[spread]
    con = _table(ids, "word")
    ranker = search_rank.Ranker(lambda sql, p: con.execute(sql, p).fetchall(), enabled=True)
    df = ranker.df("t", '"word"')
    if len(ids) <= search_rank.WORD_COUNT:
        assert df == len(ids)
    else:  # estimated beyond the count: never below it, and close
        assert df > search_rank.WORD_COUNT
        assert len(ids) / 2.5 <= df <= len(ids) * 2.5, (spread, df)


@pytest.mark.parametrize("spread", list(SKEWED))
def test_document_frequency_of_a_phrase_is_estimated_within_a_small_factor(
        spread: str) -> None:
    ids = SKEWED[spread]
    con = _table(ids, "two words")
    ranker = search_rank.Ranker(lambda sql, p: con.execute(sql, p).fetchall(), enabled=True)
    df = ranker.df("t", '"two words"')
    assert df > search_rank.SAMPLE  # at least what was counted
    # However the rows are spread over time (the newest matches' density alone, which
    # totals used before, would take a word only lately in the news for one in every
    # row: 30 times too many).
    assert len(ids) / 2.5 <= df <= len(ids) * 2.5, (spread, df)


def test_estimate_counts_the_walks_and_the_stretches_between() -> None:
    est, Side = search_rank.estimate, search_rank.Side
    # Evenly every other id, both ends walked 201: the middle as dense.
    assert est(Side(201, 1, 401), Side(201, 9599, 9999)) == pytest.approx(5000.5)
    # Dense at both ends, and a walk from the middle finds nothing for 9,800 ids: two
    # bursts, not a word in every row (which the two ends alone would say).
    ends = est(Side(201, 1, 201), Side(201, 19_800, 20_000))
    two = est(Side(201, 1, 201), Side(201, 19_800, 20_000), Side(51, 10_000, 19_850))
    assert ends == pytest.approx(20_000) and two < ends / 10


def test_an_estimate_is_never_below_what_the_walks_saw() -> None:
    # Sparse at both ends, a burst just where the walk from the middle starts.
    step = 10_000
    old_ids = [step * (i + 1) for i in range(2001)]
    new_ids = [old_ids[-1] + 3000 + step * i for i in range(501)]
    at = (old_ids[-1] + new_ids[0]) // 2
    burst = list(range(at - 100, at + 100))
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    con.executemany("INSERT INTO t(rowid, body) VALUES (?, 'word')",
                    [(i,) for i in sorted(old_ids + burst + new_ids)])
    walk = ("SELECT count(*), min(r), max(r) FROM (SELECT rowid AS r FROM t WHERE t MATCH "
            "'word' ORDER BY rowid {} LIMIT {})")
    old = search_rank.Side(*con.execute(walk.format("ASC", 2001)).fetchone())
    new = search_rank.Side(*con.execute(walk.format("DESC", 501)).fetchone())
    got, exact = search_rank.how_many(lambda q, p: con.execute(q, p).fetchall(), "rowid",
                                      "FROM t WHERE t MATCH 'word'", {}, old, new)
    seen = old.n + new.n + min(search_rank.PROBE + 1, sum(b >= at for b in burst))
    assert not exact and seen <= got <= len(old_ids) + len(burst) + len(new_ids)


def test_walks_that_meet_are_counted_exactly() -> None:
    ids = list(range(1, 30_001, 7))  # 4,286 rows
    con = _table(ids, "word")
    rows = lambda sql, p: con.execute(sql, p).fetchall()  # noqa: E731
    source, Side = "FROM t WHERE t MATCH 'word'", search_rank.Side
    # Overlapping walks: counted again.
    assert search_rank.how_many(rows, "rowid", source, {}, Side(3_000, 1, 20_994),
                                Side(2_000, 15_996, 29_996)) == (len(ids), True)
    # Walks that touch (no id between them) saw every row.
    assert search_rank.how_many(rows, "rowid", source, {}, Side(2_286, 1, 15_996),
                                Side(2_000, 15_997, 29_996)) == (4_286, True)
    # Apart: a walk from halfway between, and an estimate.
    got, exact = search_rank.how_many(rows, "rowid", source, {}, Side(201, 1, 1_401),
                                      Side(201, 28_596, 29_996))
    assert not exact and got == pytest.approx(len(ids), rel=0.05)


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
    # An id too large for a small bitmap: NULL, and the search probes the set with IN.
    assert con.execute("SELECT cuttings_bitmap(?)", (1 << 40,)).fetchone()[0] is None
    assert con.execute("SELECT cuttings_in(5, NULL), cuttings_in(NULL, ?), cuttings_in('5', ?)",
                       (bits, bits)).fetchone() == (0, 0, 0)


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


def test_multi_word_ranking_equals_bm25_when_words_are_skewed_over_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Words in up to WORD_COUNT items are counted, however they are spread over time, so
    a multi-word query orders and scores exactly as bm25() does (an estimate from the
    newest matches' density took 'old', dense years ago, for a rare word)."""
    db = open_database("sqlite:///" + str(tmp_path / "skew.db"))

    def words(n: int) -> str:
        old, new = n <= 1000 or n % 10 == 0, n % 3 == 0
        tf = {0: "old old old new", 30: "old new new new"}.get(n % 60, "old new")
        picked = tf.split() if old and new else (["old"] if old else []) + (["new"] if new else [])
        return " ".join(picked + ["filler"] * (6 - len(picked)))

    with db.writer() as s:
        s.add_all([article(n, title=f"Item {n}", text=words(n)) for n in range(1, 3001)])
    engine = SqliteSearch(db)
    fast = engine.search("old new", limit=60)
    monkeypatch.setattr(search_mod, "_has_rank_function", lambda s: False)
    slow = engine.search("old new", limit=60)
    assert fast.ranked and fast.total == slow.total == 400
    assert [h.id for h in fast.hits] == [h.id for h in slow.hits]
    assert [h.score for h in fast.hits] == pytest.approx([h.score for h in slow.hits])
    db.dispose()
