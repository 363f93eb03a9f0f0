"""Bytes of a saved HTML file -> str (BOM, then ``<meta charset>``, then detection).

Uses ``capture.fetch.decode_html`` when that module provides it, so that files and
fetched pages decode the same way.  Thread-safe.
"""

from __future__ import annotations

import codecs
import logging
import re

from capture.web_encodings import web_codec

log = logging.getLogger(__name__)

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def decode_bytes(body: bytes, content_type: str | None = None) -> str:
    try:
        from capture.fetch import decode_html  # type: ignore[attr-defined]
    except ImportError:
        decode_html = None
    if decode_html is not None:
        try:
            result = decode_html(body, content_type)
            return result[0] if isinstance(result, tuple) else result
        except Exception as exc:  # noqa: BLE001 - fall back to the local decoder
            log.debug("capture.fetch.decode_html failed: %s", exc)
    return _decode(body)


def _decode(body: bytes) -> str:
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(enc, errors="replace")
    m = _META_RE.search(body[:4096])
    if m:
        name = web_codec(m.group(1).decode("ascii", "ignore"))  # web labels only
        if name is not None:
            return body.decode(name, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return body.decode(best.encoding if best else "windows-1252", errors="replace")
