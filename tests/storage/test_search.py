"""Search over a small real archive: ranking, query constructs, filters, kinds, snippets,
the triggers that keep the index in step, the planner's windows, and any input at all."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

import storage.search as search_mod
from storage import search_snippets as snippets
from storage.db import Database, _alembic_config, open_database
from storage.models import (
    Article,
    Claim,
    PhotoCredit,
    Quote,
)
from storage.search import SearchBackend, SearchResults, SqliteSearch, marked_html
from tests.storage.search_fixture import BUDGET, article, fill_search_archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    path = tmp_path_factory.mktemp("search") / "a.db"
    db = open_database("sqlite:///" + str(path))
    ids: dict[str, object] = {"db": db}
    ids.update(fill_search_archive(db))
    yield ids
    db.dispose()


@pytest.fixture(scope="module")
def engine(archive: dict[str, object]) -> SqliteSearch:
    return SqliteSearch(archive["db"])  # type: ignore[arg-type]


def keys(res: SearchResults) -> list[tuple[str, int]]:
    assert res.error is None, res.error
    return [(h.kind, h.id) for h in res.hits]


def test_is_a_search_backend(engine: SqliteSearch) -> None:
    backend: SearchBackend = engine
    assert isinstance(backend.search("harbour"), SearchResults)


def test_title_match_ranks_first(engine: SqliteSearch, archive: dict) -> None:
    res = engine.search("flood is:article")
    assert keys(res) == [("article", archive["a1"]), ("article", archive["a2"])]
    assert res.hits[0].score > res.hits[1].score
    assert res.total == 2 and res.ranked and res.total_exact


def test_results_of_all_kinds_are_merged(engine: SqliteSearch, archive: dict) -> None:
    got = set(keys(engine.search("harbour")))
    assert got == {("article", archive["a1"]), ("article", archive["a2"]),
                   ("quote", archive["q1"]), ("credit", archive["cr"])}


def test_phrase_versus_words(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search('"flood defences"')) == [("article", archive["a1"])]
    assert keys(engine.search("defences flood")) == [("article", archive["a1"])]
    assert keys(engine.search('"defences flood"')) == []


def test_prefix(engine: SqliteSearch, archive: dict) -> None:
    assert set(keys(engine.search("harb* is:article"))) == {("article", archive["a1"]),
                                                           ("article", archive["a2"])}
    assert set(keys(engine.search("disgr*"))) == {("quote", archive["q2"]),
                                                 ("article", archive["a2"])}


def test_exclusion_of_word_and_phrase(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search("harbour -budget is:article")) == [("article", archive["a1"])]
    assert keys(engine.search('harbour -"flood defences" is:article')) == \
        [("article", archive["a2"])]


def test_or(engine: SqliteSearch, archive: dict) -> None:
    assert set(keys(engine.search("Москва OR budget is:article"))) == \
        {("article", archive["a2"]), ("article", archive["a3"])}


def test_case_and_diacritics_are_ignored(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search("CAFE")) == [("article", archive["a2"])]
    assert keys(engine.search("author:muller is:article")) == [("article", archive["a2"])]


@pytest.mark.parametrize("word", ["москва", "МОСТ", "ירושלים"])
def test_non_latin_words(engine: SqliteSearch, word: str) -> None:
    res = engine.search(word)
    assert res.error is None and len(res.hits) == 1 and res.hits[0].kind == "article"


@pytest.mark.parametrize("query", ["", "   ", "😀", "🎉 🙂", "!!!"])
def test_empty_or_emoji_only_gives_nothing_and_no_error(engine: SqliteSearch, query: str) -> None:
    res = engine.search(query)
    assert res.hits == [] and res.total == 0 and res.error is None


def test_unparseable_query_reports_error(engine: SqliteSearch) -> None:
    res = engine.search("verdict:maybe")
    assert res.hits == [] and res.error is not None
    assert res.error.startswith("could not understand 'verdict:maybe'")


def test_speaker_filter_alone_lists_quotes_newest_first(engine: SqliteSearch,
                                                        archive: dict) -> None:
    res = engine.search('speaker:"lena park"')
    assert keys(res) == [("quote", archive["q3"]), ("quote", archive["q1"])]
    assert all(h.speaker == "Lena Park" and h.score == 0.0 for h in res.hits)


def test_speaker_with_words(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search("speaker:Park harbour")) == [("quote", archive["q1"])]
    assert keys(engine.search("budget -speaker:Haddad is:quote")) == []
    assert keys(engine.search("overdue -speaker:Haddad is:quote")) == [("quote", archive["q3"])]
    assert keys(engine.search("disgrace -speaker:Haddad")) == [("article", archive["a2"])]


def test_quote_found_by_its_speaker_shows_its_opening_unmarked(
        engine: SqliteSearch, archive: dict) -> None:
    res = engine.search("haddad is:quote")
    assert keys(res) == [("quote", archive["q2"])]
    assert res.hits[0].snippet == "The budget is a disgrace"  # nothing in it to mark
    assert res.hits[0].speaker == "Omar Haddad"


def test_source_filter(engine: SqliteSearch, archive: dict) -> None:
    got = set(keys(engine.search("source:reuters")))
    assert got == {("article", archive["a2"]), ("quote", archive["q2"]),
                   ("quote", archive["q3"]), ("claim", archive["c1"])}
    assert keys(engine.search("source:reuters harbour is:article")) == \
        [("article", archive["a2"])]


def test_site_filter_by_domain_or_publisher(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search("site:ledger.example is:article")) == [("article", archive["a2"])]
    assert keys(engine.search("site:https://www.ledger.example/x is:article")) == \
        [("article", archive["a2"])]
    assert keys(engine.search('site:"coastal herald" is:article')) == \
        [("article", archive["a1"])]
    assert keys(engine.search("harbour -site:ledger.example is:article")) == \
        [("article", archive["a1"])]


def test_author_filter(engine: SqliteSearch, archive: dict) -> None:
    assert set(keys(engine.search('author:"ann bo"'))) == {
        ("claim", archive["c1"]), ("quote", archive["q3"]), ("quote", archive["q2"]),
        ("article", archive["a2"])}
    assert keys(engine.search('harbour author:"jane roe" is:article')) == \
        [("article", archive["a1"])]


def test_tag_filter_on_items_and_their_articles(engine: SqliteSearch, archive: dict) -> None:
    assert set(keys(engine.search("tag:Budget"))) == {
        ("article", archive["a2"]), ("quote", archive["q2"]), ("quote", archive["q3"]),
        ("claim", archive["c1"])}
    assert keys(engine.search("tag:floods")) == [("quote", archive["q1"])]
    assert keys(engine.search("tag:nosuchtag")) == []
    assert keys(engine.search("harbour -tag:budget is:article")) == [("article", archive["a1"])]
    # Filters with exclusions but no words: listed, minus items containing the word.
    assert set(keys(engine.search("-harbour tag:budget"))) == {
        ("quote", archive["q2"]), ("quote", archive["q3"]), ("claim", archive["c1"])}


def test_collection_filter(engine: SqliteSearch, archive: dict) -> None:
    got = set(keys(engine.search('collection:"harbour INQUIRY"')))
    assert ("article", archive["a1"]) in got and ("claim", archive["c1"]) in got
    assert ("article", archive["a2"]) not in got
    assert keys(engine.search('collection:"harbour inquiry" is:claim verdict:false')) == \
        [("claim", archive["c1"])]


def test_is_and_verdict(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search("is:claim verdict:false")) == [("claim", archive["c1"])]
    assert keys(engine.search("is:claim -verdict:false")) == [("claim", archive["c2"])]
    assert keys(engine.search("harbour is:credit")) == [("credit", archive["cr"])]
    assert all(h.kind != "credit" for h in engine.search("harbour -is:credit").hits)


def test_dates(engine: SqliteSearch, archive: dict) -> None:
    assert keys(engine.search("after:2024-03 is:article")) == [("article", archive["a1"])]
    assert set(keys(engine.search("before:2024 is:article"))) == {
        ("article", archive["a2"]), ("article", archive["a3"]), ("article", archive["a4"])}
    assert keys(engine.search("after:2023-11-20 before:2023-11-21 is:article")) == \
        [("article", archive["a2"])]
    assert keys(engine.search("harbour before:2020")) == []


def test_hit_fields_for_quotes_and_claims(engine: SqliteSearch, archive: dict) -> None:
    quote = engine.search("disgrace is:quote").hits[0]
    assert quote.article_id == archive["a2"] and quote.title == "Council budget row deepens"
    assert quote.speaker == "Omar Haddad" and quote.published.startswith("2023-11-20")
    assert BUDGET[quote.start:quote.end] == "The budget is a disgrace"
    claim = engine.search("treasury").hits[0]
    assert (claim.kind, claim.verdict) == ("claim", "false")
    assert BUDGET[claim.start:claim.end] == "spending rose by 40 percent"
    article = engine.search("defences is:article").hits[0]
    assert article.start is None and article.speaker is None


def test_snippets_are_escaped_with_marks(engine: SqliteSearch) -> None:
    hit = engine.search("alert").hits[0]
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet and "<script" not in hit.snippet
    listed = engine.search("tag:budget is:article").hits[0]
    assert "<mark>" not in listed.snippet and listed.snippet.startswith("The budget row")


def test_marked_html_escapes_everything_but_marks() -> None:
    raw = f"{search_mod._OPEN}<b>{search_mod._CLOSE} \"x\" & 'y'"
    assert marked_html(raw) == "<mark>&lt;b&gt;</mark> &quot;x&quot; &amp; &#x27;y&#x27;"


def test_paging_does_not_overlap(engine: SqliteSearch) -> None:
    everything = keys(engine.search("harbour OR budget OR flood", limit=50))
    first = keys(engine.search("harbour OR budget OR flood", limit=3))
    second = keys(engine.search("harbour OR budget OR flood", limit=3, offset=3))
    assert first + second == everything[:6]
    assert len(everything) > 3



def test_pages_of_tied_scores_cut_one_order(fresh: Database) -> None:
    """Identical articles score the same: every page must still cut the same order, or
    paging in the window would show some hits twice and others never."""
    with fresh.writer() as s:
        for n in range(1, 41):
            s.add(article(n, title="Ferry notice", text="the harbour ferry is late"))
    engine = SqliteSearch(fresh)
    everything = keys(engine.search("harbour", limit=100))
    assert len(everything) == 40
    pages = [keys(engine.search("harbour", limit=7, offset=o)) for o in range(0, 40, 7)]
    assert [k for page in pages for k in page] == everything
    assert everything == sorted(everything, key=lambda k: -k[1])  # ties: newest first

# -- the index follows the tables --------------------------------------------------------


@pytest.fixture
def fresh(tmp_path: Path) -> Database:
    db = open_database("sqlite:///" + str(tmp_path / "a.db"))
    yield db
    db.dispose()


def _fts_check(db: Database) -> None:
    with db.writer() as s:
        for table in ("articles_fts", "quotes_fts", "claims_fts", "credits_fts",
                      "citations_fts"):
            s.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))


def test_triggers_follow_update_and_delete(fresh: Database) -> None:
    engine = SqliteSearch(fresh)
    with fresh.writer() as s:
        art = article(1, title="Bridge closed", text="The old bridge closed for repairs.",
                       authors=["Ann Bo"])
        s.add(art)
        s.flush()
        s.add(Quote(article_id=art.id, text="It was unsafe", speaker="Rita Moss"))
        s.add(Claim(article_id=art.id, text="closed for repairs", start=0, end=5))
        s.add(PhotoCredit(article_id=art.id, credit="Photo: Kim Lee"))
        art_id = art.id
    assert len(engine.search("bridge").hits) == 1
    with fresh.writer() as s:
        art = s.get(Article, art_id)
        art.title = "Tunnel opened"
        art.text = "The new tunnel opened to traffic."
        art.authors = ["Zoë Quist"]
        art.status = "ok"
    assert engine.search("bridge").hits == []
    assert [h.kind for h in engine.search("tunnel is:article").hits] == ["article"]
    assert len(engine.search("author:zoe").hits) == 4  # article, quote, claim, credit
    with fresh.writer() as s:
        q = s.execute(text("SELECT id FROM quotes")).scalar()
        s.delete(s.get(Quote, q))
    assert engine.search("unsafe").hits == []
    _fts_check(fresh)
    with fresh.writer() as s:
        s.delete(s.get(Article, art_id))
    for word in ("tunnel", "repairs", "kim", "unsafe"):
        assert engine.search(word).total == 0
    _fts_check(fresh)


def test_upgrade_from_first_schema_indexes_existing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = "sqlite:///" + str(path)
    from sqlalchemy import create_engine
    old = create_engine(url)
    with old.connect() as conn:
        cfg = _alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text(
            "INSERT INTO articles (id, canonical_url, url, site, title, authors, text, "
            "reader_html, word_count, status, created_at, updated_at) VALUES "
            "(1, 'u', 'u', 's', 'Lighthouse keeper retires', '[]', 'After forty years.', '', "
            "0, 'ok', '2026-01-01', '2026-01-01')"))
        conn.execute(text("PRAGMA application_id = 1129665620"))
        conn.execute(text("PRAGMA user_version = 1"))
        conn.commit()
    old.dispose()
    db = open_database(url)
    try:
        assert [h.id for h in SqliteSearch(db).search("lighthouse").hits] == [1]
    finally:
        db.dispose()


# -- the planner -------------------------------------------------------------------------


def test_huge_match_sets_rank_a_recent_window(fresh: Database,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh.writer() as s:
        for n in range(1, 13):
            s.add(article(n, title=f"Report {n}", text=f"common words here {'rare' * (n == 3)}",
                           published=f"2020-01-{n:02d}"))
    monkeypatch.setattr(search_mod, "WINDOW", 3)
    monkeypatch.setattr(search_mod, "FULL_RANK_LIMIT", 5)
    monkeypatch.setattr(search_mod, "FILTER_SET_LIMIT", 6)
    engine = SqliteSearch(fresh)
    res = engine.search("common")  # counted to 6 (more than 5): the newest 3 stand for all
    assert not res.ranked and res.note and "newest 3" in res.note
    assert sorted(h.id for h in res.hits) == [10, 11, 12]
    # Estimated from the 6 oldest, the 4 newest and a walk from id 8 between them.
    assert res.total == 12 and not res.total_exact
    monkeypatch.setattr(search_mod, "FULL_RANK_LIMIT", 7)  # counted to 8: meets the window
    counted = engine.search("common")
    assert counted.total == 12 and counted.total_exact and not counted.ranked
    monkeypatch.setattr(search_mod, "FULL_RANK_LIMIT", 5)
    prefix = engine.search("comm*")  # not counted first: windowed; the oldest matches
    # walked for the estimate reach the window, so there are few enough to count
    assert not prefix.ranked and sorted(h.id for h in prefix.hits) == [10, 11, 12]
    assert prefix.total == 12 and prefix.total_exact
    small = engine.search("common is:article after:2020-01-08")  # 5 match: rank them all
    assert small.ranked and small.total == 5 and len(small.hits) == 5
    few = engine.search("common after:2020-01-11")  # a filter set of 2
    assert few.ranked and sorted(h.id for h in few.hits) == [11, 12]
    # A large filter set that is one id range: the FTS walk is limited to that range and
    # the newest of its matches are the window; counted oldest first to 6 and newest
    # first to 4, the two walks meet, so the 8 are counted.
    big = engine.search("common before:2020-01-09")
    assert not big.ranked and sorted(h.id for h in big.hits) == [6, 7, 8]
    assert big.total == 8 and big.total_exact
    assert engine.search("rare common").total == 1


def _dispatches(db: Database) -> None:
    """Twelve articles: even ones on one site, odd ones on another, published dates
    running backwards (so a date filter is an id range, a site filter is not)."""
    with db.writer() as s:
        for n in range(1, 13):
            s.add(article(n, title=f"Dispatch {n}",
                           site="even.example" if n % 2 == 0 else "odd.example",
                           text=f"ferry timetable notes {'storm' * (n in (4, 7))}",
                           published=f"2020-02-{13 - n:02d}"))
        s.flush()
        s.add_all([Quote(article_id=4, text="the ferry was late", speaker="Ada Quill"),
                   Quote(article_id=5, text="the ferry was early", speaker="Ada Quill")])


def _found(res: SearchResults) -> set[tuple[str, int]]:
    assert res.error is None
    return {(h.kind, h.id) for h in res.hits}


def test_article_filter_set_checked_in_python_for_few_matches(
        fresh: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _dispatches(fresh)
    calls: list[str] = []
    original = SqliteSearch._few_in_articles

    def spy(self: SqliteSearch, s: object, p: object, *args: object) -> object:
        calls.append(p.kind.name)  # type: ignore[attr-defined]
        return original(self, s, p, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SqliteSearch, "_few_in_articles", spy)
    engine = SqliteSearch(fresh)
    even = engine.search("ferry site:even.example")
    assert _found(even) == {("article", n) for n in (2, 4, 6, 8, 10, 12)} | {("quote", 1)}
    assert even.total == 7 and even.total_exact and even.ranked
    assert calls == ["article", "quote"]  # the planner took the few-matches path
    assert all("<mark>ferry</mark>" in h.snippet for h in even.hits)
    odd = engine.search("ferry -site:even.example")
    assert _found(odd) == {("article", n) for n in (1, 3, 5, 7, 9, 11)} | {("quote", 2)}
    # Only the articles that pass are scored: the best is the one with the extra word.
    assert engine.search("ferry OR storm site:even.example").hits[0].id == 4
    assert engine.search("storm site:nowhere.example").hits == []


def test_article_filter_that_is_an_id_range_becomes_an_fts_range(fresh: Database) -> None:
    _dispatches(fresh)
    with fresh.reader() as s:
        found = search_mod._Lookup(s).articles_where("a.published < :p1", {"p1": "2020-02-07"})
    assert found is not None and found.ids is None and (found.lo, found.hi, found.count) == (
        7, 12, 6)
    engine = SqliteSearch(fresh)
    assert _found(engine.search("ferry before:2020-02-07")) == {
        ("article", n) for n in range(7, 13)}
    with fresh.writer() as s:  # a gap: no longer every id of the range, so a set
        s.execute(text("DELETE FROM articles WHERE id = 9"))
    with fresh.reader() as s:
        found = search_mod._Lookup(s).articles_where("a.published < :p1", {"p1": "2020-02-07"})
    assert found is not None and found.ids == frozenset({7, 8, 10, 11, 12})
    assert _found(engine.search("ferry before:2020-02-07")) == {
        ("article", n) for n in (7, 8, 10, 11, 12)}
    assert _found(engine.search("ferry after:2020-02-06")) == {
        ("article", n) for n in range(1, 8)} | {("quote", 1), ("quote", 2)}


QUERIES_FOR_PLANS = ["ferry site:even.example", "ferry -site:even.example",
                     "ferry before:2020-02-07", "ferry after:2020-02-04 site:odd.example",
                     "storm", "timetable -storm after:2020-02-09", "ferr* site:even.example",
                     "\"ferry timetable\" before:2020-02-05", "is:quote ferry after:2020-02-08",
                     "site:even.example", "before:2020-02-03"]


@pytest.mark.parametrize("limits", [
    {"ARTICLE_SET_LIMIT": 1},  # article filters left to SQLite in every statement
    {"FULL_RANK_LIMIT": 1, "FILTER_SET_LIMIT": 2},  # filter sets probed while walking
    {"ARTICLE_SET_LIMIT": 1, "FULL_RANK_LIMIT": 1, "FILTER_SET_LIMIT": 1},  # row by row
])
def test_every_plan_finds_the_same_items(fresh: Database, monkeypatch: pytest.MonkeyPatch,
                                         limits: dict[str, int]) -> None:
    _dispatches(fresh)
    engine = SqliteSearch(fresh)
    expected = {q: _found(engine.search(q)) for q in QUERIES_FOR_PLANS}
    assert expected["ferry site:even.example"] and expected["before:2020-02-03"]
    for name, value in limits.items():
        monkeypatch.setattr(search_mod, name, value)
    for q in QUERIES_FOR_PLANS:
        res = engine.search(q)
        assert _found(res) == expected[q], q
        assert res.total >= len(res.hits)


def test_listing_caps_its_count(fresh: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh.writer() as s:
        for n in range(1, 7):
            s.add(article(n, title=f"Item {n}", text="x", published="2021-05-05"))
    monkeypatch.setattr(search_mod, "LIST_COUNT_CAP", 4)
    res = SqliteSearch(fresh).search("after:2021", limit=2)
    assert [h.id for h in res.hits] == [6, 5]
    assert res.total == 4 and not res.total_exact and res.note


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_search_never_raises(engine: SqliteSearch, query: str) -> None:
    res = engine.search(query)
    assert res.error is None or res.error.startswith("could not understand")
    assert (res.error is None) or res.hits == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(['"', "-", "*", "OR", "(", ")", "harbour", "fl*", "tag:",
                                 "speaker:", 'speaker:"', "site:", "is:quote", "after:2020",
                                 "verdict:false", "NEAR(", "^", ":", " ", "москва", "😀"]),
                max_size=10))
def test_search_syntax_soup_never_raises(engine: SqliteSearch, parts: list[str]) -> None:
    res = engine.search(" ".join(parts))
    assert res.error is None or res.error.startswith("could not understand")


@pytest.mark.parametrize("query", ["source:reuters", "site:ledger.example",
                                   'site:"coastal herald" harbour', 'author:"ann bo"',
                                   "harbour -author:roe"])
def test_article_filters_same_inline_or_as_id_lists(engine: SqliteSearch, query: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    as_list = keys(engine.search(query))
    monkeypatch.setattr(search_mod, "ARTICLE_SET_LIMIT", 0)  # subqueries in each statement
    assert keys(engine.search(query)) == as_list and as_list


# -- snippets ----------------------------------------------------------------------------


def test_fold_keeps_positions() -> None:
    for value in ("Ärger im Café", "İstanbul ẞ Straße", "Москва", "naïve — “quoted”"):
        assert len(snippets.fold(value)) == len(value)
    assert snippets.fold("Ärger im Café") == "arger im cafe"


@pytest.mark.parametrize(("query", "value", "marked"), [
    ("cafe", "Meet at the Café, then", ["Café"]),
    ("CAFÉ", "a cafe and a café", ["cafe", "café"]),
    ("flood", "flooding and a flood.", ["flood"]),
    ("flood*", "flooding and a flood.", ["flooding", "flood"]),
    ('"covid 19"', "the covid-19 wave", ["covid-19"]),
    ("don't", "I don’t know, don't ask", ["don’t", "don't"]),
    ("мост", "Новый Мост открыт", ["Мост"]),
    ('"flood defences" council', "council approved flood defences", ["council", "flood defences"]),
])
def test_snippet_marks_what_fts_would_match(query: str, value: str, marked: list[str]) -> None:
    from storage.query import parse
    html_out = snippets.snippet([value], snippets.matcher(parse(query)))
    assert html_out is not None
    assert [part.split("</mark>")[0] for part in html_out.split("<mark>")[1:]] == \
        [html.escape(h) for h in marked]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab c-Ä", max_size=40),
       st.sampled_from(["a OR b", "ab OR ba", '"a b" OR c', "ab* OR c", "a OR ab*",
                        '"ab c" OR "ab"', "a", "ba*", "ä OR c"]))
def test_first_match_is_the_earliest_whole_match(text: str, query: str) -> None:
    """Matcher.first() (str.find for each alternative's first word) finds the earliest
    position where the expression matches whole tokens: what a scan would find."""
    from storage.query import parse
    found = snippets.matcher(parse(query))
    assert found is not None
    low = snippets.fold(text)

    def whole(pos: int) -> tuple[int, int] | None:
        if pos > 0 and low[pos - 1].isalnum():
            return None
        m = found.pattern.match(low, pos)
        if m is None or m.end() == pos:
            return None
        if m.lastindex not in found.prefix_groups and m.end() < len(low) \
                and low[m.end()].isalnum():
            return None
        return pos, m.end()

    expected = next((span for p in range(len(low)) if (span := whole(p))), None)
    assert found.first(low) == expected
    scanned = next(found.finditer(low), None)  # the scan never finds an earlier one
    assert scanned is None or (expected is not None and expected[0] <= scanned[0])


def test_snippet_escapes_and_windows_long_text() -> None:
    from storage.query import parse
    value = "x " * 300 + "<b>harbour</b> & more " + "y " * 300
    out = snippets.snippet([value], snippets.matcher(parse("harbour")))
    assert out is not None and out.startswith("…") and out.endswith("…")
    assert "&lt;b&gt;<mark>harbour</mark>&lt;/b&gt; &amp; more" in out
    assert len(out) < 400
    assert snippets.snippet(["nothing here"], snippets.matcher(parse("harbour"))) is None
    assert snippets.plain("a <b>  c") == "a &lt;b&gt; c"


def test_snippet_falls_back_to_fts_for_other_fields(engine: SqliteSearch,
                                                    archive: dict) -> None:
    # "Park" is only in the quotes' speaker field, not in their text.
    res = engine.search("park is:quote")
    assert {h.id for h in res.hits} == {archive["q1"], archive["q3"]}
    assert all("<mark>" not in h.snippet and h.snippet for h in res.hits)
    note = engine.search("treasury").hits[0]  # a claim found by its note
    assert note.kind == "claim" and "<mark>Treasury</mark>" in note.snippet


def test_search_works_on_a_read_only_archive(archive: dict) -> None:
    ro = open_database(archive["db"].url, readonly=True)
    try:
        res = SqliteSearch(ro).search("harbour source:press")
        assert keys(res) and all(h.article_id == archive["a1"] for h in res.hits)
    finally:
        ro.dispose()


def test_benchmark_like_baseline_searches_what_the_index_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/search_scale.py compares against LIKE: it must look in the same columns
    as the FTS indexes (migration 0002), or the ratio it prints means nothing."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]

    def load(name: str, rel: str) -> object:
        spec = importlib.util.spec_from_file_location(name, root / rel)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)  # dataclasses look it up there
        spec.loader.exec_module(module)
        return module

    bench = load("search_scale_under_test", "benchmarks/search_scale.py")
    migration = load("search_index_migration", "storage/migrations/versions/0002_search_index.py")
    fts_of = {"article": "articles_fts", "quote": "quotes_fts", "claim": "claims_fts",
              "credit": "credits_fts"}
    for kind, (_table, _key, cols) in bench.LIKE_TABLES.items():  # type: ignore[attr-defined]
        indexed = migration.INDEXES[fts_of[kind]][1]  # type: ignore[attr-defined]
        assert sorted(c.split(".", 1)[1] for c in cols) == sorted(indexed), kind
