"""Durable file-system helpers shared by the blob store, backups and exports.

A file renamed into place survives a power cut only if its bytes and then its
folder entry were flushed: ``fsync_file`` before the rename, ``fsync_dir`` after.

Permissions: a temporary file from :func:`tempfile.mkstemp` is created 0600. That
is right for what stays private (the database, its backups, the blob store), wrong
for files the user writes to share (exports): those are given
:func:`shared_file_mode` (``0o666`` less the user's umask, as any program creating
a file would), with :func:`make_shared` before they are renamed into place.

Safe to call from any thread (the umask is read without changing it where the
platform allows; elsewhere the set-and-restore is serialised by a lock).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_UMASK_LOCK = threading.Lock()
_PROC_UMASK = re.compile(r"^Umask:\s*([0-7]+)\s*$", re.M)


def current_umask() -> int:
    """The process's umask, read without changing it: from ``/proc/self/status``
    (Linux 4.7 and later); elsewhere by setting and restoring it under a lock (the
    umask is process-wide, so two threads doing that at once could leave it wrong)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            m = _PROC_UMASK.search(fh.read())
        if m:
            return int(m.group(1), 8) & 0o777
    except OSError:
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask & 0o777


def shared_file_mode() -> int:
    """The mode of a new file meant to be shared: ``0o666`` less the umask."""
    return 0o666 & ~current_umask()


def make_shared(fd: int) -> None:
    """Give the open file ``fd`` (a 0600 temporary file) :func:`shared_file_mode`;
    best effort where the file system has no Unix modes."""
    try:
        os.fchmod(fd, shared_file_mode())
    except (OSError, AttributeError, NotImplementedError) as exc:  # Windows, some FUSE
        log.debug("could not set the mode of a shared file: %s", exc)


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


def create_private(path: Path) -> None:
    """Create ``path`` empty and private (0600) unless it exists: the database file
    before SQLite opens it (SQLite gives its ``-wal`` and ``-shm`` files the same
    mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:  # SQLite will say what is wrong in its own words
        log.debug("could not create %s: %s", path, exc)
        return
    os.close(fd)


def make_private(path: Path) -> None:
    """Give ``path`` mode 0600 (backups of the database); best effort where the file
    system has no Unix modes."""
    try:
        os.chmod(path, 0o600)
    except (OSError, NotImplementedError) as exc:
        log.debug("could not make %s private: %s", path, exc)
