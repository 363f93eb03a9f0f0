"""``cuttings migrate-archive``: SQLite -> PostgreSQL -> SQLite keeps every row and
blob, verifies them, and is safe to re-run. Needs CUTTINGS_TEST_PG (else skipped)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from capture.types import AssetResult
from desktop.cli import main
from storage.archive import Archive
from storage.organize import Organizer
from storage.search import search_backend
from storage.transfer import copy_archive
from tests.storage.organize_support import FERRY_TEXT, extracted, fetched, store
from tests.support.fixture_site import png_bytes


def _fill(archive: Archive) -> dict[str, int]:
    harbour = store(archive).article_id
    ex = extracted(FERRY_TEXT, title="Ferry doubles")
    img = png_bytes()
    from capture.types import ImageRef

    ref = ImageRef("https://img.example.org/ferry.png", "ferry")
    asset = AssetResult(ref.url, ref.url, "image/png", img, hashlib.sha256(img).hexdigest())
    ferry = archive.store_capture(fetched("https://post.example.org/ferry"), ex,
                                  [(ref, asset)]).article_id
    org = Organizer(archive)
    claim = org.add_claim(harbour, "harbour wall")
    org.update_claim(claim.id, claim.version, verdict="disputed", note="survey pending")
    org.tag("Harbour", articles=[harbour], claims=[claim.id])
    org.create_collection("Inquiry")
    org.add_to_collection("Inquiry", articles=[ferry], claims=[claim.id])
    archive.enqueue(["https://post.example.org/later"])
    return {"harbour": harbour, "ferry": ferry, "claim": claim.id}


def _state(archive: Archive, ids: dict[str, int]) -> list[object]:
    org = Organizer(archive)
    out: list[object] = [archive.article(ids["harbour"]), archive.article(ids["ferry"]),
                         org.get_claim(ids["claim"]).to_json(),
                         [t.to_json() for t in org.tags()],
                         [(j.url, j.state) for j in archive.jobs()]]
    return out


def test_sqlite_to_postgres_and_back(tmp_path: Path, pg_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    src_path = tmp_path / "laptop.db"
    with Archive.open(str(src_path)) as src:
        ids = _fill(src)
        before = _state(src, ids)
    assert main(["migrate-archive", "--from", str(src_path), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "ok: every row and blob is in the destination" in out
    assert "blobs: 3 copied" in out and "3 verified" in out
    with Archive.open(pg_url) as pg:
        assert _state(pg, ids) == before
        hits = search_backend(pg.db).search("harbour wall is:claim").hits
        assert [(h.kind, h.id) for h in hits] == [("claim", ids["claim"])]
        assert pg.asset_bytes(ids["ferry"], hashlib.sha256(png_bytes()).hexdigest()) \
            == png_bytes()
        # New rows get new ids after the copied ones (sequences moved on).
        new = store(pg, "https://post.example.org/new", "A new story about the quay.")
        assert new.new_article and new.article_id > ids["ferry"]
    # Re-running copies nothing again and still verifies.
    assert main(["migrate-archive", "--from", str(src_path), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "blobs: 0 copied, 3 already there" in out
    assert " 0 copied" in out.splitlines()[0]
    # And back to a new SQLite file: everything, plus the article added on the server.
    back = tmp_path / "back.db"
    with Archive.open(pg_url, readonly=True) as pg, Archive.open(str(back)) as dst:
        report = copy_archive(pg, dst)
        assert report.ok, report.problems
        assert _state(dst, ids) == before[:4] + [before[4]]
        assert dst.count_articles() == 3
        assert [h.kind for h in search_backend(dst.db).search("quay").hits] == ["article"]


def test_same_source_and_destination_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "a.db")
    assert main(["migrate-archive", "--from", path, "--to", path]) == 1
    assert "same archive" in capsys.readouterr().err


def test_redacted_urls_in_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.db"
    Archive.open(str(src)).close()
    code = main(["migrate-archive", "--from", str(src), "--to",
                 "postgresql://reporter:Hunter2Pw@127.0.0.1:1/desk?connect_timeout=2"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Hunter2Pw" not in captured.out + captured.err
    assert "reporter:***@127.0.0.1:1/desk" in captured.err
