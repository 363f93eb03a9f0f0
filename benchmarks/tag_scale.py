"""Tagging many articles at once: one transaction, compared with inserting the rows.

    python benchmarks/tag_scale.py [--articles 10000] [--repeat 3] [--db PATH]

Creates a fresh archive (a temporary folder unless ``--db``), inserts ``--articles``
plain article rows with one ``executemany`` in one transaction (the FTS triggers of
the real schema run), then, through ``storage.organize.Organizer`` as the GUI and CLI
call it, times:

- ``tag``: one tag on every article (ONE transaction, chunked existence checks and
  one bulk insert),
- ``tag again``: the same call when every article already has the tag (nothing to
  insert),
- ``untag``: taking it off again (the undo),

and prints each beside the time to insert the plain rows (the ratio), with the
number of SQL statements and commits the tagging took. Median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, event, insert, select  # noqa: E402

from storage.archive import Archive  # noqa: E402
from storage.models import Article  # noqa: E402
from storage.organize import Organizer  # noqa: E402


def insert_plain_rows(archive: Archive, n: int, run: int) -> tuple[float, list[int]]:
    prefix = f"https://bench.example.org/{run}/"
    rows = [{"canonical_url": f"{prefix}{i}", "url": f"{prefix}{i}", "site": "bench.example.org",
             "title": f"Benchmark article {i}", "text": f"Body text of benchmark article {i}."}
            for i in range(n)]
    t0 = time.perf_counter()
    with archive.db.writer() as s:
        s.execute(insert(Article), rows)
    elapsed = time.perf_counter() - t0
    with archive.db.reader() as s:
        ids = list(s.scalars(select(Article.id).where(Article.canonical_url.like(f"{prefix}%"))
                             .order_by(Article.id)))
    return elapsed, ids


class Counter:
    def __init__(self, archive: Archive) -> None:
        self.engine = archive.db.engine
        self.statements = 0
        self.commits = 0

    def _stmt(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def __enter__(self) -> Counter:
        event.listen(self.engine, "before_cursor_execute", self._stmt)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._stmt)
        event.remove(self.engine, "commit", self._commit)


def timed(archive: Archive, fn: Callable[[], Any]) -> tuple[float, int, int]:
    with Counter(archive) as c:
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
    return elapsed, c.statements, c.commits


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", help="archive file to create (default: a temporary folder)")
    args = ap.parse_args(argv)

    tmp = None
    if args.db:
        path = args.db
    else:
        tmp = tempfile.mkdtemp(prefix="cuttings-tagbench-")
        path = str(Path(tmp) / "bench.db")
    results: dict[str, list[float]] = {"insert": [], "tag": [], "tag again": [], "untag": []}
    stats: dict[str, tuple[int, int]] = {}
    try:
        with Archive.open(path) as archive:
            org = Organizer(archive)
            for run in range(args.repeat):
                t_insert, ids = insert_plain_rows(archive, args.articles, run)
                results["insert"].append(t_insert)
                for name, fn in (("tag", lambda ids=ids: org.tag("bench", articles=ids)),
                                 ("tag again", lambda ids=ids: org.tag("bench", articles=ids)),
                                 ("untag", lambda ids=ids: org.untag("bench", articles=ids))):
                    elapsed, n_stmt, n_commit = timed(archive, fn)
                    results[name].append(elapsed)
                    stats[name] = (n_stmt, n_commit)
                assert org.tag_info("bench").articles == 0
                with archive.db.writer() as s:  # keep every run the same size
                    s.execute(delete(Article).where(Article.id.in_(
                        select(Article.id).where(Article.canonical_url.like(
                            f"https://bench.example.org/{run}/%")))))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    base = statistics.median(results["insert"])
    print(f"{args.articles:,} articles, median of {args.repeat} run(s)")
    print(f"{'insert plain rows':<20} {base * 1000:9.1f} ms   1.00x   (1 executemany, 1 commit)")
    for name in ("tag", "tag again", "untag"):
        t = statistics.median(results[name])
        n_stmt, n_commit = stats[name]
        print(f"{name:<20} {t * 1000:9.1f} ms   {t / base:4.2f}x   "
              f"({n_stmt} statements, {n_commit} commit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
