"""Photo credits: from captions, credit spans, credit footers and JSON-LD ImageObjects.

Each credit is stored as printed (without a generic label such as "Photo:" or "Credit:"
or surrounding parentheses) and split into photographer (a person) and provider (an
agency, outlet or platform).  Pure functions, thread-safe.
"""

from __future__ import annotations

import logging
import re

import lxml.etree as etree

from capture.types import CreditItem

from .dom import clean_text, iter_ancestors, short_text, tag_of, text_of
from .images import clean_caption
from .names import ORG_WORDS

log = logging.getLogger(__name__)

AGENCIES = {
    "ap", "associated press", "reuters", "afp", "getty", "getty images", "epa", "epa-efe", "efe",
    "shutterstock", "flickr", "unsplash", "pexels", "pixabay", "wikimedia", "wikimedia commons",
    "alamy", "bloomberg", "pool", "ansa", "dpa", "xinhua", "kyodo", "yonhap", "tass", "sipa",
    "zuma", "zuma press", "imago", "abaca", "anadolu", "nurphoto", "istock", "istockphoto",
    "corbis", "magnum", "redux", "polaris", "the new york times", "nyt", "bbc", "cnn", "nasa",
    "courtesy", "handout", "file", "sopa images", "lightrocket", "pa", "pa images", "pa wire",
    "aap", "cp", "the canadian press", "press association", "ap photo", "afp photo", "ap images",
    "reuters/", "usa today", "usa today sports", "imagn", "imagn images", "icon sportswire",
    "nbae", "mlb photos", "nfl", "cq roll call", "cq-roll call", "the washington post", "wpa pool",
    "sportsfile", "action images", "bloomberg via getty images", "afp via getty images",
    "news1", "jiji press", "the associated press", "staff", "stock", "adobe stock",
}

_LABEL_RE = re.compile(
    r"^\s*[\(\[]?\s*(?:(?:staff\s+)?(?:photo(?:graph)?s?|images?|pictures?|picture|photo credits?|image credits?|"
    r"credit|credits|illustration|video|graphic|file photo|foto)\s*(?:by|:|-|—)|(?:photo(?:graph)?|image)\s+source\s*[,:]|"
    r"image\s+source\s*,|photo\s+by|photographs?\s+by|pictured\s+by|courtesy\s+of|"
    r"(?:photo\s+)?courtesy\s+of|(?:credit|photo|image|photograph)s?\s*(?:\.{2,}|…))\s*",
    re.I,
)
_INLINE_CREDIT_RE = re.compile(
    r"(?:\((?:photo|photograph|image|picture|credit|illustration)s?\s*(?:by|:|courtesy(?:\s+of)?)\s*(?P<a>[^)]{2,120})\)"
    r"|(?:credit|photo|image|photograph)s?\s*(?:\.{2,}|…)\s*(?P<d>[^;()]{2,120}?)\s*$"
    r"|(?:photo|photograph|image|picture|credit|photo credit|image source|photo source|illustration|"
    r"photo illustration|graphic|photography)s?\s*(?:by|:|,)\s*(?P<b>[^.;()]{2,120}?)(?:\.?\s*$|\)|;))",
    re.I,
)
_SLASH_CREDIT_END_RE = re.compile(
    r"(?:^|[.!?]\s+|\s)(?P<c>(?:[A-ZÀ-Þ][\w.'’&-]*\s?){1,4}\s?/\s?(?:(?:[A-ZÀ-Þ][\w.'’&-]*|to|of|the|for)\s?){1,6}(?:via\s+[A-Z][\w ]+)?)\s*$"
)
_CAPS_TAIL_RE = re.compile(r"(?:[.!?]\s+)(?P<c>(?:[A-ZÀ-Þ][\w'’.-]+\s){1,3}(?:for|via)\s+[A-Z][\w ]{2,40})\s*$")


def _is_agency(s: str) -> bool:
    k = s.lower().strip(" .")
    if k in AGENCIES:
        return True
    if re.search(r"\b(getty|reuters|afp|associated press|shutterstock|flickr|unsplash|wikimedia|"
                 r"images|photos?|press|pool|agency|news|media|times|post|wire|handout|courtesy)\b", k):
        return True
    if s.isupper() and len(s) <= 12:
        return True
    return any(w in ORG_WORDS for w in k.split())


def _is_person(s: str) -> bool:
    s = s.strip()
    if not s or _is_agency(s) or any(ch.isdigit() for ch in s):
        return False
    words = s.split()
    return 1 < len(words) <= 4 and all(w[:1].isupper() or w.lower() in ("de", "van", "von", "da", "del", "la", "le", "bin", "al") for w in words)


def split_credit(credit: str) -> tuple[str | None, str | None]:
    """"Jane Doe/Getty Images" -> ("Jane Doe", "Getty Images"); "AP Photo/John Roe" -> ("John Roe", "AP")."""
    c = credit.strip(" ().")
    m = re.match(r"^(?P<p>.+?)\s+on\s+(?P<v>Unsplash|Flickr|Pexels|Pixabay|Instagram|Wikimedia Commons)$", c, re.I)
    if m:
        return m.group("p").strip(), m.group("v").strip()
    m = re.match(r"^(?P<p>.+?)\s+(?:for|via)\s+(?P<v>.+)$", c)
    if m and _is_person(m.group("p")):
        return m.group("p").strip(), m.group("v").strip()
    parts = [p.strip() for p in re.split(r"\s*/\s*|\s+\|\s+|\s+-\s+|\s*,\s+(?=[A-Z])", c) if p.strip()]
    # a photographer's name set in capitals ("EPA-EFE/ANDY RAIN")
    parts = [p.title() if p.isupper() and len(p.split()) >= 2 and _is_person(p.title()) else p for p in parts]
    if len(parts) >= 2:
        person = next((p for p in parts if _is_person(p)), None)
        others = [p for p in parts if p is not person]
        provider = " / ".join(others) if others else None
        if provider:
            provider = re.sub(r"\s+(?:Photo|Photos|Images?)$", "", provider) if re.match(r"^(?:AP|AFP|EPA)\b", provider) else provider
            if provider.isupper() and provider.isalpha() and len(provider) > 4:
                provider = provider.title()
        return person, provider
    if _is_person(c):
        return c, None
    return None, c or None


def strip_label(text: str) -> str:
    t = clean_text(text)
    t = _LABEL_RE.sub("", t)
    t = re.sub(r"^(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?", "", t, flags=re.I)
    t = t.strip(" ()[]")
    return t.rstrip(".").strip()


_BRACKET_TAIL_RE = re.compile(r"[\(\[](?P<c>[^()\[\]]{3,90})[\)\]]\s*\.?\s*$")
_AGENCY_TAIL_RE = re.compile(
    r"(?:^|[.!?]\s+)(?P<c>(?:Getty Images|AFP|AP|Reuters|Shutterstock|Alamy|EPA|Bloomberg|Xinhua|"
    r"The Associated Press|Associated Press|Pool|Handout|File|Unsplash|Flickr|Wikimedia Commons)"
    r"(?:\s+(?:via|for)\s+[A-Z][\w&' ]{1,40})?)\s*\.?$"
)
_COPYRIGHT_TAIL_RE = re.compile(r"(?:^|\s)(?P<c>(?:©|\(c\)|Copyright)\s*(?:\d{4}\s+)?[^.©]{2,60})\s*\.?$")
_COURTESY_RE = re.compile(r"(?:^|[.!?]\s+|\()(?P<c>[Cc]ourtesy(?: of)? [^.()]{2,80})\)?\s*\.?$")


def credit_from_caption(caption: str) -> str | None:
    """The credit printed inside a caption ("... (Photo by X/Getty Images)", "... X/AP")."""
    cap = clean_caption(caption)
    m = _INLINE_CREDIT_RE.search(cap)
    if m:
        return (m.group("a") or m.group("b") or m.group("d") or "").strip(" .") or None
    m = _BRACKET_TAIL_RE.search(cap)
    if m and (re.search(r"[/|]", m.group("c")) or re.match(r"(?:AP|AFP|Getty|Reuters|EPA|File|Pool|Handout)\b", m.group("c"))):
        return m.group("c").strip(" .")
    for rx in (_COURTESY_RE, _COPYRIGHT_TAIL_RE, _AGENCY_TAIL_RE):
        m = rx.search(cap)
        if m:
            return m.group("c").strip(" .")
    m = _SLASH_CREDIT_END_RE.search(cap)
    if m:
        credit = m.group("c").strip(" .")
        # the caption's last sentence ran into it: "... since January. REUTERS/Marta Quispe"
        head, slash, tail = credit.partition("/")
        cut = head.rfind(". ")
        if cut > 0 and len(head[:cut].split()[-1]) > 1:  # not an initial ("Mark J. Terrill/AP")
            credit = head[cut + 2 :] + slash + tail
        return credit
    m = _CAPS_TAIL_RE.search(cap)
    if m:
        return m.group("c").strip(" .")
    return None


_LABELLED_RE = re.compile(
    r"^\s*(?:image|photo|picture)\s+(?:source|credit)s?\s*[,:]|^\s*(?:photo|credit|photograph)\s*:", re.I
)
_CREDIT_CLASS_RE = re.compile(r"credit|copyright|photographer|byline|source|attribution", re.I)


def _credit_els(scope: etree._Element):
    for el in scope.iter():
        if not isinstance(el.tag, str) or tag_of(el) in ("script", "style"):
            continue
        a = el.attrib
        if not a:
            continue
        cls = a.get("class")
        ip = a.get("itemprop")
        dt = a.get("data-testid")
        if (cls and _CREDIT_CLASS_RE.search(cls)) or (ip and _CREDIT_CLASS_RE.search(ip)) or (
            dt and _CREDIT_CLASS_RE.search(dt)
        ):
            # inside a figure, or a short credit line
            yield el


def extract_credits(root: etree._Element, jsonld_images: list[dict], body_scope: etree._Element | None = None,
                    footer_lines: list[str] | None = None) -> list[CreditItem]:
    found: list[CreditItem] = []
    seen: set[str] = set()
    scope = body_scope if body_scope is not None else root

    def add(raw: str | None, caption: str | None = None, image_url: str | None = None) -> None:
        if not raw:
            return
        credit = strip_label(raw)
        if not credit or len(credit) > 120 or len(credit.split()) > 12:
            return
        key = re.sub(r"\W+", " ", credit.lower()).strip()
        if not key or key in seen:
            return
        seen.add(key)
        ph, pr = split_credit(credit)
        found.append(CreditItem(credit=credit, photographer=ph, provider=pr, caption=caption, image_url=image_url))

    # 1. figures and captions
    for fig in scope.iter("figure", "amp-img", "div"):
        if tag_of(fig) == "div" and "caption" not in (fig.get("class") or "").lower():
            continue
        caption_el = None
        for c in fig.iter("figcaption"):
            caption_el = c
            break
        if caption_el is None and tag_of(fig) == "div":
            caption_el = fig
        credit_el = None
        for el in _credit_els(fig):
            if tag_of(el) not in ("figure",) and el is not fig:
                credit_el = el
                break
        img = None
        for i in fig.iter("img", "amp-img"):
            img = i.get("src") or i.get("data-src")
            break
        caption_text = short_text(caption_el, 1000) if caption_el is not None else None
        caption = clean_caption(caption_text) or None if caption_text else None
        if credit_el is None and tag_of(fig) == "figure":
            for el in fig.iter():
                if el is fig or not isinstance(el.tag, str) or (caption_el is not None and el is caption_el):
                    continue
                t = short_text(el, 120)
                if t and _LABELLED_RE.match(t):
                    add(t, caption, None)
        if credit_el is not None:
            add(text_of(credit_el), caption, img)
        elif caption:
            add(credit_from_caption(caption), caption, img)
    # 1b. images outside <figure>: the short text block around them (table cells, divs)
    for img in scope.iter("img", "amp-img"):
        if any(tag_of(a) in ("figure", "header", "nav", "footer") for a in iter_ancestors(img)):
            continue
        box_text = None
        for depth, a in enumerate(iter_ancestors(img)):
            if depth > 3 or tag_of(a) in ("body", "article", "main", "p"):
                break
            t = short_text(a, 300)
            if t is None:
                break
            if t:
                box_text = t
        if box_text:
            add(credit_from_caption(box_text), box_text, img.get("src") or img.get("data-src"))
    # 2. credit spans outside figures (image blocks built from divs)
    for el in _credit_els(scope):
        if any(tag_of(a) == "figure" for a in iter_ancestors(el)):
            continue
        t = short_text(el, 100) or ""
        if 2 < len(t) < 100 and (re.search(r"/|photo|credit|getty|reuters|\bAP\b|images", t, re.I)):
            add(t)
    # 3. JSON-LD ImageObjects
    for img in jsonld_images:
        for k in ("creditText", "copyrightHolder", "author", "creator"):
            v = img.get(k)
            if isinstance(v, dict):
                v = v.get("name")
            if isinstance(v, list):
                v = ", ".join(x.get("name", "") if isinstance(x, dict) else str(x) for x in v)
            if isinstance(v, str) and v.strip():
                add(v, img.get("caption") if isinstance(img.get("caption"), str) else None,
                    img.get("url") if isinstance(img.get("url"), str) else None)
                break
    # 4. credit footers ("Photo credit: ...", "Image source, ...") from the page text
    for line in footer_lines or []:
        if re.match(r"^\s*(?:photo|image|picture|top image|lead image|header image)s?\s*(?:credits?|sources?|by)?\s*[:,]", line, re.I):
            add(line)
    # 5. microdata copyrightHolder
    for el in root.xpath("//*[@itemprop='copyrightHolder' or @itemprop='creditText']"):
        add(el.get("content") or text_of(el))
    return found
