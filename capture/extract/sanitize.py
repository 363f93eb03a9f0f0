"""Reader HTML: the article body as sanitised HTML for the offline reader.

nh3 (ammonia) with a strict explicit allow-list.  Relative URLs are resolved against
the page URL first; anything that is not http/https/mailto afterwards (``javascript:``,
``data:``, ``file:``, unresolvable relative URLs) is dropped.  The function is
idempotent: cleaning its own output returns the same string.  Thread-safe.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

import nh3

log = logging.getLogger(__name__)

ALLOWED_TAGS = frozenset(
    {"p", "a", "b", "i", "em", "strong", "h2", "h3", "h4", "ul", "ol", "li", "blockquote",
     "figure", "figcaption", "img", "br"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_CONTENT_DROPPED = frozenset(
    {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
     "title", "textarea", "select", "button", "form"}
)


_HOST_RE = re.compile(r"^[A-Za-z0-9.\-_~%!$&'()*+,;=:@\[\]]+$")


def safe_url(value: str, base_url: str | None) -> str | None:
    """Absolute http(s)/mailto URL for ``value`` (resolved against ``base_url``), else None."""
    url = _resolve(value, base_url)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and not (parts.netloc and _HOST_RE.match(parts.netloc)):
        return None
    if any(c in url for c in "<>\"` \t\n\r"):
        return None
    return url


def _resolve(value: str, base_url: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    scheme = urlsplit(value).scheme.lower() if ":" in value.split("/", 1)[0] else ""
    if scheme:
        if scheme not in URL_SCHEMES:
            return None
        return value
    if not base_url:
        return None
    base_scheme = urlsplit(base_url).scheme.lower()
    if base_scheme not in ("http", "https"):
        return None
    try:
        absolute = urljoin(base_url, value)
    except ValueError:
        return None
    return absolute if urlsplit(absolute).scheme.lower() in ("http", "https") else None


def sanitize_reader_html(html_fragment: str, base_url: str | None) -> str:
    """Clean ``html_fragment`` to the reader allow-list (see module docstring)."""
    if not html_fragment:
        return ""
    html_fragment = html_fragment.replace("\x00", "")

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) in (("a", "href"), ("img", "src")):
            return safe_url(value, base_url)
        return value

    try:
        once = _clean(html_fragment, attribute_filter)
        twice = _clean(once, attribute_filter)
        return twice  # a fixpoint in practice; cleaning twice makes idempotence certain for odd input
    except Exception as exc:  # noqa: BLE001 - a sanitiser failure must yield no HTML, not a crash
        log.warning("sanitising reader HTML failed: %s", exc)
        return ""


def _clean(html_fragment: str, attribute_filter) -> str:
    return nh3.clean(
        html_fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_CONTENT_DROPPED),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    ).strip()
