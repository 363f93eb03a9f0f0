"""One search suite, two engines: the same archive on SQLite (FTS5) and on PostgreSQL
(tsvector) must give the same hits for the same queries.

The PostgreSQL half needs a server: set CUTTINGS_TEST_PG (see README); without it
those cases skip with a message saying how to run them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.db import open_database
from storage.search import SearchBackend, SearchResults, SqliteSearch, search_backend
from tests.storage.search_fixture import BUDGET, fill_search_archive
from tests.support import postgres


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[SearchBackend, dict[str, int]]]:
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("search") / "a.db")
    else:
        if postgres.admin_url() is None:
            pytest.skip(postgres.HOW)
        url = postgres.create_database()
    db = open_database(url)
    try:
        ids = fill_search_archive(db)
        yield search_backend(db), ids
    finally:
        db.dispose()
        if request.param == "postgresql":
            postgres.drop_database(url)


def keys(res: SearchResults) -> list[tuple[str, int]]:
    assert res.error is None, res.error
    return [(h.kind, h.id) for h in res.hits]


def _expand(spec: list[str], ids: dict[str, int]) -> list[tuple[str, int]]:
    kinds = {"a": "article", "q": "quote", "c": "claim", "cr": "credit"}
    return [(kinds[k.rstrip("0123456789")], ids[k]) for k in spec]


def test_factory_picks_the_engine_of_the_dialect(backend: tuple[SearchBackend, dict]) -> None:
    engine, _ = backend
    is_sqlite = engine.db.engine.dialect.name == "sqlite"  # type: ignore[attr-defined]
    assert isinstance(engine, SqliteSearch) == is_sqlite
    assert isinstance(engine.search("harbour"), SearchResults)


# (query, expected hits in order); a set when the order between them is not part of the spec
ORDERED: list[tuple[str, list[str]]] = [
    ("flood is:article", ["a1", "a2"]),
    ('"flood defences"', ["a1"]),
    ("defences flood", ["a1"]),
    ('"defences flood"', []),
    ("harbour -budget is:article", ["a1"]),
    ('harbour -"flood defences" is:article', ["a2"]),
    ("CAFE", ["a2"]),
    ("author:muller is:article", ["a2"]),
    ('speaker:"lena park"', ["q3", "q1"]),
    ("speaker:Park harbour", ["q1"]),
    ("budget -speaker:Haddad is:quote", []),
    ("overdue -speaker:Haddad is:quote", ["q3"]),
    ("disgrace -speaker:Haddad", ["a2"]),
    ("source:reuters harbour is:article", ["a2"]),
    ("site:ledger.example is:article", ["a2"]),
    ("site:https://www.ledger.example/x is:article", ["a2"]),
    ('site:"coastal herald" is:article', ["a1"]),
    ("harbour -site:ledger.example is:article", ["a1"]),
    ('harbour author:"jane roe" is:article', ["a1"]),
    ("tag:floods", ["q1"]),
    ("tag:nosuchtag", []),
    ("harbour -tag:budget is:article", ["a1"]),
    ('collection:"harbour inquiry" is:claim verdict:false', ["c1"]),
    ("is:claim verdict:false", ["c1"]),
    ("is:claim -verdict:false", ["c2"]),
    ("harbour is:credit", ["cr"]),
    ("after:2024-03 is:article", ["a1"]),
    ("after:2023-11-20 before:2023-11-21 is:article", ["a2"]),
    ("harbour before:2020", []),
    ("москва", ["a3"]),
    ("МОСТ", ["a3"]),
    ("ירושלים", ["a4"]),
    ("treasury", ["c1"]),
]
UNORDERED: list[tuple[str, set[str]]] = [
    ("harbour", {"a1", "a2", "q1", "cr"}),
    ("harb* is:article", {"a1", "a2"}),
    ("disgr*", {"q2", "a2"}),
    ("Москва OR budget is:article", {"a2", "a3"}),
    ("source:reuters", {"a2", "q2", "q3", "c1"}),
    ('author:"ann bo"', {"c1", "q3", "q2", "a2"}),
    ("tag:Budget", {"a2", "q2", "q3", "c1"}),
    ("-harbour tag:budget", {"q2", "q3", "c1"}),
    ("before:2024 is:article", {"a2", "a3", "a4"}),
    ('"harbour wall" OR "spending rose"', {"cr", "c1", "a2"}),
    ("million-eu*", {"a1", "c2"}),
]


@pytest.mark.parametrize(("query", "expected"), ORDERED)
def test_same_hits_in_the_same_order(backend: tuple[SearchBackend, dict], query: str,
                                     expected: list[str]) -> None:
    engine, ids = backend
    assert keys(engine.search(query)) == _expand(expected, ids)


@pytest.mark.parametrize(("query", "expected"), UNORDERED)
def test_same_hits(backend: tuple[SearchBackend, dict], query: str, expected: set[str]) -> None:
    engine, ids = backend
    assert set(keys(engine.search(query))) == set(_expand(sorted(expected), ids))


def test_title_weighs_more_and_totals(backend: tuple[SearchBackend, dict]) -> None:
    engine, _ = backend
    res = engine.search("flood is:article")
    assert res.hits[0].score > res.hits[1].score
    assert res.total == 2 and res.ranked and res.total_exact


@pytest.mark.parametrize("query", ["", "   ", "😀", "!!!", "a:b:c", "NEAR(x y)", "'; drop",
                                   "x & y | !z", "foo:* <-> bar", "\\' OR 1=1 --"])
def test_any_text_is_searched_safely(backend: tuple[SearchBackend, dict], query: str) -> None:
    engine, _ = backend
    res = engine.search(query)
    assert res.error is None or res.error.startswith("could not understand")
    assert res.error is None or res.hits == []


def test_unparseable_query_reports_error(backend: tuple[SearchBackend, dict]) -> None:
    engine, _ = backend
    res = engine.search("verdict:maybe")
    assert res.hits == [] and res.error.startswith("could not understand 'verdict:maybe'")


def test_hit_fields_and_snippets(backend: tuple[SearchBackend, dict]) -> None:
    engine, ids = backend
    quote = engine.search("disgrace is:quote").hits[0]
    assert quote.article_id == ids["a2"] and quote.title == "Council budget row deepens"
    assert quote.speaker == "Omar Haddad" and quote.published.startswith("2023-11-20")
    assert BUDGET[quote.start:quote.end] == "The budget is a disgrace"
    hit = engine.search("alert").hits[0]
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in hit.snippet
    assert "<script" not in hit.snippet
    credit = engine.search("northlight").hits[0]
    assert credit.kind == "credit" and "<mark>Northlight</mark>" in credit.snippet
    listed = engine.search("tag:budget is:article").hits[0]
    assert "<mark>" not in listed.snippet and listed.snippet.startswith("The budget row")


def test_paging_does_not_overlap(backend: tuple[SearchBackend, dict]) -> None:
    engine, _ = backend
    everything = keys(engine.search("harbour OR budget OR flood", limit=50))
    first = keys(engine.search("harbour OR budget OR flood", limit=3))
    second = keys(engine.search("harbour OR budget OR flood", limit=3, offset=3))
    assert len(everything) > 3 and first + second == everything[:6]


@pytest.mark.parametrize("query", ["is:claim after:2000", "speaker:\"Lena Park\"",
                                   "after:2023 -is:article"])
def test_pages_of_a_listing_cut_the_merged_order(backend: tuple[SearchBackend, dict],
                                                 query: str) -> None:
    """Without words, items are listed newest article first; each kind must be cut in that
    order too (a claim's id says nothing of its article's age), or pages repeat and skip."""
    engine, _ = backend
    everything = keys(engine.search(query, limit=50))
    assert len(everything) >= 2
    pages = [k for offset in range(len(everything))
             for k in keys(engine.search(query, limit=1, offset=offset))]
    assert pages == everything
