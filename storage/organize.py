"""Organising the archive: claims, tags and collections, with undo support.

``Organizer(archive)`` is the one object the CLI and the GUI use; it combines
:class:`storage.tags.TagOps`, :class:`storage.claims.ClaimOps` and
:class:`storage.collection_store.CollectionOps`. Re-anchoring after a recapture is
in :mod:`storage.anchoring`.

Thread rules
------------
An ``Organizer`` may be shared by threads (it holds only the archive). Every method
opens its own short session: one write transaction per user action through
``archive.db.writer()`` (single writer, ``BEGIN IMMEDIATE`` on SQLite), reads through
``archive.db.reader()``. Results are frozen dataclasses or JSON-safe dicts, never ORM
objects, so they can cross threads through queued signals. Bulk tagging (10,000
articles) is one transaction of a few bulk statements; in the GUI run it in a
worker, not on the GUI thread.

Errors (all :class:`OrganizeError`, one-line user-facing messages):
:class:`NotFoundError` (unknown id, tag, collection, or claim text not found),
:class:`InvalidValueError` (verdict, colour, name, span, evidence),
:class:`NameTakenError` (rename/create onto an existing name: for tags, merge instead),
:class:`ConflictError` (optimistic version check failed; ``current_version`` says
what the row has now).

Undo (how the GUI's ``QUndoCommand``\\ s use this)
-----------------------------------------------
Each mutating call returns what its inverse needs; ``redo()`` performs the call and
keeps the result, ``undo()`` calls the inverse with it. Commands refer to tags and
collections by *name* (names survive delete/restore; ids may not), to claims by id
(``restore_claim`` keeps the id when it is free and returns the claim it made).

===========================================  ==================================================
do                                           undo
===========================================  ==================================================
``ch = tag(name, articles=…, …)``            ``untag(ch.tag, **ch.kwargs(), delete_if_unused=ch.created)``
``ch = untag(name, …)``                      ``tag(ch.tag, **ch.kwargs())``
``old = set_tag_color(name, c)``             ``set_tag_color(name, old)``
``info = rename_tag(old, new)``              ``rename_tag(info.name, old)``
``m = merge_tags(a, b)``                     ``unmerge_tags(m)``
``snap = delete_tag(name)``                  ``restore_tag(snap)``
``c = add_claim(article_id, …)``             ``snap = delete_claim(c.id)`` (redo: ``restore_claim(snap)``)
``after = update_claim(id, before.version, …)``  ``revert_claim(before, after.version)``
``snap = delete_claim(id)``                  ``restore_claim(snap)``
``create_collection(name)``                  ``delete_collection(name)``
``info = rename_collection(old, new)``       ``rename_collection(info.name, old)``
``snap = delete_collection(name)``           ``restore_collection(snap)``
``ch = add_to_collection(name, …)``          ``remove_from_collection(ch.name, articles=ch.articles, claims=ch.claims)``
``ch = remove_from_collection(name, …)``     ``add_to_collection(ch.name, articles=ch.articles, claims=ch.claims)``
===========================================  ==================================================

``tag``/``untag``/``add_to_collection``/``remove_from_collection`` report only the
items they actually changed, so an undo never removes a tag an item already had.
Redo of a claim edit: ``update_claim(id, current_version, …)`` again; if another
writer changed the claim meanwhile, the :class:`ConflictError` tells the GUI to
reload instead of overwriting.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from storage.anchoring import ReanchorReport, reanchor_article
from storage.claims import ClaimInfo, ClaimOps
from storage.collection_store import CollectionChange, CollectionInfo, CollectionOps, CollectionView
from storage.models import VERDICTS
from storage.organize_common import (
    ConflictError,
    InvalidValueError,
    NameTakenError,
    NotFoundError,
    OrganizeError,
)
from storage.tags import KINDS, TagChange, TagInfo, TagMerge, TagOps, TagSnapshot

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

__all__ = [
    "KINDS", "VERDICTS", "ClaimInfo", "CollectionChange", "CollectionInfo", "CollectionView",
    "ConflictError", "InvalidValueError", "NameTakenError", "NotFoundError", "OrganizeError",
    "Organizer", "ReanchorReport", "TagChange", "TagInfo", "TagMerge", "TagSnapshot",
]


class Organizer(TagOps, ClaimOps, CollectionOps):
    """Claims, tags and collections of one archive (see the module docstring)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.db

    def reanchor(self, article_id: int) -> ReanchorReport:
        """Re-anchor one article's claims and user quotes to its current text."""
        return reanchor_article(self.archive, article_id)
