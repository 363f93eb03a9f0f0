"""Pages saved from a browser: the address the browser (or SingleFile) wrote in a comment
is used when the page names none, and only a real comment counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from capture.saved_page import saved_from_url
from intake.pipeline import import_html_file
from storage.archive import Archive

BODY = ("<article><h1>Harbour wall to be rebuilt</h1>"
        + "<p>The council met on Tuesday to discuss the harbour wall, which the storm of "
          "last winter broke in two places.</p>" * 4 + "</article>")

CHROME = ("<!DOCTYPE html>\n<!-- saved from url=(0041)https://www.ledger.example/news/wall -->\n"
          f"<html><head><title>Wall</title></head><body>{BODY}</body></html>")
SINGLEFILE = ("<!DOCTYPE html> <html lang=\"en\"><!--\n Page saved with SingleFile \n"
              " url: https://herald.example/2026/wall?utm_source=rss \n"
              " saved date: Tue Dec 08 2026 05:00:00 GMT+0000 (UTC)\n-->"
              f"<head><title>Wall</title></head><body>{BODY}</body></html>")
IN_A_SCRIPT = ("<html><head><script>var s = '<!-- saved from url=(0026)https://evil.example/x -->';"
               f"</script><title>Wall</title></head><body>{BODY}</body></html>")
LOCAL = ("<!-- saved from url=(0014)about:internet -->\n"
         f"<html><head><title>Wall</title></head><body>{BODY}</body></html>")


@pytest.mark.parametrize(("html", "url"), [
    (CHROME, "https://www.ledger.example/news/wall"),
    (SINGLEFILE, "https://herald.example/2026/wall"),
    (IN_A_SCRIPT, None),
    (LOCAL, None),
    ("<html><body>" + BODY + "</body></html>", None),
])
def test_saved_from_url(html: str, url: str | None) -> None:
    assert saved_from_url(html) == url


def test_import_html_uses_the_saved_from_address(tmp_path: Path) -> None:
    archive = Archive.open(str(tmp_path / "a.db"))
    try:
        for name, html, url in (("chrome.html", CHROME, "https://www.ledger.example/news/wall"),
                                ("script.html", IN_A_SCRIPT, None)):
            page = tmp_path / name
            page.write_text(html, encoding="utf-8")
            stored = import_html_file(archive, page)
            data = archive.article(stored.article_id)
            assert data is not None
            if url is None:
                assert data["url"].startswith("urn:sha256:")
            else:
                assert data["url"] == url
                assert data["site"] == "ledger.example"
    finally:
        archive.close()
