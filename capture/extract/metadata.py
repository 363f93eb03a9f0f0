"""Article metadata: title, authors, dates, publisher, language, description, canonical URL.

Sources, in order of trust: JSON-LD (``@graph``, arrays, ``@id`` references, nested
author/publisher objects), microdata (``itemprop``), OpenGraph and ``<meta>`` tags
(``article:*``, ``parsely-*``, ``citation_*``, ``dc.*``, ``sailthru.*``), ``<time datetime>``
and the visible byline ("By A and B").  Pure functions; thread-safe.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.etree as etree
from dateutil import parser as dateparser

from .dom import attr_blob, clean_text, iter_ancestors, short_text, tag_of, text_of

log = logging.getLogger(__name__)

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle", "blogposting",
    "liveblogposting", "socialmediaposting", "report", "scholarlyarticle", "techarticle",
    "posting", "medicalscholarlyarticle", "satiricalarticle",
}
ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "organisation"}


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    publisher: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    article_body: str | None = None  # JSON-LD / microdata articleBody, when given
    images: list[dict[str, Any]] = field(default_factory=list)  # JSON-LD ImageObjects
    is_liveblog: bool = False
    live_updates: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------- JSON-LD

def _types(node: dict) -> set[str]:
    t = node.get("@type", "")
    if isinstance(t, list):
        return {str(x).lower().rsplit("/", 1)[-1] for x in t}
    return {str(t).lower().rsplit("/", 1)[-1]}


def _flatten_jsonld(data: Any, out: list[dict], depth: int = 0) -> None:
    """Collect every dict node of a JSON-LD document (bounded depth, no cycles in JSON)."""
    if depth > 12:
        return
    if isinstance(data, list):
        for item in data[:500]:
            _flatten_jsonld(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        graph = data.get("@graph")
        if graph is not None:
            _flatten_jsonld(graph, out, depth + 1)
        for key in ("mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            v = data.get(key)
            if isinstance(v, dict | list):
                _flatten_jsonld(v, out, depth + 1)


def _load_json(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("<!--"):
        raw = raw[4:]
    if raw.endswith("-->"):
        raw = raw[:-3]
    raw = raw.strip().rstrip(";")
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        # common breakage: raw newlines/tabs or trailing commas
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
        except ValueError:
            return None


def jsonld_nodes(root) -> list[dict]:
    nodes: list[dict] = []
    for script in root.iter("script"):
        typ = (script.get("type") or "").lower()
        if "ld+json" not in typ:
            continue
        data = _load_json(script.text or "")
        if data is not None:
            _flatten_jsonld(data, nodes)
    return nodes


def _name_of(value: Any, by_id: dict[str, dict]) -> list[tuple[str, set[str]]]:
    """Names (with their @type) of a person/org value: str, dict, @id ref or list of those."""
    out: list[tuple[str, set[str]]] = []
    items = value if isinstance(value, list) else [value]
    for item in items[:30]:
        if isinstance(item, str):
            if item.strip() and not item.strip().startswith("http"):
                out.append((item.strip(), set()))
            continue
        if not isinstance(item, dict):
            continue
        node = item
        if "@id" in item and len(item) <= 2 and item["@id"] in by_id:
            node = by_id[item["@id"]]
        name = node.get("name")
        if isinstance(name, list):
            name = name[0] if name else None
        if not name and (node.get("givenName") or node.get("familyName")):
            name = f"{node.get('givenName', '')} {node.get('familyName', '')}"
        if isinstance(name, str) and name.strip():
            out.append((clean_text(name), _types(node)))
    return out


# ---------------------------------------------------------------- helpers

_SITE_SUFFIX_RE = re.compile(r"\s+(?:[|\-–—:·»•]|::)\s+[^|\-–—:·»•]{2,60}$")


def _norm_cmp(s: str) -> str:
    s = s.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\W+", " ", s.lower()).strip()


def _is_title_prefix_only(h1: str, doc_title: str) -> bool:
    """The h1 is the start of "<h1>: Something else" in <title>: a site name, not the headline."""
    a, b = _norm_cmp(h1), _norm_cmp(doc_title)
    return b != a and b.startswith(a) and len(b.split()) >= len(a.split()) + 3


def _same_headline(h1: str, cand: str) -> bool:
    """The displayed headline and a metadata title name the same story."""
    a, b = _norm_cmp(h1), _norm_cmp(cand)
    if not a or not b:
        return False
    if a == b or b.startswith(a) or a.startswith(b):
        return True
    ta, tb = set(a.split()), set(b.split())
    return len(ta) >= 4 and len(ta & tb) / len(ta | tb) >= 0.6


def normalize_date(value: str | None) -> str | None:
    """Parse a date string into ISO 8601 (keeping its offset; date only when no time)."""
    if not value or not isinstance(value, str):
        return None
    value = clean_text(value)
    if not value:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", value)
    if m:
        return value
    if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        except ValueError:
            pass
    m = re.match(r"^(\d{4})(\d{2})(\d{2})$", value)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    try:
        dt = dateparser.parse(value, fuzzy=True, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if dt is None or dt.year < 1900 or dt.year > 2200:
        return None
    if not re.search(r"\d{1,2}:\d{2}", value):
        return dt.date().isoformat()
    return dt.isoformat()


_BYLINE_SPLIT_RE = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s+y\s+|\s+und\s+|\s+et\s+|;\s*|\|)\s*", re.I)
_BYLINE_PREFIX_RE = re.compile(r"^\s*(?:written\s+)?(?:by|from|von|par|por)\s*[:\-]?\s+", re.I)
_BYLINE_TAIL_RE = re.compile(
    r"\s*(?:,|\||\s-\s|—|–)\s*(?:staff\s+writer|reporter|correspondent|senior\b.*|chief\b.*|special\s+to\b.*|for\s+the\b.*|the\s+associated\s+press|associated\s+press|updated\b.*|published\b.*|posted\b.*).*$",
    re.I,
)
_NOT_NAME_WORDS = {
    "updated", "published", "posted", "min", "read", "share", "follow", "comments", "subscribe",
    "staff", "news", "editors", "editor", "editorial", "board", "team", "desk", "wire", "reuters",
    "ap", "afp", "press", "sign", "login", "more", "ago", "am", "pm", "edt", "est", "utc", "gmt",
    "times", "post", "media", "tribune", "herald", "journal", "gazette", "network", "agency",
    "service", "services", "daily", "weekly", "radio", "tv", "television", "magazine", "online",
    # a newsroom or desk, in the languages of the world's big news markets
    "newsroom", "redacción", "redaccion", "redacció", "redaktion", "rédaction", "redazione", "redação",
    "redacao", "agencias", "agencies", "agenturen", "nachrichten", "noticias",
}


def looks_like_person(name: str) -> bool:
    name = name.strip()
    if not name or len(name) > 60 or any(ch.isdigit() for ch in name) or "@" in name or "http" in name:
        return False
    words = name.split()
    if not 1 < len(words) <= 5:
        return False
    if any(w.lower().strip(".,") in _NOT_NAME_WORDS for w in words):
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    return caps >= len(words) - 1 and words[0][:1].isupper() and words[-1][:1].isupper()


def split_byline(text: str) -> list[str]:
    """"By Jane Roe and John Doe, Staff Writers" -> ["Jane Roe", "John Doe"]."""
    text = clean_text(text)
    text = re.split(
        r"\s+(?:Updated|Published|Posted|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|"
        r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d)",
        text,
    )[0]
    text = _BYLINE_PREFIX_RE.sub("", text)
    text = _BYLINE_TAIL_RE.sub("", text)
    text = re.sub(r"\s+(?:in|at)\s+[A-Z][\w .]+$", "", text)
    names = []
    for part in _BYLINE_SPLIT_RE.split(text):
        part = _BYLINE_PREFIX_RE.sub("", part.strip(" .,:;"))
        part = re.sub(r"^(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+", "", part)
        if part.isupper():
            part = part.title()  # "By JANE ROE"
        if looks_like_person(part) and part not in names:
            names.append(part)
    return names


def _dedupe(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for n in names:
        k = _norm_cmp(n)
        if k and k not in seen:
            seen.add(k)
            out.append(n)
    return out


# ---------------------------------------------------------------- main

def _metas(root) -> dict[str, list[str]]:
    metas: dict[str, list[str]] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = m.get("content")
        if key and content is not None and content.strip():
            metas.setdefault(key, []).append(clean_text(content))
    return metas


def _first(metas: dict[str, list[str]], *keys: str) -> str | None:
    for k in keys:
        v = metas.get(k)
        if v:
            return v[0]
    return None


_BYLINE_ATTR_RE = re.compile(r"byline|author|contributor", re.I)
_BYLINE_KEYS = ("class", "id", "data-testid", "itemprop", "data-component", "role")


def _byline_elements(root) -> list:
    """Elements whose class/id/role/... mention a byline or author (a plain pass; faster than XPath)."""
    out = []
    body = root.find(".//body")
    for el in (body if body is not None else root).iter():
        a = el.attrib
        if not a:
            continue
        for k in _BYLINE_KEYS:
            v = a.get(k)
            if v and _BYLINE_ATTR_RE.search(v):
                out.append(el)
                break
    return out
_BY_XPATH = etree.XPath("//body//*[self::p or self::div or self::span or self::address][starts-with(normalize-space(text()), 'By')]")


# a writer's profile page: /author/jane-roe, /by/jane-roe, /people/jane-roe, /staff/jane-roe/
_AUTHOR_HREF_RE = re.compile(
    r"/author|/(?:by|people|person|staff|profiles?|journalists?|reporters?|writers?|columnists?|autor|autores|autoren)"
    r"/[\w.%-]+/?(?:[?#].*)?$",
    re.I,
)


def _byline_authors(root) -> list[str]:
    """Names from the visible byline: rel=author links, byline/author classes, "By ..." lines."""
    names: list[str] = []
    for a in root.iter("a"):
        if (a.get("rel") or "").lower() == "author" or _AUTHOR_HREF_RE.search(a.get("href") or ""):
            blob = " ".join(attr_blob(x) for x in iter_ancestors(a))
            if any(k in blob for k in ("comment", "related", "footer", "sidebar", "recirc", "promo")):
                continue
            n = text_of(a)
            if looks_like_person(n):
                names.append(n)
    if names:
        return _dedupe(names)
    for el in _byline_elements(root):
        if not isinstance(el.tag, str) or tag_of(el) in ("script", "style", "meta", "html", "body"):
            continue
        blob = attr_blob(el)
        if re.search(r"byline|author-name|authorname|article-author|\bauthor\b|contributor", blob):
            t = short_text(el, 200) or ""
            if t:
                # each text piece alone first ("By Jane Roe" + "Staff reporter" in two spans)
                pieces = [clean_text(x) for x in el.itertext() if isinstance(x, str) and x.strip()]
                from_pieces = [n for x in pieces for n in split_byline(x)]
                names.extend(from_pieces or split_byline(t))
        if names:
            break
    if not names:
        for el in _BY_XPATH(root):
            t = short_text(el, 120) or ""
            if 3 < len(t) < 120 and re.match(r"^By\s+[A-Z]", t) and len(el) <= 4:
                names.extend(split_byline(t))
                if names:
                    break
    return _dedupe(names)


def _microdata(root) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for el in root.xpath("//*[@itemprop]"):
        prop = el.get("itemprop", "").strip().lower()
        if prop in out and prop != "author":
            continue
        if tag_of(el) == "meta":
            val = el.get("content")
        elif tag_of(el) == "time":
            val = el.get("datetime") or text_of(el)
        elif prop in ("author", "creator", "publisher"):
            inner = el.xpath(".//*[@itemprop='name']")
            val = (inner[0].get("content") or text_of(inner[0])) if inner else text_of(el)
        elif prop == "articlebody":
            out.setdefault("articlebody_el", el)
            continue
        else:
            val = el.get("content") or text_of(el)
        if not val:
            continue
        if prop == "author":
            out.setdefault("author", []).append(val)
        else:
            out[prop] = val
    return out


_COPYRIGHT_RE = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*(?:[-–]\s*\d{4}\s*)?)?,?\s*"
    r"(?P<name>(?:The\s+)?[A-Z][\w&'’-]*(?:\s+(?!All\b)(?:[A-Z][\w&'’-]*|&|of|the|and)){0,5})",
    re.I,
)


def _publisher_from_page(root) -> str | None:
    """The site's name from a footer copyright line or the masthead logo's alt text."""
    for el in root.iter("footer", "div", "p", "small", "span", "td", "font"):
        if el.tag != "footer" and "footer" not in (el.get("class") or "") + (el.get("id") or ""):
            continue
        t = short_text(el, 400) or ""
        m = _COPYRIGHT_RE.search(t)
        if m:
            name = re.sub(r"\s+(?:Inc|LLC|Ltd|Co|Corp|Media|Group|All)\.?$", "", m.group("name")).strip(" .,")
            if 2 < len(name) < 60 and not name.lower().startswith(("all rights", "copyright")):
                return name
    for a in root.iter("a"):
        if "logo" in ((a.get("class") or "") + (a.get("id") or "")).lower() or (a.get("href") or "") == "/":
            for img in a.iter("img"):
                alt = clean_text(img.get("alt") or "")
                if 2 < len(alt) < 60 and "logo" not in alt.lower():
                    return alt
    return None


def _site_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    host = re.sub(r"^(www\d?|m|amp|mobile|edition)\.", "", host)
    return host or None


def extract_metadata(root, url: str | None = None, nodes: list[dict] | None = None) -> Metadata:
    md = Metadata()
    nodes = jsonld_nodes(root) if nodes is None else nodes
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    article = None
    for n in nodes:
        if _types(n) & ARTICLE_TYPES and (
            article is None or (n.get("headline") and not article.get("headline"))
        ):
            article = n
    if article is None:
        for n in nodes:
            if _types(n) & {"webpage", "itempage"} and n.get("headline"):
                article = n
                break
    metas = _metas(root)
    micro = _microdata(root)

    # ---- title
    h1s = [short_text(h, 400) or "" for h in root.iter("h1")]
    h1s = [h for h in h1s if 3 < len(h) < 400]
    cands = []
    if article and isinstance(article.get("headline"), str):
        cands.append(clean_text(article["headline"]))
    for k in ("og:title", "twitter:title", "parsely-title", "citation_title", "dc.title", "sailthru.title"):
        v = _first(metas, k)
        if v:
            cands.append(v)
    if micro.get("headline"):
        cands.append(clean_text(micro["headline"]))
    title_tag = root.find(".//title")
    doc_title = text_of(title_tag) if title_tag is not None else ""
    title = None
    # an h1 that names the story in the metadata wins over one that only matches the
    # <title> (a blog's masthead h1 is a prefix of "Blog Name: Post title")
    for h in h1s:
        if any(_same_headline(h, c) for c in cands):
            title = h
            break
    if title is None:
        for h in h1s:
            if _same_headline(h, doc_title) and not (cands and _is_title_prefix_only(h, doc_title)):
                title = h
                break
    if title is None and cands:
        title = _SITE_SUFFIX_RE.sub("", cands[0]) if len(cands[0]) > 30 else cands[0]
    if title is None and h1s:
        title = h1s[0]
    site_part = None
    if title is None and doc_title:
        title, site_part = _split_doc_title(doc_title, root)
    md.title = title

    # ---- publisher
    publisher = _first(metas, "og:site_name", "application-name", "apple-mobile-web-app-title",
                       "citation_publisher", "dc.publisher", "citation_journal_title")
    if not publisher and article is not None:
        pubs = _name_of(article.get("publisher"), by_id)
        if pubs:
            publisher = pubs[0][0]
    if not publisher:
        for n in nodes:
            if _types(n) & {"newsmediaorganization"} and isinstance(n.get("name"), str):
                publisher = n["name"]
                break
    if not publisher and micro.get("publisher"):
        publisher = micro["publisher"]
    if not publisher and site_part:
        publisher = site_part
    if not publisher and doc_title and title:
        _t, site = _split_doc_title(doc_title, root)
        if site and _norm_cmp(site) != _norm_cmp(title):
            publisher = site
    if not publisher and doc_title and title:
        # "Blog Name: Post title" (no space before the colon, so not a title separator)
        m = re.match(r"^(?P<site>[^:|]{2,60}?):\s+(?P<rest>.+)$", doc_title)
        if m and _norm_cmp(m.group("rest")) == _norm_cmp(title):
            publisher = m.group("site")
    if not publisher:
        publisher = _publisher_from_page(root)
    md.publisher = clean_text(publisher) if publisher else _site_from_url(url)

    # ---- authors
    authors: list[str] = []
    if article is not None:
        for name, types in _name_of(article.get("author") or article.get("creator"), by_id):
            if types & ORG_TYPES or (md.publisher and _norm_cmp(name) == _norm_cmp(md.publisher)):
                continue
            authors.extend(split_byline(name) or ([name] if looks_like_person(name) else []))
        if _types(article) & {"liveblogposting"}:
            md.is_liveblog = True
            updates = article.get("liveBlogUpdate") or []
            if isinstance(updates, dict):
                updates = [updates]
            md.live_updates = [u for u in updates if isinstance(u, dict)]
            for u in md.live_updates:
                for name, types in _name_of(u.get("author"), by_id):
                    if not types & ORG_TYPES and looks_like_person(name):
                        authors.append(name)
    if not authors:
        for a in micro.get("author", []):
            authors.extend(split_byline(a))
    if not authors:
        for k in ("author", "parsely-author", "sailthru.author", "dc.creator", "citation_author",
                  "article:author", "byl", "analyticsattributes.author"):
            for v in metas.get(k, []):
                if not v.startswith("http"):
                    authors.extend(split_byline(v))
            if authors:
                break
    if not authors:
        authors = _byline_authors(root)
    pub_key = _norm_cmp(md.publisher or "")
    md.authors = [a for a in _dedupe(authors) if _norm_cmp(a) != pub_key]

    # ---- dates
    pub = None
    if article is not None:
        pub = article.get("datePublished") or article.get("dateCreated")
        md.modified = normalize_date(article.get("dateModified") if isinstance(article.get("dateModified"), str) else None)
    if not pub:
        pub = _first(metas, "article:published_time", "og:article:published_time", "parsely-pub-date",
                     "sailthru.date", "citation_publication_date", "citation_date", "dc.date.issued",
                     "dc.date", "dcterms.date", "date", "pubdate", "publishdate", "publish-date",
                     "datepublished", "article.published")
    if not pub:
        pub = micro.get("datepublished") or micro.get("datecreated")
    if not pub:
        for t in root.iter("time"):
            blob = " ".join(attr_blob(x) for x in [t, *list(iter_ancestors(t))[:3]])
            if "update" in blob or "modif" in blob or "comment" in blob:
                continue
            if t.get("datetime") or t.get("pubdate") is not None:
                pub = t.get("datetime") or text_of(t)
                break
    if not pub:
        pub = _visible_date(root)
    md.published = _prefer_local_offset(
        normalize_date(pub if isinstance(pub, str) else None),
        [_first(metas, "article:published_time", "og:article:published_time", "parsely-pub-date",
                "sailthru.date", "dc.date", "date", "pubdate"),
         micro.get("datepublished"),
         *[t.get("datetime") for t in list(root.iter("time"))[:20]]],
    )
    if md.published and re.search(r"T\d\d:\d\d.*(?:\+00:00|Z)$", md.published):
        # a UTC timestamp can fall on the next day; the page's printed date is the site's own
        shown = normalize_date(_visible_date(root))
        if shown and len(shown) == 10 and shown != md.published[:10]:
            try:
                delta = abs((datetime.fromisoformat(shown) - datetime.fromisoformat(md.published[:10])).days)
            except ValueError:
                delta = 99
            if delta == 1:
                md.published = shown
    if not md.modified:
        md.modified = normalize_date(_first(metas, "article:modified_time", "og:updated_time"))

    # ---- other
    html_el = root if tag_of(root) == "html" else root.getroottree().getroot()
    md.language = (html_el.get("lang") or _first(metas, "og:locale", "content-language", "dc.language") or None)
    if md.language:
        md.language = md.language.replace("_", "-").split(",")[0].strip() or None
    md.description = _first(metas, "og:description", "description", "twitter:description")
    canon = None
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            canon = link.get("href").strip()
            break
    md.canonical_url = canon or _first(metas, "og:url") or url
    if article is not None and isinstance(article.get("articleBody"), str):
        md.article_body = article["articleBody"]
    # JSON-LD images with their credits
    imgs: list[dict] = []
    for n in nodes:
        if _types(n) & {"imageobject"}:
            imgs.append(n)
    if article is not None:
        for v in article.get("image", []) if isinstance(article.get("image"), list) else [article.get("image")]:
            if isinstance(v, dict) and v not in imgs:
                imgs.append(v)
    md.images = imgs
    return md


def _prefer_local_offset(chosen: str | None, others: list[str | None]) -> str | None:
    """A UTC timestamp restated in the site's own offset when the page gives that offset too.

    The date of first publication is read in the site's time zone: 2024-03-14T03:00Z is
    2024-03-13 in New York.
    """
    if not chosen or not re.search(r"(?:\+00:00|Z)$", chosen) or "T" not in chosen:
        return chosen
    try:
        base = datetime.fromisoformat(chosen.replace("Z", "+00:00"))
    except ValueError:
        return chosen
    for raw in others:
        local = normalize_date(raw) if isinstance(raw, str) else None
        if not local or "T" not in local or re.search(r"(?:\+00:00|Z)$", local):
            continue
        try:
            dt = datetime.fromisoformat(local)
        except ValueError:
            continue
        if dt.tzinfo is not None and abs((dt - base).total_seconds()) < 120:
            return local
    return chosen


_VISIBLE_XPATH = etree.XPath("//body//*[normalize-space(text()) = $t or normalize-space(.) = $t][1]")
_TITLE_SEP_RE = re.compile(r"\s+(?:[|\-–—·»:•]|::|\|\|)\s+")


def _split_doc_title(doc_title: str, root) -> tuple[str, str | None]:
    """("Site - Headline" or "Headline | Site") -> (headline, site), using the visible page text."""
    parts = [p for p in _TITLE_SEP_RE.split(doc_title) if p.strip()]
    if len(parts) < 2:
        return doc_title, None
    first, last = parts[0], parts[-1]
    head_first = " - ".join(parts[:-1])
    head_last = " - ".join(parts[1:])

    def visible(t: str) -> bool:
        return bool(_VISIBLE_XPATH(root, t=t.strip()))

    if visible(head_last) and not visible(head_first):
        return head_last, first
    if visible(head_first):
        return head_first, last
    # otherwise the longer side is the headline
    if len(last) > len(first) * 1.5:
        return head_last, first
    return head_first, last


_VISIBLE_DATE_RE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}\b"
    r"|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{4}\b"
)


def _visible_date(root) -> str | None:
    """A date printed near the top of the page ("Posted March 3, 2024"), not "Updated"."""
    body = root.find(".//body")
    if body is None:
        return None
    seen = 0
    for el in body.iter("p", "div", "span", "td", "font", "small", "em", "time"):
        t = el.text or ""
        if len(el) <= 3:
            t = short_text(el, 200) or ""
        if not t or len(t) > 200:
            continue
        seen += 1
        if seen > 400:
            break
        m = _VISIBLE_DATE_RE.search(t)
        if m and not re.search(r"updated|modified", t[: m.start()], re.I):
            return m.group(0)
    return None
