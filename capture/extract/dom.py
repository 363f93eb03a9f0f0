"""Safe HTML parsing helpers shared by every extraction step.

The page is parsed once with lxml (``huge_tree`` so that a 12 MB text node is not
truncated silently) and the tree is shared by all steps.  Untrusted trees are never
walked recursively, copied, pickled or pretty-printed: a pre-pass flattens markup
nested deeper than :data:`MAX_DEPTH` before parsing.

All functions are pure and thread-safe (each call builds its own tree).
"""

from __future__ import annotations

import itertools
import logging
import re

import lxml.etree as etree
import lxml.html

log = logging.getLogger(__name__)

MAX_DEPTH = 200
_LIBXML_DEPTH_GUARD = 240
# Bounds on the work one page may cause (docs/reliability.md J5). libxml2 checks each
# attribute against the element's earlier ones (quadratic: 200,000 attributes on one
# element take minutes), and every step walks every element. No article comes near
# either bound; a page over one is kept as evidence, marked "too complex to read".
MAX_ATTRIBUTES = 500  # on one element
MAX_ELEMENTS = 250_000  # in the whole page

VOID_TAGS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*?(/?)>|<!--.*?-->", re.S)
_RAWTEXT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>")
# A start tag up to its closing ">" (quoted values may hold ">"): an unrolled loop, so a
# whole page is scanned at regex speed (about 5 ms per MB).
_START_TAG_RE = re.compile(r"""<[A-Za-z][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*""")
# One attribute: a name, optionally "=" and a value (as libxml2's HTML parser reads them).
_ATTRIBUTE_RE = re.compile(r"""[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


class TooComplex(Exception):
    """The page is over one of the work bounds (:data:`MAX_ATTRIBUTES`,
    :data:`MAX_ELEMENTS`); ``str(exc)`` says which, in one line."""


# C0 controls except tab, LF, FF and CR (whitespace, kept), DEL, C1 controls (U+0080-009F:
# CSI, OSC ... are terminal escapes too) and the non-characters U+FFFE/FFFF.
# NEL (U+0085) is a line break to str.split(): it becomes a space, as it always did.
_CONTROLS = [*range(0, 9), 11, *range(14, 32), 0x7F, *range(0x80, 0xA0), 0xFFFE, 0xFFFF]
_CONTROL_TABLE = {**dict.fromkeys(_CONTROLS), 0x85: " "}
# Deleted from all extracted text too: the invisible format characters that split a
# word without showing anything (a zero-width space inside "Jane Doe" made the name
# "Doe"): ZERO WIDTH SPACE, SOFT HYPHEN, WORD JOINER, the invisible math operators,
# ZERO WIDTH NO-BREAK SPACE (BOM).
_INVISIBLE = [0x00AD, 0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF]
_CLEAN_TABLE = {**_CONTROL_TABLE, **dict.fromkeys(_INVISIBLE)}
# ZERO WIDTH NON-JOINER / JOINER shape Persian, Indic and emoji text: kept between two
# characters of such scripts, deleted next to Latin letters, spaces or the text's ends.
_LATIN_OR_SPACE = r"\s\x00-\u024f"
_STRAY_JOINER_RE = re.compile(
    rf"(?<![^{_LATIN_OR_SPACE}])[\u200c\u200d]+|[\u200c\u200d]+(?![^{_LATIN_OR_SPACE}])")
# The bidirectional controls (marks, embeddings, overrides, isolates): U+202E shows
# "txt.exe" as "exe.txt", and "Jeremy <U+202E>Holt" hid the name from the speaker
# finder. Deleted from running text between Latin letters, spaces and the text's ends,
# where they only reorder or hide; kept inside right-to-left text, which needs them.
# Deleted everywhere in single-line fields (titles, names, credits): clean_field.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LATIN_BIDI_RE = re.compile(rf"(?<![^{_LATIN_OR_SPACE}])[{_BIDI}]+(?![^{_LATIN_OR_SPACE}])")
_HAS_BIDI_RE = re.compile(rf"[{_BIDI}\u200c\u200d]")
_BIDI_CODES = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_BIDI_TABLE = dict.fromkeys(_BIDI_CODES)
_CONTROL_AND_BIDI_TABLE = {**_CONTROL_TABLE, **_BIDI_TABLE}


def strip_controls(text: str, *, bidi: bool = False) -> str:
    """``text`` without control characters: C0 except tab, LF, FF and CR, DEL, C1 (NEL
    becomes a space) and U+FFFE/FFFF; with ``bidi`` also the bidirectional formatting
    controls (for titles and names; body text keeps them, right-to-left text needs them).
    Removes characters (or replaces one by one), so an offset shifts by the number
    removed before it. The one rule for imported text (docs/reliability.md J6); captured
    text gets it through :func:`clean_text`."""
    return text.translate(_CONTROL_AND_BIDI_TABLE if bidi else _CONTROL_TABLE)


def clean_text(text: str) -> str:
    """Strip control characters (:func:`strip_controls`) and invisible format
    characters; collapse whitespace.

    Every extracted text goes through here before any analysis (names, quotes, offsets),
    so the stored body text, which quote offsets point into, has none of them either.
    """
    text = text.translate(_CLEAN_TABLE)
    if _HAS_BIDI_RE.search(text):
        text = _LATIN_BIDI_RE.sub("", _STRAY_JOINER_RE.sub("", text))
    return " ".join(text.split())


def clean_field(text: str | None) -> str | None:
    """Clean a single-line field (title, author, publisher, speaker, credit, ...):
    :func:`clean_text`, and no bidirectional controls either. None stays None."""
    if text is None:
        return None
    return clean_text(text.translate(_BIDI_TABLE))


def flatten_deep_markup(html: str, max_depth: int = MAX_DEPTH) -> str:
    """Drop start/end tags nested deeper than ``max_depth`` (their text is kept).

    A single regex pass over the tags with a depth counter: linear time, no recursion.
    """
    out: list[str] = []
    pos = 0
    depth = 0
    for m in _TAG_RE.finditer(html):
        if m.group(2) is None:  # comment
            out.append(html[pos : m.start()])
            pos = m.end()
            continue
        closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3)
        out.append(html[pos : m.start()])
        pos = m.end()
        if name in VOID_TAGS or selfclose:
            if depth < max_depth:
                out.append(m.group(0))
            continue
        if closing:
            if depth <= max_depth:
                out.append(m.group(0))
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth <= max_depth:
                out.append(m.group(0))
            else:
                out.append(" ")
    out.append(html[pos:])
    return "".join(out)


def check_attribute_bound(html: str, limit: int = MAX_ATTRIBUTES) -> None:
    """Raise :class:`TooComplex` when one start tag has more than ``limit`` attributes.

    Linear: one regex pass over the start tags; only a tag long enough to hold more
    than ``limit`` attributes (two characters each at the least) has them counted.
    Runs before parsing, because the parse itself is what is quadratic.
    """
    shortest = 2 * limit
    for m in _START_TAG_RE.finditer(html):
        if m.end() - m.start() <= shortest:
            continue
        tag = m.group(0)
        name_end = 1
        while name_end < len(tag) and not tag[name_end].isspace() and tag[name_end] not in "/>":
            name_end += 1
        attributes = _ATTRIBUTE_RE.finditer(tag, name_end)
        if next(itertools.islice(attributes, limit, None), None) is not None:
            raise TooComplex(f"an element has more than {limit:,} attributes")


def check_element_bound(root: etree._Element, limit: int = MAX_ELEMENTS) -> None:
    """Raise :class:`TooComplex` when the tree has more than ``limit`` elements."""
    if sum(1 for _ in itertools.islice(root.iter(), limit + 1)) > limit:
        raise TooComplex(f"the page has more than {limit:,} elements")


def _max_depth(root: etree._Element) -> int:
    depth = 0
    deepest = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _parser() -> etree.HTMLParser:
    return etree.HTMLParser(
        huge_tree=True, remove_comments=True, remove_pis=True, recover=True, default_doctype=False
    )


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse untrusted HTML into an lxml tree, depth-capped, NUL-free.

    Never raises on garbage input: an empty document yields ``<html><body/></html>``.
    Raises :class:`TooComplex` for a page over the work bounds (attributes per element,
    checked before parsing; elements per page, after).
    """
    html = html.replace("\x00", "")
    check_attribute_bound(html)
    # lxml refuses str input with an XML encoding declaration
    if html.lstrip().startswith("<?xml"):
        html = _XML_DECL_RE.sub("", html, count=1)
    if not html.strip():
        return lxml.html.document_fromstring("<html><body></body></html>")
    try:
        root = lxml.html.document_fromstring(html, parser=_parser())
    except (etree.ParserError, ValueError) as exc:
        log.debug("parse failed (%s); using empty document", exc)
        return lxml.html.document_fromstring("<html><body></body></html>")
    if _max_depth(root) >= _LIBXML_DEPTH_GUARD:
        log.info("deeply nested markup: flattening beyond depth %d", MAX_DEPTH)
        root = lxml.html.document_fromstring(
            flatten_deep_markup(_RAWTEXT_RE.sub(" ", html)), parser=_parser()
        )
    check_element_bound(root)
    for br in root.iter("br"):  # a line break separates words in every text view
        br.tail = "\n" + (br.tail or "")
    return root


def text_of(el: etree._Element) -> str:
    """Visible text of an element, whitespace collapsed (iterative, no recursion)."""
    return clean_text("".join(t for t in el.itertext() if isinstance(t, str)))


def short_text(el: etree._Element, limit: int = 300) -> str | None:
    """Visible text of ``el`` when it is at most ``limit`` characters, else None (cheap on huge nodes)."""
    parts = []
    n = 0
    for t in el.itertext():
        if not isinstance(t, str):
            continue
        n += len(t)
        if n > limit * 4 + 200:
            return None
        parts.append(t)
    text = clean_text("".join(parts))
    return text if len(text) <= limit else None


def iter_ancestors(el: etree._Element):
    """Yield the ancestors of ``el`` from its parent upwards."""
    p = el.getparent()
    while p is not None:
        yield p
        p = p.getparent()


def attr_blob(el: etree._Element) -> str:
    """Lower-cased class, id, role, data-testid and itemprop of ``el`` joined by spaces."""
    a = el.attrib
    return " ".join(
        a.get(k, "") for k in ("class", "id", "role", "data-testid", "itemprop", "data-component")
    ).lower()


def tag_of(el: etree._Element) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""
