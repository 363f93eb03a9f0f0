"""Is the full-text search index intact, and rebuilding it when it is not (docs/reliability.md, J3).

SQLite's ``PRAGMA integrity_check`` (in the SQLite this runs on) does not look inside
FTS5's index: its blocks are ordinary blobs in the ``<table>_data`` shadow tables, so
randomised index blocks pass the database check, and then every search, every merge
(``cuttings tidy``) fails with "database disk image is malformed". This module is the
one place that knows how to tell, and how to mend it:

* :func:`check_connection` / :func:`check_database`: FTS5's own ``integrity-check`` on
  every FTS table. ``full=True`` passes ``rank = 1``, which for our external-content
  tables also re-reads the indexed columns and compares them with the index (without
  it, FTS5 checks only that the index is internally consistent). The command is an
  ``INSERT`` and needs a write lock; on a read-only connection, or while another
  program holds the write lock, the check walks every entry of the index through an
  ``fts5vocab`` table in the connection's ``temp`` schema instead (a plain read: it
  finds damaged blocks, not an index that is merely out of step with its articles).
* :func:`rebuild_database`: FTS5's ``rebuild`` (the index is derived data: it is made
  again from the articles, quotes, claims, credits and sources themselves). When the
  index's structure record is so damaged that FTS5 cannot even open the table, the
  index rows are first replaced by those of a new empty index, made by this SQLite.
  Then everything is checked again.
* :func:`is_index_damage` tells a search or merge error that means "damaged index"
  from the others, so callers say so (:data:`REPAIR_HINT`) instead of a traceback.

The index is never the evidence: rebuilding it changes no article, capture or hash.
PostgreSQL archives have no FTS5 tables; every function answers "nothing to do".

Thread rules: every function opens or takes its own connection and may run on any
thread except the GUI thread (a full check reads the whole index).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from storage.db import BUSY_TIMEOUT_MS, Database
from storage.paths import sqlite_path
from storage.search_index import FTS_TABLES

log = logging.getLogger(__name__)

REPAIR_HINT = "run `cuttings check --repair` to rebuild it"
DAMAGED_MESSAGE = f"the search index is damaged; {REPAIR_HINT}"

# Messages with which SQLite reports a damaged FTS5 index (when the error has no
# SQLITE_CORRUPT* name). "vtable constructor failed" is FTS5 failing to read its own
# structure record or configuration.
_DAMAGE_MARKERS = ("database disk image is malformed", "vtable constructor failed")
_FALLBACK_MARKERS = ("readonly", "read-only", "locked", "busy")


class SearchIndexDamagedError(Exception):
    """The search index is damaged; the message says so and how to rebuild it."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(DAMAGED_MESSAGE)
        self.detail = detail


@dataclass(frozen=True)
class IndexProblem:
    """One FTS table that failed its check."""

    table: str
    detail: str  # SQLite's words

    def line(self) -> str:
        """One line for people."""
        return f"search index {self.table} is damaged ({self.detail})"


@dataclass(frozen=True)
class IndexReport:
    """The outcome of a check: the problems, and how thoroughly it could look."""

    problems: tuple[IndexProblem, ...] = ()
    tables: int = 0  # FTS tables checked
    structure_only: bool = False  # read-only or busy: damaged blocks found, drift not

    @property
    def ok(self) -> bool:
        return not self.problems


def is_index_damage(exc: BaseException) -> bool:
    """Whether ``exc`` (sqlite3 or SQLAlchemy) is SQLite reporting damaged data, as a
    damaged FTS index does (``SQLITE_CORRUPT``, "database disk image is malformed")."""
    orig = getattr(exc, "orig", None) or exc
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    if name.startswith("SQLITE_CORRUPT"):
        return True
    message = str(orig).lower()
    return isinstance(orig, sqlite3.DatabaseError) and any(m in message for m in _DAMAGE_MARKERS)


def fts_tables(con: sqlite3.Connection) -> list[str]:
    """The archive's FTS tables that exist in ``con``'s main schema, in a fixed order."""
    present = {r[0] for r in con.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND sql LIKE "
        "'CREATE VIRTUAL TABLE%fts5%'")}
    return [t for t in FTS_TABLES if t in present]


def _end(con: sqlite3.Connection) -> None:
    if con.in_transaction:
        con.rollback()


def _walk(con: sqlite3.Connection, table: str) -> str | None:
    """Read every entry of ``table``'s index (a read-only check); None or the error."""
    vocab = f"temp.cuttings_check_{table}"
    try:
        con.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} "
                    f"USING fts5vocab(main, {table}, instance)")
        try:
            con.execute(f"SELECT count(*), sum(length(term)) FROM {vocab}").fetchone()
        finally:
            con.execute(f"DROP TABLE IF EXISTS {vocab}")
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        _end(con)
    return None


def _integrity_check(con: sqlite3.Connection, table: str, full: bool) -> str | None:
    """FTS5's ``integrity-check`` of ``table``; None when intact, else SQLite's words.
    Raises the sqlite3 error when the check cannot run here (read-only, busy)."""
    try:
        con.execute(f"INSERT INTO main.{table}({table}, rank) VALUES ('integrity-check', ?)",
                    (1 if full else 0,))
    except sqlite3.DatabaseError as exc:
        message = str(exc).lower()
        if not is_index_damage(exc) and any(m in message for m in _FALLBACK_MARKERS):
            raise
        return str(exc)
    finally:
        _end(con)
    return None


def check_connection(con: sqlite3.Connection, *, full: bool = True,
                     writable: bool = True) -> IndexReport:
    """Check every FTS table reachable through ``con`` (see the module docstring).

    ``writable=False`` skips straight to the read-only walk (no write lock is taken:
    for a check that must never make a writer wait, such as the app's at start-up)."""
    problems: list[IndexProblem] = []
    structure_only = not writable
    try:
        tables = fts_tables(con)
    except sqlite3.DatabaseError as exc:
        return IndexReport((IndexProblem("(all)", str(exc)),), 0, structure_only)
    for table in tables:
        detail: str | None
        if writable and not structure_only:
            try:
                detail = _integrity_check(con, table, full)
            except sqlite3.DatabaseError as exc:
                log.info("FTS integrity-check of %s cannot run here (%s): reading it instead",
                         table, exc)
                structure_only = True
                detail = _walk(con, table)
        else:
            detail = _walk(con, table)
        if detail is not None:
            problems.append(IndexProblem(table, detail))
    for p in problems:  # (the caller reports them to people; this is for the log file)
        log.info("%s", p.line())
    return IndexReport(tuple(problems), len(tables), structure_only)


def _connect(path: str, *, readonly: bool) -> sqlite3.Connection:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                           isolation_level=None, check_same_thread=False)


def check_database(db: Database, *, full: bool = True, writable: bool | None = None) -> IndexReport:
    """:func:`check_connection` on an open archive (empty report for PostgreSQL).
    ``writable`` defaults to whether the archive was opened for writing."""
    if not db.is_sqlite:
        return IndexReport()
    raw = db.engine.raw_connection()
    try:
        con = raw.driver_connection
        assert isinstance(con, sqlite3.Connection)
        return check_connection(con, full=full,
                                writable=(not db.readonly) if writable is None else writable)
    finally:
        raw.close()


def check_archive_index(db: Database, *, full: bool = True) -> IndexReport:
    """The check ``cuttings check`` runs: FTS5's own check while this process can hold
    the archive's instance lock (no other program is writing, so the write lock that
    the check takes for the length of a table makes nobody wait); otherwise, and on a
    read-only archive, the read-only walk (``structure_only`` says so)."""
    from storage import instance_lock

    path = sqlite_path(db.url)
    if not db.is_sqlite or db.readonly or path is None:
        return check_database(db, full=full)
    try:
        lock = instance_lock.acquire(path, instance_lock.command_holder("check"))
    except (instance_lock.ArchiveLockedError, OSError) as exc:
        log.info("another program has the archive open (%s): reading the index instead", exc)
        return check_database(db, full=full, writable=False)
    with lock:
        return check_database(db, full=full)


def check_file(path: str, *, full: bool = True, writable: bool = False) -> IndexReport:
    """:func:`check_connection` on a database file (a backup being verified).
    ``writable=True`` opens it for writing, which lets FTS5's own check run (it writes
    nothing); otherwise it is opened ``mode=ro`` and the index is walked."""
    con = _connect(path, readonly=not writable)
    try:
        return check_connection(con, full=full, writable=writable)
    finally:
        con.close()


def _empty_index_rows() -> tuple[list[tuple[int, bytes]], list[tuple[str, object]]]:
    """The ``_data`` rows and ``_config`` rows of a new empty FTS5 table, as this SQLite
    writes them (so the repair never hard-codes FTS5's record format)."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
        data = [(int(r[0]), bytes(r[1])) for r in mem.execute("SELECT id, block FROM t_data")]
        config = [(str(r[0]), r[1]) for r in mem.execute("SELECT k, v FROM t_config")]
    finally:
        mem.close()
    return data, config


def _rebuild_table(con: sqlite3.Connection, table: str) -> None:
    """``rebuild`` one FTS table in one write transaction; if FTS5 cannot open the table
    at all (its structure record is damaged), start from an empty index first."""
    con.execute("BEGIN IMMEDIATE")
    try:
        try:
            con.execute(f"INSERT INTO main.{table}({table}) VALUES ('rebuild')")
        except sqlite3.DatabaseError as exc:
            if not is_index_damage(exc):
                raise
            log.warning("rebuild of %s failed (%s): starting from an empty index", table, exc)
            data, config = _empty_index_rows()
            con.execute(f"DELETE FROM main.{table}_data")
            con.execute(f"DELETE FROM main.{table}_idx")
            con.executemany(f"INSERT INTO main.{table}_data(id, block) VALUES (?, ?)", data)
            con.executemany(f"INSERT OR REPLACE INTO main.{table}_config(k, v) VALUES (?, ?)",
                            config)
            con.execute(f"INSERT INTO main.{table}({table}) VALUES ('rebuild')")
        con.execute("COMMIT")
    except BaseException:
        _end(con)
        raise


def rebuild_database(db: Database, *,
                     progress: Callable[[str], None] | None = None) -> IndexReport:
    """Rebuild every FTS index of an open SQLite archive from the rows it indexes, then
    check them all again (full check); returns that check. Each table is rebuilt in its
    own write transaction on a connection of its own (so no connection keeps a stale
    picture of the old index), and the archive's pooled connections are dropped after.

    Raises ``PermissionError`` for an archive opened read-only and the sqlite3 error
    when the archive is busy in another program (nothing is changed then)."""
    if not db.is_sqlite:
        return IndexReport()
    if db.readonly:
        raise PermissionError("This archive is open read-only: the search index cannot be "
                              "rebuilt in it.")
    path = sqlite_path(db.url)
    if path is None:  # an in-memory or unusual SQLite URL: use the archive's own pool
        raw = db.engine.raw_connection()
        try:
            con = raw.driver_connection
            assert isinstance(con, sqlite3.Connection)
            return _rebuild_all(con, progress)
        finally:
            raw.close()
    with db.exclusive():  # this process's own writers wait instead of failing busy
        con = _connect(str(path), readonly=False)
        try:
            report = _rebuild_all(con, progress)
        finally:
            con.close()
            db.engine.dispose()  # pooled connections reconnect and read the new index
    return report


def _rebuild_all(con: sqlite3.Connection, progress: Callable[[str], None] | None) -> IndexReport:
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    for table in fts_tables(con):
        if progress is not None:
            progress(table)
        _rebuild_table(con, table)
        log.info("search index %s rebuilt", table)
    return check_connection(con, full=True, writable=True)
