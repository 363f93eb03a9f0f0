"""The content-addressed blob store: dedupe, verification on read, crash leftovers."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.blobs import BlobCorruptError, BlobMissingError, FileBlobStore, sha256_hex


def test_put_get_roundtrip_and_dedupe(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    data = b"<html>" + bytes(range(256)) * 100 + b"</html>"
    sha = store.put(data)
    assert sha == sha256_hex(data)
    assert store.put(data) == sha
    assert store.get(sha) == data
    assert list(store.all_hashes()) == [sha]
    # stored compressed
    assert (tmp_path / "blobs" / sha[:2] / sha[2:]).stat().st_size < len(data)


def test_corruption_is_detected_on_read(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    sha = store.put(b"the original words")
    import zlib

    (tmp_path / "blobs" / sha[:2] / sha[2:]).write_bytes(zlib.compress(b"the altered words"))
    with pytest.raises(BlobCorruptError, match="no longer matches"):
        store.get(sha)


def test_missing_and_invalid_names(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(BlobMissingError):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")
    assert not store.has("../x")


def test_temp_files_from_a_crash_are_removed(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    sha = store.put(b"kept")
    leftover = tmp_path / "blobs" / sha[:2] / ".tmp-abc"
    leftover.write_bytes(b"half written")
    assert store.remove_temp_files() == 1
    assert not leftover.exists()
    assert store.get(sha) == b"kept"


def test_full_disk_is_one_clear_error_and_leaves_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from storage.db import ArchiveDiskFullError

    store = FileBlobStore(tmp_path / "blobs")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("storage.blobs.os.fsync", full)
    with pytest.raises(ArchiveDiskFullError, match="disk is full"):
        store.put(b"a page too many")
    assert list(store.all_hashes()) == []
    assert not list((tmp_path / "blobs").glob("*/.tmp-*"))
