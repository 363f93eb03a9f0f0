"""Rotating, verified backups of an archive database, and restore (docs/reliability.md §2.5, E6).

The Zotero pattern: a backup is written with SQLite's ``VACUUM INTO`` (a consistent
snapshot taken inside one read transaction, so it is safe while another thread or
process writes; the ``.db`` file is never copied by itself, which would miss the
``-wal``), into a temporary file beside the backups. The copy is then reopened and
must pass ``PRAGMA integrity_check``, carry the archive's ``application_id`` and
have an intact search index (FTS5's own check: ``integrity_check`` does not look
inside it, and a copy with a damaged index would push out every good backup) before
it is fsynced and renamed into place as
``<name>.<YYYYmmddTHHMMSSffffff>Z.bak`` in :func:`storage.paths.backup_dir_for`.
Only then are the oldest backups beyond ``keep`` deleted: a failed backup never
costs a good one.

:func:`restore` never destroys anything: the damaged database (with its ``-wal`` and
``-shm``) is renamed to ``<name>.damaged-<timestamp>`` (a free name is chosen, so an
earlier damaged copy is never overwritten), then a verified copy of the backup is put
in place atomically. The backup itself stays.

Scope: backups hold the database (metadata, text, hashes). Raw snapshots and images
live in the content-addressed blob folder, which is append-only in normal use and is
not copied here.

Thread rules: every function opens its own SQLite connections and may run on any
thread (the GUI runs them on a worker). :func:`restore` must be called while no
``Archive`` has the target open; it takes the instance lock to make sure no other
process has.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import instance_lock
from storage.db import APPLICATION_ID, BUSY_TIMEOUT_MS
from storage.fsio import fsync_dir, fsync_file, make_private
from storage.paths import backup_dir_for, resolve_db_url, sqlite_path

log = logging.getLogger(__name__)

DEFAULT_KEEP = 5
DEFAULT_MAX_AGE = timedelta(hours=12)
_STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
_TMP_PREFIX = ".tmp-backup-"
_DB_FILES = ("", "-wal", "-shm", "-journal")  # a database and its companion files


class BackupError(Exception):
    """A backup could not be made, verified or restored; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file."""

    path: Path
    created_at: datetime  # UTC, aware
    size: int


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    backup_created_at: datetime
    damaged_copy: Path | None  # where the replaced database was moved (None: there was none)


def _db_path(archive: str | os.PathLike[str]) -> Path:
    url = resolve_db_url(archive)
    path = sqlite_path(url)
    if path is None:
        raise BackupError(f"backups here are for SQLite archives only, not {url.split(':')[0]}")
    return path


def _backup_dir(db_path: Path) -> Path:
    return backup_dir_for("sqlite:///" + str(db_path))


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime(_STAMP_FORMAT)


def verify(path: str | os.PathLike[str], *, ours: bool = False,
           search_index: bool = True) -> None:
    """Raise :class:`BackupError` unless ``path`` is an intact Cuttings database
    (``integrity_check`` ok, our ``application_id``, every search index intact).

    Opens it read-only; ``ours=True`` (a temporary copy this module just wrote, that
    nobody else has open) opens it for writing instead, so that FTS5's own
    integrity-check can run on the search index (it writes nothing); read-only, the
    index is read through instead (:mod:`storage.index_health`). ``search_index=False``
    skips the index (a restore: the index is derived data, rebuilt afterwards by
    ``cuttings check --repair`` if need be)."""
    from storage.index_health import check_file

    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        raise BackupError(f"{p} is missing or empty")
    try:
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{p} is not a readable database: {exc}") from exc
    if rows != ["ok"]:
        raise BackupError(f"{p} failed the integrity check: {'; '.join(map(str, rows[:3]))}")
    if app_id != APPLICATION_ID:
        raise BackupError(f"{p} is not a Cuttings archive (application_id {app_id})")
    if not search_index:
        return
    try:
        index = check_file(str(p), full=True, writable=ours)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{p} is not a readable database: {exc}") from exc
    if not index.ok:
        first = index.problems[0]
        if not ours:
            raise BackupError(f"the search index in {p} is damaged ({first.table}: "
                              f"{first.detail})")
        raise BackupError(f"the search index in the copy is damaged ({first.table}: "
                          f"{first.detail}), so it was not kept: run `cuttings check "
                          "--repair` to rebuild the archive's index, then back up again")


def list_backups(archive: str | os.PathLike[str]) -> list[BackupInfo]:
    """The backups of ``archive`` (path or URL), newest first, with their dates."""
    db_path = _db_path(archive)
    folder = _backup_dir(db_path)
    if not folder.is_dir():
        return []
    pattern = re.compile(re.escape(db_path.name) + r"\.(\d{8}T\d{12}Z)\.bak$")
    out: list[BackupInfo] = []
    for entry in folder.iterdir():
        m = pattern.match(entry.name)
        if not m or not entry.is_file():
            continue
        try:
            when = datetime.strptime(m.group(1), _STAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue
        out.append(BackupInfo(entry, when, entry.stat().st_size))
    out.sort(key=lambda b: b.created_at, reverse=True)
    return out


def create_backup(archive: str | os.PathLike[str], *, keep: int = DEFAULT_KEEP,
                  now: datetime | None = None) -> BackupInfo:
    """Write a verified backup of ``archive`` (path or URL) and rotate old ones.

    Safe while other threads or processes write (``VACUUM INTO`` reads one
    consistent snapshot). Raises :class:`BackupError` when the archive is missing,
    damaged (its backups are then left alone) or the copy fails its check; no
    partial file is left behind.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    db_path = _db_path(archive)
    if not db_path.is_file():
        raise BackupError(f"{db_path} does not exist")
    folder = _backup_dir(db_path)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    final = folder / f"{db_path.name}.{_stamp(when)}.bak"
    while final.exists():  # two backups within one microsecond (tests): keep both
        when += timedelta(microseconds=1)
        final = folder / f"{db_path.name}.{_stamp(when)}.bak"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".db", dir=folder)
    except OSError as exc:  # a read-only disk (EROFS), permissions, a full disk
        raise BackupError(f"cannot write a backup into {folder}: "
                          f"{exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # VACUUM INTO wants a file that does not exist yet
    try:
        try:
            src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True,
                                  timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                src.execute("VACUUM INTO ?", (str(tmp),))
            finally:
                src.close()
            make_private(tmp)  # VACUUM INTO creates it 0666 less the umask
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"could not back up {db_path}: {exc}") from exc
        verify(tmp, ours=True)
        try:
            fsync_file(tmp)
            os.replace(tmp, final)
            fsync_dir(folder)
        except OSError as exc:
            raise BackupError(f"cannot write a backup into {folder}: "
                              f"{exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    info = BackupInfo(final, when, final.stat().st_size)
    log.info("backup of %s written to %s (%d bytes)", db_path, final, info.size)
    for old in list_backups(db_path)[keep:]:
        with contextlib.suppress(FileNotFoundError):
            old.path.unlink()
            log.info("old backup %s removed", old.path)
    return info


def backup_if_due(archive: str | os.PathLike[str], *, max_age: timedelta = DEFAULT_MAX_AGE,
                  keep: int = DEFAULT_KEEP) -> BackupInfo | None:
    """Make a backup when the newest one is older than ``max_age`` (or there is none)."""
    existing = list_backups(archive)
    if existing and datetime.now(UTC) - existing[0].created_at < max_age:
        return None
    return create_backup(archive, keep=keep)


def _free_damaged_name(target: Path, stamp: str) -> Path:
    base = target.with_name(f"{target.name}.damaged-{stamp}")
    candidate, n = base, 1
    while any(Path(str(candidate) + sfx).exists() for sfx in _DB_FILES):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def restore(backup: str | os.PathLike[str] | BackupInfo,
            target: str | os.PathLike[str]) -> RestoreResult:
    """Put ``backup`` in place of the archive at ``target`` (path or URL).

    The backup is verified first; the current database, if any, is moved aside to
    ``<name>.damaged-<timestamp>`` together with its ``-wal``/``-shm`` (never
    overwriting an earlier damaged copy); then a copy of the backup is written to a
    temporary file, fsynced and renamed into place. Raises :class:`BackupError`
    (nothing moved) when the backup is unusable, and
    :class:`storage.instance_lock.ArchiveLockedError` when another process has the
    archive open.
    """
    src = backup.path if isinstance(backup, BackupInfo) else Path(backup)
    verify(src, search_index=False)
    created = backup.created_at if isinstance(backup, BackupInfo) else \
        datetime.fromtimestamp(src.stat().st_mtime, UTC)
    db_path = _db_path(target)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with instance_lock.acquire(db_path):
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".db", dir=db_path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            src_con = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
            try:
                dst_con = sqlite3.connect(tmp)
                try:
                    src_con.backup(dst_con)
                finally:
                    dst_con.close()
            finally:
                src_con.close()
            verify(tmp, search_index=False)
            fsync_file(tmp)
            damaged: Path | None = None
            moved: list[tuple[Path, Path]] = []
            if any(Path(str(db_path) + sfx).exists() for sfx in _DB_FILES):
                damaged = _free_damaged_name(db_path, _stamp(datetime.now(UTC)))
                for sfx in _DB_FILES:
                    part = Path(str(db_path) + sfx)
                    if part.exists():
                        os.replace(part, Path(str(damaged) + sfx))
                        moved.append((part, Path(str(damaged) + sfx)))
            try:
                os.replace(tmp, db_path)
            except BaseException:
                for part, aside in reversed(moved):  # put the old files back as they were
                    os.replace(aside, part)
                raise
            fsync_dir(db_path.parent)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
    log.warning("archive %s restored from %s; the previous file is %s", db_path, src, damaged)
    return RestoreResult(src, created, damaged)
