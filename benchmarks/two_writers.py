"""Two desktops capturing one batch into one archive: throughput and duplicate fetches.

    python benchmarks/two_writers.py [--db postgresql://USER@HOST:PORT/DB] [--urls 200]

Serves ``--urls`` invented article pages from a local HTTP server (127.0.0.1, a
little latency per page), queues them in the archive (``--db``: a PostgreSQL URL, or
a temporary SQLite file by default), then runs the capture pipeline in two child
processes at once (``tests.support.shared_worker``: 2 workers each). Prints pages per
second, how the batch was split, and how many URLs were fetched more than once
(jobs are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so: 0). With
``--processes 1`` it prints the single-process figure to compare.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.archive import Archive  # noqa: E402
from storage.pg import redact  # noqa: E402
from tests.support.fixture_site import article_html  # noqa: E402

LATENCY_S = 0.02


def serve(hits: Counter[str]) -> ThreadingHTTPServer:
    lock = threading.Lock()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            with lock:
                hits[self.path] += 1
            stop.wait(LATENCY_S)  # network latency
            body = article_html(int(self.path.rsplit("-", 1)[1])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="archive URL (default: a temporary SQLite file)")
    ap.add_argument("--urls", type=int, default=200)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cuttings-two-"))
    hits: Counter[str] = Counter()
    server = serve(hits)
    try:
        db = args.db or "sqlite:///" + str(tmp / "archive.db")
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with Archive.open(db) as archive:
            queued = archive.enqueue([f"{base}/story-{i}" for i in range(args.urls)]).jobs
        print(f"{len(queued)} URLs queued in {redact(db)}; {args.processes} processes")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        procs = [subprocess.Popen([sys.executable, "-m", "tests.support.shared_worker", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=env, cwd=ROOT) for _ in range(args.processes)]
        for p in procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "READY":
                raise SystemExit("a worker did not start")
        started = time.perf_counter()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=600)[0] for p in procs]
        elapsed = time.perf_counter() - started
        done = [sum(1 for line in out.splitlines() if line.startswith("DONE")) for out in outs]
        dupes = sum(1 for n in hits.values() if n > 1)
        print(f"captured {sum(done)} pages in {elapsed:.1f} s: {sum(done) / elapsed:.1f} pages/s "
              f"(split {' / '.join(map(str, done))})")
        print(f"URLs fetched: {len(hits)}, duplicate fetches: {dupes}")
        return 0 if dupes == 0 and sum(done) == len(queued) else 1
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
