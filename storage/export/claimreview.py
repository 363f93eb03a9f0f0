"""ClaimReview JSON-LD (schema.org) for claims that carry a verdict.

Output: ``{"@context": "https://schema.org", "@graph": [ClaimReview, ...]}``. Each
ClaimReview has ``claimReviewed`` (the claim text), ``reviewBody`` (the note),
``itemReviewed`` (a ``Claim`` whose ``appearance`` is the article: URL, headline,
publication date, and ``archivedAt`` with the capture time and SHA-256),
``reviewRating`` (``alternateName`` = the verdict, ``ratingValue`` 1-5) and an
``author`` (the ``reviewer`` name, or a placeholder to fill in).
Claims still ``unverified`` have no verdict and are left out. The output is safe to
paste into a ``<script type="application/ld+json">`` element as is: page-derived
text cannot close it (:func:`script_safe_json`).

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import json
import logging
from typing import IO, Any

from storage.export.common import RecordStream

log = logging.getLogger(__name__)

RATING = {"false": 1, "misleading": 2, "disputed": 3, "supported": 5}
PLACEHOLDER_REVIEWER = "Reviewer (to be named)"


def claim_reviews(rec: dict[str, Any], reviewer: str | None) -> list[dict[str, Any]]:
    by_sha = {c["sha256"]: c for c in rec.get("captures") or []}
    latest = next((c for c in rec.get("captures") or [] if c.get("latest")), None)
    out = []
    for c in rec.get("claims") or []:
        verdict = c.get("verdict") or "unverified"
        if verdict not in RATING:
            continue
        cap = by_sha.get(c.get("capture_sha256") or "") or latest or {}
        appearance: dict[str, Any] = {"@type": "NewsArticle", "url": rec["url"]}
        if rec.get("title"):
            appearance["headline"] = rec["title"]
        if rec.get("published"):
            appearance["datePublished"] = rec["published"]
        if rec.get("publisher"):
            appearance["publisher"] = {"@type": "Organization", "name": rec["publisher"]}
        if cap:
            appearance["archivedAt"] = {"@type": "WebPage", "url": cap.get("final_url"),
                                        "dateCreated": cap.get("fetched_at"),
                                        "identifier": f"sha256:{cap.get('sha256')}"}
        review: dict[str, Any] = {
            "@type": "ClaimReview",
            "claimReviewed": c["text"],
            "itemReviewed": {"@type": "Claim", "appearance": appearance},
            "reviewRating": {"@type": "Rating", "alternateName": verdict,
                             "ratingValue": RATING[verdict], "bestRating": 5, "worstRating": 1},
            "author": {"@type": "Person" if reviewer else "Organization",
                       "name": reviewer or PLACEHOLDER_REVIEWER},
        }
        if c.get("note"):
            review["reviewBody"] = c["note"]
        if c.get("updated_at"):
            review["datePublished"] = c["updated_at"][:10]
        if c.get("evidence"):
            review["citation"] = list(c["evidence"])
        out.append(review)
    return out


# Characters that could end or alter a <script> element (``</script>``, ``<!--``), an
# HTML entity, or (U+2028/2029) a JavaScript line, written as JSON \u escapes instead:
# the same strings for a JSON parser, inert inside HTML.
_SCRIPT_UNSAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_safe_json(value: Any) -> str:
    """``value`` as JSON that can be pasted as is into ``<script
    type="application/ld+json">`` (how ClaimReview is published): every ``<``, ``>``,
    ``&``, U+2028 and U+2029 is a ``\\uXXXX`` escape, so no page-derived text can close
    the element or open a comment. These characters only ever occur inside JSON
    strings, where the escape means the same character."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_UNSAFE)


def write_claimreview(out: IO[bytes], stream: RecordStream, reviewer: str | None) -> int:
    out.write(b'{"@context": "https://schema.org", "@graph": [')
    n = 0
    for rec in stream:
        for review in claim_reviews(rec, reviewer):
            out.write((b"\n" if n == 0 else b",\n")
                      + script_safe_json(review).encode("utf-8", "replace"))
            n += 1
    out.write(b"\n]}\n")
    return n
