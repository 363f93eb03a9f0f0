"""J6 bundle integrity: a bundle cannot claim evidence it does not hold, import accepts
only what ``verify`` accepts, the article text is re-checked against the snapshot it
claims to come from, a JSON-only import is not "damage", and imported input is
bounded and cleaned (docs/reliability.md J6).

The archive is filled by real captures over loopback (the pipeline, real extraction,
images), exported as a ZIP bundle and as JSON, then tampered with. Every refusal also
checks that the target archive is unchanged (full dump and blob set).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from capture.settings import Settings
from desktop.cli import main
from intake.pipeline import CapturePipeline
from storage.archive import Archive
from storage.export import ExportError, ImportRefused, Selection, export, import_path
from storage.export.verify import verify_path
from tests.reliability.helpers import run_python
from tests.storage.export.helpers import db_dump_hash, organize
from tests.support.fixture_site import article_html, png_bytes

MANIFEST = "manifest-sha256.txt"
JSON_MEMBER = "cuttings-export.json"


# --------------------------------------------------------------------------- archive


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Three pages captured for real over loopback (with their lead images), tagged
    and with claims; copied for every test."""
    folder = tmp_path_factory.mktemp("j6")
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        for i in range(3):
            server.expect_request(f"/news/{i}").respond_with_data(
                article_html(i), content_type="text/html; charset=utf-8")
            server.expect_request(f"/images/lead-{i}.png").respond_with_data(
                png_bytes(4 + i, 3), content_type="image/png")
        archive = Archive.open(str(folder / "source.db"))
        try:
            jobs = archive.enqueue([server.url_for(f"/news/{i}") for i in range(3)]).jobs
            pipeline = CapturePipeline(archive, Settings(
                allow_local_network=True, retries=0, total_deadline=20, workers=1))
            try:
                summary = pipeline.run([j.id for j in jobs])
            finally:
                pipeline.close()
            assert summary.done == 3, summary.failures
            ids = sorted(r.id for r in archive.list_articles())
            organize(archive, ids)
        finally:
            archive.close()
    finally:
        server.clear()
        server.stop()
    yield folder


@pytest.fixture
def source(_template: Path, tmp_path: Path) -> Iterator[Archive]:
    shutil.copy2(_template / "source.db", tmp_path / "source.db")
    shutil.copytree(_template / "source.db.blobs", tmp_path / "source.db.blobs")
    archive = Archive.open(str(tmp_path / "source.db"))
    yield archive
    archive.close()


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Archive]:
    archive = Archive.open(str(tmp_path / "target.db"))
    yield archive
    archive.close()


@pytest.fixture
def bundle(source: Archive, tmp_path: Path) -> Path:
    path = tmp_path / "good.zip"
    export(source, Selection(all_articles=True), "zip", path)
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def db_path(archive: Archive) -> str:
    return archive.url[len("sqlite:///"):]


def state(archive: Archive) -> tuple[str, frozenset[str]]:
    return db_dump_hash(archive), frozenset(archive.blobs.all_hashes())


def refused(archive: Archive, path: Path, *needles: str) -> str:
    """``import`` refuses ``path`` naming every needle, and changes nothing."""
    before = state(archive)
    with pytest.raises(ImportRefused) as info:
        import_path(archive, path)
    msg = str(info.value)
    for needle in needles:
        assert needle in msg, msg
    assert "\n" not in msg
    assert state(archive) == before
    return msg


def rewrite(src: Path, dst: Path, change: Callable[[str, bytes], bytes | None] = lambda n, d: d,
            *, manifest: str = "regenerate",
            extra: list[tuple[zipfile.ZipInfo, bytes]] = ()) -> Path:
    """Copy a bundle member by member through ``change`` (None drops the member), add
    ``extra`` members, and then rewrite the manifest so that it matches (as a forger
    would: ``regenerate``), keep it as it was (``keep``) or leave it out (``drop``)."""
    members: list[tuple[zipfile.ZipInfo, bytes]] = []
    with zipfile.ZipFile(src) as zf:
        old_manifest = zf.read(MANIFEST)
        for info in zf.infolist():
            if info.filename == MANIFEST:
                continue
            data = change(info.filename, zf.read(info))
            if data is not None:
                members.append((info, data))
    members.extend(extra)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(info, data)
        if manifest == "regenerate":
            out.writestr(MANIFEST, "".join(f"{hashlib.sha256(d).hexdigest()}  {i.filename}\n"
                                           for i, d in members))
        elif manifest == "keep":
            out.writestr(MANIFEST, old_manifest)
    return dst


def edit_json(edit: Callable[[dict], None]) -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        if name != JSON_MEMBER:
            return data
        doc = json.loads(data)
        edit(doc)
        return json.dumps(doc, ensure_ascii=False).encode()
    return change


def first_snapshot(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return next(n for n in zf.namelist() if n.startswith("snapshots/"))


# --------------------------------------------------------------------------- 1. missing blobs


def test_export_refuses_a_snapshot_missing_from_the_archive(
        source: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sha = next(sha for kind, sha in source.referenced_blobs() if kind == "snapshot")
    source.blobs.path_of(sha).unlink()
    out = tmp_path / "b.zip"
    with pytest.raises(ExportError) as err:
        export(source, Selection(all_articles=True), "zip", out)
    assert sha in str(err.value) and "no bundle was written" in str(err.value)
    assert not out.exists()
    code, _, stderr = cli(capsys, "export", "--db", db_path(source), "--all", "--format", "zip",
                          "-o", str(out))
    assert code == 1 and sha in stderr and not out.exists()
    # the article without its snapshot can still be exported honestly: without snapshots
    code, _, stderr = cli(capsys, "export", "--db", db_path(source), "--all", "--format", "zip",
                          "--include", "quotes,claims,images", "-o", str(out))
    assert code == 0, stderr
    assert verify_path(out).ok


def test_export_refuses_a_damaged_image(source: Archive, tmp_path: Path) -> None:
    import zlib

    sha = next(sha for kind, sha in source.referenced_blobs() if kind == "image")
    source.blobs.path_of(sha).write_bytes(zlib.compress(b"not the image"))
    with pytest.raises(ExportError) as err:
        export(source, Selection(all_articles=True), "zip", tmp_path / "b.zip")
    assert sha in str(err.value) and "damaged" in str(err.value)
    assert not (tmp_path / "b.zip").exists()


def test_hash_named_only_in_the_side_file_fails_verify_and_import(
        bundle: Path, tmp_path: Path, target: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    """What older versions wrote when a blob was missing: the member left out, its hash
    only in ``missing-sha256.txt`` (listed in the manifest). ``verify`` said OK."""
    gone = first_snapshot(bundle)
    sha = gone[len("snapshots/"):-len(".html")]
    bad = rewrite(bundle, tmp_path / "side.zip", lambda n, d: None if n == gone else d,
                  extra=[(zipfile.ZipInfo("missing-sha256.txt"), f"{sha}\n".encode())])
    report = verify_path(bad)
    assert not report.ok
    assert any(sha in p and "missing-sha256.txt" in p for p in report.problems), report.problems
    code, out, _ = cli(capsys, "verify", str(bad))
    assert code == 1 and "FAILED" in out and sha in out
    refused(target, bad, sha)


def test_deleted_snapshot_member_fails_verify_and_import(bundle: Path, tmp_path: Path,
                                                         target: Archive) -> None:
    gone = first_snapshot(bundle)
    bad = rewrite(bundle, tmp_path / "gone.zip", lambda n, d: None if n == gone else d)
    report = verify_path(bad)
    sha = gone[len("snapshots/"):-len(".html")]
    assert report.problems == [f"snapshot {sha} named in the JSON is not in the bundle"]
    refused(target, bad, f"snapshot {sha} named in the JSON is not in the bundle")


def test_every_image_named_anywhere_must_be_in_the_bundle(bundle: Path, tmp_path: Path,
                                                          target: Archive) -> None:
    fake = "ab" * 32

    def in_reader(doc: dict) -> None:
        doc["articles"][0]["reader_html"] += f'<img src="asset:{fake}" alt="">'

    def in_credit(doc: dict) -> None:
        doc["articles"][0]["photo_credits"][0]["image_sha256"] = fake

    for name, edit, needle in (("reader", in_reader, "reader_html: image " + fake),
                               ("credit", in_credit, "photo_credits[0].image_sha256")):
        bad = rewrite(bundle, tmp_path / f"{name}.zip", edit_json(edit))
        report = verify_path(bad)
        assert not report.ok and any(needle in p for p in report.problems), report.problems
        refused(target, bad, needle)


# --------------------------------------------------------------------------- 2. one code path


def test_edited_json_with_the_manifest_deleted_is_refused(bundle: Path, tmp_path: Path,
                                                          target: Archive) -> None:
    def edit(doc: dict) -> None:
        doc["articles"][0]["captures"][0]["fetched_at"] = "2020-01-01T00:00:00+00:00"
    bad = rewrite(bundle, tmp_path / "nomanifest.zip", edit_json(edit), manifest="drop")
    report = verify_path(bad)
    assert not report.ok and any("manifest-sha256.txt is missing" in p for p in report.problems)
    refused(target, bad, "manifest-sha256.txt is missing")


def test_extra_member_listed_in_the_manifest_is_refused(bundle: Path, tmp_path: Path,
                                                        target: Archive) -> None:
    bad = rewrite(bundle, tmp_path / "extra.zip",
                  extra=[(zipfile.ZipInfo("run-me.sh"), b"#!/bin/sh\nrm -rf ~\n")])
    report = verify_path(bad)
    assert report.problems == ["run-me.sh: unexpected member (not part of a Cuttings bundle)"]
    refused(target, bad, "run-me.sh")


def test_symlink_member_is_refused(bundle: Path, tmp_path: Path, target: Archive) -> None:
    link = zipfile.ZipInfo("articles/00001-link.html")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = rewrite(bundle, tmp_path / "link.zip", extra=[(link, b"/etc/passwd")])
    report = verify_path(bad)
    assert not report.ok and "symbolic link" in report.problems[0], report.problems
    refused(target, bad, "symbolic link")


def test_import_and_verify_accept_the_same_bundles(bundle: Path, tmp_path: Path,
                                                   target: Archive) -> None:
    """The rule itself: for each tampered variant, ``verify`` fails exactly when
    ``import`` refuses (one code path)."""
    gone = first_snapshot(bundle)
    variants = {
        "good": rewrite(bundle, tmp_path / "v0.zip"),
        "no-manifest": rewrite(bundle, tmp_path / "v1.zip", manifest="drop"),
        "stale-manifest": rewrite(bundle, tmp_path / "v2.zip", edit_json(lambda d: None),
                                  manifest="keep"),
        "no-snapshot": rewrite(bundle, tmp_path / "v3.zip", lambda n, d: None if n == gone
                               else d),
        "extra": rewrite(bundle, tmp_path / "v4.zip",
                         extra=[(zipfile.ZipInfo("images/readme.txt"), b"hi")]),
    }
    outcomes = {}
    for name, path in variants.items():
        with Archive.open(str(tmp_path / f"{name}.db")) as fresh:
            try:
                import_path(fresh, path)
                imported = True
            except ImportRefused:
                imported = False
        outcomes[name] = (verify_path(path).ok, imported)
    assert outcomes == {"good": (True, True), "no-manifest": (False, False),
                        "stale-manifest": (False, False), "no-snapshot": (False, False),
                        "extra": (False, False)}


def test_only_verify_parses_exports_for_import() -> None:
    """The import code never validates a document or reads a bundle's members on its
    own: it gets them from verify's checks (so it cannot accept what verify refuses)."""
    import ast
    import inspect

    import storage.export.importer as importer

    tree = ast.parse(inspect.getsource(importer))
    called = {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
              for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"check_bundle", "check_json", "_refuse_unless_verified"} <= called
    assert not called & {"validate_document", "parse_document", "parse_document_from",
                         "check_members", "parse_manifest", "hash_member"}


# --------------------------------------------------------------------------- 3. re-derivable text


def test_body_text_changed_with_hashes_kept_is_caught(bundle: Path, tmp_path: Path,
                                                      target: Archive) -> None:
    def edit(doc: dict) -> None:
        for art in doc["articles"]:
            for cap in art["captures"]:
                cap["text"] = cap["text"].replace("voted 5-2", "voted 2-5")
            art["text"] = art["text"].replace("voted 5-2", "voted 2-5")
    bad = rewrite(bundle, tmp_path / "text.zip", edit_json(edit))  # manifest made to match
    report = verify_path(bad)
    assert len(report.problems) == 3, report.problems
    assert all("text differ from what version" in p for p in report.problems)
    refused(target, bad, "differ from what version")


def test_article_text_unlike_its_capture_is_caught(bundle: Path, tmp_path: Path) -> None:
    def edit(doc: dict) -> None:
        doc["articles"][1]["text"] += " Added later."
    report = verify_path(rewrite(bundle, tmp_path / "art.zip", edit_json(edit)))
    assert report.problems and "article text differs from its latest capture" in \
        report.problems[0]


def test_fresh_bundle_says_what_was_re_derived(bundle: Path, target: Archive,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    report = verify_path(bundle)
    assert report.ok, report.problems
    assert report.texts_verified == 3 and report.texts_unverified == 0
    code, out, _ = cli(capsys, "verify", str(bundle))
    assert code == 0
    assert "re-derived and checked" in out and "claims" in out and "not derivable" in out
    import_path(target, bundle)
    for row in target.list_articles():
        data = target.article(row.id)
        assert data["text_state"] == "verified"
        assert {c["text_state"] for c in data["captures"]} == {"verified"}
        assert {c["snapshot_state"] for c in data["captures"]} == {"stored"}


def test_other_extractor_version_is_reported_not_re_checked(
        bundle: Path, target: Archive, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import capture.extract

    recorded = capture.extract.EXTRACTOR_VERSION
    monkeypatch.setattr(capture.extract, "EXTRACTOR_VERSION", recorded + "-next")
    report = verify_path(bundle)
    assert report.ok and report.texts_verified == 0 and report.texts_unverified == 3
    assert any(f"not re-checked (extracted by version {recorded}" in n and "UNVERIFIED" in n
               for n in report.notes), report.notes
    import_path(target, bundle)
    aid = target.list_articles()[0].id
    data = target.article(aid)
    assert data["text_state"] == "unverified"
    code, out, _ = cli(capsys, "show", "--db", db_path(target), str(aid))
    assert code == 0 and "text unverified" in out


def test_the_window_shows_how_imported_text_was_checked(
        source: Archive, target: Archive, tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    from desktop.details_tabs import DetailsTabs

    path = tmp_path / "e.json"
    export(source, Selection(all_articles=True), "json", path)
    import_path(target, path)
    tabs = DetailsTabs()
    qtbot.addWidget(tabs)
    tabs._fill_capture(target.article(target.list_articles()[0].id))
    rows = {tabs.capture.topLevelItem(i).text(0): tabs.capture.topLevelItem(i).text(1)
            for i in range(tabs.capture.topLevelItemCount())}
    assert rows["Snapshot"].startswith("imported without snapshot")
    assert "UNVERIFIED" in rows["Text"]


# --------------------------------------------------------------------------- 4. JSON-only import


def test_json_only_import_is_not_damage(source: Archive, bundle: Path, target: Archive,
                                        tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.json"
    export(source, Selection(all_articles=True), "json", path)
    import_path(target, path)
    code, out, _ = cli(capsys, "check", "--db", db_path(target))
    assert code == 0, out
    assert "stored copies: 0 of 0 match" in out
    assert "imported without snapshot: 3 image(s), 3 snapshot(s)" in out
    data = target.article(target.list_articles()[0].id)
    assert {c["snapshot_state"] for c in data["captures"]} == {"imported without snapshot"}
    assert data["text_state"] == "unverified"
    # the bundle brings the bytes: every copy is then checked as usual
    import_path(target, bundle)
    code, out, _ = cli(capsys, "check", "--db", db_path(target))
    assert code == 0 and "stored copies: 6 of 6 match" in out and "imported without" not in out
    data = target.article(target.list_articles()[0].id)
    assert {c["snapshot_state"] for c in data["captures"]} == {"stored"}
    # damage is still damage
    sha = data["captures"][0]["sha256"]
    target.blobs.path_of(sha).unlink()
    code, out, _ = cli(capsys, "check", "--db", db_path(target))
    assert code == 1 and f"damaged snapshot {sha}" in out


# --------------------------------------------------------------------------- 7. validation


@pytest.fixture
def doc(source: Archive, tmp_path: Path) -> dict:
    path = tmp_path / "v.json"
    export(source, Selection(all_articles=True), "json", path)
    return json.loads(path.read_text(encoding="utf-8"))


def _json(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "field", "why"), [
    (lambda a: a["quotes"][0].update(start=40, end=10), "articles[1].quotes[0]", "reversed"),
    (lambda a: a["quotes"][0].update(end=10**6), "articles[1].quotes[0]", "past the end"),
    (lambda a: a["claims"][0].update(start=-5), "articles[1].claims[0]", "negative"),
    (lambda a: a["sources"][0].update(mentions=[[5, 10**7]]), "articles[1].sources[0]",
     "past the end"),
    (lambda a: a.update(url="javascript:alert(document.cookie)"), "articles[1].url",
     "only http and https"),
    (lambda a: a.update(canonical_url="data:text/html,<script>alert(1)</script>"),
     "articles[1].canonical_url", "only http and https"),
    (lambda a: a["captures"][0].update(final_url="file:///etc/passwd"),
     "articles[1].captures[0].final_url", "only http and https"),
])
def test_invalid_fields_are_refused_by_name(doc: dict, tmp_path: Path, target: Archive,
                                            edit: Callable[[dict], None], field: str,
                                            why: str) -> None:
    art = doc["articles"][1]
    assert art["quotes"] and art["claims"] and art["sources"]
    edit(art)
    refused(target, _json(tmp_path, doc), field, why)


def test_control_characters_are_stripped_on_import(doc: dict, tmp_path: Path,
                                                   target: Archive) -> None:
    art = doc["articles"][0]
    clean_title = art["title"]
    art["title"] = "\x1b\x07\u202e" + art["title"] + "\x9b\x9d"
    q = art["quotes"][0]
    said = art["text"][q["start"]:q["end"]]
    art["text"] = "\x1b\x07\u202bR\u202c " + art["text"]  # 4 of these 6 characters stay
    q["start"] += 6
    q["end"] += 6
    for cap in art["captures"]:
        if cap["latest"]:
            cap["text"] = art["text"]
            cap["title"] = art["title"]
    art["publisher"] = "\x9bThe\u2066 Ledger"
    import_path(target, _json(tmp_path, doc))
    data = target.article(next(r.id for r in target.list_articles()
                               if r.url == art["url"]))
    assert data["title"] == clean_title  # C0, C1 and bidi controls gone from a title
    assert data["publisher"] == "The Ledger"
    assert data["text"].startswith("\u202bR\u202c ")  # bidi kept in body text, ESC gone
    quote = next(x for x in data["quotes"] if x["quote"] == q["text"])
    assert data["text"][quote["start"]:quote["end"]] == said  # offsets moved with the text


# --------------------------------------------------------------------------- 8. input caps


def test_import_of_dev_zero_stops_at_the_cap(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "from desktop.cli import main\n"
            "sys.exit(main(['import', '--db', sys.argv[1], '/dev/zero']))\n")
    proc = run_python(code, str(db), timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "zero is not a Cuttings export, a bookmarks file or a URL list (binary data)" in \
        proc.stderr and "Traceback" not in proc.stderr


def test_import_of_a_huge_json_is_refused_before_reading(tmp_path: Path,
                                                         target: Archive) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:
        fh.write(b'{"format": "cuttings-export", "articles": [')
        fh.truncate(400 << 20)  # a sparse 400 MB file
    refused(target, huge, "larger than 256 MB")
    assert huge.stat().st_size == 400 << 20


def test_bundle_json_member_over_the_cap_is_refused(bundle: Path, tmp_path: Path,
                                                    target: Archive,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.export.importer as importer

    with zipfile.ZipFile(bundle) as zf:
        size = zf.getinfo(JSON_MEMBER).file_size
    monkeypatch.setattr(importer, "MAX_JSON_FILE", size - 1)
    assert not verify_path(bundle).ok
    refused(target, bundle, JSON_MEMBER, "too large")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_import_from_a_pipe_is_bounded(tmp_path: Path) -> None:
    """A FIFO that never ends is read at most cap + 1 bytes (a child process feeds it)."""
    fifo = tmp_path / "feed.json"
    os.mkfifo(fifo)
    code = ("import os, sys, threading, resource\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "import storage.export.importer as importer\n"
            "importer.MAX_JSON_FILE = 1 << 20\n"
            "def feed():\n"
            "    with open(sys.argv[2], 'wb') as fh:\n"
            "        fh.write(b'{')\n"
            "        try:\n"
            "            while True:\n"
            "                fh.write(b' ' * 65536)\n"
            "        except BrokenPipeError:\n"
            "            pass\n"
            "threading.Thread(target=feed, daemon=True).start()\n"
            "from storage.archive import Archive\n"
            "from storage.export import ImportRefused, import_path\n"
            "with Archive.open(sys.argv[1]) as a:\n"
            "    try:\n"
            "        import_path(a, sys.argv[2])\n"
            "    except ImportRefused as exc:\n"
            "        print(exc)\n"
            "        os._exit(3)\n")
    proc = run_python(code, str(tmp_path / "a.db"), str(fifo), timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "larger than 1 MB" in proc.stdout


def test_a_bundle_of_a_very_compressible_page_verifies_and_imports(
        tmp_path: Path, target: Archive) -> None:
    """A page of 2 MB that deflate shrinks 700-fold (deep nesting, padding: any site can
    serve one) is evidence like any other: its own bundle verifies and imports. The
    sizes are capped on their own; a ratio under deflate's maximum proves nothing."""
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "<div>" * 200_000 + "deep text" + "</div>" * 200_000
                    + "</body></html>", encoding="utf-8")
    with Archive.open(str(tmp_path / "src.db")) as source:
        from intake.pipeline import import_html_file

        import_html_file(source, page, "https://ledger.example/nested")
        out = tmp_path / "nested.zip"
        export(source, Selection(all_articles=True), "zip", out)
    report = verify_path(out)
    assert report.ok, report.problems
    import_path(target, out)
    assert len(target.list_articles()) == 1


def test_a_capture_cut_off_by_its_reading_deadline_is_not_called_a_mismatch(
        tmp_path: Path, target: Archive) -> None:
    """The reading deadline is a setting and depends on the machine: a page cut off at
    capture (kept "too complex to read", no text) that this machine reads in time is not
    evidence of tampering. ``verify`` says the text was not re-checked; import keeps it
    as unverified."""
    from intake.pipeline import import_html_file

    page = tmp_path / "saved.html"
    page.write_text(article_html(5), encoding="utf-8")
    with Archive.open(str(tmp_path / "src.db")) as source:
        stored = import_html_file(source, page, "https://ledger.example/news/5",
                                  deadline=0.001)  # no worker answers that fast
        assert source.article(stored.article_id)["status"] == "too_complex"
        out = tmp_path / "cut.zip"
        export(source, Selection(all_articles=True), "zip", out)
    report = verify_path(out)
    assert report.ok, report.problems
    assert report.texts_verified == 0 and report.texts_unverified == 1
    import_path(target, out)
    (row,) = target.list_articles()
    assert target.article(row.id)["text_state"] == "unverified"
