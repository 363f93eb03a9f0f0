#!/usr/bin/env python3
"""Capture throughput: N articles from a local server with a fixed latency per response.

The server runs in a child process and answers on 127.0.0.1 ... 127.0.0.8 (so the
per-host limit of 2 is not what bounds the run); each response waits ``--latency``
seconds first. Prints wall time, articles per second, peak RSS of the capturing
process and the ratio to the ideal ``N x latency / workers`` (1.0 is perfect).

    .venv/bin/python benchmarks/capture_throughput.py [--n 200] [--latency 0.2] [--workers 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOSTS = [f"127.0.0.{i}" for i in range(1, 9)]


def serve(port: int, latency: float) -> None:
    from tests.support.fixture_site import article_html

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            time.sleep(latency)
            try:
                i = int(self.path.rsplit("-", 1)[1])
            except ValueError:
                i = 0
            body = article_html(i, image_url=None).encode()
            # Headers and body in one write: two small writes would meet the client's
            # delayed ACK (Nagle) and add ~40 ms to every response that is not ours.
            head = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            self.wfile.write(head + body)

        def log_message(self, *args: object) -> None:
            pass

    servers = []
    for host in HOSTS:
        srv = ThreadingHTTPServer((host, port), Handler)
        srv.daemon_threads = True
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("READY", flush=True)
    sys.stdin.read()  # until the parent closes our stdin


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--port", type=int, default=18431)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.port, args.latency)
        return 0

    from capture.settings import Settings
    from intake.pipeline import CapturePipeline
    from storage.archive import Archive

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(args.port),
         "--latency", str(args.latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    if server.stdout.readline().strip() != "READY":
        raise SystemExit("server did not start")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            archive = Archive.open(os.path.join(tmp, "bench.db"))
            urls = [f"http://{HOSTS[i % len(HOSTS)]}:{args.port}/news/story-{i}"
                    for i in range(args.n)]
            settings = Settings(allow_local_network=True, workers=args.workers, per_host=2,
                                download_images=False)
            report = archive.enqueue(urls)
            pipeline = CapturePipeline(archive, settings)
            t0 = time.perf_counter()
            summary = pipeline.run([j.id for j in report.jobs])
            wall = time.perf_counter() - t0
            pipeline.close()
            stored = archive.count_articles()
            archive.close()
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(10)
    ideal = args.n * args.latency / args.workers
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles          {args.n} ({summary.done} captured, {summary.failed} failed, "
          f"{stored} stored)")
    print(f"latency           {args.latency * 1000:.0f} ms per response, {args.workers} workers, "
          f"{len(HOSTS)} hosts, 2 per host")
    print(f"wall time         {wall:.2f} s")
    print(f"articles/second   {args.n / wall:.1f}")
    print(f"peak RSS          {rss_mb:.0f} MB")
    print(f"ideal             {ideal:.2f} s (N x latency / workers)")
    print(f"ratio to ideal    {wall / ideal:.2f}  (target <= 1.3)")
    return 0 if summary.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
