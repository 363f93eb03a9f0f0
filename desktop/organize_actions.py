"""Tagging and collecting articles from the window (no Qt; call from a worker).

Thin calls into :mod:`storage.tags` and :mod:`storage.collection_store`; a
collection named for the first time is created.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.archive import Archive


def tag_articles(archive: Archive, name: str, article_ids: Sequence[int]) -> str:
    """Put tag ``name`` on the articles; returns a sentence for the status bar."""
    from storage.tags import TagOps

    change = TagOps(archive).tag(name, articles=article_ids)
    n = len(article_ids)
    return f"Tagged {n} article{'s' if n != 1 else ''} “{change.tag}”."


def collect_articles(archive: Archive, name: str, article_ids: Sequence[int]) -> str:
    """Add the articles to collection ``name`` (created if it does not exist yet)."""
    from storage.collection_store import CollectionOps
    from storage.organize_common import NotFoundError

    ops = CollectionOps(archive)
    try:
        change = ops.add_to_collection(name, articles=article_ids)
    except NotFoundError:
        ops.create_collection(name)
        change = ops.add_to_collection(name, articles=article_ids)
    n = len(article_ids)
    return f"Added {n} article{'s' if n != 1 else ''} to the collection “{change.name}”."


def mark_claim(archive: Archive, article_id: int, start: int, end: int, verdict: str,
               note: str) -> str:
    """Mark the span as a claim with a verdict and a note."""
    from storage.claims import ClaimOps

    info = ClaimOps(archive).add_claim(article_id, start=start, end=end, verdict=verdict,
                                       note=note)
    words = " ".join(info.text.split())
    short = words if len(words) <= 60 else words[:57] + "…"
    return f"Claim marked ({info.verdict}): “{short}”."
