"""E2-E6: disk full, a locked database, corrupted files, read-only archives, backups.

(E1, SIGKILL mid-batch, is ``test_crash_resume.py``.) Faults are real: a 1 MB tmpfs
in a user namespace for a full disk, a second process holding ``BEGIN EXCLUSIVE``,
corrupted copies of real archives, a read-only bind mount, a writer thread racing
the backup. Corrupt or foreign files must come out of every test byte-identical.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import event

from capture.settings import Settings
from intake.pipeline import CapturePipeline
from storage import backup, instance_lock
from storage.archive import Archive
from storage.blobs import BlobCorruptError
from storage.db import ArchiveBusyError, ArchiveOpenError
from tests.reliability.helpers import ROOT, digest, extracted, fetched, run_python, unshare_works
from tests.support.fixture_site import article_html

needs_unshare = pytest.mark.skipif(not unshare_works(),
                                   reason="unshare -rm (user + mount namespace) is not available")


def fill(archive: Archive, n: int, start: int = 0) -> list[int]:
    ids = []
    for i in range(start, start + n):
        url = f"https://news.example/harbour/story-{i}"
        stored = archive.store_capture(fetched(url), extracted(
            f"Harbour story {i}", f"The Saltmere harbour wall, part {i}, was inspected."))
        ids.append(stored.article_id)
    return ids


# --------------------------------------------------------------------------- E2 disk full

DISK_FULL_CHILD = r"""
import json, os, sys
from storage.archive import Archive
from storage.db import ArchiveDiskFullError
from tests.reliability.helpers import extracted, fetched

folder = sys.argv[1]
out = {}
archive = Archive.open(os.path.join(folder, "archive.db"))
for i in range(3):
    archive.store_capture(fetched(f"https://news.example/a/{i}"), extracted(f"T{i}", "calm words"))
out["before"] = archive.count_articles()

# 1. A blob bigger than the whole disk: ENOSPC, and no temporary file left behind.
try:
    archive.blobs.put(os.urandom(2 * 1024 * 1024))
    out["big_blob"] = "stored?!"
except ArchiveDiskFullError as exc:  # the blob store's one clear error, caused by ENOSPC
    out["big_blob"] = exc.__cause__.errno
except OSError as exc:
    out["big_blob"] = exc.errno
out["tmp_files"] = [p.name for p in archive.blobs.root.glob("*/.tmp-*")]

# 2. Captures with much text until the database itself hits the wall.
error = None
for i in range(3, 2000):
    try:
        archive.store_capture(fetched(f"https://news.example/a/{i}"),
                              extracted(f"T{i}", "harbour " * 4000))
    except ArchiveDiskFullError as exc:
        error = ("db", str(exc))
        break
    except OSError as exc:
        error = ("os", exc.errno, str(exc))
        break
    out["before"] = archive.count_articles()
out["error"] = error
out["after"] = archive.count_articles()
out["integrity"] = archive.integrity_check()
out["tmp_files_after"] = [p.name for p in archive.blobs.root.glob("*/.tmp-*")]

# 3. The app keeps running: space freed, the next capture is stored.
os.unlink(os.path.join(folder, "ballast"))
archive.store_capture(fetched("https://news.example/a/after"), extracted("After", "calm again"))
out["final"] = archive.count_articles()
archive.close()
again = Archive.open(os.path.join(folder, "archive.db"))
out["reopened"] = again.count_articles()
out["integrity_reopened"] = again.integrity_check()
again.close()
print(json.dumps(out))
"""


@needs_unshare
@pytest.mark.timeout(60)
def test_e2_disk_full_rolls_back_and_the_app_keeps_running(tmp_path: Path) -> None:
    """A 1 MB tmpfs fills up: the capture fails with 'disk is full', earlier captures and
    the database are intact, and after space is freed the next capture succeeds."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "child.py"
    script.write_text(DISK_FULL_CHILD)
    # 256 KB of ballast that the child deletes to "free space" afterwards.
    shell = (f"mount -t tmpfs -o size=1m tmpfs {mnt} && "
             f"head -c 262144 /dev/zero > {mnt}/ballast && "
             f"exec {sys.executable} {script} {mnt}")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True, text=True,
                          timeout=50, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["big_blob"] == 28  # ENOSPC
    assert out["tmp_files"] == []
    assert out["error"] is not None, "the disk never filled up"
    if out["error"][0] == "db":
        assert "disk is full" in out["error"][1].lower()
        assert "\n" not in out["error"][1]
    else:
        assert out["error"][1] == 28
    assert out["after"] == out["before"] >= 3  # the failed capture left nothing behind
    assert out["integrity"] == "ok"
    assert out["tmp_files_after"] == []
    assert out["final"] == out["after"] + 1
    assert out["reopened"] == out["final"]
    assert out["integrity_reopened"] == "ok"


def test_e2_database_full_error_is_one_clear_line(tmp_path: Path) -> None:
    """SQLITE_FULL without a tmpfs: ``max_page_count`` caps the file, so the write fails
    as on a full disk. The app's error says so in one line and the data is intact."""
    from storage.db import ArchiveDiskFullError

    archive = Archive.open(str(tmp_path / "archive.db"))
    try:
        fill(archive, 2)

        @__import__("sqlalchemy").event.listens_for(archive.db.engine, "connect")
        def _cap(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 2}")

        archive.db.engine.dispose()  # new connections get the cap
        with pytest.raises(ArchiveDiskFullError) as err:
            archive.store_capture(fetched("https://news.example/big"),
                                  extracted("Big", "harbour " * 50_000))
        assert "disk is full" in str(err.value).lower()
        assert "\n" not in str(err.value)
        assert archive.count_articles() == 2
        assert archive.integrity_check() == "ok"
    finally:
        archive.close()


# --------------------------------------------------------------------------- E3 locked DB

HOLD_EXCLUSIVE = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
con.execute("create table if not exists other_program(x)")
print("LOCKED", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
con.close()
print("RELEASED", flush=True)
"""


class ExclusiveHolder:
    """Another program (a child process) holding ``BEGIN EXCLUSIVE`` until told to stop."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD_EXCLUSIVE, str(db)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "LOCKED"

    def release(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "RELEASED"
        self.proc.wait(10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.db

    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 1000)


@pytest.mark.timeout(30)
def test_e3_locked_database_waits_then_reports_busy_and_retry_succeeds(
        tmp_path: Path, short_busy_timeout: None) -> None:
    import time

    db = tmp_path / "archive.db"
    archive = Archive.open(str(db))
    holder = None
    try:
        job = archive.enqueue(["https://news.example/council/vote"]).jobs[0]
        holder = ExclusiveHolder(db)
        started = time.monotonic()
        with pytest.raises(ArchiveBusyError) as err:
            archive.set_job_state(job.id, "failed", error="x")
        waited = time.monotonic() - started
        assert 0.8 <= waited < 10  # it waited for busy_timeout, then gave up
        assert "busy" in str(err.value) and "queued" in str(err.value)
        assert archive.job(job.id).state == "queued"  # readers still work (WAL)
        holder.release()
        archive.set_job_state(job.id, "cancelled")
        assert archive.job(job.id).state == "cancelled"
    finally:
        if holder:
            holder.kill()
        archive.close()


@pytest.mark.timeout(40)
def test_e3_capture_stays_queued_while_another_program_holds_the_lock(
        tmp_path: Path, httpserver: HTTPServer, short_busy_timeout: None) -> None:
    httpserver.expect_request("/news/ferry").respond_with_data(
        article_html(2), content_type="text/html; charset=utf-8")
    db = tmp_path / "archive.db"
    archive = Archive.open(str(db))
    settings = Settings(allow_local_network=True, retries=0, total_deadline=10,
                        download_images=False, workers=1)
    holder = None
    try:
        job = archive.enqueue([httpserver.url_for("/news/ferry")]).jobs[0]
        holder = ExclusiveHolder(db)
        pipeline = CapturePipeline(archive, settings)
        try:
            summary = pipeline.run([job.id])
        finally:
            pipeline.close()
        assert summary.requeued == 1 and summary.done == 0 and summary.failed == 0
        assert "busy" in summary.failures[0][1]
        holder.release()
        assert archive.job(job.id).state == "queued"
        assert archive.count_articles() == 0
        pipeline = CapturePipeline(archive, settings)
        try:
            summary = pipeline.run([job.id])
        finally:
            pipeline.close()
        assert summary.done == 1
        assert archive.job(job.id).state == "done"
    finally:
        if holder:
            holder.kill()
        archive.close()


LOCK_CHILD = r"""
import sys
from storage import instance_lock
try:
    lock = instance_lock.acquire(sys.argv[1])
except instance_lock.ArchiveLockedError as exc:
    print("LOCKED", exc.pid, str(exc), flush=True)
    sys.exit(3)
print("ACQUIRED", flush=True)
if len(sys.argv) > 2:
    sys.stdin.readline()
"""


@pytest.mark.timeout(30)
def test_e3_second_instance_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    lock = instance_lock.acquire(db, instance_lock.WINDOW)
    try:
        proc = run_python(LOCK_CHILD, str(db))
        assert proc.returncode == 3, proc.stderr
        assert proc.stdout.startswith(f"LOCKED {os.getpid()} ")
        assert "already open in another Cuttings window" in proc.stdout
        assert f"pid {os.getpid()}" in proc.stdout
        # The same process may open the same archive again (shared, counted).
        again = instance_lock.acquire(db)
        again.release()
        assert run_python(LOCK_CHILD, str(db)).returncode == 3  # still held by `lock`
    finally:
        lock.release()
    proc = run_python(LOCK_CHILD, str(db))
    assert proc.returncode == 0 and proc.stdout.strip() == "ACQUIRED", proc.stderr


@pytest.mark.timeout(30)
def test_e3_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    holder = subprocess.Popen([sys.executable, "-c", LOCK_CHILD, str(db), "hold"], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ACQUIRED"
        with pytest.raises(instance_lock.ArchiveLockedError) as err:
            instance_lock.acquire(db)
        assert err.value.pid == holder.pid
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
    with instance_lock.acquire(db) as lock:  # the stale lock file blocks nobody
        assert not lock.released
        assert instance_lock.holder_pid(db) == os.getpid()
    assert instance_lock.lock_path_for(db).exists()


def test_e3_instance_lock_is_only_for_local_sqlite_files() -> None:
    assert instance_lock.acquire_for_url("postgresql://newsroom.example/cuttings") is None


# --------------------------------------------------------------------------- E4 corruption


@pytest.fixture(scope="module")
def template_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("template") / "archive.db"
    with Archive.open(str(db)) as archive:
        # A template for copies, not a durability test: skip the fsync per commit.
        archive.db.engine.dispose()

        @event.listens_for(archive.db.engine, "connect")
        def _fast(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA synchronous = OFF")

        fill(archive, 40)
    assert not Path(f"{db}-wal").exists()  # closed cleanly: the file alone is the archive
    return db


@pytest.fixture
def good_archive(template_archive: Path, tmp_path: Path) -> Path:
    db = tmp_path / "archive.db"
    shutil.copyfile(template_archive, db)
    shutil.copytree(template_archive.with_name("archive.db.blobs"), tmp_path / "archive.db.blobs")
    return db


def _corrupt(kind: str, src: Path, dst: Path) -> None:
    data = src.read_bytes()
    if kind == "random_bytes":
        dst.write_bytes(os.urandom(len(data)))
    elif kind == "cut_in_half":
        dst.write_bytes(data[: len(data) // 2])
    elif kind == "zero_length":
        dst.write_bytes(b"")
    elif kind == "header_only":
        dst.write_bytes(data[:60])
    elif kind == "pages_scrambled":
        page = 4096
        body = bytearray(data)
        for off in range(2 * page, len(body), 3 * page):
            body[off + 8: off + 200] = os.urandom(192)  # b-tree page headers and cells
        dst.write_bytes(bytes(body))
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind, codes", [
    ("random_bytes", {"not_archive"}),
    ("cut_in_half", {"corrupt"}),
    ("zero_length", {"empty_file"}),
    ("header_only", {"corrupt"}),
    ("pages_scrambled", {"corrupt"}),
])
def test_e4_damaged_copies_are_refused_untouched(good_archive: Path, tmp_path: Path,
                                                 kind: str, codes: set[str]) -> None:
    bad = tmp_path / f"{kind}.db"
    _corrupt(kind, good_archive, bad)
    before = digest(bad)
    with pytest.raises(ArchiveOpenError) as err:
        Archive.open(str(bad))
    assert err.value.code in codes
    assert str(bad) in str(err.value)
    assert digest(bad) == before  # never "repaired", never a schema created over it
    assert not Path(str(bad) + "-wal").exists() or Path(str(bad) + "-wal").stat().st_size == 0


def test_e4_damaged_archive_moved_aside_and_restored_from_backup(good_archive: Path) -> None:
    made = backup.create_backup(good_archive)
    with Archive.open(str(good_archive)) as archive:
        fill(archive, 5, start=100)  # work done after the backup
    _corrupt("cut_in_half", good_archive, good_archive)
    damaged_hash = digest(good_archive)
    with pytest.raises(ArchiveOpenError) as err:
        Archive.open(str(good_archive))
    assert err.value.code == "corrupt"
    offered = backup.list_backups(good_archive)
    assert [b.path for b in offered] == [made.path]
    result = backup.restore(offered[0], good_archive)
    assert result.damaged_copy is not None and ".damaged-" in result.damaged_copy.name
    assert digest(result.damaged_copy) == damaged_hash  # the evidence of the damage is kept
    assert result.backup_created_at == made.created_at
    with Archive.open(str(good_archive)) as archive:
        assert archive.integrity_check() == "ok"
        assert archive.count_articles() == 40  # the state of the backup
    assert made.path.exists()  # restoring does not consume the backup


def test_e4_raw_snapshot_corruption_is_caught_on_read(tmp_path: Path) -> None:
    """A flipped byte in a text payload passes ``integrity_check``; the snapshot's
    SHA-256 catches it when the raw HTML is read (and therefore when exported)."""
    with Archive.open(str(tmp_path / "archive.db")) as archive:
        fill(archive, 2)
        cap_id = archive.article(1)["captures"][0]["id"]
        sha = archive.article(1)["captures"][0]["sha256"]
        good = archive.snapshot_bytes(cap_id)
        path = archive.blobs.path_of(sha)
        # Tampered content that still decompresses: only the hash can tell.
        path.write_bytes(zlib.compress(good.replace(b"story", b"stony")))
        with pytest.raises(BlobCorruptError, match="no longer matches"):
            archive.snapshot_bytes(cap_id)
        # A flipped bit in the compressed file.
        raw = bytearray(zlib.compress(good))
        raw[len(raw) // 2] ^= 0x40
        path.write_bytes(bytes(raw))
        with pytest.raises(BlobCorruptError):
            archive.snapshot_bytes(cap_id)
        assert archive.integrity_check() == "ok"  # SQLite alone would not have noticed


# --------------------------------------------------------------------------- E5 read-only


def test_e5_read_only_open_reads_and_refuses_writes_cleanly(good_archive: Path) -> None:
    before = digest(good_archive)
    with Archive.open(str(good_archive), readonly=True) as archive:
        assert archive.count_articles() == 40
        assert archive.article(1)["title"] == "Harbour story 0"
        with pytest.raises(PermissionError, match="read-only"):
            archive.enqueue(["https://news.example/new"])
        with pytest.raises(PermissionError, match="read-only"):
            archive.store_capture(fetched("https://news.example/new"), extracted("N", "new"))
        assert archive.count_articles() == 40
    assert digest(good_archive) == before


def test_e5_sqlite_refuses_writes_on_a_mode_ro_connection(good_archive: Path) -> None:
    """Root ignores chmod, so read-only is proved with SQLite's own ``mode=ro``."""
    con = sqlite3.connect(f"file:{good_archive}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            con.execute("delete from articles")
    finally:
        con.close()


READ_ONLY_CHILD = r"""
import json, sys
from storage.archive import Archive
from storage.db import ArchiveOpenError
path = sys.argv[1]
out = {}
try:
    Archive.open(path)
    out["rw"] = "opened?!"
except ArchiveOpenError as exc:
    out["rw"] = [exc.code, str(exc)]
try:
    with Archive.open(path, readonly=True) as archive:
        out["ro_count"] = archive.count_articles()
        try:
            archive.enqueue(["https://news.example/x"])
        except PermissionError as exc:
            out["ro_write"] = str(exc)
except ArchiveOpenError as exc:
    out["ro_count"] = [exc.code, str(exc)]
from storage import instance_lock
out["lock"] = repr(instance_lock.acquire_for_url("sqlite:///" + path))
print(json.dumps(out))
"""


@needs_unshare
@pytest.mark.timeout(60)
def test_e5_archive_on_a_read_only_mount(good_archive: Path) -> None:
    """A read-only bind mount (EROFS, which root cannot override): opening for writing
    says 'read-only', never 'damaged, restore from a backup'; opening read-only works."""
    folder = good_archive.parent
    before = digest(good_archive)
    shell = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
             f"exec {sys.executable} -c '{READ_ONLY_CHILD}' {good_archive}")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True, text=True,
                          timeout=50, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    code, message = out["rw"]
    assert code == "read_only", message
    assert "read-only" in message and "backup" not in message
    assert out["ro_count"] == 40
    assert "read-only" in out["ro_write"]
    assert out["lock"] == "None"  # no lock file can be made there, and none is needed
    assert digest(good_archive) == before


# --------------------------------------------------------------------------- E6 backups


def _count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("select count(*) from articles").fetchone()[0])
    finally:
        con.close()


@pytest.mark.timeout(60)
def test_e6_backup_while_a_writer_thread_is_active_then_restore(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    archive = Archive.open(str(db))
    stop = threading.Event()
    committed = [0]
    errors: list[BaseException] = []
    first_commits = threading.Event()

    def writer() -> None:
        i = 0
        try:
            while not stop.is_set():
                fill(archive, 1, start=i)
                i += 1
                committed[0] = i
                if i == 20:
                    first_commits.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
            first_commits.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert first_commits.wait(30)
        low = committed[0]
        made = [backup.create_backup(db, keep=3) for _ in range(4)]
        high = committed[0]
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert high > low  # the writer really wrote during the backups
    archive.close()

    kept = backup.list_backups(db)
    assert [b.path for b in kept] == [m.path for m in reversed(made)][:3]  # newest first
    assert not made[0].path.exists()  # rotated away after a newer one was verified
    for b in kept:
        backup.verify(b.path)
        assert low <= _count(b.path) <= high + 1
    assert not list(kept[0].path.parent.glob(".tmp-*"))

    target = tmp_path / "restored" / "archive.db"
    result = backup.restore(kept[0], target)
    assert result.damaged_copy is None
    with Archive.open(str(target)) as restored:
        assert restored.integrity_check() == "ok"
        assert restored.count_articles() == _count(kept[0].path)
        ids = restored.article_ids()
        assert all(restored.article(i)["captures"] for i in ids[:10])


def test_e6_backup_of_a_damaged_archive_fails_and_keeps_the_good_backups(
        good_archive: Path) -> None:
    good = backup.create_backup(good_archive)
    _corrupt("pages_scrambled", good_archive, good_archive)
    before = digest(good_archive)
    with pytest.raises(backup.BackupError):
        backup.create_backup(good_archive, keep=1)
    assert [b.path for b in backup.list_backups(good_archive)] == [good.path]
    assert digest(good_archive) == before
    folder = good.path.parent
    assert sorted(p.name for p in folder.iterdir()) == [good.path.name]  # no temp left


def test_e6_restore_never_overwrites_an_earlier_damaged_copy(good_archive: Path) -> None:
    made = backup.create_backup(good_archive)
    asides = []
    for _ in range(3):
        _corrupt("random_bytes", good_archive, good_archive)
        asides.append(backup.restore(made, good_archive).damaged_copy)
    assert len({p for p in asides}) == 3
    assert all(p is not None and p.exists() for p in asides)
    with Archive.open(str(good_archive)) as archive:
        assert archive.count_articles() == 40


def test_e6_restore_refuses_a_bad_backup_and_moves_nothing(good_archive: Path,
                                                           tmp_path: Path) -> None:
    fake = tmp_path / "fake.bak"
    fake.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    before = digest(good_archive)
    with pytest.raises(backup.BackupError):
        backup.restore(fake, good_archive)
    assert digest(good_archive) == before
    assert not list(good_archive.parent.glob("*.damaged-*"))


def test_e6_restore_refuses_while_another_process_has_the_archive_open(
        good_archive: Path) -> None:
    made = backup.create_backup(good_archive)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    holder = subprocess.Popen([sys.executable, "-c", LOCK_CHILD, str(good_archive), "hold"],
                              env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ACQUIRED"
        before = digest(good_archive)
        with pytest.raises(instance_lock.ArchiveLockedError):
            backup.restore(made, good_archive)
        assert digest(good_archive) == before
    finally:
        holder.kill()
        holder.wait(10)


def test_e6_backup_if_due_honours_the_age(good_archive: Path) -> None:
    first = backup.backup_if_due(good_archive)
    assert first is not None
    assert backup.backup_if_due(good_archive) is None  # fresh enough
    later = backup.backup_if_due(good_archive, max_age=timedelta(0))
    assert later is not None and later.created_at > first.created_at
    old = backup.create_backup(good_archive, now=datetime(2020, 1, 2, tzinfo=UTC))
    assert backup.list_backups(good_archive)[-1] == old
