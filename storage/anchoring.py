"""Finding a marked span of text again: when a claim is added by its words, and when
an article is captured again and its text changed (re-anchoring).

Matching, in order:

1. **exact**: the span's text occurs verbatim (the occurrence nearest to the old
   offset wins when there are several);
2. **loose**: the same words with whitespace runs, curly/straight quotes and dash
   styles ignored (the offsets map back to the original text);
3. **fuzzy** (re-anchoring only): a run of words of the new text whose similarity
   to the old span is at least :data:`FUZZY_THRESHOLD` (``difflib`` ratio over words
   compared without case and surrounding punctuation, or over characters for spans
   up to :data:`CHAR_LEVEL_MAX` characters), found by seeding candidate positions with the span's
   word trigrams and aligning a window around each.

Anchor states written to ``Claim.anchor_state`` / ``Quote.anchor_state``:

- ``ok``: the text is at the same offsets;
- ``moved``: the same text (exact or loose) found at other offsets (it stays
  ``moved`` while it stays there: re-anchoring again changes nothing);
- ``fuzzy``: a lightly edited version found; ``start``/``end`` point at it in the new
  text, while ``text`` keeps the words as they were marked;
- ``changed``: not found ("text changed since marked"): ``text``, ``start`` and
  ``end`` are kept as marked (for a claim, ``capture_id`` keeps naming the capture the
  offsets belong to). Nothing is ever deleted.

Thread rules: the matching functions are pure. :func:`reanchor_article` opens its own
write transaction (any thread). :func:`collect_tagged_items` and
:func:`reanchor_in_session` run inside a caller's write session (the capture's
transaction in ``Archive.store_capture``) and never commit.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import Article, Claim, PhotoCredit, Quote, credit_tags, quote_tags

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

FUZZY_THRESHOLD = 0.85
#: Spans shorter than this (in loose characters) are only matched exactly or loosely:
#: a fuzzy match of a few words is a guess.
FUZZY_MIN_CHARS = 20
_MAX_SEEDS = 40
#: Spans up to this many characters also get a character-level similarity (typo
#: fixes); longer ones are compared by words only (bounded time on any text).
CHAR_LEVEL_MAX = 400

_QUOTE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\u00ad": "",  # soft hyphen: invisible, dropped
    "\u200b": "",  # zero-width space
}


# ------------------------------------------------------------------ loose text


@dataclass(frozen=True)
class LooseText:
    """``text`` with whitespace runs collapsed to one space and quote/dash styles
    unified; ``index[i]`` is the offset in the original of loose character ``i``."""

    original: str
    loose: str
    index: tuple[int, ...]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the loose span ``[start, end)`` (``end > start``)."""
        return self.index[start], self.index[end - 1] + 1


def loosen(text: str) -> LooseText:
    out: list[str] = []
    index: list[int] = []
    prev_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if prev_space or not out:
                continue
            out.append(" ")
            index.append(i)
            prev_space = True
            continue
        mapped = _QUOTE_MAP.get(ch, ch)
        if not mapped:
            continue
        prev_space = False
        out.append(mapped)
        index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return LooseText(text, "".join(out), tuple(index))


def _occurrences(haystack: str, needle: str, limit: int = 10_000) -> list[int]:
    found: list[int] = []
    if not needle:
        return found
    pos = haystack.find(needle)
    while pos != -1 and len(found) < limit:
        found.append(pos)
        pos = haystack.find(needle, pos + 1)
    return found


def _nearest(positions: list[int], near: int | None) -> int:
    if near is None:
        return positions[0]
    return min(positions, key=lambda p: (abs(p - near), p))


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    how: str  # exact | loose | fuzzy
    score: float = 1.0


def find_span(text: str, needle: str, near: int | None = None, *,
              fuzzy: bool = False, threshold: float = FUZZY_THRESHOLD,
              loose_text: LooseText | None = None) -> Match | None:
    """Where ``needle`` is in ``text``: exact, then loose, then (if ``fuzzy``) fuzzy.

    ``near`` (an offset in ``text``) picks among several occurrences; without it
    the first one wins. Returns ``None`` when nothing is good enough."""
    if not needle or not text:
        return None
    hits = _occurrences(text, needle)
    if hits:
        s = _nearest(hits, near)
        return Match(s, s + len(needle), "exact")
    lt = loose_text or loosen(text)
    ln = loosen(needle).loose
    if not ln:
        return None
    hits = _occurrences(lt.loose, ln)
    if hits:
        spans = [lt.span_to_original(h, h + len(ln)) for h in hits]
        s, e = min(spans, key=lambda se: (abs(se[0] - near), se[0])) if near is not None \
            else spans[0]
        return Match(s, e, "loose")
    if not fuzzy or len(ln) < FUZZY_MIN_CHARS:
        return None
    found = _fuzzy(lt, ln, near, threshold)
    if found is None:
        return None
    s, e, score = found
    return Match(s, e, "fuzzy", score)


_PUNCT = "\"'.,;:!?()[]{}<>-"


def _words(loose: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Word spans of a loose text and their comparison keys (casefolded, without
    surrounding punctuation)."""
    spans: list[tuple[int, int]] = []
    keys: list[str] = []
    for m in re.finditer(r"\S+", loose):
        spans.append((m.start(), m.end()))
        keys.append(m.group().strip(_PUNCT).casefold() or m.group())
    return spans, keys


def _seeds(hay_keys: list[str], needle_keys: list[str]) -> list[int]:
    """Candidate word offsets in the hay: where the needle's word trigrams (single
    words for short needles) occur, shifted back by their place in the needle; the
    most voted first."""
    seeds = _seeds_n(hay_keys, needle_keys, 3) if len(needle_keys) >= 6 else []
    return seeds or _seeds_n(hay_keys, needle_keys, 1)


def _seeds_n(hay_keys: list[str], needle_keys: list[str], n: int) -> list[int]:
    grams: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(needle_keys) - n + 1):
        grams.setdefault(tuple(needle_keys[i:i + n]), []).append(i)
    votes: dict[int, int] = {}
    hits: dict[tuple[str, ...], int] = {}
    for j in range(len(hay_keys) - n + 1):
        gram = tuple(hay_keys[j:j + n])
        offsets = grams.get(gram)
        if offsets is None or hits.get(gram, 0) >= 50:
            continue
        hits[gram] = hits.get(gram, 0) + 1
        for i in offsets:
            cand = max(0, j - i)
            votes[cand] = votes.get(cand, 0) + 1
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    seeds: list[int] = []
    for cand, _ in ranked:  # one seed per neighbourhood
        if all(abs(cand - s) > 2 for s in seeds):
            seeds.append(cand)
        if len(seeds) >= _MAX_SEEDS:
            break
    return seeds


def _fuzzy(lt: LooseText, needle: str, near: int | None,
           threshold: float) -> tuple[int, int, float] | None:
    """Word-level alignment (fast even on repetitive text), with a character-level
    second opinion for short spans (typo fixes)."""
    hay = lt.loose
    spans, keys = _words(hay)
    _nspans, nkeys = _words(needle)
    k = len(nkeys)
    if not k or not keys:
        return None
    candidates: list[tuple[float, int, int]] = []  # (word score, start, end) in loose
    for seed in _seeds(keys, nkeys):
        lo = max(0, seed - k // 4 - 2)
        hi = min(len(keys), seed + k + k // 4 + 2)
        # autojunk: in windows of 200+ words, very common words do not seed matches
        # (they still extend them), which keeps repetitive text from going quadratic.
        sm = difflib.SequenceMatcher(None, nkeys, keys[lo:hi])
        blocks = [b for b in sm.get_matching_blocks() if b.size]
        if not blocks:
            continue
        w0, w1 = lo + blocks[0].b, lo + blocks[-1].b + blocks[-1].size
        # an edited first/last word (a typo fix) belongs to the span: take up to two
        # unmatched edge words of the needle along
        w0 = max(0, w0 - min(2, blocks[0].a))
        w1 = min(len(keys), w1 + min(2, k - blocks[-1].a - blocks[-1].size))
        matched = sum(b.size for b in blocks)
        score = 2.0 * matched / (k + (w1 - w0))
        start, end = spans[w0][0], spans[w1 - 1][1]
        # word spans carry their punctuation: keep it only where the needle has some
        while needle[0] not in _PUNCT and end - start > 1 and hay[start] in _PUNCT:
            start += 1
        while needle[-1] not in _PUNCT and end - start > 1 and hay[end - 1] in _PUNCT:
            end -= 1
        candidates.append((score, start, end))
    if not candidates:
        return None
    candidates.sort(key=lambda c: -c[0])
    best: tuple[float, int, int, int] | None = None  # (score, -distance, start, end)
    for score, s, e in candidates[:3]:
        if score < threshold and len(needle) <= CHAR_LEVEL_MAX:
            score = max(score, difflib.SequenceMatcher(None, needle, hay[s:e],
                                                       autojunk=False).ratio())
        if score < threshold:
            continue
        os_, oe = lt.span_to_original(s, e)
        key = (round(score, 6), -(abs(os_ - near) if near is not None else 0), os_, oe)
        if best is None or key > best:
            best = key
    if best is None:
        return None
    return best[2], best[3], best[0]


# ------------------------------------------------------------------ re-anchoring


@dataclass
class ReanchorReport:
    """What re-anchoring did to one article's claims and quotes (ids per outcome)."""

    article_id: int
    ok: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    fuzzy: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    quotes_ok: list[int] = field(default_factory=list)
    quotes_moved: list[int] = field(default_factory=list)
    quotes_fuzzy: list[int] = field(default_factory=list)
    quotes_changed: list[int] = field(default_factory=list)
    #: tagged automatic quotes / photo credits carried over to the new capture's items
    carried_quotes: list[int] = field(default_factory=list)
    carried_credits: list[int] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Always 0: a span that cannot be found is marked ``changed``, not deleted."""
        return 0


def _anchor(new_text: str, lt: LooseText, text: str, start: int, end: int,
            current: str = "ok") -> tuple[str, int, int]:
    """(state, start, end) of a span marked as ``text`` at ``[start, end)``. A span
    already ``moved`` that is still in place stays ``moved`` (re-anchoring is
    idempotent)."""
    if 0 <= start < end <= len(new_text) and new_text[start:end] == text:
        return ("moved" if current == "moved" else "ok"), start, end
    m = find_span(new_text, text, near=start if start >= 0 else None, fuzzy=True,
                  loose_text=lt)
    if m is None:
        return "changed", start, end
    if m.how == "fuzzy":
        return "fuzzy", m.start, m.end
    if (m.start, m.end) == (start, end):
        return ("moved" if current == "moved" else "ok"), start, end
    return "moved", m.start, m.end


@dataclass(frozen=True)
class CarriedQuote:
    """A tagged automatic quote, remembered before a recapture replaces the quotes."""

    id: int
    text: str
    speaker: str | None
    role: str | None
    cue: str | None
    start: int
    end: int
    tag_ids: tuple[int, ...]


@dataclass(frozen=True)
class CarriedCredit:
    id: int
    credit: str
    photographer: str | None
    provider: str | None
    caption: str | None
    image_url: str | None
    asset_id: int | None
    tag_ids: tuple[int, ...]


@dataclass(frozen=True)
class Carried:
    """Tags on items that a recapture replaces (automatic quotes, photo credits)."""

    quotes: tuple[CarriedQuote, ...] = ()
    credits: tuple[CarriedCredit, ...] = ()


def collect_tagged_items(session: Session, article_id: int) -> Carried:
    """Call inside the capture's write session BEFORE automatic quotes and photo
    credits are replaced: remembers the tagged ones so that
    :func:`reanchor_in_session` can move their tags onto the new items."""
    qrows = session.execute(
        select(Quote.id, Quote.text, Quote.speaker, Quote.role, Quote.cue, Quote.start,
               Quote.end, quote_tags.c.tags_id.label("tag_id"))
        .join(quote_tags, quote_tags.c.quotes_id == Quote.id)
        .where(Quote.article_id == article_id, Quote.origin == "auto")
        .order_by(Quote.id)).all()
    quotes: dict[int, tuple[Any, list[int]]] = {}
    for r in qrows:
        quotes.setdefault(r.id, (r, []))[1].append(r.tag_id)
    crows = session.execute(
        select(PhotoCredit.id, PhotoCredit.credit, PhotoCredit.photographer,
               PhotoCredit.provider, PhotoCredit.caption, PhotoCredit.image_url,
               PhotoCredit.asset_id, credit_tags.c.tags_id.label("tag_id"))
        .join(credit_tags, credit_tags.c.photo_credits_id == PhotoCredit.id)
        .where(PhotoCredit.article_id == article_id)
        .order_by(PhotoCredit.id)).all()
    credits: dict[int, tuple[Any, list[int]]] = {}
    for r in crows:
        credits.setdefault(r.id, (r, []))[1].append(r.tag_id)
    return Carried(
        quotes=tuple(CarriedQuote(r.id, r.text, r.speaker, r.role, r.cue, r.start, r.end,
                                  tuple(t)) for r, t in quotes.values()),
        credits=tuple(CarriedCredit(r.id, r.credit, r.photographer, r.provider, r.caption,
                                    r.image_url, r.asset_id, tuple(t))
                      for r, t in credits.values()))


def _loose_key(s: str | None) -> str:
    return loosen(s or "").loose.casefold()


def _carry_quotes(session: Session, article: Article, lt: LooseText, carried: Carried,
                  report: ReanchorReport) -> None:
    if not carried.quotes:
        return
    new_quotes = list(session.scalars(select(Quote).where(
        Quote.article_id == article.id, Quote.origin == "auto").order_by(Quote.start)))
    used: set[int] = set()
    for cq in carried.quotes:
        key = _loose_key(cq.text)
        target = None
        candidates = [q for q in new_quotes if q.id not in used and _loose_key(q.text) == key]
        if candidates:
            target = min(candidates, key=lambda q: abs(q.start - cq.start))
        else:
            scored = [(difflib.SequenceMatcher(None, key, _loose_key(q.text),
                                               autojunk=False).ratio(), q)
                      for q in new_quotes if q.id not in used]
            scored = [(sc, q) for sc, q in scored if sc >= FUZZY_THRESHOLD]
            if scored:
                target = max(scored, key=lambda sq: sq[0])[1]
        if target is not None:
            used.add(target.id)
            _add_tag_links(session, quote_tags, target.id, cq.tag_ids)
            report.carried_quotes.append(target.id)
            continue
        # Not extracted any more: keep it as the user's quote (re-anchored below or
        # marked changed), with its tags.
        state, s, e = _anchor(article.text, lt, cq.text, cq.start, cq.end)
        row = Quote(article_id=article.id, text=cq.text, speaker=cq.speaker, role=cq.role,
                    cue=cq.cue, start=s, end=e, origin="user", anchor_state=state)
        session.add(row)
        session.flush()
        _add_tag_links(session, quote_tags, row.id, cq.tag_ids)
        report.carried_quotes.append(row.id)


def _carry_credits(session: Session, article_id: int, carried: Carried,
                   report: ReanchorReport) -> None:
    if not carried.credits:
        return
    new_credits = list(session.scalars(select(PhotoCredit).where(
        PhotoCredit.article_id == article_id).order_by(PhotoCredit.id)))
    used: set[int] = set()
    for cc in carried.credits:
        target = next((c for c in new_credits if c.id not in used
                       and _loose_key(c.credit) == _loose_key(cc.credit)
                       and (c.image_url == cc.image_url or not cc.image_url)), None)
        if target is None:
            target = next((c for c in new_credits if c.id not in used
                           and _loose_key(c.credit) == _loose_key(cc.credit)), None)
        if target is None and cc.image_url:
            target = next((c for c in new_credits if c.id not in used
                           and c.image_url == cc.image_url), None)
        if target is None:
            # The credit is gone from the page: keep the tagged one (it names an image
            # of the earlier capture, which stays).
            target = PhotoCredit(article_id=article_id, credit=cc.credit,
                                 photographer=cc.photographer, provider=cc.provider,
                                 caption=cc.caption, image_url=cc.image_url,
                                 asset_id=cc.asset_id)
            session.add(target)
            session.flush()
        used.add(target.id)
        _add_tag_links(session, credit_tags, target.id, cc.tag_ids)
        report.carried_credits.append(target.id)


def _add_tag_links(session: Session, table: Any, item_id: int,
                   tag_ids: tuple[int, ...]) -> None:
    """Link one item to tags (association tables: item column first, tag column second)."""
    if not tag_ids:
        return
    item_col, tag_col = table.c[0], table.c[1]
    have = set(session.scalars(select(tag_col).where(item_col == item_id)))
    rows = [{item_col.key: item_id, tag_col.key: t} for t in tag_ids if t not in have]
    if rows:
        session.execute(insert(table), rows)


def reanchor_in_session(session: Session, article_id: int,
                        carried: Carried | None = None) -> ReanchorReport:
    """Re-anchor the article's claims and user quotes to its current text, inside the
    caller's write session (no commit). With ``carried`` (from
    :func:`collect_tagged_items`), tags of replaced automatic quotes and photo credits
    are moved onto the matching new items; a tagged quote that is no longer extracted
    is kept as a user quote."""
    report = ReanchorReport(article_id)
    article = session.get(Article, article_id)
    if article is None:
        raise LookupError(f"no article with id {article_id}")
    new_text = article.text or ""
    lt = loosen(new_text)
    latest = article.latest_capture_id
    for claim in session.scalars(select(Claim).where(Claim.article_id == article_id)
                                 .order_by(Claim.id)):
        state, s, e = _anchor(new_text, lt, claim.text, claim.start, claim.end,
                              claim.anchor_state)
        getattr(report, state).append(claim.id)
        if state == "changed":
            if claim.anchor_state != "changed":
                claim.anchor_state = "changed"
            continue
        if (claim.start, claim.end, claim.anchor_state, claim.capture_id) != (s, e, state,
                                                                               latest):
            claim.start, claim.end, claim.anchor_state = s, e, state
            if latest is not None:
                claim.capture_id = latest
    for quote in session.scalars(select(Quote).where(Quote.article_id == article_id,
                                                     Quote.origin == "user")
                                 .order_by(Quote.id)):
        state, s, e = _anchor(new_text, lt, quote.text, quote.start, quote.end,
                              quote.anchor_state)
        getattr(report, f"quotes_{state}").append(quote.id)
        if (quote.start, quote.end, quote.anchor_state) != (s, e, state):
            quote.start, quote.end, quote.anchor_state = s, e, state
    if carried is not None:
        _carry_quotes(session, article, lt, carried, report)
        _carry_credits(session, article_id, carried, report)
    session.flush()
    log.info("re-anchored article %s: %d ok, %d moved, %d fuzzy, %d changed", article_id,
             len(report.ok), len(report.moved), len(report.fuzzy), len(report.changed))
    return report


def reanchor_article(archive: Archive, article_id: int) -> ReanchorReport:
    """Re-anchor one article's claims and user quotes in their own write transaction
    (any thread). Raises ``LookupError`` for an unknown article."""
    with archive.db.writer() as s:
        return reanchor_in_session(s, article_id)
