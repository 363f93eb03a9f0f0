"""python -m capture.extract FILE|- [--url URL] prints the extraction as JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from capture.charset import decode_html

from .conftest import PAGES


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "capture.extract", *args], input=stdin,
                          capture_output=True, check=False, timeout=60)


def test_cli_decodes_windows_1252_file():
    proc = run(str(PAGES / "legacy_cp1252.html"), "--url", "http://www.millcreekobserver.com/x")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["title"] == "Café owner reopens after 40° freeze burst pipes"
    assert data["quotes"][0]["speaker"] == "Renée Castellanos"
    for key in ("authors", "published", "publisher", "text", "sources", "photo_credits"):
        assert key in data


def test_cli_reads_stdin():
    html = b"<html><head><meta charset='utf-8'><title>T</title></head><body><article><p>" + "Caf\u00e9 au lait costs more this year than it did last year, owners said. ".encode() * 3 + b"</p></article></body></html>"
    proc = run("-", stdin=html)
    assert proc.returncode == 0
    assert "Café au lait" in json.loads(proc.stdout)["text"]


def test_cli_missing_file_is_a_clear_error():
    proc = run("/nonexistent/page.html")
    assert proc.returncode == 2
    assert b"cannot read" in proc.stderr


def decode_bytes(body: bytes) -> str:
    return decode_html(body, None)[0]


def test_decode_bom_meta_and_detection():
    assert decode_bytes(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "<p>café</p>"
    assert "café" in decode_bytes(b'<meta charset="iso-8859-1"><p>caf\xe9 \x93q\x94</p>')
    assert "\u201cq\u201d" in decode_bytes(b'<meta charset="iso-8859-1"><p>caf\xe9 \x93q\x94</p>')  # as browsers do
    assert decode_bytes("<p>żółw</p>".encode()) == "<p>żółw</p>"
