"""Re-hash every stored copy the archive refers to (``cuttings check``).

A snapshot or image recorded as imported without its bytes (``blob_state`` =
``imported-without``: it came from a JSON export, which holds hashes only) is not
damage: it is counted apart, and ``check`` does not fail on it. Once the bytes arrive
(a ZIP bundle with them is imported) they are checked like any other copy; a copy that
is present but does not match its hash is damage whatever its state
(docs/reliability.md J6).

Thread rules: reads only; run on any thread with its own sessions (can be slow: every
blob is read and hashed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage.blobs import BlobCorruptError, BlobMissingError
from storage.models import Asset, Capture

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)


@dataclass
class StoredCopiesReport:
    checked: int = 0  # copies that must be there (imported-without ones excluded)
    damaged: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, sha, why)
    imported_without: dict[str, int] = field(default_factory=dict)  # kind -> count

    @property
    def ok(self) -> bool:
        return not self.damaged

    def imported_without_line(self) -> str | None:
        """One line for people, or None when no copy was imported without its bytes."""
        if not self.imported_without:
            return None
        parts = ", ".join(f"{n} {kind}(s)" for kind, n in sorted(self.imported_without.items()))
        return (f"imported without snapshot: {parts} (from JSON exports, which hold hashes "
                "only; not damage)")


def check_stored_copies(archive: Archive) -> StoredCopiesReport:
    """Read back every referenced snapshot and image (each read checks its SHA-256)."""
    expected: dict[str, tuple[str, bool]] = {}  # sha -> (kind, must be present)
    with archive.db.reader() as s:
        rows = [("snapshot", sha, state) for sha, state
                in s.execute(select(Capture.sha256, Capture.blob_state))]
        rows += [("image", sha, state) for sha, state
                 in s.execute(select(Asset.sha256, Asset.blob_state))]
    for kind, sha, state in rows:
        first_kind, must = expected.get(sha, (kind, False))
        expected[sha] = (first_kind, must or state is None)
    report = StoredCopiesReport()
    for sha, (kind, must) in expected.items():
        try:
            archive.blobs.get(sha)
        except BlobMissingError as exc:
            if not must:
                report.imported_without[kind] = report.imported_without.get(kind, 0) + 1
                continue
            report.checked += 1
            report.damaged.append((kind, sha, f"missing: {exc}"))
            continue
        except (BlobCorruptError, ValueError) as exc:
            report.checked += 1
            report.damaged.append((kind, sha, str(exc)))
            continue
        report.checked += 1
    return report
