"""Safe HTML parsing helpers shared by every extraction step.

The page is parsed once with lxml (``huge_tree`` so that a 12 MB text node is not
truncated silently) and the tree is shared by all steps.  Untrusted trees are never
walked recursively, copied, pickled or pretty-printed: a pre-pass flattens markup
nested deeper than :data:`MAX_DEPTH` before parsing.

All functions are pure and thread-safe (each call builds its own tree).
"""

from __future__ import annotations

import logging
import re

import lxml.etree as etree
import lxml.html

log = logging.getLogger(__name__)

MAX_DEPTH = 200
_LIBXML_DEPTH_GUARD = 240

VOID_TAGS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*?(/?)>|<!--.*?-->", re.S)
_RAWTEXT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>")


# C0 controls except tab, LF, FF and CR (whitespace, kept), DEL, C1 controls (U+0080-009F:
# CSI, OSC ... are terminal escapes too) and the non-characters U+FFFE/FFFF.
# NEL (U+0085) is a line break to str.split(): it becomes a space, as it always did.
_CONTROL_TABLE = {**dict.fromkeys([*range(0, 9), 11, *range(14, 32), 0x7F,
                                   *range(0x80, 0xA0), 0xFFFE, 0xFFFF]), 0x85: " "}
# Bidirectional formatting controls (a title with U+202E reads backwards).
_BIDI_TABLE = {**_CONTROL_TABLE,
               **dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                *range(0x2066, 0x206A)])}


def strip_controls(text: str, *, bidi: bool = False) -> str:
    """``text`` without control characters: C0 except tab, LF, FF and CR, DEL, C1 (NEL
    becomes a space) and U+FFFE/FFFF; with ``bidi`` also the bidirectional formatting controls (for titles
    and names; body text keeps them, right-to-left text needs them). Removes characters
    (or replaces one by one), so an offset shifts by the number removed before it.
    The one rule for captured and imported text (docs/reliability.md J6)."""
    return text.translate(_BIDI_TABLE if bidi else _CONTROL_TABLE)


def clean_text(text: str) -> str:
    """Strip control characters (:func:`strip_controls`) and collapse whitespace."""
    return " ".join(strip_controls(text).split())


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
    """
    html = html.replace("\x00", "")
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
