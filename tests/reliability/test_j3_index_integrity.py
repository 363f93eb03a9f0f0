"""J3: a damaged full-text search index is found, reported, kept out of backups and rebuilt.

SQLite's ``PRAGMA integrity_check`` does not look inside FTS5's index (its blocks are
blobs in the ``<table>_data`` shadow tables), so randomised index blocks used to pass
``cuttings check``, were rotated into every backup, and made ``search`` and ``tidy``
print tracebacks. Here a real archive of captured articles has its index blocks
overwritten with random bytes (the articles themselves untouched), and everything runs
through the real command line ``desktop.cli.main``.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from capture.extract import extract
from desktop.cli import main
from storage import backup
from storage.archive import Archive
from storage.search_index import FTS_TABLES
from tests.support.captures import fetched
from tests.support.fixture_site import article_html

ARTICLES = 30
DAMAGED = ("articles_fts", "quotes_fts", "credits_fts")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _fill(db: Path) -> None:
    with Archive.open(str(db)) as archive:
        for i in range(ARTICLES):
            url = f"https://ledger.example/news/{i}"
            html = article_html(i)
            archive.store_capture(fetched(url, html.encode()), extract(html, url))


def _hits(capsys: pytest.CaptureFixture[str], db: Path, query: str) -> list[tuple[str, int]]:
    code, out, err = cli(capsys, "search", "--db", str(db), query, "--json", "--limit", "500")
    assert code == 0, err
    return sorted((h["kind"], h["article_id"]) for h in json.loads(out)["hits"])


def _randomise_index_blocks(db: Path, tables: tuple[str, ...] = DAMAGED, *, seed: int = 16,
                            rows: str = "id > 10") -> None:
    """Overwrite random bytes in the index blocks of ``tables`` (leaves and b-tree
    pages; ``id > 10`` skips the averages (1) and structure (10) records)."""
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    try:
        for table in tables:
            for rowid, block in con.execute(
                    f"SELECT id, block FROM {table}_data WHERE {rows}").fetchall():
                data = bytearray(block)
                for _ in range(max(2, len(data) // 8)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
                con.execute(f"UPDATE {table}_data SET block = ? WHERE id = ?",
                            (bytes(data), rowid))
        con.commit()
    finally:
        con.close()


def _articles(db: Path) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT id, title, text FROM articles ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.fixture
def archive_db(tmp_path: Path) -> Path:
    db = tmp_path / "archive.db"
    _fill(db)
    return db


@pytest.mark.timeout(120)
def test_j3_damaged_index_is_reported_kept_out_of_backups_and_repaired(
        archive_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(archive_db)
    before = {q: _hits(capsys, archive_db, q) for q in ("council", "Reuters", "Alma Brandt",
                                                        "waited long enough")}
    assert all(before.values())
    assert {k for k, _ in before["council"]} >= {"article"}
    # Two good backups, days apart.
    assert cli(capsys, "backup", "--db", db)[0] == 0
    assert cli(capsys, "backup", "--db", db)[0] == 0
    good = [b.path for b in backup.list_backups(db)]
    assert len(good) == 2
    texts = _articles(archive_db)

    _randomise_index_blocks(archive_db)

    # check: the database itself is fine, the index is not; exit 1, one line per table.
    code, out, err = cli(capsys, "check", "--db", db)
    assert code == 1
    assert "database: ok" in out
    for table in DAMAGED:
        assert out.count(f"search index {table} is damaged") == 1, out
    assert "cuttings check --repair" in err
    assert "Traceback" not in out + err

    # backup: refuses the damaged copy, says why, keeps every good backup.
    code, out, err = cli(capsys, "backup", "--db", db, "--keep", "1")
    assert code == 1
    assert "search index" in err and "damaged" in err and "check --repair" in err
    assert "earlier backups were kept" in err
    assert [b.path for b in backup.list_backups(db)] == good
    assert all(p.exists() for p in good)
    assert not list(good[0].parent.glob(".tmp-backup-*"))

    # search and tidy: one clear line, no traceback, exit 1.
    code, out, err = cli(capsys, "search", "--db", db, "council")
    assert code == 1 and out == ""
    assert err.strip() == ("cuttings: the search index is damaged; run `cuttings check "
                           "--repair` to rebuild it")
    code, out, err = cli(capsys, "tidy", "--db", db)
    assert code == 1 and "search index is damaged" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

    # check --repair: rebuilds, re-checks, exit 0; the articles are untouched.
    code, out, err = cli(capsys, "check", "--repair", "--db", db)
    assert code == 0, out + err
    assert f"search index: rebuilt ({len(FTS_TABLES)} tables)" in out
    assert "search index: ok" in out
    assert _articles(archive_db) == texts
    after = {q: _hits(capsys, archive_db, q) for q in before}
    assert after == before
    assert cli(capsys, "check", "--db", db)[0] == 0
    assert cli(capsys, "tidy", "--db", db)[0] == 0
    code, out, err = cli(capsys, "backup", "--db", db, "--keep", "2")
    assert code == 0, err
    assert len(backup.list_backups(db)) == 2


@pytest.mark.timeout(120)
def test_j3_repair_works_when_fts5_cannot_even_open_the_index(
        archive_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The structure and averages records damaged too: FTS5 cannot construct the table,
    and its own 'rebuild' fails; the repair starts from an empty index."""
    db = str(archive_db)
    before = _hits(capsys, archive_db, "council")
    _randomise_index_blocks(archive_db, ("articles_fts",), seed=3, rows="id IN (1, 10)")
    code, out, err = cli(capsys, "check", "--db", db)
    assert code == 1 and "search index articles_fts is damaged" in out
    code, out, err = cli(capsys, "search", "--db", db, "council")
    assert code == 1 and "search index is damaged" in err
    code, out, err = cli(capsys, "check", "--repair", "--db", db)
    assert code == 0, out + err
    assert _hits(capsys, archive_db, "council") == before


@pytest.mark.timeout(60)
def test_j3_index_out_of_step_with_its_articles_is_found(
        archive_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text changed behind the index's back (no trigger): the blocks are sound, but the
    full check compares them with the articles (FTS5 integrity-check with rank 1)."""
    con = sqlite3.connect(archive_db)
    con.execute("DROP TRIGGER articles_fts_au")
    con.execute("UPDATE articles SET text = 'nothing about it here' WHERE id = 3")
    con.commit()
    con.close()
    code, out, _ = cli(capsys, "check", "--db", str(archive_db), "--no-blobs")
    assert code == 1 and "search index articles_fts is damaged" in out


@pytest.mark.timeout(60)
def test_j3_read_only_check_finds_damaged_blocks(archive_db: Path) -> None:
    """A backup on read-only media (or a read-only archive): FTS5's check needs a write
    lock, so the index is read through instead; damaged blocks are still found."""
    from storage.index_health import check_file

    assert check_file(str(archive_db), writable=False).ok
    _randomise_index_blocks(archive_db, ("quotes_fts",))
    report = check_file(str(archive_db), writable=False)
    assert report.structure_only
    assert [p.table for p in report.problems] == ["quotes_fts"]
    with pytest.raises(backup.BackupError, match="search index .* is damaged"):
        backup.verify(archive_db)


@pytest.mark.timeout(60)
def test_j3_rebuild_waits_for_the_process_writers_and_others_see_the_new_index(
        archive_db: Path) -> None:
    """The window rebuilds through the archive it has open: its pooled connections read
    the new index afterwards."""
    from storage.index_health import rebuild_database

    with Archive.open(str(archive_db)) as archive:
        from storage.search import search_backend

        search = search_backend(archive.db)
        first = search.search("council", limit=500)
        assert first.hits
        _randomise_index_blocks(archive_db)
        damaged = search.search("council")
        assert damaged.damaged and not damaged.hits
        assert "cuttings check --repair" in (damaged.error or "")
        report = rebuild_database(archive.db)
        assert report.ok and report.tables == len(FTS_TABLES)
        again = search.search("council", limit=500)
        assert again.error is None
        assert [(h.kind, h.id) for h in again.hits] == [(h.kind, h.id) for h in first.hits]


@pytest.mark.timeout(60)
def test_j3_check_while_the_window_writes_reads_the_index_instead_of_locking_it(
        archive_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """FTS5's check holds the write lock for as long as it reads a table; with another
    program writing, ``check`` reads the index through instead (no writer waits), and
    still finds damaged blocks."""
    import subprocess
    import sys

    from tests.reliability.helpers import ROOT

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from storage.instance_lock import WINDOW, acquire; "
         "l = acquire(sys.argv[1], WINDOW); print('HELD', flush=True); sys.stdin.read()",
         str(archive_db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HELD"
        code, out, err = cli(capsys, "check", "--db", str(archive_db), "--no-blobs")
        assert code == 0, err
        assert "search index: ok (read-only, or in use by another program" in out
        _randomise_index_blocks(archive_db, ("citations_fts",), rows="id > 10")
        code, out, err = cli(capsys, "check", "--db", str(archive_db), "--no-blobs")
        assert code == 1 and "search index citations_fts is damaged" in out
        code, out, err = cli(capsys, "check", "--repair", "--db", str(archive_db))
        assert code == 1 and "already open in another Cuttings window" in err
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)


@pytest.mark.timeout(60)
def test_j3_a_write_that_meets_the_damaged_index_is_one_line_then_works_after_repair(
        archive_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "saved.html"
    page.write_text(article_html(77), encoding="utf-8")
    _randomise_index_blocks(archive_db)
    argv = ("import-html", "--db", str(archive_db), str(page), "--url",
            "https://ledger.example/news/77")
    code, out, err = cli(capsys, *argv)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "damage" in lines[0] and "cuttings check --repair" in lines[0]
    assert len(_articles(archive_db)) == ARTICLES  # rolled back, nothing half-stored
    assert cli(capsys, "check", "--repair", "--db", str(archive_db))[0] == 0
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    assert ("article", ARTICLES + 1) in _hits(capsys, archive_db, '"Fenwick Cross"')


@pytest.mark.timeout(120)
def test_j3_a_capture_that_meets_the_damaged_index_stays_queued_with_one_clear_line(
        archive_db: Path, httpserver, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    """``cuttings add`` into an archive whose index is damaged: the capture is not
    thrown away as an "internal error" with an SQL dump; it stays queued, the batch
    stops saying the index is damaged and how to repair it, and after the repair the
    queued capture completes."""
    httpserver.expect_request("/news/88").respond_with_data(
        article_html(88), content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/news/88")
    _randomise_index_blocks(archive_db)
    code, out, err = cli(capsys, "add", "--db", str(archive_db), "--allow-local-network", url)
    said = out + err
    assert code != 0
    assert "Traceback" not in said and "[SQL:" not in said and "internal error" not in said, said
    assert "search index is damaged" in said and "cuttings check --repair" in said, said
    assert len(_articles(archive_db)) == ARTICLES  # nothing half-stored
    with Archive.open(str(archive_db)) as archive:
        assert [j.state for j in archive.jobs()] == ["queued"]  # kept, not failed
    assert cli(capsys, "check", "--repair", "--db", str(archive_db))[0] == 0
    code, out, err = cli(capsys, "add", "--db", str(archive_db), "--allow-local-network",
                         "--resume")
    assert code == 0, err
    assert len(_articles(archive_db)) == ARTICLES + 1, out + err
