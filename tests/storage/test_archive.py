"""The Archive facade on a real SQLite file: storing captures, dedupe, queue, reading."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from capture.types import (
    AssetResult,
    CitationItem,
    CreditItem,
    Extracted,
    ImageRef,
    QuoteItem,
)
from storage.archive import Archive, rewrite_image_sources
from tests.support.captures import fetched
from tests.support.fixture_site import png_bytes


def extracted(text: str = "Mayor Jane Roe said “we will rebuild” on Monday.") -> Extracted:
    q = "we will rebuild"
    start = text.find(q)
    return Extracted(
        title="Harbour wall to be rebuilt", authors=["Lee Park"], published="2026-02-01",
        publisher="The Saltmere Post", language="en", text=text,
        reader_html='<p>Body</p><img src="https://cdn.example.org/a.png" alt="wall">'
                    '<img src="https://tracker.example.net/pixel.gif">',
        quotes=[QuoteItem(q, "Jane Roe", "Mayor", "said", start, start + len(q))],
        citations=[CitationItem("Reuters", "attribution", None, "told Reuters", [(0, 5)])],
        credits=[CreditItem("Ana Ruiz/AP", "Ana Ruiz", "AP", None,
                            "https://cdn.example.org/a.png")],
        images=[ImageRef("https://cdn.example.org/a.png", "wall")])


HELLO = b"<html><p>Hello</p></html>"


@pytest.fixture
def archive(tmp_path: Path):
    a = Archive.open(str(tmp_path / "archive.db"))
    yield a
    a.close()


def test_store_capture_keeps_everything(archive: Archive) -> None:
    img = png_bytes()
    asset = AssetResult("https://cdn.example.org/a.png", "https://cdn.example.org/a.png",
                        "image/png", img, hashlib.sha256(img).hexdigest())
    ex = extracted()
    stored = archive.store_capture(fetched("https://news.example.org/a", HELLO), ex,
                                   [(ex.images[0], asset)])
    assert stored.new_article
    data = archive.article(stored.article_id)
    assert data is not None
    assert data["title"] == "Harbour wall to be rebuilt"
    assert data["quotes"][0]["speaker"] == "Jane Roe"
    q = data["quotes"][0]
    assert data["text"][q["start"]:q["end"]] == "we will rebuild"
    assert data["sources"][0]["name"] == "Reuters"
    assert data["photo_credits"][0]["image_sha256"] == asset.sha256
    cap = data["captures"][0]
    assert cap["sha256"] == hashlib.sha256(b"<html><p>Hello</p></html>").hexdigest()
    assert archive.snapshot_bytes(cap["id"]) == b"<html><p>Hello</p></html>"
    # reader HTML points at the archived copy; the unarchived tracker image is gone
    assert f'src="asset:{asset.sha256}"' in data["reader_html"]
    assert "tracker.example.net" not in data["reader_html"]
    assert archive.asset_bytes(stored.article_id, asset.sha256) == img


def test_assets_are_served_only_to_their_own_article(archive: Archive) -> None:
    img = png_bytes()
    asset = AssetResult("https://cdn.example.org/a.png", "https://cdn.example.org/a.png",
                        "image/png", img, hashlib.sha256(img).hexdigest())
    ex = extracted()
    a = archive.store_capture(fetched("https://news.example.org/a"), ex, [(ex.images[0], asset)])
    b = archive.store_capture(fetched("https://news.example.org/b", b"<p>other</p>"),
                              extracted("Other text"))
    assert archive.asset_bytes(a.article_id, asset.sha256) == img
    assert archive.asset_bytes(b.article_id, asset.sha256) is None


def test_recapture_adds_a_capture_not_an_article(archive: Archive) -> None:
    first = archive.store_capture(fetched("https://news.example.org/a"), extracted())
    second = archive.store_capture(fetched("https://news.example.org/a", b"<p>edited</p>"),
                                   extracted("Mayor Jane Roe said “we will rebuild” today."))
    assert second.article_id == first.article_id and not second.new_article
    data = archive.article(first.article_id)
    assert data is not None
    assert len(data["captures"]) == 2
    assert data["captures"][0]["latest"] is True
    assert "today" in data["text"]
    assert len(data["quotes"]) == 1  # automatic quotes replaced, not duplicated


def test_duplicates_by_variant_and_after_redirect(archive: Archive) -> None:
    archive.store_capture(fetched("https://news.example.org/short",
                                  final="https://news.example.org/2026/02/long-story"),
                          extracted())
    for variant in ["https://news.example.org/short",
                    "http://www.news.example.org/2026/02/long-story/",
                    "https://news.example.org/2026/02/long-story?utm_source=x"]:
        dup = archive.find_duplicate(variant)
        assert dup is not None, variant
        assert dup.message.startswith("already captured on 20")
    report = archive.enqueue(["https://news.example.org/short",
                              "https://news.example.org/new", "https://news.example.org/new"])
    assert [j.url for j in report.jobs] == ["https://news.example.org/new"]
    assert len(report.duplicates) == 1
    # a queued URL is not queued twice
    again = archive.enqueue(["https://news.example.org/new"])
    assert again.jobs == [] and "capture queue" in again.duplicates[0].message
    # recapture is offered explicitly
    re = archive.enqueue(["https://news.example.org/short"], recapture=True)
    assert len(re.jobs) == 1 and re.jobs[0].recapture


def test_queue_states_and_resume(archive: Archive) -> None:
    report = archive.enqueue([f"https://news.example.org/{i}" for i in range(3)])
    ids = [j.id for j in report.jobs]
    archive.set_job_state(ids[0], "running", count_attempt=True)
    archive.set_job_state(ids[1], "failed", error="page too large", error_code="too_large")
    assert archive.reset_interrupted_jobs() == 1
    states = {j.id: j.state for j in archive.jobs()}
    assert states == {ids[0]: "queued", ids[1]: "failed", ids[2]: "queued"}
    assert archive.job(ids[0]).attempts == 1  # type: ignore[union-attr]
    assert archive.retry_jobs([ids[1]]) == 1
    assert archive.cancel_jobs([ids[2]]) == 1
    assert {j.state for j in archive.jobs()} == {"queued", "cancelled"}


def test_nul_and_lone_surrogates_are_cleaned_at_the_boundary(archive: Archive) -> None:
    ex = extracted("Before\x00after \ud800 end")
    ex.quotes = []
    ex.title = "Title\x00with NUL"
    stored = archive.store_capture(fetched("https://news.example.org/nul"), ex)
    data = archive.article(stored.article_id)
    assert data is not None
    assert "\x00" not in data["text"] and "Beforeafter" in data["text"]
    assert data["title"] == "Titlewith NUL"


def test_concurrent_writers_lose_nothing(archive: Archive) -> None:
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(15):
                archive.store_capture(fetched(f"https://w{t}.example.org/{i}",
                                              f"<p>{t}-{i}</p>".encode()), extracted())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert archive.count_articles() == 90
    assert archive.integrity_check() == "ok"


def test_rows_paging_and_lists(archive: Archive) -> None:
    for i in range(5):
        archive.store_capture(fetched(f"https://news.example.org/{i}", f"<p>{i}</p>".encode()),
                              extracted())
    ids = archive.article_ids(sort="id", descending=False)
    assert len(ids) == 5 and ids == sorted(ids)
    rows = archive.article_rows(ids[1:3])
    assert [r.id for r in rows] == ids[1:3]
    assert rows[0].quote_count == 1 and rows[0].publisher == "The Saltmere Post"
    assert archive.speakers() == [("Jane Roe", 5)]
    assert archive.outlets() == [("Reuters", 5)]
    assert len(archive.article_ids_for(speaker="Jane Roe")) == 5
    assert archive.quotes_by("Jane Roe")[0]["quote"] == "we will rebuild"


def test_rewrite_image_sources_drops_unarchived_images() -> None:
    html = '<p>x</p><img src="https://a.example/1.png" alt="a"><img src="/dev/zero">'
    out = rewrite_image_sources(html, {"https://a.example/1.png": "f" * 64})
    assert f'src="asset:{"f" * 64}"' in out
    assert "/dev/zero" not in out


def test_unreferenced_old_blobs_are_swept_referenced_kept(archive: Archive) -> None:
    import os

    stored = archive.store_capture(fetched("https://news.example.org/keep"), extracted())
    kept = archive.article(stored.article_id)["captures"][0]["sha256"]  # type: ignore[index]
    orphan = archive.blobs.put(b"written, then the process died before the commit")
    fresh = archive.blobs.put(b"being stored right now by another process")
    old = 1_000_000_000
    os.utime(archive.blobs.path_of(orphan), (old, old))
    os.utime(archive.blobs.path_of(kept), (old, old))
    assert archive.sweep_orphan_blobs() == 1
    assert not archive.blobs.has(orphan)
    assert archive.blobs.has(kept) and archive.blobs.has(fresh)
