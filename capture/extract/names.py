"""Names in running text: person/organisation mentions, titles, surname resolution.

Pure functions over plain strings; thread-safe.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .gender import honorific_genders

# a capitalised word (Unicode letters), allowing O'Neil, Jean-Luc, McDonald, initials "J."
_CAP = (r"(?:(?:Mr|Mrs|Ms|Dr|Gov|Sen|Rep|Gen|Lt|Col|Sgt|Capt|Cmdr|Rev|St|Jr|Sr|Prof|Mt|Ft|Supt|Det|Insp)\."
        r"|[A-Z]\.|[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’\-]*)")
_PARTICLE = r"(?:de|da|del|della|der|di|du|la|le|van|von|bin|al|el|ibn|dos|das|y)"
NAME_RE = re.compile(rf"{_CAP}(?:\s+(?:{_PARTICLE}\s+)*{_CAP})*")

TITLE_WORDS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sen", "senator", "rep",
    "representative", "gov", "governor", "mayor", "president", "vice", "minister", "prime",
    "secretary", "judge", "justice", "chief", "officer", "director", "commissioner", "chair",
    "chairman", "chairwoman", "chairperson", "councilman", "councilwoman", "councilmember",
    "councillor", "councilor", "alderman", "alderwoman", "sheriff", "deputy", "superintendent",
    "coach", "capt", "captain", "lt", "lieutenant", "sgt", "sergeant", "gen", "general", "col",
    "colonel", "maj", "major", "adm", "admiral", "rev", "reverend", "father", "sister", "pastor",
    "rabbi", "imam", "bishop", "pope", "king", "queen", "prince", "princess", "sir", "dame", "lord",
    "lady", "ambassador", "attorney", "assemblyman", "assemblywoman", "assemblymember", "trustee",
    "supervisor", "speaker", "leader", "ceo", "cfo", "coo", "cto", "founder", "executive",
    "spokesman", "spokeswoman", "spokesperson", "head", "manager", "inspector", "detective",
    "constable", "firefighter", "nurse", "midwife", "analyst", "economist", "labour", "labor", "foreign", "defense", "defence", "interior", "finance", "health",
    "state", "senior", "former", "acting", "interim", "u.s.", "us", "new", "house", "senate",
    "county", "city", "district", "town", "board", "school", "union", "fire", "police", "assistant",
    "associate", "emeritus", "provost", "chancellor", "principal", "teacher", "dr.",
    "mr.", "mrs.", "ms.", "sen.", "rep.", "gov.", "lt.", "sgt.", "gen.", "col.", "capt.", "rev.",
    "prof.", "st.", "jr.", "republican", "democrat", "democratic", "gop", "independent",
    "financial", "operating", "technology", "marketing", "communications", "press", "public",
    "information", "affairs", "relations", "legal", "counsel", "managing", "editor",
    "council", "member", "passenger", "resident", "residents", "owner", "farmer", "fisherman",
    "guard", "forward", "center", "pitcher", "quarterback", "striker", "midfielder", "defender",
    "goalkeeper", "star", "veteran", "rookie", "freshman", "sophomore", "junior", "opposition", "party", "regional", "national", "federal", "provincial", "municipal",
    "neighbour", "neighbor", "shopkeeper", "customer", "colleague", "friend", "wife", "husband",
    "daughter", "grandson", "granddaughter", "brother", "skipper", "herder", "pensioner", "widow",
    "widower", "homeowner", "commuter", "witness", "survivor", "bystander",
    "harbormaster", "postmaster", "headmaster", "headteacher", "marshal", "ranger", "warden", "trooper", "chef", "pilot", "agent", "investigator", "prosecutor", "lawyer", "doctor", "physician", "surgeon", "strategist", "researcher", "scientist", "historian", "author", "novelist", "artist", "architect", "engineer", "activist", "organizer", "organiser", "advocate", "volunteer", "candidate", "contractor", "developer", "landlord", "tenant", "voter", "student", "parent", "mother", "grandmother", "grandfather", "deacon", "librarian", "paramedic", "premier", "mp", "mep", "msp", "congressman", "congresswoman", "delegate", "lawmaker", "legislator", "comptroller", "treasurer", "auditor", "clerk", "registrar", "coroner", "magistrate", "vice-president", "vp", "svp", "evp",
    # the same offices in Dutch, German, Italian, Spanish and French copy
    "burgemeester", "wethouder", "gedeputeerde", "dijkgraaf", "staatssecretaris", "directeur",
    "voorzitter", "woordvoerder", "bürgermeister", "bürgermeisterin", "oberbürgermeister",
    "oberbürgermeisterin", "landrat", "landrätin", "ministerin", "ministerpräsident",
    "ministerpräsidentin", "stadtrat", "stadträtin", "sindaco", "sindaca", "assessore",
    "assessora", "ministro", "ministra", "presidente", "presidenta", "onorevole", "dottor",
    "dottoressa", "ingegnere", "ingegnera", "alcalde", "alcaldesa", "concejal", "concejala",
    "consejero", "consejera", "maire", "ministre", "préfet", "préfète", "député", "députée",
    "sénateur", "sénatrice",
}
ORG_WORDS = {
    "inc", "inc.", "corp", "corp.", "corporation", "company", "co", "co.", "llc", "ltd", "ltd.",
    "plc", "group", "mining", "bank", "council", "department", "ministry", "university", "college",
    "school", "board", "association", "union", "agency", "authority", "commission", "committee",
    "office", "institute", "foundation", "center", "centre", "hospital", "airlines", "airline",
    "airways", "police", "service", "services", "party", "administration", "court", "club",
    "society", "museum", "church", "fund", "partners", "capital", "holdings", "systems",
    "technologies", "media", "news", "network", "coalition", "alliance", "federation",
    "cooperative", "co-op", "district", "county", "city", "team", "project", "trust", "energy",
    "power", "motors", "labs", "health", "pharmaceuticals", "international", "global", "airport",
    "port", "bureau", "organization", "organisation", "campaign", "government", "parliament",
    "congress", "senate", "house", "assembly", "army", "navy", "force", "guard", "fire",
    "industries", "industry", "works", "railway", "transit", "clinic",
    "league", "federal", "national", "press", "times", "post", "journal", "tribune", "herald",
    "gazette", "radio", "television", "tv", "studios", "records", "microsoft", "google", "apple",
    "chamber", "markets", "exchange", "securities", "research", "consulting", "advisors",
    "advisers", "management", "investments", "insurance", "pharma", "biotech", "hotel", "hotels",
    "restaurant", "store", "stores", "market", "brands", "foods", "water", "electric", "utility",
    "utilities", "republic", "kingdom", "states", "nations", "secretariat", "cabinet",
    "kremlin", "pentagon", "whitehouse", "embassy", "consulate", "weather", "bancorp", "bancshares",
    "financial", "banks", "railroad", "hospitals", "medical", "memorial",
    "university's", "properties", "realty", "development", "developers", "construction",
}
STOP_CAPS = {
    "the", "a", "an", "in", "on", "at", "but", "and", "or", "if", "when", "while", "after", "before",
    "as", "for", "this", "that", "these", "those", "there", "here", "his", "her", "their", "our",
    "its", "my", "your", "we", "they", "he", "she", "it", "i", "you", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "still", "yet", "so", "then", "now", "last", "next", "according", "asked", "said", "says",
    "meanwhile", "however", "also", "even", "both", "some", "many", "most", "all", "one", "two",
    "what", "why", "how", "who", "where", "which", "with", "without", "from", "to", "by", "of",
    "about", "over", "under", "since", "until", "because", "though", "although", "not", "no",
    "yes", "instead", "earlier", "later", "today", "yesterday", "tomorrow", "photo", "read",
    # "according to" opening a sentence in Italian, Spanish, French, German and Dutch
    "secondo", "según", "selon", "laut", "volgens",
}


@dataclass
class Mention:
    start: int
    end: int
    name: str
    is_person: bool
    after_prep: bool = False
    title: str = ""


_PREP_END_RE = re.compile(
    r"\b(?:at|of|for|in|from|with|on|to|by|near|outside|inside|into|about|against|than|like|beside|behind|toward|"
    r"towards|"
    # Spanish, German and French prepositions: a place or body after them is not a speaker
    r"de|del|en|al|con|desde|para|por|cerca de|junto a|bei|aus|von|nach|mit|zu|zum|zur|für|à|au|aux|dans|pour|"
    r"avec|chez|près de)\s+(?:(?:the|la|el|los|las|der|die|das|dem|den|le|les)\s+)?$",
    re.I,
)


def _after_prep(text: str, start: int) -> bool:
    return bool(_PREP_END_RE.search(text[max(0, start - 20) : start]))


_HONORIFIC_ABBREVS = {"dr.", "prof.", "mr.", "mrs.", "ms.", "sen.", "rep.", "gov.", "rev.", "sgt.", "capt.", "lt.",
                      "gen.", "col."}


def strip_titles(name: str) -> tuple[str, str]:
    """("Labour Minister Rodrigo Salvatierra") -> ("Rodrigo Salvatierra", "Labour Minister")."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in STOP_CAPS:
        words = words[1:]
    # an honorific inside the run ends the job title before it: "Verkehrsforscherin Dr. Sabine Rothe"
    for k in range(len(words) - 2, 0, -1):
        if words[k].lower() in _HONORIFIC_ABBREVS:
            return " ".join(words[k + 1 :]), " ".join(words[: k + 1])
    i = 0
    while i < len(words) - 1 and words[i].lower().strip(",") in TITLE_WORDS:
        i += 1
    # "Transport Secretary Ewan Macrae": a modifier before the title word
    for j in range(min(len(words) - 2, 3), i - 1, -1):
        if j >= i and words[j].lower().strip(",") in TITLE_WORDS:
            i = j + 1
            break
    return " ".join(words[i:]), " ".join(words[:i])


def is_org_name(name: str) -> bool:
    words = [w.lower().strip(".,'’") for w in name.split()]
    return any(w in ORG_WORDS for w in words)


def looks_like_person_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 5 or is_org_name(name):
        return False
    if any(w.lower() in STOP_CAPS for w in words):
        return False
    return all(w[:1].isupper() or re.fullmatch(_PARTICLE, w) for w in words)


def find_mentions(text: str) -> list[Mention]:
    """Capitalised name runs in ``text`` (persons with two or more words, and organisations)."""
    out: list[Mention] = []
    for m in NAME_RE.finditer(text):
        raw = m.group(0)
        start = m.start()
        words = raw.split()
        # drop sentence-initial function words ("The", "But")
        while words and words[0].lower() in STOP_CAPS:
            start += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        raw = " ".join(words)
        name, _title = strip_titles(raw)
        name = name.rstrip(".,'’s") if name.endswith(("'s", "’s")) else name.rstrip(".,")
        if name.endswith(("'s", "’s")):
            name = name[:-2]
        if not name:
            continue
        if is_org_name(name):
            out.append(Mention(start, m.end(), raw.rstrip(".,"), False, _after_prep(text, start)))
        elif len(name.split()) >= 2 and looks_like_person_name(name):
            out.append(Mention(start, m.end(), name, True, _after_prep(text, start), _title))
    return out


class _Coverage:
    """Whether a position lies inside any of some (start, end) ranges: a bisection over
    the starts and the running maximum of the ends (a scan of every range per word made
    pages with 100,000 names quadratic: docs/reliability.md J5)."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        ranges = sorted(ranges)
        self._starts = [s for s, _e in ranges]
        self._reach: list[int] = []
        furthest = -1
        for _s, e in ranges:
            furthest = max(furthest, e)
            self._reach.append(furthest)

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self._starts, pos) - 1
        return i >= 0 and self._reach[i] > pos


class NameBook:
    """Full names given in an article, for resolving surname-only mentions."""

    def __init__(self, text: str) -> None:
        self.full: list[str] = []  # in the order given; add with _add_full only
        self._known: set[str] = set()
        # lower-cased first / last word -> full names (in order): resolve() looks names up
        # here instead of scanning them all per quote (quadratic on a page of 100,000
        # speakers: docs/reliability.md J5)
        self._by_first: dict[str, list[str]] = {}
        self._by_last: dict[str, list[str]] = {}
        self.honorifics = honorific_genders(text)
        self.mentions = find_mentions(text)
        for mt in self.mentions:
            if mt.is_person:
                self._add_full(mt.name)
        for m in re.finditer(r"\b([A-ZÀ-Þ][\w'’-]+)\s+[\"“‘']([^\"”’']{1,25})[\"”’']\s+([A-ZÀ-Þ][\w'’-]+)", text):
            full = f"{m.group(1)} {m.group(3)}"
            if looks_like_person_name(full):
                self._add_full(full)
                self.mentions.append(Mention(m.start(), m.end(), full, True, _after_prep(text, m.start())))
        # surname-only mentions of people named in full elsewhere
        surnames = {n.split()[-1]: n for n in self.full}
        known = {m.start for m in self.mentions}
        inside = _Coverage([(mt.start, mt.end) for mt in self.mentions])
        for m in re.finditer(r"\b[A-ZÀ-Þ][\w'’-]+\b", text):
            w = m.group(0)
            if w in surnames and m.start() not in known and not inside.covers(m.start()):
                self.mentions.append(Mention(m.start(), m.end(), surnames[w], True, _after_prep(text, m.start())))
        self.mentions.sort(key=lambda mt: mt.start)

    def _add_full(self, name: str) -> None:
        words = name.split()
        if not words or name in self._known:
            return
        self._known.add(name)
        self.full.append(name)
        self._by_first.setdefault(words[0].lower(), []).append(name)
        self._by_last.setdefault(words[-1].lower(), []).append(name)

    def add(self, name: str) -> None:
        if len(name.split()) >= 2:
            self._add_full(name)

    def resolve(self, name: str) -> str:
        """Fullest name the article gives for ``name`` (first given wins among equals)."""
        name, _ = strip_titles(name)
        words = name.split()
        if not words:
            return name
        last = words[-1].lower()
        best = name
        if len(words) == 1:
            # a first name alone ("Liam said") names the one person given in full with it
            by_first = [f for f in self._by_first.get(last, ()) if len(f.split()) >= 2]
            if len(by_first) == 1 and not self._by_last.get(last):
                return by_first[0]
        for full in self._by_last.get(last, ()):
            fw = full.split()
            if (fw[-1].lower() == last and len(fw) > len(best.split())
                    and (len(words) == 1 or fw[0].lower() == words[0].lower())):
                best = full
        return best

    def by_title(self, role: str, pos: int) -> str | None:
        """"the mayor" -> the person last introduced as "Mayor Jane Holt" before ``pos``."""
        m = re.fullmatch(r"the\s+(?:[a-z-]+\s+){0,2}([a-z-]+)", role.strip().lower())
        if not m:
            return None
        noun = m.group(1)
        best = None
        for mt in self.mentions:
            if mt.start >= pos:
                break
            if mt.is_person and mt.title and mt.title.lower().split()[-1].strip(".") == noun:
                best = mt.name
        return self.resolve(best) if best else None

    def person_mentions_before(self, pos: int, exclude: list[tuple[int, int]] | None = None) -> list[tuple[str, int]]:
        """People named before ``pos`` (not inside quotes, not after a preposition), latest first."""
        out = []
        for mt in self.mentions:
            if mt.start >= pos:
                break
            if not mt.is_person or mt.after_prep:
                continue
            if exclude and any(a <= mt.start < b for a, b in exclude):
                continue
            out.append((self.resolve(mt.name), mt.start))
        out.reverse()
        return out

    def last_person_mention(self, pos: int, exclude: list[tuple[int, int]] | None = None) -> tuple[str, int] | None:
        """The last person named before ``pos`` (not inside quotes, not after a preposition)."""
        found = self.person_mentions_before(pos, exclude)
        return found[0] if found else None
