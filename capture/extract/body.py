"""Main text of a news page: paragraphs, subheads and list items, without boilerplate.

A news-structure-aware DOM extractor: find the article body container (``itemprop=
articleBody``, common body classes, ``<article>``, or the densest block of paragraphs),
linearise it without recursion, skip boilerplate subtrees (figures, captions, ads,
promos, newsletter boxes, share/comment furniture, bylines, pull-quotes), then drop
boilerplate paragraphs by text ("Advertisement", "Read more: ...", "Sources: ...").
When JSON-LD ``articleBody`` agrees with the page, paragraphs that it does not contain
are dropped.  trafilatura is the fallback when the DOM gives too little text.

Pure functions, thread-safe.  The tree is read only, never modified.
"""

from __future__ import annotations

import html as htmlmod
import itertools
import logging
import re
import threading
from dataclasses import dataclass

import lxml.etree as etree

from .dom import clean_text, iter_ancestors, short_text, tag_of, text_of

log = logging.getLogger(__name__)


@dataclass
class Block:
    """One paragraph of the body: kind is p, h2, h3, h4, li or blockquote."""

    kind: str
    text: str
    html: str  # inline HTML of the block (unsanitised; links and emphasis kept)
    element: etree._Element | None = None


BLOCK_TAGS = frozenset(
    ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "div", "section", "article", "main", "td", "th", "tr", "table", "ul", "ol", "dl", "header", "footer", "aside", "nav", "form", "figure", "figcaption", "address", "center", "hr", "br", "body", "html", "details", "summary", "amp-img", "img"]
)
SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "nav", "aside", "footer", "header", "form", "button", "select", "input", "textarea", "iframe", "figure", "figcaption", "svg", "template", "dialog", "object", "embed", "video", "audio", "canvas", "map", "label", "menu", "amp-ad", "amp-sidebar", "amp-analytics", "amp-embed", "amp-iframe", "amp-social-share", "amp-carousel", "amp-video", "amp-audio", "amp-consent", "amp-user-notification", "time", "h1", "cite"]
)

# boilerplate class/id words (compared against words of class tokens split on - and _)
_BAD_WORDS = {
    "ad", "ads", "adslot", "adunit", "advert", "advertisement", "advertising", "arcad", "banner",
    "breadcrumb", "breadcrumbs", "byline", "bylines", "author", "authors", "caption", "captions",
    "comment", "comments", "commentlist", "consent", "cookie", "cookies", "credit", "credits",
    "cta", "dek", "deck", "disqus", "donate", "donation", "kicker", "eyebrow", "footer", "share",
    "sharing", "sharebar", "social", "sidebar", "rail", "related", "relatedposts", "recirc",
    "recirculation", "newsletter", "newsletters", "signup", "subscribe", "subscription",
    "subscriber", "paywall", "promo", "promoted", "sponsor", "sponsored", "outbrain", "taboola",
    "trending", "popular", "recommended", "recommendations", "toolbar", "tools", "storytools",
    "modal", "popup", "overlay",
    "widget", "nav", "navbar", "navigation", "menu", "masthead", "timestamp",
    "pullquote", "standfirst", "subtitle", "contributor", "contributors", "tags", "tag", "topics", "membership", "skip",
    "screenreader", "player", "audio", "video", "teaser",
    "readmore", "copyright", "meta", "posted", "published", "updated", "bio", "actions",
    "ufi", "like", "alert", "scorestrip", "boxscore", "ticker", "weatherbar",
    "preamble", "correction", "disclaimer", "gallery", "inset", "hero", "figure", "overline",
    "media", "image", "photo", "thumbnail", "embed", "onward", "speechify",
    "sronly", "notice", "pencraft", "storyhead", "rubric", "twitter", "tweet", "instagram",
    "tiktok", "facebook", "youtube", "iframe", "podcast",
}
# words that keep an element even if a bad word is present (e.g. "article-body media")
_GOOD_WORDS = {"articlebody", "storybody", "entrycontent", "postbody", "bodytext", "storytext"}
_BAD_PAIRS = (("read", "more"), ("more", "stories"), ("most", "read"), ("pull", "quote"),
              ("key", "takeaways"), ("read", "next"), ("sign", "up"), ("sr", "only"),
              ("screen", "reader"), ("visually", "hidden"), ("post", "meta"), ("you", "might"))
_KEEP_WORDS = {"key", "points", "keypoints"}  # liveblog key points are body
_COMMENT_WORDS = {"comment", "comments", "commentlist", "disqus", "discussion", "replies", "reply"}
_TEXT_BLOCK_TAGS = frozenset({"p", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "pre", "td"})
_COMMENT_PREFIX_RE = re.compile(r"comment(?!ar|at)")
_INLINE_TAGS = frozenset(
    {"span", "a", "b", "strong", "em", "i", "u", "small", "font", "abbr", "mark", "sup", "sub", "q", "s", "label"}
)
# inside a paragraph, only plain furniture is dropped (a "dateline" or "author" span is text)
_INLINE_BAD_WORDS = {"ad", "ads", "advert", "advertisement", "share", "sharing", "social", "promo",
                     "newsletter", "subscribe", "sponsor", "sponsored", "screenreader", "sronly"}
_SUBSTRING_BAD_RE = re.compile(r"advert|newsletter|promo|sponsor|subscri|outbrain|taboola|recirc|related|cookie|consent")

_BODY_HINT_RE = re.compile(
    r"(?:^|[\s_-])(?:article[-_]*body|articlebody|story[-_]*body|storybody|story[-_]*text|"
    r"storytext|entry[-_]*content|post[-_]*body|post[-_]*content|article[-_]*content|"
    r"article[-_]*text|body[-_]*text|bodytext|field--name-body|rich[-_]*text|story[-_]*content|"
    r"c-entry-content|content[-_]*body|main[-_]*text|text[-_]*formatted|"
    r"feature[-_]*body|markup)(?:$|[\s_-]|(?=[A-Z]))",
    re.I,
)

_WORD_SPLIT_RE = re.compile(r"[-_:\s]+|(?<=[a-z])(?=[A-Z])")


def _class_words(el: etree._Element) -> list[str]:
    raw = " ".join(
        el.get(k, "") for k in ("class", "id", "role", "data-testid", "data-component", "aria-label")
    )
    return [w.lower() for w in _WORD_SPLIT_RE.split(raw) if w]


_LOCAL = threading.local()


def _memo() -> dict | None:
    return getattr(_LOCAL, "memo", None)


def is_boilerplate_el(el: etree._Element) -> bool:
    """True when the element's tag, role or class/id words mark it as page furniture.

    Verdicts are memoised per element for the duration of one :func:`extract_body_parts`
    call (the memo is cleared when it returns); thread-local, see ``_memo``.
    """
    memo = _memo()
    if memo is not None:
        r = memo.get(el)
        if r is None:
            r = memo[el] = _is_boilerplate_el(el)
        return r
    return _is_boilerplate_el(el)


_APPEAL_HREF_RE = re.compile(
    r"^#/portal|/(?:subscribe|subscription|subscriptions|signup|sign-up|register|join|membership|members|"
    r"become-a-member|donate|donation|donations|contribute|contribution|support|support-us|give|giving)(?:[/?#.]|$)",
    re.I,
)
_APPEAL_TEXT_RE = re.compile(
    r"\b(?:member(?:ship)?|subscri\w*|donat\w*|support\w*|contribut\w*|reader-supported|funded by readers|"
    r"miembro|suscr[ií]b\w*|apoy\w*|abonn\w*|unterst[uü]tz\w*|spende\w*)\b",
    re.I,
)


def is_appeal_box(el: etree._Element) -> bool:
    """A short box asking the reader to subscribe, donate or become a member.

    Every link in it leads to a membership, subscription or donation page and its text
    asks for support ("Become a member for $5 a month", "consider supporting our
    journalism"), whatever its class names.
    """
    if tag_of(el) not in ("div", "section", "aside", "p"):
        return False
    t = short_text(el, 500)
    if not t or not _APPEAL_TEXT_RE.search(t):
        return False
    hrefs = [(a.get("href") or "").strip() for a in el.iter("a")]
    return bool(hrefs) and all(h and _APPEAL_HREF_RE.search(h) for h in hrefs)


def _is_boilerplate_el(el: etree._Element) -> bool:
    tag = tag_of(el)
    if tag in ("time", "cite"):
        # inside a sentence they are words ("on <time>Monday</time>"); alone, a timestamp or credit
        parent = el.getparent()
        while parent is not None and tag_of(parent) in _INLINE_TAGS:
            parent = parent.getparent()
        return parent is None or tag_of(parent) not in _TEXT_BLOCK_TAGS
    if tag in SKIP_TAGS:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    role = (el.get("role") or "").lower()
    if role in ("navigation", "complementary", "banner", "contentinfo", "dialog", "alert", "search"):
        return True
    if (el.get("itemprop") or "").lower() == "articlebody":
        return False
    if is_appeal_box(el):
        return True
    words = _class_words(el)
    if not words:
        return False
    joined = "".join(words)
    if any(g in joined for g in _GOOD_WORDS):
        return False
    if set(words) & _KEEP_WORDS:
        return False
    ws = set(words)
    if tag in _INLINE_TAGS:
        return bool(ws & _INLINE_BAD_WORDS) or ("visually" in ws and "hidden" in ws) or (
            "sr" in ws and "only" in ws)
    comments = bool(ws & _COMMENT_WORDS) or any(_COMMENT_PREFIX_RE.match(w) for w in ws)
    hit = (bool(ws & _BAD_WORDS) or comments
           or any(x in ws and y in ws for x, y in _BAD_PAIRS) or bool(_SUBSTRING_BAD_RE.search(joined)))
    if hit and not comments and _looks_like_article(el, ws):
        return False
    if (hit and ws & _PAYWALL_WORDS and not (ws & (_BAD_WORDS - _PAYWALL_WORDS))
            and not any(x in ws and y in ws for x, y in _BAD_PAIRS) and _has_long_paragraphs(el)):
        return False  # paywalled article text ("subscriber-premium"), not a subscribe box
    return hit


_PAYWALL_WORDS = {"subscriber", "subscription", "paywall", "membership", "premium", "meter", "locked"}


def _has_long_paragraphs(el: etree._Element, n: int = 3) -> bool:
    long_ps = 0
    for p in el.iter("p"):
        if len(text_of(p)) >= 100:
            long_ps += 1
            if long_ps >= n:
                return True
    return False


def _looks_like_article(el: etree._Element, words: set[str]) -> bool:
    """An element holding the article itself despite a furniture-like class ("newsletter-post")."""
    if not (tag_of(el) == "article" or words & {"article", "story", "post", "entry"}):
        return False
    return el.find(".//h1") is not None or _has_long_paragraphs(el)


# ---------------------------------------------------------------- container choice

def _p_score(el: etree._Element) -> int:
    return _text_score(text_of(el))


def _text_score(t: str) -> int:
    n = len(t)
    if n < 25:
        return 0
    commas = t.count(",") + t.count(".")
    return n + 20 * commas


def _content_scores(body: etree._Element) -> tuple[dict, dict]:
    """(direct score per parent, cumulative score per ancestor) of article-like text blocks."""
    direct: dict[etree._Element, float] = {}
    total: dict[etree._Element, float] = {}
    bad_cache: dict[etree._Element, bool] = {}

    def bad(el: etree._Element) -> bool:
        r = bad_cache.get(el)
        if r is None:
            r = bad_cache[el] = is_boilerplate_el(el)
        return r

    for p in body.iter("p", "li", "pre", "dd"):
        t = text_of(p)
        s = _text_score(t)
        if not s or is_boilerplate_text(t):
            continue
        if tag_of(p) == "li":
            links = sum(len(text_of(a)) for a in p.iter("a"))
            if links > 0.5 * len(text_of(p)):
                continue
            s *= 0.5
        ancestors = list(iter_ancestors(p))
        if any(bad(a) for a in ancestors):
            continue
        parent = ancestors[0] if ancestors else None
        if parent is None:
            continue
        direct[parent] = direct.get(parent, 0) + s
        if len(ancestors) > 1:
            direct[ancestors[1]] = direct.get(ancestors[1], 0) + s / 2
        for a in ancestors:
            total[a] = total.get(a, 0) + s
    # text written straight into a div or cell, paragraphs split by <br> (legacy CMSs)
    for el in body.iter("div", "td", "section", "article", "font", "center"):
        own = (el.text or "") + "".join((c.tail or "") for c in el if isinstance(c.tag, str))
        if len(own) < 80 or len(own.strip()) < 80:
            continue
        s = _text_score(clean_text(own))
        ancestors = list(iter_ancestors(el))
        if is_boilerplate_el(el) or any(bad(a) for a in ancestors):
            continue
        direct[el] = direct.get(el, 0) + s
        for a in [el, *ancestors]:
            total[a] = total.get(a, 0) + s
    return direct, total


def find_container(root: etree._Element) -> etree._Element | None:
    """The element that holds the article text."""
    return find_container_scored(root)[0]


def find_container_scored(root: etree._Element) -> tuple[etree._Element | None, float]:
    """The container and the share of the page's article-like text it holds (0..1)."""
    body = root.find(".//body")
    if body is None:
        body = root
    direct, total = _content_scores(body)
    best = max(direct, key=direct.get) if direct else None
    # explicit article body markers
    hinted = []
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if "articlebody" in ((el.get("itemprop") or "") + (el.get("property") or "") + (el.get("name") or "")).lower():
            hinted.append(el)
            continue
        cls = " ".join(el.get(k, "") for k in ("class", "id", "data-testid"))
        if cls and _BODY_HINT_RE.search(cls) and not is_boilerplate_el(el):
            hinted.append(el)
    from_hint = False
    if hinted:
        hinted_set = set(hinted)
        outer = [h for h in hinted if not any(a in hinted_set for a in iter_ancestors(h))]
        outer = [h for h in outer if total.get(h, 0) > 0]
        if outer:
            h = outer[0] if len(outer) == 1 else _common_ancestor(outer)
            if len(outer) > 1 and _count_h1(h) > 1:
                # several stories on one page (infinite scroll): the first one's parts only
                story = next((a for a in iter_ancestors(outer[0]) if a.find(".//h1") is not None), None)
                mine = [x for x in outer if story is not None and any(a is story for a in iter_ancestors(x))]
                h = mine[0] if len(mine) == 1 else (_common_ancestor(mine) if mine else outer[0])
            if best is None or total.get(h, 0) >= 0.5 * total.get(best, 0):
                best = h
                from_hint = len(outer) == 1  # several marked parts (split body, live-blog posts) may grow
    page_total = total.get(body, 0.0) or 1.0
    if best is None:
        return body, 1.0
    # climb while an ancestor adds article-like text (bodies split by ads, live blogs)
    chosen = best
    for a in iter_ancestors(best):
        gain = total.get(a, 0) - total.get(chosen, 0)
        if gain > 0 and _count_h1(a) > 1:
            break  # another story below (infinite scroll): stay with this one
        if a is body or tag_of(a) in ("body", "html"):
            # the whole page only when the text really is spread over it
            if gain >= max(150.0, 0.3 * total.get(chosen, 0)):
                chosen = a
            break
        # a marked article body only grows for substantial text (a dek is not enough)
        if gain >= (max(150.0, 0.25 * total.get(chosen, 0)) if from_hint else max(60.0, 0.05 * total.get(chosen, 0))):
            chosen = a
    return chosen, total.get(chosen, 0.0) / page_total


def _count_h1(el: etree._Element) -> int:
    return sum(1 for _ in el.iter("h1"))


def _common_ancestor(els: list[etree._Element]) -> etree._Element:
    paths = []
    for e in els:
        chain = [e, *iter_ancestors(e)]
        chain.reverse()
        paths.append(chain)
    common = paths[0][0]
    for i in range(min(len(p) for p in paths)):
        nodes = {id(p[i]) for p in paths}
        if len(nodes) == 1:
            common = paths[0][i]
        else:
            break
    return common


# ---------------------------------------------------------------- linearisation

_BLOCK_KIND = {"p": "p", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4", "li": "li",
               "blockquote": "blockquote", "pre": "p", "dd": "p", "dt": "p", "address": "p",
               "td": "p", "th": "p", "summary": "p"}


def _inline_html(el: etree._Element) -> str:
    """Inline HTML (text plus a/b/i/em/strong/br) of a leaf block, without its tail."""
    parts = [htmlmod.escape(el.text or "")]
    for child in el:
        if not isinstance(child.tag, str):
            parts.append(htmlmod.escape(child.tail or ""))
            continue
        tag = tag_of(child)
        inner = htmlmod.escape(text_of(child))
        if tag in SKIP_TAGS or is_boilerplate_el(child):
            inner = ""
            parts.append(htmlmod.escape(child.tail or ""))
            continue
        if tag == "a" and child.get("href"):
            parts.append(f'<a href="{htmlmod.escape(child.get("href"), quote=True)}">{inner}</a>')
        elif tag in ("b", "strong", "i", "em"):
            parts.append(f"<{tag}>{inner}</{tag}>")
        elif tag == "br":
            parts.append("<br>")
        else:
            parts.append(inner)
        parts.append(htmlmod.escape(child.tail or ""))
    return clean_text("".join(parts))


def linearise(container: etree._Element) -> list[Block]:
    """Blocks of the container in document order, boilerplate subtrees skipped."""
    blocks: list[Block] = []
    buf: list[str] = []
    state = {"kind": "p", "el": None}

    def flush(kind: str | None = None, el: etree._Element | None = None) -> None:
        text = clean_text("".join(buf))
        buf.clear()
        if text:
            k = state["kind"]
            e = state["el"]
            html = htmlmod.escape(text)
            if e is not None and len(text) < 20_000 and len(text) >= len(text_of(e)) - 2:
                html = _inline_html(e)
            blocks.append(Block(k, text, html, e))
        state["kind"] = kind or "p"
        state["el"] = el

    media_boxes = _media_boxes(container)
    walker = etree.iterwalk(container, events=("start", "end"))
    stack_block: list[etree._Element] = []
    for event, el in walker:
        if not isinstance(el.tag, str):
            if event == "end" and el is not container:
                buf.append(el.tail or "")
            continue
        tag = tag_of(el)
        if event == "start":
            if tag == "h1":
                flush()
                blocks.append(Block("h1", text_of(el), "", el))
            if el is not container and (is_boilerplate_el(el) or el in media_boxes):
                fig = _figure_block(el) if (tag == "figure" or el in media_boxes) else None
                if fig is not None:
                    flush()
                    blocks.append(fig)
                elif tag in BLOCK_TAGS and tag != "br" and state["el"] is None:
                    flush()  # a skipped box between <br>-separated paragraphs ends the one before it
                walker.skip_subtree()
                # the 'end' event still fires for skipped elements in lxml; tail handled there
                continue
            if tag in BLOCK_TAGS:
                kind = _BLOCK_KIND.get(tag, "p")
                if tag == "br":
                    continue
                flush(kind, el if tag in _BLOCK_KIND else None)
                stack_block.append(el)
            buf.append(el.text or "")
        else:
            if tag == "br":
                # a double <br> outside a paragraph separates paragraphs
                if state["el"] is None and (el.tail or "").strip() == "" and el.getnext() is not None and tag_of(el.getnext()) == "br" or state["el"] is None and _prev_is_br(el):
                    flush()
                else:
                    buf.append(" ")
            elif tag in BLOCK_TAGS and stack_block and stack_block[-1] is el:
                stack_block.pop()
                flush("p", None)
            if el is not container:
                buf.append(el.tail or "")
    flush()
    return blocks


_MEDIA_TAGS = ("img", "amp-img", "picture", "video", "amp-video")


def _figure_block(el: etree._Element) -> Block | None:
    """A figure of the body for the reader (image and caption); never part of the text."""
    from .images import figure_caption, image_url

    for img in el.iter("img", "amp-img"):
        url = image_url(img, None) or img.get("src")
        if not url or url.startswith("data:"):
            continue
        caption = figure_caption(el) if tag_of(el) == "figure" else short_text(el, 300)
        cap = f"<figcaption>{htmlmod.escape(caption)}</figcaption>" if caption else ""
        alt = htmlmod.escape(img.get("alt") or "", quote=True)
        html = f'<figure><img src="{htmlmod.escape(url, quote=True)}" alt="{alt}">{cap}</figure>'
        return Block("figure", "", html, el)
    return None


def _media_boxes(container: etree._Element) -> set[etree._Element]:
    """Small blocks around an image (image + caption/credit), to be left out of the text."""
    boxes: set[etree._Element] = set()
    for img in container.iter(*_MEDIA_TAGS):
        box = None
        for depth, a in enumerate(iter_ancestors(img)):
            if a is container or depth > 3 or tag_of(a) in ("p", "body", "article", "main"):
                break
            t = short_text(a, 300)
            if t is None or any(len(text_of(p)) >= 120 for p in a.iter("p")):
                break
            if tag_of(a) in ("td", "div", "table", "span", "a", "center", "section", "li"):
                box = a
        if box is not None:
            boxes.add(box)
    return boxes


def _prev_is_br(el: etree._Element) -> bool:
    prev = el.getprevious()
    return prev is not None and tag_of(prev) == "br" and not (prev.tail or "").strip()


# ---------------------------------------------------------------- paragraph filters

_BOILER_TEXT_RES = [re.compile(p, re.I) for p in (
    r"^(?:advertisement|advertising|sponsored|ad|story continues below(?: this)? (?:advertisement|ad)|"
    # the ad label in Spanish, German, French, Italian, Dutch and Portuguese
    r"publicidad|anuncio|anzeige|werbung|publicit[eé]|pubblicit[aà]|advertentie|reclame|publicidade|"
    r"continue reading below|article continues below|scroll to continue|continue reading)\W*$",
    r"^(?:advertisement\s*)?skip (?:advertisement|ad)\W*$|^(?:site index|site map|skip to (?:content|main content|navigation|site index))\W*$",
    r"^(?:read|see|watch|listen|also read|related|more|read more|recommended|must read|don't miss|"
    r"related coverage|related stories|further reading|more coverage|related article)\s*:",
    r"^(?:read|see) (?:more|also|next)\b.{0,120}$",
    r"^(?:also read|also see|related (?:stories|articles|coverage|content|links|posts|reading)|"
    r"more (?:stories|from [\w ]{1,30}|on this(?: story| topic)?|coverage)|you (?:may|might) (?:also )?(?:like|enjoy)|"
    r"recommended(?: for you| stories| articles| reading)?|most (?:read|popular|viewed|shared)|trending(?: now)?|top stories|"
    r"editor'?s picks|read next|up next|what to read next|latest (?:news|stories)|related topics|"
    r"more on this (?:story|topic)|"
    # the same recirculation labels in Spanish, German, French, Italian and Portuguese
    r"noticias relacionadas|te puede interesar|m[aá]s noticias|lo m[aá]s le[ií]do|lesen sie auch|"
    r"mehr zum thema|das k[oö]nnte sie auch interessieren|meistgelesen|[aà] lire aussi|lire aussi|"
    r"sur le m[eê]me sujet|leggi anche|potrebbe interessarti|leia tamb[eé]m|not[ií]cias relacionadas)\b\W*$",
    r"^(?:sign up|subscribe|get the|get our|join)\b.{0,200}(?:newsletter|inbox|briefing|sign up|subscribe)",
    r"(?:newsletter|inbox).{0,80}(?:sign up|subscribe)\W*$",
    r"^(?:share|share this|share on|follow us|follow|tweet|email|print|copy link|comments?)\b[^.]{0,30}$",
    r"^(?:photo|photograph|image|picture|credit|photo credit|illustration|video|graphic)s?\s*(?:by)?\s*[:/]",
    r"^\(?(?:photo|photograph|image|picture)s? by\b.{0,80}\)?$",
    r"^(?:sources?|credits?|image sources?|further reading|references)\s*:",
    r"^(?:filed under|tagged(?: with)?|tags|topics|categories|posted in)\s*:.{0,200}$",
    r"^(?:this (?:story|article) (?:originally )?(?:appeared|was (?:first )?published|was produced|is part)|"
    r"originally published|a version of this (?:story|article))\b",
    r"^(?:by|written by|posted by)\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}(?:\s*(?:,|and|&)\s*[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})*\s*\.?$",
    r"^(?:updated|published|posted|last updated|first published)\b.{0,50}\d[^.]{0,20}(?:[ap]\.m\.)?[^.]{0,10}$",
    r"^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))|^.{0,80}all rights reserved\.?$",
    r"^(?:click here|tap here|download (?:the|our) (?:[\w&'-]+ ){0,5}app|get the app|listen to this article|\d+ min read)\b",
    r"^(?:we use cookies|this site uses cookies|by continuing to use)",
    r"^(?:our|editorial) standards\s*:",
    r"^(?:loading\W*$|please enable javascript)",
    r"^(?:have a (?:news )?tip|got a tip|contact (?:the )?(?:author|reporter))\b",
)]


_DATE_WORDS_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|\b(?:mon|tue|tues|wed|thu|thur|thurs|"
    r"fri|sat|sun)[a-z]*\.?|\b[ap]\.m\.|\b(?:updated|published|posted|last|modified|at|on|am|pm|"
    r"[ecmp][sd]t|gmt|utc|bst|cet|cest|et|pt|ct|mt|today|yesterday|ago|hours?|minutes?|mins?)\b|\d+",
    re.I,
)


def is_date_line(text: str) -> bool:
    """"Nov 7, 2023", "Updated 4:52 p.m. PST": a date or time and nothing else."""
    if len(text) > 80 or not re.search(r"\d", text):
        return False
    return not re.sub(r"[\W_]+", "", _DATE_WORDS_RE.sub("", text))


def is_boilerplate_text(text: str) -> bool:
    t = text.strip()
    if not t:
        return True
    if len(t) > 1500:
        return False  # furniture is short
    if is_date_line(t):
        return True
    return any(r.search(t) for r in _BOILER_TEXT_RES)


def _norm_tokens(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def filter_blocks(blocks: list[Block], title: str | None, article_body: str | None) -> list[Block]:
    out: list[Block] = []
    seen: set[str] = set()
    title_key = " ".join(_norm_tokens(title or ""))
    h1_at = next((i for i, b in enumerate(blocks) if b.kind == "h1"), None)
    if h1_at is not None and any(b.kind == "p" and len(b.text.split()) >= 12 for b in blocks[h1_at:]):
        # what precedes the headline is kicker/section furniture; headings right after it are deks
        rest = blocks[h1_at + 1 :]
        while rest and rest[0].kind in ("h2", "h3", "h4", "h5", "h6"):
            rest = rest[1:]
        box = headline_box(blocks[h1_at].element, rest)
        if box is not None:
            # the dek, byline and date lines that share the headline's box
            rest = [b for b in rest if b.element is None or box not in set(iter_ancestors(b.element))]
        dek = before_byline(blocks[h1_at].element)
        if dek:
            # summary bullets and decks set between the headline and the byline
            rest = [b for b in rest if b.element is None or not (dek & {b.element, *iter_ancestors(b.element)})]
        blocks = rest
    blocks = [b for b in blocks if b.kind != "h1"]
    figures = {id(b) for b in blocks if b.kind == "figure"}
    under_label = False
    for b in blocks:
        if id(b) in figures:
            out.append(b)
            continue
        if _LINK_LIST_LABEL_RE.match(b.text):
            under_label = True
            continue
        if under_label and b.kind in ("li", "p") and _is_link_only(b):
            continue  # "Read more:" followed by links to other stories (on any site)
        under_label = False
        key = " ".join(_norm_tokens(b.text)) if len(b.text) < 20_000 else b.text
        if not key or key in seen:
            continue
        if key == title_key:
            continue
        if is_boilerplate_text(b.text):
            continue
        seen.add(key)
        out.append(b)
    # pull-quotes repeating a body paragraph's words
    if article_body:
        ab = " " + " ".join(_norm_tokens(article_body)) + " "
        covered = [b.kind == "figure" or (len(b.text) < 20_000 and (" " + " ".join(_norm_tokens(b.text)) + " ") in ab)
                   for b in out]
        ab_tokens = len(ab.split())
        in_tokens = sum(len(b.text.split()) for b, c in zip(out, covered, strict=True) if c)
        dom_tokens = sum(len(b.text.split()) for b in out)
        # only a full articleBody (not a teaser or paywall excerpt) may veto page paragraphs
        if ab_tokens and in_tokens >= 0.8 * ab_tokens and ab_tokens >= 0.8 * dom_tokens:
            out = [b for b, c in zip(out, covered, strict=True) if c]
    # pull-quotes: a short block repeating words of a longer paragraph
    out = _without_pull_quotes(out)
    # teaser links to other stories on the same site ("Ferry operator apologises ...")
    out = [b for b in out if not (b.kind in ("li", "p") and len(b.text.split()) <= 15 and _is_link_only(b, internal_only=True))]
    # drop trailing short link-only lines and furniture labels ("Reuse this content", "Topics")
    while out and out[-1].kind != "figure" and (
        (len(out[-1].text) < 60 and out[-1].kind in ("p", "li") and _is_link_only(out[-1]))
        or (len(out[-1].text.split()) <= 5 and not re.search(r"[.!?,\"”’)]$", out[-1].text)
            and _FURNITURE_LABEL_RE.search(out[-1].text))
    ):
        out.pop()
    return out


# Block pairs the pull-quote rule may compare on one page. Every short block is compared
# with every longer one: quadratic, which a page of 100,000 paragraphs turned into
# minutes (docs/reliability.md J5). A 300-paragraph article needs under 50,000.
PULL_QUOTE_BUDGET = 1_000_000


def _without_pull_quotes(blocks: list[Block]) -> list[Block]:
    """``blocks`` without pull-quotes: a short block whose words are all in a longer one.
    At most :data:`PULL_QUOTE_BUDGET` comparisons; past it the remaining blocks stay."""
    keys = [" " + " ".join(_norm_tokens(b.text)) + " " if len(b.text) < 20_000 else "" for b in blocks]
    by_length = sorted(range(len(blocks)), key=lambda j: len(keys[j]), reverse=True)
    budget = PULL_QUOTE_BUDGET
    out = []
    for i, b in enumerate(blocks):
        if budget > 0 and b.kind in ("blockquote", "p", "h3", "h4") and 6 <= len(b.text.split()) <= 40:
            key = keys[i]
            found = False
            for j in by_length:  # longest first: stop at the first block not longer
                if len(keys[j]) <= len(key):
                    break
                budget -= 1
                if key in keys[j]:
                    found = True
                    break
            if budget <= 0:
                log.info("body: pull-quote check stopped after %d comparisons", PULL_QUOTE_BUDGET)
            if found:
                continue
        out.append(b)
    return out


_BYLINE_WORDS = {"byline", "bylines", "author", "authors"}


def before_byline(h1: etree._Element | None) -> set[etree._Element]:
    """Siblings between the headline and a short byline box that follows it (deks, summary
    bullets); empty when no byline box follows the headline among its next few siblings."""
    if h1 is None:
        return set()
    between: list[etree._Element] = []
    for sib in itertools.islice(h1.itersiblings(), 6):
        if not isinstance(sib.tag, str):
            continue
        t = short_text(sib, 300)
        if t is not None and (set(_class_words(sib)) & _BYLINE_WORDS or any(
                set(_class_words(d)) & _BYLINE_WORDS for d in sib.iterdescendants() if isinstance(d.tag, str))):
            if all(short_text(x, 600) is not None for x in between):
                return set(between)
            return set()
        between.append(sib)
    return set()


def headline_box(h1: etree._Element | None, rest: list[Block]) -> etree._Element | None:
    """The largest short element around the headline that holds none of the article's text.

    Article headers group the headline with its dek, byline, dates and share buttons in
    one box ahead of the body; whatever else sits in that box is not article text.
    """
    if h1 is None:
        return None
    first = next((b.element for b in rest if b.kind == "p" and b.element is not None
                  and len(b.text.split()) >= 25), None)
    if first is None:
        return None
    first_up = set(iter_ancestors(first))
    box = None
    for a in iter_ancestors(h1):
        if a in first_up or tag_of(a) in ("body", "html") or short_text(a, 500) is None:
            break
        box = a
    return box


_LINK_LIST_LABEL_RE = re.compile(
    r"^(?:read more|more|related|related (?:stories|articles|links|coverage)|see also|also read|read also|"
    r"further reading|more on this(?: story)?|more stories|recommended)\s*:?\s*$", re.I)
_FURNITURE_LABEL_RE = re.compile(
    r"\b(?:reuse|topics?|related|share|sharing|tags?|comments?|more|follow|explore|most|popular|read|"
    r"newsletters?|subscribe|advertisement|print|reprints?|permissions|licensing|feedback|report)\b",
    re.I,
)


def _is_link_only(b: Block, internal_only: bool = False) -> bool:
    el = b.element
    if el is None:
        return False
    anchors = list(el.iter("a"))
    if internal_only and not all(
        (a.get("href") or "").startswith("/") and not (a.get("href") or "").startswith("//") for a in anchors
    ):
        return False
    links = "".join(text_of(a) for a in anchors)
    return len(links) >= (0.9 if internal_only else 0.8) * len(b.text)


_FOOTER_RE = re.compile(
    r"^\s*(?:sources?|further reading|references|photo credits?|image credits?|credits?|image sources?|"
    r"photos?|top image|lead image|header image)\s*[:,]", re.I)


@dataclass
class BodyParts:
    container: etree._Element | None
    blocks: list[Block]
    footers: list[tuple[str, list[tuple[str, str]]]]  # ("Sources: ...", [(href, link text)])


def _footer_lines(raw: list[Block]) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for b in raw:
        if _FOOTER_RE.match(b.text):
            links = []
            if b.element is not None:
                links = [((a.get("href") or "").strip(), text_of(a)) for a in b.element.iter("a")]
            out.append((b.text, links))
    return out


def extract_body_parts(root: etree._Element, title: str | None = None, article_body: str | None = None,
                       authors: list[str] | None = None) -> BodyParts:
    """The article paragraphs (see module docstring), the container and footer lines."""
    _LOCAL.memo = {}
    try:
        return _extract_body_parts(root, title, article_body)
    finally:
        _LOCAL.memo = None


def _extract_body_parts(root: etree._Element, title: str | None, article_body: str | None) -> BodyParts:
    container, coverage = find_container_scored(root)
    if container is None:
        return BodyParts(None, [], [])
    raw = linearise(container)
    footers = _footer_lines(raw)
    blocks = filter_blocks(raw, title, article_body)
    words = sum(len(b.text.split()) for b in blocks)
    if words < 50 and article_body and len(article_body.split()) > words:
        paras = [clean_text(p) for p in re.split(r"\n\s*\n|\n", article_body) if clean_text(p)]
        return BodyParts(container, [Block("p", p, htmlmod.escape(p)) for p in paras], footers)
    if (words < 80 or coverage < 0.5) and _element_count(root, SECOND_OPINION_MAX_ELEMENTS + 1) <= SECOND_OPINION_MAX_ELEMENTS:
        # unusual page of ordinary size: ask the reference extractor for a second opinion
        fallback = filter_blocks(trafilatura_blocks(root), title, article_body)
        other = sum(len(b.text.split()) for b in fallback)
        if other > 1.5 * words + 20:
            log.info("body: trafilatura fallback (%d words vs %d, coverage %.2f)", other, words, coverage)
            return BodyParts(container, fallback, footers)
    return BodyParts(container, blocks, footers)


SECOND_OPINION_MAX_ELEMENTS = 20_000  # trafilatura takes seconds to minutes on huge DOMs


def _element_count(root: etree._Element, cap: int) -> int:
    return sum(1 for _ in itertools.islice(root.iter(), cap))


def trafilatura_blocks(root: etree._Element) -> list[Block]:
    """trafilatura's main text, as blocks (the reference extractor; also the fallback).

    An empty list when trafilatura cannot run at all (a broken install fails at import):
    the page then keeps our own extraction.
    """
    try:
        import trafilatura
    except Exception as exc:  # noqa: BLE001 - a broken install (any import-time error)
        log.error("trafilatura cannot be imported, no second opinion: %s", exc)
        return []
    try:
        text = trafilatura.extract(
            etree.tostring(root, encoding="unicode"), include_comments=False, include_tables=False,
            favor_precision=True, deduplicate=False,
        )
    except Exception as exc:  # noqa: BLE001 - a library failure must not stop extraction
        log.warning("trafilatura failed: %s", exc)
        return []
    if not text:
        return []
    paras = [clean_text(p) for p in text.split("\n") if clean_text(p)]
    return [Block("p", p, htmlmod.escape(p)) for p in paras]
