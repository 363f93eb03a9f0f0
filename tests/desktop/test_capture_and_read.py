"""End to end on real widgets: paste links, watch the queue, read offline."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

from desktop.reader import PLACEHOLDER
from storage.search_index import segments

pytestmark = pytest.mark.gui

IMAGE = QTextDocument.ResourceType.ImageResource.value


def _capture_all(qtbot, win, urls):
    dialog = win.open_add_dialog("Links for today:\n" + "\n".join(urls) + "\nfile:///etc/passwd")
    qtbot.waitUntil(lambda: dialog.ready and dialog.capture_button.isEnabled(), timeout=20000)
    assert dialog.analysis.found == 4
    assert len(dialog.urls_to_capture()) == 3
    assert "3 new" in dialog.summary.text() and "1 refused" in dialog.summary.text()
    assert dialog.capture_button.text() == "Capture 3 links"
    dialog.capture_button.click()
    # The queue shows the three jobs, then the table the three articles.
    qtbot.waitUntil(lambda: win.queue_panel.model.rowCount() == 3, timeout=20000)
    assert win.pages.currentWidget() is win.queue_panel
    qtbot.waitUntil(lambda: win.model.total == 3 and not win.controller.running, timeout=20000)
    states = {j.state for j in win.queue_panel.model.jobs()}
    assert states == {"done"}


def test_paste_capture_and_read_offline(qtbot, make_window, site_urls, httpserver):
    win = make_window()
    assert win.list_stack.currentWidget() is win.empty_state
    tidied = []
    win.controller.index_tidied.connect(tidied.append)
    _capture_all(qtbot, win, site_urls)
    # After the batch, the search index is merged in the background: one segment.
    qtbot.waitUntil(lambda: bool(tidied), timeout=20000)
    assert tidied[0].finished
    assert segments(win.archive.db) == 1
    win.sidebar.choose("library")
    qtbot.waitUntil(lambda: win.list_stack.currentWidget() is win.table, timeout=20000)
    qtbot.waitUntil(lambda: win.model.rowCount() == 3, timeout=20000)
    qtbot.waitUntil(lambda: not win._refresh_timer.isActive() and win.runner.in_flight == 0,
                    timeout=20000)
    requests_before = len(httpserver.log)

    row = next(i for i in range(3) if "Harbour Bridge" in (win.model.row_at(i).title or ""))
    article_id = win.model.row_at(row).id
    with qtbot.waitSignal(win.article_loaded, timeout=20000,
                          check_params_cb=lambda shown: shown == article_id):
        win.table.selectRow(row)
    text = win.reader.toPlainText()
    assert "Council delays vote on Harbour Bridge repairs" in text
    assert "We cannot ask residents to pay twice" in text
    quotes = win.details.quotes
    speakers = {quotes.topLevelItem(i).text(1) for i in range(quotes.topLevelItemCount())}
    assert {"Ines Vardy", "Oskar Lind", "Daniel Okafor"} <= speakers
    sources = [win.details.sources.topLevelItem(i).text(0)
               for i in range(win.details.sources.topLevelItemCount())]
    assert "Reuters" in sources
    assert win.details.credits.topLevelItemCount() == 1
    assert "Tomas Reyes" in win.details.credits.topLevelItem(0).text(1)
    assert win.details.capture.topLevelItem(0).text(1).endswith("harbour-bridge-vote.html")
    # The archived image is served from the archive, not the network.
    assert len(win.reader._images) == 1

    # Clicking a quote selects exactly its words in the reader.
    first = quotes.topLevelItem(0)
    quotes.itemClicked.emit(first, 0)
    assert win.reader.textCursor().selectedText() == first.toolTip(0)

    # Reading made no request to the original site.
    for _ in range(5):
        qtbot.wait(20)  # let layout and image loading settle
    assert len(httpserver.log) == requests_before


def test_reader_refuses_local_files_and_network(qtbot, make_window, site_urls, httpserver):
    win = make_window()
    reader = win.reader
    for name in ("file:///etc/hostname", "/dev/zero", "/etc/passwd", httpserver.url_for("/x.png"),
                 "asset:" + "0" * 64, "data:image/png;base64,iVBORw0KGgo=", "../secret.png"):
        result = reader.loadResource(IMAGE, QUrl(name))
        assert result is PLACEHOLDER, name
    assert reader.loadResource(QTextDocument.ResourceType.StyleSheetResource.value,
                               QUrl("file:///etc/hostname")) is None
    before = len(httpserver.log)
    # Hostile HTML in the reader's own document: nothing is read, nothing fetched, no crash.
    reader.setHtml(f'<p>x<img src="/dev/zero"><img src="file:///etc/hostname">'
                   f'<img src="{httpserver.url_for("/pixel.gif")}"></p>')
    qtbot.wait(50)
    assert any("/dev/zero" in r for r in reader.refused_resources)
    assert any("hostname" in r for r in reader.refused_resources)
    assert len(httpserver.log) == before


def test_links_open_only_http_after_confirmation(qtbot, make_window, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    win = make_window()
    asked: list[str] = []

    def confirm(_parent, url):
        asked.append(url.host())
        return True

    win.reader.confirm_link = confirm
    doc_before = win.reader.toPlainText()
    win.reader.anchorClicked.emit(QUrl("file:///etc/passwd"))
    win.reader.anchorClicked.emit(QUrl("javascript:alert(1)"))
    win.reader.anchorClicked.emit(QUrl("relative/page.html"))
    assert opened == [] and asked == []
    assert win.reader.toPlainText() == doc_before
    win.reader.anchorClicked.emit(QUrl("https://news.example/story"))
    assert opened == ["https://news.example/story"]
    assert asked == ["news.example"]
    # Declining the confirmation opens nothing.
    win.reader.confirm_link = lambda _p, _u: False
    win.reader.anchorClicked.emit(QUrl("https://news.example/other"))
    assert opened == ["https://news.example/story"]
