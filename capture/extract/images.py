"""Images of the article: the lead image and in-body figures.

Candidates come from ``src``, ``srcset``, ``data-src``, ``data-srcset``, ``data-lazy-src``,
``data-original``, ``<picture><source>``, ``<noscript>`` fallbacks and ``<amp-img>``;
the largest ``srcset`` candidate wins; URLs are made absolute.  Pure, thread-safe.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree
import lxml.html

from capture.types import ImageRef

from .dom import clean_text, iter_ancestors, tag_of, text_of

log = logging.getLogger(__name__)

_PLACEHOLDER_RE = re.compile(r"^data:|spacer|blank\.(gif|png)|placeholder|pixel\.(gif|png)|1x1|transparent\.(gif|png)|lazy[-_]?load|grey\.gif", re.I)
_SKIP_IMG_RE = re.compile(r"logo|icon|avatar|sprite|badge|emoji|favicon|gravatar|tracking|beacon", re.I)


def absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if url.startswith("//"):
        scheme = urlsplit(base).scheme if base else "https"
        return f"{scheme or 'https'}:{url}"
    if re.match(r"^https?://", url, re.I):
        return url
    if not base or url.startswith(("data:", "javascript:", "file:", "blob:")):
        return None
    try:
        out = urljoin(base, url)
    except ValueError:
        return None
    return out if out.lower().startswith(("http://", "https://")) else None


def best_from_srcset(srcset: str) -> str | None:
    best = None
    best_w = -1.0
    for part in re.split(r",\s+(?=\S)", srcset.strip()):
        bits = part.strip().split()
        if not bits:
            continue
        w = 0.0
        if len(bits) > 1:
            m = re.match(r"([\d.]+)([wx])", bits[1])
            if m:
                w = float(m.group(1)) * (1000 if m.group(2) == "x" else 1)
        if w >= best_w:
            best, best_w = bits[0], w
    return best


def image_url(img: etree._Element, base: str | None) -> str | None:
    """Best absolute URL for an <img>/<amp-img>/<source>, honouring lazy-loading attributes."""
    for attr in ("data-srcset", "srcset", "data-lazy-srcset"):
        v = img.get(attr)
        if v and not v.startswith("data:"):
            u = best_from_srcset(v)
            if u and not _PLACEHOLDER_RE.search(u):
                return absolute(u, base)
    for attr in ("data-src", "data-lazy-src", "data-original", "data-url", "data-hi-res-src", "src"):
        v = img.get(attr)
        if v and not _PLACEHOLDER_RE.search(v):
            return absolute(v, base)
    # a <picture> parent with <source srcset>
    parent = img.getparent()
    if parent is not None and tag_of(parent) == "picture":
        for src in parent.iter("source"):
            v = src.get("srcset") or src.get("data-srcset")
            if v:
                return absolute(best_from_srcset(v), base)
    # <noscript><img src></noscript> next to a lazy placeholder
    for sib in ([parent] if parent is not None else []):
        for ns in sib.iter("noscript"):
            u = _noscript_img(ns, base)
            if u:
                return u
    return None


def _noscript_img(ns: etree._Element, base: str | None) -> str | None:
    inner = ns.text or ""
    if "<img" not in inner and len(ns):
        for img in ns.iter("img"):
            return image_url(img, base)
        return None
    if "<img" not in inner:
        return None
    try:
        frag = lxml.html.fragment_fromstring(inner[:20000], create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    for img in frag.iter("img"):
        return image_url(img, base)
    return None


_CAPTION_LABEL_RE = re.compile(r"^(?:image|photo|picture)\s+caption\s*[,:]\s*", re.I)
# buttons and links printed after a caption: "Purchase Licensing Rights, opens new tab"
_CAPTION_TOOLS_RE = re.compile(
    r"(?:[\s,;|·-]*(?:purchase licensing rights|buy (?:this )?photo|purchase (?:this )?photo|"
    r"enlarge (?:this )?image|opens? (?:in )?(?:a )?new (?:tab|window)|view (?:full|larger) image|"
    r"expand image))+\W*$", re.I)


def clean_caption(text: str) -> str:
    """A caption's own words: without an "Image caption," screen-reader label before them
    or the buttons printed after them."""
    return _CAPTION_TOOLS_RE.sub("", _CAPTION_LABEL_RE.sub("", clean_text(text)))


def figure_caption(fig: etree._Element) -> str | None:
    """The caption of a figure (see :func:`clean_caption`)."""
    for cap in fig.iter("figcaption"):
        return clean_caption(text_of(cap)) or None
    for el in fig.iter():
        cls = (el.get("class") or "").lower()
        if "caption" in cls:
            return clean_caption(text_of(el)) or None
    return None


def article_scope(root: etree._Element, container: etree._Element | None) -> etree._Element:
    """The part of the page holding the article with its lead art: the body container's
    nearest <article>/<main> ancestor, or the ancestor (up to three levels) holding the headline."""
    scope = container
    if scope is not None:
        for depth, a in enumerate(iter_ancestors(scope)):
            if tag_of(a) in ("body", "html"):
                break
            if tag_of(a) in ("article", "main") or (depth < 3 and a.find(".//h1") is not None):
                scope = a
                break
    return scope if scope is not None else root


# An article's images, at most (a gallery has dozens; a hostile page had 20,000 figures,
# each one a download): docs/reliability.md J5. Past MAX_IMAGE_CANDIDATES <img> elements
# the rest of the page is not looked at.
MAX_IMAGES = 200
MAX_IMAGE_CANDIDATES = 5_000


def collect_images(root: etree._Element, container: etree._Element | None, base: str | None,
                   og_image: str | None) -> list[ImageRef]:
    """Lead image first, then the figures inside (or right around) the article body
    (at most :data:`MAX_IMAGES`)."""
    images: list[ImageRef] = []
    seen: set[str] = set()
    scope = article_scope(root, container)
    has_plain_img: dict[etree._Element, bool] = {}  # per <noscript> parent, computed once
    for n, img in enumerate(scope.iter("img", "amp-img")):
        if len(images) >= MAX_IMAGES or n >= MAX_IMAGE_CANDIDATES:
            break
        between = []
        for a in iter_ancestors(img):
            if a is scope:
                break
            between.append(a)
        if any(tag_of(a) in ("nav", "footer", "aside") or _is_teaser_box(a) for a in between):
            continue  # navigation, related stories, promos, comments
        if tag_of(img.getparent()) == "amp-img" if img.getparent() is not None else False:
            continue
        ns = next((a for a in iter_ancestors(img) if tag_of(a) == "noscript"), None)
        holder = ns.getparent() if ns is not None else None
        if holder is not None:
            if holder not in has_plain_img:
                has_plain_img[holder] = any(
                    not any(tag_of(x) == "noscript" for x in iter_ancestors(i))
                    for i in holder.iter("img", "amp-img"))
            if has_plain_img[holder]:
                continue  # the <noscript> fallback of a lazy image already seen
        url = image_url(img, base)
        if not url or url in seen or _SKIP_IMG_RE.search(urlsplit(url).path.rsplit("/", 1)[-1]):
            continue
        try:
            w = int(re.sub(r"\D", "", img.get("width") or "0") or 0)
        except ValueError:
            w = 0
        if 0 < w < 80:
            continue
        fig = None
        for a in iter_ancestors(img):
            if tag_of(a) in ("figure", "amp-carousel") or "figure" in (a.get("class") or "").lower():
                fig = a
                break
            if a is scope:
                break
        caption = figure_caption(fig) if fig is not None else None
        seen.add(url)
        images.append(ImageRef(url=url, alt=clean_text(img.get("alt") or ""), caption=caption,
                               role="lead" if not images else "figure"))
    og = absolute(og_image, base)
    if og and og not in seen and not images:
        images.append(ImageRef(url=og, role="lead"))
    return images


_TEASER_WORDS = {"related", "recirc", "recirculation", "promo", "teaser", "outbrain", "taboola", "sidebar",
                 "rail", "nav", "comment", "comments", "newsletter", "ad", "ads", "advert", "advertisement",
                 "sponsor", "sponsored", "trending", "popular", "avatar", "author", "byline", "logo", "share",
                 "social", "jp", "relatedposts"}


def _is_teaser_box(el: etree._Element) -> bool:
    raw = " ".join(el.get(k, "") for k in ("class", "id", "data-component", "data-testid"))
    if not raw.strip():
        return False
    words = {w.lower() for w in re.split(r"[-_:\s]+|(?<=[a-z])(?=[A-Z])", raw) if w}
    return bool(words & _TEASER_WORDS) or ("read" in words and ("more" in words or "next" in words))
