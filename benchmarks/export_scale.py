#!/usr/bin/env python3
"""Export at scale: N articles with raw snapshots (and one shared image), exported as
ZIP evidence bundle and as JSON. Each export runs in a fresh child process, which
reports its wall time and peak RSS (``ru_maxrss``); the same is done for a tenth of
the articles, so a flat memory profile shows as (nearly) the same peak for both.

    .venv/bin/python benchmarks/export_scale.py [--n 10000] [--keep DIR] [--import]

The archive is built in bulk (one transaction, blobs written without per-file
fsync: this is a benchmark fixture, not how Cuttings stores captures).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ["harbour", "council", "storm", "wall", "ferry", "mayor", "budget", "vote", "inquiry",
         "residents", "contract", "engineer", "tide", "flood", "report", "minister",
         "statement", "spokesperson", "week", "repairs"]


def _put_blob(root: Path, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    path = root / sha[:2] / sha[2:]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(zlib.compress(data, 1))
    return sha


def build(db_path: Path, n: int, batch: int = 500) -> None:
    """Bulk insert (Core executemany, explicit ids) of ``n`` articles, each with one
    capture (unique raw snapshot), one shared image, a quote, a claim and a tag."""
    from sqlalchemy import insert

    from storage.archive import Archive
    from storage.models import (
        Article,
        Asset,
        Capture,
        Claim,
        Collection,
        Quote,
        Tag,
        article_tags,
        collection_articles,
    )
    from tests.support.fixture_site import png_bytes

    archive = Archive.open(str(db_path))
    img = png_bytes(40, 30)
    img_sha = _put_blob(archive.blobs.root, img)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with archive.db.writer() as s:
        s.execute(insert(Tag), [{"id": 1, "name": "Harbour", "key": "harbour"}])
        s.execute(insert(Collection), [{"id": 1, "name": "Bench", "description": "benchmark"}])
        for start in range(0, n, batch):
            rows: dict[str, list[dict]] = {k: [] for k in
                                           ("art", "cap", "asset", "quote", "claim", "tag", "coll")}
            for i in range(start, min(n, start + batch)):
                aid = i + 1
                words = [WORDS[(i * 7 + k * 13) % len(WORDS)] for k in range(600)]
                text = f"Article {i}. " + " ".join(words)
                paras = "".join(f"<p>{' '.join(words[k:k + 60])}</p>" for k in range(0, 600, 60))
                raw = (f"<!DOCTYPE html><html><head><title>Story {i}</title>"
                       f"<meta property=\"og:title\" content=\"Story {i}\"></head><body>"
                       f"<nav>{'<a href=/x>menu</a>' * 40}</nav><article>{paras}</article>"
                       f"<footer>{'footer text ' * 200}</footer></body></html>").encode()
                sha = _put_blob(archive.blobs.root, raw)
                url = f"https://bench-{i % 50}.example/news/story-{i}"
                when = base + timedelta(seconds=i)
                rows["art"].append(dict(
                    id=aid, canonical_url=url, url=url, site=f"bench-{i % 50}.example",
                    title=f"Story {i}: the harbour wall", authors=["Lee Park"],
                    publisher="The Bench Post", published="2026-01-01", language="en",
                    description=None, text=text,
                    reader_html=paras + f'<img src="asset:{img_sha}">',
                    word_count=len(text.split()), status="ok", created_at=when,
                    updated_at=when, latest_capture_id=aid))
                rows["cap"].append(dict(
                    id=aid, article_id=aid, source="fetch", requested_url=url,
                    requested_key=url, final_url=url, redirects=[], fetched_at=when,
                    http_status=200, headers=[["Content-Type", "text/html"]],
                    content_type="text/html", encoding="utf-8", sha256=sha, size=len(raw),
                    local_network_allowed=False, title=f"Story {i}", text=text,
                    extractor_version=None))
                rows["asset"].append(dict(capture_id=aid, url="https://cdn.bench.example/a.png",
                                          media_type="image/png", size=len(img), sha256=img_sha,
                                          role="lead", alt=None, caption=None))
                rows["quote"].append(dict(article_id=aid, text=" ".join(words[:12]),
                                          speaker="Jane Roe", role=None, cue="said", start=10,
                                          end=80, origin="auto", anchor_state="ok"))
                rows["claim"].append(dict(article_id=aid, capture_id=aid,
                                          text=" ".join(words[:5]), start=0, end=30,
                                          note="checked", verdict="disputed", evidence=[],
                                          anchor_state="ok", version=1, created_at=when,
                                          updated_at=when))
                rows["tag"].append({"articles_id": aid, "tags_id": 1})
                if i % 2 == 0:
                    rows["coll"].append({"collections_id": 1, "articles_id": aid})
            for table, key in ((Article, "art"), (Capture, "cap"), (Asset, "asset"),
                               (Quote, "quote"), (Claim, "claim"), (article_tags, "tag"),
                               (collection_articles, "coll")):
                if rows[key]:
                    s.execute(insert(table), rows[key])
    archive.close()


def child(db: str, fmt: str, out: str, limit: int) -> None:
    from storage.archive import Archive
    from storage.export import Selection, export, resolve_article_ids

    archive = Archive.open(db)
    ids = resolve_article_ids(archive, Selection(all_articles=True))[:limit]
    start = time.perf_counter()
    result = export(archive, Selection(all_articles=True), fmt, out, ids=ids)
    elapsed = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"format": fmt, "articles": len(ids), "seconds": round(elapsed, 2),
                      "peak_rss_mb": round(rss_mb, 1), "bytes": result.bytes_written}))


def import_child(db: str, bundle: str) -> None:
    from storage.archive import Archive
    from storage.export import import_path

    archive = Archive.open(db)
    start = time.perf_counter()
    report = import_path(archive, bundle)
    elapsed = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"format": "import", "articles": report.added.get("articles", 0),
                      "seconds": round(elapsed, 2), "peak_rss_mb": round(rss_mb, 1)}))


def run_child(db: Path, fmt: str, out: Path, limit: int) -> dict:
    argv = (["--import-child", str(db), str(out)] if fmt == "import"
            else ["--child", str(db), fmt, str(out), str(limit)])
    proc = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--import-child":
        import_child(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--keep", help="build in this folder and keep it")
    ap.add_argument("--import", dest="do_import", action="store_true",
                    help="also import the full ZIP bundle into an empty archive (time, RSS; "
                         "import parses the whole JSON, so its memory is not flat)")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cuttings-exp-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    if not db.exists():
        t = time.perf_counter()
        build(db, args.n)
        print(f"built {args.n} articles with snapshots in {time.perf_counter() - t:.1f} s")
    rows = []
    for fmt, ext in (("zip", ".zip"), ("json", ".json")):
        for limit in (max(1, args.n // 10), args.n):
            r = run_child(db, fmt, folder / f"out-{limit}{ext}", limit)
            rows.append(r)
            print(f"{fmt:<5} {r['articles']:>6} articles  {r['seconds']:>7.2f} s  "
                  f"peak RSS {r['peak_rss_mb']:>6.1f} MB  {r['bytes'] / 1e6:>8.1f} MB written",
                  flush=True)
    worst = max(r["peak_rss_mb"] for r in rows)
    if args.do_import:
        target = folder / "imported.db"
        for extra in (target, target.with_name(target.name + ".blobs")):
            if extra.is_dir():
                import shutil

                shutil.rmtree(extra)
            elif extra.exists():
                extra.unlink()
        r = run_child(target, "import", folder / f"out-{args.n}.zip", args.n)
        print(f"import {r['articles']:>6} articles  {r['seconds']:>7.2f} s  "
              f"peak RSS {r['peak_rss_mb']:>6.1f} MB  (from the ZIP bundle)", flush=True)
    print(f"worst peak RSS {worst:.1f} MB ({'OK' if worst < 300 else 'OVER'} the 300 MB bound)")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0 if worst < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
