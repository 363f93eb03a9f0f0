"""Where a page saved from a browser came from, when the page itself does not say.

A saved page often has no ``<link rel=canonical>`` or ``og:url``; browsers and tools
then leave the address in a comment at the top of the file:

* Chrome, Edge and Internet Explorer ("Web page, HTML only"): the *mark of the web*,
  ``<!-- saved from url=(0046)https://news.example/a -->``;
* the SingleFile extension: ``<!-- Page saved with SingleFile  url: https://... -->``.

Only real comments count: BeautifulSoup tells a comment from the same characters
inside a ``<script>`` string or an attribute, which a pattern over the raw text cannot,
so a page cannot name its own address from a script. Only the first
:data:`HEAD_CHARS` are parsed (the comments are at the top). Pure; thread-safe.
"""

from __future__ import annotations

import logging
import re

from bs4 import BeautifulSoup, Comment

from capture.urls import UrlError, normalise

log = logging.getLogger(__name__)

HEAD_CHARS = 65_536
_MARKS = (
    re.compile(r"^\s*saved from url=\(\d{1,5}\)(\S+)", re.IGNORECASE),
    re.compile(r"Page saved with SingleFile\s+url:\s*(\S+)", re.IGNORECASE),
)


def saved_from_url(html: str) -> str | None:
    """The normalised http(s) address a browser or SingleFile recorded in the saved page,
    or None."""
    soup = BeautifulSoup(html[:HEAD_CHARS], "html.parser")
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        for mark in _MARKS:
            match = mark.search(str(comment))
            if match is None:
                continue
            try:
                return normalise(match.group(1))
            except UrlError as exc:  # about:internet, file://, ... : not an address
                log.info("saved page names no web address: %s", exc)
    return None
