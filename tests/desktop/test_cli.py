"""The `cuttings` command line against a real archive file and a local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from desktop.cli import main
from storage.archive import Archive
from tests.support.fixture_site import article_facts, article_html, png_bytes


def serve(httpserver: HTTPServer, n: int) -> list[str]:
    for i in range(n):
        httpserver.expect_request(f"/news/{i}").respond_with_data(article_html(i),
                                                                 content_type="text/html")
        httpserver.expect_request(f"/images/lead-{i}.png").respond_with_data(
            png_bytes(), content_type="image/png")
    return [httpserver.url_for(f"/news/{i}") for i in range(n)]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_show_json(httpserver: HTTPServer, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    urls = serve(httpserver, 2)
    code, out, err = cli(capsys, "add", "--db", db, "--allow-local-network", *urls)
    assert code == 0, err
    assert out.strip().startswith("2 captured")

    code, out, _ = cli(capsys, "list", "--db", db, "--json")
    rows = json.loads(out)
    assert {r["url"] for r in rows} == set(urls)
    assert all({"id", "url", "title"} <= set(r) for r in rows)

    target = next(r for r in rows if r["url"] == urls[1])
    code, out, _ = cli(capsys, "show", str(target["id"]), "--db", db, "--json")
    data = json.loads(out)
    for key in ("id", "url", "canonical_url", "title", "authors", "published", "publisher",
                "text", "quotes", "sources", "photo_credits", "captures", "tags", "claims"):
        assert key in data
    facts = article_facts(1)
    assert data["title"] == facts["title"]
    assert any(q["speaker"] == facts["speaker"] and q["quote"] for q in data["quotes"])
    assert any(s["name"] == "Reuters" for s in data["sources"])
    assert data["photo_credits"], "photo credit missing"
    cap = data["captures"][0]
    assert {"sha256", "final_url", "status", "fetched_at"} <= set(cap)
    assert len(cap["sha256"]) == 64 and cap["status"] == 200


def test_add_dedupes_and_refuses_with_reasons(httpserver: HTTPServer, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    urls = serve(httpserver, 1)
    assert cli(capsys, "add", "--db", db, "--allow-local-network", urls[0])[0] == 0
    code, out, err = cli(capsys, "add", "--db", db, "--allow-local-network",
                         urls[0] + "#comments", "ftp://files.example.org/x",
                         "javascript:alert(1)")
    assert code == 1
    assert "already captured on" in err
    assert "only http" in err.lower()
    assert cli(capsys, "list", "--db", db, "--json")[1].count('"id"') == 1


def test_local_addresses_need_the_flag(httpserver: HTTPServer, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    urls = serve(httpserver, 1)
    code, out, err = cli(capsys, "add", "--db", str(tmp_path / "a.db"), urls[0])
    assert code == 1
    assert "local" in err.lower() or "private" in err.lower()
    assert len(httpserver.log) == 0  # refused before any connection


def test_add_reads_urls_from_a_file(httpserver: HTTPServer, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    urls = serve(httpserver, 2)
    f = tmp_path / "reading-list.txt"
    f.write_text(f"Two stories for Monday: {urls[0]} and\n{urls[1]}\n", encoding="utf-8")
    code, out, err = cli(capsys, "add", "--db", str(tmp_path / "a.db"), "--allow-local-network",
                         "--from-file", str(f))
    assert code == 0, err
    assert out.startswith("2 captured")


def test_extract_prints_the_contract_shape(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "p.html"
    page.write_text(article_html(4), encoding="utf-8")
    code, out, _ = cli(capsys, "extract", str(page), "--url", "https://ledger.example.org/n/4")
    assert code == 0
    data = json.loads(out)
    for key in ("title", "authors", "published", "publisher", "text", "quotes", "sources",
                "photo_credits"):
        assert key in data
    assert data["title"] == article_facts(4)["title"]
    assert data["published"].startswith("2026-03-05")
    assert all({"quote", "speaker"} <= set(q) for q in data["quotes"])
    assert all({"name", "kind", "url"} <= set(s) for s in data["sources"])
    assert all({"credit", "photographer", "provider"} <= set(c) for c in data["photo_credits"])
    # stores nothing
    assert not any(tmp_path.glob("*.db"))


def test_import_html_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    page = tmp_path / "saved.html"
    page.write_text(article_html(2), encoding="utf-8")
    code, out, _ = cli(capsys, "import-html", "--db", db, str(page), "--url",
                       "https://ledger.example.org/news/2")
    assert code == 0 and out.startswith("ok")
    code, _, err = cli(capsys, "import-html", "--db", db, str(tmp_path / "nope.html"))
    assert code == 1 and "cannot import" in err


def test_show_unknown_id_and_foreign_file(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    code, _, err = cli(capsys, "show", "42", "--db", db)
    assert code == 2 and f"no archive at {db}" in err  # a reading command creates nothing
    assert not Path(db).exists()
    Archive.open(db).close()
    code, _, err = cli(capsys, "show", "42", "--db", db)
    assert code == 1 and "no article with id 42" in err
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    code, _, err = cli(capsys, "list", "--db", str(foreign))
    assert code == 1 and "not a Cuttings archive" in err
    assert foreign.read_text() == "not a database"


def test_console_script_runs_in_a_subprocess(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("cuttings")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "desktop.cli"]
    env = dict(os.environ, CUTTINGS_HOME=str(tmp_path))
    res = subprocess.run([*cmd, "list", "--json"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == []
    assert (tmp_path / "archive.db").exists()


def test_check_reports_a_damaged_snapshot(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import zlib

    from storage.archive import Archive

    db = str(tmp_path / "a.db")
    page = tmp_path / "saved.html"
    page.write_text(article_html(5), encoding="utf-8")
    assert cli(capsys, "import-html", "--db", db, str(page), "--url",
               "https://ledger.example.org/news/5")[0] == 0
    code, out, _ = cli(capsys, "check", "--db", db)
    assert code == 0 and "database: ok" in out and "1 of 1 match" in out
    with Archive.open(db) as archive:
        sha = next(iter(archive.referenced_blobs()))[1]
        archive.blobs.path_of(sha).write_bytes(zlib.compress(b"<p>altered</p>"))
    code, out, _ = cli(capsys, "check", "--db", db)
    assert code == 1 and f"damaged snapshot {sha}" in out


def test_writing_commands_refuse_an_archive_open_in_another_process(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "a.db"
    Archive.open(str(db)).close()
    assert cli(capsys, "list", "--db", str(db))[0] == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from storage.instance_lock import WINDOW, acquire; "
         "l = acquire(sys.argv[1], WINDOW); "
         "print('held', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        page = tmp_path / "saved.html"
        page.write_text(article_html(1), encoding="utf-8")
        code, _, err = cli(capsys, "import-html", "--db", str(db), str(page))
        assert code == 1 and "already open in another Cuttings window" in err
        assert f"pid {holder.pid}" in err
        # reading still works
        assert cli(capsys, "list", "--db", str(db), "--json")[0] == 0
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    assert cli(capsys, "import-html", "--db", str(db), str(page))[0] == 0


def test_backup_list_and_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    page = tmp_path / "saved.html"
    page.write_text(article_html(6), encoding="utf-8")
    assert cli(capsys, "import-html", "--db", db, str(page), "--url",
               "https://ledger.example.org/news/6")[0] == 0
    code, out, _ = cli(capsys, "backup", "--db", db)
    assert code == 0 and "backup verified and saved" in out
    backup = out.strip().rsplit(": ", 1)[1]
    code, out, _ = cli(capsys, "backup", "--db", db, "--list")
    assert backup in out
    # an article captured after the backup is gone once the backup is restored
    page.write_text(article_html(7), encoding="utf-8")
    assert cli(capsys, "import-html", "--db", db, str(page), "--url",
               "https://ledger.example.org/news/7")[0] == 0
    code, out, _ = cli(capsys, "restore", "--db", db, backup)
    assert code == 0 and "previous archive is kept as" in out
    rows = json.loads(cli(capsys, "list", "--db", db, "--json")[1])
    assert [r["url"] for r in rows] == ["https://ledger.example.org/news/6"]


def test_search_prints_hits_pages_them_and_refuses_bad_queries(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    code, _, err = cli(capsys, "add", "--db", db, "--allow-local-network",
                       *serve(httpserver, 3))
    assert code == 0, err

    code, out, _ = cli(capsys, "search", "--db", db, "waited", "--json")
    assert code == 0
    found = json.loads(out)
    assert set(found) == {"total", "ranked", "note", "hits"}
    assert found["total"] == 6 and len(found["hits"]) == 6  # the 3 articles and their quotes
    assert {h["kind"] for h in found["hits"]} == {"article", "quote"}
    assert all("<mark>waited</mark>" in h["snippet"].lower() for h in found["hits"])
    assert all({"id", "article_id", "title", "speaker", "start", "end"} <= set(h)
               for h in found["hits"])

    pages = []
    for offset in range(6):
        code, out, _ = cli(capsys, "search", "--db", db, "waited", "--json", "--limit", "1",
                           "--offset", str(offset))
        pages += [(h["kind"], h["id"]) for h in json.loads(out)["hits"]]
    assert pages == [(h["kind"], h["id"]) for h in found["hits"]]

    code, out, _ = cli(capsys, "search", "--db", db, "waited is:quote", "--limit", "2")
    assert code == 0 and out.count("\nquote ") + out.startswith("quote ") == 2
    assert "[waited]" in out.lower()

    code, out, _ = cli(capsys, "tidy", "--db", db)  # already merged after `add`
    assert code == 0 and out.startswith("search index: 1 segment before, 1 now (0 merge steps")

    code, out, _ = cli(capsys, "search", "--db", db, "zzqx-nothing-like-this")
    assert code == 0 and out.strip() == "no results"
    code, out, err = cli(capsys, "search", "--db", db, "verdict:maybe")
    assert (code, out) == (2, "") and "could not understand" in err


def test_add_suggests_the_fix_of_a_mistyped_scheme(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["add", "--db", str(tmp_path / "a.db"), "htps://news.example/2026/story"])
    err = capsys.readouterr().err
    assert code != 0
    assert "did you mean https://news.example/2026/story?" in err
    assert len([line for line in err.splitlines() if "did you mean" in line]) == 1


def test_search_prints_snippets_as_text_not_html_entities(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The snippet is HTML (escaped text and <mark>) for the window and --json; the
    terminal gets the text itself: ``"``, ``&``, ``<`` as typed, matches in brackets."""
    db = str(tmp_path / "a.db")
    page = tmp_path / "saved.html"
    page.write_text("<html><head><title>Zebra rates</title></head><body><article><p>"
                    + "The zebra council said \"R&amp;D &lt;b&gt; budgets\" would rise. " * 8
                    + "</p></article></body></html>", encoding="utf-8")
    code, _, err = cli(capsys, "import-html", "--db", db, str(page), "--url",
                       "https://ledger.example/zebra")
    assert code == 0, err
    code, out, err = cli(capsys, "search", "--db", db, "zebra")
    assert code == 0, err
    assert '[zebra] council said "R&D <b> budgets"' in out, out
    assert "&quot;" not in out and "&amp;" not in out and "&lt;" not in out
