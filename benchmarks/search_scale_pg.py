"""Search at scale on SQLite and PostgreSQL, side by side.

    python benchmarks/search_scale_pg.py --pg postgresql://USER@HOST:PORT/DB [--articles 20000]

Builds the synthetic archive of ``benchmarks/search_scale.py`` (same corpus, same
query mix) in a temporary SQLite file, copies it into the empty PostgreSQL database
given by ``--pg`` (or ``CUTTINGS_TEST_PG``) with ``storage.transfer.copy_archive``
(the ``cuttings migrate-archive`` code, so the tsvector columns are computed on the
way in), then runs every query of the mix through ``storage.search.search_backend``
on both and prints median latency (top 50 with snippets) and hit counts per query,
then p50/p95 for each back-end. The PostgreSQL database is left filled (use a
throw-away one, e.g. from ``.ci/pg_cluster.sh``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.search_scale import Corpus, build, percentile, query_mix  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.pg import redact  # noqa: E402
from storage.search import search_backend  # noqa: E402
from storage.transfer import copy_archive  # noqa: E402


def _time(search: object, query: str, repeat: int) -> tuple[float, list[float], int, str]:
    search.search(query)  # type: ignore[attr-defined]  # warm, like a user typing
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = search.search(query, limit=50)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - t0) * 1000)
    if res.error:
        raise SystemExit(f"{query!r}: {res.error}")
    flags = ("" if res.ranked else "w") + ("" if res.total_exact else "~")
    return statistics.median(times), times, res.total, flags


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default=os.environ.get("CUTTINGS_TEST_PG"),
                    help="an EMPTY PostgreSQL database (default: $CUTTINGS_TEST_PG)")
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.pg:
        ap.error("give --pg postgresql://... (an empty database) or set CUTTINGS_TEST_PG")
    tmp = Path(tempfile.mkdtemp(prefix="cuttings-bench-"))
    try:
        path = tmp / "bench.db"
        t0 = time.perf_counter()
        lite = Archive.open(str(path))
        print(f"Building {args.articles:,} synthetic articles in SQLite ...", flush=True)
        build(lite.db, args.articles)
        print(f"SQLite build: {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        pg = Archive.open(args.pg)
        print(f"Copying into {redact(args.pg)} ...", flush=True)
        report = copy_archive(lite, pg)
        if not report.ok:
            raise SystemExit("; ".join(report.problems))
        with pg.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            size = conn.exec_driver_sql(
                "SELECT pg_database_size(current_database())").scalar()
        print(f"PostgreSQL build (copy + tsvector + GIN): {time.perf_counter() - t0:.1f} s")
        lite_size = sum(p.stat().st_size for p in tmp.glob("bench.db*"))
        print(f"Size: SQLite {lite_size / 1e6:,.0f} MB, PostgreSQL {int(size) / 1e6:,.0f} MB")

        engines = {"SQLite": search_backend(lite.db), "PostgreSQL": search_backend(pg.db)}
        samples: dict[str, list[float]] = {name: [] for name in engines}
        print(f"\n{'query':32} {'SQLite ms':>10} {'hits':>8}   {'PostgreSQL ms':>13} {'hits':>8}")
        for case in query_mix(Corpus(args.articles)):
            cells = []
            for name, engine in engines.items():
                median, times, total, flags = _time(engine, case.query, args.repeat)
                samples[name] += times
                cells.append(f"{median:8.1f}   {flags:>2}{total:>7,}")
            print(f"{case.label:32} {cells[0]}   {cells[1]:>21}", flush=True)
        print()
        for name, values in samples.items():
            print(f"{name:10} p50 {percentile(values, 50):7.1f} ms   "
                  f"p95 {percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms")
        print("(w: a recent window of a huge match set was ranked; ~: total estimated)")
        lite.close()
        pg.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
