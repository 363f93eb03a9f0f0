"""JSON export (schema in :mod:`storage.export.schema`), streamed article by article.

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from storage.export.common import RecordStream
from storage.export.schema import FORMAT, VERSION
from storage.export.select import Selection, collections_info, tags_info

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=False).encode("utf-8", "replace")


def write_json(out: IO[bytes], archive: Archive, stream: RecordStream, selection: Selection,
               on_record: Any = None) -> int:
    """Write the whole document to the binary stream ``out``; returns the article
    count. ``on_record(rec)`` is called for each article record after it is written
    (the ZIP bundle writes snapshots and pages from it)."""
    head = {"format": FORMAT, "version": VERSION,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "generator": "cuttings", "selection": selection.describe(),
            "includes": stream.include.kinds()}
    out.write(_dump(head)[:-1] + b', "articles": [')
    n = 0
    for rec in stream:
        out.write((b"\n" if n == 0 else b",\n") + _dump(rec))
        n += 1
        if on_record is not None:
            on_record(rec)
    out.write(b"\n], \"tags\": " + _dump(tags_info(archive, sorted(stream.tag_names))))
    out.write(b", \"collections\": "
              + _dump(collections_info(archive, sorted(stream.collection_names))) + b"}\n")
    return n
