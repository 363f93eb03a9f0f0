"""The BM25 score of a search, and the document frequencies it needs.

FTS5's ``bm25()`` counts, before it scores the first row, every row of the whole table
that holds each phrase of the query (to get the phrase's IDF). For a word in most of
100,000 articles that walk costs 3 ms, for a two-word phrase 14 ms: most of a search's
time, even when only the newest 500 matches are scored.

``cuttings_bm25()`` (``storage/_fts5rank.c``, an optional compiled extension) is the
same formula with the document frequencies passed in. :class:`Ranker` finds them in
short walks per phrase:

* in a query of several phrases, a single word is counted exactly up to
  :data:`WORD_COUNT` rows (walking a word's rows is cheap), a phrase or prefix up to
  :data:`SAMPLE`; in a one-phrase query, up to SAMPLE (its IDF scales every score of
  its kind alike, so an estimate does) unless the planner counted it already;
* beyond that it is estimated from its oldest and newest matches and a walk from
  halfway between them (:func:`how_many`, :func:`estimate`). Above half the rows the
  IDF is floored anyway.

The function also keeps, per connection, every row's length (which bm25() looks up in
the ``<table>_docsize`` b-tree for each scored row) once scoring has cost about as much
as reading them all; any change to the database drops them (see the C file). Its
second argument names the FTS table for that.

Exact frequencies give exactly bm25()'s scores. Estimated ones give BM25 with an
estimated IDF: a query that combines a word in more than 2,000 items, or a phrase or
prefix in more than 200, with other words may order its hits slightly differently from
bm25(). (For a one-phrase query the IDF scales every score of a kind alike.)

Where the extension is not built, or Python's sqlite3 uses another SQLite library than
the one it was linked against, the function is missing from the connection and the
score is FTS5's own ``bm25()``, which counts every frequency: the same ranking where
ours are counted too, slower for common words and phrases.

Thread rules: a Ranker belongs to one search (one session, one thread).
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

try:  # registers cuttings_bm25() on every SQLite connection opened after this import
    from storage import _fts5rank
except ImportError:  # pragma: no cover - depends on how the package was installed
    _fts5rank = None  # type: ignore[assignment]
    log.info("storage._fts5rank is not built: search ranks with FTS5's bm25()")

FUNCTION = "cuttings_bm25"
ROWCOUNT = "cuttings_rowcount"  # the rows of an FTS table, as bm25() counts them
BITMAP = "cuttings_bitmap"  # aggregate: a set of ids as a bitmap (a blob)
IN_BITMAP = "cuttings_in"  # cuttings_in(id, bitmap): 1 when the id is in the set
SAMPLE = 200  # a phrase's or prefix's rows are counted this far, then estimated
WORD_COUNT = 2_000  # a single word's rows are counted this far (0.1 ms), then estimated
PROBE = 50  # matches walked from the oldest, or from the middle, for an estimate

# One phrase of an expression built by storage.query: an optional column filter, the
# quoted words (quotes doubled inside) and an optional prefix star. FTS5 numbers the
# phrases of an expression from left to right, which is the order these are found in.
_PHRASE = re.compile(r'(?:\b(\w+) : )?"((?:[^"]|"")*)"( \*)?')
_ONE_WORD = re.compile(r'(?:\w+ : )?"[^" ]*"')  # one token, no prefix star


def extension_loaded() -> bool:
    return _fts5rank is not None


def phrases(match: str) -> list[str]:
    """The phrases of an FTS5 expression made by storage.query, each as an expression."""
    return [phrase for phrase, _excluded in _phrases(match)]


def _phrases(match: str) -> list[tuple[str, bool]]:
    """Each phrase, and whether it is in the excluded part (``(...) NOT (...)``, which
    storage.search makes; user text never holds parentheses, storage.query drops them)."""
    excluded_from = match.find(") NOT (")
    return [((f"{m[1]} : " if m[1] else "") + f'"{m[2]}"' + (m[3] or ""),
             0 <= excluded_from < m.start()) for m in _PHRASE.finditer(match)]


def connection_has_function(cursor: Any) -> bool:
    """True when the extension's functions are registered on the cursor's connection."""
    names = {FUNCTION, ROWCOUNT, BITMAP, IN_BITMAP}
    rows = cursor.execute("SELECT DISTINCT name FROM pragma_function_list WHERE name IN "
                          "(?, ?, ?, ?)", tuple(names)).fetchall()
    return {r[0] for r in rows} == names


class Ranker:
    """Score SQL for one search: ``-cuttings_bm25(...)`` with document frequencies when
    the connection has the function, else ``-bm25(...)``.

    ``rows(sql, params)`` runs one statement on the search's connection.
    """

    def __init__(self, rows: Any, enabled: bool) -> None:
        self._rows = rows
        self.enabled = enabled
        self._counted: dict[tuple[str, str], float] = {}  # (table, phrase): exact
        self._df: dict[tuple[str, str, int], float] = {}  # estimates, by how far counted

    def score(self, fts: str, weights: str, match: str | None) -> str:
        if not self.enabled or not match:
            return f"-bm25({fts}, {weights})"
        found = _phrases(match)
        if not found:
            return f"-bm25({fts}, {weights})"
        # An excluded phrase is in no matching row: it adds nothing, whatever its IDF.
        # With one phrase the IDF scales every score of the kind alike: an estimate is
        # enough. With more, it weighs them against each other: words are counted.
        several = sum(not excluded for _p, excluded in found) > 1
        dfs = ",".join("u" if excluded else f"{self.df(fts, p, words_exactly=several):.1f}"
                       for p, excluded in found)
        return f"-{FUNCTION}({fts}, '{fts}', '{dfs}', {weights})"

    def unscaled(self, fts: str, weights: str, match: str) -> str | None:
        """Score SQL without the IDF, for a one-phrase ``match`` whose document frequency
        is not known yet (None otherwise): the caller learns it from the rows it walks
        and multiplies by :meth:`idf` (the IDF scales every score of the phrase alike)."""
        found = phrases(match)
        if not self.enabled or len(found) != 1 or (fts, found[0]) in self._counted:
            return None
        return f"-{FUNCTION}({fts}, '{fts}', 'u', {weights})"

    @staticmethod
    def idf(rows: int, df: float) -> float:
        """bm25()'s IDF: log((N - n + 0.5) / (n + 0.5)), never below 1e-6."""
        value = math.log((rows - df + 0.5) / (df + 0.5)) if df + 0.5 > 0 and rows - df + 0.5 > 0 \
            else 0.0
        return value if value > 0.0 else 1e-6

    def counted(self, fts: str, match: str, n: float) -> None:
        """The search counted ``n`` rows of ``fts`` matching ``match`` (or estimated them
        as well as this module would): when that is a single phrase, ``n`` is its
        document frequency (no need to walk it again)."""
        found = phrases(match)
        if len(found) == 1:
            self._counted[(fts, found[0])] = float(n)

    def df(self, fts: str, phrase: str, *, words_exactly: bool = True) -> float:
        """Rows of ``fts`` holding ``phrase``: counted up to SAMPLE, or WORD_COUNT for a
        single word when ``words_exactly`` (walking a word's rows is cheap), estimated
        beyond that from the counted oldest rows, the newest SAMPLE + 1 and a few from
        the middle (:func:`estimate`)."""
        exact = self._counted.get((fts, phrase))
        if exact is not None:
            return exact
        cap = WORD_COUNT if words_exactly and _ONE_WORD.fullmatch(phrase) else SAMPLE
        key = (fts, phrase, cap)
        if key not in self._df:
            self._df[key] = self._walk(fts, phrase, cap)
        return self._df[key]

    def _walk(self, fts: str, phrase: str, cap: int) -> float:
        params = {"m": phrase}
        source = f"FROM {fts} WHERE {fts} MATCH :m"
        old = walk(self._rows, "rowid", source, params, cap + 1)
        if old.n <= cap:
            self._counted[(fts, phrase)] = float(old.n)
            return float(old.n)
        new = walk(self._rows, "rowid", source, params, SAMPLE + 1, newest=True)
        value, exact = how_many(self._rows, "rowid", source, params, old, new)
        if exact:
            self._counted[(fts, phrase)] = value
        return value


class Side(NamedTuple):
    """A walk over matches: how many were walked (it stopped at a limit), the smallest
    and largest id among them, and how many were below the id it was asked about."""

    n: int
    lo: int
    hi: int
    below: int = 0


def walk(rows: Any, rowid: str, source: str, params: dict[str, Any], limit: int, *,
         newest: bool = False, start: int | None = None, below: int | None = None) -> Side:
    """Walk up to ``limit`` rows of ``source`` (``FROM ... WHERE ...``) in id order (the
    newest first with ``newest``; from id ``start`` on when given), without scoring
    them. An empty walk is ``Side(0, start or 0, start or 0)``."""
    order = "DESC" if newest else "ASC"
    since = f" AND {rowid} >= {start}" if start is not None else ""
    counted = f"total(r < {below})" if below is not None else "0"
    n, lo, hi, under = rows(f"SELECT count(*), min(r), max(r), {counted} FROM (SELECT "
                            f"{rowid} AS r {source}{since} ORDER BY {rowid} {order} "
                            f"LIMIT {limit})", params)[0]
    empty = start or 0
    return Side(int(n), int(empty if lo is None else lo), int(empty if hi is None else hi),
                int(under))


def how_many(rows: Any, rowid: str, source: str, params: dict[str, Any], old: Side,
             new: Side) -> tuple[float, bool]:
    """How many rows ``source`` (``FROM ... WHERE ...``) has, and whether that is exact,
    given a walk from its oldest (``old``) and one from its newest (``new``), each
    stopped at its limit. Walks that meet or overlap saw every row (overlapping ones
    are counted again, to be exact); otherwise one more short walk starts halfway
    between them and :func:`estimate` does the rest."""
    if new.lo <= old.hi:
        return float(rows(f"SELECT count(*) FROM (SELECT 1 {source})", params)[0][0]), True
    if new.lo == old.hi + 1:
        return float(old.n + new.n), True
    at = middle(old, new)
    mid = walk(rows, rowid, source, params, PROBE + 1, start=at, below=new.lo)
    # Never fewer than the three walks saw (the middle one only up to the new walk).
    walked = old.n + new.n + mid.below
    # The middle walk's density counts from where it started.
    return max(float(walked), estimate(old, new, mid._replace(lo=at))), False


def estimate(old: Side, new: Side, mid: Side | None = None) -> float:
    """How many matches there are, from a walk from the oldest (``old``), one from the
    newest (``new``) and, optionally, one from the middle of the ids between them
    (``mid``, whose ``lo`` is where it started), each stopped at its limit. The walked
    ones are counted; the ids between are taken to hold matches as densely as the
    geometric mean of the densities at the two ends of each stretch. So a word only
    lately in the news, or only years ago (dense at one end, absent from most of the
    range), is not taken for a common one, and with ``mid`` neither is one in two
    bursts far apart. Within a factor of 2.5 on the skewed spreads the tests measure;
    a word in three or more separate bursts can be off by more (4x in one test).
    Exact ones are counted instead.

    Used only where the planner did not count: a single word's rows are counted to
    2,000 (WORD_COUNT, storage.search.FULL_RANK_LIMIT), a phrase's or prefix's to 200."""

    def density(side: Side) -> float:  # matches per id over the walk
        return max(side.n - 1, 0.5) / max(1, side.hi - side.lo)

    d_old, d_new = density(old), density(new)
    if mid is None or not old.hi < mid.lo < new.lo:
        return old.n + new.n + max(0, new.lo - old.hi - 1) * math.sqrt(d_old * d_new)
    # Ids after the old walk up to the middle one, then from it up to the new walk.
    d_mid = density(mid)
    return (old.n + new.n + (mid.lo - old.hi - 1) * math.sqrt(d_old * d_mid)
            + (new.lo - mid.lo) * math.sqrt(d_mid * d_new))


def middle(old: Side, new: Side) -> int:
    """The id halfway between two walks, where a third one starts."""
    return (old.hi + new.lo) // 2
