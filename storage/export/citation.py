"""CSL-JSON and RIS for the articles, so a collection goes into Zotero and other
reference managers (type article-newspaper / NEWS).

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import json
import logging
import re
from typing import IO, Any

from storage.export.common import RecordStream
from storage.export.schema import latest_capture

log = logging.getLogger(__name__)

_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le",
              "bin", "ibn", "al", "el", "ten", "ter", "dos", "das", "st.", "mc"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_NOT_A_PERSON = re.compile(r"\b(staff|reporters?|desk|team|editors?|newsroom|agency|"
                           r"correspondents?|news|press|associated|reuters|afp|bureau)\b", re.I)


def split_name(name: str) -> dict[str, str]:
    """A CSL name: ``{"family", "given"}`` for a person, ``{"literal"}`` otherwise."""
    name = " ".join((name or "").split())
    if not name:
        return {"literal": ""}
    if "," in name:
        family, given = (p.strip() for p in name.split(",", 1))
        if family and given and given.lower().strip(".") not in _SUFFIXES:
            return {"family": family, "given": given}
    parts = name.split(" ")
    if len(parts) < 2 or _NOT_A_PERSON.search(name) or len(parts) > 5:
        return {"literal": name}
    suffix = ""
    if parts[-1].lower() in _SUFFIXES and len(parts) > 2:
        suffix = parts.pop()
    i = len(parts) - 1
    while i > 1 and parts[i - 1].lower() in _PARTICLES:
        i -= 1
    out = {"family": " ".join(parts[i:]), "given": " ".join(parts[:i])}
    if suffix:
        out["suffix"] = suffix
    return out


def date_parts(iso: str | None) -> list[int] | None:
    m = re.match(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", iso or "")
    if not m:
        return None
    return [int(g) for g in m.groups() if g]


def csl_item(rec: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"cuttings-{rec['id']}", "type": "article-newspaper",
                            "title": rec.get("title") or rec["url"], "URL": rec["url"]}
    authors = [split_name(a) for a in rec.get("authors") or [] if a and a.strip()]
    if authors:
        item["author"] = authors
    if rec.get("publisher"):
        item["container-title"] = rec["publisher"]
    issued = date_parts(rec.get("published"))
    if issued:
        item["issued"] = {"date-parts": [issued]}
    cap = latest_capture(rec)
    accessed = date_parts(cap.get("fetched_at")) if cap else None
    if accessed:
        item["accessed"] = {"date-parts": [accessed]}
    if rec.get("language"):
        item["language"] = rec["language"]
    if rec.get("description"):
        item["abstract"] = rec["description"]
    return item


def write_csl(out: IO[bytes], stream: RecordStream) -> int:
    out.write(b"[")
    n = 0
    for rec in stream:
        out.write((b"\n" if n == 0 else b",\n")
                  + json.dumps(csl_item(rec), ensure_ascii=False).encode("utf-8", "replace"))
        n += 1
    out.write(b"\n]\n")
    return n


def _ris_value(value: Any) -> str:
    """One RIS line's value: no line breaks or control characters (they end a tag)."""
    text = "".join(ch if ch >= " " else " " for ch in str(value or ""))
    return " ".join(text.replace("\u2028", " ").replace("\u2029", " ").split())


def _ris_date(parts: list[int] | None) -> str | None:
    if not parts:
        return None
    y, m, d = (parts + [0, 0])[:3]
    return f"{y:04d}/{m:02d}/{d:02d}/" if m else f"{y:04d}///"


def ris_entry(rec: dict[str, Any]) -> str:
    lines = ["TY  - NEWS", f"TI  - {_ris_value(rec.get('title') or rec['url'])}"]
    for a in rec.get("authors") or []:
        n = split_name(a)
        au = n.get("literal") or f"{n['family']}, {n['given']}" + (
            f", {n['suffix']}" if n.get("suffix") else "")
        if au.strip():
            lines.append(f"AU  - {_ris_value(au)}")
    if rec.get("publisher"):
        lines.append(f"T2  - {_ris_value(rec['publisher'])}")
        lines.append(f"PB  - {_ris_value(rec['publisher'])}")
    issued = date_parts(rec.get("published"))
    if issued:
        lines.append(f"PY  - {issued[0]:04d}")
        lines.append(f"DA  - {_ris_date(issued)}")
    lines.append(f"UR  - {_ris_value(rec['url'])}")
    cap = latest_capture(rec)
    if cap and cap.get("fetched_at"):
        lines.append(f"Y2  - {_ris_date(date_parts(cap['fetched_at']))}")
    if rec.get("language"):
        lines.append(f"LA  - {_ris_value(rec['language'])}")
    if rec.get("description"):
        lines.append(f"AB  - {_ris_value(rec['description'])}")
    for t in rec.get("tags") or []:
        lines.append(f"KW  - {_ris_value(t)}")
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n\r\n"


def write_ris(out: IO[bytes], stream: RecordStream) -> int:
    n = 0
    for rec in stream:
        out.write(ris_entry(rec).encode("utf-8", "replace"))
        n += 1
    return n
