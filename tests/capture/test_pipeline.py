"""The batch pipeline end to end: pasted URLs -> local server -> archive rows."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from capture.settings import Settings
from capture.urls import find_urls
from intake.pipeline import CapturePipeline, JobEvent, import_html_file
from storage.archive import Archive
from tests.support.fixture_site import article_facts, article_html, png_bytes

SETTINGS = Settings(allow_local_network=True, total_deadline=10, connect_timeout=2,
                    read_timeout=5, retries=0, workers=4)


@pytest.fixture
def archive(tmp_path: Path):
    a = Archive.open(str(tmp_path / "archive.db"))
    yield a
    a.close()


def serve_articles(httpserver: HTTPServer, n: int) -> list[str]:
    urls = []
    for i in range(n):
        httpserver.expect_request(f"/news/story-{i}").respond_with_data(
            article_html(i), content_type="text/html; charset=utf-8")
        httpserver.expect_request(f"/images/lead-{i}.png").respond_with_data(
            png_bytes(rgb=(i * 40 % 256, 90, 120)), content_type="image/png")
        urls.append(httpserver.url_for(f"/news/story-{i}"))
    return urls


def run(archive: Archive, urls: list[str], settings: Settings = SETTINGS):
    events: list[JobEvent] = []
    report = archive.enqueue(urls)
    pipeline = CapturePipeline(archive, settings, on_event=events.append)
    try:
        summary = pipeline.run([j.id for j in report.jobs])
    finally:
        pipeline.close()
    return summary, events, report


def test_pasted_text_to_stored_articles(httpserver: HTTPServer, archive: Archive) -> None:
    urls = serve_articles(httpserver, 3)
    pasted = (f"Morning reads:\n- {urls[0]}?utm_source=newsletter\n"
              f"Also see [the ferry story]({urls[1]}) and <{urls[2]}>.")
    found = [c.url for c in find_urls(pasted) if c.url]
    assert len(found) == 3
    summary, events, _ = run(archive, found)
    assert (summary.done, summary.failed) == (3, 0)
    assert {e.state for e in events} >= {"queued", "running", "done"}
    ids = archive.article_ids()
    assert len(ids) == 3
    for article_id in ids:
        data = archive.article(article_id)
        assert data is not None
        i = int(data["url"].rsplit("-", 1)[1])
        facts = article_facts(i)
        assert data["title"] == facts["title"]
        assert data["publisher"] == facts["publisher"]
        assert facts["author"] in data["authors"]
        assert facts["boilerplate"] not in data["text"]
        assert facts["comment"] not in data["text"]
        assert any(q["speaker"] == facts["speaker"] for q in data["quotes"])
        assert any(s["name"] == facts["source"] for s in data["sources"])
        cap = data["captures"][0]
        assert cap["status"] == 200 and len(cap["sha256"]) == 64
        assert cap["local_network_allowed"] is True
        # the lead image was archived and the reader HTML points at it
        assert cap["assets"], "lead image not archived"
        sha = cap["assets"][0]["sha256"]
        assert archive.asset_bytes(article_id, sha) is not None
        assert f"asset:{sha}" in data["reader_html"]


def test_a_failed_url_never_stops_the_batch(httpserver: HTTPServer, archive: Archive) -> None:
    urls = serve_articles(httpserver, 2)
    httpserver.expect_request("/gone").respond_with_data("not here", status=404,
                                                         content_type="text/html")
    httpserver.expect_request("/report.pdf").respond_with_data(b"%PDF-1.7 binary",
                                                               content_type="text/html")
    summary, events, report = run(archive, urls + [httpserver.url_for("/gone"),
                                                   httpserver.url_for("/report.pdf")])
    assert (summary.done, summary.failed) == (2, 2)
    failed = {j.url.rsplit("/", 1)[1]: j for j in archive.jobs(["failed"])}
    assert failed["gone"].error_code == "http_error" and "404" in (failed["gone"].error or "")
    assert failed["report.pdf"].error_code == "not_html"
    assert archive.count_articles() == 2


def test_redirect_to_an_archived_article_is_reported_not_stored_twice(
        httpserver: HTTPServer, archive: Archive) -> None:
    urls = serve_articles(httpserver, 1)
    run(archive, urls)
    httpserver.expect_request("/s/abc").respond_with_response(
        Response(status=301, headers={"Location": urls[0]}))
    summary, events, _ = run(archive, [httpserver.url_for("/s/abc")])
    assert summary.skipped == 1 and summary.done == 0
    assert archive.count_articles() == 1
    skipped = [e for e in events if e.state == "skipped"]
    assert skipped and skipped[0].message and skipped[0].message.startswith("already captured on")


def test_stop_leaves_unfinished_jobs_queued(httpserver: HTTPServer, archive: Archive) -> None:
    release = threading.Event()
    arrived = threading.Event()

    def slow(request: Request) -> Response:
        arrived.set()
        release.wait(10)
        return Response(article_html(7), content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    urls = [httpserver.url_for("/slow")] + [httpserver.url_for(f"/other-{i}") for i in range(5)]
    report = archive.enqueue(urls)
    pipeline = CapturePipeline(archive, SETTINGS.with_values(workers=1, total_deadline=20))
    result: list = []
    t = threading.Thread(target=lambda: result.append(pipeline.run([j.id for j in report.jobs])))
    t.start()
    assert arrived.wait(10)
    pipeline.stop()
    release.set()
    t.join(10)
    assert not t.is_alive()
    assert archive.count_articles() == 0
    assert {j.state for j in archive.jobs()} == {"queued"}
    pipeline.close()


def test_import_saved_page(tmp_path: Path, archive: Archive) -> None:
    page = tmp_path / "saved.html"
    page.write_text(article_html(3), encoding="utf-8")
    stored = import_html_file(archive, page, "https://ledger.example.org/news/story-3")
    data = archive.article(stored.article_id)
    assert data is not None
    assert data["title"] == article_facts(3)["title"]
    assert data["captures"][0]["source"] == "import-html"
    assert archive.snapshot_bytes(data["captures"][0]["id"]) == page.read_bytes()


def test_disk_full_keeps_the_capture_queued_and_stops_the_batch(
        httpserver: HTTPServer, archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    urls = serve_articles(httpserver, 3)

    def full(fd: int) -> None:  # the disk fills up while a snapshot is being written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("storage.blobs.os.fsync", full)
    summary, events, _ = run(archive, urls, SETTINGS.with_values(workers=1,
                                                                 download_images=False))
    assert summary.done == 0 and summary.failed == 0
    assert summary.stopped_reason and "disk is full" in summary.stopped_reason
    assert "disk is full" in summary.line() and not summary.ok
    assert {j.state for j in archive.jobs()} == {"queued"}
    assert archive.count_articles() == 0


def test_enqueue_refuses_what_is_not_a_web_address(archive: Archive) -> None:
    report = archive.enqueue(["https://ledger.example.org/a", "file:///etc/passwd", "   "])
    assert [j.url for j in report.jobs] == ["https://ledger.example.org/a"]
    assert [r[0] for r in report.refused] == ["file:///etc/passwd", "   "]
    assert all(reason for _raw, reason in report.refused)
