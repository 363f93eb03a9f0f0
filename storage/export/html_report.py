"""HTML report: one self-contained, printable file; images embedded as data: URIs.

The header names what was exported (a collection with its description, or a tag)
and, when claims are included, which colour marks which verdict; each article shows
its tags and its claims marked in the text at their offsets, numbered, with a note
per claim (verdict, note, evidence, tags); the footer lists every tag in the report.

Safety: see :mod:`storage.export.html_render` (sanitised, CSP, no script ever).
Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from storage.blobs import BlobCorruptError, BlobMissingError
from storage.export.common import RecordStream
from storage.export.html_render import (
    PAGE_TAIL,
    SAFE_IMAGE_TYPES,
    article_html,
    esc,
    page_head,
    tag_list,
    verdict_key,
)
from storage.export.select import Selection

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)


def image_types(rec: dict[str, Any]) -> dict[str, str]:
    """sha256 -> media type of the article's images that are safe to show."""
    out: dict[str, str] = {}
    for cap in rec.get("captures") or []:
        for a in cap.get("assets") or []:
            mt = (a.get("media_type") or "").split(";")[0].strip().lower()
            if mt in SAFE_IMAGE_TYPES:
                out[a["sha256"]] = mt
    return out


def collection_header(archive: Archive, name: str) -> str:
    """The exported collection: its name and description (escaped)."""
    from sqlalchemy import func, select

    from storage.models import Collection

    with archive.db.reader() as s:
        coll = s.scalar(select(Collection).where(Collection.name == name)) or s.scalar(
            select(Collection).where(func.lower(Collection.name) == name.lower()))
        if coll is None:
            return ""
        desc = (coll.description or "").strip()
        return ('<section class="collection"><p><strong>Collection:</strong> '
                f"{esc(coll.name)}</p>"
                + (f"<p>{esc(desc)}</p>".replace("\n", "<br>") if desc else "")
                + "</section>\n")


def selection_header(archive: Archive, selection: Selection | None) -> str:
    """What was exported: the collection (name, description) or the tag."""
    if selection is None:
        return ""
    if selection.collection is not None:
        return collection_header(archive, selection.collection)
    if selection.tag is not None:
        return f'<p class="meta">Articles tagged {tag_list([selection.tag])}</p>\n'
    return ""


def write_html(out: IO[bytes], archive: Archive, stream: RecordStream, title: str,
               warnings: list[str], selection: Selection | None = None) -> int:
    out.write(page_head(title).encode("utf-8"))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    key = verdict_key() if stream.include.claims else ""
    out.write(f"<header><h1>{esc(title)}</h1><p class=\"meta\">Exported by Cuttings on "
              f"{esc(now)}; {len(stream.ids)} article(s).</p>\n"
              f"{selection_header(archive, selection)}{key}</header>\n".encode())
    n = 0
    for rec in stream:
        types = image_types(rec) if stream.include.images else {}

        def data_uri(sha: str, types: dict[str, str] = types) -> str | None:
            mt = types.get(sha)
            if mt is None:
                return None
            try:
                data = archive.blobs.get(sha)
            except (BlobMissingError, BlobCorruptError, ValueError) as exc:
                warnings.append(f"image {sha[:12]}… left out: {exc}")
                return None
            return f"data:{mt};base64,{base64.b64encode(data).decode('ascii')}"

        out.write(article_html(rec, data_uri).encode("utf-8", "replace"))
        n += 1
    if stream.tag_names:
        out.write(f'<footer><h2>Tags in this report</h2><p>{tag_list(sorted(stream.tag_names))}'
                  "</p></footer>\n".encode())
    out.write(PAGE_TAIL.encode())
    return n
