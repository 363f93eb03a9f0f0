"""Typed SQLAlchemy 2 models of the archive (see docs/architecture.md, "Data model").

Rows are plain data; all writes go through :class:`storage.archive.Archive`, which
owns sessions and the single-writer rule. Offsets (``start``/``end``) are character
offsets into ``Article.text`` of the capture they were extracted from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class AwareDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        if value is not None and dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _assoc(name: str, left: str, right: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column(f"{left.split('.')[0]}_id", ForeignKey(left, ondelete="CASCADE"), primary_key=True),
        Column(f"{right.split('.')[0]}_id", ForeignKey(right, ondelete="CASCADE"), primary_key=True,
               index=True),
    )


article_tags = _assoc("article_tags", "articles.id", "tags.id")
quote_tags = _assoc("quote_tags", "quotes.id", "tags.id")
claim_tags = _assoc("claim_tags", "claims.id", "tags.id")
credit_tags = _assoc("credit_tags", "photo_credits.id", "tags.id")
collection_articles = _assoc("collection_articles", "collections.id", "articles.id")
collection_claims = _assoc("collection_claims", "collections.id", "claims.id")


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(8192), unique=True)
    url: Mapped[str] = mapped_column(String(8192))  # final URL of the latest capture
    site: Mapped[str] = mapped_column(String(255), default="", index=True)  # host, no www.
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(default=list)
    publisher: Mapped[str | None] = mapped_column(String(512), index=True)
    published: Mapped[str | None] = mapped_column(String(64), index=True)  # ISO 8601
    language: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    reader_html: Mapped[str] = mapped_column(Text, default="")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default="ok")  # ok | no_text | too_complex
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow, onupdate=utcnow)
    # No FK constraint (a cycle with captures); Archive keeps it in step.
    latest_capture_id: Mapped[int | None] = mapped_column(Integer)

    captures: Mapped[list[Capture]] = relationship(
        back_populates="article", foreign_keys="Capture.article_id",
        cascade="all, delete-orphan", order_by="Capture.fetched_at", passive_deletes=True)
    quotes: Mapped[list[Quote]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Quote.start",
        passive_deletes=True)
    citations: Mapped[list[Citation]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True)
    credits: Mapped[list[PhotoCredit]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True)
    claims: Mapped[list[Claim]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Claim.start",
        passive_deletes=True)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by="Tag.name")


class Capture(Base):
    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    source: Mapped[str] = mapped_column(String(32), default="fetch")  # fetch | import-html | import
    requested_url: Mapped[str] = mapped_column(String(8192))
    requested_key: Mapped[str] = mapped_column(String(8192), default="", index=True)
    final_url: Mapped[str] = mapped_column(String(8192))
    redirects: Mapped[list[Any]] = mapped_column(default=list)  # [[url, status], ...]
    fetched_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow)
    http_status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[Any]] = mapped_column(default=list)  # [[name, value], ...]
    content_type: Mapped[str | None] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the raw bytes (blob store)
    size: Mapped[int] = mapped_column(Integer, default=0)
    local_network_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(Text)  # as extracted from this capture
    text: Mapped[str] = mapped_column(Text, default="")  # body text of this capture (history)
    extractor_version: Mapped[str | None] = mapped_column(String(32))
    # The page's own canonical link as this capture declared it (storage.page_links);
    # NULL before migration 0006. Not the dedupe key (that is Article.canonical_url).
    canonical_link: Mapped[str | None] = mapped_column(String(8192))
    # Provenance of imported captures (docs/reliability.md J6): blob_state None = the
    # snapshot is stored; BLOB_IMPORTED_WITHOUT = imported from a JSON export without its
    # bytes (``check`` counts it apart, never as damage). text_state None = extracted by
    # this Cuttings when captured; "verified" = imported, re-extracted from the snapshot
    # and identical; "unverified" = imported and not re-checked.
    blob_state: Mapped[str | None] = mapped_column(String(24))
    text_state: Mapped[str | None] = mapped_column(String(16))

    article: Mapped[Article] = relationship(back_populates="captures", foreign_keys=[article_id])
    assets: Mapped[list[Asset]] = relationship(back_populates="capture",
                                               cascade="all, delete-orphan", passive_deletes=True)


class Asset(Base):
    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"),
                                            index=True)
    url: Mapped[str] = mapped_column(String(8192))
    media_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16), default="figure")  # lead | figure
    alt: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    blob_state: Mapped[str | None] = mapped_column(String(24))  # as Capture.blob_state

    capture: Mapped[Capture] = relationship(back_populates="assets")


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(512), index=True)
    role: Mapped[str | None] = mapped_column(String(512))
    cue: Mapped[str | None] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(Integer, default=-1)
    end: Mapped[int] = mapped_column(Integer, default=-1)
    origin: Mapped[str] = mapped_column(String(8), default="auto")  # auto | user
    anchor_state: Mapped[str] = mapped_column(String(16), default="ok")  # ok | changed

    article: Mapped[Article] = relationship(back_populates="quotes")
    tags: Mapped[list[Tag]] = relationship(secondary=quote_tags, order_by="Tag.name")


class Citation(Base):
    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(512), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="attribution")
    url: Mapped[str | None] = mapped_column(String(8192))
    context: Mapped[str] = mapped_column(Text, default="")
    mentions: Mapped[list[Any]] = mapped_column(default=list)  # [[start, end], ...]

    article: Mapped[Article] = relationship(back_populates="citations")


class PhotoCredit(Base):
    __tablename__ = "photo_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    credit: Mapped[str] = mapped_column(Text)
    photographer: Mapped[str | None] = mapped_column(String(512), index=True)
    provider: Mapped[str | None] = mapped_column(String(512), index=True)
    caption: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(8192))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))

    article: Mapped[Article] = relationship(back_populates="credits")
    asset: Mapped[Asset | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=credit_tags, order_by="Tag.name")


#: Capture/Asset ``blob_state`` of a row imported without its bytes (a JSON export).
BLOB_IMPORTED_WITHOUT = "imported-without"
#: Capture ``text_state`` values (None: extracted here, when captured).
TEXT_VERIFIED = "verified"
TEXT_UNVERIFIED = "unverified"

VERDICTS = ("unverified", "supported", "disputed", "false", "misleading")


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str] = mapped_column(String(16), default="unverified", index=True)
    evidence: Mapped[list[Any]] = mapped_column(default=list)  # URLs or "article:ID"
    anchor_state: Mapped[str] = mapped_column(String(16), default="ok")  # ok | moved | changed
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow, onupdate=utcnow)

    article: Mapped[Article] = relationship(back_populates="claims")
    tags: Mapped[list[Tag]] = relationship(secondary=claim_tags, order_by="Tag.name")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(255), unique=True)  # casefolded name
    color: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Collection(Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow)

    articles: Mapped[list[Article]] = relationship(secondary=collection_articles)
    claims: Mapped[list[Claim]] = relationship(secondary=collection_claims)


JOB_STATES = ("queued", "running", "done", "skipped", "failed", "cancelled")


class CaptureJob(Base):
    """The persisted capture queue: a batch survives a crash or quit and resumes."""

    __tablename__ = "capture_jobs"
    __table_args__ = (Index("ix_capture_jobs_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(8192))  # normalised URL to fetch
    canonical_key: Mapped[str] = mapped_column(String(8192), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    recapture: Mapped[bool] = mapped_column(Boolean, default=False)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow, onupdate=utcnow)
    # Which process runs the job (``Archive.claim_jobs``) and since when (migration 0003).
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # From a bookmark file (migration 0005): its folders as a JSON list of tag names,
    # given to the article when the capture is stored, and the date it was bookmarked.
    tags: Mapped[str | None] = mapped_column(Text)
    bookmarked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class SavedSearch(Base):
    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    query: Mapped[str] = mapped_column(Text)


class ArchiveSetting(Base):
    """One of the archive's own settings (migration 0005): ``key`` is a setting's name
    (``capture.settings.Settings``, scope "archive") or a remembered choice such as
    ``export.format``; ``value`` its JSON value. Read and written by
    :mod:`storage.archive_settings` only."""

    __tablename__ = "archive_settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=utcnow, onupdate=utcnow)
