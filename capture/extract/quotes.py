"""Direct quotes and their speakers, found in the body text.

Rules, not models: quotation marks (curly, straight, guillemets, low-9) delimit spans;
the attribution is looked for after the closing mark (``"...," said X`` / ``"...," X
said``) and before the opening mark (``X said: "..."``, ``X told Y that "..."``,
``according to X``).  Pronouns resolve to the last named person (``it`` to the last
organisation), surnames to the fullest name in the article; a role given in apposition
is kept apart.  Quotes without their own attribution continue the previous speaker.
Titles of works, nicknames, terms and short scare quotes are not speech.

Pure functions, thread-safe.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from capture.types import QuoteItem

from .names import NAME_RE, PRONOUNS, NameBook, is_org_name, strip_titles

log = logging.getLogger(__name__)

OPENERS = {"\u201c": "\u201d", "\u201e": "\u201c\u201d", "\u00ab": "\u00bb", '"': '"'}
ALL_CLOSERS = "\u201d\u201c\u00bb\""

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|asked|asks|wrote|writes|write|explained|explains|noted|"
    "notes|stated|states|recalled|recalls|argued|argues|insisted|insists|warned|warns|"
    "acknowledged|acknowledges|admitted|admits|continued|continues|replied|replies|responded|"
    "responds|answered|answers|declared|declares|announced|announces|testified|testifies|"
    "tweeted|tweets|posted|conceded|concedes|cautioned|cautions|remarked|remarks|observed|"
    "observes|emphasized|emphasizes|emphasised|emphasises|stressed|stresses|predicted|predicts|"
    "suggested|suggests|claimed|claims|contended|contends|maintained|maintains|agreed|agrees|"
    "joked|jokes|laughed|complained|complains|lamented|laments|urged|urges|pleaded|shouted|"
    "yelled|whispered|wondered|wonders|concluded|concludes|offered|texted|emailed|messaged|"
    "quipped|vowed|vows|promised|promises|boasted|countered|counters|retorted|mused|sighed|"
    "describes|described|called|calls|put it|puts it|recounted|recounts|cried|shrugged|"
    "confirmed|confirms|denied|denies|reiterated|reiterates|pointed out|points out|went on|"
    "chimed in|told reporters|added that|testified|conceded|reflected|reflects|assured|"
    "explained|summed up|sums up|scoffed|snapped|demanded|demands|insisted|admitted|"
    "acknowledged|noted|said in a statement|writes|wrote in|stated in"
)
_VERB_RE = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
_ADV = r"(?:\s+(?:later|then|also|again|simply|flatly|quietly|recently|previously|earlier|once|"
_ADV += r"firmly|bluntly|finally|further|repeatedly|publicly|privately|in an? \w+(?: \w+)?))?"

_NAME = NAME_RE.pattern
_ROLE_NP = r"(?:(?:a|an|one|the|another|two|three|several|some)\s+(?:[a-z][\w'’-]*\s+){0,4}?[a-z][\w'’-]*)"
_PRON = r"(?:he|she|they|it|we|I|He|She|They|It|We)"

# after the closing mark: , said X | , X said | , according to X
AFTER_VERB_FIRST = re.compile(
    rf"^\s*[,—–-]?\s*(?P<verb>{SPEECH_VERBS})\s+(?P<who>{_PRON}\b|{_ROLE_NP}|(?:[a-z]+\s+){{0,3}}{_NAME})"
)
AFTER_SUBJ_FIRST = re.compile(
    rf"^\s*[,—–-]?\s*(?P<who>{_PRON}|(?:[a-z][\w'’-]*\s+){{0,4}}{_NAME}(?:,\s*[^,\"“”]{{2,120}},)?|{_ROLE_NP}(?:,\s*[^,\"“”]{{2,120}},)?)"
    rf"{_ADV}\s+(?P<verb>{SPEECH_VERBS})\b"
)
AFTER_ACCORDING = re.compile(rf"^\s*[,—–-]?\s*(?P<verb>according to)\s+(?P<who>{_ROLE_NP}|(?:[a-z]+\s+){{0,3}}{_NAME})")

_TITLE_CUE_RE = re.compile(
    r"(?:\b(?:book|books|novel|novels|memoir|film|films|movie|movies|song|songs|album|albums|"
    r"series|show|documentary|play|poem|poems|titled|entitled|called|named|dubbed|nicknamed|"
    r"known as|so-called|term|terms|word|words|phrase|slogan|slogans|motto|signs?(?: that)?(?: read| reading| said| saying)?|"
    r"read|reading|headline|hashtag|episode|podcast|exhibit|exhibition|column|essay|label|labeled|"
    r"labelled|branded|billed as|coined|the name|as in|like|jargon|lingo|shorthand|"
    r"code-?named|project|operation|campaign|anthem|opera|musical|painting|study|report|program|programme|"
    r"app|game|brand|chant|chanting|chants|banner|placard|t-shirts?|shirts?|reads|tagline)"
    r"|\bthe|\ba|\ban|\bits|\bhis|\bher|\btheir|\bour|\bmy)\s*[,:]?\s*$",
    re.I,
)
_NICK_BEFORE_RE = re.compile(rf"(?:^|\s){NAME_RE.pattern}\s*$")


@dataclass
class Span:
    start: int  # offset of the first character inside the marks (global)
    end: int  # offset after the last character inside the marks (global)
    open_pos: int
    close_pos: int  # -1 when the paragraph ends without a closing mark
    para: int
    text: str


def _is_opening(text: str, i: int) -> bool:
    ch = text[i]
    if ch in "\u201c\u201e\u00ab":
        return True
    if ch == '"':
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 1] if i + 1 < len(text) else " "
        return (prev.isspace() or prev in "([{—–-/:;,") and not nxt.isspace()
    return False


def find_spans(paragraphs: list[tuple[int, str]]) -> list[Span]:
    """Quoted spans per paragraph; multi-paragraph quotes are merged later."""
    spans: list[Span] = []
    for pi, (base, para) in enumerate(paragraphs):
        i = 0
        n = len(para)
        while i < n:
            ch = para[i]
            if ch in OPENERS and _is_opening(para, i):
                closers = "\u201d" if ch == "\u201c" else ("\u201c\u201d" if ch == "\u201e" else ("\u00bb" if ch == "\u00ab" else '"\u201d'))
                j = i + 1
                close = -1
                while j < n:
                    c = para[j]
                    if c in closers:
                        if c == '"' and j + 1 < n and para[j + 1].isalnum() and para[j - 1] not in ".,?!":
                            j += 1
                            continue
                        close = j
                        break
                    if c == "\u201c" and ch == "\u201c":
                        break  # a new opening mark: the quote was not closed
                    j += 1
                if close == -1:
                    inner = para[i + 1 :]
                    spans.append(Span(base + i + 1, base + n, base + i, -1, pi, inner))
                    break
                spans.append(Span(base + i + 1, base + close, base + i, base + close, pi, para[i + 1 : close]))
                i = close + 1
                continue
            i += 1
    return spans


def _clean_quote(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Drop surrounding spaces and a trailing comma (keep a final . ? !)."""
    while text and text[0].isspace():
        text, start = text[1:], start + 1
    while text and (text[-1].isspace() or text[-1] in ",;:—–-"):
        text, end = text[:-1], end - 1
    return text, start, end


@dataclass
class Attribution:
    speaker: str | None
    role: str | None
    cue: str | None
    pronoun: str | None = None


def _split_who(who: str) -> tuple[str, str | None]:
    """"Lena Fischbach, a metals analyst at X" -> ("Lena Fischbach", "a metals analyst at X")."""
    who = who.strip(" ,")
    role = None
    if "," in who:
        who, role = who.split(",", 1)
        role = role.strip(" ,.") or None
    # lowercase role words before the name: "union president Esteban Quiroga"
    m = re.match(r"^((?:[a-z][\w'’-]*\s+)+)(?=[A-ZÀ-Þ])", who)
    if m and not re.match(_ROLE_NP + r"$", who):
        pre = m.group(1).strip()
        if pre.split()[0] not in ("a", "an", "one", "the", "another"):
            role = role or pre
            who = who[m.end():]
        else:
            # "a spokesman for Andes Pacific Mining" stays as a role speaker
            pass
    name, title = strip_titles(who.strip())
    if title and not role:
        role = title
    return name.strip(" ,."), role


def _clip_role_np(s: str) -> str:
    s = re.split(r"\s+(?:who|that|which|at|for|with|in|from|of|on|during|after|when|while)\b", s)[0]
    return s.strip(" ,.")


def attribution_after(after: str) -> Attribution | None:
    """Attribution right after a closing mark, within the same clause."""
    seg = re.split(r"(?<=[.!?])\s|[\"“”]", after, maxsplit=1)[0]
    for rx in (AFTER_ACCORDING, AFTER_VERB_FIRST, AFTER_SUBJ_FIRST):
        m = rx.match(seg)
        if not m:
            continue
        who = m.group("who").strip()
        verb = m.group("verb")
        if rx is AFTER_VERB_FIRST or rx is AFTER_ACCORDING:
            rest = seg[m.end():]
            rm = re.match(r"^\s*,\s*([^.;\"“”]{2,150})", rest)
            if rm and re.match(r"^(?:a|an|the|who|one|its|his|her|their)\b", rm.group(1)):
                who = who + ", " + rm.group(1)
        return _make_attr(who, verb)
    return None


def _make_attr(who: str, verb: str) -> Attribution | None:
    who = who.strip()
    if who.split()[0].lower() in PRONOUNS and len(who.split()) == 1:
        return Attribution(None, None, verb, pronoun=who.lower())
    if re.match(_ROLE_NP, who) and not re.search(r"[A-Z]", who.split(",")[0][1:] if who else ""):
        base = who.split(",")[0]
        return Attribution(_clip_role_np(base), None, verb)
    name, role = _split_who(who)
    if not name:
        return None
    if re.match(_ROLE_NP, name) and not re.search(r"[A-Z]", name):
        name = _clip_role_np(name)
    return Attribution(name, role, verb)


_BEFORE_VERB_RE = re.compile(
    rf"(?P<who>{_PRON}|{_ROLE_NP}|(?:[A-Za-z][\w'’-]*\s+){{0,4}}?{_NAME}(?:,\s*[^,\"“”]{{2,120}},)?)"
    rf"{_ADV}\s+(?P<verb>{SPEECH_VERBS})\b(?P<tail>[^\"“”]*)$"
)
_BEFORE_ACCORDING_RE = re.compile(rf"\b(?P<verb>[Aa]ccording to)\s+(?P<who>{_ROLE_NP}|{_NAME})\s*,?\s*(?P<tail>[^\"“”]*)$")


def attribution_before(before: str) -> Attribution | None:
    """Attribution in the same sentence before the opening mark."""
    sent = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", before)[-1]
    m = _BEFORE_ACCORDING_RE.search(sent)
    if m:
        return _make_attr(m.group("who"), "according to")
    m = _BEFORE_VERB_RE.search(sent)
    if not m:
        return None
    verb = m.group("verb")
    tail = m.group("tail")
    if verb in ("called", "calls", "described", "describes") and not tail.strip(" ,:"):
        return None  # `a book called "X"`: naming, not speech
    if len(tail) > 160:
        return None
    who = m.group("who")
    # the subject is the last clause before the verb
    who = re.split(r"\b(?:and|but|while|as|because|when|after|before|that|who)\s+(?=[A-Z]|he\b|she\b|they\b|it\b)", who)[-1]
    return _make_attr(who, verb)


def _is_not_speech(before: str, inner: str, after: str, attributed: bool) -> bool:
    words = inner.split()
    b = before.rstrip()
    if re.search(r"\b(?:called|named|dubbed|nicknamed|titled|entitled|known as|so-called|billed as|coined)\s*[,:]?\s*$", b, re.I):
        return True
    # nickname between first and last name: Robert "Bobby" Smith
    if len(words) <= 3 and _NICK_BEFORE_RE.search(b) and re.match(r"^\s*[A-ZÀ-Þ][\w'’-]+", after):
        return True
    if _TITLE_CUE_RE.search(b) and not attributed:
        return True
    # Title Case spans after a work noun
    if re.search(r"\b(?:book|novel|memoir|film|movie|song|album|series|show|documentary|play|poem|podcast|episode)s?\s*,?\s*$", b, re.I):
        return True
    if not attributed and len(words) <= 4:
        return True
    if attributed and len(words) <= 2 and not re.search(r"[.!?]$", inner):
        # a one- or two-word quote needs its verb right before it ("called it 'reckless'")
        return not re.search(rf"\b(?:{SPEECH_VERBS})\b[^.\"“”]{{0,60}}$", b)
    return False


def _sentence_has_verb(before: str) -> bool:
    sent = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", before)[-1]
    return bool(_VERB_RE.search(sent)) or "according to" in sent.lower()


def extract_quotes(text: str, paragraphs: list[tuple[int, str]], title: str | None = None) -> list[QuoteItem]:
    """Quotes in ``text`` (``paragraphs`` are (offset, paragraph) pairs of that text)."""
    spans = find_spans(paragraphs)
    if not spans:
        return []
    book = NameBook(text)
    quoted_ranges = [(s.start, s.end) for s in spans]
    # merge multi-paragraph quotes: an unclosed quote followed by a paragraph opening a quote
    merged: list[list[Span]] = []
    i = 0
    while i < len(spans):
        group = [spans[i]]
        while (
            group[-1].close_pos == -1
            and i + 1 < len(spans)
            and spans[i + 1].para == group[-1].para + 1
            and spans[i + 1].open_pos == paragraphs[spans[i + 1].para][0]
        ):
            i += 1
            group.append(spans[i])
        merged.append(group)
        i += 1

    items: list[QuoteItem] = []
    last_speaker: str | None = None
    last_role: str | None = None
    last_para = -10
    last_org: str | None = None
    for group in merged:
        first, last = group[0], group[-1]
        pbase, ptext = paragraphs[first.para]
        before = ptext[: first.open_pos - pbase]
        lbase, ltext = paragraphs[last.para]
        after = ltext[last.close_pos - lbase + 1 :] if last.close_pos >= 0 else ""
        inner_parts = []
        for s in group:
            t, _, _ = _clean_quote(s.text, s.start, s.end)
            inner_parts.append(t)
        inner = " ".join(p for p in inner_parts if p)
        if last.close_pos == -1 and len(group) == 1 and len(inner.split()) < 6:
            continue  # an unclosed quote alone is only speech when long
        # text before this quote back to the previous quote's closing mark
        prev_in_para = [s for s in spans if s.para == first.para and s.close_pos >= 0 and s.close_pos < first.open_pos]
        before_local = before
        if prev_in_para:
            before_local = ptext[prev_in_para[-1].close_pos - pbase + 1 : first.open_pos - pbase]
        attr = attribution_after(after)
        if attr is None:
            attr = attribution_before(before_local)
        attributed = attr is not None
        continuation = False
        if (attr is None and last_speaker and (first.para - last_para) <= 1
                and (prev_in_para or first.open_pos == pbase or first.para == last_para)):
            continuation = True  # same or next paragraph without a new attribution
        if _is_not_speech(before_local, inner, after, attributed or continuation):
            continue
        speaker = role = cue = None
        if attr is not None:
            cue = attr.cue
            if attr.pronoun:
                if attr.pronoun in ("it",):
                    speaker = last_org or _last_org_before(text, first.open_pos)
                elif attr.pronoun in ("they", "we"):
                    speaker = last_speaker
                elif attr.pronoun == "i":
                    speaker = None
                else:
                    speaker = book.last_person_before(first.open_pos, quoted_ranges) or last_speaker
            else:
                speaker = attr.speaker
                role = attr.role
                if speaker and speaker[:1].isupper():
                    if is_org_name(speaker):
                        last_org = speaker
                    else:
                        speaker = book.resolve(speaker)
                        book.add(speaker)
        elif continuation:
            speaker, role, cue = last_speaker, last_role, None
        else:
            # unattributed long quote: keep it only with a speech verb in the sentence
            if not _sentence_has_verb(before_local) and len(inner.split()) < 8:
                continue
            speaker = last_speaker if (first.para - last_para) <= 1 else None
        if speaker:
            last_speaker, last_role, last_para = speaker, role, last.para
        start, end = (first.start, first.end) if len(group) == 1 else (-1, -1)
        if len(group) == 1:
            t, start, end = _clean_quote(first.text, first.start, first.end)
            if text[start:end] != t:
                start = end = -1
        items.append(QuoteItem(text=inner, speaker=speaker, role=role, cue=cue, start=start, end=end))
    return _dedupe(items)


def _last_org_before(text: str, pos: int) -> str | None:
    best = None
    for m in re.finditer(rf"({_NAME})\s+(?:{SPEECH_VERBS})\b", text[:pos]):
        name = m.group(1)
        if is_org_name(name) or len(name.split()) >= 2:
            best = name
    if best:
        name, _ = strip_titles(best)
        return name
    return None


def _dedupe(items: list[QuoteItem]) -> list[QuoteItem]:
    seen: set[str] = set()
    out = []
    for q in items:
        key = " ".join(re.findall(r"\w+", q.text.lower()))
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(q)
    return out
