"""H1-H4: exports that cannot be written fail cleanly, file names from titles are safe,
every format re-reads, and malformed or hostile imports are refused whole.

The export package's own suite (``tests/storage/export/``) tests each case in depth;
here each row is checked end to end with the "library untouched" invariant: the
database's full dump hashes the same before and after every failure.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capture.types import Extracted, QuoteItem
from storage.archive import Archive
from storage.export import (
    ExportOptions,
    ExportWriteError,
    ImportRefused,
    Selection,
    export,
    import_path,
)
from storage.export.files import safe_filename
from storage.export.verify import verify_path
from tests.reliability.helpers import ROOT, fetched, unshare_works

TRICKY_TITLE = 'Budget "approved", 7–2\nafter a, long; debate\r\n=SUM(A1) \t tab'
TRICKY_TEXT = 'Line one, with "quotes" and commas.\n\nLine two\r\nwith CRLF; and a tab\t.'


def dump_hash(db: Path) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    a = Archive.open(str(tmp_path / "lib" / "archive.db"))
    for i in range(3):
        text = f"{TRICKY_TEXT} Story {i}. The mayor said “we will rebuild”."
        q = "we will rebuild"
        s = text.find(q)
        a.store_capture(fetched(f"https://news.example/2026/story-{i}",
                                f"<html><body><p>{text}</p></body></html>".encode()),
                        Extracted(title=f"{TRICKY_TITLE} #{i}", text=text, authors=["Lee Park"],
                                  reader_html=f"<p>{text}</p>",
                                  quotes=[QuoteItem(q, "Jane Roe", None, "said", s, s + len(q))]))
    yield a
    a.close()


def db_file(archive: Archive) -> Path:
    return Path(archive.url[len("sqlite:///"):])


# --------------------------------------------------------------------------- H1


@pytest.mark.parametrize("case", ["through_a_file", "missing_dir", "name_too_long", "is_a_dir"])
def test_h1_unwritable_targets_fail_naming_the_path(archive: Archive, tmp_path: Path,
                                                    case: str) -> None:
    before = dump_hash(db_file(archive))
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    target = {
        "through_a_file": blocker / "export.json",
        "missing_dir": tmp_path / "no" / "such" / "dir" / "export.json",
        "name_too_long": tmp_path / ("x" * 300 + ".json"),
        "is_a_dir": tmp_path,
    }[case]
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ExportWriteError) as err:
        export(archive, Selection(all_articles=True), "json", target)
    assert str(target) in str(err.value)
    assert "\n" not in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing left behind
    assert dump_hash(db_file(archive)) == before


DISK_FULL_EXPORT = r"""
import os, sys
from storage.archive import Archive
from storage.export import ExportWriteError, Selection, export
archive = Archive.open(sys.argv[1], readonly=True)
target = os.path.join(sys.argv[2], "export.zip")
try:
    export(archive, Selection(all_articles=True), "zip", target)
    print("written?!")
except ExportWriteError as exc:
    print("ERR", exc)
print("LEFT", sorted(os.listdir(sys.argv[2])))
"""


@pytest.mark.skipif(not unshare_works(), reason="unshare -rm is not available")
@pytest.mark.timeout(60)
def test_h1_real_full_disk_during_export(archive: Archive, tmp_path: Path) -> None:
    """A 64 KB tmpfs: the export fails with 'disk is full' naming the path and leaves
    no partial file (the ZIP holds more than 64 KB of snapshots and pages)."""
    for i in range(3, 40):  # make the bundle bigger than the disk
        archive.store_capture(fetched(f"https://news.example/big-{i}", os.urandom(8000)),
                              Extracted(title=f"Big {i}", text="filler " * 500))
    before = dump_hash(db_file(archive))
    mnt = tmp_path / "small"
    mnt.mkdir()
    shell = (f"mount -t tmpfs -o size=64k tmpfs {mnt} && "
             f"exec {sys.executable} -c \"$0\" {db_file(archive)} {mnt}")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", shell, DISK_FULL_EXPORT],
                          capture_output=True, text=True, timeout=50, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"ERR cannot write {mnt}/export.zip" in proc.stdout
    assert "full" in proc.stdout
    assert "LEFT []" in proc.stdout
    assert dump_hash(db_file(archive)) == before


# --------------------------------------------------------------------------- H2


_titles = st.one_of(
    st.text(max_size=600),
    st.lists(st.sampled_from(["../", "/", "\\", "..", ".", "\x00", "\x1b", "\u202e", "\u2066",
                              "CON", "PRN", "aux", "NUL.txt", "com1", " ", ":", "*", "?", "<",
                              "|", "\"", "é", "日本", "👩‍👩‍👧", "\ud800", "a" * 300, "LPT9"]),
             max_size=12).map("".join),
)
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


@settings(max_examples=400, deadline=None)
@given(st.lists(_titles, min_size=1, max_size=8))
def test_h2_names_from_titles_are_safe_unique_and_short(titles: list[str]) -> None:
    taken: set[str] = set()
    names = [safe_filename(t, suffix=".html", taken=taken) for t in titles]
    assert len({n.casefold() for n in names}) == len(names)  # unique, even case-insensitively
    for name in names:
        assert name and name not in (".", "..") and not name.startswith(".")
        assert "/" not in name and "\\" not in name and "\x00" not in name
        assert PurePosixPath("/export", name).parent == PurePosixPath("/export")
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name), name
        assert len(name.encode("utf-8")) <= 120
        assert name.split(".")[0].upper() not in _RESERVED
        assert name.endswith(".html")


# --------------------------------------------------------------------------- H3


def test_h3_every_format_re_reads(archive: Archive, tmp_path: Path) -> None:
    sel = Selection(all_articles=True)
    out = tmp_path / "out"
    out.mkdir()
    export(archive, sel, "json", out / "a.json")
    doc = json.loads((out / "a.json").read_text(encoding="utf-8"))
    assert {a["title"] for a in doc["articles"]} == {f"{TRICKY_TITLE} #{i}" for i in range(3)}

    export(archive, sel, "csv", out / "csv")
    articles_csv = next(p for p in (out / "csv").iterdir() if "article" in p.name)
    with articles_csv.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    titles = {r.get("title", "") for r in rows}
    # Formula-looking cells may be prefixed with "'"; newlines and quotes survive.
    assert any("after a, long; debate" in t and '"approved"' in t and "\n" in t for t in titles)

    export(archive, sel, "md", out / "a.md")
    md = (out / "a.md").read_text(encoding="utf-8")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert len(headings) == 3  # a newline in a title does not break the heading
    assert all("after a, long; debate" in h for h in headings)
    assert "“we will rebuild” — Jane Roe" in md

    export(archive, sel, "zip", out / "a.zip")
    with zipfile.ZipFile(out / "a.zip") as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            assert not name.startswith("/") and ".." not in PurePosixPath(name).parts
    assert verify_path(out / "a.zip").ok

    export(archive, sel, "warc", out / "a.warc.gz")
    report = verify_path(out / "a.warc.gz")
    assert report.ok and report.checked >= 3, report
    data = (out / "a.warc.gz").read_bytes()
    (out / "cut.warc.gz").write_bytes(data[:-200])
    assert not verify_path(out / "cut.warc.gz").ok  # warcio alone would say fine

    for fmt, name in (("csl", "a.csl.json"), ("claimreview", "a.jsonld")):
        export(archive, sel, fmt, out / name, options=ExportOptions(reviewer="Desk"))
        json.loads((out / name).read_text(encoding="utf-8"))
    export(archive, sel, "ris", out / "a.ris")
    assert (out / "a.ris").read_text(encoding="utf-8").count("ER  -") == 3


# --------------------------------------------------------------------------- H4


def _valid_doc(archive: Archive, tmp_path: Path) -> dict:
    path = tmp_path / "valid.json"
    export(archive, Selection(all_articles=True), "json", path)
    return json.loads(path.read_text(encoding="utf-8"))


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize("case", [
    "not_json", "truncated_json", "wrong_format", "newer_version", "duplicate_keys",
    "duplicate_ids", "bad_sha", "zip_slip", "zip_absolute", "zip_bomb", "nested_deep",
])
def test_h4_malformed_imports_are_refused_and_nothing_is_written(
        archive: Archive, tmp_path: Path, case: str) -> None:
    doc = _valid_doc(archive, tmp_path)
    target = Archive.open(str(tmp_path / "target" / "archive.db"))
    try:
        target.store_capture(fetched("https://news.example/existing"),
                             Extracted(title="Existing", text="Already here."))
        before = dump_hash(db_file(target))
        outside_before = sorted(p.name for p in tmp_path.parent.iterdir())
        f = tmp_path / f"{case}.import"
        good = json.dumps(doc).encode()
        if case == "not_json":
            f.write_bytes(b"Dear editor,\nthis is not an export.\n")
        elif case == "truncated_json":
            f.write_bytes(good[: len(good) // 2])
        elif case == "wrong_format":
            f.write_text(json.dumps({**doc, "format": "zotero-export"}))
        elif case == "newer_version":
            f.write_text(json.dumps({**doc, "version": 99}))
        elif case == "duplicate_keys":
            f.write_bytes(good[:-1] + b', "version": 1}')
        elif case == "duplicate_ids":
            arts = doc["articles"]
            arts[1]["id"] = arts[0]["id"]
            f.write_text(json.dumps(doc))
        elif case == "bad_sha":
            doc["articles"][2]["captures"][0]["sha256"] = "../../etc/passwd"
            f.write_text(json.dumps(doc))
        elif case == "zip_slip":
            _zip(f, {"export.json": good, "../../outside.txt": b"escaped"})
        elif case == "zip_absolute":
            _zip(f, {"export.json": good, "/tmp/absolute-cuttings.txt": b"escaped"})
        elif case == "zip_bomb":
            _zip(f, {"export.json": good, "snapshots/" + "0" * 64 + ".html": b"\0" * (64 << 20)})
        elif case == "nested_deep":
            f.write_text("[" * 200_000 + "]" * 200_000)
        with pytest.raises(ImportRefused) as err:
            import_path(target, f)
        assert str(err.value) and "\n" not in str(err.value).strip()
        assert dump_hash(db_file(target)) == before
        assert sorted(p.name for p in tmp_path.parent.iterdir()) == outside_before
        assert not Path("/tmp/absolute-cuttings.txt").exists()
        assert target.count_articles() == 1
    finally:
        target.close()


def test_h4_first_bad_row_is_named(archive: Archive, tmp_path: Path) -> None:
    doc = _valid_doc(archive, tmp_path)
    doc["articles"][1]["captures"][0]["fetched_at"] = "yesterday afternoon"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    with Archive.open(str(tmp_path / "t.db")) as target, pytest.raises(ImportRefused) as err:
        import_path(target, f)
    assert "articles[1]" in str(err.value) and "fetched_at" in str(err.value)


def test_h4_csv_with_wrong_columns_is_not_imported_as_articles(tmp_path: Path) -> None:
    f = tmp_path / "sheet.csv"
    buf = io.StringIO()
    csv.writer(buf).writerows([["when", "who"], ["2026-01-01", "someone"]])
    f.write_text(buf.getvalue())
    with Archive.open(str(tmp_path / "t.db")) as target:
        try:
            report = import_path(target, f)
        except ImportRefused as exc:
            assert str(exc)
        else:  # taken as a URL list: it finds no URLs, so nothing is queued or stored
            assert not target.jobs() and target.count_articles() == 0, report
        assert target.count_articles() == 0


def test_h4_errno_of_export_errors_is_kept(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(ExportWriteError) as err:
        export(archive, Selection(all_articles=True), "json", tmp_path / ("y" * 300))
    assert err.value.errno == errno.ENAMETOOLONG


def test_h4_file_over_the_size_cap_is_refused_before_reading(
        archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.export.importer as importer

    doc = _valid_doc(archive, tmp_path)
    f = tmp_path / "huge.json"
    f.write_text(json.dumps(doc))
    monkeypatch.setattr(importer, "MAX_JSON_FILE", f.stat().st_size - 1)
    read: list[Path] = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: read.append(p) or real_read(p))
    with Archive.open(str(tmp_path / "t.db")) as target, pytest.raises(ImportRefused) as err:
        import_path(target, f)
    assert "larger than" in str(err.value)
    assert f not in read  # refused on its size, never loaded
