"""The page's own canonical link, kept apart from the dedupe key.

``Article.canonical_url`` is the key Cuttings dedupes on (``capture.urls.canonical_key``:
scheme forced, ``www.`` stripped, tracking parameters dropped); it is not an address a
reader should cite. What the page declares itself to be (``<link rel=canonical>``, else
``og:url``, else its own address) is stored per capture in ``Capture.canonical_link``
and is what exports and ``show --json`` give as ``canonical_url``; the key goes out as
``url_key``. One rule, here, for every exporter.

Thread rules: pure functions; safe from any thread (the ORM objects passed in must be
loaded in the caller's session).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import urljoin

log = logging.getLogger(__name__)

#: Longest link kept (the width of the URL columns).
MAX_LINK = 8192
_ABSOLUTE_HTTP = re.compile(r"https?://[^\s/?#]+[^\s]*", re.I)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def declared_link(value: str | None, base: str | None = None) -> str | None:
    """The canonical link a page declared, as stored: an absolute http(s) URL without
    blanks or control characters, at most :data:`MAX_LINK` characters (a relative one
    is resolved against ``base``, the page's address); anything else
    (``javascript:``, ``data:``, a forged line) is not kept (None)."""
    if not value:
        return None
    value = value.strip()
    if base and len(value) <= MAX_LINK and not _ABSOLUTE_HTTP.match(value):
        try:
            value = urljoin(base, value)
        except ValueError:
            return None
    if len(value) > MAX_LINK or _CONTROLS.search(value) or not _ABSOLUTE_HTTP.fullmatch(value):
        return None
    return value


class _CaptureLike(Protocol):
    id: int
    canonical_link: str | None


def page_canonical(url: str, latest_capture_id: int | None,
                   captures: Iterable[_CaptureLike]) -> str:
    """The article's ``canonical_url`` in exports: the canonical link its latest
    capture declared, else its address ``url`` (captures stored before the link was
    kept, or pages without a usable one)."""
    for c in captures:
        if c.id == latest_capture_id and c.canonical_link:
            return c.canonical_link
    return url
