"""An archived SVG image rebuilt from a strict allow-list, with no reference outside itself.

Rule (docs/reliability.md J2): an SVG from a page may only refer to its own elements.
QtSvg follows ``<image href="/abs/path">``, ``xlink:href`` and nested ``data:`` SVGs to
the local disk (seen with strace under PySide6 6.11: the file is opened; a FIFO hangs
the caller), and other SVG renderers or later Qt versions may follow external ``<use>``,
CSS ``@import``/``url()``, external entities or XInclude as well. So the document is
parsed with lxml (libxml2) with entity expansion, DTD loading and the network off, and
a **new** document is built from it that keeps only

* elements of the SVG namespace (or of none, for an ``<svg>`` without it) named in
  :data:`ELEMENTS`, always written in the SVG namespace (``<a>`` becomes ``<g>``;
  ``image``, ``feImage``, ``foreignObject``, ``script``, ``iframe``, unknown and foreign
  elements are dropped with everything inside them);
* attributes named in :data:`ATTRIBUTES` (plus ``xlink:href`` and ``xml:space``);
  ``href``/``xlink:href`` only as a same-document fragment ``#id``; any value with
  ``url(...)`` only when every ``url()`` is ``url(#id)``;
* ``<style>`` text and ``style`` attributes only without at-rules (``@import``,
  ``@font-face``), backslash escapes, and CSS functions other than ``url(#id)`` and
  colours;
* text and tails of kept elements (comments, processing instructions, the DOCTYPE and
  entity references do not survive: the new tree has none).

Anything that does not parse is refused (``None``). Besides the references, the
sanitiser bounds the element count and what ``<use>`` chains expand to (a "billion
laughs" of ``<use>`` references is refused here instead of rendering for minutes);
the rendering itself is bounded in time and memory by the decoder process
(:mod:`desktop.image_worker`).

No Qt here; pure function, thread-safe.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

log = logging.getLogger(__name__)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

MAX_ELEMENTS = 50_000
#: The most elements a renderer may draw once every ``<use>`` is expanded.
MAX_EXPANDED = 200_000
MAX_DEPTH = 200

#: SVG elements kept (what QtSvg draws, static features only).
ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "switch", "title", "desc",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textArea", "tbreak",
    "linearGradient", "radialGradient", "stop", "solidColor", "pattern",
    "clipPath", "mask", "marker", "style",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
    "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
    "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
})
#: Elements whose children are kept under a plain ``<g>`` (links are never followed).
AS_GROUP = frozenset({"a"})

ATTRIBUTES = frozenset({
    # structure and geometry
    "id", "class", "style", "transform", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy",
    "r", "rx", "ry", "fx", "fy", "fr", "width", "height", "d", "points", "viewBox",
    "preserveAspectRatio", "version", "baseProfile", "pathLength", "href",
    # painting
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "color", "display", "visibility", "overflow",
    "vector-effect", "shape-rendering", "text-rendering", "image-rendering",
    "color-interpolation", "color-interpolation-filters", "paint-order", "mix-blend-mode",
    "solid-color", "solid-opacity", "viewport-fill", "viewport-fill-opacity",
    # text
    "font-family", "font-size", "font-weight", "font-style", "font-variant",
    "font-stretch", "text-anchor", "text-decoration", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing",
    "writing-mode", "direction", "unicode-bidi", "dx", "dy", "rotate", "lengthAdjust",
    "textLength",
    # gradients, patterns, clipping, masking, markers
    "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "spreadMethod", "patternUnits", "patternContentUnits", "patternTransform",
    "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits",
    "marker-start", "marker-mid", "marker-end", "markerWidth", "markerHeight",
    "markerUnits", "refX", "refY", "orient",
    # filters
    "filter", "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation",
    "edgeMode", "mode", "operator", "k1", "k2", "k3", "k4", "values", "type",
    "tableValues", "slope", "intercept", "amplitude", "exponent", "radius",
    "flood-color", "flood-opacity", "lighting-color",
    # <style> and <switch>
    "media",
})

_FRAGMENT = re.compile(r"^#[A-Za-z_][\w.\-:]*$")
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_CSS_FUNCTION = re.compile(r"([A-Za-z_-][\w-]*)\s*\(")
_CSS_FUNCTIONS_OK = frozenset({"url", "rgb", "rgba", "hsl", "hsla"})
_PARSER_OPTIONS = {
    "resolve_entities": False, "no_network": True, "load_dtd": False,
    "dtd_validation": False, "huge_tree": False, "remove_pis": True,
    "remove_comments": True, "recover": False, "strip_cdata": True,
}


class Refused(ValueError):
    """The SVG cannot be shown safely (it does not parse, or it is too complex)."""


def sanitize_svg(data: bytes) -> bytes:
    """Return a self-contained SVG document rebuilt from ``data`` (see the module
    docstring). Raises :class:`Refused` when ``data`` is not a well-formed SVG or
    exceeds the bounds."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Refused(f"not a well-formed SVG document: {exc}") from None
    if root.tag not in (f"{{{SVG_NS}}}svg", "svg"):
        raise Refused("the document element is not an SVG <svg>")
    # An <svg> without the SVG namespace (QtSvg draws those too): its plain elements count.
    builder = _Builder("" if root.tag == "svg" else f"{{{SVG_NS}}}")
    out = builder.copy(root, None, 0)
    if out is None:  # unreachable: the root is an allowed <svg>
        raise Refused("nothing left to draw")
    _check_expansion(out)
    return etree.tostring(out, xml_declaration=False, encoding="utf-8")


class _Builder:
    def __init__(self, prefix: str) -> None:
        self.count = 0
        self.prefix = prefix  # "{SVG namespace}" or "" (no namespace)

    def copy(self, src: etree._Element, parent: etree._Element | None,
             depth: int) -> etree._Element | None:
        """A copy of ``src`` holding only what the allow-lists keep (None: dropped)."""
        if not isinstance(src.tag, str) or not src.tag.startswith(self.prefix) or \
                src.tag.startswith("{") != bool(self.prefix):
            return None  # comments, entities, foreign namespaces (foreignObject content)
        name = src.tag[len(self.prefix):]
        if name in AS_GROUP:
            name = "g"
        if name not in ELEMENTS or depth > MAX_DEPTH:
            return None
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise Refused(f"more than {MAX_ELEMENTS} elements")
        tag = f"{{{SVG_NS}}}{name}"
        if parent is None:
            out = etree.Element(tag, nsmap={None: SVG_NS, "xlink": XLINK_NS})
        else:
            out = etree.SubElement(parent, tag)
        for key, value in src.attrib.items():
            kept = _attribute(key, value)
            if kept is not None:
                out.set(*kept)
        if name == "style":
            css = src.text or ""
            if css and _css_ok(css):
                out.text = css
            return out
        out.text = src.text
        for child in src:
            copied = self.copy(child, out, depth + 1)
            tail = child.tail
            if tail:
                if copied is not None:
                    copied.tail = tail
                else:  # keep the text flow of a dropped element's tail
                    last = out[-1] if len(out) else None
                    if last is not None:
                        last.tail = (last.tail or "") + tail
                    else:
                        out.text = (out.text or "") + tail
        return out


def _attribute(key: str, value: str) -> tuple[str, str] | None:
    """The attribute to keep as ``(qualified name, value)``, or None to drop it."""
    if key.startswith("{"):
        ns, _, local = key[1:].partition("}")
        if ns == XLINK_NS and local == "href":
            return (key, value.strip()) if _FRAGMENT.match(value.strip()) else None
        if ns == XML_NS and local == "space":
            return key, value
        return None
    if key not in ATTRIBUTES:
        return None
    if key == "href":
        return (key, value.strip()) if _FRAGMENT.match(value.strip()) else None
    if key == "style":
        return (key, value) if _css_ok(value) else None
    if "url(" in value.lower().replace(" ", "") and not _urls_local(value):
        return None
    if "(" in value and key not in ("transform", "gradientTransform", "patternTransform") \
            and not _functions_ok(value):
        return None
    return key, value


def _urls_local(text: str) -> bool:
    """Every ``url(...)`` in ``text`` names a same-document fragment."""
    return all(_FRAGMENT.match(m.group(2).strip()) for m in _URL.finditer(text)) and \
        text.lower().count("url(") == len(_URL.findall(text))


def _functions_ok(text: str) -> bool:
    return all(m.group(1).lower() in _CSS_FUNCTIONS_OK for m in _CSS_FUNCTION.finditer(text))


def _css_ok(css: str) -> bool:
    """CSS with no at-rule, no escape, no function but colours and ``url(#id)``."""
    if "@" in css or "\\" in css or "<" in css:
        return False
    return _urls_local(css) and _functions_ok(css)


def _check_expansion(root: etree._Element) -> None:
    """Refuse cycles of ``<use>`` references and chains that expand beyond
    :data:`MAX_EXPANDED` drawn elements."""
    elements = list(root.iter())  # held: lxml keeps one proxy per node, so id() is stable
    by_id = {el.get("id"): el for el in elements if el.get("id")}
    cost: dict[int, int] = {}
    active: set[int] = set()

    def target(el: etree._Element) -> etree._Element | None:
        ref = el.get("href") or el.get(f"{{{XLINK_NS}}}href")
        return by_id.get(ref.strip()[1:]) if ref else None

    def weigh(el: etree._Element, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise Refused("<use> references nested too deeply")
        key = id(el)
        if key in cost:
            return cost[key]
        if key in active:
            raise Refused("a <use> element refers to itself")
        active.add(key)
        total = 1
        for child in el:
            total += weigh(child, depth + 1)
            if total > MAX_EXPANDED:
                break
        if el.tag == f"{{{SVG_NS}}}use":
            ref = target(el)
            if ref is not None:
                total += weigh(ref, depth + 1)
        active.discard(key)
        if total > MAX_EXPANDED:
            raise Refused(f"draws more than {MAX_EXPANDED} elements once <use> is expanded")
        cost[key] = total
        return total

    weigh(root, 0)  # each element weighed once (memo); recursion depth <= MAX_DEPTH
