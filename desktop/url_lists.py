"""Reading a URL list file for File > Import URL list (no Qt; call from a worker).

Accepts plain text (one URL per line, or prose with links: ``find_urls`` decides)
and browser bookmark exports (the Netscape bookmark HTML every browser writes),
whose links are taken in order (:mod:`capture.bookmarks`, BeautifulSoup). This path
fills the Add links dialog with addresses only; File > Import and ``cuttings import``
queue a bookmark file keeping its folders as tags and its dates
(:func:`storage.export.importer.import_url_list`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from capture.bookmarks import is_bookmark_file, read_bookmarks
from capture.bounded_read import URL_LIST_MAX_BYTES, read_bounded

log = logging.getLogger(__name__)

MAX_LIST_BYTES = URL_LIST_MAX_BYTES


def is_browser_bookmarks(path: str | Path) -> bool:
    """True for a bookmark file a browser exported (its ``NETSCAPE-Bookmark-file``
    doctype): File > Import URL list hands those to the import, which keeps their
    folders as tags and their dates, instead of the Add links dialog. Reads 4 KB."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False  # read_url_list says why
    return b"netscape-bookmark-file" in head.lower()


def read_url_list(path: str | Path) -> str | None:
    """The file's links as text, one per line (bookmark HTML) or the text itself;
    None for a browser's bookmark export (:func:`is_browser_bookmarks`).

    Raises ``OSError`` (unreadable) or ``ValueError`` (too large, not text) with a
    message fit for the user.
    """
    p = Path(path)
    if p.is_file() and is_browser_bookmarks(p):
        return None  # for the import (see is_browser_bookmarks)
    data = read_bounded(p, MAX_LIST_BYTES, p.name)  # never more than the cap is read
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"{p.name} is not a text file or a bookmarks file.")
    for enc in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    if is_bookmark_file(text):
        return "\n".join(mark.url for mark in read_bookmarks(text))
    return text
