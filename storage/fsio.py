"""Durable file-system helpers shared by the blob store, backups and exports.

A file renamed into place survives a power cut only if its bytes and then its
folder entry were flushed: ``fsync_file`` before the rename, ``fsync_dir`` after.
Safe to call from any thread.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    """Flush a written file's bytes to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (after a rename into it); best effort where the
    platform cannot open or sync folders."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
