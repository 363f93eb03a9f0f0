"""Malformed imports are refused with a message naming the problem, and the
database is unchanged (H4); bookmarks and URL lists go into the capture queue."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.export import ImportCancelled, ImportRefused, Selection, export, import_path
from storage.export import bundle as bundle_mod
from tests.storage.export.helpers import db_dump_hash


@pytest.fixture
def exported(built, tmp_path: Path) -> tuple[dict, Path]:
    archive, _, _ = built
    path = tmp_path / "good.json"
    export(archive, Selection(all_articles=True), "json", path)
    return json.loads(path.read_text(encoding="utf-8")), path


def _refused(archive: Archive, path: Path, *needles: str) -> str:
    before = db_dump_hash(archive)
    blobs_before = set(archive.blobs.all_hashes())
    with pytest.raises(ImportRefused) as info:
        import_path(archive, path)
    msg = str(info.value)
    for needle in needles:
        assert needle in msg, msg
    assert db_dump_hash(archive) == before
    assert set(archive.blobs.all_hashes()) == blobs_before
    return msg


def _write(tmp_path: Path, name: str, doc: object) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_truncated_json_names_line_and_column(exported, empty: Archive, tmp_path: Path) -> None:
    _, path = exported
    cut = tmp_path / "cut.json"
    cut.write_bytes(path.read_bytes()[:-300])
    _refused(empty, cut, "not valid JSON", "line", "column")


def test_wrong_format_and_version(exported, empty: Archive, tmp_path: Path) -> None:
    doc, _ = exported
    _refused(empty, _write(tmp_path, "v.json", {**doc, "version": 2}), "version 2", "newer")
    _refused(empty, _write(tmp_path, "f.json", {**doc, "format": "other"}),
             "not a Cuttings export")


def test_missing_field_is_named(exported, empty: Archive, tmp_path: Path) -> None:
    doc, _ = exported
    del doc["articles"][1]["captures"][0]["sha256"]
    _refused(empty, _write(tmp_path, "m.json", doc), "articles[1].captures[0]", "'sha256'")


def test_bad_types_and_values(exported, empty: Archive, tmp_path: Path) -> None:
    doc, _ = exported
    doc["articles"][2]["claims"][0]["verdict"] = "maybe"
    _refused(empty, _write(tmp_path, "v.json", doc), "articles[2].claims[0].verdict")
    doc["articles"][2]["claims"][0]["verdict"] = "false"
    doc["articles"][0]["word_count"] = "many"
    _refused(empty, _write(tmp_path, "w.json", doc), "articles[0].word_count")


def test_duplicate_ids_urls_and_keys(exported, empty: Archive, tmp_path: Path) -> None:
    doc, _ = exported
    dup = json.loads(json.dumps(doc))
    dup["articles"][1]["id"] = dup["articles"][0]["id"]
    _refused(empty, _write(tmp_path, "d.json", dup), "used twice")
    dup = json.loads(json.dumps(doc))
    dup["articles"][1]["url_key"] = dup["articles"][0]["url_key"]
    _refused(empty, _write(tmp_path, "u.json", dup), "appears twice")
    # a file written before url_key: canonical_url was the key
    dup = json.loads(json.dumps(doc))
    for art in dup["articles"]:
        art["canonical_url"] = art.pop("url_key")
    dup["articles"][1]["canonical_url"] = dup["articles"][0]["canonical_url"]
    _refused(empty, _write(tmp_path, "o.json", dup), "appears twice")
    p = tmp_path / "k.json"
    p.write_text('{"format": "cuttings-export", "format": "x", "version": 1}')
    _refused(empty, p, "twice")


def test_lone_surrogates_are_replaced(exported, empty: Archive, tmp_path: Path) -> None:
    doc, _ = exported
    text = json.dumps(doc).replace('"title": "Harbour wall to be rebuilt, part 1"',
                                   '"title": "Harbour \\ud800 wall"')
    assert "\\ud800" in text
    p = tmp_path / "s.json"
    p.write_text(text, encoding="utf-8")
    import_path(empty, p)
    titles = [r.title for r in empty.list_articles()]
    assert "Harbour \ufffd wall" in titles


def test_zip_slip_bundle_is_refused_and_nothing_lands_outside(built, empty: Archive,
                                                               tmp_path: Path) -> None:
    archive, _, _ = built
    good = tmp_path / "good.zip"
    export(archive, Selection(all_articles=True), "zip", good)
    work = tmp_path / "work"
    work.mkdir()
    for evil in ("../evil.txt", "/etc/x-cuttings-test", "snapshots/../../evil2.txt",
                 "C:\\Windows\\evil.txt", "..\\evil3.txt"):
        bad = work / "slip.zip"
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
            dst.writestr(evil, b"owned")
        _refused(empty, bad, "refused", repr(evil)[1:9])
    assert not (tmp_path / "evil.txt").exists() and not Path("/etc/x-cuttings-test").exists()
    assert sorted(p.name for p in work.iterdir()) == ["slip.zip"]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_bomb_and_total_size_caps(built, empty: Archive, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    archive, _, _ = built
    good = tmp_path / "good.zip"
    export(archive, Selection(all_articles=True), "zip", good)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        # (bzip2: far past deflate's own ~1032:1, which real pages approach)
        dst.writestr("images/padding", b"\0" * (8 << 20), compress_type=zipfile.ZIP_BZIP2)
    _refused(empty, bomb, "zip bomb")
    monkeypatch.setattr(bundle_mod, "MAX_TOTAL", 4096)
    _refused(empty, good, "expands to more than 4096 bytes")
    monkeypatch.setattr(bundle_mod, "MAX_TOTAL", 2 << 30)
    monkeypatch.setattr(bundle_mod, "MAX_MEMBER", 1000)
    _refused(empty, good, "too large")


def test_tampered_snapshot_refused(built, empty: Archive, tmp_path: Path) -> None:
    archive, _, _ = built
    good = tmp_path / "good.zip"
    export(archive, Selection(all_articles=True), "zip", good)
    bad = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("snapshots/") and b"Harbour 2" in data:
                data = data.replace(b"Harbour 2", b"Harbour X")
            dst.writestr(info, data)
    _refused(empty, bad, "does not match its SHA-256")


def test_not_a_zip_and_wrong_json_member(empty: Archive, tmp_path: Path) -> None:
    p = tmp_path / "x.zip"
    p.write_bytes(b"PK\x03\x04" + b"\0" * 50)
    _refused(empty, p, "not a readable ZIP")
    q = tmp_path / "y.zip"
    with zipfile.ZipFile(q, "w") as z:
        z.writestr("cuttings-export.json", b'{"format": "cuttings-export", "version": 1, '
                                           b'"articles": "nope"}')
    _refused(empty, q, "articles")


def test_cancel_writes_nothing(exported, empty: Archive) -> None:
    _, path = exported
    before = db_dump_hash(empty)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 2:
            cancel.set()

    with pytest.raises(ImportCancelled):
        import_path(empty, path, progress=progress, cancel=cancel)
    assert db_dump_hash(empty) == before


def test_bookmarks_and_url_lists_are_queued(empty: Archive, tmp_path: Path) -> None:
    marks = tmp_path / "bookmarks.html"
    marks.write_text(
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<META HTTP-EQUIV=\"Content-Type\" "
        "CONTENT=\"text/html; charset=UTF-8\">\n<TITLE>Bookmarks</TITLE><DL><p>\n"
        '<DT><A HREF="https://saltmere-post.example/news/ferry?utm_source=x" ADD_DATE="1">'
        "Ferry</A>\n<DT><A HREF=\"https://harbour-herald.example/a&amp;b\">Herald</A>\n"
        '<DT><A HREF="javascript:alert(1)">bad</A>\n</DL>', encoding="utf-8")
    report = import_path(empty, marks)
    assert report.kind == "bookmarks" and report.queued == 2
    urls = sorted(j.url for j in empty.jobs(["queued"]))
    assert urls[1] == "https://saltmere-post.example/news/ferry"
    plain = tmp_path / "list.txt"
    plain.write_text("https://saltmere-post.example/news/ferry\nhttps://a.example/story\n")
    report = import_path(empty, plain)
    assert report.kind == "urls" and report.queued == 1 and report.already_archived == 1
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("no addresses here\n")
    _refused(empty, nothing, "no web addresses")


def test_csv_export_and_warc_are_not_imported(built, empty: Archive, tmp_path: Path) -> None:
    archive, _, _ = built
    out = tmp_path / "csv"
    export(archive, Selection(all_articles=True), "csv", out)
    _refused(empty, out / "articles.csv", "CSV export")
    assert empty.jobs() == []  # its URLs were not queued either
    warc = tmp_path / "e.warc.gz"
    export(archive, Selection(all_articles=True), "warc", warc)
    _refused(empty, warc, "WARC")
