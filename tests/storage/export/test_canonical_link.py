"""Exports give the page's own canonical link as ``canonical_url`` and the dedupe key
apart as ``url_key`` (issue 22): the key (scheme forced, ``www.`` stripped) is not an
address anyone declared."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from capture.extract import extract
from capture.urls import canonical_key
from storage.archive import Archive
from storage.export import ExportOptions, Selection, export, import_path
from storage.page_links import declared_link
from tests.storage.export.helpers import fetched

FINAL = "http://www.saltmere.example/news/harbour-wall?page=1"
DECLARED = "https://www.saltmere.example/news/harbour-wall"


def _page(canonical_tag: str) -> bytes:
    return (f"<html lang=en><head><title>Harbour wall</title>{canonical_tag}</head><body>"
            "<article><h1>Harbour wall</h1><p>The storm-damaged harbour wall will be rebuilt "
            "next spring, the council said on Monday after a long meeting.</p>"
            "<p>Work starts in March and should take eleven weeks.</p></article>"
            "</body></html>").encode()


def _store(archive: Archive, url: str, body: bytes) -> int:
    return archive.store_capture(fetched(url, body), extract(body.decode(), url)).article_id


@pytest.fixture
def stored(tmp_path: Path):
    archive = Archive.open(str(tmp_path / "a.db"))
    aid = _store(archive, FINAL, _page(f'<link rel="canonical" href="{DECLARED}">'))
    yield archive, aid
    archive.close()


def test_json_gives_the_declared_link_and_the_key_apart(stored, tmp_path: Path) -> None:
    archive, _aid = stored
    key = canonical_key(FINAL)
    assert key != DECLARED  # the two really differ here
    export(archive, Selection(all_articles=True), "json", tmp_path / "e.json")
    art = json.loads((tmp_path / "e.json").read_text())["articles"][0]
    assert art["canonical_url"] == DECLARED
    assert art["url_key"] == key
    assert art["url"] == FINAL
    assert art["captures"][0]["canonical_url"] == DECLARED


def test_csv_and_show_json_give_the_declared_link(stored, tmp_path: Path) -> None:
    archive, aid = stored
    export(archive, Selection(all_articles=True), "csv", tmp_path / "a.csv",
           options=ExportOptions(csv_kind="articles"))
    rows = list(csv.DictReader((tmp_path / "a.csv").read_text(encoding="utf-8-sig")
                               .splitlines()))
    assert rows[0]["canonical_url"] == DECLARED and rows[0]["url_key"] == canonical_key(FINAL)
    shown = archive.article(aid)
    assert shown is not None
    assert shown["canonical_url"] == DECLARED and shown["url_key"] == canonical_key(FINAL)


def test_round_trip_keeps_link_and_key(stored, tmp_path: Path) -> None:
    archive, _aid = stored
    export(archive, Selection(all_articles=True), "json", tmp_path / "1.json")
    other = Archive.open(str(tmp_path / "b.db"))
    try:
        import_path(other, tmp_path / "1.json")
        export(other, Selection(all_articles=True), "json", tmp_path / "2.json")
        again = import_path(other, tmp_path / "1.json")  # merged by the key: nothing new
    finally:
        other.close()
    one = json.loads((tmp_path / "1.json").read_text())
    two = json.loads((tmp_path / "2.json").read_text())
    one.pop("exported_at"), two.pop("exported_at")
    assert one == two
    assert again.added.get("articles", 0) == 0


def test_a_file_written_before_url_key_merges_by_its_canonical_url(stored,
                                                                   tmp_path: Path) -> None:
    archive, _aid = stored
    export(archive, Selection(all_articles=True), "json", tmp_path / "new.json")
    doc = json.loads((tmp_path / "new.json").read_text())
    for art in doc["articles"]:  # the old shape: canonical_url was the key
        art["canonical_url"] = art.pop("url_key")
        for cap in art["captures"]:
            cap.pop("canonical_url")
    (tmp_path / "old.json").write_text(json.dumps(doc))
    report = import_path(archive, tmp_path / "old.json")
    assert report.added.get("articles", 0) == 0  # the same article, recognised


def test_pages_without_a_usable_link(tmp_path: Path) -> None:
    archive = Archive.open(str(tmp_path / "a.db"))
    try:
        _store(archive, "https://www.example.org/a", _page(""))
        _store(archive, "https://www.example.org/b",
               _page('<link rel="canonical" href="javascript:alert(1)">'))
        _store(archive, "https://www.example.org/c/page",
               _page('<link rel="canonical" href="/c/">'))
        export(archive, Selection(all_articles=True), "json", tmp_path / "e.json")
    finally:
        archive.close()
    got = {a["url"]: a["canonical_url"]
           for a in json.loads((tmp_path / "e.json").read_text())["articles"]}
    assert got == {"https://www.example.org/a": "https://www.example.org/a",
                   "https://www.example.org/b": "https://www.example.org/b",
                   "https://www.example.org/c/page": "https://www.example.org/c/"}


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:text/html,x", "https://a b",
                                   "https://a/\u202ex", "https://a/\nb", "ftp://a/b",
                                   "https://" + "a" * 9000, "", None])
def test_declared_link_keeps_only_http_addresses(value: str | None) -> None:
    assert declared_link(value, "https://example.org/x") is None


def test_declared_link_resolves_relative_links() -> None:
    assert declared_link("/y", "https://example.org/x") == "https://example.org/y"
    assert declared_link(" https://example.org/z ") == "https://example.org/z"
