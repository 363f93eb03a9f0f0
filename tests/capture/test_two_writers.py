"""Two processes capture one 200-URL batch into one archive together: every URL is
fetched exactly once (jobs are claimed, FOR UPDATE SKIP LOCKED on PostgreSQL) and
every job ends ``done``. Runs on SQLite and, with CUTTINGS_TEST_PG, on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from storage.archive import Archive
from tests.support.fixture_site import article_html

ROOT = Path(__file__).resolve().parents[2]
N = 200


def _start(db: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "tests.support.shared_worker", db],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_processes_never_fetch_the_same_url_twice(httpserver: HTTPServer,
                                                      archive_url: str) -> None:
    hits: Counter[str] = Counter()
    lock = threading.Lock()

    def page(request: Request) -> Response:
        with lock:
            hits[request.path] += 1
        return Response(article_html(int(request.path.rsplit("-", 1)[1])),
                        content_type="text/html")

    httpserver.expect_request(__import__("re").compile(r"/story-\d+")).respond_with_handler(page)
    with Archive.open(archive_url) as archive:
        report = archive.enqueue([httpserver.url_for(f"/story-{i}") for i in range(N)])
        assert len(report.jobs) == N
    workers = [_start(archive_url), _start(archive_url)]
    try:
        for w in workers:  # both have opened the archive before either captures
            assert w.stdout is not None
            line = w.stdout.readline().strip()
            assert line == "READY", w.communicate(timeout=30)[1][-3000:]
        started = time.monotonic()
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        outputs = [w.communicate(timeout=240) for w in workers]
        elapsed = time.monotonic() - started
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    for w, (_out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err[-2000:]
    done = [[line.split()[1] for line in out.splitlines() if line.startswith("DONE")]
            for out, _err in outputs]
    assert all(done), "both processes captured part of the batch"
    assert not set(done[0]) & set(done[1])
    assert len(done[0]) + len(done[1]) == N
    assert len(hits) == N and max(hits.values()) == 1, "duplicate fetches"
    with Archive.open(archive_url) as archive:
        assert len(archive.jobs(["done"])) == N and archive.count_articles() == N
    print(f"{N} URLs by 2 processes in {elapsed:.1f} s ({N / elapsed:.0f} pages/s), "
          f"split {len(done[0])}/{len(done[1])}, duplicate fetches: 0")
