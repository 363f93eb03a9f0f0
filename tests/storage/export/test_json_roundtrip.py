"""JSON and ZIP: lossless round trip, merge semantics, include choices."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from storage.archive import Archive
from storage.export import Include, Selection, export, import_path
from storage.export.schema import FORMAT, VERSION
from tests.storage.export.helpers import fetched, harbour_article


def _load(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("exported_at")
    return doc


def test_json_export_import_export_is_identical(built, empty: Archive, tmp_path: Path) -> None:
    archive, ids, hostile = built
    first = tmp_path / "first.json"
    export(archive, Selection(all_articles=True), "json", first)
    doc = json.loads(first.read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT and doc["version"] == VERSION and doc["exported_at"]
    assert len(doc["articles"]) == len(ids) + 1
    recaptured = next(a for a in doc["articles"] if len(a["captures"]) == 2)
    assert [c["latest"] for c in recaptured["captures"]] == [False, True]
    assert all(len(c["sha256"]) == 64 for a in doc["articles"] for c in a["captures"])
    assert doc["tags"] == [{"name": "Harbour", "color": "#cc3300"}]
    assert doc["collections"][0]["name"] == "Harbour files"

    report = import_path(empty, first)
    assert report.added["articles"] == len(ids) + 1
    assert report.added["claims"] == len(ids) + 1
    second = tmp_path / "second.json"
    export(empty, Selection(all_articles=True), "json", second)
    assert _load(first) == _load(second)
    # byte-identical apart from the export time
    strip = [ln for ln in first.read_text().split(", ") if "exported_at" not in ln]
    assert strip == [ln for ln in second.read_text().split(", ") if "exported_at" not in ln]


def test_zip_bundle_round_trip_brings_the_bytes(built, empty: Archive, tmp_path: Path) -> None:
    archive, ids, _ = built
    bundle = tmp_path / "b.zip"
    export(archive, Selection(collection="Harbour files"), "zip", bundle)
    report = import_path(empty, bundle)
    assert report.kind == "zip" and report.added["snapshots"] >= len(ids)
    src = archive.article(ids[0])
    got_id = empty.article_ids()[0]
    for aid in empty.article_ids():
        data = empty.article(aid)
        assert data is not None
        for cap in data["captures"]:
            snap = empty.snapshot_bytes(cap["id"])
            assert len(snap) == cap["size"]
            for asset in cap["assets"]:
                assert empty.asset_bytes(aid, asset["sha256"]) is not None
    assert src is not None and got_id
    j1, j2 = tmp_path / "1.json", tmp_path / "2.json"
    export(archive, Selection(all_articles=True), "json", j1)
    export(empty, Selection(all_articles=True), "json", j2)
    assert _load(j1)["articles"] == _load(j2)["articles"]


def test_import_twice_skips_and_merges(built, empty: Archive, tmp_path: Path) -> None:
    archive, ids, _ = built
    path = tmp_path / "e.json"
    export(archive, Selection(all_articles=True), "json", path)
    import_path(empty, path)
    n = empty.count_articles()
    again = import_path(empty, path)
    assert empty.count_articles() == n
    assert again.added == {}
    assert again.skipped["articles"] == n and again.skipped["claims"] == n


def test_differing_capture_is_kept_as_another_capture(built, empty: Archive,
                                                       tmp_path: Path) -> None:
    archive, ids, _ = built
    # the target already has article 1 with a different capture
    ex, _ = harbour_article(1)
    empty.store_capture(fetched("https://saltmere-post.example/news/harbour-1",
                                b"<html><p>an older copy</p></html>",
                                datetime(2026, 2, 20, tzinfo=UTC)), ex)
    path = tmp_path / "e.json"
    export(archive, Selection(article_ids=(ids[1],)), "json", path)
    report = import_path(empty, path)
    assert report.merged == {"articles": 1}
    assert report.added["captures"] == 1 and "articles" not in report.added
    data = empty.article(empty.article_ids()[0])
    assert data is not None and len(data["captures"]) == 2
    assert data["tags"] == ["Harbour"]
    assert len(data["claims"]) == 1


def test_include_choice_leaves_kinds_out(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    path = tmp_path / "q.json"
    export(archive, Selection(tag="harbour"), "json", path, include=Include.only(["quotes"]))
    doc = json.loads(path.read_text())
    assert doc["includes"] == ["quotes"]
    art = doc["articles"][0]
    assert "quotes" in art and "claims" not in art and "sources" not in art


def test_json_only_import_keeps_hashes_and_warns(built, empty: Archive, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "e.json"
    export(archive, Selection(all_articles=True), "json", path)
    report = import_path(empty, path)
    assert any("not in this file" in w for w in report.warnings)


def test_bundle_import_progress_is_monotonic(built, empty: Archive, tmp_path: Path) -> None:
    archive, _, _ = built
    bundle = tmp_path / "b.zip"
    export(archive, Selection(all_articles=True), "zip", bundle)
    seen: list[tuple[int, int]] = []
    import_path(empty, bundle, progress=lambda d, t: seen.append((d, t)))
    assert len({t for _, t in seen}) == 1
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == seen[-1][1]
