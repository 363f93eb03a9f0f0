"""E1: a batch killed with SIGKILL at random moments loses no acknowledged capture.

SIGKILL is not a power cut: it proves the application's transaction discipline
(blobs fsynced before the commit that references them, one transaction per
capture, the queue reset at start), not the disk's honesty about fsync. Power loss
would need a fault-injecting VFS, which this suite does not have.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from storage.archive import Archive
from tests.support.fixture_site import article_html

ROOT = Path(__file__).resolve().parents[2]


def start_worker(db: Path, args: list[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "tests.support.crash_worker", str(db), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_mid_batch_then_resume(httpserver: HTTPServer, tmp_path: Path) -> None:
    def page(request: Request) -> Response:
        i = int(request.path.rsplit("-", 1)[1])
        time.sleep(0.02)  # a little network latency so kills land mid-batch
        return Response(article_html(i), content_type="text/html")

    httpserver.expect_request(__import__("re").compile(r"/story-\d+")).respond_with_handler(page)
    rng = random.Random(20261128)
    db = tmp_path / "archive.db"
    acknowledged: set[int] = set()
    all_urls: list[str] = []
    for round_no in range(3):
        urls = [httpserver.url_for(f"/story-{round_no * 100 + i}") for i in range(15)]
        all_urls += urls
        proc = start_worker(db, urls)
        kill_after = rng.randint(1, 8)
        acks = 0
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ACK "):
                acknowledged.add(int(line.split()[2]))
                acks += 1
                if acks >= kill_after:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""

        # Reopen through the app's own open routine.
        with Archive.open(str(db)) as archive:
            assert archive.integrity_check() == "ok"
            stored = set(archive.article_ids())
            assert acknowledged <= stored
            for article_id in acknowledged:
                data = archive.article(article_id)
                assert data is not None and data["text"]
                cap = data["captures"][0]
                assert archive.snapshot_bytes(cap["id"])  # blob present and verified

    # Resume: everything left finishes, nothing is stored twice.
    proc = start_worker(db, ["--resume"])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with Archive.open(str(db)) as archive:
        assert archive.integrity_check() == "ok"
        assert archive.count_articles() == len(all_urls)
        assert {j.state for j in archive.jobs()} == {"done"}
        # no orphan temp files in the blob store
        assert not list(archive.blobs.root.glob("*/.tmp-*"))
