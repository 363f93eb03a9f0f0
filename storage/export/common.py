"""What every exporter shares: results, cancel, progress and the record stream.

Thread rules: an export runs in the calling thread; ``progress`` is called from it
(the GUI wraps it in a queued signal) and ``cancel`` may be set from any thread.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.export.schema import article_record
from storage.export.select import Include, iter_articles

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class ExportCancelled(Exception):
    """The user cancelled; no file was written."""


class ExportError(Exception):
    """An export could not be produced (message says why); no file was written."""


@dataclass
class ExportResult:
    """What an export wrote. ``counts`` maps a kind (articles, quotes, snapshots,
    images, records, claims ...) to how many were written."""

    format: str
    paths: list[Path]
    counts: dict[str, int] = field(default_factory=dict)
    bytes_written: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{v} {k}" for k, v in self.counts.items()]
        where = ", ".join(str(p) for p in self.paths)
        return f"exported {', '.join(parts) or 'nothing'} to {where}"


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ExportCancelled("export cancelled")


@dataclass
class RecordStream:
    """Iterates export records of ``ids`` (with progress and cancel) and remembers
    the tag and collection names seen, for the document's trailing lists."""

    archive: Archive
    ids: Sequence[int]
    include: Include
    progress: Progress | None = None
    cancel: threading.Event | None = None
    tag_names: set[str] = field(default_factory=set)
    collection_names: set[str] = field(default_factory=set)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        total = len(self.ids)
        check_cancel(self.cancel)
        if self.progress:
            self.progress(0, total)
        for n, (art, art_colls, claim_colls) in enumerate(
                iter_articles(self.archive, self.ids), 1):
            check_cancel(self.cancel)
            rec = article_record(art, n, self.include, art_colls, claim_colls)
            self.tag_names.update(rec["tags"])
            self.collection_names.update(rec["collections"])
            for kind in ("quotes", "photo_credits", "claims"):
                for item in rec.get(kind, ()):
                    self.tag_names.update(item.get("tags", ()))
                    self.collection_names.update(item.get("collections", ()))
            yield rec
            if self.progress:
                self.progress(n, total)


class HashingWriter:
    """A binary writer that counts and hashes what passes through it."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        self.raw.write(data)
        return len(data)

    def hexdigest(self) -> str:
        return self.sha.hexdigest()
