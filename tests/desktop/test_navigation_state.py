"""The sidebar, the page shown and the filter banner stay in step (issue 22)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.library_view import PAGE_SEARCH, PAGE_TABLE
from storage.collection_store import CollectionOps

pytestmark = pytest.mark.gui


def _idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive() and not win.organize.busy,
                    timeout=30000)


def _capture(qtbot, win, urls):
    dialog = win.open_add_dialog("\n".join(urls))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == len(urls), timeout=30000)
    _idle(qtbot, win)


def _click(qtbot, sidebar, item):
    pos = sidebar.visualItemRect(item).center()
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _search(qtbot, win, text):
    with qtbot.waitSignal(win.search.results, timeout=20000):
        win.search_field.setText(text)
        win.search.run_now()


def test_after_a_search_the_highlighted_queue_entry_shows_the_queue(qtbot, make_window,
                                                                      site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls)
    _click(qtbot, win.sidebar, win.sidebar.queue)
    assert win.pages.currentWidget() is win.queue_panel
    _search(qtbot, win, "harbour")
    assert win.pages.currentWidget() is win.library_split
    assert win.sidebar.currentItem() is not win.sidebar.queue  # the queue is not shown
    win.search_field.clear()
    assert win.list_stack.currentIndex() == PAGE_TABLE
    assert win.sidebar.currentItem() is win.sidebar.library  # what the table shows
    _click(qtbot, win.sidebar, win.sidebar.queue)
    assert win.pages.currentWidget() is win.queue_panel
    # A click on the entry already highlighted shows it again, whatever happened.
    win.pages.setCurrentWidget(win.library_split)
    _click(qtbot, win.sidebar, win.sidebar.queue)
    assert win.pages.currentWidget() is win.queue_panel


def test_collection_banner_follows_what_is_shown(qtbot, make_window, archive, site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls)
    ids = archive.article_ids()
    with qtbot.waitSignal(win.organised, timeout=20000):
        win.organizer.add_articles("Bridge file", ids[:1])  # undoable: it creates it
    _idle(qtbot, win)
    qtbot.waitUntil(lambda: win.sidebar.item_of("collection", "Bridge file") is not None,
                    timeout=20000)
    with qtbot.waitSignal(win.model.reloaded, timeout=20000):
        _click(qtbot, win.sidebar, win.sidebar.item_of("collection", "Bridge file"))
    assert win.model.total == 1
    assert win.filter_banner.isVisible() and "Bridge file" in win.filter_banner.text()

    _search(qtbot, win, "harbour")  # archive-wide results: no collection banner over them
    assert win.list_stack.currentIndex() == PAGE_SEARCH
    assert not win.filter_banner.isVisible()
    assert win.sidebar.currentItem() is not win.sidebar.item_of("collection", "Bridge file")
    win.search_field.clear()  # back to the collection's table, banner and highlight
    assert win.list_stack.currentIndex() == PAGE_TABLE
    assert win.filter_banner.isVisible()
    assert win.sidebar.currentItem() is win.sidebar.item_of("collection", "Bridge file")

    # Undo deletes the collection: the window goes back to the whole library.
    with qtbot.waitSignal(win.organised, timeout=20000):
        win.act_undo.trigger()
    _idle(qtbot, win)
    assert CollectionOps(archive).collections() == []
    qtbot.waitUntil(lambda: win.model.total == len(ids), timeout=20000)
    assert not win.filter_banner.isVisible()
    assert win.sidebar.currentItem() is win.sidebar.library
    assert win.filter_label == ""
