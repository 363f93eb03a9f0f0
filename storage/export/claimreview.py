"""ClaimReview JSON-LD (schema.org) for claims that carry a verdict.

Output: ``{"@context": "https://schema.org", "@graph": [ClaimReview, ...]}``. Each
ClaimReview has ``claimReviewed`` (the claim text), ``reviewBody`` (the note),
``itemReviewed`` (a ``Claim`` whose ``appearance`` is the article: URL, headline,
publication date, and ``archivedAt`` with the capture time and SHA-256),
``reviewRating`` (``alternateName`` = the verdict, ``ratingValue`` 1-5) and an
``author``: the :class:`Reviewer` (a ``Person`` with the name, ``affiliation`` the
organisation and ``url``; or, without a name, the ``Organization``). There is no
placeholder: an export without a reviewer is refused (:class:`ReviewerMissing`),
since a published ClaimReview must say who reviewed.
Claims still ``unverified`` have no verdict and are left out. The output is safe to
paste into a ``<script type="application/ld+json">`` element as is: page-derived
text cannot close it (:func:`script_safe_json`).

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import IO, Any

from storage.export.common import ExportError, RecordStream

log = logging.getLogger(__name__)

RATING = {"false": 1, "misleading": 2, "disputed": 3, "supported": 5}
_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.I)
_LIMIT = 300  # longest name or organisation; a URL may take 2,000


class ReviewerMissing(ExportError):
    """ClaimReview was asked for without saying who reviewed (no file was written)."""


@dataclass(frozen=True)
class Reviewer:
    """Who reviewed the claims: a person's ``name``, their ``organisation`` and a web
    address (``url``) for either; at least a name or an organisation."""

    name: str = ""
    organisation: str = ""
    url: str = ""

    @classmethod
    def of(cls, name: str | None, organisation: str | None = None,
           url: str | None = None) -> Reviewer:
        return cls(" ".join((name or "").split()), " ".join((organisation or "").split()),
                   (url or "").strip())

    @property
    def named(self) -> bool:
        return bool(self.name or self.organisation)

    def problem(self) -> str | None:
        """Why this reviewer cannot be published (None when it can)."""
        if not self.named:
            return "ClaimReview needs the reviewer's name or organisation"
        if len(self.name) > _LIMIT or len(self.organisation) > _LIMIT:
            return f"the reviewer's name and organisation must be at most {_LIMIT} characters"
        if self.url and (len(self.url) > 2000 or not _HTTP_URL.fullmatch(self.url)):
            return "the reviewer's web address must be an http:// or https:// address"
        return None

    def check(self) -> None:
        """Raise :class:`ReviewerMissing` (no name) or :class:`ExportError` (bad value)."""
        why = self.problem()
        if why is None:
            return
        raise (ReviewerMissing if not self.named else ExportError)(why)

    def author(self) -> dict[str, Any]:
        """The schema.org ``author`` of each ClaimReview."""
        org: dict[str, Any] = {"@type": "Organization", "name": self.organisation}
        if not self.name:
            if self.url:
                org["url"] = self.url
            return org
        person: dict[str, Any] = {"@type": "Person", "name": self.name}
        if self.url:
            person["url"] = self.url
        if self.organisation:
            person["affiliation"] = org
        return person


def claim_reviews(rec: dict[str, Any], reviewer: Reviewer) -> list[dict[str, Any]]:
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
            "author": reviewer.author(),
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


def write_claimreview(out: IO[bytes], stream: RecordStream, reviewer: Reviewer) -> int:
    reviewer.check()
    out.write(b'{"@context": "https://schema.org", "@graph": [')
    n = 0
    for rec in stream:
        for review in claim_reviews(rec, reviewer):
            out.write((b"\n" if n == 0 else b",\n")
                      + script_safe_json(review).encode("utf-8", "replace"))
            n += 1
    out.write(b"\n]}\n")
    return n
