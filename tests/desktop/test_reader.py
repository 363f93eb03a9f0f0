"""The reader maps stored offsets onto the document exactly, emoji and all."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from capture.types import CitationItem, Extracted, FetchResult, QuoteItem
from desktop.reader import ReaderView, load_reader_bundle

pytestmark = pytest.mark.gui


def _store(archive, text: str, quotes, citations=()):
    body = b"<html><body><p>x</p></body></html>"
    fetched = FetchResult(
        requested_url="https://paper.example/a", final_url="https://paper.example/a", status=200,
        headers=[("Content-Type", "text/html")], body=body,
        sha256=hashlib.sha256(body).hexdigest(), fetched_at=datetime.now(UTC),
        content_type="text/html", encoding="utf-8", html=body.decode())
    extracted = Extracted(title="Emoji \U0001F600 and RTL \u202Etest", text=text,
                          reader_html="<p>x</p>", quotes=list(quotes),
                          citations=list(citations))
    return archive.store_capture(fetched, extracted).article_id


def test_offsets_survive_characters_outside_the_bmp(qtbot, archive):
    quote = "We will rebuild \U0001F309 by spring"
    text = ("The mayor \U0001F600\U0001F600 spoke first.\n\n"
            f"\u201c{quote},\u201d said Lea Marr.\n\nAccording to Reuters, work starts soon.")
    start = text.index(quote)
    reuters = text.index("Reuters")
    article_id = _store(archive, text, [QuoteItem(quote, "Lea Marr", start=start,
                                                  end=start + len(quote))],
                        [CitationItem("Reuters", mentions=[(reuters, reuters + 7)])])
    view = ReaderView()
    qtbot.addWidget(view)
    bundle = load_reader_bundle(archive, article_id)
    view.show_bundle(bundle)
    assert view.show_range(start, start + len(quote))
    assert view.textCursor().selectedText() == quote
    assert view.show_range(reuters, reuters + 7)
    assert view.textCursor().selectedText() == "Reuters"
    # Out-of-range or inverted spans are ignored, not crashes.
    assert not view.show_range(5, 2)
    assert not view.show_range(0, len(text) + 10)


def test_article_without_text_explains_itself(qtbot, archive):
    article_id = _store(archive, "", [])
    view = ReaderView()
    qtbot.addWidget(view)
    view.show_bundle(load_reader_bundle(archive, article_id))
    assert "No article text was found" in view.toPlainText()
    assert load_reader_bundle(archive, 999) is None


def test_selection_maps_back_to_text_offsets(qtbot, archive):
    text = "Intro \U0001F600 line.\n\nThe budget rose by 40 percent, officials said."
    article_id = _store(archive, text, [])
    view = ReaderView()
    qtbot.addWidget(view)
    view.show_bundle(load_reader_bundle(archive, article_id))
    claim = "The budget rose by 40 percent"
    start = text.index(claim)
    assert view.show_range(start, start + len(claim))
    assert view.selected_span() == (start, start + len(claim))
    view.selectAll()  # title and byline included: clipped to the body text
    span = view.selected_span()
    assert span is not None and text[span[0]:span[1]] == text.strip()
