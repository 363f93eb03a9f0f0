"""Saved searches: a name for a query, listed in the window's sidebar.

Thread rules: each call opens its own short session (writes through
``archive.db.writer()``); call from a worker in the GUI. No Qt.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from storage.models import SavedSearch
from storage.organize_common import InvalidValueError, NotFoundError

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

MAX_NAME = 255
MAX_QUERY = 2000


def _clean(name: str) -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidValueError("a saved search needs a name")
    if len(value) > MAX_NAME:
        raise InvalidValueError(f"the name is longer than {MAX_NAME} characters")
    return value


def saved_searches(archive: Archive) -> list[tuple[str, str]]:
    """Every saved search as (name, query), by name."""
    with archive.db.reader() as s:
        rows = s.execute(select(SavedSearch.name, SavedSearch.query)).all()
    return sorted(((r.name, r.query) for r in rows), key=lambda r: r[0].casefold())


def save_search(archive: Archive, name: str, query: str) -> tuple[str, str | None]:
    """Save ``query`` as ``name`` (an existing name is overwritten). Returns
    (name, the query it had before or None) so the caller can undo."""
    name = _clean(name)
    query = (query or "").strip()
    if not query:
        raise InvalidValueError("the search is empty")
    if len(query) > MAX_QUERY:
        raise InvalidValueError(f"the search is longer than {MAX_QUERY} characters")
    with archive.db.writer() as s:
        row = s.scalar(select(SavedSearch).where(SavedSearch.name == name))
        before = None if row is None else row.query
        if row is None:
            s.add(SavedSearch(name=name, query=query))
        else:
            row.query = query
    log.info("saved search %r", name)
    return name, before


def delete_saved_search(archive: Archive, name: str) -> str:
    """Delete one saved search; returns its query (to restore it with ``save_search``)."""
    with archive.db.writer() as s:
        row = s.scalar(select(SavedSearch).where(SavedSearch.name == name))
        if row is None:
            raise NotFoundError(f"no saved search named {name!r}")
        query = row.query
        s.execute(delete(SavedSearch).where(SavedSearch.id == row.id))
    return query
