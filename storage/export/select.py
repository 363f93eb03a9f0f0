"""What to export: the selection of articles and which kinds of items go with them.

:func:`resolve_article_ids` turns a :class:`Selection` into article ids in a stable
order (by URL key, ``url_key`` in exports, so two exports of the same archive list articles the same
way); :func:`iter_records` then loads them page by page in short read sessions and
yields one export record per article (see :mod:`storage.export.schema`), so memory
stays flat however large the selection.

Collections and tags are read straight from the association tables (read-only).

Thread rules: every function opens its own ``archive.db.reader()`` sessions; call
from any thread, one export per thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from storage.models import (
    Article,
    Asset,
    Capture,
    Citation,
    Claim,
    Collection,
    PhotoCredit,
    Quote,
    Tag,
    article_tags,
    collection_articles,
    collection_claims,
)

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

PAGE_SIZE = 100

#: Kinds of items that can be included besides the articles themselves.
KINDS = ("quotes", "sources", "claims", "credits", "snapshots", "images")


class SelectionError(ValueError):
    """The selection names something that does not exist, or nothing at all."""


@dataclass(frozen=True)
class Selection:
    """Exactly one of the fields chooses the articles (``all_articles`` when none)."""

    collection: str | None = None
    tag: str | None = None
    query: str | None = None
    article_ids: tuple[int, ...] | None = None
    all_articles: bool = False
    query_limit: int = 500

    def describe(self) -> dict[str, Any]:
        if self.collection is not None:
            return {"collection": self.collection}
        if self.tag is not None:
            return {"tag": self.tag}
        if self.query is not None:
            return {"query": self.query}
        if self.article_ids is not None:
            return {"articles": len(self.article_ids)}
        return {"all": True}


@dataclass(frozen=True)
class Include:
    """Which kinds of items go into the export (articles always do)."""

    quotes: bool = True
    sources: bool = True
    claims: bool = True
    credits: bool = True
    snapshots: bool = True
    images: bool = True

    @classmethod
    def only(cls, kinds: Sequence[str]) -> Include:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise SelectionError(f"unknown kind(s) to include: {', '.join(sorted(unknown))}; "
                                 f"choose from {', '.join(KINDS)}")
        return cls(**{k: k in kinds for k in KINDS})

    def kinds(self) -> list[str]:
        return [k for k in KINDS if getattr(self, k)]


#: The per-article items an export can include, by their ``Include`` flag.
_ITEM_MODELS: tuple[tuple[str, Any], ...] = (
    ("quotes", Quote), ("sources", Citation), ("claims", Claim), ("credits", PhotoCredit))


@dataclass
class SelectionCounts:
    """How much an export of a selection will write (for the Export dialog)."""

    articles: int = 0
    captures: int = 0
    quotes: int = 0
    sources: int = 0
    claims: int = 0
    credits: int = 0
    images: int = 0
    snapshot_bytes: int = 0
    image_bytes: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _tag_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def resolve_article_ids(archive: Archive, selection: Selection,
                        notes: list[str] | None = None) -> list[int]:
    """Article ids of the selection, ordered by URL key (the dedupe key).

    Raises :class:`SelectionError` for an unknown collection or tag, or a query the
    search engine cannot understand. When a query matches more than
    ``selection.query_limit`` items, a note saying so is appended to ``notes``."""
    with archive.db.reader() as s:
        q = select(Article.id).order_by(Article.canonical_url)
        if selection.collection is not None:
            coll_id = s.scalar(select(Collection.id).where(Collection.name == selection.collection))
            if coll_id is None:
                coll_id = s.scalar(select(Collection.id).where(
                    func.lower(Collection.name) == selection.collection.lower()))
            if coll_id is None:
                raise SelectionError(f"no collection named {selection.collection!r}")
            via_claims = select(Claim.article_id).join(
                collection_claims, collection_claims.c.claims_id == Claim.id).where(
                collection_claims.c.collections_id == coll_id)
            q = q.where(or_(Article.id.in_(select(collection_articles.c.articles_id).where(
                collection_articles.c.collections_id == coll_id)), Article.id.in_(via_claims)))
        elif selection.tag is not None:
            tag_id = s.scalar(select(Tag.id).where(or_(Tag.key == _tag_key(selection.tag),
                                                      Tag.name == selection.tag)))
            if tag_id is None:
                raise SelectionError(f"no tag named {selection.tag!r}")
            q = q.where(Article.id.in_(select(article_tags.c.articles_id).where(
                article_tags.c.tags_id == tag_id)))
        elif selection.query is not None:
            ids = _query_ids(archive, selection.query, selection.query_limit, notes)
            q = q.where(Article.id.in_(ids))
        elif selection.article_ids is not None:
            q = q.where(Article.id.in_(list(selection.article_ids)))
            found = list(s.scalars(q))
            missing = set(selection.article_ids) - set(found)
            if missing:
                raise SelectionError("no article with id " + ", ".join(map(str, sorted(missing))))
            return found
        return list(s.scalars(q))


def _query_ids(archive: Archive, query: str, limit: int,
               notes: list[str] | None = None) -> list[int]:
    from storage.search import search_backend  # lazily: written by another module

    results = search_backend(archive.db).search(query, limit=limit)
    if getattr(results, "error", None):
        raise SelectionError(results.error)
    total = int(getattr(results, "total", 0) or 0)
    if notes is not None and total > len(results.hits):
        notes.append(f"the search matched {total} items; only the articles of the first "
                     f"{len(results.hits)} were exported")
    seen: dict[int, None] = {}
    for hit in results.hits:
        seen.setdefault(int(hit.article_id), None)
    return list(seen)


def count_selection(archive: Archive, ids: Sequence[int], include: Include = Include()
                    ) -> SelectionCounts:
    """Counts of what an export of ``ids`` will write (cheap aggregate queries)."""
    counts = SelectionCounts(articles=len(ids))
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        with archive.db.reader() as s:
            counts.captures += s.scalar(select(func.count(Capture.id))
                                        .where(Capture.article_id.in_(chunk))) or 0
            for kind, model in _ITEM_MODELS:
                if getattr(include, kind):
                    n = s.scalar(select(func.count(model.id))
                                 .where(model.article_id.in_(chunk))) or 0
                    setattr(counts, kind, getattr(counts, kind) + n)
            if include.snapshots:
                counts.snapshot_bytes += s.scalar(select(func.sum(Capture.size))
                                                  .where(Capture.article_id.in_(chunk))) or 0
            if include.images:
                row = s.execute(select(func.count(Asset.id), func.sum(Asset.size))
                                .join(Capture, Asset.capture_id == Capture.id)
                                .where(Capture.article_id.in_(chunk))).one()
                counts.images += row[0] or 0
                counts.image_bytes += row[1] or 0
    return counts


def iter_articles(archive: Archive, ids: Sequence[int], page_size: int = PAGE_SIZE
                  ) -> Iterator[tuple[Article, dict[int, list[str]], dict[int, list[str]]]]:
    """Yield ``(article, article_collections, claim_collections)`` for every id in
    order. The ORM objects are loaded page by page with everything eager-loaded and
    stay usable (detached) after their session closes; do not keep them."""
    for start in range(0, len(ids), page_size):
        chunk = list(ids[start:start + page_size])
        with archive.db.reader() as s:
            arts = s.scalars(select(Article).where(Article.id.in_(chunk)).options(
                selectinload(Article.captures).selectinload(Capture.assets),
                selectinload(Article.quotes).selectinload(Quote.tags),
                selectinload(Article.citations),
                selectinload(Article.credits).selectinload(PhotoCredit.tags),
                selectinload(Article.credits).selectinload(PhotoCredit.asset),
                selectinload(Article.claims).selectinload(Claim.tags),
                selectinload(Article.tags))).all()
            art_colls: dict[int, list[str]] = {}
            for aid, name in s.execute(
                    select(collection_articles.c.articles_id, Collection.name)
                    .join(Collection, Collection.id == collection_articles.c.collections_id)
                    .where(collection_articles.c.articles_id.in_(chunk))):
                art_colls.setdefault(aid, []).append(name)
            claim_colls: dict[int, list[str]] = {}
            for cid, name in s.execute(
                    select(collection_claims.c.claims_id, Collection.name)
                    .join(Collection, Collection.id == collection_claims.c.collections_id)
                    .join(Claim, Claim.id == collection_claims.c.claims_id)
                    .where(Claim.article_id.in_(chunk))):
                claim_colls.setdefault(cid, []).append(name)
            by_id = {a.id: a for a in arts}
            for aid in chunk:
                art = by_id.get(aid)
                if art is not None:
                    yield art, art_colls, claim_colls


def collections_info(archive: Archive, names: Sequence[str]) -> list[dict[str, Any]]:
    """``{"name", "description", "created_at"}`` of the named collections, by name."""
    if not names:
        return []
    with archive.db.reader() as s:
        rows = s.scalars(select(Collection).where(Collection.name.in_(list(names)))
                         .order_by(Collection.name)).all()
        return [{"name": c.name, "description": c.description or "",
                 "created_at": c.created_at.isoformat() if c.created_at else None} for c in rows]


def tags_info(archive: Archive, names: Sequence[str]) -> list[dict[str, Any]]:
    """``{"name", "color"}`` of the named tags, by name."""
    if not names:
        return []
    with archive.db.reader() as s:
        rows = s.scalars(select(Tag).where(Tag.name.in_(list(names))).order_by(Tag.name)).all()
        return [{"name": t.name, "color": t.color} for t in rows]
