"""Plain dataclasses passed between intake, fetch, extraction and storage.

They hold data only (no I/O) and are safe to hand from one thread to another.
Offsets (``start``/``end``) are character offsets into :attr:`Extracted.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

CitationKind = Literal["attribution", "link", "footer"]


@dataclass
class QuoteItem:
    """A direct quotation found in the body text."""

    text: str  # the words inside the quotation marks, without the marks
    speaker: str | None = None  # full name, or an organisation/role as written
    role: str | None = None  # e.g. "former State Department official"
    cue: str | None = None  # the speech verb: said, told, wrote, according to ...
    start: int = -1  # offsets of ``text`` in Extracted.text (-1 when not in the body)
    end: int = -1


@dataclass
class CitationItem:
    """A news outlet the article cites as a source of information."""

    name: str  # canonical outlet name from the gazetteer
    kind: CitationKind = "attribution"
    url: str | None = None
    context: str = ""  # the sentence (or link text) of the first mention
    mentions: list[tuple[int, int]] = field(default_factory=list)  # offsets in the body


@dataclass
class CreditItem:
    """A photo credit as printed, split into photographer and provider."""

    credit: str
    photographer: str | None = None
    provider: str | None = None
    caption: str | None = None
    image_url: str | None = None  # absolute URL of the image it belongs to, when known


@dataclass
class ImageRef:
    """An image of the article worth archiving (lead image or in-body figure)."""

    url: str  # absolute URL, best candidate chosen from src/srcset/data-src/noscript
    alt: str = ""
    caption: str | None = None
    credit: str | None = None
    role: Literal["lead", "figure"] = "figure"


@dataclass
class Extracted:
    """Everything Cuttings understands of one HTML page."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601, with time zone when the page gives one
    modified: str | None = None
    publisher: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    text: str = ""  # paragraphs separated by one blank line
    reader_html: str = ""  # sanitised HTML; <img src> keep absolute original URLs
    quotes: list[QuoteItem] = field(default_factory=list)
    citations: list[CitationItem] = field(default_factory=list)
    credits: list[CreditItem] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Why the page was not read ("too complex to read: ..."), when it was over a work
    # bound or the extraction deadline (docs/reliability.md J5); None when it was read.
    too_complex: str | None = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())

    def to_json(self) -> dict[str, Any]:
        """The ``cuttings extract`` JSON shape (a contract: keep the keys)."""
        return {
            "title": self.title,
            "authors": list(self.authors),
            "published": self.published,
            "modified": self.modified,
            "publisher": self.publisher,
            "language": self.language,
            "description": self.description,
            "canonical_url": self.canonical_url,
            "text": self.text,
            "word_count": self.word_count,
            "quotes": [
                {
                    "quote": q.text,
                    "speaker": q.speaker,
                    "role": q.role,
                    "cue": q.cue,
                    "start": q.start,
                    "end": q.end,
                }
                for q in self.quotes
            ],
            "sources": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "url": c.url,
                    "context": c.context,
                    "mentions": [list(m) for m in c.mentions],
                }
                for c in self.citations
            ],
            "photo_credits": [
                {
                    "credit": c.credit,
                    "photographer": c.photographer,
                    "provider": c.provider,
                    "caption": c.caption,
                    "image_url": c.image_url,
                }
                for c in self.credits
            ],
            "images": [
                {"url": i.url, "alt": i.alt, "caption": i.caption, "credit": i.credit, "role": i.role}
                for i in self.images
            ],
            "warnings": list(self.warnings),
            "too_complex": self.too_complex,
        }


@dataclass
class FetchResult:
    """One successful HTTP fetch of an HTML page."""

    requested_url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]  # as received, in order
    body: bytes  # raw bytes, decoded from transfer/content encoding only
    sha256: str
    fetched_at: datetime  # UTC, aware
    content_type: str
    encoding: str  # the charset used to decode ``body`` into ``html``
    html: str
    redirects: list[tuple[str, int]] = field(default_factory=list)  # (url, status) per hop
    local_network_allowed: bool = False


@dataclass
class AssetResult:
    """One downloaded image."""

    url: str
    final_url: str
    media_type: str
    body: bytes
    sha256: str
