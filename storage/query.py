"""The search query language: user text -> a typed query (never raw text into MATCH).

``parse(text)`` returns a :class:`Query` or raises :class:`QueryError` whose message
starts with "could not understand"; it raises nothing else, whatever the input.
Every word that reaches an FTS5 ``MATCH`` is re-quoted by :func:`fts_phrase`, so FTS5
syntax typed by the user (``AND``, ``NEAR(``, ``col:``, ``^``, stray quotes) is
searched for as plain text. Pure functions; safe from any thread.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from storage.models import VERDICTS

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64

KINDS = ("article", "quote", "claim", "credit")
TEXT_FILTERS = ("speaker", "source", "site", "author", "tag", "collection")
DATE_FILTERS = ("before", "after")
FILTERS = (*TEXT_FILTERS, "is", "verdict", *DATE_FILTERS)

QUERY_HELP = """\
Search words anywhere in articles (title, authors, outlet, text), quotes (text,
speaker), claims (text, note) and photo credits. Case and accents are ignored.

  climate budget        both words (in any order)
  "exact phrase"        these words in this order
  minist*               words starting with "minist" (at least 2 letters before *)
  -word  -"a phrase"    leave out results containing this
  flood OR drought      either word (OR in capitals, between words or phrases)

Filters (combine freely with words and with each other; put quotes around
values with spaces, e.g. speaker:"Jane Roe"; a leading - excludes):
  speaker:NAME          quotes by this speaker
  author:NAME           articles by this author (and their quotes, claims, credits)
  site:NAME             outlet name or web site, e.g. site:example.com
  source:NAME           articles that cite this outlet
  tag:NAME              items with this tag (or whose article has it)
  collection:NAME       items in this collection
  is:article is:quote is:claim is:credit   only this kind of result
  verdict:VERDICT       claims with this verdict: unverified, supported,
                        disputed, false, misleading
  after:DATE before:DATE  articles published on/after or before a date
                        (2024, 2024-03 or 2024-03-15)

A filter alone (tag:budget, speaker:"Jane Roe") lists the matching items,
newest first. Parentheses are ignored. Very common words are ranked among the
most recent matches; the results say so.
"""


class QueryError(ValueError):
    """The query cannot be understood; the message says what and why."""


@dataclass(frozen=True)
class Term:
    """A word, an "exact phrase" or a prefix*, as the words FTS5 will see."""

    words: tuple[str, ...]  # indexable pieces, lower-cased
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    typed: str = field(default="", compare=False)  # as the user wrote it

    @property
    def fts(self) -> str:
        return fts_phrase(self.words, prefix=self.prefix)


@dataclass(frozen=True)
class AnyOf:
    """Terms joined by OR: any one of them must match."""

    terms: tuple[Term, ...]

    @property
    def fts(self) -> str:
        return "(" + " OR ".join(t.fts for t in self.terms) + ")"


@dataclass(frozen=True)
class Filter:
    """``field:value``; ``value`` is normalised (dates as YYYY[-MM[-DD]], kinds, verdicts)."""

    field: str
    value: str
    negated: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tokens(self.value)


@dataclass(frozen=True)
class Query:
    """All clauses must hold (AND); ``text`` is the input as typed."""

    text: str
    clauses: tuple[Term | AnyOf, ...] = ()
    excluded: tuple[Term, ...] = ()
    filters: tuple[Filter, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.clauses and not self.filters and not self.excluded

    @property
    def has_terms(self) -> bool:
        return bool(self.clauses)

    def filters_of(self, name: str) -> list[Filter]:
        return [f for f in self.filters if f.field == name]

    def kinds(self) -> tuple[str, ...]:
        """The kinds of result this query can return (``is:``, ``speaker:``, ``verdict:``)."""
        wanted = set(KINDS)
        positive_is = {f.value for f in self.filters if f.field == "is" and not f.negated}
        if positive_is:
            wanted &= positive_is
        wanted -= {f.value for f in self.filters if f.field == "is" and f.negated}
        if any(f.field == "speaker" and not f.negated for f in self.filters):
            wanted &= {"quote"}
        if any(f.field == "verdict" and not f.negated for f in self.filters):
            wanted &= {"claim"}
        return tuple(k for k in KINDS if k in wanted)

    def match_expression(self) -> str | None:
        """The FTS5 MATCH text for the word clauses (None when there are none)."""
        if not self.clauses:
            return None
        return " AND ".join(c.fts for c in self.clauses)

    def excluded_expression(self) -> str | None:
        if not self.excluded:
            return None
        return " OR ".join(t.fts for t in self.excluded)


def _is_token_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat in ("Co", "Mn", "Mc")


def tokens(text: str) -> tuple[str, ...]:
    """Split like FTS5's unicode61 tokenizer (letters, digits; the rest separates)."""
    out: list[str] = []
    cur: list[str] = []
    for ch in text:
        if _is_token_char(ch):
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return tuple(w.lower() for w in out if any(unicodedata.category(c)[0] in "LN" for c in w))


def fts_phrase(words: tuple[str, ...], *, prefix: bool = False) -> str:
    """Quote words as one FTS5 phrase string: ``"a b"`` or ``"a b" *``."""
    body = " ".join(words).replace('"', '""')
    return f'"{body}"' + (" *" if prefix else "")


# A token: optional -, then field:"quoted value" | field:value | "phrase" | bare word.
_TOKEN = re.compile(
    r"""
    (?P<neg>-)?
    (?:
        (?P<field>[A-Za-z]+):(?:"(?P<fquoted>[^"]*)"?|(?P<fbare>[^\s()"]*))
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s()"]+)
    )
    """,
    re.VERBOSE,
)
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _fail(fragment: str, reason: str) -> QueryError:
    shown = fragment if len(fragment) <= 60 else fragment[:57] + "..."
    return QueryError(f"could not understand '{shown}': {reason}")


def _date(fragment: str, value: str) -> str:
    m = _DATE.match(value)
    if not m:
        raise _fail(fragment, "dates are written 2024, 2024-03 or 2024-03-15")
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise _fail(fragment, f"there is no such date ({exc})") from None
    parts = [year] + [f"{int(p):02d}" for p in (month, day) if p]
    return "-".join(parts)


def _filter(fragment: str, name: str, value: str, negated: bool) -> Filter:
    value = " ".join(value.split())
    if not value:
        raise _fail(fragment, f"{name}: needs a value after the colon, "
                              f'e.g. {name}:{_EXAMPLES[name]}')
    if name == "is":
        kind = value.casefold()
        if kind == "credits":
            kind = "credit"
        kind = kind[:-1] if kind.endswith("s") and kind[:-1] in KINDS else kind
        if kind not in KINDS:
            raise _fail(fragment, "is: takes one of " + ", ".join(KINDS))
        return Filter("is", kind, negated)
    if name == "verdict":
        verdict = value.casefold()
        if verdict not in VERDICTS:
            raise _fail(fragment, "verdict: takes one of " + ", ".join(VERDICTS))
        return Filter("verdict", verdict, negated)
    if name in DATE_FILTERS:
        if negated:
            other = "after" if name == "before" else "before"
            raise _fail(fragment, f"a date filter cannot be excluded; use {other}: instead")
        return Filter(name, _date(fragment, value), False)
    if name in ("speaker", "author", "source") and not tokens(value):
        raise _fail(fragment, f"{name}: needs a name with letters or digits")
    return Filter(name, value, negated)


_EXAMPLES = {
    "speaker": '"Jane Roe"', "source": "Reuters", "site": "example.com", "author": '"Jane Roe"',
    "tag": "budget", "collection": '"Flood inquiry"', "is": "quote", "verdict": "false",
    "before": "2024-03", "after": "2023",
}


def parse(text: str) -> Query:
    """Parse ``text``; raise :class:`QueryError` ("could not understand ...") if it makes no sense.

    Words without letters or digits (emoji, punctuation) are dropped, so such a query
    is simply empty. Unknown ``name:`` prefixes are searched as words.
    """
    if not isinstance(text, str):
        raise QueryError("could not understand the query: it is not text")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"could not understand the query: it is longer than "
                         f"{MAX_QUERY_CHARS} characters")
    # Lone surrogates and NULs cannot be stored or matched; treat them as spaces.
    cleaned = "".join(" " if ("\ud800" <= ch <= "\udfff" or ch == "\x00") else ch for ch in text)
    cleaned = cleaned.replace("(", " ").replace(")", " ")

    clauses: list[list[Term]] = []  # each inner list is an OR group
    excluded: list[Term] = []
    filters: list[Filter] = []
    pending_or: str | None = None  # the OR token waiting for its right-hand term
    last_was_term = False

    pos = 0
    while pos < len(cleaned):
        if cleaned[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(cleaned, pos)
        if m is None:  # a lone '"' at the end, or '-' before a space
            pos += 1
            continue
        pos = max(m.end(), pos + 1)
        fragment = m.group(0)
        negated = bool(m.group("neg"))
        name = (m.group("field") or "").casefold()

        if name in FILTERS:
            if pending_or is not None:
                raise _fail(f"OR {fragment}", "OR joins words or phrases, not filters")
            value = m.group("fquoted") if m.group("fquoted") is not None else m.group("fbare")
            filters.append(_filter(fragment, name, value or "", negated))
            last_was_term = False
            continue

        if m.group("word") == "OR" and not negated:
            if pending_or is not None:
                raise _fail("OR OR", "OR needs a word or phrase on each side")
            if not last_was_term:
                raise _fail(fragment, "OR needs a word or phrase before it")
            pending_or = fragment
            continue

        if m.group("field") is not None:  # unknown name: search it as words
            raw = fragment.lstrip("-")
            term = _term(raw.replace('"', " "), phrase=True, prefix=False, negated=negated,
                         fragment=fragment)
        elif m.group("phrase") is not None:
            term = _term(m.group("phrase"), phrase=True, prefix=False, negated=negated,
                         fragment=fragment)
        else:
            word = m.group("word")
            if negated and not word:
                continue
            prefix = word.endswith("*")
            core = word.rstrip("*")
            if "*" in core:
                core = core.replace("*", " ")
            term = _term(core, phrase=False, prefix=prefix, negated=negated, fragment=fragment)

        if term is None:  # nothing indexable (emoji, punctuation)
            if pending_or is not None:
                pending_or = None
            continue
        if term.negated:
            if pending_or is not None:
                raise _fail(f"OR {fragment}", "an excluded term cannot be one side of OR")
            excluded.append(term)
            last_was_term = False
            continue
        if pending_or is not None and clauses:
            clauses[-1].append(term)
            pending_or = None
        else:
            clauses.append([term])
        last_was_term = True

    if pending_or is not None:
        raise _fail(pending_or, "OR needs a word or phrase after it")
    if excluded and not clauses and not filters:
        shown = " ".join(t.typed for t in excluded)
        raise _fail(shown, "say what to look for as well as what to leave out")
    if sum(len(c) for c in clauses) + len(excluded) > MAX_TERMS:
        raise QueryError(f"could not understand the query: it has more than {MAX_TERMS} words")

    built: list[Term | AnyOf] = [c[0] if len(c) == 1 else AnyOf(tuple(c)) for c in clauses]
    query = Query(text=text, clauses=tuple(built), excluded=tuple(excluded),
                  filters=tuple(filters))
    return query


def _term(raw: str, *, phrase: bool, prefix: bool, negated: bool,
          fragment: str) -> Term | None:
    words = tokens(raw)
    if not words:
        if prefix and raw.strip() == "":
            raise _fail(fragment, "a * must follow the start of a word, e.g. minist*")
        return None
    if prefix and len(words[-1]) < 2:
        raise _fail(fragment, "a prefix needs at least 2 letters before the *")
    return Term(words=words, phrase=phrase or len(words) > 1, prefix=prefix, negated=negated,
                typed=fragment)
