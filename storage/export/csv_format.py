"""CSV export: one file per kind of item (articles, quotes, claims, sources,
credits), UTF-8 with a BOM so spreadsheets read it right.

Cells that a spreadsheet could run as a formula (starting with tab or CR, or with
``=``, ``+``, ``-``, ``@`` in any Unicode compatibility form, after any whitespace or
invisible characters: see :func:`could_run`) get a leading ``'``; numbers stay
numbers; NUL characters are removed; newlines and
quotes inside cells are kept (standard CSV quoting), so :mod:`csv` reads back the
same text.

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from typing import IO, Any

from storage.export.schema import latest_capture

log = logging.getLogger(__name__)

CSV_KINDS = ("articles", "quotes", "claims", "sources", "credits")
BOM = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS: dict[str, list[str]] = {
    "articles": ["article", "title", "url", "canonical_url", "publisher", "authors", "published",
                 "language", "word_count", "tags", "collections", "captured_at", "sha256",
                 "url_key"],
    "quotes": ["article", "article_title", "quote", "speaker", "role", "cue", "start", "end",
               "origin", "tags"],
    "claims": ["article", "article_title", "url", "claim", "verdict", "note", "evidence",
               "start", "end", "tags", "collections", "created_at", "updated_at"],
    "sources": ["article", "article_title", "outlet", "kind", "url", "context"],
    "credits": ["article", "article_title", "credit", "photographer", "provider", "caption",
                "image_url", "image_sha256", "tags"],
}

#: Which part of the include choice a CSV kind needs.
INCLUDE_OF = {"quotes": "quotes", "claims": "claims", "sources": "sources", "credits": "credits"}


FORMULA_CHARS = ("=", "+", "-", "@", "\u2212")  # NFKC turns superscript minus into U+2212
_HEAD = 64  # characters looked at: a prefix of blanks longer than this is neutralised too


def _ignorable(ch: str) -> bool:
    """Characters a spreadsheet may skip before a formula: any Unicode whitespace
    (line feed, CR, tab, no-break and ideographic spaces ...) and invisible format
    characters (zero-width space, word joiner, BOM, bidi marks)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")


def could_run(text: str) -> bool:
    """Whether a spreadsheet might read ``text`` as a formula: it starts with tab or CR,
    or, after any blanks and invisible characters, with ``=``, ``+``, ``-`` or ``@`` in
    any Unicode compatibility form (full-width ``＝``, small ``﹦``, superscript ...,
    decided by NFKC)."""
    if text.startswith(FORMULA_STARTS):
        return True
    head = unicodedata.normalize("NFKC", text[:_HEAD])
    i = 0
    while i < len(head) and _ignorable(head[i]):
        i += 1
    if i == len(head):
        return len(text) > _HEAD  # only blanks so far: be safe when more follows
    return head[i] in FORMULA_CHARS


def neutralise(value: Any) -> Any:
    """A cell value that cannot run as a spreadsheet formula (numbers stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value).replace("\x00", "")
    if could_run(text):
        text = "'" + text
    return text


def _join(values: Any) -> str:
    return "; ".join(str(v) for v in values or [])


def rows_for(kind: str, rec: dict[str, Any]) -> list[list[Any]]:
    aid, title = rec["id"], rec.get("title")
    if kind == "articles":
        cap = latest_capture(rec) or {}
        return [[aid, title, rec["url"], rec["canonical_url"], rec.get("publisher"),
                 _join(rec.get("authors")), rec.get("published"), rec.get("language"),
                 rec.get("word_count"), _join(rec.get("tags")), _join(rec.get("collections")),
                 cap.get("fetched_at"), cap.get("sha256"), rec.get("url_key")]]
    if kind == "quotes":
        return [[aid, title, q["text"], q.get("speaker"), q.get("role"), q.get("cue"),
                 q["start"], q["end"], q.get("origin"), _join(q.get("tags"))]
                for q in rec.get("quotes", [])]
    if kind == "claims":
        return [[aid, title, rec["url"], c["text"], c["verdict"], c.get("note"),
                 _join(c.get("evidence")), c["start"], c["end"], _join(c.get("tags")),
                 _join(c.get("collections")), c.get("created_at"), c.get("updated_at")]
                for c in rec.get("claims", [])]
    if kind == "sources":
        return [[aid, title, s["name"], s["kind"], s.get("url"), s.get("context")]
                for s in rec.get("sources", [])]
    if kind == "credits":
        return [[aid, title, c["credit"], c.get("photographer"), c.get("provider"),
                 c.get("caption"), c.get("image_url"), c.get("image_sha256"),
                 _join(c.get("tags"))] for c in rec.get("photo_credits", [])]
    raise ValueError(f"unknown CSV kind {kind!r}; choose from {', '.join(CSV_KINDS)}")


class CsvSink:
    """Writes one kind's rows to a binary file (BOM, header, neutralised cells)."""

    def __init__(self, kind: str, out: IO[bytes]) -> None:
        self.kind = kind
        out.write(BOM)
        self._text = io.TextIOWrapper(out, encoding="utf-8", errors="replace", newline="")
        self._writer = csv.writer(self._text, lineterminator="\r\n")
        self._writer.writerow(COLUMNS[kind])
        self.rows = 0

    def add(self, rec: dict[str, Any]) -> None:
        for row in rows_for(self.kind, rec):
            self._writer.writerow([neutralise(v) for v in row])
            self.rows += 1

    def finish(self) -> None:
        self._text.flush()
        self._text.detach()
