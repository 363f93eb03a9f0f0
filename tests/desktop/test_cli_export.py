"""`cuttings export`, `cuttings import` and `cuttings verify` end to end."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from desktop.cli import main
from storage.archive import Archive
from tests.storage.export.helpers import build_archive, db_dump_hash


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    archive, _, _ = build_archive(tmp_path / "src.db", n=2)
    archive.close()
    return str(tmp_path / "src.db")


def test_export_verify_import_round_trip(db: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "harbour.zip"
    code, out, err = cli(capsys, "export", "--db", db, "--collection", "Harbour files",
                         "--format", "zip", "-o", str(bundle))
    assert code == 0, err
    assert "3 articles" in out and str(bundle) in out
    code, out, _ = cli(capsys, "verify", str(bundle))
    assert code == 0 and out.strip().splitlines()[-1].startswith("OK: zip")
    target = str(tmp_path / "dst.db")
    code, out, err = cli(capsys, "import", "--db", target, str(bundle), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["added"]["articles"] == 3 and report["kind"] == "zip"
    code, out, _ = cli(capsys, "list", "--db", target, "--json")
    assert len(json.loads(out)) == 3


def test_every_format_from_the_command_line(db: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for fmt, name, extra in [("json", "e.json", []), ("md", "e.md", []),
                             ("html", "e.html", []), ("warc", "e.warc.gz", []),
                             ("claimreview", "c.jsonld", ["--reviewer", "Desk"]),
                             ("csl", "c.json", []), ("ris", "c.ris", []),
                             ("csv", "quotes.csv", ["--kind", "quotes"]),
                             ("csv", "csvs", [])]:
        code, out, err = cli(capsys, "export", "--db", db, "--tag", "Harbour", "--format", fmt,
                             "-o", str(tmp_path / name), "--json", *extra)
        assert code == 0, (fmt, err)
        assert json.loads(out)["format"] == fmt
    assert (tmp_path / "csvs" / "claims.csv").exists()
    code, out, _ = cli(capsys, "verify", str(tmp_path / "e.warc.gz"))
    assert code == 0, out


def test_tampered_bundle_fails_verify(db: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "b.zip"
    assert cli(capsys, "export", "--db", db, "--all", "--format", "zip", "-o", str(bundle))[0] == 0
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bundle) as a, zipfile.ZipFile(bad, "w") as b:
        for info in a.infolist():
            data = a.read(info)
            if info.filename.startswith("snapshots/"):
                data += b"<!-- altered -->"
            b.writestr(info, data)
    code, out, _ = cli(capsys, "verify", str(bad))
    assert code == 1
    assert out.count("MISMATCH") >= 2 and "FAILED" in out


def test_truncated_warc_fails_verify(db: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    warc = tmp_path / "e.warc.gz"
    assert cli(capsys, "export", "--db", db, "--all", "--format", "warc", "-o", str(warc))[0] == 0
    warc.write_bytes(warc.read_bytes()[:-200])
    code, out, _ = cli(capsys, "verify", str(warc))
    assert code == 1 and "MISMATCH" in out


def test_refusals_and_errors(db: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "export", "--db", db, "--collection", "Nope", "--format", "json",
                       "-o", str(tmp_path / "x.json"))
    assert code == 1 and "no collection named 'Nope'" in err
    missing = tmp_path / "no" / "x.json"
    code, _, err = cli(capsys, "export", "--db", db, "--all", "--format", "json",
                       "-o", str(missing))
    assert code == 1 and str(missing) in err and "does not exist" in err
    with pytest.raises(SystemExit) as info:
        main(["export", "--db", db, "--format", "json", "-o", str(tmp_path / "y.json")])
    assert info.value.code == 2
    capsys.readouterr()
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as z:
        z.writestr("cuttings-export.json", b"{}")
        z.writestr("../evil.txt", b"x")
    with Archive.open(db) as archive:
        before = db_dump_hash(archive)
    code, _, err = cli(capsys, "import", "--db", db, str(slip))
    assert code == 1 and "refused" in err and "nothing was changed" in err
    with Archive.open(db) as archive:
        assert db_dump_hash(archive) == before
    assert not (tmp_path.parent / "evil.txt").exists()


def _authors(path: Path) -> list[dict]:
    graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
    assert graph
    return [r["author"] for r in graph]


def test_claimreview_without_a_reviewer_says_how_to_name_one(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "c.jsonld"
    code, out, err = cli(capsys, "export", "--db", db, "--all", "--format", "claimreview",
                         "-o", str(target))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--reviewer-name" in err and "Settings" in err
    assert not target.exists()


def test_claimreview_reviewer_from_settings_and_from_flags(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from capture.settings import Settings
    from desktop.settings_store import app_qsettings, save_settings

    save_settings(app_qsettings(), Settings(reviewer_name="Ana Ruiz",
                                            reviewer_org="Saltmere Fact Desk",
                                            reviewer_url="https://facts.saltmere.example/"))
    stored = tmp_path / "stored.jsonld"
    code, _, err = cli(capsys, "export", "--db", db, "--all", "--format", "claimreview",
                       "-o", str(stored))
    assert code == 0, err
    assert {a["name"] for a in _authors(stored)} == {"Ana Ruiz"}
    assert _authors(stored)[0]["affiliation"]["name"] == "Saltmere Fact Desk"
    assert "to be named" not in stored.read_text(encoding="utf-8")

    flags = tmp_path / "flags.jsonld"
    code, _, err = cli(capsys, "export", "--db", db, "--all", "--format", "claimreview",
                       "-o", str(flags), "--reviewer-name", "Lee Park", "--reviewer-org",
                       "Harbour Checks", "--reviewer-url", "https://checks.example/")
    assert code == 0, err
    assert _authors(flags)[0] == {"@type": "Person", "name": "Lee Park",
                                  "url": "https://checks.example/",
                                  "affiliation": {"@type": "Organization",
                                                  "name": "Harbour Checks"}}

    bad = tmp_path / "bad.jsonld"
    code, _, err = cli(capsys, "export", "--db", db, "--all", "--format", "claimreview",
                       "-o", str(bad), "--reviewer-url", "javascript:alert(1)")
    assert code == 2 and "http" in err and not bad.exists()
