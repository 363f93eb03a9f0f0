"""``verify`` of bundles, WARCs and JSON; what a selection holds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from storage.export import (
    Include,
    Selection,
    SelectionError,
    count_selection,
    export,
    resolve_article_ids,
    verify_path,
)


def _rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = change(info.filename, a.read(info))
            if data is not None:
                b.writestr(info, data)


@pytest.fixture
def bundle(built, tmp_path: Path) -> Path:
    archive, _, _ = built
    path = tmp_path / "b.zip"
    export(archive, Selection(all_articles=True), "zip", path)
    return path


def test_fresh_bundle_verifies(bundle: Path) -> None:
    report = verify_path(bundle)
    assert report.ok, report.problems
    assert report.kind == "zip" and report.checked >= 4 + 5 + 4 + 2


def test_tampered_snapshot_is_reported(bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    hit: list[str] = []

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("snapshots/") and not hit:
            hit.append(name)
            return data.replace(b"<html>", b"<html><!-- edited -->")
        return data

    _rewrite(bundle, bad, change)
    report = verify_path(bad)
    assert not report.ok
    assert any(hit[0] in p and "manifest" in p for p in report.problems), report.problems
    assert any(hit[0] in p and "its name" in p for p in report.problems)


def test_tampered_manifest_and_json_are_reported(bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"

    def change(name: str, data: bytes) -> bytes | None:
        if name == "cuttings-export.json":
            return data.replace(b"Harbour wall", b"Harbor wall")
        if name == "index.html":
            return None  # removed
        return data

    _rewrite(bundle, bad, change)
    problems = verify_path(bad).problems
    assert any("cuttings-export.json: SHA-256 mismatch" in p for p in problems), problems
    assert any("index.html: listed in the manifest but not in the bundle" in p for p in problems)


def test_missing_snapshot_named_by_the_json(bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    gone: list[str] = []

    def change(name: str, data: bytes) -> bytes | None:
        if name.startswith("images/") and not gone:
            gone.append(name)
            return None
        if name == "manifest-sha256.txt":
            return b"".join(ln + b"\n" for ln in data.splitlines()
                            if not ln.endswith(gone[0].encode()))
        return data

    _rewrite(bundle, bad, change)
    problems = verify_path(bad).problems
    assert problems == [f"image {gone[0][7:]} named in the JSON is not in the bundle"]


def test_zip_slip_bundle_fails_verification(bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "slip.zip"
    _rewrite(bundle, bad, lambda n, d: d)
    with zipfile.ZipFile(bad, "a") as z:
        z.writestr("../evil.txt", b"x")
    report = verify_path(bad)
    assert not report.ok and "climbs out" in report.problems[0]


def test_verify_json_and_non_exports(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "e.json"
    export(archive, Selection(all_articles=True), "json", path)
    assert verify_path(path).ok
    path.write_text('{"format": "cuttings-export", "version": 1}')
    assert "articles" in verify_path(path).problems[0]
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    assert not verify_path(other).ok
    assert "no such file" in verify_path(tmp_path / "nope.zip").problems[0]


def test_selection_by_collection_tag_ids_and_errors(built) -> None:
    archive, ids, hostile = built
    everything = resolve_article_ids(archive, Selection(all_articles=True))
    assert sorted(everything) == sorted([*ids, hostile])
    assert sorted(resolve_article_ids(archive, Selection(collection="Harbour files"))) == \
        sorted(everything)
    assert sorted(resolve_article_ids(archive, Selection(tag="HARBOUR"))) == sorted(everything)
    assert resolve_article_ids(archive, Selection(article_ids=(ids[1],))) == [ids[1]]
    with pytest.raises(SelectionError, match="no collection named 'Nope'"):
        resolve_article_ids(archive, Selection(collection="Nope"))
    with pytest.raises(SelectionError, match="no tag"):
        resolve_article_ids(archive, Selection(tag="nope"))
    with pytest.raises(SelectionError, match="no article with id 9999"):
        resolve_article_ids(archive, Selection(article_ids=(9999,)))
    with pytest.raises(SelectionError, match="unknown kind"):
        Include.only(["quotes", "gossip"])


def test_selection_by_query(built) -> None:
    archive, ids, hostile = built
    found = resolve_article_ids(archive, Selection(query="gazette"))
    assert found == [hostile]
    assert len(resolve_article_ids(archive, Selection(query="harbour"))) >= len(ids)


def test_counts_for_the_dialog(built) -> None:
    archive, ids, hostile = built
    all_ids = resolve_article_ids(archive, Selection(all_articles=True))
    c = count_selection(archive, all_ids)
    assert (c.articles, c.captures, c.quotes, c.claims, c.images) == (4, 5, 4, 4, 5)
    assert c.snapshot_bytes > 0 and c.image_bytes > 0
    none = count_selection(archive, all_ids, Include.only([]))
    assert (none.quotes, none.claims, none.images) == (0, 0, 0)


def test_suggested_filenames() -> None:
    from storage.export import ExportOptions, suggested_filename

    assert suggested_filename(Selection(collection="Harbour files"), "zip") == \
        "Collection-Harbour-files.zip"
    assert suggested_filename(Selection(tag="../../x\u202e"), "warc") == "Tag-x.warc.gz"
    assert suggested_filename(Selection(all_articles=True), "csv") == "Cuttings-export-csv"
    assert suggested_filename(Selection(all_articles=True), "csv",
                              ExportOptions(csv_kind="quotes")).endswith(".csv")


def test_query_over_the_limit_says_so(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    result = export(archive, Selection(query="harbour", query_limit=1), "json",
                    tmp_path / "q.json")
    assert result.counts["articles"] == 1
    assert any("only the articles of the first 1" in w for w in result.warnings)
