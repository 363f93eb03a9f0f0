"""Highlighted snippets for search hits, built in Python from the stored text.

FTS5's ``snippet()`` re-tokenizes the whole column for every hit (about 0.1 ms for a
600-word article, most of a rare word's search time over 50 hits). Here one regular
expression per search finds the query's words the way FTS5's ``unicode61
remove_diacritics 2`` tokenizer does (case and Latin accents ignored, whole tokens,
prefixes, phrases across punctuation), and only a short window of text is cut out.
When the expression finds nothing, the caller falls back to FTS5's own ``snippet()``.

Output is HTML: the text is escaped and the matches are wrapped in ``<mark>``.
Pure functions; safe from any thread.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from storage.query import AnyOf, Query, Term

log = logging.getLogger(__name__)

SNIPPET_CHARS = 240
LEAD_CHARS = 70  # text kept before the first match

_SEPARATOR = r"[\W_]+"
_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


def _strip(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _strip_table() -> dict[int, str]:
    """Lower-case accented Latin letters -> their base letter (one char to one char)."""
    table: dict[int, str] = {}
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(code)
        base = _strip(ch)
        if ch.islower() and len(base) == 1 and base != ch:
            table[code] = base
    return table


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep those as they are
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def fold(text: str) -> str:
    """Lower-case with Latin accents removed, keeping every character's position."""
    low = _lower(text)
    if not low.isascii() and _ACCENTED.search(low):
        low = low.translate(_strip_table())
    return low


@dataclass(frozen=True)
class Matcher:
    """Finds a query's words in text the way the unicode61 tokenizer would (near enough)."""

    pattern: re.Pattern[str]
    prefix_groups: frozenset[int]  # alternatives (by group number) that are prefixes
    literals: tuple[str, ...] = ()  # the first word of each alternative, folded

    def first(self, folded: str) -> tuple[int, int] | None:
        """The first match in ``folded``."""
        if len(self.literals) == 1:
            # Every match starts with the one alternative's first word: str.find gets
            # there faster than the expression's own scan (and settles most titles).
            at = folded.find(self.literals[0])
            return None if at < 0 else next(self.finditer(folded, at), None)
        return next(self.finditer(folded), None)

    def finditer(self, folded: str, start: int = 0, end: int | None = None) -> Iterator[
            tuple[int, int]]:
        """The whole-token matches between ``start`` and ``end``, left to right."""
        stop = len(folded) if end is None else end
        if len(self.literals) > 1:
            yield from self._from_literals(folded, start, stop)
            return
        for m in self.pattern.finditer(folded, start, stop):
            a, b = m.span()
            if a == b or (a > 0 and folded[a - 1].isalnum()):
                continue
            if m.lastindex not in self.prefix_groups and b < len(folded) and folded[b].isalnum():
                continue
            yield a, b

    def _from_literals(self, folded: str, start: int, stop: int) -> Iterator[tuple[int, int]]:
        """With several alternatives the expression has no common start to scan for, and
        scanning 4 KB of text for ``a|b`` costs about 30 us (and a 240-character snippet
        about 3 us): each alternative's first word is found with str.find instead (C
        speed), and the expression is tried only where one starts."""
        at = {lit: folded.find(lit, start, stop) for lit in self.literals}
        size = len(folded)
        while True:
            pos = min((q for q in at.values() if q >= 0), default=-1)
            if pos < 0:
                return
            after = pos + 1
            if pos == 0 or not folded[pos - 1].isalnum():
                m = self.pattern.match(folded, pos, stop)
                if m is not None and m.end() > pos and (
                        m.lastindex in self.prefix_groups or m.end() >= size
                        or not folded[m.end()].isalnum()):
                    yield pos, m.end()
                    after = m.end()
            for lit, q in at.items():
                if 0 <= q < after:
                    at[lit] = folded.find(lit, after, stop)


def _term_pattern(term: Term) -> str:
    body = _SEPARATOR.join(re.escape(fold(w)) for w in term.words if w)
    return body + ("[^\\W_]*" if term.prefix else "")


def matcher(query: Query) -> Matcher | None:
    """One expression matching any positive word, phrase or prefix of ``query``."""
    terms: list[Term] = []
    for clause in query.clauses:
        terms.extend(clause.terms if isinstance(clause, AnyOf) else (clause,))
    terms = [t for t in terms if any(t.words)]
    if not terms:
        return None
    # Longer alternatives first, so a phrase wins over its own first word.
    terms.sort(key=lambda t: len(_term_pattern(t)), reverse=True)
    groups = [f"({_term_pattern(t)})" for t in terms]
    prefixes = frozenset(i + 1 for i, t in enumerate(terms) if t.prefix)
    literals = tuple(dict.fromkeys(fold(next(w for w in t.words if w)) for t in terms))
    try:
        return Matcher(re.compile("|".join(groups)), prefixes, literals)
    except re.error:  # cannot happen with escaped input; never fail a search for a snippet
        log.exception("snippet expression failed for %r", query.text)
        return None


def snippet(texts: list[str | None], found: Matcher | None) -> str | None:
    """HTML for the first of ``texts`` in which the query matches; None if none does."""
    if found is None:
        return None
    for value in texts:
        if not value:
            continue
        # Lower-casing is enough for most text; strip accents only when it is not.
        low = _lower(value)
        first = found.first(low)
        if first is None and not low.isascii() and _ACCENTED.search(low):
            first = found.first(low.translate(_strip_table()))
        if first is None:
            continue
        return _window(value, first[0], found)
    return None


def plain(value: str | None, size: int = SNIPPET_CHARS) -> str:
    """The start of ``value``, whitespace collapsed, escaped (no matches to mark)."""
    text = " ".join((value or "").split())
    if len(text) > size:
        text = text[:size].rsplit(" ", 1)[0] + "…"
    return html.escape(text)


_escape = html.escape
def _window(value: str, at: int, found: Matcher) -> str:
    start = max(0, at - LEAD_CHARS)
    if start > 0:
        space = value.find(" ", start, at)
        start = space + 1 if space != -1 else start
    end = min(len(value), start + SNIPPET_CHARS)
    if end < len(value):
        space = value.rfind(" ", max(at + 1, start), end)
        end = space if space > at else end
    # Fold just the window (plus a character each side, for the word-boundary checks).
    seg_start = max(0, start - 1)
    folded = fold(value[seg_start:min(len(value), end + 1)])
    out: list[str] = ["…"] if start > 0 else []
    pos = start
    for a, b in found.finditer(folded, start - seg_start, end - seg_start):
        a, b = a + seg_start, b + seg_start
        out.append(_escape(value[pos:a]))
        out.append("<mark>" + _escape(value[a:b]) + "</mark>")
        pos = b
    out.append(_escape(value[pos:end]))
    if end < len(value):
        out.append("…")
    text = "".join(out)
    # Collapse runs of white space only when there are any (str.isprintable() is False for
    # every white-space character but the plain space): the check costs far less.
    if "  " in text or not text.isprintable():
        # str.split() knows the same white space as the regular expression \s (and
        # costs a sixth of re.sub); the ends lose theirs, which a snippet does not need.
        text = " ".join(text.split())
    return text
