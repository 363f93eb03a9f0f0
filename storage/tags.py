"""Tags on articles, quotes, claims and photo credits: tagging in bulk, listing with
counts, completion, rename, merge (and unmerge), colour, delete (and restore).

Tags are matched by ``key`` (the casefolded, whitespace-collapsed name), so "Gaza"
and "gaza" are one tag; ``name`` keeps the spelling of its creator (or last rename).

Thread rules: a :class:`TagOps` may be shared by threads; every method opens its
own short session (``archive.db.reader()``/``writer()``), runs one transaction per
call and returns frozen dataclasses or plain dicts, never ORM objects. Tagging
10,000 items is one transaction with bulk (executemany) inserts; call it from a
worker thread in the GUI.

The ``_session`` helpers at module level run inside a caller's write session and are
shared with :mod:`storage.claims`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    Article,
    Claim,
    PhotoCredit,
    Quote,
    Tag,
    article_tags,
    claim_tags,
    credit_tags,
    quote_tags,
)
from storage.organize_common import (
    ConflictError,
    InvalidValueError,
    NameTakenError,
    NotFoundError,
    chunks,
    clean_name,
    existing_ids,
    require_ids,
    unique_ids,
)

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

#: The kinds of things a tag can be on, in display order.
KINDS = ("article", "quote", "claim", "credit")
KIND_LABELS = {"article": "article", "quote": "quote", "claim": "claim",
               "credit": "photo credit"}
_TABLES: dict[str, tuple[Table, Any]] = {
    "article": (article_tags, Article.id),
    "quote": (quote_tags, Quote.id),
    "claim": (claim_tags, Claim.id),
    "credit": (credit_tags, PhotoCredit.id),
}
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _cols(kind: str) -> tuple[Table, Any, Any]:
    """(association table, item column, tag column) of a kind."""
    table, _ = _TABLES[kind]
    return table, table.c[0], table.c[1]


def _check_kind(kind: str) -> None:
    if kind not in _TABLES:
        raise InvalidValueError(f"unknown item kind {kind!r} (use one of: {', '.join(KINDS)})")


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class TagInfo:
    """A tag with how many items of each kind carry it."""

    id: int
    name: str
    color: str | None
    version: int
    articles: int = 0
    quotes: int = 0
    claims: int = 0
    credits: int = 0

    @property
    def total(self) -> int:
        return self.articles + self.quotes + self.claims + self.credits

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "color": self.color,
                "articles": self.articles, "quotes": self.quotes, "claims": self.claims,
                "credits": self.credits, "total": self.total}


def _empty_items() -> dict[str, tuple[int, ...]]:
    return {k: () for k in KINDS}


@dataclass(frozen=True)
class TagChange:
    """What ``tag``/``untag`` changed: per kind, the ids whose link was actually added
    (or removed); ids that already were (or were not) linked are not listed, so the
    inverse call touches exactly these."""

    tag: str
    items: dict[str, tuple[int, ...]] = field(default_factory=_empty_items)
    created: bool = False  # the tag did not exist before this call
    deleted: bool = False  # the tag was deleted by this call (untag with delete_if_unused)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.items.values())

    def kwargs(self) -> dict[str, tuple[int, ...]]:
        """``articles=…, quotes=…, claims=…, credits=…`` for the inverse call."""
        return {f"{k}s": v for k, v in self.items.items()}


@dataclass(frozen=True)
class TagSnapshot:
    """A tag and every link it had, as returned by ``delete_tag`` (for ``restore_tag``)."""

    id: int
    name: str
    color: str | None
    version: int
    items: dict[str, tuple[int, ...]]

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.items.values())


@dataclass(frozen=True)
class TagMerge:
    """What ``merge_tags`` did, for ``unmerge_tags``: the source tag as it was, and
    per kind the items that got the target tag from it (they did not have it)."""

    source: TagSnapshot
    into: str
    moved: dict[str, tuple[int, ...]]


# ------------------------------------------------------------------ in-session helpers


def find_tag(session: Session, name: str) -> Tag | None:
    return session.scalar(select(Tag).where(Tag.key == clean_name(name).casefold()))


def require_tag(session: Session, name: str) -> Tag:
    tag = find_tag(session, name)
    if tag is None:
        raise NotFoundError(f"no tag named {clean_name(name)!r}")
    return tag


def get_or_create_tag(session: Session, name: str) -> tuple[Tag, bool]:
    cleaned = clean_name(name)
    tag = session.scalar(select(Tag).where(Tag.key == cleaned.casefold()))
    if tag is not None:
        return tag, False
    tag = Tag(name=cleaned, key=cleaned.casefold(), version=1)
    try:
        # A savepoint: on a shared archive another desktop may create the same tag at
        # the same instant; then its row is used instead of failing the whole action.
        with session.begin_nested():
            session.add(tag)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(Tag).where(Tag.key == cleaned.casefold()))
        if existing is None:
            raise
        return existing, False
    return tag, True


def linked_ids(session: Session, kind: str, tag_id: int,
               among: Sequence[int] | None = None) -> list[int]:
    """Ids of ``kind`` items carrying the tag (restricted to ``among`` if given)."""
    table, item_col, tag_col = _cols(kind)
    if among is None:
        return list(session.scalars(select(item_col).where(tag_col == tag_id)
                                    .order_by(item_col)))
    out: list[int] = []
    for part in chunks(list(among)):
        out.extend(session.scalars(select(item_col).where(tag_col == tag_id,
                                                          item_col.in_(list(part)))))
    return out


def link(session: Session, kind: str, tag_id: int, ids: Sequence[int]) -> tuple[int, ...]:
    """Bulk-link existing items to a tag; returns the ids newly linked (already-linked
    ones are skipped: an ``INSERT OR IGNORE`` that also says what it inserted)."""
    if not ids:
        return ()
    table, item_col, tag_col = _cols(kind)
    have = set(linked_ids(session, kind, tag_id, ids))
    new = [i for i in ids if i not in have]
    if new:
        session.execute(_insert_ignore(session, table),
                        [{item_col.key: i, tag_col.key: tag_id} for i in new])
    return tuple(new)


def _insert_ignore(session: Session, table: Table) -> Any:
    """``INSERT OR IGNORE`` / ``ON CONFLICT DO NOTHING``: a link another writer made
    between our check and our insert is not an error (PostgreSQL has no single
    writer)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    return insert(table)


def unlink(session: Session, kind: str, tag_id: int, ids: Sequence[int]) -> tuple[int, ...]:
    """Remove links; returns the ids that were linked (and now are not)."""
    if not ids:
        return ()
    table, item_col, tag_col = _cols(kind)
    had = linked_ids(session, kind, tag_id, ids)
    had_set = set(had)
    ordered = [i for i in ids if i in had_set]
    for part in chunks(ordered):
        session.execute(delete(table).where(tag_col == tag_id, item_col.in_(list(part))))
    return tuple(ordered)


def _snapshot(session: Session, tag: Tag) -> TagSnapshot:
    return TagSnapshot(tag.id, tag.name, tag.color, tag.version,
                       {k: tuple(linked_ids(session, k, tag.id)) for k in KINDS})


def _delete_tag_row(session: Session, tag: Tag) -> None:
    for kind in KINDS:
        table, _item, tag_col = _cols(kind)
        session.execute(delete(table).where(tag_col == tag.id))
    session.execute(delete(Tag).where(Tag.id == tag.id))


def _counts(session: Session, tag_ids: Sequence[int] | None = None) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for kind in KINDS:
        table, item_col, tag_col = _cols(kind)
        q = select(tag_col, func.count(item_col)).group_by(tag_col)
        if tag_ids is not None:
            q = q.where(tag_col.in_(list(tag_ids)))
        for tid, n in session.execute(q):
            out.setdefault(tid, {})[kind] = int(n)
    return out


def _info(tag: Tag, counts: dict[str, int] | None) -> TagInfo:
    c = counts or {}
    return TagInfo(tag.id, tag.name, tag.color, tag.version, c.get("article", 0),
                   c.get("quote", 0), c.get("claim", 0), c.get("credit", 0))


def _items_arg(articles: Iterable[int], quotes: Iterable[int], claims: Iterable[int],
               credits: Iterable[int]) -> dict[str, list[int]]:
    return {"article": unique_ids(articles), "quote": unique_ids(quotes),
            "claim": unique_ids(claims), "credit": unique_ids(credits)}


def check_color(color: str | None) -> str | None:
    if color is None or color == "":
        return None
    if not isinstance(color, str) or not _COLOR.match(color.strip()):
        raise InvalidValueError(f"not a colour: {color!r} (use #rrggbb)")
    return color.strip().lower()


# ------------------------------------------------------------------ the operations


class TagOps:
    """Tag operations over an :class:`~storage.archive.Archive` (see module docstring)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.db

    # ---- tagging ---------------------------------------------------------------------
    def tag(self, name: str, *, articles: Iterable[int] = (), quotes: Iterable[int] = (),
            claims: Iterable[int] = (), credits: Iterable[int] = ()) -> TagChange:
        """Put tag ``name`` (created if new) on the given items, in ONE transaction.

        Raises :class:`NotFoundError` (nothing changed) if any id does not exist.
        With no items it only creates the tag (``created`` says whether it was new).
        Undo: ``untag(change.tag, **change.kwargs(), delete_if_unused=change.created)``.
        """
        items = _items_arg(articles, quotes, claims, credits)
        with self.db.writer() as s:
            for kind, ids in items.items():
                require_ids(s, _TABLES[kind][1], ids, KIND_LABELS[kind])
            tag, created = get_or_create_tag(s, name)
            done = {kind: link(s, kind, tag.id, ids) for kind, ids in items.items()}
            change = TagChange(tag.name, done, created=created)
        log.info("tagged %d item(s) %r", change.count, change.tag)
        return change

    def untag(self, name: str, *, articles: Iterable[int] = (), quotes: Iterable[int] = (),
              claims: Iterable[int] = (), credits: Iterable[int] = (),
              delete_if_unused: bool = False) -> TagChange:
        """Take tag ``name`` off the given items (ids without it are ignored).

        With ``delete_if_unused`` the tag itself is deleted when nothing carries it
        any more (the undo of a ``tag`` call that created it).
        Undo: ``tag(change.tag, **change.kwargs())``.
        """
        items = _items_arg(articles, quotes, claims, credits)
        with self.db.writer() as s:
            tag = require_tag(s, name)
            done = {kind: unlink(s, kind, tag.id, ids) for kind, ids in items.items()}
            deleted = False
            if delete_if_unused and not any(_counts(s, [tag.id]).get(tag.id, {}).values()):
                _delete_tag_row(s, tag)
                deleted = True
            return TagChange(tag.name, done, deleted=deleted)

    # ---- reading ---------------------------------------------------------------------
    def tags(self) -> list[TagInfo]:
        """Every tag with its item counts per kind, by name."""
        with self.db.reader() as s:
            counts = _counts(s)
            rows = s.scalars(select(Tag).order_by(Tag.key)).all()
            return [_info(t, counts.get(t.id)) for t in rows]

    def tag_info(self, name: str) -> TagInfo:
        with self.db.reader() as s:
            tag = require_tag(s, name)
            return _info(tag, _counts(s, [tag.id]).get(tag.id))

    def tag_names(self, prefix: str = "", limit: int = 20) -> list[str]:
        """Tag names starting with ``prefix`` (case-insensitive), for completion."""
        key = " ".join(prefix.split()).casefold()
        with self.db.reader() as s:
            q = select(Tag.name).order_by(Tag.key).limit(max(1, limit))
            if key:
                q = q.where(Tag.key >= key, Tag.key < key + "\U0010ffff")
            return list(s.scalars(q))

    def tags_of(self, kind: str, item_id: int) -> list[str]:
        """Names of the tags on one item, by name."""
        _check_kind(kind)
        table, item_col, tag_col = _cols(kind)
        with self.db.reader() as s:
            return list(s.scalars(select(Tag.name).join(table, tag_col == Tag.id)
                                  .where(item_col == item_id).order_by(Tag.key)))

    def item_ids_with_tag(self, name: str, kind: str = "article") -> list[int]:
        """Ids of the ``kind`` items carrying tag ``name`` ([] for an unknown tag)."""
        _check_kind(kind)
        with self.db.reader() as s:
            tag = find_tag(s, name)
            return [] if tag is None else linked_ids(s, kind, tag.id)

    def article_ids_with_tag(self, name: str) -> list[int]:
        """Filter for the article table: ids of articles tagged ``name``, ascending."""
        return self.item_ids_with_tag(name, "article")

    # ---- managing --------------------------------------------------------------------
    def rename_tag(self, old: str, new: str, *, expected_version: int | None = None
                   ) -> TagInfo:
        """Rename a tag. Refuses (:class:`NameTakenError`) when another tag already has
        the new name: merge instead. A change of case only is a rename.
        Undo: ``rename_tag(new, old)``."""
        cleaned = clean_name(new)
        with self.db.writer() as s:
            tag = require_tag(s, old)
            if expected_version is not None and tag.version != expected_version:
                raise ConflictError(f"tag {tag.name!r} changed since it was read",
                                    tag.version)
            other = s.scalar(select(Tag).where(Tag.key == cleaned.casefold(), Tag.id != tag.id))
            if other is not None:
                raise NameTakenError(
                    f"a tag named {other.name!r} already exists; use merge to combine "
                    f"{tag.name!r} into it")
            tag.name, tag.key, tag.version = cleaned, cleaned.casefold(), tag.version + 1
            s.flush()
            return _info(tag, _counts(s, [tag.id]).get(tag.id))

    def set_tag_color(self, name: str, color: str | None) -> str | None:
        """Set (or clear, with None) a tag's colour ``#rrggbb``; returns the previous
        colour. Undo: ``set_tag_color(name, previous)``."""
        value = check_color(color)
        with self.db.writer() as s:
            tag = require_tag(s, name)
            previous = tag.color
            tag.color = value
            tag.version += 1
            return previous

    def delete_tag(self, name: str) -> TagSnapshot:
        """Delete a tag and its links; returns a snapshot (its ``count`` is how many items
        carried it: ask ``tag_info(name).total`` first to warn the user).
        Undo: ``restore_tag(snapshot)``."""
        with self.db.writer() as s:
            tag = require_tag(s, name)
            snap = _snapshot(s, tag)
            _delete_tag_row(s, tag)
        log.info("deleted tag %r (%d links)", snap.name, snap.count)
        return snap

    def restore_tag(self, snap: TagSnapshot) -> TagInfo:
        """Recreate a deleted tag with its name, colour and links (to items that still
        exist), keeping its id when that id is free."""
        with self.db.writer() as s:
            tag = _restore(s, snap)
            return _info(tag, _counts(s, [tag.id]).get(tag.id))

    def merge_tags(self, source: str, into: str) -> TagMerge:
        """Merge tag ``source`` into existing tag ``into``: every item of ``source`` gets
        ``into`` (duplicates dropped), then ``source`` is deleted.
        Undo: ``unmerge_tags(result)``."""
        with self.db.writer() as s:
            src = require_tag(s, source)
            dst = require_tag(s, into)
            if src.id == dst.id:
                raise InvalidValueError(f"cannot merge tag {src.name!r} into itself")
            snap = _snapshot(s, src)
            moved = {kind: link(s, kind, dst.id, list(snap.items[kind])) for kind in KINDS}
            _delete_tag_row(s, src)
            result = TagMerge(snap, dst.name, moved)
        log.info("merged tag %r into %r", snap.name, result.into)
        return result

    def unmerge_tags(self, merge: TagMerge) -> TagInfo:
        """Undo ``merge_tags``: the source tag comes back with its links, and the target
        loses the links the merge gave it."""
        with self.db.writer() as s:
            dst = require_tag(s, merge.into)
            for kind in KINDS:
                unlink(s, kind, dst.id, list(merge.moved.get(kind, ())))
            tag = _restore(s, merge.source)
            return _info(tag, _counts(s, [tag.id]).get(tag.id))


def _restore(s: Session, snap: TagSnapshot) -> Tag:
    key = snap.name.casefold()
    other = s.scalar(select(Tag).where(Tag.key == key))
    if other is not None:
        raise NameTakenError(f"cannot restore tag {snap.name!r}: a tag of that name exists")
    free = s.get(Tag, snap.id) is None
    tag = Tag(name=snap.name, key=key, color=snap.color, version=snap.version)
    if free:
        tag.id = snap.id
    s.add(tag)
    s.flush()
    for kind in KINDS:
        ids = list(snap.items.get(kind, ()))
        if not ids:
            continue
        alive = existing_ids(s, _TABLES[kind][1], ids)
        link(s, kind, tag.id, [i for i in ids if i in alive])
    return tag


def tag_article(session: Session, article_id: int, names: Iterable[str]) -> int:
    """Give an article the named tags (created when missing), inside the caller's
    transaction; names that are not valid tag names are skipped (logged). Returns how
    many tags were newly linked. Used for a bookmark file's folders."""
    linked = 0
    for name in names:
        try:
            tag, _created = get_or_create_tag(session, name)
        except InvalidValueError as exc:
            log.info("bookmark folder %r is not a tag name: %s", name[:80], exc)
            continue
        linked += len(link(session, "article", tag.id, [article_id]))
    return linked
