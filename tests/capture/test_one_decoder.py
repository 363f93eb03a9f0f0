"""One HTML decoder (capture.charset.decode_html) for every way a page comes in.

The same bytes give the same text through a capture (with the server's Content-Type),
``cuttings import-html``, ``cuttings extract``, ``python -m capture.extract`` and the
extraction benchmarks (a saved file has no HTTP header: BOM, then ``<meta>``, then
detection). A second decoder used to live in capture/extract/decode.py.
"""

from __future__ import annotations

import codecs
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from capture.charset import decode_html
from capture.fetch import Fetcher
from capture.settings import Settings
from intake.pipeline import import_html_file
from storage.archive import Archive

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings(allow_local_network=True, total_deadline=10, connect_timeout=2,
                    read_timeout=5, retries=0)

BODY = ("<p>{w} — {w}, {w}. The council met on Tuesday to discuss the harbour wall, "
        "which the storm of last winter broke in two places.</p>") * 4


def _page(title: str, meta: str = "") -> str:
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>{BODY.format(w=title)}</article></body></html>")


CYRILLIC = "Набережная закрыта"
UTF16 = "Hafenmauer: Überflutung"
CASES = {
    # name: (bytes, Content-Type the server sends, title of a saved file, title fetched)
    "cp1251 meta only": (
        _page(CYRILLIC, '<meta charset="windows-1251">').encode("cp1251"),
        "text/html", CYRILLIC, CYRILLIC),
    "utf-16 bom": (
        codecs.BOM_UTF16_LE + _page(UTF16).encode("utf-16-le"),
        "text/html", UTF16, UTF16),
    "header and meta disagree": (
        # cp1252 and iso-8859-2 read \xe8 differently: è in one, č in the other
        _page("Caf\u00e8 Dvor\u00e1k", '<meta charset="iso-8859-2">').encode("cp1252"),
        "text/html; charset=windows-1252",
        "Caf\u010d Dvor\u00e1k",  # the file has only its meta: iso-8859-2
        "Caf\u00e8 Dvor\u00e1k"),  # the header wins over the meta
    "invalid bytes": (
        _page("Straße über Brücke").encode("utf-8").replace(b"</h1>", b"\xff\xfe\xc3</h1>"),
        "text/html", "Straße über Brücke", "Straße über Brücke"),
}


def _title(data: dict) -> str:
    return data["title"].replace("\ufffd", "").strip()


def _run(*argv: str, cwd: Path) -> dict:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen",
           "HOME": str(cwd), "CUTTINGS_HOME": str(cwd / "home")}
    proc = subprocess.run([sys.executable, *argv], capture_output=True, cwd=cwd, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return json.loads(proc.stdout)


def _benchmark_emit() -> object:
    spec = importlib.util.spec_from_file_location(
        "extraction_quality", ROOT / "benchmarks" / "extraction_quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._emit


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_bytes_same_text_through_every_entry_point(
        case: str, tmp_path: Path, httpserver: HTTPServer) -> None:
    body, content_type, saved_title, fetched_title = CASES[case]
    saved_html, _ = decode_html(body, None)
    page = tmp_path / "page.html"
    page.write_bytes(body)

    # a capture: the fetcher decodes with the server's header
    httpserver.expect_request("/a").respond_with_data(body, content_type=content_type)
    with Fetcher(SETTINGS) as fetcher:
        fetched = fetcher.fetch(httpserver.url_for("/a"))
    assert fetched.html == decode_html(body, content_type)[0]
    assert fetched_title in fetched.html

    # saved files: no header
    assert saved_title in saved_html
    by_module = _run("-m", "capture.extract", str(page), cwd=tmp_path)
    by_cli = _run("-m", "desktop.cli", "extract", str(page), cwd=tmp_path)
    by_benchmark = _benchmark_emit()("ours", str(page), None)  # type: ignore[operator]
    archive = Archive.open(str(tmp_path / "a.db"))
    try:
        stored = import_html_file(archive, page, "https://example.org/a")
        imported = archive.article(stored.article_id)
    finally:
        archive.close()
    assert imported is not None
    for data in (by_module, by_cli, by_benchmark, imported):
        assert _title(data) == saved_title
    assert by_module["text"] == by_cli["text"] == by_benchmark["text"]  # type: ignore[index]
    assert saved_title in by_cli["text"]


# What deciding a page's charset looks like in code: only capture/charset.py may do it.
_DECODER_SIGNS = re.compile(
    r"charset_normalizer|codecs\.BOM_|BOM_UTF|rb?[\"'].*<meta.*charset|from_bytes\(")


def test_no_second_decoder() -> None:
    assert importlib.util.find_spec("capture.extract.decode") is None
    found = []
    for package in ("capture", "storage", "intake", "desktop", "benchmarks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "capture" / "charset.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _DECODER_SIGNS.search(line) and "int.from_bytes" not in line:
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []
