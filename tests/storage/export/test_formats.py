"""Every format re-read and checked for safety (H3, D5) with a hostile page."""

from __future__ import annotations

import csv
import gzip
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage.archive import Archive
from storage.export import ExportOptions, Include, Selection, export
from storage.export.citation import split_name
from storage.export.html_render import CSP
from storage.export.markdown import md_escape
from storage.export.warc_format import verify_warc
from storage.models import Claim
from tests.storage.export.helpers import HOSTILE_TITLE


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_safe_html(text: str) -> _Collect:
    """No script, no event handler, no javascript: URL, no remote load; CSP present."""
    p = _Collect()
    p.feed(text)
    names = [t for t, _ in p.tags]
    for bad in ("script", "iframe", "object", "embed", "form", "svg", "base", "link"):
        assert bad not in names, bad
    assert "<script" not in text.lower()
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            assert not re.fullmatch(r"on\w+", name), (tag, name)
            assert name != "style"
            v = (value or "").strip().lower()
            assert not v.startswith(("javascript:", "vbscript:")), (tag, name, value)
            if tag == "img" and name == "src":
                assert not v.startswith(("http:", "https:", "//")), value
    metas = [a for t, a in p.tags if t == "meta" and
             (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert metas and metas[0]["content"] == CSP
    return p


def test_html_report_is_self_contained_and_safe(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "r.html"
    result = export(archive, Selection(all_articles=True), "html", path)
    text = path.read_text(encoding="utf-8")
    p = assert_safe_html(text)
    srcs = [a["src"] for t, a in p.tags if t == "img"]
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown as text, not run
    assert "@media print" in text
    assert result.counts["articles"] == 4


def test_zip_index_and_pages_are_safe_and_relative(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "b.zip"
    export(archive, Selection(all_articles=True), "zip", path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "index.html" in names and "manifest-sha256.txt" in names
        pages = [n for n in names if n.startswith("articles/")]
        assert len(pages) == 4
        for n in names:
            assert not n.startswith("/") and ".." not in n.split("/")
            assert not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in n)
        index = z.read("index.html").decode()
        links = [a["href"] for t, a in assert_safe_html(index).tags if t == "a"]
        assert sorted(links) == sorted(pages)
        shown = 0
        for page in pages:
            p = assert_safe_html(z.read(page).decode())
            for t, a in p.tags:
                if t == "img":
                    src = a["src"] or ""
                    assert src.startswith("../images/")
                    assert src[3:] in names
                    shown += 1
        assert shown == 4
        manifest = z.read("manifest-sha256.txt").decode().splitlines()
        assert len(manifest) == len(names) - 1


def test_csv_neutralises_formulas_and_round_trips(built, tmp_path: Path) -> None:
    archive, _, hostile = built
    with archive.db.writer() as s:
        claim = s.scalar(select(Claim).where(Claim.article_id == hostile))
        claim.note = 'Line one\nline "two"\x00, =SUM(A1)\r\nthree'
    out = tmp_path / "csv"
    result = export(archive, Selection(all_articles=True), "csv", out)
    assert sorted(p.name for p in result.paths) == ["articles.csv", "claims.csv",
                                                      "credits.csv", "quotes.csv",
                                                      "sources.csv"]
    raw = (out / "articles.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    cells: list[str] = []
    for p in result.paths:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len({len(r) for r in rows}) == 1  # every row has the header's width
        cells.extend(c for r in rows[1:] for c in r)
    for c in cells:
        assert not c.startswith(("=", "+", "-", "@", "\t", "\r")), c
    assert "'" + HOSTILE_TITLE in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'@Evil Gazette" in cells
    assert "'\t=cmd photo" in cells
    assert "'-2+3" in cells
    assert 'Line one\nline "two", =SUM(A1)\r\nthree' in cells  # NUL removed, rest intact
    assert not any("\x00" in c for c in cells)


def test_csv_single_kind(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "claims.csv"
    export(archive, Selection(collection="Harbour files"), "csv", path,
           options=ExportOptions(csv_kind="claims"), include=Include.only([]))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {r["verdict"] for r in rows} == {"false"}


def test_markdown_dossier_escapes_untrusted_text(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    path = tmp_path / "d.md"
    export(archive, Selection(tag="Harbour"), "md", path)
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<", text)  # every < is escaped: no HTML survives
    assert r"\<script\>alert\(1\)\</script\>" in text
    assert r"\=HYPERLINK\(" in text
    assert "](javascript" not in text
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"#{1,3} ", line), line
    for needle in ("### Claims", "**FALSE:**", "Note: Council minutes say otherwise",
                   "— Jane Roe, Mayor", "### Cited outlets", "Reuters (attribution)",
                   "### Photo credits", "Ana Ruiz/Saltmere Post", "SHA-256 of the raw page",
                   "Captured (UTC)", r"https://saltmere\-post\.example/news/harbour\-1",
                   "Earlier captures"):
        assert needle in text, needle


@pytest.mark.parametrize("raw", ["# heading", "[x](javascript:alert(1))", "<b>hi</b>",
                                 "*a* _b_ `c`", "1. list", "- item", "a\n\n# b", "&amp;",
                                 "![img](http://x)", "| table |", "\u202eevil"])
def test_md_escape_leaves_no_markup(raw: str) -> None:
    out = md_escape(raw)
    assert not re.search(r"(?<!\\)[<>\[\]()*_`#|&!]", out), out
    assert "\u202e" not in out and "\n" not in out


def test_warc_records_and_verification(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    path = tmp_path / "e.warc.gz"
    result = export(archive, Selection(all_articles=True), "warc", path)
    assert result.counts["captures"] == 5
    check = verify_warc(path)
    assert check.ok, check.problems
    assert check.types["request"] == check.types["response"] == 10  # captures + images
    assert check.types["warcinfo"] == 1
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh, check_digests="raise"):
            assert rec.rec_headers.protocol == "WARC/1.1"
            if rec.rec_type == "response" and "saltmere-post" in rec.rec_headers.get_header(
                    "WARC-Target-URI"):
                assert rec.http_headers.get_header("Content-Encoding") is None
                body = rec.content_stream().read()
                assert body.startswith(b"<html>")
                assert rec.http_headers.get_header("Content-Length") == str(len(body))


def test_truncated_warc_is_flagged(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "e.warc.gz"
    export(archive, Selection(all_articles=True), "warc", path)
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[:-200])
    check = verify_warc(cut)
    assert not check.ok
    assert any("truncated" in p or "count" in p for p in check.problems), check.problems
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(cut.read_bytes())


def test_claimreview_json_ld(built, tmp_path: Path) -> None:
    archive, _, _ = built
    with archive.db.writer() as s:
        first = s.scalars(select(Claim).order_by(Claim.id)).first()
        first.verdict = "unverified"
    path = tmp_path / "c.jsonld"
    result = export(archive, Selection(all_articles=True), "claimreview", path,
                    options=ExportOptions(reviewer="Saltmere Fact Desk"))
    doc = json.loads(path.read_text())
    assert doc["@context"] == "https://schema.org"
    graph = doc["@graph"]
    assert len(graph) == 3 == result.counts["claim reviews"]
    r = graph[0]
    assert r["@type"] == "ClaimReview" and r["claimReviewed"]
    assert r["reviewRating"]["alternateName"] == "false"
    assert r["author"]["name"] == "Saltmere Fact Desk"
    app = r["itemReviewed"]["appearance"]
    assert r["itemReviewed"]["@type"] == "Claim"
    assert app["url"].startswith("https://") and app["archivedAt"]["dateCreated"]
    assert app["archivedAt"]["identifier"].startswith("sha256:")


def test_csl_json_and_ris(built, tmp_path: Path) -> None:
    archive, ids, _ = built
    csl_path, ris_path = tmp_path / "c.json", tmp_path / "c.ris"
    export(archive, Selection(article_ids=(ids[1],)), "csl", csl_path)
    export(archive, Selection(all_articles=True), "ris", ris_path)
    (item,) = json.loads(csl_path.read_text())
    assert item["type"] == "article-newspaper"
    assert item["author"] == [{"family": "Park", "given": "Lee"},
                              {"family": "de la Cruz", "given": "Ana"}]
    assert item["container-title"] == "The Saltmere Post"
    assert item["issued"] == {"date-parts": [[2026, 2, 1]]}
    assert item["accessed"] == {"date-parts": [[2026, 3, 2]]}
    assert item["URL"] == "https://saltmere-post.example/news/harbour-1"
    ris = ris_path.read_text(encoding="utf-8")
    entries = [e for e in ris.split("ER  - ") if e.strip()]
    assert len(entries) == 4
    for line in ris.splitlines():
        assert not line or re.match(r"[A-Z][A-Z0-9]  - ", line), line
    assert "AU  - Park, Lee" in ris and "TY  - NEWS" in ris and "T2  - The Saltmere Post" in ris
    assert "DA  - 2026/02/01/" in ris and "Y2  - 2026/03/02/" in ris


@pytest.mark.parametrize(("name", "expected"), [
    ("Lee Park", {"family": "Park", "given": "Lee"}),
    ("Park, Lee", {"family": "Park", "given": "Lee"}),
    ("Ludwig van Beethoven", {"family": "van Beethoven", "given": "Ludwig"}),
    ("Reuters", {"literal": "Reuters"}),
    ("Staff Reporter", {"literal": "Staff Reporter"}),
    ("Martin Luther King Jr.", {"family": "King", "given": "Martin Luther", "suffix": "Jr."}),
])
def test_split_name(name: str, expected: dict) -> None:
    assert split_name(name) == expected


def test_every_format_of_an_empty_selection(empty: Archive, tmp_path: Path) -> None:
    from storage.export import FORMATS

    for fmt in FORMATS:
        out = tmp_path / f"e-{fmt}"
        export(empty, Selection(all_articles=True), fmt, out,
               options=ExportOptions(reviewer="Desk"))
        assert out.exists()
    assert json.loads((tmp_path / "e-json").read_text())["articles"] == []
    assert verify_warc(tmp_path / "e-warc").ok


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=8))
def test_csv_cells_round_trip_any_text(values: list[str]) -> None:
    import io

    from storage.export.csv_format import CsvSink, could_run, neutralise

    buf = io.BytesIO()
    sink = CsvSink("sources", buf)
    rec = {"id": 1, "title": values[0], "sources": [
        {"name": v, "kind": "link", "url": None, "context": v} for v in values]}
    sink.add(rec)
    sink.finish()
    rows = list(csv.reader(io.StringIO(buf.getvalue().decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(values)
    for row, v in zip(rows[1:], values, strict=True):
        text = v.replace("\x00", "")
        expected = "'" + text if could_run(text) else text
        assert row[2] == expected == row[5] == neutralise(v)
        if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert expected.startswith("'")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_md_escape_property(raw: str) -> None:
    out = md_escape(raw)
    assert not re.search(r"(?<!\\)[<>\[\]`*_#|&!]", out.replace("\\\\", "")), out
    assert "\n" not in out
