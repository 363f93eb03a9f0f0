"""Helpers for the claims/tags/collections tests: invented articles stored through the
real ``Archive.store_capture``, bulk rows for scale tests, and a full dump of the
organising state to compare before/after undo."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import insert, select

from capture.types import CreditItem, Extracted, QuoteItem
from storage.archive import Archive, StoredCapture
from storage.models import (
    Article,
    Claim,
    Collection,
    Quote,
    Tag,
    article_tags,
    claim_tags,
    collection_articles,
    collection_claims,
    credit_tags,
    quote_tags,
)
from tests.support.captures import fetched  # noqa: F401 - re-exported for the tests

HARBOUR_TEXT = (
    "Saltmere council voted on Tuesday to rebuild the harbour wall, which was built in "
    "1894 and partly collapsed in the January storm.\n\n"
    "“We will rebuild it stone by stone,” said Mayor Jane Roe, adding that the work "
    "would cost 4.2 million pounds and finish by next spring.\n\n"
    "Opposition councillor Sam Hale said the estimate was “a fantasy number” and "
    "asked for an independent survey of the foundations."
)

FERRY_TEXT = (
    "The island ferry will run twice a day from March, the operator Northway Lines "
    "announced. “Demand doubled in two years,” said its director, Priya Nandi."
)




def quote_item(text: str, inner: str, speaker: str) -> QuoteItem:
    start = text.find(inner)
    assert start >= 0, inner
    return QuoteItem(inner, speaker, None, "said", start, start + len(inner))


def extracted(text: str, *, title: str = "Harbour wall to be rebuilt",
              quotes: list[tuple[str, str]] | None = None,
              credits: list[str] | None = None) -> Extracted:
    if quotes is None:
        quotes = [(q, s) for q, s in (("We will rebuild it stone by stone,", "Jane Roe"),
                                      ("a fantasy number", "Sam Hale")) if q in text]
    return Extracted(
        title=title, authors=["Lee Park"], published="2026-02-01",
        publisher="The Saltmere Post", language="en", text=text, reader_html="<p>x</p>",
        quotes=[quote_item(text, q, s) for q, s in quotes],
        credits=[CreditItem(c, None, None, None, None) for c in
                 (credits if credits is not None else ["Ana Ruiz/Saltmere Post"])])


def store(archive: Archive, url: str = "https://post.example.org/harbour",
          text: str = HARBOUR_TEXT, **kw: Any) -> StoredCapture:
    body = f"<html><p>{url} {hashlib.sha256(text.encode()).hexdigest()}</p></html>".encode()
    return archive.store_capture(fetched(url, body), extracted(text, **kw))


def bulk_articles(archive: Archive, n: int, prefix: str = "https://bulk.example.org/") -> list[int]:
    """``n`` plain article rows in one transaction (executemany); returns their ids."""
    with archive.db.writer() as s:
        s.execute(insert(Article), [
            {"canonical_url": f"{prefix}{i}", "url": f"{prefix}{i}", "site": "bulk.example.org",
             "title": f"Bulk article {i}", "text": f"Body of bulk article {i}."}
            for i in range(n)])
        return list(s.scalars(select(Article.id).where(Article.canonical_url.like(f"{prefix}%"))
                              .order_by(Article.id)))


def dump(archive: Archive) -> dict[str, Any]:
    """Every row that organising touches, as comparable plain data."""
    with archive.db.reader() as s:
        def rows(table: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in s.execute(select(table)).all())

        return {
            "tags": sorted((t.id, t.name, t.key, t.color) for t in s.scalars(select(Tag))),
            "article_tags": rows(article_tags),
            "quote_tags": rows(quote_tags),
            "claim_tags": rows(claim_tags),
            "credit_tags": rows(credit_tags),
            "collections": sorted((c.id, c.name, c.description, c.created_at)
                                  for c in s.scalars(select(Collection))),
            "collection_articles": rows(collection_articles),
            "collection_claims": rows(collection_claims),
            "claims": sorted((c.id, c.article_id, c.capture_id, c.text, c.start, c.end, c.note,
                              c.verdict, tuple(c.evidence), c.anchor_state, c.created_at)
                             for c in s.scalars(select(Claim))),
            "quotes": sorted((q.id, q.text, q.start, q.end, q.origin, q.anchor_state)
                             for q in s.scalars(select(Quote))),
        }
