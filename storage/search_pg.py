"""Full-text search of a PostgreSQL archive, behind the same interface as SqliteSearch.

``PostgresSearch(db).search(text)`` parses ``text`` with :mod:`storage.query` and
translates the parsed :class:`~storage.query.Query` (never the raw text) into
``tsquery`` expressions built by ``plainto_tsquery``/``phraseto_tsquery``/
``to_tsquery(... ':*')`` from bound parameters, so nothing the user types is ever
read as tsquery syntax. The rows carry ``search_tsv`` generated columns with GIN
indexes (migration 0003, text search configuration ``cuttings_search``: no stemming,
case and, with the unaccent extension, accents ignored), so the index changes in the
same transaction as the row.

Per kind of result: matches are counted (up to ``COUNT_CAP``); up to
``FULL_RANK_LIMIT`` of them are all ranked by ``ts_rank_cd`` (title weighted up),
beyond that the newest ``WINDOW`` are ranked among themselves (``ranked=False``).
Filters alone list items newest first. Snippets are cut from the stored text by
:mod:`storage.search_snippets` (the same as on SQLite); ``ts_headline`` is the
fallback, turned into the same escaped HTML with ``<mark>``.

Thread rules: holds no connection; each ``search`` opens its own short read session,
so one instance may be used from any thread.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from capture.urls import site_key
from storage import search_snippets as snippets
from storage.query import AnyOf, Filter, Query, Term
from storage.search import (
    _CLOSE,
    _OPEN,
    FULL_RANK_LIMIT,
    KINDS,
    LIST_COUNT_CAP,
    SNIPPET_TOKENS,
    WINDOW,
    BaseSearch,
    Hit,
    SearchResults,
    _Kind,
    hit_from_row,
    in_page_order,
    marked_html,
    planner_note,
)

COUNT_CAP = 10_000  # matches are counted this far ("10,000+" beyond)

log = logging.getLogger(__name__)

TS_CONFIG = "cuttings_search"
_CFG = f"'{TS_CONFIG}'::regconfig"
_RULED_OUT = object()


def _lexeme(word: str) -> str:
    """One word as a quoted tsquery operand (the words come from ``query.tokens``)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values) + 1}"
        self.values[name] = value
        return f":{name}"


def _term_query(term: Term, param: _Params) -> str:
    words = term.words
    if term.prefix:
        last = f"to_tsquery({_CFG}, {param(_lexeme(words[-1]) + ':*')})"
        if len(words) == 1:
            return last
        return f"tsquery_phrase(phraseto_tsquery({_CFG}, {param(' '.join(words[:-1]))}), {last})"
    if len(words) > 1 or term.phrase:
        return f"phraseto_tsquery({_CFG}, {param(' '.join(words))})"
    return f"plainto_tsquery({_CFG}, {param(words[0])})"


def _clause_query(clause: Term | AnyOf, param: _Params) -> str:
    if isinstance(clause, AnyOf):
        return "(" + " || ".join(_term_query(t, param) for t in clause.terms) + ")"
    return _term_query(clause, param)


def _phrase_in(expr: str, words: tuple[str, ...], param: _Params, tsv: str) -> str:
    """``expr`` (a text column) contains ``words`` as a phrase. The row's ``tsv``
    (which indexes ``expr`` among other columns) narrows the rows first via its GIN
    index; the exact test then runs only on those."""
    if not words:
        return "FALSE"
    phrase = f"phraseto_tsquery({_CFG}, {param(' '.join(words))})"
    return (f"({tsv} @@ {phrase} AND to_tsvector({_CFG}, translate(coalesce({expr}, ''), "
            f"{param(_PUNCT)}, {param(_SPACES)})) @@ {phrase})")


_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_SPACES = " " * len(_PUNCT)


class PostgresSearch(BaseSearch):
    """tsvector search over a PostgreSQL archive opened with :func:`storage.db.open_database`."""

    def _describe(self, exc: BaseException) -> str:
        # The driver's message may quote the connection; name only the kind of fault.
        return type(getattr(exc, "orig", exc)).__name__

    def _run(self, s: Session, q: Query, limit: int, offset: int, out: SearchResults) -> None:
        wanted = offset + limit
        merged: list[tuple[float, int, str, int]] = []
        totals: list[tuple[int, bool, bool]] = []
        plans: dict[str, tuple[str | None, dict[str, Any]]] = {}
        for name in q.kinds():
            kind = KINDS[name]
            planned = _plan(s, kind, q)
            if planned is None:
                continue
            match, conds, params = planned
            plans[name] = (match, params)
            rows, total, exact, ranked = self._kind(s, kind, match, conds, params, wanted)
            totals.append((total, exact, ranked))
            merged += [(score, item_id, name, art) for item_id, score, art in rows]
        if q.has_terms:
            merged.sort(key=lambda r: (-r[0], -r[3], -r[1]))
        else:
            merged.sort(key=lambda r: (-r[3], -r[1]))
        page = merged[offset:offset + limit]
        out.total = sum(t[0] for t in totals)
        out.total_exact = all(t[1] for t in totals)
        out.ranked = all(t[2] for t in totals)
        out.hits = self._hits(s, plans, page, snippets.matcher(q))
        out.note = planner_note(out)

    def _kind(self, s: Session, k: _Kind, match: str | None, conds: list[str],
              params: dict[str, Any], wanted: int
              ) -> tuple[list[tuple[int, float, int]], int, bool, bool]:
        # Cheap row conditions first: PostgreSQL keeps the written order among quals of
        # equal cost, and a tsvector test reads the row's (large, TOASTed) vector.
        where = " AND ".join(conds + ([f"i.search_tsv @@ ({match})"] if match else [])) or "TRUE"
        ref = "i.id" if k.name == "article" else "i.article_id"
        params = dict(params, k=wanted)
        cap = COUNT_CAP if match else LIST_COUNT_CAP
        n = int(s.execute(text(f"SELECT count(*) FROM (SELECT 1 FROM {k.table} i WHERE {where} "
                               f"LIMIT {cap + 1}) t"), params).scalar() or 0)
        if n == 0:
            return [], 0, True, True
        exact = n <= cap
        n = min(n, cap)
        if match is None:  # listed newest first
            order = "i.id DESC" if ref == "i.id" else f"{ref} DESC, i.id DESC"  # as merged
            rows = s.execute(text(f"SELECT i.id, {ref} FROM {k.table} i WHERE {where} "
                                  f"ORDER BY {order} LIMIT :k"), params).all()
            return [(int(r[0]), 0.0, int(r[1])) for r in rows], n, exact, True
        score = f"ts_rank_cd(i.search_tsv, ({match}))"
        if exact and n <= FULL_RANK_LIMIT:
            rows = s.execute(text(f"SELECT i.id, {score} AS sc FROM {k.table} i WHERE {where} "
                                  "ORDER BY sc DESC, i.id DESC LIMIT :k"), params).all()
            ranked = True
        else:  # the newest WINDOW stand for a huge match set
            rows = s.execute(text(f"SELECT id, sc FROM (SELECT i.id, {score} AS sc FROM "
                                  f"{k.table} i WHERE {where} ORDER BY i.id DESC "
                                  f"LIMIT {WINDOW}) w ORDER BY sc DESC, id DESC LIMIT :k"),
                             params).all()
            ranked = False
        return [(int(r[0]), float(r[1]), 0) for r in rows], n, exact, ranked

    def _hits(self, s: Session, plans: dict[str, tuple[str | None, dict[str, Any]]],
              page: list[tuple[float, int, str, int]],
              pattern: snippets.Matcher | None) -> list[Hit]:
        by_kind: dict[str, list[int]] = {}
        for _score, item_id, name, _ in page:
            by_kind.setdefault(name, []).append(item_id)
        details: dict[tuple[str, int], Hit] = {}
        for name, ids in by_kind.items():
            k = KINDS[name]
            match, params = plans[name]
            detail = ("articles i JOIN articles a ON a.id = i.id" if name == "article"
                      else f"{k.table} i JOIN articles a ON a.id = i.article_id")
            rows = s.execute(text(f"SELECT i.id, {k.article_ref}, a.title, a.published, "
                                  f"{k.extra}, {k.texts} FROM {detail} "
                                  "WHERE i.id = ANY(:ids)"), {"ids": list(ids)}).all()
            for r in rows:
                item_id = int(r[0])
                texts = list(r[8:])
                html_snippet = None
                if match is not None:
                    html_snippet = snippets.snippet(texts, pattern)
                    if html_snippet is None:
                        html_snippet = self._headline(s, k, match, params, item_id)
                if html_snippet is None:
                    html_snippet = snippets.plain(texts[0])
                details[(name, item_id)] = hit_from_row(name, r, html_snippet)
        return in_page_order(page, details)

    @staticmethod
    def _headline(s: Session, k: _Kind, match: str, params: dict[str, Any],
                  item_id: int) -> str | None:
        """``ts_headline`` over the item's texts, as escaped HTML with ``<mark>``."""
        source = " || ' … ' || ".join(f"coalesce({c.strip()}, '')" for c in k.texts.split(","))
        options = (f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords={SNIPPET_TOKENS}, "
                   "MinWords=8, MaxFragments=2, FragmentDelimiter=' … '")
        raw = s.execute(text(f"SELECT ts_headline({_CFG}, {source}, ({match}), :opts) "
                             f"FROM {k.table} i WHERE i.id = :item"),
                        dict(params, opts=options, item=item_id)).scalar()
        if not raw or _OPEN not in raw:
            return None
        return marked_html(raw)


def _plan(s: Session, kind: _Kind, q: Query) -> tuple[str | None, list[str], dict[str, Any]] | None:
    """(tsquery SQL, conditions on alias i, parameters), or None when ruled out."""
    param = _Params()
    match = " && ".join(f"({_clause_query(c, param)})" for c in q.clauses) or None
    conds: list[str] = []
    for f in q.filters:
        cond = _filter_condition(s, kind, f, param)
        if cond is _RULED_OUT:
            return None
        if cond:
            conds.append(f"NOT ({cond})" if f.negated else str(cond))
    if q.excluded:
        neg = " || ".join(_term_query(t, param) for t in q.excluded)
        conds.append(f"NOT (i.search_tsv @@ ({neg}))")
    return match, conds, param.values


def _filter_condition(s: Session, kind: _Kind, f: Filter, param: _Params) -> Any:
    """One filter as SQL on alias i; None adds nothing; _RULED_OUT drops the kind."""
    name, value = f.field, f.value
    ref = "i.id" if kind.name == "article" else "i.article_id"
    if name == "is":
        return None
    if name == "speaker":
        if kind.name != "quote":
            return None if f.negated else _RULED_OUT
        return _phrase_in("i.speaker", f.words, param, "i.search_tsv")
    if name == "verdict":
        if kind.name != "claim":
            return None if f.negated else _RULED_OUT
        return f"i.verdict = {param(value)}"
    if name == "author":
        words = " ".join(f.words)
        if not words:
            return "FALSE"
        phrase = f"phraseto_tsquery({_CFG}, {param(words)})"
        return (f"{ref} IN (SELECT a.id FROM articles a WHERE a.search_tsv @@ {phrase} "
                f"AND to_tsvector({_CFG}, a.authors) @@ {phrase})")
    if name == "site":
        host = site_key(value)
        parts = []
        if host:
            parts.append(f"a.site IN ({param(host)}, {param('www.' + host)})")
        if f.words:
            parts.append(_phrase_in("a.publisher", f.words, param, "a.search_tsv"))
        if not parts:
            return "FALSE"
        return f"{ref} IN (SELECT a.id FROM articles a WHERE {' OR '.join(parts)})"
    if name == "source":
        return (f"{ref} IN (SELECT c.article_id FROM citations c WHERE c.search_tsv @@ "
                f"phraseto_tsquery({_CFG}, {param(' '.join(f.words))}))") if f.words else "FALSE"
    if name == "tag":
        tag_ids = [int(r[0]) for r in s.execute(text(
            "SELECT id FROM tags WHERE key = :k OR lower(name) = lower(:n)"),
            {"k": " ".join(value.split()).casefold(), "n": value})]
        if not tag_ids:
            return "FALSE"
        ids = param(tag_ids)
        on_article = f"{ref} IN (SELECT articles_id FROM article_tags WHERE tags_id = ANY({ids}))"
        own = {"quote": ("quote_tags", "quotes_id"), "claim": ("claim_tags", "claims_id"),
               "credit": ("credit_tags", "photo_credits_id")}.get(kind.name)
        if own is None:
            return on_article
        table, column = own
        return f"({on_article} OR i.id IN (SELECT {column} FROM {table} WHERE tags_id = ANY({ids})))"
    if name == "collection":
        coll_ids = [int(r[0]) for r in s.execute(text(
            "SELECT id FROM collections WHERE lower(name) = lower(:n)"),
            {"n": " ".join(value.split())})]
        if not coll_ids:
            return "FALSE"
        ids = param(coll_ids)
        on_article = (f"{ref} IN (SELECT articles_id FROM collection_articles "
                      f"WHERE collections_id = ANY({ids}))")
        if kind.name != "claim":
            return on_article
        return (f"({on_article} OR i.id IN (SELECT claims_id FROM collection_claims "
                f"WHERE collections_id = ANY({ids})))")
    if name in ("before", "after"):
        op = "<" if name == "before" else ">="
        if kind.name == "article":  # on the row itself: checked before its tsvector
            return f"i.published COLLATE \"C\" {op} {param(value)}"
        return (f"{ref} IN (SELECT a.id FROM articles a WHERE a.published COLLATE \"C\" {op} "
                f"{param(value)})")
    log.warning("unknown filter %s ignored", name)
    return None


__all__ = ["PostgresSearch"]
