"""The BM25 score of a search, and the document frequencies it needs.

FTS5's ``bm25()`` counts, before it scores the first row, every row of the whole table
that holds each phrase of the query (to get the phrase's IDF). For a word in most of
100,000 articles that walk costs 3 ms, for a two-word phrase 14 ms: most of a search's
time, even when only the newest 500 matches are scored.

``cuttings_bm25()`` (``storage/_fts5rank.c``, an optional compiled extension) is the
same formula with the document frequencies passed in. :class:`Ranker` finds them in
one short walk per phrase (:data:`SAMPLE` newest matches, plus the oldest match):

* a phrase in at most ``SAMPLE`` rows is counted exactly;
* a more frequent one is estimated as the density of its newest ``SAMPLE`` matches
  times the id span between its oldest and newest match. The span (not the whole
  table) keeps a word that was only in the news lately, or only years ago, from
  being taken for a common one. Above half the rows the IDF is floored anyway.

Where the extension is not built, or Python's sqlite3 uses another SQLite library than
the one it was linked against, the function is missing from the connection and the
score is FTS5's own ``bm25()``: the same ranking, slower for common words.

Thread rules: a Ranker belongs to one search (one session, one thread).
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

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
SAMPLE = 200  # newest matches walked to count or estimate a phrase's document frequency

# One phrase of an expression built by storage.query: an optional column filter, the
# quoted words (quotes doubled inside) and an optional prefix star. FTS5 numbers the
# phrases of an expression from left to right, which is the order these are found in.
_PHRASE = re.compile(r'(?:\b(\w+) : )?"((?:[^"]|"")*)"( \*)?')


def extension_loaded() -> bool:
    return _fts5rank is not None


def phrases(match: str) -> list[str]:
    """The phrases of an FTS5 expression made by storage.query, each as an expression."""
    return [(f"{col} : " if col else "") + f'"{body}"' + (star or "")
            for col, body, star in _PHRASE.findall(match)]


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
        self._df: dict[tuple[str, str], float] = {}

    def score(self, fts: str, weights: str, match: str | None) -> str:
        if not self.enabled or not match:
            return f"-bm25({fts}, {weights})"
        found = phrases(match)
        if not found:
            return f"-bm25({fts}, {weights})"
        dfs = ",".join(f"{self.df(fts, p):.1f}" for p in found)
        return f"-{FUNCTION}({fts}, '{dfs}', {weights})"

    def unscaled(self, fts: str, weights: str, match: str) -> str | None:
        """Score SQL without the IDF, for a one-phrase ``match`` whose document frequency
        is not known yet (None otherwise): the caller learns it from the rows it walks
        and multiplies by :meth:`idf` (the IDF scales every score of the phrase alike)."""
        found = phrases(match)
        if not self.enabled or len(found) != 1 or (fts, found[0]) in self._df:
            return None
        return f"-{FUNCTION}({fts}, 'u', {weights})"

    @staticmethod
    def idf(rows: int, df: float) -> float:
        """bm25()'s IDF: log((N - n + 0.5) / (n + 0.5)), never below 1e-6."""
        value = math.log((rows - df + 0.5) / (df + 0.5)) if df + 0.5 > 0 and rows - df + 0.5 > 0 \
            else 0.0
        return value if value > 0.0 else 1e-6

    def counted(self, fts: str, match: str, n: float) -> None:
        """The search counted exactly ``n`` rows of ``fts`` matching ``match``: when that
        is a single phrase, ``n`` is its document frequency (no need to walk it again)."""
        found = phrases(match)
        if len(found) == 1:
            self._df[(fts, found[0])] = float(n)

    def df(self, fts: str, phrase: str) -> float:
        """Rows of ``fts`` holding ``phrase``: counted up to SAMPLE, estimated above."""
        key = (fts, phrase)
        if key not in self._df:
            n, last, newest, oldest = self._rows(
                f"SELECT count(*), min(r), max(r), (SELECT rowid FROM {fts} WHERE {fts} "
                f"MATCH :m ORDER BY rowid LIMIT 1) FROM (SELECT rowid AS r FROM {fts} "
                f"WHERE {fts} MATCH :m ORDER BY rowid DESC LIMIT {SAMPLE + 1})",
                {"m": phrase})[0]
            self._df[key] = estimate(n, SAMPLE, last, newest, oldest)
        return self._df[key]


def estimate(n: int, sample: int, last: int | None, newest: int | None,
             oldest: int | None) -> float:
    """Document frequency from a walk of the newest ``sample + 1`` matches: ``n`` found
    (all of them when ``n <= sample``), the id of the last one walked and of the newest,
    and the id of the oldest match of all. Beyond the sample it is the density of the
    newest matches over the phrase's own id span."""
    if n <= sample or last is None or newest is None or oldest is None:
        return float(n)
    return sample * (newest - oldest + 1) / max(1, newest - last)
