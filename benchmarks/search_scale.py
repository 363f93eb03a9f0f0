"""Search at scale: build a synthetic archive and time a fixed mix of queries.

    python benchmarks/search_scale.py [--articles 100000] [--db PATH] [--repeat 5]

Builds (or reuses, when ``--db`` already holds an archive) a synthetic archive of
``--articles`` articles of about 600 words each, drawn from a Zipf-distributed
made-up vocabulary, with quotes, claims, citations, photo credits, tags and
collections, written with ``executemany`` in big transactions through the real
schema (``storage.db.open_database``, so the FTS triggers do the indexing). Then it
merges the search index as the app does after captures (``storage.search_index.tidy``,
timed apart), runs a fixed mix of queries through ``storage.search.SqliteSearch`` (top 50 with
snippets) and the same queries done with ``LIKE`` on the same database, and prints
build time, database size, p50/p95 latency and the speed-up.

Planted words give exact document frequencies: ``quillon`` in 0.1% of articles,
``marrowby`` in 1%, ``tessaly`` in 10%, ``harbinel`` in 50%, ``veldran`` in 100%.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import storage.search as search_mod  # noqa: E402
from storage import search_rank  # noqa: E402
from storage.db import Database, open_database  # noqa: E402
from storage.search import SqliteSearch  # noqa: E402
from storage.search_index import segments, tidy  # noqa: E402

SEED = 20261128
VOCABULARY = 30_000
WORDS_PER_ARTICLE = 600
PLANTED = {"quillon": 0.001, "marrowby": 0.01, "tessaly": 0.10, "harbinel": 0.50, "veldran": 1.0}
VERDICTS = ("unverified", "supported", "disputed", "false", "misleading")
BATCH = 2000

SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def make_vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        n = rng.choice((1, 2, 2, 2, 3, 3, 4))
        word = "".join(rng.choice(SYLLABLES) for _ in range(n))
        if rng.random() < 0.3:
            word += rng.choice("nrstlm")
        words.add(word)
    ordered = sorted(words)
    rng.shuffle(ordered)
    return [w for w in ordered if w not in PLANTED]


def make_names(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    tail = vocab[2000:]
    return [f"{rng.choice(tail).capitalize()} {rng.choice(tail).capitalize()}" for _ in range(n)]


class Corpus:
    """Deterministic synthetic content drawn from a Zipf-ish vocabulary."""

    def __init__(self, articles: int) -> None:
        self.rng = random.Random(SEED)
        self.vocab = make_vocabulary(self.rng)
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self.vocab))]
        self.cum = list(itertools.accumulate(weights))
        self.articles = articles
        self.people = make_names(self.rng, self.vocab, 2000)
        self.authors = make_names(self.rng, self.vocab, 400)
        self.outlets = [f"The {w.capitalize()} {kind}" for w, kind in zip(
            self.vocab[3000:3060], itertools.cycle(("Herald", "Post", "Times", "Courier", "Wire")),
            strict=False)]
        self.sentences = [self._sentence() for _ in range(40_000)]
        self.planted = {w: set(self.rng.sample(range(1, articles + 1), max(1, round(f * articles))))
                        for w, f in PLANTED.items()}

    def _words(self, k: int) -> list[str]:
        return [self.vocab[i] for i in (
            bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1]) for _ in range(k))]

    def _sentence(self) -> str:
        words = self._words(self.rng.randint(8, 16))
        return " ".join(words).capitalize() + "."

    def article(self, aid: int) -> dict[str, object]:
        rng = self.rng
        sentences: list[str] = []
        count = 0
        while count < WORDS_PER_ARTICLE:
            s = rng.choice(self.sentences)
            sentences.append(s)
            count += s.count(" ") + 1
        for word, ids in self.planted.items():
            if aid in ids:
                i = rng.randrange(len(sentences))
                sentences[i] = sentences[i][:-1] + f" {word}."
        paragraphs = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
        text = "\n\n".join(paragraphs)
        outlet_i = rng.randrange(len(self.outlets))
        year = 2015 + (aid * 11) // (self.articles + 1)
        month = 1 + (aid * 7) % 12
        day = 1 + (aid * 13) % 28
        return {
            "id": aid,
            "canonical_url": f"https://news{outlet_i}.example/{aid}",
            "url": f"https://news{outlet_i}.example/{aid}",
            "site": f"news{outlet_i}.example",
            "title": " ".join(self._words(rng.randint(6, 10))).capitalize(),
            "authors": json.dumps(rng.sample(self.authors, rng.choice((1, 1, 2)))),
            "publisher": self.outlets[outlet_i],
            "published": f"{year:04d}-{month:02d}-{day:02d}",
            "text": text,
            "word_count": count,
        }


ARTICLE_SQL = (
    "INSERT INTO articles (id, canonical_url, url, site, title, authors, publisher, published, "
    "language, text, reader_html, word_count, status, created_at, updated_at) VALUES "
    "(:id, :canonical_url, :url, :site, :title, :authors, :publisher, :published, 'en', :text, '', "
    ":word_count, 'ok', '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
QUOTE_SQL = (
    "INSERT INTO quotes (article_id, text, speaker, start, end, origin, anchor_state) "
    "VALUES (?, ?, ?, ?, ?, 'auto', 'ok')")
CLAIM_SQL = (
    "INSERT INTO claims (article_id, text, start, end, note, verdict, evidence, anchor_state, "
    "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '[]', 'ok', 1, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
CITATION_SQL = "INSERT INTO citations (article_id, name, kind, context, mentions) " \
               "VALUES (?, ?, 'attribution', '', '[]')"
CREDIT_SQL = "INSERT INTO photo_credits (article_id, credit, photographer, provider, caption) " \
             "VALUES (?, ?, ?, ?, ?)"


def _batches(n: int) -> Iterator[range]:
    for lo in range(1, n + 1, BATCH):
        yield range(lo, min(n, lo + BATCH - 1) + 1)


def build(db: Database, articles: int) -> None:
    corpus = Corpus(articles)
    rng = corpus.rng
    con = db.engine.raw_connection()
    try:
        cur = con.cursor()
        cur.execute("BEGIN IMMEDIATE")
        tags = [(i, f"topic {corpus.vocab[5000 + i]}", f"topic {corpus.vocab[5000 + i]}")
                for i in range(1, 201)]
        cur.executemany("INSERT INTO tags (id, name, key, version) VALUES (?, ?, ?, 1)", tags)
        cur.executemany(
            "INSERT INTO collections (id, name, description, created_at) "
            "VALUES (?, ?, '', '2026-01-01 00:00:00')",
            [(i, f"Investigation {corpus.vocab[6000 + i].capitalize()}") for i in range(1, 21)])
        cur.execute("COMMIT")
        for batch in _batches(articles):
            rows = [corpus.article(aid) for aid in batch]
            quotes, claims, cites, credits, atags, colls = [], [], [], [], [], []
            for row in rows:
                aid, text = int(row["id"]), str(row["text"])  # type: ignore[call-overload]
                for _ in range(3):
                    s = rng.choice(corpus.sentences)
                    start = max(0, rng.randrange(max(1, len(text) - 100)))
                    quotes.append((aid, s, rng.choice(corpus.people), start, start + len(s)))
                if aid % 2 == 0:
                    start = rng.randrange(max(1, len(text) - 100))
                    claims.append((aid, text[start:start + 90], start, start + 90,
                                   " ".join(corpus._words(6)), rng.choice(VERDICTS)))
                for _ in range(2):
                    cites.append((aid, rng.choice(corpus.outlets)))
                photographer = rng.choice(corpus.people)
                provider = rng.choice(("Wirepix", "Northlight Images", "Agence Kova"))
                credits.append((aid, f"Photo: {photographer}/{provider}", photographer, provider,
                                " ".join(corpus._words(8)).capitalize()))
                for t in rng.sample(range(1, 201), 2):
                    atags.append((aid, t))
                if aid % 10 == 0:
                    colls.append((1 + (aid // 10) % 20, aid))
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(ARTICLE_SQL, rows)
            cur.executemany(QUOTE_SQL, quotes)
            cur.executemany(CLAIM_SQL, claims)
            cur.executemany(CITATION_SQL, cites)
            cur.executemany(CREDIT_SQL, credits)
            cur.executemany("INSERT INTO article_tags (articles_id, tags_id) VALUES (?, ?)", atags)
            cur.executemany(
                "INSERT INTO collection_articles (collections_id, articles_id) VALUES (?, ?)",
                colls)
            cur.execute("COMMIT")
            if batch.stop % 10_000 < BATCH:
                print(f"  {batch.stop - 1} articles", flush=True)
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.execute("ANALYZE")
        cur.close()
    finally:
        con.close()


# -- the query mix -----------------------------------------------------------------


@dataclass
class Case:
    """One query of the mix and its LIKE equivalent (same words, same filters)."""

    label: str
    query: str
    like: list[str] = field(default_factory=list)  # substrings that must all occur
    like_not: list[str] = field(default_factory=list)  # substrings that must not occur
    like_any: list[str] = field(default_factory=list)  # at least one must occur (OR)
    where: str = ""  # extra SQL on alias a (article) / i (item), for filters
    params: tuple[object, ...] = ()
    kinds: tuple[str, ...] = ("article", "quote", "claim", "credit")


def query_mix(corpus: Corpus) -> list[Case]:
    v = corpus.vocab
    s0 = corpus.sentences[0].rstrip(".").lower().split()
    s1 = corpus.sentences[1].rstrip(".").lower().split()
    speaker = corpus.people[7]
    author = corpus.authors[3]
    outlet = corpus.outlets[5]
    tag = f"topic {v[5000 + 17]}"
    collection = f"Investigation {v[6000 + 4].capitalize()}"
    tag_sql = ("a.id IN (SELECT articles_id FROM article_tags JOIN tags ON tags.id = tags_id "
               "WHERE tags.name LIKE ?)")
    coll_sql = ("a.id IN (SELECT articles_id FROM collection_articles JOIN collections "
                "ON collections.id = collections_id WHERE collections.name LIKE ?)")
    return [
        Case("word in 0.1%", "quillon", ["quillon"]),
        Case("word in 1%", "marrowby", ["marrowby"]),
        Case("word in 10%", "tessaly", ["tessaly"]),
        Case("word in 50%", "harbinel", ["harbinel"]),
        Case("word in 100%", "veldran", ["veldran"]),
        Case("most common word", v[0], [v[0]]),
        Case("mid-frequency word", v[300], [v[300]]),
        Case("two words 50% + 10%", "harbinel tessaly", ["harbinel", "tessaly"]),
        Case("two words 1% + 100%", "marrowby veldran", ["marrowby", "veldran"]),
        Case("phrase of 2", f'"{s0[0]} {s0[1]}"', [f"{s0[0]} {s0[1]}"]),
        Case("phrase of 3", f'"{s1[1]} {s1[2]} {s1[3]}"', [f"{s1[1]} {s1[2]} {s1[3]}"]),
        Case("3-letter prefix, common", f"{v[0][:3]}*", [v[0][:3]]),
        Case("3-letter prefix, rarer", f"{v[4000][:3]}*", [v[4000][:3]]),
        Case("4-letter prefix of a 1% word", "marr*", ["marr"]),
        Case("OR of two rare words", "quillon OR marrowby", like_any=["quillon", "marrowby"]),
        Case("exclusion", "tessaly -harbinel", ["tessaly"], ["harbinel"]),
        Case("speaker filter alone", f'speaker:"{speaker}"', where="i.speaker LIKE ?",
             params=(f"%{speaker}%",), kinds=("quote",)),
        Case("speaker + common word", f'speaker:"{speaker}" {v[0]}', [v[0]],
             where="i.speaker LIKE ?", params=(f"%{speaker}%",), kinds=("quote",)),
        Case("author + 10% word", f'author:"{author}" tessaly', ["tessaly"],
             where="a.authors LIKE ?", params=(f"%{author}%",)),
        Case("site + 50% word", "site:news5.example harbinel", ["harbinel"],
             where="(a.site LIKE ? OR a.publisher LIKE ?)",
             params=("%news5.example%", "%news5.example%")),
        Case("source + 1% word", f'source:"{outlet}" marrowby', ["marrowby"],
             where="a.id IN (SELECT article_id FROM citations WHERE name LIKE ?)",
             params=(f"%{outlet}%",)),
        Case("tag alone", f'tag:"{tag}"', where=tag_sql, params=(tag,)),
        Case("tag + 100% word", f'tag:"{tag}" veldran', ["veldran"], where=tag_sql,
             params=(tag,)),
        Case("recent dates + 100% word", "after:2025-01 veldran", ["veldran"],
             where="a.published >= ?", params=("2025-01",)),
        Case("old dates + 50% word", "before:2017 harbinel", ["harbinel"],
             where="a.published < ?", params=("2017",)),
        Case("claims by verdict", "is:claim verdict:false", where="i.verdict = ?",
             params=("false",), kinds=("claim",)),
        Case("quotes only + common word", f"is:quote {v[2]}", [v[2]], kinds=("quote",)),
        Case("collection + 10% word", f'collection:"{collection}" tessaly', ["tessaly"],
             where=coll_sql, params=(collection,)),
    ]


# The LIKE side searches the same text the FTS indexes hold (migration 0002): article
# title, authors, publisher and body; quote text and speaker; claim text and note;
# credit line, photographer, provider and caption.
LIKE_TABLES = {
    "article": ("articles a", "a.id", ("a.title", "a.authors", "a.publisher", "a.text")),
    "quote": ("quotes i JOIN articles a ON a.id = i.article_id", "i.id",
              ("i.text", "i.speaker")),
    "claim": ("claims i JOIN articles a ON a.id = i.article_id", "i.id", ("i.text", "i.note")),
    "credit": ("photo_credits i JOIN articles a ON a.id = i.article_id", "i.id",
               ("i.credit", "i.photographer", "i.provider", "i.caption")),
}


def run_like(con: object, case: Case) -> tuple[float, int, float]:
    """The case done the old way: LIKE over the text columns, count and newest 50.
    Returns wall ms, matches, CPU ms of this thread."""
    started, cpu_started = time.perf_counter(), time.thread_time()
    total = 0
    for kind in case.kinds:
        table, key, cols = LIKE_TABLES[kind]
        conds: list[str] = []
        params: list[object] = []

        def has(word: str, cols: tuple[str, ...] = cols) -> str:
            return "(" + " OR ".join(f"{c} LIKE ?" for c in cols) + ")", [f"%{word}%"] * len(cols)

        for word in case.like:
            sql, ps = has(word)
            conds.append(sql)
            params += ps
        for word in case.like_not:
            sql, ps = has(word)
            conds.append("NOT " + sql)
            params += ps
        if case.like_any:
            parts = [has(w) for w in case.like_any]
            conds.append("(" + " OR ".join(p[0] for p in parts) + ")")
            for p in parts:
                params += p[1]
        if case.where:
            if "i." in case.where and kind == "article":
                continue
            conds.append(case.where)
            params += list(case.params)
        where = " AND ".join(conds) or "1"
        rows = con.execute(  # type: ignore[attr-defined]
            f"SELECT {key} FROM {table} WHERE {where} ORDER BY {key} DESC", params).fetchall()
        total += len(rows)
    return ((time.perf_counter() - started) * 1000, total,
            (time.thread_time() - cpu_started) * 1000)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = (len(ordered) - 1) * pct / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def after_write(db: Database, search: SqliteSearch, cases: list[Case], warm_sum: float) -> None:
    """The mix once more, right after a write: cuttings_bm25()'s per-connection copy of
    the document lengths is dropped whenever the database changes, and read again once
    scoring has cost about as much. This is what the first searches after a capture pay."""
    def one_pass() -> list[float]:
        times = []
        for case in cases:
            t0 = time.perf_counter()
            search.search(case.query, limit=50)
            times.append((time.perf_counter() - t0) * 1000)
        return times

    before = one_pass()
    with db.writer() as s:  # a real commit that changes nothing a search reads
        s.connection().exec_driver_sql(
            "UPDATE alembic_version SET version_num = version_num")
    after = one_pass()
    print(f"One pass over the mix: {sum(before):,.1f} ms; right after a write (document "
          f"lengths dropped, read again once they pay for themselves) {sum(after):,.1f} ms, "
          f"slowest query {max(after):.1f} ms (timed runs, sum of medians: {warm_sum:,.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="archive file to build (or reuse if it exists)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    ap.add_argument("--no-like", action="store_true", help="skip the LIKE comparison")
    ap.add_argument("--no-extension", action="store_true",
                    help="rank with FTS5's own bm25() and IN probes, as without the compiled "
                         "extension storage/_fts5rank.c")
    ap.add_argument("--like-repeat", type=int, default=3,
                    help="timed runs of each LIKE query (after one warm-up run)")
    args = ap.parse_args(argv)

    tmp: Path | None = None
    path = args.db
    if path is None:
        tmp = Path(tempfile.mkdtemp(prefix="cuttings-bench-"))
        path = tmp / "bench.db"
    try:
        reuse = path.exists()
        started = time.perf_counter()
        db = open_database(f"sqlite:///{path}")
        if reuse:
            with db.engine.connect() as conn:
                have = conn.exec_driver_sql("SELECT count(*) FROM articles").scalar()
            print(f"Reusing {path} ({have:,} articles); build time not measured.")
            articles = int(have or 0)
        else:
            print(f"Building {args.articles:,} synthetic articles in {path} ...", flush=True)
            build(db, args.articles)
            articles = args.articles
            print(f"Build time: {time.perf_counter() - started:.1f} s")
        # What the app does in the background after each capture batch: merge the FTS5
        # index's segments incrementally (here to the end). Timed apart from the build.
        before = segments(db)
        tidied = tidy(db)
        print(f"Index tidy: {before} -> {segments(db)} segments of articles_fts, "
              f"{tidied.steps} merge steps, {tidied.seconds:.1f} s")
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        print(f"Database size: {size / 1e6:,.0f} MB ({articles:,} articles)")

        corpus = Corpus(articles)
        cases = query_mix(corpus)
        if args.no_extension:
            search_mod._has_rank_function = lambda s: False  # type: ignore[assignment]
        print("Ranking: " + ("FTS5's bm25() (--no-extension)" if args.no_extension or
                             not search_rank.extension_loaded() else
                             "cuttings_bm25() (storage/_fts5rank.c)"))
        search = SqliteSearch(db)
        samples: list[float] = []
        cpu_samples: list[float] = []
        load_before = os.getloadavg()[0]
        rows_out: list[tuple[Case, float, float, int, str]] = []
        cpu_pairs: list[tuple[float, float]] = []  # (search, LIKE) CPU ms per query
        like_con = db.engine.raw_connection()
        try:
            for case in cases:
                search.search(case.query)  # warm the cache like a user typing would
                times = []
                for _ in range(args.repeat):
                    t0, c0 = time.perf_counter(), time.thread_time()
                    res = search.search(case.query, limit=50)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu_samples.append((time.thread_time() - c0) * 1000)
                cpu_ms = statistics.median(cpu_samples[-args.repeat:])
                if res.error:
                    raise SystemExit(f"{case.query!r}: {res.error}")
                samples += times
                flags = ("" if res.ranked else "window ") + ("" if res.total_exact else "~")
                like_ms = like_cpu = float("nan")
                if not args.no_like:
                    # Timed like the FTS side: one warm-up run (a cold page cache would
                    # flatter the ratio), then the median of the timed runs.
                    run_like(like_con, case)
                    like_runs = [run_like(like_con, case) for _ in range(args.like_repeat)]
                    like_ms = statistics.median(r[0] for r in like_runs)
                    like_cpu = statistics.median(r[2] for r in like_runs)
                rows_out.append((case, statistics.median(times), like_ms, res.total, flags))
                cpu_pairs.append((cpu_ms, like_cpu))
                ratio = like_ms / statistics.median(times)
                print(f"  {case.label:30} {statistics.median(times):6.1f} ms (cpu {cpu_ms:5.1f})"
                      f"  LIKE {like_ms:6.0f} ms {ratio:6.0f}x  {flags:>8}{res.total:>7,} hits  "
                      f"{case.query}",
                      flush=True)
        finally:
            like_con.close()
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        print(f"\nSearch latency over {len(cases)} queries x {args.repeat} runs "
              f"(top 50 with snippets): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
              f"max {max(samples):.1f} ms")
        print(f"  CPU time of the searching thread: p50 {percentile(cpu_samples, 50):.1f} ms, "
              f"p95 {percentile(cpu_samples, 95):.1f} ms (wall time includes waiting for a "
              f"core; 1-min load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores)")
        if not args.no_like:
            fts_sum = sum(r[1] for r in rows_out)
            like_sum = sum(r[2] for r in rows_out)
            ratios = [r[2] / r[1] for r in rows_out if r[1] > 0]
            like_p50 = percentile([r[2] for r in rows_out], 50)
            print(f"LIKE on the same database: p50 {like_p50:.0f} ms per query")
            print(f"  whole mix (sum of LIKE medians / sum of search medians): "
                  f"{like_sum:,.0f} ms / {fts_sum:,.1f} ms = {like_sum / fts_sum:,.0f}x faster")
            print(f"  per query (LIKE median / search median): median "
                  f"{statistics.median(ratios):,.0f}x, smallest {min(ratios):,.1f}x, "
                  f"largest {max(ratios):,.0f}x")
            cpu_fts, cpu_like = sum(c[0] for c in cpu_pairs), sum(c[1] for c in cpu_pairs)
            cpu_ratios = [c[1] / c[0] for c in cpu_pairs if c[0] > 0]
            print(f"  by CPU time of the thread (less disturbed by other work on the machine): "
                  f"whole mix {cpu_like:,.0f} ms / {cpu_fts:,.1f} ms = {cpu_like / cpu_fts:,.0f}x, "
                  f"per query median {statistics.median(cpu_ratios):,.0f}x")
        if not args.no_extension and search_rank.extension_loaded():
            after_write(db, search, cases, sum(r[1] for r in rows_out))
        db.dispose()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
