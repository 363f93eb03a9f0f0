"""F1: concurrent writers through the real storage API lose nothing.

F2 (closing the window or cancelling mid-batch) and F3 (Qt thread affinity) need the
GUI and are covered in ``tests/desktop/``; the headless half of F2 (a stopped batch
leaves a consistent, resumable queue) is tested here.

The database of the many-writers test lives on ``/dev/shm`` when there is one: this
is a test of concurrency, not of durability (E1 covers that), and 1,600 fsyncs on a
slow disk would only measure the disk.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from capture.settings import Settings
from intake.pipeline import CapturePipeline
from storage.archive import Archive
from tests.reliability.helpers import extracted, fetched
from tests.support.fixture_site import article_html


@pytest.fixture
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    shm = Path("/dev/shm")
    if shm.is_dir():
        import tempfile

        with tempfile.TemporaryDirectory(dir=shm, prefix="cuttings-f1-") as d:
            yield Path(d)
    else:
        yield tmp_path


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_f1_eight_threads_store_1600_captures(fast_dir: Path, tiny_switch_interval: None) -> None:
    archive = Archive.open(str(fast_dir / "archive.db"))
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(t: int) -> None:
        try:
            start.wait(10)
            for i in range(200):
                url = f"https://news.example/t{t}/story-{i}"
                archive.store_capture(fetched(url), extracted(
                    f"Thread {t} story {i}", f"Report {i} from desk {t} about the ferry."))
                if i % 50 == 0:  # readers interleaved with the writers
                    archive.count_articles()
                    archive.find_duplicate(url)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(110)
    try:
        assert errors == []
        assert archive.count_articles() == 1600
        assert archive.integrity_check() == "ok"
        with archive.db.reader() as s:
            from sqlalchemy import text

            assert s.execute(text("select count(*) from captures")).scalar() == 1600
            assert s.execute(text("select count(*) from articles where latest_capture_id is null"
                                  )).scalar() == 0
    finally:
        archive.close()


def test_f1_read_then_write_never_fails_with_busy_snapshot(tmp_path: Path) -> None:
    """Two connections (as two processes would have): A reads, B commits, A writes.
    A plain deferred transaction fails at once with SQLITE_BUSY_SNAPSHOT; the app's
    writer starts with BEGIN IMMEDIATE, so B waits for A instead and both succeed."""
    db = tmp_path / "archive.db"
    Archive.open(str(db)).close()

    # The hazard is real: a deferred read transaction cannot upgrade after B's commit.
    a = sqlite3.connect(db, isolation_level=None, timeout=10)
    b = sqlite3.connect(db, isolation_level=None, timeout=10)
    a.execute("BEGIN")
    a.execute("select count(*) from tags").fetchone()
    b.execute("insert into tags(name, key, version) values ('b', 'b', 1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        a.execute("insert into tags(name, key, version) values ('a', 'a', 1)")
    a.execute("ROLLBACK")
    a.close()
    b.close()

    # The app's writer: a second Archive object on the same file (its own write lock,
    # like another process) writes while the first is between its read and its write.
    first = Archive.open(str(db))
    second = Archive.open(str(db))
    read_done = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            read_done.wait(10)
            second.enqueue(["https://news.example/from-the-other-window"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            second_done.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        from sqlalchemy import text

        with first.db.writer() as s:
            before = s.execute(text("select count(*) from capture_jobs")).scalar()
            read_done.set()
            # The other writer is now blocked on our reserved lock, not committing.
            assert not second_done.wait(0.3)
            s.execute(text("insert into tags(name, key, version) values ('x', 'x', 1)"))
        thread.join(10)
        assert errors == []
        assert before == 0
        assert len(first.jobs()) == 1
        with first.db.reader() as s:
            assert s.execute(text("select count(*) from tags where key='x'")).scalar() == 1
    finally:
        first.close()
        second.close()


@pytest.mark.timeout(60)
def test_f2_stop_mid_batch_leaves_a_consistent_resumable_queue(httpserver: HTTPServer,
                                                              tmp_path: Path) -> None:
    """The headless half of F2: stop() during a batch against a slow server returns
    within 5 s; every job is done or still queued (none running, none lost), and a
    resume finishes the rest."""
    gate = threading.Event()
    first_request = threading.Event()

    def slow(request: Request) -> Response:
        first_request.set()
        gate.wait(5)
        return Response(article_html(int(request.path.rsplit("-", 1)[1])),
                        content_type="text/html")

    httpserver.expect_request(__import__("re").compile(r"/story-\d+")).respond_with_handler(slow)
    settings = Settings(allow_local_network=True, retries=0, total_deadline=30, workers=2,
                        per_host=2, download_images=False)
    with Archive.open(str(tmp_path / "a.db")) as archive:
        report = archive.enqueue([httpserver.url_for(f"/story-{i}") for i in range(12)])
        pipeline = CapturePipeline(archive, settings)
        result: list[object] = []
        runner = threading.Thread(target=lambda: result.append(pipeline.run()))
        runner.start()
        assert first_request.wait(10)
        stopped_at = time.monotonic()
        pipeline.stop()
        runner.join(10)
        assert not runner.is_alive()
        assert time.monotonic() - stopped_at < 5
        gate.set()
        pipeline.close()
        states = [j.state for j in archive.jobs()]
        assert set(states) <= {"queued", "done"}, states
        assert len(states) == 12
        done_before = states.count("done")
        assert archive.count_articles() == done_before
        pipeline = CapturePipeline(archive, settings)
        try:
            summary = pipeline.resume()
        finally:
            pipeline.close()
        assert summary.done == 12 - done_before
        assert {j.state for j in archive.jobs()} == {"done"}
        assert archive.count_articles() == 12
        assert len(report.jobs) == 12
