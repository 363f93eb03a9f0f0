"""Which parts of an exported article can be derived again from its hashed snapshot,
and the check that does it (docs/reliability.md J6).

Re-derivable: a capture's ``title`` and ``text``. They are what the capture pipeline's
extraction (:func:`capture.extract.bounded.safe_extract`, i.e. :func:`capture.extract.extract`)
made of the snapshot's bytes (decoded as the fetcher
decoded them, with the page's URL), so when the capture records the extractor version
this Cuttings runs (:data:`capture.extract.EXTRACTOR_VERSION`) the same call must give
the same strings; :func:`recheck` runs it and compares. When the versions differ the
text is *not re-checked* (another extractor may read the page differently) and is
imported as unverified. The article's own title and text are those of its latest
capture (checked by :func:`article_matches_latest`).

Not derivable, and never claimed as checked: the reader HTML, quotes, cited outlets
and photo credits (they depend on images and re-anchoring too), and everything a
person added: claims, notes, verdicts, quotes marked by hand, tags, collections.

Thread rules: pure functions; safe from any thread (each call parses its own tree).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.export.validate import clean_str

if TYPE_CHECKING:
    from capture.extract.bounded import ExtractionPool

log = logging.getLogger(__name__)

#: A snapshot larger than this is not re-extracted by ``verify`` (no captured page is).
MAX_REEXTRACT = 64 << 20

VERIFIED = "verified"
MISMATCH = "mismatch"
NOT_RECHECKED = "not re-checked"

DERIVABLE = "capture title and text (re-extracted from the snapshot)"
NOT_DERIVABLE = ("reader HTML, quotes, outlets and photo credits, and what people added "
                 "(claims, notes, verdicts, tags, collections) are not derivable from the "
                 "snapshot and were not re-checked")


@dataclass(frozen=True)
class TextCheck:
    """The outcome for one capture: ``state`` is :data:`VERIFIED`, :data:`MISMATCH` or
    :data:`NOT_RECHECKED`; ``detail`` is one line for people."""

    state: str
    detail: str


def current_version() -> str:
    from capture.extract import EXTRACTOR_VERSION

    return EXTRACTOR_VERSION


def _decode(body: bytes, content_type: str | None, encoding: str | None) -> str:
    """The snapshot as the fetcher decoded it: the same function, and the recorded
    codec when that function would now choose another one."""
    from capture.charset import decode_as, decode_html

    text, codec = decode_html(body, content_type)
    if encoding and codec != encoding:
        try:
            return decode_as(body, encoding)
        except LookupError:
            return text
    return text


def _extract(html: str, url: str | None,
             pool: ExtractionPool | None) -> tuple[str, str, str | None]:
    """Title and text as a capture stores them: the pipeline's own extraction call
    (with its bounds and its handling of pages it cannot read), then the store's
    cleaning. ``pool``: the caller's workers (one verify run starts one worker, not
    one per capture)."""
    from capture.extract.bounded import safe_extract

    ex = safe_extract(html, url, pool=pool)
    return (clean_str(ex.title) if ex.title is not None else "", clean_str(ex.text or ""),
            ex.too_complex)


def recheck(cap: dict[str, Any], snapshot: bytes, *,
            pool: ExtractionPool | None = None) -> TextCheck:
    """Re-extract ``snapshot`` (whose SHA-256 the caller has checked) and compare with
    the capture record ``cap`` (the export schema's CAPTURE)."""
    recorded = cap.get("extractor_version")
    version = current_version()
    if recorded != version:
        by = f"extracted by version {recorded}" if recorded else "no extractor version recorded"
        return TextCheck(NOT_RECHECKED, f"not re-checked ({by}; this Cuttings runs {version})")
    if len(snapshot) > MAX_REEXTRACT:
        return TextCheck(NOT_RECHECKED, "not re-checked (the snapshot is too large to "
                                        "re-extract here)")
    html = _decode(snapshot, cap.get("content_type"), cap.get("encoding"))
    urls: list[str | None] = [cap.get("final_url")]
    if cap.get("source") == "import-html":
        urls.append(None)  # a saved page imported without --url was read without one
    want_title = cap.get("title") or ""
    want_text = cap.get("text") or ""
    for url in urls:
        try:
            title, text, too_complex = _extract(html, url, pool)
        except Exception as exc:  # noqa: BLE001 - a page the extractor cannot read
            log.warning("re-extraction failed: %s", exc)
            return TextCheck(NOT_RECHECKED, f"not re-checked (re-extraction failed: "
                                            f"{type(exc).__name__})")
        if title == want_title and text == want_text:
            return TextCheck(VERIFIED, f"re-extracted from the snapshot with version {version}: "
                                       "title and text match")
    # The reading deadline is a setting and depends on the machine: a page cut off here,
    # or one kept unread at capture (no title, no text) that this machine reads, says
    # nothing about tampering.
    from capture.extract import TOO_COMPLEX
    from capture.extract.bounded import DEADLINE_REASON

    if too_complex and too_complex.startswith(f"{TOO_COMPLEX}: {DEADLINE_REASON}"):
        return TextCheck(NOT_RECHECKED, "not re-checked (reading the snapshot again took "
                                        "longer than the reading deadline here)")
    if not want_title and not want_text and not too_complex:
        return TextCheck(NOT_RECHECKED, "not re-checked (the capture kept the page unread, "
                                        "too complex to read in its time)")
    which = [w for w, a, b in (("title", title, want_title), ("text", text, want_text))
             if a != b]
    return TextCheck(MISMATCH, f"the {' and '.join(which)} differ from what version {version} "
                               "extracts from the snapshot")


def article_matches_latest(art: dict[str, Any]) -> str | None:
    """Why the article's title/text are not those of its latest capture (None: they are)."""
    caps = art.get("captures") or []
    latest = next((c for c in caps if c.get("latest")), caps[-1] if caps else None)
    if latest is None:
        return None
    if (art.get("text") or "") != (latest.get("text") or ""):
        return "the article text differs from its latest capture's text"
    if (art.get("title") or "") != (latest.get("title") or ""):
        return "the article title differs from its latest capture's title"
    return None
