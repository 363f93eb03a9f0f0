"""Single instance per archive (docs/reliability.md §2.6): an OS-level lock beside the database.

A writer process takes an exclusive ``fcntl.flock`` on ``<db>.lock`` and keeps it
while the archive is open (the GUI: for its whole lifetime). A second *process* on
the same archive gets :class:`ArchiveLockedError` at once, with the holder's pid,
instead of two programs fighting over one SQLite file (Zotero's lesson). The lock
is released by the kernel when the holder exits, even on SIGKILL, so a stale lock
file never blocks anyone; the file itself is left in place (deleting it would race
with a process that has just opened it).

Within one process the lock is shared: acquiring the same archive twice returns
handles on one underlying lock (reference-counted), so code that opens the same
archive twice (the CLI, tests) keeps working; the lock is dropped when the last
handle is released.

Thread rules: :func:`acquire` and :meth:`InstanceLock.release` may be called from
any thread (a module lock guards the registry). No Qt; POSIX only (``fcntl``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from storage.paths import sqlite_path

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


class ArchiveLockedError(Exception):
    """Another process has this archive open for writing."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(
            f"{path} is already open in another Cuttings window ({who}). Close it there first, "
            "or open this archive read-only.")
        self.path = path
        self.pid = pid


@dataclass(eq=False)
class _Held:
    fd: int
    count: int = 0


_registry: dict[Path, _Held] = {}
_registry_lock = threading.Lock()


def lock_path_for(db_path: str | os.PathLike[str]) -> Path:
    """The lock file of an archive: ``<db>.lock`` beside it."""
    p = Path(db_path)
    return p.with_name(p.name + LOCK_SUFFIX)


def _key(db_path: str | os.PathLike[str]) -> Path:
    return lock_path_for(Path(db_path).expanduser().resolve())


def holder_pid(db_path: str | os.PathLike[str]) -> int | None:
    """The pid written by the process holding (or last holding) the lock, if readable."""
    try:
        text = _key(db_path).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


@dataclass(eq=False)
class InstanceLock:
    """A handle on the process's lock of one archive. Release it once (idempotent)."""

    path: Path  # the lock file
    _released: bool = field(default=False, repr=False)

    @property
    def released(self) -> bool:
        return self._released

    def release(self) -> None:
        with _registry_lock:
            if self._released:
                return
            self._released = True
            held = _registry.get(self.path)
            if held is None:
                return
            held.count -= 1
            if held.count > 0:
                return
            del _registry[self.path]
            with contextlib.suppress(OSError):
                fcntl.flock(held.fd, fcntl.LOCK_UN)
            os.close(held.fd)
        log.debug("released %s", self.path)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(db_path: str | os.PathLike[str]) -> InstanceLock:
    """Lock the archive at ``db_path`` for this process, or raise at once.

    Raises :class:`ArchiveLockedError` when another process holds it, and
    ``OSError`` when the lock file cannot be created (e.g. a read-only folder:
    the caller may then open the archive read-only).
    """
    path = _key(db_path)
    with _registry_lock:
        held = _registry.get(path)
        if held is not None:
            held.count += 1
            return InstanceLock(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ArchiveLockedError(Path(db_path), holder_pid(db_path)) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as exc:  # the pid is a courtesy for the message; the lock holds
            log.warning("could not write the pid into %s: %s", path, exc)
        _registry[path] = _Held(fd, 1)
    log.debug("locked %s", path)
    return InstanceLock(path)


def acquire_for_url(url: str) -> InstanceLock | None:
    """:func:`acquire` for an SQLAlchemy URL; None for back-ends that are not a local
    SQLite file (a database server arbitrates its own clients), and None when the
    archive's folder is read-only (nobody can write there, so there is nothing to
    guard; opening for writing then fails with the archive's own read-only message)."""
    path = sqlite_path(url)
    if path is None:
        return None
    try:
        return acquire(path)
    except ArchiveLockedError:
        raise
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            log.info("no instance lock for %s: %s", path, exc)
            return None
        raise
