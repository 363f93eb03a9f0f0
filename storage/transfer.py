"""Moving an archive between back-ends: SQLite -> PostgreSQL and back.

``copy_archive(src, dst)`` copies every table in foreign-key order, rows in primary
key order (in chunks, one transaction each), then every blob, and verifies: row
counts per table and the SHA-256 of every blob the destination references (read
back through the destination's blob store, which checks the hash). It is safe to
re-run: rows already present (same primary key or unique key) are skipped with
``ON CONFLICT DO NOTHING``, blobs already present are not copied again. On
PostgreSQL the id sequences are moved past the copied ids afterwards.

Thread rules: runs on the calling thread; holds no state between calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.archive import Archive
from storage.blob_check import check_stored_copies
from storage.blobs import BlobCorruptError, BlobMissingError
from storage.models import Base

log = logging.getLogger(__name__)

CHUNK = 1000


@dataclass
class TableReport:
    name: str
    source: int
    copied: int
    destination: int


@dataclass
class TransferReport:
    tables: list[TableReport] = field(default_factory=list)
    blobs_copied: int = 0
    blobs_present: int = 0
    blobs_verified: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chunks(archive: Archive, table: Table) -> Iterator[list[dict[str, Any]]]:
    """Rows of ``table`` in primary-key order (keyset pagination), CHUNK at a time."""
    pk = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        q = select(table).order_by(*pk).limit(CHUNK)
        if last is not None:
            if len(pk) == 1:
                q = q.where(pk[0] > last[0])
            else:
                q = q.where(or_(pk[0] > last[0], and_(pk[0] == last[0], pk[1] > last[1])))
        with archive.db.reader() as s:
            rows = [dict(r._mapping) for r in s.execute(q)]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][c.name] for c in pk)


def _insert(archive: Archive, table: Table) -> Any:
    if archive.db.is_sqlite:
        return sqlite_insert(table).on_conflict_do_nothing()
    return pg_insert(table).on_conflict_do_nothing()


def _count(archive: Archive, table: Table) -> int:
    with archive.db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _advance_sequences(archive: Archive) -> None:
    with archive.db.writer() as s:
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            if len(pk) != 1 or pk[0].name != "id":
                continue
            s.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))


def copy_archive(src: Archive, dst: Archive,
                 progress: Callable[[str], None] | None = None) -> TransferReport:
    """Copy everything in ``src`` into ``dst`` (see the module docstring)."""
    say = progress or (lambda _m: None)
    report = TransferReport()
    for table in Base.metadata.sorted_tables:
        copied = 0
        for rows in _chunks(src, table):
            with dst.db.writer() as s:
                res = s.execute(_insert(dst, table), rows)
                copied += max(0, res.rowcount or 0)
        tr = TableReport(table.name, _count(src, table), copied, _count(dst, table))
        report.tables.append(tr)
        say(f"{table.name}: {tr.source} rows, {tr.copied} copied")
        if tr.destination < tr.source:
            report.problems.append(f"{table.name}: {tr.source} rows in the source but only "
                                   f"{tr.destination} in the destination")
    if not dst.db.is_sqlite:
        _advance_sequences(dst)
    for sha in list(src.blobs.all_hashes()):
        if dst.blobs.has(sha):
            report.blobs_present += 1
            continue
        try:
            data = src.blobs.get(sha)
        except (BlobMissingError, BlobCorruptError) as exc:
            report.problems.append(f"blob {sha[:12]}… in the source: {exc}")
            continue
        if dst.blobs.put(data) != sha:
            report.problems.append(f"blob {sha[:12]}… changed on the way")
            continue
        report.blobs_copied += 1
    say(f"blobs: {report.blobs_copied} copied, {report.blobs_present} already there")
    # the same check as `cuttings check`: a copy recorded as imported without its bytes
    # (a JSON export) is counted apart, never a failure of the transfer
    copies = check_stored_copies(dst)
    for _kind, sha, why in copies.damaged:
        report.problems.append(f"blob {sha[:12]}… in the destination: {why}")
    report.blobs_verified = copies.checked - len(copies.damaged)
    say(f"verified {report.blobs_verified} blobs by SHA-256")
    if copies.imported_without_line():
        say(str(copies.imported_without_line()))
    return report
