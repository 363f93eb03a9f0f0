"""HTML report: one self-contained, printable file; images embedded as data: URIs.

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
from storage.export.html_render import PAGE_TAIL, SAFE_IMAGE_TYPES, article_html, esc, page_head

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


def write_html(out: IO[bytes], archive: Archive, stream: RecordStream, title: str,
               warnings: list[str]) -> int:
    out.write(page_head(title).encode("utf-8"))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out.write(f"<header><h1>{esc(title)}</h1><p class=\"meta\">Exported by Cuttings on "
              f"{esc(now)}; {len(stream.ids)} article(s).</p></header>\n".encode())
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
    out.write(PAGE_TAIL.encode())
    return n
