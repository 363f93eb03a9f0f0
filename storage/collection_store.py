"""Collections: named groups of articles and claims gathered for a story.

Names are unique regardless of case ("Harbour story" and "harbour story" are one
name); lookups try the exact name first, then a case-insensitive match.

Thread rules: a :class:`CollectionOps` may be shared by threads; each method opens
its own short session, runs one transaction per call and returns frozen dataclasses
or plain dicts, never ORM objects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from storage.claims import ClaimInfo, _infos
from storage.models import (
    Article,
    Claim,
    Collection,
    collection_articles,
    collection_claims,
    utcnow,
)
from storage.organize_common import (
    NameTakenError,
    chunks,
    clean_name,
    existing_ids,
    find_collection,
    require_collection,
    require_ids,
    unique_ids,
)

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CollectionInfo:
    id: int
    name: str
    description: str
    created_at: datetime
    articles: int = 0
    claims: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description,
                "created_at": self.created_at.isoformat(), "articles": self.articles,
                "claims": self.claims}


@dataclass(frozen=True)
class CollectionChange:
    """The articles and claims actually added to (or removed from) a collection; ids
    that already were (or were not) in it are not listed."""

    name: str
    articles: tuple[int, ...] = ()
    claims: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return len(self.articles) + len(self.claims)


@dataclass(frozen=True)
class CollectionView:
    """A collection's content: article summaries and claims."""

    info: CollectionInfo
    articles: tuple[dict[str, Any], ...]
    claims: tuple[ClaimInfo, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.info.to_json(), "article_list": list(self.articles),
                "claim_list": [c.to_json() for c in self.claims]}


def _members(s: Session, table: Table, col_id: int,
             among: Sequence[int] | None = None) -> list[int]:
    coll_col, item_col = table.c[0], table.c[1]
    if among is None:
        return list(s.scalars(select(item_col).where(coll_col == col_id).order_by(item_col)))
    out: list[int] = []
    for part in chunks(list(among)):
        out.extend(s.scalars(select(item_col).where(coll_col == col_id,
                                                    item_col.in_(list(part)))))
    return out


def _add(s: Session, table: Table, col_id: int, ids: Sequence[int]) -> tuple[int, ...]:
    if not ids:
        return ()
    have = set(_members(s, table, col_id, ids))
    new = [i for i in ids if i not in have]
    if new:
        s.execute(insert(table), [{table.c[0].key: col_id, table.c[1].key: i} for i in new])
    return tuple(new)


def _remove(s: Session, table: Table, col_id: int, ids: Sequence[int]) -> tuple[int, ...]:
    if not ids:
        return ()
    had = set(_members(s, table, col_id, ids))
    gone = [i for i in ids if i in had]
    for part in chunks(gone):
        s.execute(delete(table).where(table.c[0] == col_id, table.c[1].in_(list(part))))
    return tuple(gone)


def _info(s: Session, col: Collection) -> CollectionInfo:
    n_art = s.scalar(select(func.count()).select_from(collection_articles)
                     .where(collection_articles.c[0] == col.id)) or 0
    n_cl = s.scalar(select(func.count()).select_from(collection_claims)
                    .where(collection_claims.c[0] == col.id)) or 0
    return CollectionInfo(col.id, col.name, col.description or "", col.created_at,
                          int(n_art), int(n_cl))


def _check_free(s: Session, name: str, except_id: int | None = None) -> None:
    other = find_collection(s, name)
    if other is not None and other.id != except_id:
        raise NameTakenError(f"a collection named {other.name!r} already exists")


class CollectionOps:
    """Collection operations over an :class:`~storage.archive.Archive`."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.db

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        """Create an empty collection. Undo: ``delete_collection(name)``."""
        cleaned = clean_name(name, "collection")
        with self.db.writer() as s:
            _check_free(s, cleaned)
            col = Collection(name=cleaned, description=description or "", created_at=utcnow())
            s.add(col)
            s.flush()
            return _info(s, col)

    def rename_collection(self, old: str, new: str) -> CollectionInfo:
        """Rename; refuses a name another collection has. Undo: rename back."""
        cleaned = clean_name(new, "collection")
        with self.db.writer() as s:
            col = require_collection(s, old)
            _check_free(s, cleaned, except_id=col.id)
            col.name = cleaned
            s.flush()
            return _info(s, col)

    def delete_collection(self, name: str) -> dict[str, Any]:
        """Delete a collection (its articles and claims stay in the archive); returns a
        JSON-safe snapshot. Undo: ``restore_collection(snapshot)``."""
        with self.db.writer() as s:
            col = require_collection(s, name)
            snap = {"id": col.id, "name": col.name, "description": col.description or "",
                    "created_at": col.created_at.isoformat(),
                    "article_ids": _members(s, collection_articles, col.id),
                    "claim_ids": _members(s, collection_claims, col.id)}
            s.execute(delete(collection_articles).where(collection_articles.c[0] == col.id))
            s.execute(delete(collection_claims).where(collection_claims.c[0] == col.id))
            s.execute(delete(Collection).where(Collection.id == col.id))
        log.info("collection %r deleted", snap["name"])
        return snap

    def restore_collection(self, snapshot: dict[str, Any]) -> CollectionInfo:
        """Recreate a deleted collection with its members (those still archived),
        keeping its id when free."""
        with self.db.writer() as s:
            _check_free(s, snapshot["name"])
            col = Collection(name=snapshot["name"], description=snapshot.get("description", ""),
                             created_at=datetime.fromisoformat(snapshot["created_at"]))
            if s.get(Collection, int(snapshot["id"])) is None:
                col.id = int(snapshot["id"])
            s.add(col)
            s.flush()
            arts = [int(i) for i in snapshot.get("article_ids", ())]
            claims = [int(i) for i in snapshot.get("claim_ids", ())]
            alive_a = existing_ids(s, Article.id, arts)
            alive_c = existing_ids(s, Claim.id, claims)
            _add(s, collection_articles, col.id, [i for i in arts if i in alive_a])
            _add(s, collection_claims, col.id, [i for i in claims if i in alive_c])
            return _info(s, col)

    def add_to_collection(self, name: str, *, articles: Iterable[int] = (),
                          claims: Iterable[int] = ()) -> CollectionChange:
        """Add articles and claims (one transaction; unknown ids raise
        :class:`NotFoundError` and nothing changes).
        Undo: ``remove_from_collection(change.name, articles=change.articles,
        claims=change.claims)``."""
        a_ids, c_ids = unique_ids(articles), unique_ids(claims)
        with self.db.writer() as s:
            col = require_collection(s, name)
            require_ids(s, Article.id, a_ids, "article")
            require_ids(s, Claim.id, c_ids, "claim")
            return CollectionChange(col.name, _add(s, collection_articles, col.id, a_ids),
                                    _add(s, collection_claims, col.id, c_ids))

    def remove_from_collection(self, name: str, *, articles: Iterable[int] = (),
                               claims: Iterable[int] = ()) -> CollectionChange:
        """Remove articles and claims (ids not in it are ignored).
        Undo: ``add_to_collection(change.name, articles=..., claims=...)``."""
        a_ids, c_ids = unique_ids(articles), unique_ids(claims)
        with self.db.writer() as s:
            col = require_collection(s, name)
            return CollectionChange(col.name, _remove(s, collection_articles, col.id, a_ids),
                                    _remove(s, collection_claims, col.id, c_ids))

    def collections(self) -> list[CollectionInfo]:
        """Every collection with its article and claim counts, by name."""
        with self.db.reader() as s:
            n_art = dict(s.execute(select(collection_articles.c[0], func.count())
                                   .group_by(collection_articles.c[0])).all())
            n_cl = dict(s.execute(select(collection_claims.c[0], func.count())
                                  .group_by(collection_claims.c[0])).all())
            cols = sorted(s.scalars(select(Collection)), key=lambda c: c.name.casefold())
            return [CollectionInfo(c.id, c.name, c.description or "", c.created_at,
                                   int(n_art.get(c.id, 0)), int(n_cl.get(c.id, 0)))
                    for c in cols]

    def collection(self, name: str) -> CollectionView:
        """A collection's articles (id, title, url, publisher, published) and claims."""
        with self.db.reader() as s:
            col = require_collection(s, name)
            art_ids = _members(s, collection_articles, col.id)
            arts: list[dict[str, Any]] = []
            for part in chunks(art_ids):
                for a in s.execute(select(Article.id, Article.title, Article.url,
                                          Article.publisher, Article.published)
                                   .where(Article.id.in_(list(part)))):
                    arts.append({"id": a.id, "title": a.title, "url": a.url,
                                 "publisher": a.publisher, "published": a.published})
            arts.sort(key=lambda a: a["id"])
            claim_ids = _members(s, collection_claims, col.id)
            claims: list[Claim] = []
            for part in chunks(claim_ids):
                claims.extend(s.scalars(select(Claim).where(Claim.id.in_(list(part)))))
            claims.sort(key=lambda c: (c.article_id, c.start, c.id))
            return CollectionView(_info(s, col), tuple(arts), tuple(_infos(s, claims)))

    def article_ids_in_collection(self, name: str) -> list[int]:
        """Filter for the article table: ids of the collection's articles, ascending
        ([] for an unknown collection)."""
        with self.db.reader() as s:
            col = find_collection(s, name)
            return [] if col is None else _members(s, collection_articles, col.id)

    def collections_of(self, *, article_id: int | None = None,
                       claim_id: int | None = None) -> list[str]:
        """Names of the collections holding an article (or a claim)."""
        if (article_id is None) == (claim_id is None):
            raise ValueError("give article_id or claim_id")
        table = collection_articles if article_id is not None else collection_claims
        item = article_id if article_id is not None else claim_id
        with self.db.reader() as s:
            names = s.scalars(select(Collection.name).join(table, table.c[0] == Collection.id)
                              .where(table.c[1] == item))
            return sorted(names, key=str.casefold)
