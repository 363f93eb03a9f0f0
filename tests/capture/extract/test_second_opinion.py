"""The reference extractor (trafilatura) as a second opinion on unusual pages.

It is imported only when a page needs it, so a broken install would otherwise go
unnoticed until such a page arrives: these tests import it and run it for real, and
check that a failure of it never costs the page its extraction.
"""

from __future__ import annotations

import sys

from lxml import html as lxml_html

from capture.extract import extract
from capture.extract.body import trafilatura_blocks

PARAGRAPHS = [
    "The river ferry between Orlen and Saskby will stop running for three weeks in May "
    "while its landing stages are rebuilt, the regional transport authority said on Monday.",
    "Commuters will be offered a replacement bus that crosses at the Tenby road bridge, "
    "adding about twenty minutes to the journey in each direction at peak times.",
    "The authority said the wooden stages, built in 1974, had been patched every winter "
    "for a decade and could no longer be repaired safely or economically.",
]


def _page(body: str) -> str:
    return ("<!doctype html><html><head><title>Ferry to stop for three weeks</title></head>"
            f"<body><header><nav><a href='/'>Home</a></nav></header>{body}"
            "<footer><p>Copyright 2026 The Orlen Post</p></footer></body></html>")


def test_trafilatura_imports_and_reads_the_main_text() -> None:
    root = lxml_html.fromstring(_page("<article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
                                      + "</article>"))
    blocks = trafilatura_blocks(root)
    text = " ".join(b.text for b in blocks)
    assert all(p[:60] in text for p in PARAGRAPHS)
    assert "Copyright" not in text


def test_a_broken_second_opinion_does_not_cost_the_extraction(monkeypatch) -> None:
    # Text in loose divs, not paragraphs: an unusual page, so the second opinion is asked.
    page = _page("<div class='story'>" + "".join(f"<div>{p}</div>" for p in PARAGRAPHS[:1])
                 + "</div>")
    expected = extract(page, "https://orlenpost.example/ferry")
    assert "river ferry between Orlen" in expected.text
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # any import of it now fails
    result = extract(page, "https://orlenpost.example/ferry")
    assert "river ferry between Orlen" in result.text
    assert result.title == expected.title
