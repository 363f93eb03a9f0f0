"""Single instance per archive (docs/reliability.md §2.6): an OS-level lock beside the database.

A writer process takes an exclusive ``fcntl.flock`` on ``<db>.lock`` and keeps it
while the archive is open (the GUI: for its whole lifetime). A second *process* on
the same archive gets :class:`ArchiveLockedError` at once, with the holder's pid and
what it is (the window, or ``cuttings COMMAND``: written on the lock file's second line),
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
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from storage.paths import sqlite_path

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


#: What holds a lock, as written into the lock file (second line) and named in messages.
WINDOW = "the Cuttings window"
_HOLDER_CHARS = re.compile(r"[^A-Za-z0-9 ._:/+=`-]")
_HOLDER_MAX = 80


def command_holder(command: str) -> str:
    """The holder description of a ``cuttings COMMAND`` run."""
    return f"`cuttings {command}`"


class ArchiveLockedError(Exception):
    """Another process has this archive open for writing; ``holder`` says what it is
    (:data:`WINDOW`, ``"`cuttings add`"``, or None when the lock file does not say)."""

    def __init__(self, path: Path, pid: int | None, holder: str | None = None) -> None:
        who = f"pid {pid}" if pid else "pid unknown"
        if holder == WINDOW:
            text = (f"{path} is already open in another Cuttings window ({who}). Close it "
                    "there first, or open this archive read-only.")
        elif holder:
            text = (f"{path} is being written by {holder} ({who}). Wait until it has "
                    "finished, then try again.")
        else:
            text = (f"{path} is already open in another Cuttings program ({who}). Close it "
                    "there first, or open this archive read-only.")
        super().__init__(text)
        self.path = path
        self.pid = pid
        self.holder = holder


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


def holder_info(db_path: str | os.PathLike[str]) -> tuple[int | None, str | None]:
    """(pid, what it is) written by the process holding (or last holding) the lock,
    as far as readable. The description is cleaned to a short line of plain characters
    (the file is only a courtesy: anyone could have written it)."""
    try:
        lines = _key(db_path).read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None, None
    first = lines[0].strip() if lines else ""
    pid = int(first) if first.isdigit() and len(first) < 12 else None
    holder = _HOLDER_CHARS.sub("", lines[1])[:_HOLDER_MAX].strip() if len(lines) > 1 else ""
    return pid, holder or None


def holder_pid(db_path: str | os.PathLike[str]) -> int | None:
    """The pid written by the process holding (or last holding) the lock, if readable."""
    return holder_info(db_path)[0]


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


def acquire(db_path: str | os.PathLike[str], holder: str | None = None) -> InstanceLock:
    """Lock the archive at ``db_path`` for this process, or raise at once.

    ``holder`` says what takes it (:data:`WINDOW`, :func:`command_holder`); it is
    written beside the pid so that another process refused the lock can say who has
    it. Raises :class:`ArchiveLockedError` when another process holds it, and
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
            raise ArchiveLockedError(Path(db_path), *holder_info(db_path)) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            os.ftruncate(fd, 0)
            line = _HOLDER_CHARS.sub("", holder or "")[:_HOLDER_MAX]
            os.pwrite(fd, f"{os.getpid()}\n{line}\n".encode("ascii"), 0)
        except OSError as exc:  # the pid is a courtesy for the message; the lock holds
            log.warning("could not write the pid into %s: %s", path, exc)
        _registry[path] = _Held(fd, 1)
    log.debug("locked %s", path)
    return InstanceLock(path)


def acquire_for_url(url: str, holder: str | None = None) -> InstanceLock | None:
    """:func:`acquire` for an SQLAlchemy URL; None for back-ends that are not a local
    SQLite file (a database server arbitrates its own clients), and None when the
    archive's folder is read-only (nobody can write there, so there is nothing to
    guard; opening for writing then fails with the archive's own read-only message)."""
    path = sqlite_path(url)
    if path is None:
        return None
    try:
        return acquire(path, holder)
    except ArchiveLockedError:
        raise
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            log.info("no instance lock for %s: %s", path, exc)
            return None
        raise
