"""Extraction time of pathological pages, as ratios against a normal article.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/extraction_bounds.py [--timeout S] [--only NAME ...]

Generates the pages in memory (nothing is written): one element with 50,000 /
200,000 / 1,000,000 attributes, 20,000 figures, 100,000 links, 100,000 ``<p>`` with a
quote each, 100,000 nested ``<div>``. Each page is extracted in a fresh child process
(``capture.extract.extract``, in-process there, so the numbers are the extractor's own
work) killed after ``--timeout`` seconds; a killed run prints ``>timeout``. Then the
same pages through :func:`capture.extract.bounded.extract_bounded` (the capture
pipeline's path: the extraction worker with its deadline and bounds), timed from the
parent. The normal article (a test fixture page) is measured in the same run; every
time is also printed as a multiple of it, so numbers from different machines compare.

It also prints the per-page overhead of the extraction worker on the normal article:
median of in-process ``extract`` against median of ``extract_bounded`` (same
process, warm worker).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.complex_pages import (  # noqa: E402 - after the path
    attributes_page,
    figures_page,
    links_page,
    nesting_page,
    quotes_page,
)

NORMAL = ROOT / "tests" / "capture" / "extract" / "pages" / "guardian_like.html"


PAGES = {
    "attrs_50k": lambda: attributes_page(50_000),
    "attrs_200k": lambda: attributes_page(200_000),
    "attrs_1m": lambda: attributes_page(1_000_000),
    "figures_20k": lambda: figures_page(20_000),
    "links_100k": lambda: links_page(100_000),
    "quotes_100k": lambda: quotes_page(100_000),
    "nesting_100k": lambda: nesting_page(100_000),
}

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import benchmarks.extraction_bounds as b
from capture.extract import extract
html = b.PAGES[sys.argv[2]]() if sys.argv[2] != "normal" else b.NORMAL.read_text("utf-8")
extract(b.NORMAL.read_text("utf-8"))  # warm: imports, gazetteer, compiled expressions
times = []
for _ in range(15 if sys.argv[2] == "normal" else 1):
    t = time.perf_counter()
    out = extract(html)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"s": times[len(times) // 2], "words": out.word_count}))
"""


def in_child(name: str, timeout: float) -> float | None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), name], capture_output=True,
                              text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout)["s"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per in-process run")
    ap.add_argument("--deadline", type=float, default=10.0, help="extraction deadline (bounded path)")
    ap.add_argument("--only", nargs="*", help="page names (default: all)")
    ap.add_argument("--no-bounded", action="store_true", help="only the in-process extractor")
    args = ap.parse_args(argv)
    names = args.only or list(PAGES)

    normal = in_child("normal", args.timeout) or float("nan")
    print(f"normal article (in-process extract, warm median): {normal * 1000:.1f} ms")
    print(f"{'page':<14} {'MB':>6} {'extract s':>10} {'x normal':>10}")
    for name in names:
        size = len(PAGES[name]().encode()) / 1e6
        t = in_child(name, args.timeout)
        shown = f"{t:10.2f} {t / normal:10.0f}" if t is not None else f"{'>' + format(args.timeout, 'g'):>10} {'-':>10}"
        print(f"{name:<14} {size:6.1f} {shown}", flush=True)

    if args.no_bounded:
        return 0
    try:
        from capture.extract.bounded import ExtractionWorker
    except ImportError:
        print("no capture.extract.bounded: bounded path not measured")
        return 0
    from capture.extract import extract

    html = NORMAL.read_text("utf-8")
    with ExtractionWorker() as worker:
        worker.extract(html, None, deadline=args.deadline)  # warm
        a, b = [], []
        for _ in range(15):
            t0 = time.perf_counter()
            extract(html)
            t1 = time.perf_counter()
            worker.extract(html, None, deadline=args.deadline)
            t2 = time.perf_counter()
            a.append(t1 - t0)
            b.append(t2 - t1)
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"\nnormal article: in-process {ma * 1000:.1f} ms, worker {mb * 1000:.1f} ms, "
              f"overhead {(mb - ma) * 1000:.1f} ms per page")
        print(f"\nbounded path (worker, deadline {args.deadline:g} s)")
        print(f"{'page':<14} {'s':>8} {'x normal':>10}  status")
        for name in names:
            page = PAGES[name]()
            t0 = time.perf_counter()
            out = worker.extract(page, None, deadline=args.deadline)
            t = time.perf_counter() - t0
            status = out.too_complex or f"ok, {out.word_count} words"
            print(f"{name:<14} {t:8.2f} {t / ma:10.0f}  {status[:70]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
