"""Content-addressed blob store for raw snapshots and images.

Blobs are named by the SHA-256 of their *raw* bytes and stored zlib-compressed in
``<root>/ab/cdef…`` (like git's objects), so the same photo in many articles is
kept once. ``put`` writes to a temporary file, fsyncs it and renames it into
place before returning: the database row that references a blob is committed only
after the blob is durable. ``get`` verifies the hash on every read.

Thread rules: all methods may be called from any thread; writes of the same blob
race harmlessly (same content, atomic rename).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from storage.db import ArchiveDiskFullError
from storage.fsio import fsync_dir

log = logging.getLogger(__name__)


class BlobCorruptError(Exception):
    """A stored blob no longer matches its SHA-256 (disk corruption or tampering)."""


class BlobMissingError(KeyError):
    """No blob with that hash is stored."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def has(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def all_hashes(self) -> Iterable[str]: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_blob(data: bytes) -> bytes:
    """The stored form of a blob (every back-end stores the same bytes)."""
    return zlib.compress(data, 6)


def decode_blob(sha256: str, stored: bytes) -> bytes:
    """The blob's bytes from its stored form, verified against ``sha256``."""
    try:
        data = zlib.decompress(stored)
    except zlib.error as exc:
        raise BlobCorruptError(f"stored copy {sha256[:12]}… is damaged: {exc}") from exc
    if sha256_hex(data) != sha256:
        raise BlobCorruptError(f"stored copy {sha256[:12]}… no longer matches its SHA-256")
    return data


def _raise_if_full(exc: OSError, path: Path) -> None:
    """A full disk is the same fault for blobs as for the database: one clear error."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        raise ArchiveDiskFullError(
            f"The disk is full: could not store a copy in {path.parent}. Free some space; "
            "nothing stored earlier was touched.") from exc


def _valid_hash(sha256: str) -> bool:
    return len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)


class FileBlobStore:
    """Blobs as compressed files in a folder beside the database."""

    TMP_PREFIX = ".tmp-"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        """Where the (compressed) blob is stored; for housekeeping, not for reading."""
        return self._path(sha256)

    def _path(self, sha256: str) -> Path:
        if not _valid_hash(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        sha = sha256_hex(data)
        path = self._path(sha)
        if path.exists():
            return sha
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.TMP_PREFIX, dir=path.parent)
        except OSError as exc:
            _raise_if_full(exc, path)
            raise
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(encode_blob(data))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            if isinstance(exc, OSError):
                _raise_if_full(exc, path)
            raise
        fsync_dir(path.parent)
        return sha

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissingError(sha256) from exc
        return decode_blob(sha256, raw)

    def has(self, sha256: str) -> bool:
        return _valid_hash(sha256) and self._path(sha256).exists()

    def delete(self, sha256: str) -> None:
        try:
            self._path(sha256).unlink()
        except FileNotFoundError:
            pass

    def all_hashes(self) -> Iterable[str]:
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for f in sub.iterdir():
                name = sub.name + f.name
                if _valid_hash(name):
                    yield name

    def remove_temp_files(self) -> int:
        """Delete temporary files left by a crash mid-write; returns how many."""
        n = 0
        if not self.root.exists():
            return 0
        for tmp in self.root.glob(f"*/{self.TMP_PREFIX}*"):
            try:
                tmp.unlink()
                n += 1
            except OSError as exc:  # pragma: no cover - best effort
                log.warning("could not remove %s: %s", tmp, exc)
        return n
