"""HTML -> :class:`capture.types.Extracted`: metadata, body, quotes, sources, credits, images.

``extract(html, url)`` parses the page once (lxml, depth-capped, ``huge_tree``) and
shares the tree between the steps (only trafilatura's second opinion, on unusual pages
of at most 20,000 elements, parses its own copy: it edits the tree it reads).  It never
raises on bad markup: a page without article text yields an ``Extracted`` with empty
``text`` and a warning; a page over a work bound (``dom.MAX_ATTRIBUTES`` on one
element, ``dom.MAX_ELEMENTS``) is not read and says so in ``too_complex``.  Every step
is linear or capped in the page's size; the wall-clock bound is the caller's:
:mod:`capture.extract.bounded` runs this in a worker process killed at a deadline, and
the application reads pages only through it (docs/reliability.md J5).

Thread rules: pure function of its arguments; safe to call from any thread (each call
builds its own tree; the outlet gazetteer is loaded once and read only).
"""

from __future__ import annotations

import html as htmlmod
import logging
import re

from capture.types import Extracted

from .body import Block, extract_body_parts
from .credits import extract_credits
from .dom import TooComplex, clean_field, parse_html, text_of
from .images import article_scope, collect_images
from .metadata import extract_metadata, jsonld_nodes
from .quotes import extract_quotes
from .sanitize import sanitize_reader_html
from .sources import find_citations

__all__ = ["EXTRACTOR_VERSION", "extract", "sanitize_reader_html", "too_complex_result"]

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "1.1.0"
MAX_ANALYSED_PARAGRAPH = 50_000  # characters


def _body_links(blocks: list[Block], offsets: list[int]) -> list[tuple[str, str, int, int]]:
    links = []
    for b, off in zip(blocks, offsets, strict=True):
        if b.element is None:
            continue
        for a in b.element.iter("a"):
            href = (a.get("href") or "").strip()
            if not href:
                continue
            label = text_of(a)
            pos = b.text.find(label) if label else -1
            links.append((href, label, off + pos if pos >= 0 else -1, off + pos + len(label) if pos >= 0 else -1))
    return links


def _reader_html(blocks: list[Block], images, base_url: str | None) -> str:
    parts: list[str] = []
    lead = [i for i in images if i.role == "lead"]
    for img in lead[:1]:
        cap = f"<figcaption>{htmlmod.escape(img.caption)}</figcaption>" if img.caption else ""
        parts.append(f'<figure><img src="{htmlmod.escape(img.url, quote=True)}" alt="{htmlmod.escape(img.alt, quote=True)}">{cap}</figure>')
    lead_keys = {_image_key(i.url) for i in lead[:1]}
    in_list = False
    for b in blocks:
        if b.kind == "figure":
            m = re.search(r'src="([^"]+)"', b.html)
            if m and _image_key(htmlmod.unescape(m.group(1))) in lead_keys:
                continue
            if in_list:
                parts.append("</ul>")
                in_list = False
            parts.append(b.html)
            continue
        if b.kind == "li":
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{b.html}</li>")
            continue
        if in_list:
            parts.append("</ul>")
            in_list = False
        tag = b.kind if b.kind in ("p", "h2", "h3", "h4", "blockquote") else "p"
        parts.append(f"<{tag}>{b.html}</{tag}>")
    if in_list:
        parts.append("</ul>")
    return sanitize_reader_html("".join(parts), base_url)


TOO_COMPLEX = "too complex to read"


def too_complex_result(reason: str) -> Extracted:
    """The extraction of a page that was not read: no text, and why (one line)."""
    message = f"{TOO_COMPLEX}: {reason}"
    return Extracted(warnings=[message], too_complex=message)


def extract(html: str, url: str | None = None) -> Extracted:
    """Everything Cuttings understands of one HTML page (see module docstring).

    A page over the work bounds (:data:`capture.extract.dom.MAX_ATTRIBUTES`,
    :data:`~capture.extract.dom.MAX_ELEMENTS`) is not read: the result has no text and
    says why in ``too_complex``. The time bound is the caller's
    (:mod:`capture.extract.bounded`).
    """
    html = html or ""
    try:
        root = parse_html(html)
    except TooComplex as exc:
        log.info("page not read: %s", exc)
        return too_complex_result(str(exc))
    nodes = jsonld_nodes(root)
    md = extract_metadata(root, url, nodes)
    base = md.canonical_url if (md.canonical_url or "").startswith("http") and not url else url
    parts = extract_body_parts(root, md.title, md.article_body, md.authors)
    all_blocks = parts.blocks
    blocks = [b for b in all_blocks if b.kind != "figure"]
    text = "\n\n".join(b.text for b in blocks).replace("\x00", "")
    offsets: list[int] = []
    pos = 0
    for b in blocks:
        offsets.append(pos)
        pos += len(b.text) + 2
    paragraphs = list(zip(offsets, [b.text for b in blocks], strict=True))
    warnings: list[str] = []
    if not text.strip():
        warnings.append("no extractable text")
    # paragraphs no article has (a 12 MB text node) stay in the text, not in the analysis
    analysed, small, removed = _without_giant_paragraphs(paragraphs)
    if removed:
        warnings.append("very long paragraphs left out of quote and source analysis")
    links = [(h, lab, _to_analysed(s, removed), _to_analysed(e, removed)) for h, lab, s, e in _body_links(blocks, offsets)]
    quotes = _guarded("quotes", warnings, extract_quotes, analysed, small, md.title, md.authors)
    citations = _guarded("sources", warnings, find_citations, analysed, links,
                         parts.footers, md.publisher, url or md.canonical_url)
    if removed:
        for q in quotes:
            if q.start >= 0:
                q.start, q.end = _from_analysed(q.start, removed), _from_analysed(q.end, removed)
        for c in citations:
            c.mentions = [(_from_analysed(s, removed), _from_analysed(e, removed)) for s, e in c.mentions]
    og_image = None
    for m in root.iter("meta"):
        if (m.get("property") or m.get("name") or "").lower() in ("og:image", "twitter:image"):
            og_image = m.get("content")
            break
    images = collect_images(root, parts.container, base, og_image)
    credits = _guarded("credits", warnings, extract_credits, root, md.images,
                       article_scope(root, parts.container), [line for line, _ in parts.footers])
    for c in credits:
        for img in images:
            if (c.image_url and _same_image(c.image_url, img.url)) or (c.caption and img.caption and c.caption == img.caption):
                img.credit = img.credit or c.credit
                c.image_url = img.url
                break
    return _single_line_fields_cleaned(Extracted(
        title=md.title,
        authors=md.authors,
        published=md.published,
        modified=md.modified,
        publisher=md.publisher,
        language=md.language,
        description=md.description,
        canonical_url=md.canonical_url,
        text=text,
        reader_html=_reader_html(all_blocks, images, base),
        quotes=quotes,
        citations=citations,
        credits=credits,
        images=images,
        warnings=warnings,
    ))


def _single_line_fields_cleaned(ex: Extracted) -> Extracted:
    """Every single-line field through :func:`~capture.extract.dom.clean_field` (no
    controls, invisible format characters or bidi overrides), in one place, so that no
    step can forget it. The text and quotes are not touched: offsets point into them."""
    ex.title = clean_field(ex.title)
    ex.authors = [a for a in (clean_field(a) for a in ex.authors) if a]
    ex.publisher = clean_field(ex.publisher)
    ex.description = clean_field(ex.description)
    ex.language = clean_field(ex.language)
    for q in ex.quotes:
        q.speaker, q.role, q.cue = clean_field(q.speaker), clean_field(q.role), clean_field(q.cue)
    for c in ex.citations:
        c.name = clean_field(c.name) or c.name
        c.context = clean_field(c.context) or ""
    for cr in ex.credits:
        cr.credit = clean_field(cr.credit) or cr.credit
        cr.photographer, cr.provider = clean_field(cr.photographer), clean_field(cr.provider)
        cr.caption = clean_field(cr.caption)
    for img in ex.images:
        img.alt = clean_field(img.alt) or ""
        img.caption, img.credit = clean_field(img.caption), clean_field(img.credit)
    return ex


def _without_giant_paragraphs(paragraphs: list[tuple[int, str]]):
    """The text without paragraphs too long for any article (their place kept empty), the
    remaining (offset, paragraph) pairs in that text, and [(analysed offset, removed length)]."""
    parts: list[str] = []
    small: list[tuple[int, str]] = []
    removed: list[tuple[int, int]] = []
    pos = 0
    for _o, p in paragraphs:
        if len(p) > MAX_ANALYSED_PARAGRAPH:
            removed.append((pos, len(p)))
            p = ""
        else:
            small.append((pos, p))
        parts.append(p)
        pos += len(p) + 2
    return "\n\n".join(parts), small, removed


def _from_analysed(pos: int, removed: list[tuple[int, int]]) -> int:
    return pos + sum(n for at, n in removed if at <= pos)


def _to_analysed(pos: int, removed: list[tuple[int, int]]) -> int:
    if pos < 0:
        return pos
    out = pos
    for at, n in removed:
        if _from_analysed(at, removed) + n <= pos:
            out -= n
    return out


def _guarded(step: str, warnings: list[str], fn, *args):
    """Run one optional extraction step; a bug in it costs that step only, never the capture."""
    try:
        return fn(*args)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - logged and reported in warnings
        log.exception("extraction step %s failed", step)
        warnings.append(f"{step} extraction failed: {type(exc).__name__}")
        return []


def _image_key(u: str) -> str:
    return re.sub(r"[?#].*$", "", u).rsplit("/", 1)[-1].lower()


def _same_image(a: str, b: str) -> bool:
    return _image_key(a) == _image_key(b) or a.split("?")[0] == b.split("?")[0]
