"""What the sidebar lists, read in one worker call (no Qt here; call from a worker).

Tags and collections come from :mod:`storage.tags` and :mod:`storage.collection_store`,
outlets and speakers from the Archive facade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.archive import Archive


@dataclass
class SidebarData:
    """Everything the sidebar lists."""

    articles: int = 0
    tags: list[tuple[str, int]] = field(default_factory=list)  # (name, articles)
    collections: list[tuple[str, int]] = field(default_factory=list)  # (name, articles)
    outlets: list[tuple[str, int]] = field(default_factory=list)  # (name, citing articles)
    speakers: list[tuple[str, int]] = field(default_factory=list)  # (name, quotes)
    saved: list[tuple[str, str]] = field(default_factory=list)  # (name, query)
    tag_colours: dict[str, str] = field(default_factory=dict)  # name -> #rrggbb


def collection_article_ids(archive: Archive, name: str) -> list[int]:
    from storage.collection_store import CollectionOps

    return CollectionOps(archive).article_ids_in_collection(name)


def sidebar_data(archive: Archive, *, limit: int = 500, count: bool = True) -> SidebarData:
    """Counts for the sidebar; outlets and speakers capped at ``limit`` (most first).
    ``count=False`` skips counting the articles (the caller knows it; ``articles`` = -1)."""
    from storage.collection_store import CollectionOps
    from storage.saved_searches import saved_searches
    from storage.tags import TagOps

    tags = TagOps(archive).tags()
    return SidebarData(
        articles=archive.count_articles() if count else -1,
        tags=[(t.name, t.total) for t in tags],
        tag_colours={t.name: t.color for t in tags if t.color},
        saved=saved_searches(archive),
        collections=[(c.name, c.articles) for c in CollectionOps(archive).collections()],
        outlets=archive.outlets(limit=limit),
        speakers=archive.speakers(limit=limit),
    )
