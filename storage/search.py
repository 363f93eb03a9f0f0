"""Full-text search of the archive: articles, quotes, claims and photo credits.

``SqliteSearch(db).search(text)`` parses ``text`` with :mod:`storage.query`, plans
each kind of result by how many rows match, and returns a :class:`SearchResults`;
it never raises for any input text (a query it cannot understand comes back with
``error`` set and no hits).

The plan (see docs/architecture.md, "Search"), per kind of result:

* plain words: count the matches first (no scoring; up to ``FULL_RANK_LIMIT``), and
  rank that many all by BM25 (title weighted up); beyond that the newest ``WINDOW``
  matches are ranked among themselves, the total is estimated
  (:func:`storage.search_rank.estimate`) and the result says so (``ranked=False``,
  ``note``).
* phrases, prefixes and OR cost more per match, so the newest ``WINDOW + 1`` are
  scored first in one pass; if there are more, the total is estimated.
* BM25 is ``cuttings_bm25()`` when the connection has it (:mod:`storage.search_rank`):
  the document frequencies are passed in (counted above, or by short walks), not
  counted again by FTS5 over every match, and row lengths come from a per-connection
  copy once it pays; filter sets are probed as bitmaps. The index
  is kept merged by :mod:`storage.search_index` (every FTS statement seeks every
  segment).
* filters: when the words match few rows, each is checked against the filters; when
  they match many, a filter set of at most ``FILTER_SET_LIMIT`` items is built once
  by SQLite and probed for every match; a larger one is checked row by row while the
  matches are walked newest first. author:/site:/source: are resolved to article ids
  once per search. Those sets and date filters then become, once per search, either
  an article id range that every article in it passes (a native FTS rowid range for
  articles, ``article_id BETWEEN`` for the rest: no set to build) or a set of at most
  ``ARTICLE_SET_LIMIT`` ids, which is checked in Python when the words match few
  rows, so that only the passing rows are scored. Filters alone list items newest
  first (counted to ``LIST_COUNT_CAP``).

Snippets are cut from the stored text by :mod:`storage.search_snippets` (FTS5's
``snippet()`` is the fallback). Benchmarks: ``benchmarks/search_scale.py``.

``search_backend(db)`` picks the engine for an archive: this one for SQLite,
:class:`storage.search_pg.PostgresSearch` (same query language, filters and hits)
for PostgreSQL.

Thread rules: a ``SqliteSearch`` holds no connection; each ``search`` call opens its
own short read session, so one instance may be used from any thread (the GUI runs
searches in a worker).
"""

from __future__ import annotations

import html
import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from capture.urls import site_key
from storage import search_snippets as snippets
from storage.db import Database
from storage.query import AnyOf, Filter, Query, QueryError, fts_phrase, parse
from storage.search_rank import (
    BITMAP,
    IN_BITMAP,
    PROBE,
    ROWCOUNT,
    Ranker,
    Side,
    connection_has_function,
    how_many,
    walk,
)

log = logging.getLogger(__name__)

WINDOW = 500  # matches scored first, newest first; all of them when there are no more
FULL_RANK_LIMIT = 2_000  # up to this many matches, every one is ranked by BM25 (~5 ms)
LIST_COUNT_CAP = 10_000  # items listed by filters alone are counted this far
ARTICLE_SET_LIMIT = 20_000  # article filters (author, site, source) passed as id lists
FILTER_SET_LIMIT = 20_000  # filters passed by at most this many items drive the search
MAX_LIMIT = 500
SNIPPET_TOKENS = 24

# Control characters mark the matches inside FTS5 snippets; the text around them is
# HTML-escaped and then the markers become <mark> tags. Noncharacters plus C0
# controls never occur in stored text together.
_OPEN, _CLOSE = "\ufdd0\x02", "\x03\ufdd1"


@dataclass
class Hit:
    """One result. ``snippet`` is HTML: escaped text with ``<mark>`` around matches."""

    kind: str  # article | quote | claim | credit
    id: int  # row id in that kind's table
    article_id: int
    title: str | None  # the article's title (plain text)
    snippet: str
    score: float  # higher is better; 0.0 when listed without words
    published: str | None
    speaker: str | None = None  # quotes
    verdict: str | None = None  # claims
    start: int | None = None  # offsets into Article.text (quotes and claims)
    end: int | None = None


@dataclass
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # matches over all kinds (see total_exact)
    ranked: bool = True  # False when only a recent window of a huge match set was ranked
    note: str | None = None  # says how the results were chosen when it matters
    error: str | None = None  # "could not understand ..." (hits then empty)
    total_exact: bool = True  # False when ``total`` is an estimate or a lower bound
    elapsed_ms: float = 0.0
    damaged: bool = False  # the search index is damaged (``error`` says to rebuild it)


class SearchBackend(Protocol):
    """What the GUI, the CLI and the Archive need from a search engine."""

    def search(self, query: str, *, limit: int = 50, offset: int = 0) -> SearchResults: ...


@dataclass(frozen=True)
class _Kind:
    name: str
    table: str
    fts: str
    bm25: str  # column weights
    snippet_col: int  # -1 = the best column (for FTS5's snippet(), the fallback)
    article_ref: str  # SQL for the item's article id, on alias i
    texts: str  # SQL columns a snippet is cut from, in order of preference
    extra: str  # extra columns for Hit: speaker, verdict, start, end


KINDS: dict[str, _Kind] = {
    "article": _Kind("article", "articles", "articles_fts", "10.0, 2.0, 2.0, 1.0", 3, "i.id",
                     "i.text", "NULL, NULL, NULL, NULL"),
    "quote": _Kind("quote", "quotes", "quotes_fts", "1.0, 2.0", 0, "i.article_id",
                   "i.text", "i.speaker, NULL, i.start, i.\"end\""),
    "claim": _Kind("claim", "claims", "claims_fts", "1.0, 0.5", -1, "i.article_id",
                   "i.text, i.note", "NULL, i.verdict, i.start, i.\"end\""),
    "credit": _Kind("credit", "photo_credits", "credits_fts", "1.0, 1.0, 1.0, 0.5", -1,
                    "i.article_id", "i.credit, i.caption, i.photographer, i.provider",
                    "NULL, NULL, NULL, NULL"),
}


@dataclass
class _Plan:
    """SQL pieces for one kind of one query."""

    kind: _Kind
    match: str | None  # FTS5 expression (words, plus column filters)
    conds: list[str]  # SQL conditions on alias i (the item)
    params: dict[str, Any]
    costly: bool = False  # phrases or prefixes: each match costs more to verify
    # Article-level filters (dates, site, source...), resolved once per search:
    article_cond: str | None = None  # SQL on alias i: the item's article passes
    article_ids: frozenset[int] | None = None  # the passing articles, when few
    article_json: str = ""  # name of the parameter holding them as a JSON list
    rowid_cond: str = ""  # a native FTS rowid range implied by them (literal ints)

    @property
    def joins(self) -> str:
        """Join the FTS table to its item (alias i); article filters are subqueries."""
        return f"JOIN {self.kind.table} i ON i.id = {self.kind.fts}.rowid"

    @property
    def item_joins(self) -> str:
        return f"{self.kind.table} i"

    @property
    def detail_joins(self) -> str:
        if self.kind.name == "article":
            return "articles i JOIN articles a ON a.id = i.id"
        return f"{self.kind.table} i JOIN articles a ON a.id = i.article_id"

    @property
    def where(self) -> str:
        conds = self.conds + ([self.article_cond] if self.article_cond else [])
        return " AND ".join(conds) if conds else "1"

    @property
    def filtered(self) -> bool:
        """True when some condition is left to check beyond the FTS rowid range."""
        return bool(self.conds) or (self.article_cond is not None and not (
            self.kind.name == "article" and self.rowid_cond and self.article_ids is None))


@dataclass
class _Window:
    """What :meth:`SqliteSearch._window` found."""

    best: list[tuple[int, float]]  # (id, score), best first, at most k
    walked: int  # rows walked, newest first (at most WINDOW + 1)
    top: int  # the newest id
    last: int  # the WINDOW-th newest id (or the oldest walked, when fewer)
    end: int  # the last id walked
    rows: int  # the FTS table's rows (only when asked for)


@dataclass
class _KindResult:
    rows: list[tuple[int, float, int]]  # (item id, score, article id or 0), best first
    total: int
    exact: bool = True
    ranked: bool = True


class BaseSearch:
    """What every back-end shares: parse the user's text (never passed on raw), clamp
    limit and offset, run in one short read session, turn database faults into the
    ``error`` message. Back-ends implement ``_run`` (and may tune the session)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def search(self, query: str, *, limit: int = 50, offset: int = 0) -> SearchResults:
        started = time.perf_counter()
        results = SearchResults(query=query if isinstance(query, str) else "")
        try:
            parsed = parse(query)
        except QueryError as exc:
            results.error = str(exc)
            return results
        if parsed.is_empty:
            return results
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        try:
            with self.db.reader() as session:
                self._tune(session)
                self._run(session, parsed, limit, offset, results)
        except (DBAPIError, sqlite3.Error) as exc:
            from storage.index_health import DAMAGED_MESSAGE, is_index_damage

            results.hits = []
            if self.db.is_sqlite and is_index_damage(exc):
                log.info("search failed, the index is damaged: %s", self._describe(exc))
                results.damaged = True
                results.error = DAMAGED_MESSAGE
            else:
                log.exception("search failed for %r", query)
                results.error = f"could not search: {self._describe(exc)}"
        results.elapsed_ms = (time.perf_counter() - started) * 1000
        return results

    def _tune(self, session: Session) -> None:
        """Per-session settings before searching (none by default)."""

    def _describe(self, exc: BaseException) -> str:
        return str(getattr(exc, "orig", exc))

    def _run(self, s: Session, q: Query, limit: int, offset: int, out: SearchResults) -> None:
        raise NotImplementedError  # pragma: no cover - every back-end defines it


class SqliteSearch(BaseSearch):
    """FTS5 search over an SQLite archive opened with :func:`storage.db.open_database`."""

    def _tune(self, session: Session) -> None:
        _tune(session)

    # -- planning -------------------------------------------------------------------

    def _run(self, s: Session, q: Query, limit: int, offset: int, out: SearchResults) -> None:
        wanted = offset + limit
        per_kind: dict[str, _KindResult] = {}
        plans: dict[str, _Plan] = {}
        lookup = _Lookup(s)
        rank = Ranker(lambda sql, params: _rows(s, sql, params), _has_rank_function(s))
        for name in q.kinds():
            plan = _plan(KINDS[name], q, lookup)
            if plan is None:
                continue
            plans[name] = plan
            if plan.match is None:
                per_kind[name] = self._listing(s, plan, wanted)
            else:
                per_kind[name] = self._ranked(s, plan, wanted, rank)
        merged: list[tuple[float, int, str, int]] = []
        for name, res in per_kind.items():
            for item_id, score, article_id in res.rows:
                merged.append((score, item_id, name, article_id))
        if q.has_terms:  # best first
            merged.sort(key=lambda r: (-r[0], -r[3], -r[1]))
        else:  # newest article first
            merged.sort(key=lambda r: (-r[3], -r[1]))
        page = merged[offset:offset + limit]
        out.total = sum(r.total for r in per_kind.values())
        out.total_exact = all(r.exact for r in per_kind.values())
        out.ranked = all(r.ranked for r in per_kind.values())
        out.hits = self._hits(s, plans, page, snippets.matcher(q))
        out.note = planner_note(out)

    def _count(self, s: Session, sql: str, params: dict[str, Any]) -> int:
        return int(_scalar(s, sql, params) or 0)

    def _ranked(self, s: Session, p: _Plan, wanted: int, rank: Ranker) -> _KindResult:
        k = p.kind
        params = dict(p.params, m=p.match, k=wanted)
        match = p.match
        assert match is not None

        def score() -> str:  # made when first needed: it may count the phrases' rows
            return rank.score(k.fts, k.bm25, match)

        in_range = f" AND {p.rowid_cond}" if p.rowid_cond else ""
        fts = f"FROM {k.fts} WHERE {k.fts} MATCH :m{in_range}"
        if not p.filtered:
            # Counting a word's matches is cheap; a phrase's or prefix's is not. A count
            # over the whole table is also the document frequency the score needs.
            counted = None if in_range else (lambda n: rank.counted(k.fts, match, n))
            unscaled = None if in_range else rank.unscaled(k.fts, k.bm25, match)
            return self._rank_source(s, k, score, fts, params, count=not p.costly,
                                     floor=_range_floor(p.rowid_cond), counted=counted,
                                     unscaled=unscaled)
        joined = f"FROM {k.fts} {p.joins} WHERE {k.fts} MATCH :m{in_range} AND {p.where}"
        small = WINDOW if p.costly else FULL_RANK_LIMIT
        n_small = self._count(s, f"SELECT count(*) FROM (SELECT 1 {fts} LIMIT {small + 1})",
                              params)
        if n_small == 0:
            return _KindResult([], 0)
        if n_small <= small:  # few matches: check the filters row by row, rank them all
            if p.article_ids is not None:
                return self._few_in_articles(s, p, params, in_range, score)
            return self._all(s, f"{k.fts}.rowid, {score()} {joined}", params)
        bits: bytes | None = None
        if k.name == "article" and not p.conds and p.article_json:
            # The filters are a known set of articles: no need to ask SQLite for it.
            assert p.article_ids is not None
            filtered = f"SELECT value FROM json_each(:{p.article_json})"
            n_filter, lo, hi = len(p.article_ids), min(p.article_ids), max(p.article_ids)
            if rank.enabled and n_filter <= FILTER_SET_LIMIT:
                bits = _scalar(s, f"SELECT {BITMAP}(value) FROM json_each(:{p.article_json})",
                               params)
        else:
            # An article filter that is one id subquery (a tag, a collection) is that
            # subquery: no need to look each id up in the articles table.
            direct = _direct_ids(p)
            filtered = direct or f"SELECT i.id FROM {p.item_joins} WHERE {p.where}"
            with_bits = f", {BITMAP}(id)" if rank.enabled else ""
            n_filter, lo, hi, *more = _rows(
                s, f"WITH f(id) AS ({filtered}) SELECT count(*), min(id), max(id){with_bits} "
                   f"FROM (SELECT id FROM f LIMIT {FILTER_SET_LIMIT + 1})", params)[0]
            bits = more[0] if more else None
        if not n_filter:
            return _KindResult([], 0)
        if n_filter <= FILTER_SET_LIMIT:
            # A small filter set, probed for every match in its id range: as a bitmap
            # when the connection has cuttings_in(), else as a set SQLite builds once.
            # (The '+' keeps SQLite from running one FTS5 query per id.)
            member = (f"{IN_BITMAP}({k.fts}.rowid, :bits)" if bits is not None
                      else f"+{k.fts}.rowid IN ({filtered})")
            # FTS5 starts and stops at the set's id range, but SQLite checks the range
            # again on every row inside it (0.6 ms over 100,000 rows): worth it only when
            # the range leaves out a good part of the table.
            first, last = _rows(s, f"SELECT (SELECT min(id) FROM {k.table}), "
                                   f"(SELECT max(id) FROM {k.table})", {})[0]
            narrow = first is None or (hi - lo + 1) < 0.75 * (last - first + 1)
            in_ids = f" AND {k.fts}.rowid BETWEEN :lo AND :hi" if narrow else ""
            probe = f"{fts}{in_ids} AND {member}"
            pparams = dict(params, lo=lo, hi=hi, bits=bits)
            if n_filter <= FULL_RANK_LIMIT:  # at most that many can pass: rank them all
                return self._all(s, f"{k.fts}.rowid, {score()} {probe}", pparams)
            return self._rank_source(s, k, score, probe, pparams, count=False, floor=int(lo))
        # A large filter set: check it row by row while walking the matches newest first.
        return self._rank_source(s, k, score, joined, params, count=False, floor=1)

    def _few_in_articles(self, s: Session, p: _Plan, params: dict[str, Any],
                         in_range: str, score: Callable[[], str]) -> _KindResult:
        """Few matches and a resolved set of articles: the matches' articles are checked
        in Python (SQLite would build the whole set first), then only the passing rows
        are scored, in one walk over their id range."""
        k = p.kind
        assert p.article_ids is not None
        item_where = " AND ".join(p.conds) if p.conds else "1"
        if k.name == "article" and not p.conds:
            sql = f"SELECT rowid, rowid FROM {k.fts} WHERE {k.fts} MATCH :m{in_range}"
        else:
            sql = (f"SELECT {k.fts}.rowid, {k.article_ref} FROM {k.fts} {p.joins} "
                   f"WHERE {k.fts} MATCH :m{in_range} AND {item_where}")
        keep = sorted(int(r[0]) for r in _rows(s, sql, params) if int(r[1]) in p.article_ids)
        if not keep:
            return _KindResult([], 0)
        # The '+' keeps SQLite from running one FTS5 query (and one BM25 set-up) per id.
        return self._all(s, f"{k.fts}.rowid, {score()} FROM {k.fts} "
                            f"WHERE {k.fts} MATCH :m AND {k.fts}.rowid BETWEEN {keep[0]} "
                            f"AND {keep[-1]} AND +{k.fts}.rowid IN "
                            "(SELECT value FROM json_each(:keep))",
                         dict(params, keep=json.dumps(keep)))

    def _rank_source(self, s: Session, k: _Kind, score: Callable[[], str], source: str,
                     params: dict[str, Any], *, count: bool, floor: int,
                     counted: Callable[[float], None] | None = None,
                     unscaled: str | None = None) -> _KindResult:
        """Rank the rows of ``source`` (``FROM ... WHERE ...`` over ``k.fts``) by
        ``score()``; ``counted`` is told how many there are (the document frequency of a
        one-phrase query) when that is learnt on the way. ``unscaled`` (a one-phrase
        score without its IDF, see :meth:`Ranker.unscaled`) spares the walk that finds
        the document frequency first: the window below tells it, and scales the scores.

        With ``count`` (cheap for plain words) the matches are counted first, oldest
        first, up to FULL_RANK_LIMIT, and that many are all ranked. Otherwise (more
        matches, or phrases, prefixes and filters checked row by row, which are not
        counted first) the newest WINDOW + 1 are scored in one pass: if that is all of
        them they are the exact answer, otherwise the newest WINDOW stand for the set
        (``ranked=False``). The total is then counted or estimated from the oldest and
        newest matches (search_rank.how_many) when they are all the kind's (or a date
        range's), or else from how far back in ids (down to ``floor``) the window reaches.
        """
        rowid = f"{k.fts}.rowid"
        old: Side | None = None  # the oldest matches, when counted

        def rows_of(sql: str, p: dict[str, Any]) -> list[tuple[Any, ...]]:
            return _rows(s, sql, p)

        if count:  # count first, oldest first (no scoring): few enough are all ranked
            old = walk(rows_of, rowid, source, params, FULL_RANK_LIMIT + 1)
            n = old.n
            if n == 0:
                return _KindResult([], 0)
            if n <= FULL_RANK_LIMIT:
                if counted is not None:
                    counted(n)  # all of them: a one-word query's document frequency
                rows = _rows(s, f"SELECT {rowid}, {score()} AS sc {source} "
                                f"ORDER BY sc DESC, {rowid} DESC LIMIT :k", params)
                return self._sorted(rows, params["k"], n)
            # More: the newest window stands for them, as below.
        scaled = unscaled is not None and counted is not None
        window = self._window(s, k, unscaled or score() if scaled else score(), source, params,
                              rowcount=scaled)
        if window.walked <= WINDOW:  # that is all of them
            total: float = window.walked
            exact = True
        elif old is not None or counted is not None:  # all matches of the kind (or range)
            # How many: the oldest (counted, or walked here), the newest, and the ids
            # between them counted or estimated (search_rank.how_many).
            if old is None:
                old = walk(rows_of, rowid, source, params, PROBE + 1)
            total, exact = how_many(rows_of, rowid, source, params, old,
                                    Side(window.walked, window.end, window.top))
        else:  # filtered walks: from how far back in ids (down to ``floor``) they reach
            total = max(WINDOW + 1, round(WINDOW * (window.top - floor + 1)
                                          / max(1, window.top - window.last + 1)))
            exact = False
        best = window.best
        if scaled:
            assert counted is not None
            counted(total)  # the one phrase's document frequency
            idf = Ranker.idf(window.rows, total)
            best = [(i, sc * idf) for i, sc in best]
        if window.walked <= WINDOW:
            return self._sorted(best, params["k"], window.walked)
        return self._sorted(best, params["k"], round(total), ranked=False, exact=exact)

    def _window(self, s: Session, k: _Kind, score: str, source: str, params: dict[str, Any],
                *, rowcount: bool = False) -> _Window:
        """The best ``params['k']`` of the newest WINDOW rows of ``source`` by ``score``,
        cut by SQLite (not 500 rows sorted in Python), with what the walk saw: how many
        rows it walked (up to WINDOW + 1, so more than WINDOW means there are more),
        the newest id, the WINDOW-th and the last walked."""
        rowid = f"{k.fts}.rowid"
        extra = f", {ROWCOUNT}({k.fts}) AS nr" if rowcount else ""
        more = ", (SELECT max(nr) FROM w)" if rowcount else ""
        rows = _rows(s, f"WITH w AS {_MATERIALIZED}(SELECT {rowid} AS r, {score} AS sc{extra} "
                        f"{source} ORDER BY {rowid} DESC LIMIT {WINDOW + 1}), "
                        f"f AS (SELECT r, sc FROM w ORDER BY r DESC LIMIT {WINDOW}) "
                        "SELECT r, sc, (SELECT count(*) FROM w), (SELECT max(r) FROM f), "
                        f"(SELECT min(r) FROM f), (SELECT min(r) FROM w){more} "
                        "FROM f ORDER BY sc DESC, r DESC LIMIT :k", params)
        if not rows:
            return _Window([], 0, 0, 0, 0, 0)
        first = rows[0]
        return _Window([(int(r[0]), float(r[1])) for r in rows], int(first[2]), int(first[3]),
                       int(first[4]), int(first[5]), int(first[6]) if rowcount else 0)

    def _all(self, s: Session, select: str, params: dict[str, Any]) -> _KindResult:
        """Every row of ``SELECT <select>`` (rowid, score): scored, counted and cut in one
        pass, by SQLite (the best k come back, with the count)."""
        rows = _rows(s, f"SELECT *, count(*) OVER () FROM (SELECT {select}) "
                        "ORDER BY 2 DESC, 1 DESC LIMIT :k", params)
        return self._sorted(rows, params["k"], int(rows[0][2]) if rows else 0)

    @staticmethod
    def _sorted(rows: list[tuple[Any, ...]], k: int, total: int, *, ranked: bool = True,
                exact: bool = True) -> _KindResult:
        # Ties (common with very frequent words) go to the newest, as in the merge, so that
        # every page of a search cuts the same order.
        best = sorted(((int(r[0]), float(r[1]), 0) for r in rows),
                      key=lambda r: (-r[1], -r[0]))[:k]
        return _KindResult(best, total, exact=exact, ranked=ranked)

    def _listing(self, s: Session, p: _Plan, wanted: int) -> _KindResult:
        params = dict(p.params, k=wanted)
        # Articles filtered by one id subquery (a tag, a collection) are listed from it.
        direct = _direct_ids(p)
        base = (f"WITH d(id) AS ({direct}) SELECT id FROM d" if direct
                else f"SELECT i.id FROM {p.item_joins} WHERE {p.where}")
        n = self._count(s, f"SELECT count(*) FROM ({base} LIMIT {LIST_COUNT_CAP + 1})", params)
        if n == 0:
            return _KindResult([], 0)
        ref = "i.id" if p.kind.name == "article" else p.kind.article_ref
        # The merge lists newest article first, then newest item: cut each kind in that
        # same order (the article_id indexes hold it), or pages would repeat and skip.
        order = "i.id DESC" if ref == "i.id" else f"{ref} DESC, i.id DESC"
        if direct:
            listed = f"WITH d(id) AS ({direct}) SELECT id, id FROM d ORDER BY id DESC"
        else:
            listed = f"SELECT i.id, {ref} FROM {p.item_joins} WHERE {p.where} ORDER BY {order}"
        rows = _rows(s, f"{listed} LIMIT :k", params)
        return _KindResult([(int(r[0]), 0.0, int(r[1])) for r in rows], min(n, LIST_COUNT_CAP),
                           exact=n <= LIST_COUNT_CAP)

    # -- hits -----------------------------------------------------------------------

    def _hits(self, s: Session, plans: dict[str, _Plan], page: list[tuple[float, int, str, int]],
              pattern: snippets.Matcher | None) -> list[Hit]:
        by_kind: dict[str, list[int]] = {}
        for _score, item_id, name, _ in page:
            by_kind.setdefault(name, []).append(item_id)
        details: dict[tuple[str, int], Hit] = {}
        for name, ids in by_kind.items():
            k = KINDS[name]
            plan = plans[name]
            id_list = ", ".join(str(int(i)) for i in ids)
            rows = _rows(s, f"SELECT i.id, {k.article_ref}, a.title, a.published, {k.extra}, "
                            f"{k.texts} FROM {plan.detail_joins} WHERE i.id IN ({id_list})", {})
            for r in rows:
                item_id = int(r[0])
                texts = list(r[8:])
                html_snippet = None
                if plan.match is not None:
                    html_snippet = snippets.snippet(texts, pattern)
                    # Only the speaker's name matched: the quote's opening, unmarked.
                    by_speaker = html_snippet is None and pattern is not None and \
                        bool(r[4]) and pattern.first(snippets.fold(r[4])) is not None
                    if html_snippet is None and name != "article" and not by_speaker:
                        # The match is in a field the expression did not find: ask FTS5.
                        raw = _scalar(s, f"SELECT snippet({k.fts}, {k.snippet_col}, :o, :c, "
                                         f"'…', {SNIPPET_TOKENS}) FROM {k.fts} "
                                         f"WHERE {k.fts} MATCH :m AND rowid = :id",
                                      {"o": _OPEN, "c": _CLOSE, "m": plan.match, "id": item_id})
                        html_snippet = marked_html(raw) if raw else None
                if html_snippet is None:
                    html_snippet = snippets.plain(texts[0])
                details[(name, item_id)] = hit_from_row(name, r, html_snippet)
        return in_page_order(page, details)


def planner_note(out: SearchResults) -> str | None:
    """What to tell the user when the planner did not rank (or count) every match."""
    if not out.ranked:
        return (f"{'About' if not out.total_exact else 'There are'} {out.total:,} "
                f"matches: the best of the newest {WINDOW:,} of each kind are shown. "
                "Add words or filters to narrow the search.")
    if not out.total_exact:
        return f"More than {out.total:,} items match; the newest are shown."
    return None


def hit_from_row(kind: str, r: Any, snippet: str) -> Hit:
    """A hit from a details row ``(id, article_id, title, published, speaker, verdict,
    start, end, …texts)``, the shape both back-ends select."""
    return Hit(kind=kind, id=int(r[0]), article_id=int(r[1]), title=r[2], snippet=snippet,
               score=0.0, published=r[3], speaker=r[4], verdict=r[5],
               start=None if r[6] is None else int(r[6]),
               end=None if r[7] is None else int(r[7]))


def in_page_order(page: Sequence[tuple[float, int, str, Any]],
                  details: dict[tuple[str, int], Hit]) -> list[Hit]:
    """The page's hits in ranked order, each with its score (rows deleted meanwhile are
    skipped)."""
    hits: list[Hit] = []
    for score, item_id, name, _ in page:
        hit = details.get((name, item_id))
        if hit is not None:
            hit.score = score
            hits.append(hit)
    return hits


# Computed once, not once per use (SQLite 3.35+ takes the hint; older ones would reject it
# and evaluate the walk once per use: slower, same answer).
_MATERIALIZED = "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""

_RAW = "cuttings_search_raw"


def _cursor(s: Session) -> Any:
    """A DB-API cursor on the session's connection (inside its read transaction).

    The search runs many small statements; the raw driver avoids SQLAlchemy's
    per-statement and per-row overhead, which here is larger than SQLite's own work.
    The driver connection is looked up once per session (kept in ``Session.info``).
    """
    raw = s.info.get(_RAW)
    if raw is None:
        raw = s.info[_RAW] = s.connection().connection.driver_connection
    return raw.cursor()


CACHE_KIB = 65_536  # page cache of a connection that searches (SQLite's default is 2 MiB)
# Memory-mapped reads of the archive file: FTS5 walks long doclists, and reading them
# through the map instead of copying pages into the cache is about 15% faster at
# 100,000 articles. (SQLite maps at most the file's size at the time; it is the same
# data, through the same locks.)
MMAP_BYTES = 1 << 30


def _tune(s: Session) -> None:
    """Give the connection a page cache big enough for ranking, and memory-mapped
    reads (once per connection)."""
    fairy = s.connection().connection
    if not fairy.info.get("cuttings_search_tuned"):
        cur = fairy.driver_connection.cursor()
        try:
            cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            cur.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        finally:
            cur.close()
        fairy.info["cuttings_search_tuned"] = True


def _has_rank_function(s: Session) -> bool:
    """Whether the session's connection has cuttings_bm25() (asked once per connection)."""
    fairy = s.connection().connection
    known = fairy.info.get("cuttings_rank")
    if known is None:
        cur = fairy.driver_connection.cursor()
        try:
            known = fairy.info["cuttings_rank"] = connection_has_function(cur)
        finally:
            cur.close()
    return bool(known)


def _rows(s: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    cur = _cursor(s)
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def _scalar(s: Session, sql: str, params: dict[str, Any]) -> Any:
    cur = _cursor(s)
    try:
        row = cur.execute(sql, params).fetchone()
        return None if row is None else row[0]
    finally:
        cur.close()


def marked_html(raw: str) -> str:
    """FTS5 snippet text with our markers -> escaped HTML with ``<mark>`` tags."""
    escaped = html.escape(raw, quote=True)
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


@dataclass(frozen=True)
class _ArticleSet:
    """The articles that pass a search's article-level filters."""

    count: int
    lo: int  # smallest and largest article id
    hi: int
    ids: frozenset[int] | None  # None: every article with lo <= id <= hi passes
    json: str = "[]"  # ``ids`` as a JSON list, for json_each()


_JSON_IDS = re.compile(r"a\.id IN \(SELECT value FROM json_each\(:(p\d+)\)\)")


def _range_floor(rowid_cond: str) -> int:
    """The low end of a ``rowid BETWEEN lo AND hi`` condition (1 without one)."""
    m = re.search(r"BETWEEN (\d+) AND", rowid_cond)
    return int(m.group(1)) if m else 1


class _Lookup:
    """Resolves tag and collection names, and article filters, to ids once per search."""

    _TABLE_KEYS = {"quote_tags": "tags_id", "claim_tags": "tags_id", "credit_tags": "tags_id",
                   "collection_claims": "collections_id"}

    def __init__(self, s: Session) -> None:
        self.s = s
        self._cache: dict[tuple[str, ...], Any] = {}
        self._lists: dict[str, list[int]] = {}  # JSON id lists made here -> the ids

    def tags(self, name: str) -> list[int]:
        key = ("tag", name)
        if key not in self._cache:
            self._cache[key] = [int(r[0]) for r in _rows(
                self.s, "SELECT id FROM tags WHERE key = :k OR name = :n COLLATE NOCASE",
                {"k": " ".join(name.split()).casefold(), "n": name})]
        return list(self._cache[key])

    def collections(self, name: str) -> list[int]:
        key = ("collection", name)
        if key not in self._cache:
            self._cache[key] = [int(r[0]) for r in _rows(
                self.s, "SELECT id FROM collections WHERE name = :n COLLATE NOCASE",
                {"n": " ".join(name.split())})]
        return list(self._cache[key])

    def articles_in(self, key: tuple[str, str], sql: str, params: dict[str, Any],
                    param: Any) -> str:
        """``a.id IN (...)`` for the articles that ``sql`` selects, found once per search
        (not once per kind and statement) and passed as a JSON list when not huge."""
        cache_key = ("articles", *key)
        if cache_key not in self._cache:
            found = sorted({int(r[0]) for r in _rows(self.s, sql, params)})
            as_json = json.dumps(found)
            self._cache[cache_key] = (found, as_json)
            self._lists[as_json] = found  # for articles_where(), without parsing it back
        found, as_json = self._cache[cache_key]
        if not found:
            return "0"
        if len(found) > ARTICLE_SET_LIMIT:  # let SQLite build it in each statement
            inline = sql
            for name, value in params.items():
                inline = inline.replace(f":{name}", param(value))
            return f"a.id IN ({inline})"
        return f"a.id IN (SELECT value FROM json_each({param(as_json)}))"

    def articles_where(self, where: str, params: dict[str, Any]) -> _ArticleSet | None:
        """The articles (alias a) that pass ``where``: a contiguous id range, a set of at
        most ARTICLE_SET_LIMIT ids, or None when there are more, scattered ones."""
        names = sorted(set(re.findall(r":(p\d+)\b", where)))
        sub = {name: params[name] for name in names}
        key = ("where", where, *(repr(sub[name]) for name in names))
        if key not in self._cache:
            only = _JSON_IDS.fullmatch(where)
            known: list[int] = []
            if only:  # one set already resolved by articles_in(): ids of existing articles
                as_json = sub[only.group(1)]
                known = self._lists.get(as_json) or sorted(int(v) for v in json.loads(as_json))
                n, lo, hi = len(known), known[0] if known else 0, known[-1] if known else 0
            else:
                n, lo, hi = _rows(self.s, "SELECT count(*), min(a.id), max(a.id) "
                                          f"FROM articles a WHERE {where}", sub)[0]
            found: _ArticleSet | None
            if not n:
                found = _ArticleSet(0, 0, 0, frozenset())
            elif n == hi - lo + 1:
                found = _ArticleSet(int(n), int(lo), int(hi), None)
            elif n <= ARTICLE_SET_LIMIT:
                id_list = known if only else [int(r[0]) for r in _rows(
                    self.s, f"SELECT a.id FROM articles a WHERE {where} ORDER BY a.id", sub)]
                found = _ArticleSet(len(id_list), int(lo), int(hi), frozenset(id_list),
                                    as_json if only else json.dumps(id_list))
            else:
                found = None
            self._cache[key] = found
        return self._cache[key]  # type: ignore[no-any-return]

    def any_row(self, table: str, id_list: list[int]) -> bool:
        key = ("rows", table, ",".join(map(str, id_list)))
        if key not in self._cache:
            column = self._TABLE_KEYS[table]
            self._cache[key] = _scalar(
                self.s, f"SELECT 1 FROM {table} WHERE {column} IN "
                        f"({', '.join(map(str, id_list))}) LIMIT 1", {}) is not None
        return bool(self._cache[key])


def _plan(kind: _Kind, q: Query, ids: _Lookup) -> _Plan | None:
    """SQL for one kind of result, or None when the filters rule the kind out."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    match_parts: list[str] = []
    positive = q.match_expression()
    if positive is not None:
        match_parts.append(positive)
    # Without words, results are listed newest first: column filters become conditions.
    column_parts: list[str] | None = match_parts if positive is not None else None
    n = 0

    def param(value: Any) -> str:
        nonlocal n
        n += 1
        name = f"p{n}"
        params[name] = value
        return f":{name}"

    article_conds: list[str] = []

    def add(cond: str, negated: bool) -> None:
        cond = f"NOT ({cond})" if negated else cond
        # Conditions on the article (alias a) are gathered into one id subquery.
        (article_conds if _ARTICLE_REF.search(cond) else conds).append(cond)

    for f in q.filters:
        cond = _filter_condition(kind, f, param, column_parts, ids)
        if cond is _RULED_OUT:
            return None
        if cond:
            add(cond, f.negated)

    if q.excluded:
        neg = q.excluded_expression()
        if match_parts:
            match_parts = [f"({' AND '.join(match_parts)}) NOT ({neg})"]
        else:
            conds.append(f"i.id NOT IN (SELECT rowid FROM {kind.fts} WHERE {kind.fts} MATCH "
                         f"{param(neg)})")
    match = " AND ".join(f"({m})" for m in match_parts) if match_parts else None
    costly = any(isinstance(c, AnyOf) or c.phrase or c.prefix for c in q.clauses)
    plan = _Plan(kind=kind, match=match, conds=conds, params=params, costly=costly)
    if article_conds:
        where = " AND ".join(article_conds)
        # Dates, and a set already found (site:, source:, author:), are worth resolving to
        # ids once; tag and collection sets are cheapest left to SQLite's own indexes.
        worth = _JSON_IDS.fullmatch(where) or any("a.published" in c for c in article_conds)
        found = ids.articles_where(where, params) if worth else None
        ref = "i.id" if kind.name == "article" else "i.article_id"
        if found is None:  # many, scattered articles: SQLite checks them in each statement
            plan.article_cond = (_ARTICLE_REF.sub("i.", where) if kind.name == "article"
                                 else f"i.article_id IN (SELECT a.id FROM articles a WHERE {where})")
        elif found.count == 0:
            return None
        elif found.ids is None:  # every article in an id range: a range, no set to build
            plan.article_cond = f"{ref} BETWEEN {found.lo} AND {found.hi}"
        else:
            name = param(found.json)
            plan.article_cond = f"{ref} IN (SELECT value FROM json_each({name}))"
            plan.article_ids = found.ids
            plan.article_json = name[1:]
        if found is not None and kind.name == "article":
            plan.rowid_cond = f"{kind.fts}.rowid BETWEEN {found.lo} AND {found.hi}"
    return plan


_RULED_OUT = "\x00ruled-out"
# ``i.id IN (SELECT ... (...))``: an article filter that is a single id subquery.
_ONE_ID_SET = re.compile(r"i\.id IN \(SELECT ([^()]*(?:\([^()]*\)[^()]*)*)\)")


def _direct_ids(p: _Plan) -> str | None:
    """For articles filtered only by one id subquery (a tag, a collection: rows of a
    link table), that subquery with each id once; None otherwise."""
    if p.kind.name != "article" or p.conds:
        return None
    m = _ONE_ID_SET.fullmatch(p.where)
    return f"SELECT DISTINCT {m.group(1)}" if m else None
_ARTICLE_REF = re.compile(r"\ba\.")


def _filter_condition(kind: _Kind, f: Filter, param: Any,
                      match_parts: list[str] | None, ids: _Lookup) -> str | None:
    """One filter as SQL on aliases i/a; None adds nothing; _RULED_OUT drops the kind.

    Positive speaker:/author: filters join the FTS expression (``match_parts``) when the
    query has words; otherwise they become conditions.
    """
    name, value = f.field, f.value
    if name == "is":
        return None  # handled by Query.kinds()
    if name == "speaker":
        if kind.name != "quote":
            return None if f.negated else _RULED_OUT
        phrase = "speaker : " + fts_phrase(f.words)
        if not f.negated and match_parts is not None:
            match_parts.append(phrase)
            return None
        return f"i.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH {param(phrase)})"
    if name == "verdict":
        if kind.name != "claim":
            return None if f.negated else _RULED_OUT
        return f"i.verdict = {param(value)}"
    if name == "author":
        if kind.name == "article" and not f.negated and match_parts is not None:
            match_parts.append("authors : " + fts_phrase(f.words))
            return None
        return ids.articles_in(
            ("author", value), "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :m",
            {"m": "authors : " + fts_phrase(f.words)}, param)
    if name == "site":
        host = site_key(value)  # keyed as articles are filed (one rule)
        parts, sub = [], {}
        if host:
            parts.append("SELECT id FROM articles WHERE site IN (:host, :www)")
            sub.update(host=host, www="www." + host)
        if f.words:
            parts.append("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :m")
            sub["m"] = "publisher : " + fts_phrase(f.words)
        if not parts:
            return "0"
        return ids.articles_in(("site", value), " UNION ".join(parts), sub, param)
    if name == "source":
        return ids.articles_in(
            ("source", value), "SELECT c.article_id FROM citations_fts JOIN citations c "
            "ON c.id = citations_fts.rowid WHERE citations_fts MATCH :m",
            {"m": "name : " + fts_phrase(f.words)}, param)
    ref = "a.id" if kind.name == "article" else "i.article_id"
    if name == "tag":
        tag_ids = ids.tags(value)
        if not tag_ids:
            return "0"
        id_list = ", ".join(map(str, tag_ids))
        on_article = (f"{ref} IN (SELECT articles_id FROM article_tags "
                      f"WHERE tags_id IN ({id_list}))")
        own = {"quote": ("quote_tags", "quotes_id"), "claim": ("claim_tags", "claims_id"),
               "credit": ("credit_tags", "photo_credits_id")}.get(kind.name)
        if own is None or not ids.any_row(own[0], tag_ids):
            return on_article
        table, column = own
        return (f"({on_article} OR i.id IN (SELECT {column} FROM {table} "
                f"WHERE tags_id IN ({id_list})))")
    if name == "collection":
        coll_ids = ids.collections(value)
        if not coll_ids:
            return "0"
        id_list = ", ".join(map(str, coll_ids))
        on_article = (f"{ref} IN (SELECT articles_id FROM collection_articles "
                      f"WHERE collections_id IN ({id_list}))")
        if kind.name != "claim" or not ids.any_row("collection_claims", coll_ids):
            return on_article
        return (f"({on_article} OR i.id IN (SELECT claims_id FROM collection_claims "
                f"WHERE collections_id IN ({id_list})))")
    if name == "before":
        return f"a.published < {param(value)}"
    if name == "after":
        return f"a.published >= {param(value)}"
    log.warning("unknown filter %s ignored", name)
    return None


def search_backend(db: Database) -> SearchBackend:
    """The search engine for ``db``'s dialect: FTS5 on SQLite, tsvector on PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        from storage.search_pg import PostgresSearch  # imports this module

        return PostgresSearch(db)
    return SqliteSearch(db)


__all__ = ["Hit", "SearchBackend", "SearchResults", "SqliteSearch", "marked_html",
           "search_backend"]
