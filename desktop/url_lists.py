"""Reading a URL list file for File > Import URL list (no Qt; call from a worker).

Accepts plain text (one URL per line, or prose with links: ``find_urls`` decides)
and browser bookmark exports (the Netscape bookmark HTML every browser writes),
whose ``<a href>`` values are taken in order.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from pathlib import Path

from capture.bounded_read import URL_LIST_MAX_BYTES, read_bounded

log = logging.getLogger(__name__)

MAX_LIST_BYTES = URL_LIST_MAX_BYTES


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            for name, value in attrs:
                if name.lower() == "href" and value:
                    self.hrefs.append(value.strip())


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<!doctype netscape-bookmark" in head or "<html" in head or "<dl" in head \
        or "<a href" in head


def read_url_list(path: str | Path) -> str:
    """The file's links as text, one per line (bookmark HTML) or the text itself.

    Raises ``OSError`` (unreadable) or ``ValueError`` (too large, not text) with a
    message fit for the user.
    """
    p = Path(path)
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
    if looks_like_html(text):
        parser = _Links()
        parser.feed(text)
        parser.close()
        return "\n".join(parser.hrefs)
    return text
