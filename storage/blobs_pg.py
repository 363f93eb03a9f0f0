"""Blobs inside a PostgreSQL archive: the ``blobs`` table (migration 0003).

Same interface as :class:`storage.blobs.FileBlobStore`: content-addressed by the
SHA-256 of the raw bytes (so a photo used by many articles is stored once, whichever
desktop captured it), zlib-compressed, verified on every read. ``put`` commits in its
own transaction before returning, so the row that references a blob is committed
only after the blob is; two desktops putting the same blob race harmlessly
(``ON CONFLICT DO NOTHING``).

Thread rules: every method takes its own pooled connection; safe from any thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from sqlalchemy import text

from storage.blobs import BlobMissingError, _valid_hash, decode_blob, encode_blob, sha256_hex
from storage.db import Database

log = logging.getLogger(__name__)


def _check(sha256: str) -> str:
    if not _valid_hash(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
    return sha256


class PgBlobStore:
    """Blobs as compressed ``bytea`` rows of the archive database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, data: bytes) -> str:
        sha = sha256_hex(data)
        if self.has(sha):
            return sha
        with self.db.engine.begin() as conn:
            conn.execute(text("INSERT INTO blobs (sha256, size, data) VALUES (:s, :n, :d) "
                              "ON CONFLICT (sha256) DO NOTHING"),
                         {"s": sha, "n": len(data), "d": encode_blob(data)})
        return sha

    def get(self, sha256: str) -> bytes:
        with self.db.engine.connect() as conn:
            raw = conn.execute(text("SELECT data FROM blobs WHERE sha256 = :s"),
                               {"s": _check(sha256)}).scalar()
        if raw is None:
            raise BlobMissingError(sha256)
        return decode_blob(sha256, bytes(raw))

    def has(self, sha256: str) -> bool:
        if not _valid_hash(sha256):
            return False
        with self.db.engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM blobs WHERE sha256 = :s"),
                                {"s": sha256}).first() is not None

    def delete(self, sha256: str) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM blobs WHERE sha256 = :s"), {"s": _check(sha256)})

    def all_hashes(self) -> Iterable[str]:
        return list(self._hashes())

    def _hashes(self) -> Iterator[str]:
        with self.db.engine.connect() as conn:
            yield from conn.execute(text("SELECT sha256 FROM blobs ORDER BY sha256")).scalars()

    def remove_temp_files(self) -> int:
        """Nothing to clean: a blob row is written whole or not at all."""
        return 0

    def sweep_orphans(self, min_age_s: float) -> int:
        """Delete blobs no capture or asset references, older than ``min_age_s``
        (a capture being stored right now by another desktop is never touched)."""
        with self.db.engine.begin() as conn:
            res = conn.execute(text(
                "DELETE FROM blobs b WHERE b.created_at < now() - make_interval(secs => :age) "
                "AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.sha256 = b.sha256) "
                "AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.sha256 = b.sha256)"),
                {"age": float(min_age_s)})
            return res.rowcount or 0
