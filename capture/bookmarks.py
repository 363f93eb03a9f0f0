"""Browser bookmark files (the Netscape bookmark HTML every browser exports).

Parsed with BeautifulSoup over lxml's HTML parser (Python's ``html.parser`` when lxml
is missing). Browsers write the format loosely: ``<DT>`` and ``<p>`` are never closed,
folders are ``<DT><H3>name</H3><DL><p>...</DL><p>``. Both parsers then nest every
``<DT>`` in the one before, a tree as deep as the file has links, which BeautifulSoup
builds in quadratic time (20,000 links: minutes). So the end tags the format leaves
implied are written in first (:func:`_close_implied`: ``</dd></dt></p>`` before each
``<dt>``, ``<dd>``, ``<dl>`` and ``<p>``; a stray end tag is ignored by both parsers) and the tree
stays flat: 20,000 links in about a second. The reading relies only on the ``<DL>``
nesting: a ``<DL>`` opened after an ``<H3>`` holds that folder's links, walked in
document order.

What a reporter gets:

* every ``<A HREF>`` in order, with its title;
* its **folders as tags, one tag per folder**: a link in *Politics › Elections 2026*
  gets the tags ``Politics`` and ``Elections 2026``, so filtering by the outer folder
  finds everything filed under it, as the folder did. The browsers' own top folders
  (*Bookmarks bar*, *Bookmarks Toolbar*, *Other bookmarks*, *Bookmarks Menu*,
  *Mobile bookmarks*, marked ``PERSONAL_TOOLBAR_FOLDER`` / ``UNFILED_BOOKMARKS_FOLDER``)
  are where everything lives, not a subject, and give no tag;
* ``ADD_DATE`` (seconds since 1970 as browsers write it; milli- or microseconds from
  some tools) as the date the link was bookmarked, kept with its queued capture.

Pure: no network, no archive, no Qt; thread-safe.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from bs4 import BeautifulSoup, FeatureNotFound, PageElement, Tag

log = logging.getLogger(__name__)

# The browsers' own root folders: no tag (compared case-insensitively).
ROOT_FOLDERS = frozenset({
    "bookmarks bar", "bookmarks toolbar", "other bookmarks", "bookmarks menu",
    "mobile bookmarks", "favorites bar", "other favorites", "bookmarks", "favorites",
})
_ROOT_MARKERS = ("personal_toolbar_folder", "unfiled_bookmarks_folder")
MAX_TAG_CHARS = 100
# Later than this is not seconds.
_LATEST_SECONDS = 4_102_444_800  # 2100-01-01


@dataclass(frozen=True)
class Bookmark:
    url: str  # as written in the file (normalised later, by the queue)
    title: str
    folders: tuple[str, ...]  # outermost first, the browsers' root folders left out
    added: datetime | None  # ADD_DATE, UTC


def is_bookmark_file(text: str) -> bool:
    """True for the Netscape bookmark format (or any HTML with links and lists)."""
    head = text[:4096].lower()
    return ("<!doctype netscape-bookmark" in head or "<dl" in head or "<a href" in head
            or "<html" in head)


_IMPLIED_END = re.compile(r"<(?=(?:dt|dd|dl|p)[\s>])", re.IGNORECASE)


def _close_implied(text: str) -> str:
    """Close the ``<DT>``, ``<DD>`` (a description) and ``<p>`` the format leaves open,
    before the next one starts."""
    return _IMPLIED_END.sub("</dd></dt></p><", text)


def _soup(text: str) -> BeautifulSoup:
    try:
        return BeautifulSoup(text, "lxml")
    except FeatureNotFound:  # pragma: no cover - lxml is a dependency
        log.info("lxml is missing: bookmarks parsed with html.parser")
        return BeautifulSoup(text, "html.parser")


def parse_date(value: str | None) -> datetime | None:
    """``ADD_DATE`` as a UTC datetime, or None (missing, 0, not a number, absurd)."""
    if not value:
        return None
    try:
        n = int(value.strip())
    except ValueError:
        return None
    for unit in (1, 1_000, 1_000_000):  # seconds; some tools write ms or microseconds
        seconds = n // unit
        if 0 < seconds <= _LATEST_SECONDS:
            return datetime.fromtimestamp(seconds, UTC)
    return None


def _folder_name(h3: Tag) -> str | None:
    name = " ".join(h3.get_text(" ").split())[:MAX_TAG_CHARS]
    if not name:
        return None
    if any(h3.has_attr(marker) for marker in _ROOT_MARKERS) or name.lower() in ROOT_FOLDERS:
        return None
    return name


def read_bookmarks(text: str, *, parser: str | None = None) -> list[Bookmark]:
    """Every link of a bookmark file, in order, with its folders and date.

    ``parser``: a BeautifulSoup tree builder (``"lxml"``, ``"html.parser"``); default
    lxml, else html.parser.
    """
    text = _close_implied(text)
    soup = BeautifulSoup(text, parser) if parser else _soup(text)
    out: list[Bookmark] = []
    pending: str | None = None  # the last folder heading, until its <DL> opens
    folders: list[str | None] = []  # one entry per open <DL>: its folder (None: no tag)
    # Walked without recursion, whatever depth the file's own nesting gives.
    todo: list[Iterator[PageElement]] = [iter(soup.children)]
    closes_dl: list[bool] = [False]
    while todo:
        child = next(todo[-1], None)
        if child is None:
            todo.pop()
            if closes_dl.pop():
                folders.pop()
            continue
        if not isinstance(child, Tag):
            continue
        if child.name == "h3":
            pending = _folder_name(child)
        elif child.name == "a":
            href = child.get("href")
            href = href.strip() if isinstance(href, str) else ""
            if href:
                added = child.get("add_date")
                out.append(Bookmark(
                    url=href, title=" ".join(child.get_text(" ").split()),
                    folders=tuple(f for f in folders if f),
                    added=parse_date(added if isinstance(added, str) else None)))
        else:
            is_dl = child.name == "dl"
            if is_dl:
                folders.append(pending)
                pending = None
            todo.append(iter(child.children))
            closes_dl.append(is_dl)
    return out
