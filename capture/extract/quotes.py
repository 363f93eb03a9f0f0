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

import bisect
import logging
import re
from dataclasses import dataclass

from capture.types import QuoteItem

from .gender import compatible, gender_of
from .names import (
    NAME_RE,
    ORG_WORDS,
    STOP_CAPS,
    NameBook,
    is_org_name,
    looks_like_person_name,
    strip_titles,
)

log = logging.getLogger(__name__)

OPENERS = {"\u201c": "\u201d", "\u201e": "\u201c\u201d", "\u00ab": "\u00bb", '"': '"'}

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|asked|asks|wrote|writes|write|explained|explains|noted|"
    "notes|stated|states|recalled|recalls|argued|argues|insisted|insists|warned|warns|"
    "acknowledged|acknowledges|admitted|admits|continued|continues|replied|replies|responded|"
    "responds|answered|answers|declared|declares|announced|announces|testified|testifies|"
    "tweeted|tweets|posted|conceded|concedes|cautioned|cautions|remarked|remarks|observed|"
    "observes|emphasized|emphasizes|emphasised|emphasises|stressed|stresses|predicted|predicts|"
    "suggested|suggests|claimed|claims|contended|contends|maintained|maintains|agreed|agrees|"
    "joked|jokes|laughed|complained|complains|lamented|laments|urged|urges|pleaded|shouted|"
    "yelled|whispered|wondered|wonders|concluded|concludes|texted|emailed|messaged|"
    "quipped|vowed|vows|promised|promises|boasted|countered|counters|retorted|mused|sighed|"
    "describes|described|called|calls|put it|puts it|recounted|recounts|cried|shrugged|"
    "confirmed|confirms|denied|denies|reiterated|reiterates|pointed out|points out|went on|"
    "chimed in|told reporters|added that|testified|conceded|reflected|reflects|assured|"
    "explained|summed up|sums up|scoffed|snapped|demanded|demands|insisted|admitted|"
    "acknowledged|noted|said in a statement|writes|wrote in|stated in|"
    # the same verbs in Spanish, German and French news copy
    "dijo|afirmó|afirma|aseguró|asegura|explicó|explica|señaló|señala|añadió|añade|agregó|agrega|"
    "advirtió|advierte|lamentó|lamenta|indicó|indica|declaró|declara|contó|sostuvo|sostiene|subrayó|"
    "subraya|destacó|destaca|recordó|manifestó|comentó|comenta|apuntó|insistió|reconoció|reconoce|"
    "precisó|concluyó|respondió|preguntó|denunció|criticó|admitió|opinó|opina|expresó|"
    "sagte|sagt|erklärte|erklärt|betonte|betont|meinte|meint|ergänzte|ergänzt|warnte|warnt|"
    "kritisierte|kritisiert|berichtete|berichtet|erläuterte|unterstrich|forderte|fordert|schrieb|"
    "schreibt|sprach von|spricht von|fügte hinzu|räumte ein|"
    "déclaré|affirmé|affirme|expliqué|explique|ajouté|ajoute|souligné|souligne|estimé|estime|"
    "précisé|précise|assuré|assure|confié|raconté|raconte|regrette|regretté|déplore|déploré|confie|"
    "insiste|insisté|résume|résumé|reconnaît|reconnu|poursuit|témoigne|témoigné|prévient|rappelle|"
    "rappelé|indique|indiqué|martèle|dit|se dit|s'inquiète|lance|lancé|"
    # Italian ("ha detto il sindaco X", "racconta X") and Dutch ("zegt X", "aldus X",
    # "laat woordvoerder X weten")
    "detto|dice|spiegato|spiega|aggiunto|aggiunge|dichiarato|dichiara|raccontato|racconta|"
    "affermato|afferma|sottolineato|sottolinea|precisato|commentato|ricordato|osservato|"
    "assicurato|assicura|ammesso|ammette|denunciato|denuncia|concluso|conclude|risposto|"
    "risponde|annunciato|annuncia|confermato|scritto|scrive|avvertito|avverte|insistito|"
    "lamentato|riferito|riferisce|chiarito|chiarisce|rivelato|rivela|prosegue|"
    "zegt|zei|zeggen|zeiden|vertelt|vertelde|aldus|laat|liet|legt uit|legde uit|voegt toe|"
    "voegde toe|benadrukt|benadrukte|verklaart|verklaarde|schrijft|schreef|waarschuwt|"
    "waarschuwde|reageert|reageerde|erkent|erkende|stelt|stelde|antwoordt|antwoordde|vindt|"
    "noemt|noemde"
)
_VERB_RE = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
_VERB_ALT = SPEECH_VERBS + (
    "|dismissed|rejected|praised|criticized|criticised|blasted|slammed|decried|hailed|welcomed|"
    "likened|compared|characterized|characterised|referred to|used to say|put it|summed it up|"
    "saying|adding|noting|explaining|arguing|warning|insisting|telling|writing|calling|describing|"
    "acknowledging|asking|stressing|urging|recalling|conceding|declaring|announcing|"
    "tells me|told me|told us|said of|says of"
)
_VERB_RE = re.compile(rf"\b(?:{_VERB_ALT})\b(?!\s+(?:not\s+)?to\b|\s+that\s+(?:his|her|their)\s+name)")

# subject pronouns of Dutch, German, Italian, French and Spanish attributions ("zei ze",
# "sagte er"), read as their English counterparts. ("il" is left out: in Italian it is
# the article of "il sindaco".)
_PRONOUN_EN = {"hij": "he", "zij": "she", "ze": "she", "er": "he", "lui": "he", "lei": "she",
               "elle": "she", "él": "he", "ella": "she"}
_PRONOUN_RE = re.compile(rf"^(?:he|she|they|it|we|i|{'|'.join(_PRONOUN_EN)})$", re.I)
# "according to" in English, Spanish, French, German, Italian and Dutch
_ACCORDING = r"according to|según|selon|laut|secondo|volgens"
_PREPS = (r"(?:at|of|for|in|from|with|on|to|by|near|outside|inside|during|after|before|about|under|over|into|across|via|than|"
          r"en|con|desde|para|por|durante|tras|ante|nach|bei|mit|vor|auf|im|am|während|dans|pour|avec|lors|après|pendant)")
_AUX_TAIL_RE = re.compile(
    r"\s+(?:used to|would|will|has|have|had|did|does|do|also|later|then|again|once|often|always|never|"
    r"simply|only|quickly|flatly|bluntly|firmly|quietly|recently|previously|earlier|since|went on to|"
    r"continued to|has since|finally|further|repeatedly|publicly|privately|told me|just|even|still)$",
    re.I,
)
_REL_CLAUSE_RE = re.compile(r",\s*(?:who|which|whose|whom|where|when)\b[^,]*(?:,|$)")
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
_DETERMINERS = ("a", "an", "one", "the", "another", "two", "three", "several", "some", "many", "most",
                "my", "his", "her", "their", "our", "your")


@dataclass
class Span:
    start: int  # offset of the first character inside the marks (global)
    end: int  # offset after the last character inside the marks (global)
    open_pos: int
    close_pos: int  # -1 when the paragraph ends without a closing mark
    para: int
    text: str
    single: bool = False  # ‘…’ in an article whose main marks are double


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
    """Quoted spans per paragraph; multi-paragraph quotes are merged later.

    Articles that never use double quotes (house styles with ‘single’ quotes for speech)
    are read with single quotes as the primary marks. Where both are used (Dutch papers
    often do), closed ‘single’ spans outside the double ones are added, marked ``single``:
    they count as speech only with an explicit attribution.
    """
    if not any(('"' in p or "\u201c" in p or "\u201e" in p or "\u00ab" in p) for _b, p in paragraphs):
        return _find_single_spans(paragraphs)
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
    inside = [(s.open_pos, s.close_pos if s.close_pos >= 0 else s.end) for s in spans]
    singles = [s for s in _find_single_spans(paragraphs) if s.close_pos >= 0
               and not any(a <= s.open_pos <= b or a <= s.close_pos <= b for a, b in inside)]
    for s in singles:
        s.single = True
    return sorted(spans + singles, key=lambda s: s.open_pos)


_SINGLE_OPEN_RE = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–:]))(?:\u2018(?=\S)|'(?=[^\s'\d]))")


def _find_single_spans(paragraphs: list[tuple[int, str]]) -> list[Span]:
    """‘…’ (or typewriter '…') as speech marks: a closing mark is one not followed by a letter
    (apostrophes are)."""
    spans: list[Span] = []
    for pi, (base, para) in enumerate(paragraphs):
        pos = 0
        while True:
            m = _SINGLE_OPEN_RE.search(para, pos)
            if not m:
                break
            i = m.start()
            close = -1
            j = i + 1
            closer = "\u2019" if para[i] == "\u2018" else "'"  # curly or typewriter single quotes
            while True:
                j = para.find(closer, j)
                if j == -1:
                    break
                nxt = para[j + 1] if j + 1 < len(para) else " "
                prev = para[j - 1]
                if not nxt.isalpha() and not (prev == "s" and nxt == " " and para[j + 1 : j + 3].strip()[:1].islower()):
                    close = j
                    break
                j += 1
            if close == -1:
                if closer == "'":
                    pos = i + 1  # a typewriter mark left open is an apostrophe ("the 'burbs")
                    continue
                spans.append(Span(base + i + 1, base + len(para), base + i, -1, pi, para[i + 1 :]))
                break
            spans.append(Span(base + i + 1, base + close, base + i, base + close, pi, para[i + 1 : close]))
            pos = close + 1
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


# a capitalised run right after a preposition, or after one and a few lower-case words,
# is its object, not the subject: "of the local food bank Harvest Hope", "van de
# provincie Groningen", "della Provincia"
_OBJECT_OF_PREP_RE = re.compile(
    rf"\b(?i:{_PREPS}|van|della|delle|degli|dello|dei|nella|alla|dalla|sulla)"
    r"(?:\s+[a-zà-ÿ][\w'’-]*){0,3}$")


def _name_runs(part: str) -> list[re.Match]:
    """Capitalised runs in ``part`` that are not objects of a preposition."""
    runs = []
    for m in NAME_RE.finditer(part):
        before = part[: m.start()].rstrip()
        if _OBJECT_OF_PREP_RE.search(before) or re.search(r"(?:'s|’s)$", m.group(0)):
            continue
        words = m.group(0).split()
        if all(w.lower().strip(".,") in STOP_CAPS for w in words):
            continue
        runs.append(m)
    return runs


_APPOSITION_RE = re.compile(
    r"^(?:(?:a|an|the|his|her|its|their|our|one|another|two|three|former|longtime|veteran)\b|"
    r"(?!(?:in|on|at|for|after|before|during|asked|speaking|according|when|while|as|with|by|from|to|of)\b)[a-z])",
    re.I,
)
_NOT_A_SPEAKER_RE = re.compile(
    r"^(?:the|a|an|one|another)\s+(?:[\w-]+\s+){0,2}?(?:sign|signs|banner|banners|placard|placards|poster|posters|"
    r"headline|headlines|sticker|stickers|shirt|shirts|t-shirt|t-shirts|billboard|slogan|graffiti|label|caption)\b",
    re.I,
)


_ISSUED_BY_RE = re.compile(
    r"^(?:(?:a|an|the|its|his|her|their)\s+)?(?:[\w-]+\s+)?(?:statement|news release|press release|release|"
    r"letter|email|e-mail|memo|post|filing|notice|announcement)\s+(?:from|by|issued by|released by)\s+",
    re.I,
)


# articles that open a capitalised noun phrase in German, Spanish, French and Italian
_ARTICLES_NOT_NAMES = {"der", "die", "das", "den", "dem", "des", "el", "la", "los", "las", "le", "les", "il", "lo"}


def parse_subject(chunk: str) -> Attribution | None:
    """Speaker (name, organisation or role), role and pronoun of an attribution's subject."""
    chunk = re.sub(r"\s+", " ", chunk).strip(" ,;:—–-")
    # a document speaks for whoever issued it: "a statement from the department"
    chunk = _ISSUED_BY_RE.sub("", chunk)
    if not chunk:
        return None
    prev = None
    while prev != chunk:
        prev = chunk
        chunk = _AUX_TAIL_RE.sub("", chunk).strip(" ,")
    chunk = _REL_CLAUSE_RE.sub(",", chunk).strip(" ,")
    if not chunk:
        return None
    first = chunk.split()[0]
    if _PRONOUN_RE.match(first) and (len(chunk.split()) == 1 or not chunk.split()[1][:1].isupper()):
        return Attribution(None, None, None, pronoun=_PRONOUN_EN.get(first.lower(), first.lower()))
    chunk = re.sub(r"\s*\([^)]{0,40}\)", "", chunk)  # (D-Ohio), (pictured)
    parts = [x.strip() for x in chunk.split(",") if x.strip() and not re.fullmatch(
        r"\d{1,3}|aged \d{1,3}|[DRI]-[\w.\u2024 -]{1,20}", x.strip())]  # ages, party-state labels
    if not parts:
        return None
    speaker_part = None
    run = None
    for part in parts:
        runs = _name_runs(part)
        persons = [r for r in runs if not is_org_name(strip_titles(r.group(0))[0])]
        if persons:
            speaker_part, run = part, persons[-1]
            if persons[-1].group(0) != part.strip(" .") or persons[-1].group(0).split()[0].lower() in _ARTICLES_NOT_NAMES:
                # "der Fraktionschef der Bürgerliste, Heinrich Vogt": a later part that is a
                # full name on its own is the speaker; the phrase before it is the role
                for later in parts[parts.index(part) + 1 :]:
                    alone = [r for r in _name_runs(later) if r.group(0) == later.strip(" .")
                             and len(r.group(0).split()) >= 2 and not is_org_name(r.group(0))
                             and looks_like_person_name(strip_titles(r.group(0))[0])]
                    if alone:
                        speaker_part, run = later, alone[0]
                        break
            break
        if runs and speaker_part is None:
            speaker_part, run = part, runs[-1]
    if run is not None and speaker_part is not None:
        raw = run.group(0)
        name, title = strip_titles(raw)
        name = re.sub(r"(?:'s|’s)$", "", name).strip(" .,")
        if not name or len(name.split()) > 6:
            return None
        pre = speaker_part[: run.start()].strip(" ,")
        if pre.lower() in ("the", "a", "an"):
            pre = ""
        role_bits = [b for b in (pre + (" " + title if title else "")).split() if b]
        role = " ".join(role_bits).strip() or None
        # appositions only: no clause with its own verb ("told BBC News that ...")
        others = [x for x in parts if x is not speaker_part and not _VERB_RE.search(x) and len(x.split()) <= 14
                  and _APPOSITION_RE.match(x) and not re.match(r"^[a-z]+ed\b|^[DRI]-[A-Z]", x)]
        if others:
            other = ", ".join(others)
            role = f"{role}, {other}" if role else other
        if role:
            role = re.split(r"\s+(?:who|which|whose|whom)\b", role)[0].strip(" ,;") or None
        if role and len(role) > 160:
            role = role[:160].rsplit(" ", 1)[0]
        return Attribution(name, role, None)
    # no name: an unnamed role or group ("a loan officer at one of the banks", "officials")
    for part in reversed(parts):
        words = part.split()
        if words and words[0].lower() in _DETERMINERS:
            clipped = re.split(rf"\s+(?:{_PREPS}|who|that|which|whose)\b", part)[0].strip(" ,.")
            if 1 < len(clipped.split()) <= 6:
                return Attribution(clipped[0].lower() + clipped[1:], None, None)
    words = parts[-1].split()
    # a group named by a plural noun: "officials", "state health officials", "residents"
    if (1 <= len(words) <= 4 and all(w[:1].islower() for w in words) and words[-1].endswith("s")
            and words[0] not in ("was", "is", "were", "are", "has", "had", "have", "does", "did", "as", "so", "this", "thus")):
        return Attribution(parts[-1], None, None)
    return None


def _split_sentence_tail(before: str) -> str:
    """The current sentence (up to the opening mark) of ``before``."""
    return re.split(r"(?<=[.!?])[\"”’]?\s+(?=[A-Z\"“‘])", before)[-1]


_ABBREV_RE = re.compile(
    r"\b(Mr|Mrs|Ms|Dr|Rep|Sen|Gov|Gen|Lt|Col|Sgt|Capt|Cmdr|Adm|Prof|Rev|St|Jr|Sr|Supt|Det|Insp|Ft|Mt|"
    r"No|Jan|Feb|Aug|Sept|Oct|Nov|Dec|U\.S|[A-Z])\.(?=\s|,)"
)
# initials and state abbreviations inside labels: D-N.Y., R-Texas, W.Va., Calif.,
_ABBREV2_RE = re.compile(r"\b([A-Z][a-z]{0,4})\.(?=[A-Z]|,)")
_DOT = "\u2024"  # stands in for an abbreviation's period while clauses are split


def _mask(s: str) -> str:
    s = _ABBREV_RE.sub(lambda m: m.group(1).replace(".", _DOT) + _DOT, s)
    return _ABBREV2_RE.sub(lambda m: m.group(1) + _DOT, s)


def _unmask(a: Attribution | None) -> Attribution | None:
    if a is not None:
        if a.speaker:
            a.speaker = a.speaker.replace(_DOT, ".")
        if a.role:
            a.role = a.role.replace(_DOT, ".")
    return a


def attribution_after(after: str, closed_as_attribution: bool = True) -> Attribution | None:
    """Attribution right after a closing mark, within the same clause.

    ``closed_as_attribution`` is False when the quote ended without the comma, question
    or exclamation mark (or a dash) that introduces an attribution, and no comma follows.
    """
    if not closed_as_attribution and not re.match(r"^\s*[,—–-]", after):
        return None
    return _unmask(_attribution_after(_mask(after)))


def _attribution_after(after: str) -> Attribution | None:
    seg = re.split(r"(?<=[.!?])\s|[\"“”]", after, maxsplit=1)[0]
    m = re.match(rf"^\s*[,—–-]?\s*(?P<verb>{_ACCORDING})\s+(?P<rest>[^.;:!?]+)", seg)
    if not m:
        # German "„…“, so Vogt.": "so" right after the comma, then a name
        m = re.match(r"^\s*,\s*(?P<verb>so)\s+(?P<rest>(?:(?:der|die|das|den|dem)\s+)?[A-ZÀ-Þ][\w'’.-]*"
                     r"(?:\s+[A-ZÀ-Þ][\w'’.-]*){0,3})\s*(?:[.!?]|$)", seg)
    if not m:
        m = re.match(rf"^\s*[,—–-]?\s*(?:(?:a|ont|avait|avaient|hat|haben|ha|hanno|aveva|heeft|hebben)\s+)?(?P<verb>{_VERB_ALT})\b\s+(?P<rest>[^.;:!?]+)", seg)
        if m and m.group("verb").endswith("ing"):
            return None  # "..., adding that ...": a participle continues the earlier clause
    if not m:
        bare = re.match(rf"^\s*[,—–-]\s*(?P<verb>{SPEECH_VERBS})\s*[.!?]", seg + (after[len(seg):len(seg) + 1]))
        if bare and not bare.group("verb").endswith("ing"):
            return Attribution(None, None, bare.group("verb"), pronoun="∅")  # the subject left unsaid
    if m:
        rest = _ISSUED_BY_RE.sub("", m.group("rest").lstrip())
        head, sep, tail = rest.partition(",")
        head = re.split(rf"\s+(?:{_PREPS})\s+(?=[a-z0-9])|\s+(?:on|in|at)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", head)[0]
        rest = head + (sep + tail if head.strip() and not re.match(r"^\s*(?:who|which|where|when|as|after|before|while)\b", tail) else "")
        a = parse_subject(rest)
        if a is not None:
            a.cue = m.group("verb")
            return a
        return None
    vm = _VERB_RE.search(seg, 0, 200)
    lead = re.match(r"^\s*[,—–-]?\s*", seg).end()
    if (vm and vm.start() > lead and not vm.group(0).endswith("ing")
            and not re.search(r"[.;:!?]", seg[lead : vm.start()])
            and not re.match(r"^\s*[,—–-]?\s*(?:and|but|or|nor|to|that|which|as|because|while|when|if|so|than|then|after|before)\b", seg, re.I)):
        subj = seg[lead : vm.start()]
        if len(_REL_CLAUSE_RE.sub(",", subj).split()) > 14:
            return None
        a = parse_subject(subj)
        if a is not None:
            a.cue = vm.group(0)
            return a
    return None


_NEXT_HOW_RE = re.compile(
    r"^\s*(?:that|this)(?:['’]s|\s+(?:is|was))\s+(?:how|what)\s+(?P<rest>[^.!?\"“”]{3,200})", re.I)
_NEXT_HOW_VERB_RE = re.compile(
    r"\s+(?:[a-z]+ed|put|puts|said|says|told|tells|wrote|writes|began|begins|spoke|speaks|sums|summed|"
    r"opens|opened|starts|started|describes|described|calls|called|greeted|greets)\b")
_NEXT_SAID_IT_RE = re.compile(
    r"^\s*(?P<subj>[A-ZÀ-Þ][^.!?\"“”;:]{1,120}?)\s+(?P<verb>said|says|put|puts|wrote|writes|told|tells|"
    r"added|adds|recalled|recalls|repeated|repeats)\s+(?:it|this|that|so)"
    r"(?=\s*[,.;:!?]|\s+[a-z]+ly\b|\s+(?:before|after|at|in|to|with|during|while|as|on|from|again|once|later)\b)")


def attribution_next_sentence(after: str) -> Attribution | None:
    """Attribution in the sentence that follows a quote which is a sentence of its own.

    ``"We have eleven open seats." That is how Renata Solis opened her talk.`` and
    ``"I know this is hard." Linda Castellanos said it quietly.``
    """
    return _unmask(_attribution_next_sentence(_mask(after)))


def _attribution_next_sentence(after: str) -> Attribution | None:
    m = _NEXT_HOW_RE.match(after)
    if m:
        rest = m.group("rest")
        v = _NEXT_HOW_VERB_RE.search(rest)
        if v is None:
            return None
        a = parse_subject(rest[: v.start()])
        if a is not None:
            a.cue = v.group(0).strip()
        return a
    m = _NEXT_SAID_IT_RE.match(after)
    if m:
        a = parse_subject(m.group("subj"))
        if a is not None:
            a.cue = m.group("verb")
        return a
    return None


def attribution_sentence_end(after: str) -> Attribution | None:
    """Attribution closing the quote's sentence after more words of its own.

    ``were expected to be "significantly below average" in three counties, the department said.``
    The last comma-separated clause of the sentence, with no other quote before its end.
    """
    return _unmask(_attribution_sentence_end(_mask(after)))


def _attribution_sentence_end(after: str) -> Attribution | None:
    m = re.match(r"^[^.!?\"“”«»„]{0,300}?[.!?](?=\s|$)", after)
    if not m:
        return None
    sent = m.group(0)
    comma = sent.rfind(",")
    if comma < 0:
        return None
    return _attribution_after(sent[comma:])


def attribution_before(before: str) -> Attribution | None:
    """Attribution in the same sentence before the opening mark."""
    return _unmask(_attribution_before(_mask(before)))


def _attribution_before(before: str) -> Attribution | None:
    sent = _split_sentence_tail(before)
    m = None
    for m2 in re.finditer(rf"\b(?i:{_ACCORDING}|in the words of)"
                          r"\s+(?P<who>[^,\"“”]{2,120}?)\s*,\s*(?P<tail>[^\"“”]*)$", sent):
        m = m2
    if m is None:  # "volgens Smit ‘…’", "laut Vogt „…“": the name right before the mark
        m = _ACCORDING_NAME_RE.search(sent)
    if m:
        a = parse_subject(m.group("who"))
        if a is not None:
            a.cue = "according to"
            return a
    verbs = list(_VERB_RE.finditer(sent))
    if not verbs:
        return None
    v = verbs[-1]
    verb = v.group(0)
    tail = sent[v.end():]
    if verb in ("called", "calls", "described", "describes") and not tail.strip(" ,:"):
        return None  # `a book called "X"`: naming, not speech
    if len(tail) > 200:
        return None
    subj = _REL_CLAUSE_RE.sub(",", sent[: v.start()])
    # the last clause before the verb
    subj = re.split(r"[;:]|\b(?:and|but|while|because|although|though|when|after|before|as|so|that|if)\s+(?=(?:[A-Z]|he\b|she\b|they\b|it\b|we\b))", subj)[-1]
    a = parse_subject(subj)
    if a is not None:
        a.cue = verb
    return a


# "volgens Smit ‘ruimer dan verplicht’": the source named right before the quote
_ACCORDING_NAME_RE = re.compile(rf"\b(?i:{_ACCORDING})\s+"
                                r"(?P<who>[A-ZÀ-Þ][\w'’.-]*(?:\s+[A-ZÀ-Þ][\w'’.-]*){0,3})\s*$")


def _is_not_speech(before: str, inner: str, after: str, attributed: bool, explicit_after: bool,
                   verb_at_end: bool = False) -> bool:
    words = inner.split()
    b = before.rstrip()
    if re.search(r"\b(?:called|named|dubbed|nicknamed|titled|entitled|known as|so-called|billed as|coined)\s*[,:]?\s*$", b, re.I):
        return True
    # nickname between first and last name: Robert "Bobby" Smith
    if len(words) <= 3 and _NICK_BEFORE_RE.search(b) and re.match(r"^\s*[A-ZÀ-Þ][\w'’-]+", after):
        return True
    if re.search(r"\b(?:book|novel|memoir|film|movie|song|album|series|show|documentary|play|poem|podcast|episode)s?\s*,?\s*$", b, re.I):
        return True
    # a title named right after: "Night Harbor," a 2019 documentary
    if _WORK_AFTER_RE.match(after):
        return True
    if explicit_after:
        return False
    # a quoted modifier: the coach's "next man up" speech, a "zero tolerance" policy
    if (len(words) <= 5 and not re.search(r"[.!?,]$", inner)
            and re.search(r"(?:\b(?:the|a|an|his|her|their|its|our|my|your)|['’]s)\s*$", b, re.I)
            and re.match(r"^\s*[a-z]", after)):
        return True
    if _is_title_case(words) and not re.search(r"[.!?]$", inner):
        return True  # "Boats Not Excuses", "The Salt Orchard": titles, signs, slogans
    if _TITLE_CUE_RE.search(b) and not attributed:
        return True
    if not attributed and len(words) <= 4:
        return True
    if attributed and len(words) <= 4 and not re.search(r"[.!?]$", inner):
        # a short partial quote needs its speech verb in the same sentence (or its source
        # named right before it)
        sentence = _split_sentence_tail(b)
        return not (verb_at_end or _VERB_RE.search(sentence) or _ACCORDING_NAME_RE.search(sentence))
    return False


_WORK_AFTER_RE = re.compile(
    r"^\s*,?\s*(?:(?:a|an|the|his|her|their|its)\s+)?(?:\d{4}\s+|new\s+|recent\s+|best-selling\s+|hit\s+)?"
    r"(?:book|novel|memoir|film|movie|documentary|song|single|album|series|show|sitcom|play|musical|opera|"
    r"podcast|episode|essay|poem|painting|exhibit|exhibition|video game|game)\b",
    re.I,
)
_SMALL_WORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "but", "with", "by",
                "from", "not", "is", "as", "vs", "de", "la", "le"}


def _is_title_case(words: list[str]) -> bool:
    """Most words capitalised (small words aside): a title, slogan or sign, not a sentence."""
    content = [w for w in words if w.lower().strip(",.!?'’\"") not in _SMALL_WORDS]
    if len(words) < 2 or len(content) < 2:
        return False
    caps = sum(1 for w in content if w[:1].isupper() or w[:1].isdigit())
    return caps == len(content)


def _sentence_has_verb(before: str) -> bool:
    sent = _split_sentence_tail(before)
    return bool(_VERB_RE.search(sent)) or "according to" in sent.lower() or "in the words of" in sent.lower()


def _last_close_before(closes: list[int] | tuple[()], pos: int) -> int | None:
    """The last closing mark before ``pos`` among ``closes`` (ascending), else None."""
    i = bisect.bisect_left(closes, pos)
    return closes[i - 1] if i else None


def extract_quotes(text: str, paragraphs: list[tuple[int, str]], title: str | None = None,
                   authors: list[str] | None = None) -> list[QuoteItem]:
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

    # closing marks per paragraph, in text order (a linear lookup per quote made pages
    # with 100,000 quotes quadratic: docs/reliability.md J5)
    closes_by_para: dict[int, list[int]] = {}
    for s in spans:
        if s.close_pos >= 0:
            closes_by_para.setdefault(s.para, []).append(s.close_pos)
    items: list[QuoteItem] = []
    last_speaker: str | None = None
    last_role: str | None = None
    last_pos = -1
    last_para = -10
    last_org: str | None = None
    for group in merged:
        first, last = group[0], group[-1]
        pbase, ptext = paragraphs[first.para]
        before = ptext[: first.open_pos - pbase]
        lbase, ltext = paragraphs[last.para]
        after = ltext[last.close_pos - lbase + 1 :] if last.close_pos >= 0 else ""
        inner = " ".join(t for t in (_clean_quote(s.text, s.start, s.end)[0] for s in group) if t)
        if not inner or (last.close_pos == -1 and len(group) == 1 and len(inner.split()) < 6):
            continue  # an unclosed quote alone is only speech when long
        # text before this quote back to the previous quote's closing mark
        prev_close = _last_close_before(closes_by_para.get(first.para, ()), first.open_pos)
        before_local = before
        if prev_close is not None:
            before_local = ptext[prev_close - pbase + 1 : first.open_pos - pbase]
        attr = attribution_after(after, bool(re.search(r"[,?!—–-]\s*$", last.text)))
        explicit_after = attr is not None
        if attr is None:
            attr = attribution_before(before_local)
        if attr is None and last.close_pos >= 0 and re.search(r"[.!?]\s*$", last.text):
            attr = attribution_next_sentence(after)
        if attr is None and first.open_pos == pbase and first.para > 0:
            prev_text = paragraphs[first.para - 1][1]
            if prev_text.rstrip().endswith(":") and not re.search(r"[\"“”]", prev_text[-200:]):
                attr = attribution_before(prev_text.rstrip()[:-1] + " ")
                if attr is None:
                    # "Incident commander Russ Ebeling laid out the problem:": the colon
                    # introduces speech; its sentence's subject, when a person, speaks
                    subject = parse_subject(_split_sentence_tail(prev_text.rstrip()[:-1]))
                    if subject is not None and subject.speaker and looks_like_person_name(subject.speaker):
                        attr = subject
        if first.single and attr is None:
            continue  # a ‘single’-quoted phrase among double-quoted speech: a name or term
        continuation = (
            attr is None and last_speaker is not None and (first.para - last_para) <= 1
            and bool(prev_close is not None or first.open_pos == pbase or first.para == last_para)
        )
        verb_at_end = False
        if attr is None and not continuation:
            attr = attribution_sentence_end(after)
            verb_at_end = attr is not None
        if _is_not_speech(before_local, inner, after, attr is not None or continuation, explicit_after, verb_at_end):
            continue
        if attr is not None and attr.speaker and _NOT_A_SPEAKER_RE.match(attr.speaker):
            continue  # "a sign taped to the door said ...": written on things, not said
        speaker = role = cue = None
        if attr is not None:
            cue = attr.cue
            if attr.pronoun:
                speaker = _resolve_pronoun(attr.pronoun, first.open_pos, book, quoted_ranges,
                                           last_speaker, last_pos, last_org, text, authors)
                if speaker == last_speaker:
                    role = last_role
            else:
                speaker, role = attr.speaker, attr.role
                if speaker and speaker.startswith("the "):
                    named = book.by_title(speaker, first.open_pos)
                    if named is None and _ORG_NOUN_RE.fullmatch(speaker):
                        named = last_org or _last_org_before(text, first.open_pos)
                    if named is None:
                        named = org_named_by_noun(text, first.open_pos, speaker)
                        if named:
                            last_org = named
                    if named:
                        speaker, role = named, role or speaker
                if speaker and speaker[:1].isupper():
                    if is_org_name(speaker) or len(speaker.split()) > 4:
                        last_org = speaker
                    else:
                        speaker = book.resolve(speaker)
                        book.add(speaker)
        elif continuation:
            speaker, role = last_speaker, last_role
        else:
            # unattributed: keep a long quote only with a speech verb in its sentence
            if not _sentence_has_verb(before_local) and len(inner.split()) < 8:
                continue
            # the person this paragraph is about, else the previous speaker
            named = book.last_person_mention(first.open_pos, quoted_ranges)
            if named and named[1] >= pbase:
                speaker = named[0]
            else:
                speaker = last_speaker if (first.para - last_para) <= 1 else None
        if speaker:
            last_speaker, last_role, last_para, last_pos = speaker, role, last.para, first.open_pos
        start = end = -1
        if len(group) == 1:
            t, start, end = _clean_quote(first.text, first.start, first.end)
            if text[start:end] != t:
                start = end = -1
        items.append(QuoteItem(text=inner, speaker=speaker, role=role, cue=cue, start=start, end=end))
    return _dedupe(items)


_ORG_NOUN_RE = re.compile(
    r"the (?:company|firm|airline|carrier|bank|lender|utility|retailer|automaker|insurer|"
    r"manufacturer|developer|operator|startup|chain|group|organization|organisation|nonprofit|charity)"
)


def _resolve_pronoun(pronoun: str, pos: int, book: NameBook, quoted: list[tuple[int, int]],
                     last_speaker: str | None, last_pos: int, last_org: str | None, text: str,
                     authors: list[str] | None) -> str | None:
    if pronoun == "it":
        return last_org or _last_org_before(text, pos)
    if pronoun in ("they", "we"):
        return last_speaker
    if pronoun == "i":
        return authors[0] if authors and len(authors) == 1 else last_speaker
    # the latest person named (or the last speaker) whose gender does not contradict the pronoun
    cands = book.person_mentions_before(pos, quoted)
    if last_speaker and last_speaker[:1].isupper():
        cands.append((last_speaker, last_pos))
        cands.sort(key=lambda c: -c[1])
    elif last_speaker and (not cands or last_pos >= cands[0][1]):
        return last_speaker  # an unnamed role ("a loan officer") spoke last
    for name, _at in cands[:8]:
        if compatible(pronoun, gender_of(name, book.honorifics)):
            return name
    return cands[0][0] if cands else last_speaker


ORG_LOOKBACK = 20_000  # characters searched before a quote for "the department"'s full name
_ORG_CONNECTOR = r"(?:for|of|and|&|on|the|de|del|du|des)"
_CAP_WORD = r"[A-ZÀ-Þ][\w'’&.-]*"


def org_named_by_noun(text: str, pos: int, role: str) -> str | None:
    """"the department" -> "Department for Work and Pensions", named in full before ``pos``.

    Only for organisation nouns ("department", "network", "ministry"); the latest
    capitalised name of two or more words that contains the noun wins.
    """
    m = re.fullmatch(r"the\s+(?:[a-z-]+\s+){0,2}([a-z-]+)", role.strip(), re.I)
    if not m or m.group(1).lower() not in ORG_WORDS:
        return None
    noun = m.group(1).lower()
    # the capitalised noun, then at most six name words on either side (bounded: linear in the text)
    rx = re.compile(rf"\b{noun.capitalize()}\b")
    left_rx = re.compile(rf"(?:{_CAP_WORD}\s+(?:{_ORG_CONNECTOR}\s+){{0,2}}){{0,6}}$")
    right_rx = re.compile(rf"(?:\s+(?:{_ORG_CONNECTOR}\s+){{0,2}}{_CAP_WORD}){{0,6}}")
    # or named in apposition: "the industry's main trade group, Airlines for America, said"
    appos = re.compile(
        rf"\b(?i:{noun}),\s+(?P<name>(?:[Tt]he\s+)?{_CAP_WORD}(?:\s+(?:{_ORG_CONNECTOR}\s+){{0,2}}{_CAP_WORD}){{0,6}})\s*,")
    best, best_at = None, -1
    window = max(0, pos - ORG_LOOKBACK)  # the organisation is named near the quote, not 1 MB earlier
    for hit in rx.finditer(text, window, pos):
        left = left_rx.search(text[max(window, hit.start() - 120) : hit.start()])
        right = right_rx.match(text, hit.end(), pos)
        full = (left.group(0) if left else "") + hit.group(0) + (right.group(0) if right else "")
        name = re.sub(r"^(?:The|A|An)\s+", "", full).rstrip(".,'’")
        name = re.sub(rf"(?:\s+{_ORG_CONNECTOR})+$", "", name)
        if len(name.split()) >= 2:
            best, best_at = name, hit.start()
    for hit in appos.finditer(text, window, pos):
        name = re.sub(r"^(?:the|The)\s+", "", hit.group("name")).rstrip(".,'’")
        if hit.start() > best_at and name[:1].isupper() and (len(name.split()) >= 2 or is_org_name(name)
                                                              or name.isupper()):
            best, best_at = name, hit.start()
    return best


def _last_org_before(text: str, pos: int) -> str | None:
    best = None
    # "Minera Andina said", "Minera Andina, which operates the mine, said"
    for m in re.finditer(rf"({NAME_RE.pattern})(?:,\s+(?:which|that)\b[^,.;]{{0,80}},)?\s+(?:{SPEECH_VERBS})\b",
                         text[:pos]):
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
