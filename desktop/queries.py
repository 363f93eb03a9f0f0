"""Read-only queries the sidebar needs that the Archive facade does not offer yet
(tags and collections with their article counts). No Qt here; call from a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from storage.archive import Archive
from storage.models import Article, Collection, Tag, article_tags, collection_articles


@dataclass
class SidebarData:
    """Everything the sidebar lists, read in one worker call."""

    articles: int = 0
    tags: list[tuple[str, int]] = field(default_factory=list)
    collections: list[tuple[str, int]] = field(default_factory=list)
    outlets: list[tuple[str, int]] = field(default_factory=list)
    speakers: list[tuple[str, int]] = field(default_factory=list)


def tags_with_counts(archive: Archive) -> list[tuple[str, int]]:
    """Every tag with the number of articles carrying it (tags on quotes only: 0)."""
    with archive.db.reader() as s:
        rows = s.execute(
            select(Tag.name, func.count(article_tags.c.articles_id))
            .select_from(Tag).outerjoin(article_tags, article_tags.c.tags_id == Tag.id)
            .group_by(Tag.id).order_by(Tag.name)).all()
        return [(n, int(c)) for n, c in rows]


def collections_with_counts(archive: Archive) -> list[tuple[str, int]]:
    with archive.db.reader() as s:
        rows = s.execute(
            select(Collection.name, func.count(collection_articles.c.articles_id))
            .select_from(Collection)
            .outerjoin(collection_articles, collection_articles.c.collections_id == Collection.id)
            .group_by(Collection.id).order_by(Collection.name)).all()
        return [(n, int(c)) for n, c in rows]


def collection_article_ids(archive: Archive, name: str) -> list[int]:
    with archive.db.reader() as s:
        return list(s.scalars(
            select(collection_articles.c.articles_id)
            .join(Collection, Collection.id == collection_articles.c.collections_id)
            .where(Collection.name == name)))


def sidebar_data(archive: Archive, *, limit: int = 500) -> SidebarData:
    """Counts for the sidebar; outlets and speakers capped at ``limit`` (most first)."""
    with archive.db.reader() as s:
        articles = s.scalar(select(func.count(Article.id))) or 0
    return SidebarData(
        articles=articles,
        tags=tags_with_counts(archive),
        collections=collections_with_counts(archive),
        outlets=archive.outlets(limit=limit),
        speakers=archive.speakers(limit=limit),
    )
