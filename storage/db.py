"""Opening an archive database: engine, pragmas, identity checks and migrations.

Thread rules: the returned :class:`Database` may be shared by threads; every
thread takes its own ``Session`` from ``reader()``/``writer()`` and never shares it.
Writes go through ``writer()``, which holds a process-wide lock (one writer at a
time) and starts SQLite transactions with ``BEGIN IMMEDIATE`` so that a write never
fails half-way with ``SQLITE_BUSY_SNAPSHOT``.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

# Imported before any connection is opened: it adds cuttings_bm25() (search ranking)
# to every SQLite connection made afterwards, when its compiled part is built.
from storage import search_rank  # noqa: F401
from storage.fsio import create_private
from storage.paths import read_only_requested, sqlite_path
from storage.pg import connect_args as pg_connect_args
from storage.pg import driver_url, is_postgres_url, redact, redact_text

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

APPLICATION_ID = 0x43555454  # "CUTT"
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_FILE = re.compile(r"^\d{4}_\w+\.py$")
BUSY_TIMEOUT_MS = 5000
QUICK_CHECK_AT_OPEN_BYTES = 64 * 1024 * 1024


class ArchiveOpenError(Exception):
    """The archive cannot be opened; ``code`` says why, the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # not_archive | empty_file | newer | old_read_only | corrupt |
        # busy | read_only | disk_full | missing | unreachable


class ArchiveBusyError(Exception):
    """Another process holds the archive's write lock for longer than the busy timeout."""


class ArchiveDiskFullError(Exception):
    """The disk (or the database's size limit) is full: the transaction was rolled back."""


def _alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic loads only when a migration may run

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_version() -> int:
    """How many migrations this Cuttings knows: written to ``PRAGMA user_version``.

    Counted from the migration files (``NNNN_name.py``, one linear history; a test
    checks the count against Alembic's own), so opening an up-to-date archive does
    not import Alembic at all."""
    return sum(1 for f in (MIGRATIONS_DIR / "versions").iterdir()
               if _MIGRATION_FILE.match(f.name))


def _folder_writable(path: Path) -> bool:
    """Whether SQLite can create its -wal/-shm/-journal beside ``path`` (EROFS shows
    here even for root, who ignores permission bits)."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _read_only_uri(path: Path) -> str:
    """``mode=ro``; or ``immutable=1`` on a read-only disk or folder, where SQLite cannot
    create the WAL index (``-shm``) and nobody can be writing, unless a -wal holds data."""
    wal = Path(f"{path}-wal")
    if not _folder_writable(path) and not (wal.exists() and wal.stat().st_size):
        return f"file:{path}?immutable=1"
    return f"file:{path}?mode=ro"


#: How much free space below which an I/O error at open is taken for a full disk.
_FULL_DISK_BYTES = 1024 * 1024


def is_disk_full(exc: BaseException, path: Path | None = None) -> bool:
    """Whether ``exc`` (sqlite3, SQLAlchemy or OSError) means the disk is full:
    ``SQLITE_FULL``/"database or disk is full", ``ENOSPC``/``EDQUOT``, or an I/O error
    (SQLite cannot create its ``-shm``/``-wal`` on a full disk and says "disk I/O
    error") while the disk holding ``path`` has (almost) no free space left."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, OSError) and orig.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    message = str(orig).lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in message:
        return True
    if path is not None and (name.startswith("SQLITE_IOERR") or "disk i/o error" in message
                             or "unable to open" in message):
        try:
            st = os.statvfs(path.parent if path.parent.exists() else path)
        except OSError:
            return False
        return st.f_bavail * st.f_frsize < _FULL_DISK_BYTES
    return False


def _disk_full_error(path: Path | str) -> ArchiveOpenError:
    return ArchiveOpenError(
        "disk_full", f"The disk holding {path} is full: Cuttings cannot open the archive. "
        "Free some space and try again; the archive was not changed.")


def _read_only_error(path: Path) -> ArchiveOpenError:
    return ArchiveOpenError(
        "read_only", f"{path} is on a read-only disk or in a read-only folder. Open it "
        "read-only, or copy the archive to a writable folder.")


def _check_sqlite_file(path: Path) -> int | None:
    """Refuse files that are not ours before SQLite or Alembic touch them.

    Returns the file's schema version (``user_version``), or None for a new file."""
    if not path.exists():
        return None
    if path.is_dir():
        raise ArchiveOpenError("not_archive", f"{path} is a folder, not a Cuttings archive.")
    size = path.stat().st_size
    if size == 0:
        raise ArchiveOpenError(
            "empty_file",
            f"{path} is an empty file, not a Cuttings archive. It was left untouched; "
            "move it away or choose another archive.")
    with path.open("rb") as fh:
        header = fh.read(100)
    if not header.startswith(SQLITE_HEADER):
        raise ArchiveOpenError(
            "not_archive",
            f"{path} is not a Cuttings archive (not an SQLite database). It was left untouched.")
    if len(header) < 100:
        raise ArchiveOpenError("corrupt", f"{path} is truncated; restore it from a backup.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = int.from_bytes(header[24:28], "big")
    page_count = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    wal = path.with_name(path.name + "-wal")
    wal_has_pages = wal.exists() and wal.stat().st_size > 0  # the -wal may hold the rest
    if (page_size and valid_for == change_counter and not wal_has_pages
            and size < page_size * page_count):
        raise ArchiveOpenError(
            "corrupt", f"{path} is truncated ({size} bytes of {page_size * page_count}); "
            "restore it from a backup.")
    # The identity pragmas are read through SQLite, not from the header bytes: in WAL
    # mode the newest page 1 may still be in the -wal file. A full quick_check reads
    # every page (16 s for a 1.2 GB archive), so at open it runs only on small files;
    # the app runs it in the background for larger ones (Database.quick_check).
    try:
        con = sqlite3.connect(_read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            user_version = con.execute("PRAGMA user_version").fetchone()[0]
            tables = con.execute("select count(*) from sqlite_master").fetchone()[0]
            row = (con.execute("PRAGMA quick_check").fetchone()
                   if size <= QUICK_CHECK_AT_OPEN_BYTES else ("ok",))
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ArchiveOpenError("busy", f"{path} is busy in another program: {exc}") from exc
        if is_disk_full(exc, path):
            raise _disk_full_error(path) from exc
        if "unable to open" in str(exc) and not _folder_writable(path):
            raise _read_only_error(path) from exc
        raise ArchiveOpenError("corrupt", f"{path} is damaged ({exc}); restore it from a backup.") \
            from exc
    if not row or row[0] != "ok":
        raise ArchiveOpenError(
            "corrupt", f"{path} is damaged ({row[0] if row else 'no answer'}); "
            "restore it from a backup.")
    if app_id != APPLICATION_ID and tables:
        raise ArchiveOpenError(
            "not_archive",
            f"{path} is an SQLite database of another program, not a Cuttings archive. "
            "It was left untouched.")
    known = schema_version()
    if user_version > known:
        raise ArchiveOpenError(
            "newer",
            f"{path} was written by a newer Cuttings (schema {user_version}, this version knows "
            f"{known}). Update Cuttings to open it; the file was left untouched.")
    return int(user_version) if app_id == APPLICATION_ID else None


def _install_sqlite_hooks(engine: Engine, readonly: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy emit BEGIN itself (pysqlite's deferred BEGIN is wrong for us).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("cuttings_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@dataclass
class Database:
    """An open archive database: the engine and the session factories."""

    url: str
    engine: Engine
    readonly: bool = False

    def __post_init__(self) -> None:
        self._write_lock = threading.RLock()
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(cuttings_write=True),
                                    expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A short read-only session for the calling thread."""
        with self._reader() as session:
            yield session

    @contextmanager
    def writer(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        if self.readonly:
            raise PermissionError("This archive is open read-only.")
        with self._write_lock, self._writer() as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                    raise ArchiveBusyError(
                        "The archive is busy in another program; the work stays queued. "
                        "Try again in a moment.") from exc
                if "disk is full" in str(exc.orig):
                    raise ArchiveDiskFullError(
                        "The disk is full (database or disk is full): this change was not "
                        "saved, nothing earlier was lost. Free some space and try again.") \
                        from exc
                raise
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold this process's write lock (the one :meth:`writer` takes) without a
        session: for maintenance that writes through a connection of its own, so that
        the process's other writers wait for it instead of failing busy."""
        with self._write_lock:
            yield

    def dispose(self) -> None:
        self.engine.dispose()

    def quick_check(self) -> str:
        """``PRAGMA quick_check`` ("ok" or the first problem); reads every page, so call
        it off the GUI thread. Other back-ends answer "ok"."""
        if not self.is_sqlite:
            return "ok"
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA quick_check").scalar())


def open_database(url: str, *, readonly: bool = False, create: bool = True) -> Database:
    """Open (and create or migrate) the archive at ``url``.

    Raises :class:`ArchiveOpenError` for files that are not Cuttings archives, are
    from a newer version, or are damaged; such files are never modified. A URL that
    asks for read-only access (``?mode=ro``, ``?immutable=1``) opens read-only.
    ``create=False`` refuses a file that does not exist (code ``missing``) instead of
    making a new empty archive there. A full disk is reported as such (``disk_full``),
    never as damage.
    """
    readonly = readonly or read_only_requested(url)
    path = sqlite_path(url)
    current: int | None = None
    if path is not None:
        if not create and not path.exists():
            raise missing_archive_error(path)
        current = _check_sqlite_file(path)
        if readonly:
            if not path.exists():
                raise missing_archive_error(path)
            if current is not None and current < schema_version():
                raise ArchiveOpenError(  # (it cannot be migrated, and this code needs it)
                    "old_read_only",
                    f"{path} was written by an older Cuttings (schema {current}, this "
                    f"version needs {schema_version()}) and is read-only here, so it cannot "
                    "be brought up to date: copy it (with its .blobs folder) to a writable "
                    "place and open the copy; the file was left untouched.")
            engine = create_engine(
                f"sqlite:///{_read_only_uri(path)}&uri=true",
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not _folder_writable(path):
                raise _read_only_error(path)
            create_private(path)  # the archive stays private (0600), whatever the umask
            engine = create_engine(
                f"sqlite:///{path}",
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        _install_sqlite_hooks(engine, readonly)
    elif is_postgres_url(url):
        engine = create_engine(driver_url(url), pool_pre_ping=True,
                               connect_args=pg_connect_args(url), hide_parameters=True)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    db = Database(url=url, engine=engine, readonly=readonly)
    try:
        if not readonly and not (db.is_sqlite and current == schema_version()):
            migrate(db)  # (an up-to-date SQLite archive skips Alembic: faster start)
        else:  # one connection now, so that its pragmas (WAL) fail here, not later
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
    except (OperationalError, sqlite3.OperationalError) as exc:
        engine.dispose()
        if db.is_sqlite:
            if is_disk_full(exc, path):
                raise _disk_full_error(path or url) from exc
            raise ArchiveOpenError("busy", f"Could not prepare the archive: "
                                   f"{getattr(exc, 'orig', exc)}") from exc
        raise ArchiveOpenError(
            "unreachable", f"Could not open the archive at {redact(url)}: "
            f"{redact_text(str(exc.orig).strip(), url)}") from None
    return db


def missing_archive_error(path: Path) -> ArchiveOpenError:
    """``missing``: no archive at ``path`` (a reading command never makes a new one)."""
    return ArchiveOpenError("missing", f"no archive at {path}")


def migrate(db: Database) -> None:
    """Apply every Alembic migration, then stamp the SQLite identity pragmas."""
    from alembic import command

    cfg = _alembic_config(db.url)
    with db.engine.connect() as conn:
        # A write transaction from the start (BEGIN IMMEDIATE on SQLite): two processes
        # opening one archive at once would otherwise fail to upgrade a read lock.
        conn.execution_options(cuttings_write=True)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if db.is_sqlite:  # stamped in the same transaction as the schema it describes
            conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.exec_driver_sql(f"PRAGMA user_version = {schema_version()}")
        conn.commit()


def integrity_check(db: Database) -> str:
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            return "ok"
        return str(conn.execute(text("PRAGMA integrity_check")).scalar())
