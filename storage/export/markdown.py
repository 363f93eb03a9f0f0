"""Markdown dossier: per article its metadata, claims with verdicts and notes,
quotes with speakers, cited outlets, photo credits, the original URL and the
capture time and hash.

Every piece of untrusted text is escaped (:func:`md_escape`): Markdown and HTML
punctuation is backslash-escaped and line breaks cannot start a heading, list or
block, so a page's text renders as text and never as links, images or HTML.

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import IO, Any

from storage.export.common import RecordStream
from storage.export.schema import latest_capture

log = logging.getLogger(__name__)

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&=^$\"'])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def md_escape(value: Any, *, inline: bool = True) -> str:
    """Untrusted text as literal Markdown. ``inline`` folds line breaks to spaces;
    otherwise paragraphs are kept (each line escaped on its own)."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    if inline:
        return _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(_SPECIAL.sub(r"\\\1", p) for p in paras if p)


def _item(label: str, value: Any) -> str | None:
    if value in (None, "", []):
        return None
    return f"- **{label}:** {md_escape(value)}"


def article_markdown(rec: dict[str, Any]) -> str:
    lines = [f"## {rec['id']}. {md_escape(rec.get('title') or rec['url'])}", ""]
    cap = latest_capture(rec) or {}
    for row in (_item("Authors", ", ".join(rec.get("authors") or [])),
                _item("Publisher", rec.get("publisher")),
                _item("Published", rec.get("published")),
                _item("Language", rec.get("language")),
                _item("Original URL", rec.get("url")),
                _item("Captured (UTC)", cap.get("fetched_at")),
                _item("HTTP status", cap.get("http_status")),
                f"- **SHA-256 of the raw page:** `{cap['sha256']}`" if cap.get("sha256") else None,
                _item("Tags", ", ".join(rec.get("tags") or [])),
                _item("Collections", ", ".join(rec.get("collections") or []))):
        if row:
            lines.append(row)
    if len(rec.get("captures") or []) > 1:
        lines.append("- **Earlier captures:** " + "; ".join(
            f"{md_escape(c['fetched_at'])} `{c['sha256']}`" for c in rec["captures"]
            if not c.get("latest")))
    if rec.get("claims"):
        lines += ["", "### Claims", ""]
        for c in rec["claims"]:
            lines.append(f"- **{md_escape(c['verdict'].upper())}:** “{md_escape(c['text'])}”")
            if c.get("note"):
                lines.append(f"  - Note: {md_escape(c['note'])}")
            for e in c.get("evidence") or []:
                lines.append(f"  - Evidence: {md_escape(e)}")
    if rec.get("quotes"):
        lines += ["", "### Quotes", ""]
        for q in rec["quotes"]:
            who = md_escape(q.get("speaker") or "unattributed")
            role = f", {md_escape(q['role'])}" if q.get("role") else ""
            lines.append(f"- “{md_escape(q['text'])}” — {who}{role}")
    if rec.get("sources"):
        lines += ["", "### Cited outlets", ""]
        for s in rec["sources"]:
            ctx = f": {md_escape(s['context'])}" if s.get("context") else ""
            lines.append(f"- {md_escape(s['name'])} ({md_escape(s['kind'])}){ctx}")
    if rec.get("photo_credits"):
        lines += ["", "### Photo credits", ""]
        for c in rec["photo_credits"]:
            cap_text = f" — {md_escape(c['caption'])}" if c.get("caption") else ""
            lines.append(f"- {md_escape(c['credit'])}{cap_text}")
    lines += ["", "---", "", ""]
    return "\n".join(lines)


def write_markdown(out: IO[bytes], stream: RecordStream, title: str) -> int:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out.write(f"# {md_escape(title)}\n\nExported by Cuttings on {now}; "
              f"{len(stream.ids)} article(s).\n\n".encode())
    n = 0
    for rec in stream:
        out.write(article_markdown(rec).encode("utf-8", "replace"))
        n += 1
    return n
