"""News outlets cited as sources: in running text, as links, and in "Sources:" footers.

The gazetteer (``resources/outlets.json``) gives canonical names, aliases and domains.
A mention counts when a citation cue surrounds it ("told X", "X reported", "according
to X", "in an interview with X", "X via Y", "first reported by X", "X's reporting"), when
a body link points at an outlet domain, or when it sits in a "Sources:" footer.  Outlets
named with a cue ("told local radio station Radio Cooperativa") are taken even when the
gazetteer lacks them.  The publisher itself is never a source.  Thread-safe: the
gazetteer is loaded once and only read.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from importlib import resources as importlib_resources
from urllib.parse import urlsplit

from capture.types import CitationItem

log = logging.getLogger(__name__)

# aliases that are ordinary words: only a link or an explicit outlet cue counts for them
_AMBIGUOUS = {
    "time", "people", "science", "nature", "mint", "stuff", "index", "focus", "express", "sun",
    "guardian", "independent", "reason", "slate", "salon", "punch", "vice", "insider", "semana",
    "tempo", "kan", "nine", "athletic", "ringer", "verge", "atlantic", "economist", "spectator",
    "intercept", "the times", "the sun", "the herald", "the press", "the citizen", "the city",
    "the information", "the standard", "the advocate", "the national", "the observer", "as", "si",
    "dr", "pa", "ap", "ft", "scroll", "crikey", "dawn", "granma", "semafor", "axios",
    "politico", "bild", "kicker", "welt", "daily news", "nos", "sbs", "ser", "rtl", "n1",
    "mirror", "herald", "courier", "nation", "post", "globe", "wire", "telex", "delfi", "yahoo",
    "bloomberg", "reuters", "the hill", "hill", "rt", "kbs", "dn", "vg", "sz", "nrc", "svt",
    "the i", "i newspaper", "ew", "cna", "rfa", "tpm", "ajc", "voa", "upi", "rfi", "cbc", "ctv",
    "abc", "cbs", "nbc", "pbs", "ard", "zdf", "rai", "dw", "ansa", "efe", "dpa", "afp", "pti",
    "aap", "cp", "nrk", "yle", "rte", "cnn", "espn", "npr", "nhk",
}
# these need only be capitalised correctly and cued (wire services and broadcasters)
_CASE_OK = {"ap", "ft", "afp", "efe", "dpa", "upi", "pti", "aap", "cnn", "npr", "nhk", "bbc", "cbc",
            "ctv", "abc", "cbs", "nbc", "pbs", "ard", "zdf", "rai", "dw", "ansa", "voa", "rfi", "rfa",
            "espn", "reuters", "bloomberg", "politico", "axios", "semafor", "the hill", "yle",
            "nrk", "rte", "svt", "kbs", "cna", "tpm", "ajc", "nrc", "sz", "vg", "dn", "rt", "nos"}


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    kind: str


@functools.lru_cache(maxsize=1)
def load_outlets() -> tuple[Outlet, ...]:
    raw = importlib_resources.files("resources").joinpath("outlets.json").read_text("utf-8")
    data = json.loads(raw)
    return tuple(
        Outlet(o["name"], tuple(o.get("aliases", [])), tuple(o.get("domains", [])), o.get("kind", ""))
        for o in data["outlets"]
    )


@dataclass(frozen=True)
class _Index:
    by_alias: dict[str, Outlet]  # exact alias -> outlet
    by_lower: dict[str, Outlet]  # lower-cased alias -> outlet
    by_domain: dict[str, Outlet]  # bare host -> outlet
    max_words: int
    first_words: dict[str, int]  # first word of an alias -> most words of aliases starting with it


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    by_alias: dict[str, Outlet] = {}
    by_domain: dict[str, Outlet] = {}
    for o in load_outlets():
        for a in (o.name, *o.aliases):
            by_alias.setdefault(a, o)
            if a.startswith("The ") and len(a.split()) > 2:
                by_alias.setdefault(a[4:], o)
        for d in o.domains:
            if "/" not in d:
                by_domain.setdefault(d.lower(), o)
    by_lower: dict[str, Outlet] = {}
    for a, o in by_alias.items():
        by_lower.setdefault(a.lower(), o)
    first: dict[str, int] = {}
    for a in by_alias:
        w = a.split()
        first[w[0]] = max(first.get(w[0], 0), len(w))
    return _Index(by_alias, by_lower, by_domain, max(len(a.split()) for a in by_alias), first)


# an elided article or preposition stands apart from the name it is glued to:
# "all'ANSA", "l'AFP", "dell'Ansa"
_TOKEN_RE = re.compile(r"[a-zà-ÿ]{1,4}['’](?=[A-ZÀ-Þ])|[\w][\w&'’.\-/]*|&")


@dataclass
class AliasMatch:
    start: int  # offset of the alias (without a leading "the")
    end: int
    alias: str
    outlet: Outlet
    match_start: int  # offset including a leading "the"


def find_aliases(text: str) -> list[AliasMatch]:
    """Gazetteer aliases in ``text``, longest first at each position (case-sensitive)."""
    idx = _index()
    toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN_RE.finditer(text)]
    out: list[AliasMatch] = []
    i = 0
    n = len(toks)
    while i < n:
        s0, _e0, w0 = toks[i]
        if not (w0[:1].isupper() or w0[:1].isdigit()):
            i += 1
            continue
        longest = max(idx.first_words.get(w0, 0), idx.first_words.get(w0.rstrip(".,;:'’"), 0),
                      idx.first_words.get(re.sub(r"['’]s$", "", w0.rstrip(".,;:")), 0))
        if not longest:
            i += 1
            continue
        found = None
        for k in range(min(longest, n - i), 0, -1):
            start = toks[i][0]
            end = toks[i + k - 1][1]
            cand = text[start:end]
            # strip sentence punctuation glued to the last token ("CNN." "Reuters,")
            trimmed = cand.rstrip(".,;:'’")
            if " ".join(cand.split()) != cand:
                continue
            for c in (cand, trimmed, re.sub(r"['’]s$", "", trimmed)):
                o = idx.by_alias.get(c)
                if o is not None:
                    found = (k, start, start + len(c), c, o)
                    break
            if found:
                break
        if found:
            k, start, end, alias, o = found
            ms = start
            prev = text[max(0, start - 4) : start]
            if prev.lower() == "the ":
                ms = start - 4
            out.append(AliasMatch(start, end, alias, o, ms))
            i += k
        else:
            i += 1
    return out


def outlet_for_domain(host: str) -> Outlet | None:
    host = (host or "").lower().rstrip(".")
    idx = _index()
    parts = host.split(".")
    for k in range(len(parts) - 1):
        o = idx.by_domain.get(".".join(parts[k:]))
        if o is not None:
            return o
    return None


def outlet_by_name(name: str) -> Outlet | None:
    idx = _index()
    n = " ".join(name.split()).strip(" .,;:")
    o = idx.by_alias.get(n) or idx.by_lower.get(n.lower())
    if o is None and n.lower().startswith("the "):
        o = idx.by_lower.get(n[4:].lower())
    return o


_DESCRIPTORS = (
    r"(?:\s+(?:the|a|an|local|national|public|state|state-run|state-owned|daily|weekly|regional|"
    r"independent|investigative|online|business|financial|news|radio|television|tv|station|"
    r"newspaper|broadcaster|outlet|agency|wire|service|magazine|site|website|network|channel|"
    r"program|programme|show|podcast|[A-Z][a-z]+n|[A-Z][a-z]+-based|"
    # articles in Dutch, German, Spanish, French and Italian ("meldt de NOS")
    r"de|het|der|die|dem|den|el|la|los|le|les|il|lo)){0,5}\s*$"
)
_STRONG_BEFORE_RE = re.compile(
    r"(?:\btold|\baccording to|\binterviews? with|\binterviewed by|\breported by|\breport(?:s|ing)? (?:by|in|from)|"
    r"\bpublished (?:by|in)|\bcited by|\bciting|\bquoted (?:by|in)|\bspeaking (?:to|with)|\bspoke (?:to|with)|"
    r"\bstatements? to|\bcomments? to|\bremarks to|\bwrote in|\bwriting in|\bop-ed in|\bessay in|\bcolumn in|"
    r"\bappearance on|\bappeared on|\bappearing on|\bbroadcast (?:by|on)|\bobtained by|\breviewed by|\bseen by|"
    r"\bfirst reported by|\bas reported by|\bconfirmed to|\bsaid (?:to|on)|\btelling|\binvestigation by|"
    r"\banalysis by|\bdata (?:from|compiled by)|\bfigures (?:from|compiled by)|\bpoll (?:by|for)|"
    r"\bsurvey (?:by|for)|\bvia|\bper|\bstory (?:by|in)|\barticle (?:by|in)|"
    # the same cues in Dutch, German, Spanish, French and Italian: "zei Kramer aan RTV
    # Noord", "meldt de NOS", "sagte er dem NDR", "dijo a El País", "a déclaré à l'AFP",
    # "ha dichiarato all'ANSA"
    r"\b(?:zei|zegt|zeggen|vertelde|vertelt|liet weten|laat weten)\b[^.!?\"“”]{0,80}?\b(?:aan|tegen)|"
    r"\b(?:meldt|meldde|berichtte|bericht|schrijft|schreef|volgens|tegenover|gegenüber|laut|"
    r"berichtete|berichtet|según|informó|publicó|selon|rapporte|secondo|riporta|riferisce|"
    r"scrive|ai microfoni d(?:i|el|ella))|"
    r"\b(?:sagte|sagten|erklärte|dijo|declaró|contó|explicó|a déclaré|a dit|a confié|a expliqué|"
    r"a indiqué|ha (?:dichiarato|detto|spiegato|riferito|raccontato|confermato))"
    r"(?:\s+(?:er|sie|es))?\s+(?:a|al|à|au|aux|all['’]|alla|al|ai|agli|der|dem|den)(?=\s|$|(?<=['’])))"
    + _DESCRIPTORS,
    re.I,
)
_WEAK_BEFORE_RE = re.compile(r"\b(?:to|from|by|in|with|on)" + _DESCRIPTORS, re.I)
_CUE_AFTER_RE = re.compile(
    r"^(?:'s|’s)?\s*(?:,\s*(?:which|citing|the|a|an)\b[^.]{0,60}?)?\s*(?:\(\w+\)\s*)?"
    r"(?:first\s+|previously\s+|also\s+|earlier\s+|initially\s+|later\s+|exclusively\s+|has\s+|had\s+|have\s+|was\s+the\s+first\s+to\s+)?"
    r"(?:reported|reports|reporting|revealed|reveals|wrote|writes|found|finds|obtained|published|"
    r"publishes|broke|confirmed|noted|notes|cited|cites|learned|documented|documents|detailed|"
    r"details|chronicled|disclosed|discloses|said|says|quoted|quotes|estimated|estimates|tallied|"
    r"counted|calculated|analy[sz]ed|projected|projects|ranked|named|first\s+reported)\b",
    re.I,
)
_POSSESSIVE_RE = re.compile(
    r"^(?:'s|’s)\s+(?:[\w-]+\s+){0,3}?(?:report|reports|reporting|analysis|projection|projections|poll|"
    r"polling|survey|ranking|rankings|investigation|story|stories|coverage|estimate|estimates|tally|"
    r"count|data|review|interview|forecast|reporter|reporters|correspondent|editorial|editorial board|"
    r"exit poll|scoop|exclusive|findings|database|documentary|podcast|piece|article|column|"
    r"bracketology|mock draft|power rankings)\b",
    re.I,
)
_UNKNOWN_OUTLET_RE = re.compile(
    r"\b(?:told|to|according to|with|by|in)\s+(?:the\s+)?(?:local\s+|national\s+|public\s+|state\s+|"
    r"regional\s+|daily\s+|weekly\s+|independent\s+|[A-Z][a-z]+n\s+)*(?:radio station|television station|TV station|"
    r"radio|newspaper|broadcaster|news agency|news site|news outlet|news website|outlet|daily|"
    r"weekly|tabloid|magazine|channel|network|wire service)\s+"
    r"(?P<name>(?:[A-ZÀ-Þ][\w'’.&-]*|de|del|la|el|di|of|the)(?:\s+(?:[A-ZÀ-Þ][\w'’.&-]*|de|del|la|el|di|of|the)){0,5})"
)
# the same cue in Spanish, German and French: "según informó el diario Levante-EMV",
# "sagte er der Zeitung Lindauer Bote", "selon le quotidien Ouest-France"
_UNKNOWN_OUTLET_INTL_RE = re.compile(
    r"\b(?:según|informó|informa|publicó|publica|dijo|declaró|contó|explicó|aseguró|afirmó|laut|sagte|"
    r"sagt|erklärte|berichtete|berichtet|selon|a déclaré|a dit|a confié|a expliqué|rapporte|a rapporté)"
    r"(?:\s+(?:informó|publicó|a|al|er|sie|es|à|au))?\s+"
    r"(?:el|la|los|las|al|der|die|dem|des|le|la|l'|du|au)\s+(?:(?:diario|periódico|semanario|cadena|emisora|"
    r"agencia(?: de noticias)?|revista|canal|portal|Zeitung|Tageszeitung|Wochenzeitung|Magazin|Nachrichtenagentur|"
    r"Sender|Fernsehsender|Radiosender|journal|quotidien|hebdomadaire|magazine|chaîne|radio|agence)\s+)"
    r"(?P<name>[A-ZÀ-Þ][\w'’&-]*(?:\.[\w'’&-]+)*(?:[ \t]+(?:[A-ZÀ-Þ][\w'’&-]*|de|del|la|el|di)){0,5})"
)
_PAPER_WORDS = (
    r"Courier|Times|Post|Herald|Tribune|Gazette|Journal|Chronicle|Record|Register|Sentinel|Observer|"
    r"Examiner|Inquirer|Dispatch|Star|Bee|Daily|News|Press|Review|Independent|Telegraph|Globe|Mirror|"
    r"Monitor|Standard|Beacon|Ledger|Bulletin|Courant|Enquirer|Eagle|Leader|Argus|Citizen|Banner|"
    r"Sun|Voice|Radio|Television|TV|Magazine|Weekly|Wire|Post-Gazette|Reporter|Tribune-Review|"
    r"Currents|Current|Messenger|Advocate|Clarion|Pioneer|Express|Mail|Statesman|Packet|Intelligencer|"
    r"Echo|Mercury|Gleaner|Bugle|Guardian|Chronicle|Argus|Informer|Gazette"
)
_NAMED_PAPER_RE = re.compile(
    rf"(?<![\w])(?:[Tt]he\s+)?(?P<name>(?:[A-ZÀ-Þ][\w'’&.-]*\s+){{1,4}}(?:{_PAPER_WORDS}))(?![\w])"
)


_NOT_NEWS_ORG_WORDS = {
    "university", "institute", "foundation", "bank", "department", "ministry", "council", "court",
    "agency", "company", "corp", "inc", "group", "association", "society", "college", "school",
    "hospital", "party", "committee", "commission", "fund", "federal", "register", "congressional",
    "academy", "church", "club", "league", "team", "records", "studios", "pictures", "games",
}

# a broadcaster named by its kind: "RTV Noord", "Radio Free Asia", "Omroep Brabant"
_BROADCASTER_RE = re.compile(
    r"(?<![\w-])(?P<name>(?:RTV|Omroep|Radio|TV)\s+[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+){0,2})")

# North American broadcast call signs ("told KJZZ", "WFAA reported")
_CALLSIGN_RE = re.compile(r"(?<![\w-])[KW][A-Z]{3}(?:-(?:TV|FM|AM|DT|LP|CD))?(?![\w-])")
_NOT_CALLSIGNS = {"WNBA", "WWII", "WIFI", "WASP", "KPMG", "WHOA", "WHAT", "WHEN", "WITH", "WILL",
                  "WERE", "WEST", "WORK", "KIDS", "KING", "WALL", "WEEK", "WHIP", "WWJD"}


def _norm(s: str) -> str:
    return re.sub(r"[^\w]+", " ", s.lower().removeprefix("the ")).strip()


class _Collector:
    def __init__(self, publisher: str | None, page_host: str | None) -> None:
        self.items: dict[str, CitationItem] = {}
        self.pub_keys: set[str] = set()
        if publisher:
            self.pub_keys.add(_norm(publisher))
            o = outlet_by_name(publisher)
            if o:
                self.pub_keys |= {_norm(x) for x in (o.name, *o.aliases)}
        if page_host:
            o = outlet_for_domain(page_host)
            if o:
                self.pub_keys |= {_norm(x) for x in (o.name, *o.aliases)}

    def add(self, name: str, kind: str, url: str | None, context: str, span: tuple[int, int] | None) -> None:
        if _norm(name) in self.pub_keys:
            return
        key = _norm(name)
        item = self.items.get(key)
        if item is None:
            item = CitationItem(name=name, kind=kind, url=url, context=context[:300])
            self.items[key] = item
        else:
            rank = {"attribution": 0, "link": 1, "footer": 2}
            if rank[kind] < rank[item.kind]:
                item.kind = kind  # type: ignore[assignment]
            if url and not item.url:
                item.url = url
        if span and span not in item.mentions:
            item.mentions.append(span)


def _sentence_around(text: str, start: int, end: int) -> str:
    s = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    e_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    e = min(e_candidates) + 1 if e_candidates else len(text)
    return text[s + 1 : e].strip()


def _is_cited(text: str, start: int, end: int, alias_low: str, strict: bool = False) -> bool:
    """Does the outlet mention text[start:end] sit in a citation context?"""
    before = text[max(0, start - 90) : start]
    before = before.split("\n")[-1]
    after = text[end : end + 70].split("\n")[0]
    strong = bool(_STRONG_BEFORE_RE.search(before))
    cued_after = bool(_CUE_AFTER_RE.match(after)) or bool(_POSSESSIVE_RE.match(after))
    via = bool(re.match(r"^\s+via\s+[A-Z]", after)) or bool(re.search(r"\bvia\s+(?:the\s+)?$", before))
    if alias_low in _AMBIGUOUS and alias_low not in _CASE_OK and len(alias_low.split()) == 1:
        # a common word ("People said", "Time is short"): only with an unmistakable cue
        with_the = text[max(0, start - 4) : start].lower() == "the " or text[start : start + 4].lower() == "the "
        if re.search(r"(?:^|[.!?:]\s+|\n)\s*(?:the\s+)?$", text[max(0, start - 6) : start], re.I) and not with_the:
            return False
        return bool(via or (strong and re.search(r"\b(?:told|according to|interview with|reported by|first reported by)\b", before, re.I))
                    or (cued_after and with_the))
    if strong or cued_after or via:
        return True
    if strict or (alias_low in _AMBIGUOUS and alias_low not in _CASE_OK):
        return False
    # "in the Times", "on CNN" when the sentence is about reporting
    return bool(_WEAK_BEFORE_RE.search(before)) and bool(
        re.search(r"\b(?:told|interview|report|reported|wrote|writing|said|says|story|article|appeared|published)\b", before + after, re.I)
    )


def find_citations(
    text: str,
    links: list[tuple[str, str, int, int]],
    footer_lines: list[tuple[str, list[tuple[str, str]]]],
    publisher: str | None,
    page_url: str | None,
) -> list[CitationItem]:
    """Cited outlets.

    ``links`` are (href, link text, start, end) of body links (offsets into ``text``, -1
    when unknown); ``footer_lines`` are (line text, [(href, link text)]) of "Sources:" footers.
    """
    page_host = urlsplit(page_url).hostname if page_url else None
    col = _Collector(publisher, page_host)
    for am in find_aliases(text):
        if _is_cited(text, am.match_start, am.end, am.alias.lower()):
            col.add(am.outlet.name, "attribution", None, _sentence_around(text, am.start, am.end),
                    (am.start, am.end))
    for m in _NAMED_PAPER_RE.finditer(text):
        name = m.group("name").strip()
        if find_aliases(name) or outlet_by_name(name):
            continue
        if set(re.findall(r"[a-z]+", name.lower())) & _NOT_NEWS_ORG_WORDS:
            continue  # "Oxford University Press", "Federal Register"
        words = name.split()
        if words[0].lower() in ("in", "on", "at", "for", "from", "by", "and", "but", "as", "when", "while") :
            continue
        if _is_cited(text, m.start(), m.end(), name.lower(), strict=True):
            col.add(name, "attribution", None, _sentence_around(text, m.start("name"), m.end()),
                    (m.start("name"), m.end("name")))
    for m in (*_UNKNOWN_OUTLET_RE.finditer(text), *_UNKNOWN_OUTLET_INTL_RE.finditer(text)):
        name = m.group("name").strip()
        name = re.sub(r"\s+(?:that|the|of|de|del|la|el|di)$", "", name)
        if len(name) < 3 or name.split()[0].lower() in ("the",):
            continue
        known = outlet_by_name(name)
        canonical = known.name if known else name
        col.add(canonical, "attribution", None, _sentence_around(text, m.start(), m.end()),
                (m.start("name"), m.start("name") + len(name)))
    for m in _BROADCASTER_RE.finditer(text):
        name = m.group("name")
        if find_aliases(name) or outlet_by_name(name):
            continue
        if _is_cited(text, m.start(), m.end(), name.lower(), strict=True):
            col.add(name, "attribution", None, _sentence_around(text, m.start(), m.end()),
                    (m.start(), m.end()))
    for m in _CALLSIGN_RE.finditer(text):
        sign = m.group(0)
        if sign in _NOT_CALLSIGNS or outlet_by_name(sign):
            continue
        if _is_cited(text, m.start(), m.end(), sign.lower(), strict=True):
            col.add(sign, "attribution", None, _sentence_around(text, m.start(), m.end()), (m.start(), m.end()))
    for href, label, start, end in links:
        host = urlsplit(href).hostname if href.lower().startswith(("http://", "https://")) else None
        if not host or (page_host and host.lower().removeprefix("www.") == page_host.lower().removeprefix("www.")):
            continue
        outlet = outlet_for_domain(host)
        if outlet and start >= 0 and any(ms < end and start < me and item.name != outlet.name
                                         for item in col.items.values() for ms, me in item.mentions):
            continue  # the link's text names another outlet ("Bloomberg CityLab reported"): it stands
        if outlet:
            col.add(outlet.name, "link", href, label, (start, end) if start >= 0 else None)
    for line, line_links in footer_lines:
        seen_any = False
        for href, label in line_links:
            parts = re.split(r"\s+via\s+", label)
            for part in parts:
                o = outlet_by_name(part.strip(" .,;"))
                if o is None:
                    host = urlsplit(href).hostname if href else None
                    o = outlet_for_domain(host) if host and len(parts) == 1 else None
                if o:
                    col.add(o.name, "footer", href or None, line, None)
                    seen_any = True
        if not seen_any or not line_links:
            body = re.sub(r"^\s*(?:sources?|further reading|references|read more)\s*:\s*", "", line, flags=re.I)
            for am in find_aliases(body):
                col.add(am.outlet.name, "footer", None, line, None)
    return list(col.items.values())
