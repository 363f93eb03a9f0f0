"""The one HTML decoder: a page's bytes -> text, for every way a page comes in.

Fetched pages (:mod:`capture.fetch`), saved pages (``cuttings import-html``, the
``extract`` command, ``python -m capture.extract``), re-derivation of an exported
capture (:mod:`storage.export.rederive`) and the benchmarks all decode through
:func:`decode_html`, so the same bytes give the same text whichever way they arrive.
The order is the browsers': byte-order mark, then the HTTP ``Content-Type`` charset,
then ``<meta charset>``, then detection, then UTF-8 with replacement characters.
Labels are the web's own (:mod:`capture.web_encodings`, the WHATWG table): ``utf-7``
or ``unicode_escape`` named by a page are ignored, ``iso-8859-1`` means windows-1252.

Pure functions; thread-safe; never raise on any bytes.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

from capture.web_encodings import web_codec

log = logging.getLogger(__name__)


BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I,
)


def _codec(label: str | None) -> str | None:
    """Python codec name for a label from the page (header or meta); only the web's own
    labels count (:func:`capture.web_encodings.web_codec`: no ``utf-7``, no
    ``unicode_escape``)."""
    codec = web_codec(label)
    return codecs.lookup(codec).name if codec else None


def _charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    return match.group(1) if match else None


def _try_decode(body: bytes, codec: str | None, source: str) -> str | None:
    if codec is None:
        return None
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:512]:
        log.debug("%s claims %s but the bytes have no NUL: ignored", source, codec)
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        log.debug("%s claims %s but the bytes do not decode: ignored", source, codec)
        return None


def _detect(sample: bytes) -> str | None:
    """charset-normalizer's guess; among equally good guesses windows-1252 wins, the
    most common legacy charset of the web (plain detection often picks cp1250 for
    French or Spanish text, turning "à" into "ŕ")."""
    results = charset_normalizer.from_bytes(sample)
    best = results.best()
    if best is None:
        return None
    tied = [m for m in results
            if m.chaos <= best.chaos + 1e-9 and m.coherence >= best.coherence - 0.02]
    for match in tied:
        if "cp1252" in (match.encoding, *match.could_be_from_charset):
            return "cp1252"
    return _codec(best.encoding)


_HIGH_BYTES = bytes(range(0x80, 0x100))


def _mostly_utf8(body: bytes) -> str | None:
    """UTF-8 with a few damaged bytes (a stray byte, a cut character) decoded with
    replacement characters, instead of letting detection pick a single-byte code page
    that turns every accented letter of the page into mojibake. "A few": at least four
    valid non-ASCII characters per damaged one; text in Latin-1 or a Cyrillic code page
    has almost no valid UTF-8 sequences at all."""
    if len(body) == len(body.translate(None, _HIGH_BYTES)):
        return None
    text = body.decode("utf-8", "replace")
    replaced = text.count("\ufffd")
    bad = replaced - body.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return text if valid >= 4 * bad else None


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML document's bytes: ``(text, encoding name)``.

    Order: byte-order mark, then the charset of the HTTP ``Content-Type`` (when the
    bytes really decode with it: a lying header is skipped), then ``<meta charset>``
    or ``http-equiv`` in the first 4 KB (same check; a meta claiming UTF-16 means
    UTF-8, as in browsers), then strict UTF-8, then charset-normalizer's detection,
    then UTF-8 with replacement characters. Web labels are mapped as browsers do
    (``iso-8859-1`` is windows-1252, ``gb2312`` is GB18030, ...). Never raises; pure.
    """
    for bom, codec in BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, "replace"), codec
    header = _codec(_charset_from_content_type(content_type))
    text = _try_decode(body, header, "the HTTP header")
    if text is not None and header is not None:
        return text, header
    match = _META_CHARSET.search(body[:4096])
    if match:
        meta = _codec(match.group(1).decode("ascii", "replace"))
        if meta is not None and meta.startswith(("utf-16", "utf-32")):
            meta = "utf-8"
        text = _try_decode(body, meta, "the <meta> charset")
        if text is not None and meta is not None:
            return text, meta
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(body)
    if text is not None:
        return text, "utf-8"
    detected = _detect(body[:262144])
    if detected is not None:
        return body.decode(detected, "replace"), detected
    return body.decode("utf-8", "replace"), "utf-8"


def decode_as(body: bytes, codec: str) -> str:
    """``body`` decoded with a known ``codec`` (e.g. the one recorded when the page was
    captured), its byte-order mark dropped, damaged bytes replaced. Raises
    ``LookupError`` for a codec Python does not know."""
    name = codecs.lookup(codec).name
    for bom, _bom_codec in BOMS:
        if body.startswith(bom):
            body = body[len(bom):]
            break
    return body.decode(name, "replace")
