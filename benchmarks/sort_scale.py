"""Sorting the article table at scale: the first page sorted by each column.

    python benchmarks/sort_scale.py [--articles 100000] [--db PATH] [--repeat 5]

Builds (or reuses, when ``--db`` already holds an archive) the synthetic archive of
``benchmarks/search_scale.py`` (articles with quotes, tags, authors...), then times
what the desktop table does for a sort (``desktop.article_model.ArticleTableModel.
reload``): every article id in the sort order (``Archive.article_ids``) and the rows
of the first page (``Archive.article_rows``, 200 rows), for each sortable column in
both directions. Prints the median time and its ratio to sorting by capture date
measured in the same run (the machine's load weighs on both alike).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_scale import build  # noqa: E402

from desktop.article_model import COLUMNS, PAGE_SIZE  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.db import open_database  # noqa: E402


def first_page(archive: Archive, key: str, descending: bool) -> float:
    started = time.perf_counter()
    ids = archive.article_ids(sort=key, descending=descending)
    archive.article_rows(ids[:PAGE_SIZE])
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="archive file to build (or reuse if it exists)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per column and order")
    args = ap.parse_args(argv)
    tmp: Path | None = None
    path = args.db
    if path is None:
        tmp = Path(tempfile.mkdtemp(prefix="cuttings-sort-"))
        path = tmp / "bench.db"
    try:
        if not path.exists():
            print(f"Building {args.articles:,} synthetic articles in {path} ...", flush=True)
            db = open_database(f"sqlite:///{path}")
            build(db, args.articles)
            db.engine.dispose()
        archive = Archive.open(str(path))
        try:
            total = archive.count_articles()
            keys = [(name, key) for name, key in COLUMNS if key]
            print(f"{total:,} articles; first page = all ids in order + {PAGE_SIZE} rows; "
                  f"median of {args.repeat}")
            results: dict[tuple[str, bool], float] = {}
            for _ in range(args.repeat):  # interleaved: load changes hit every column
                for _name, key in keys:
                    for descending in (True, False):
                        results.setdefault((key, descending), [])  # type: ignore[arg-type]
                        results[(key, descending)].append(  # type: ignore[attr-defined]
                            first_page(archive, key, descending))
            base = statistics.median(results[("captured", True)])  # type: ignore[arg-type]
            print(f"{'column':<10} {'order':<5} {'median ms':>9} {'x date':>7}")
            for name, key in keys:
                for descending in (True, False):
                    med = statistics.median(results[(key, descending)])  # type: ignore[arg-type]
                    print(f"{name:<10} {'desc' if descending else 'asc':<5} "
                          f"{med * 1000:9.1f} {med / base:7.2f}")
        finally:
            archive.close()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
