"""What the sidebar lists, read in one worker call (no Qt here; call from a worker).

Tags and collections come from :mod:`storage.tags` and :mod:`storage.collection_store`,
outlets and speakers from the Archive facade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


IdsQuery = Callable[[Archive, str, bool], list[int]]


def _ordered(members: Callable[[Archive], Any]) -> IdsQuery:
    """A table filter: the ids ``members(archive)`` returns, in the table's sort order.

    Filters in Python over the sorted id list (one indexed column) rather than binding
    one SQL parameter per member (SQLite builds differ in how many they accept: 32,766
    by default, 250,000 in Debian's). Runs in a worker.
    """
    def query(archive: Archive, sort: str, descending: bool) -> list[int]:
        wanted = set(members(archive))
        return [i for i in archive.article_ids(sort=sort, descending=descending) if i in wanted]
    return query


def table_filter(kind: str, value: str | None) -> tuple[str, IdsQuery | None]:
    """(banner label, ids query) for a sidebar choice; ("", None) for the library."""
    name = value or ""
    if kind == "speaker":
        return f"Articles quoting {name}", _ordered(lambda a: a.article_ids_for(speaker=name))
    if kind == "outlet":
        return f"Articles citing {name}", _ordered(lambda a: a.article_ids_for(outlet=name))
    if kind == "tag":
        return f"Articles tagged “{name}”", _ordered(lambda a: a.article_ids_for(tag=name))
    if kind == "collection":
        return f"Collection “{name}”", _ordered(lambda a: collection_article_ids(a, name))
    return "", None


def queue_jobs(archive: Archive, limit: int) -> tuple[list[Any], dict[int, str]]:
    """The capture queue's jobs and the titles of the articles the captured ones made
    (article id -> title, else its address): the queue's Details column shows them
    after a reload as it did when the capture finished. Runs in a worker."""
    from sqlalchemy import select

    from storage.models import Article

    jobs = archive.jobs(limit=limit)
    ids = sorted({j.article_id for j in jobs if j.state == "done" and j.article_id is not None})
    titles: dict[int, str] = {}
    with archive.db.reader() as s:
        for lo in range(0, len(ids), 500):  # a bounded number of SQL parameters per query
            rows = s.execute(select(Article.id, Article.title, Article.url)
                             .where(Article.id.in_(ids[lo:lo + 500])))
            titles.update((i, title or url) for i, title, url in rows)
    return jobs, titles
