"""Errors and small helpers shared by the tag, claim and collection operations.

Pure helpers; no sessions are kept here.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Collection

log = logging.getLogger(__name__)

#: How many ids go into one ``IN (...)`` (well under SQLite's variable limit).
CHUNK = 900
MAX_NAME = 255


class OrganizeError(Exception):
    """Base of the errors below; the message is one line meant for the user."""


class NotFoundError(OrganizeError, LookupError):
    """An id, tag or collection that does not exist."""


class ConflictError(OrganizeError):
    """The row changed since it was read (optimistic ``version`` check failed)."""

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class NameTakenError(OrganizeError):
    """A rename or create whose target name is already used."""


class InvalidValueError(OrganizeError, ValueError):
    """A bad verdict, colour, name, span or evidence link."""


def chunks(seq: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def unique_ids(ids: Iterable[int]) -> list[int]:
    """Ids as ints, duplicates dropped, first order kept; bools and non-ints refused."""
    out: dict[int, None] = {}
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, int):
            raise InvalidValueError(f"not an id: {i!r}")
        out[i] = None
    return list(out)


def clean_name(name: str, what: str = "tag") -> str:
    """Trim, collapse inner whitespace, refuse empty, control characters, over-long."""
    if not isinstance(name, str):
        raise InvalidValueError(f"{what} name must be text")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidValueError(f"{what} name is empty")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in cleaned):
        raise InvalidValueError(f"{what} name contains control characters: {cleaned!r}")
    if len(cleaned) > MAX_NAME:
        raise InvalidValueError(f"{what} name is longer than {MAX_NAME} characters")
    return cleaned


def tag_key(name: str) -> str:
    return clean_name(name).casefold()


def existing_ids(session: Session, column: Any, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(list(ids)):
        found.update(session.scalars(select(column).where(column.in_(list(part)))))
    return found


def require_ids(session: Session, column: Any, ids: Sequence[int], what: str) -> None:
    """Raise :class:`NotFoundError` naming the first missing ids."""
    if not ids:
        return
    found = existing_ids(session, column, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        plural = "s" if len(missing) > 1 else ""
        raise NotFoundError(f"no {what} with id{plural} {shown}{more}")


def find_collection(session: Session, name: str) -> Collection | None:
    """A collection by exact name, else by case-insensitive name."""
    cleaned = clean_name(name, "collection")
    col = session.scalar(select(Collection).where(Collection.name == cleaned))
    if col is not None:
        return col
    key = cleaned.casefold()
    for c in session.scalars(select(Collection)):  # few rows; casefold is Unicode-aware
        if c.name.casefold() == key:
            return c
    return None


def require_collection(session: Session, name: str) -> Collection:
    col = find_collection(session, name)
    if col is None:
        raise NotFoundError(f"no collection named {clean_name(name, 'collection')!r}")
    return col
