"""The reader gets the room: a reader-only view (F11, Esc leaves), remembered; and by
default the reader is the largest part of the window (issue 22)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui


def _area(widget) -> int:
    return widget.width() * widget.height()


def test_reader_has_the_room_by_default(qtbot, make_window):
    win = make_window(resume_queue=False)
    win.resize(1400, 900)
    qtbot.waitUntil(lambda: win.reader.width() > 0)
    qtbot.wait(10)  # (one layout pass after the resize)
    central = win.centralWidget()
    assert _area(win.reader) >= 0.45 * _area(central)
    assert win.reader.height() > 2 * win.list_area.height()
    assert win.reader.width() > 2 * win.details.width()


def test_reader_only_view_toggles_and_is_remembered(qtbot, make_window, qsettings):
    win = make_window(resume_queue=False)
    win.sidebar.choose("queue")
    sizes = [s.sizes() for s in (win.main_split, win.library_split, win.reader_split)]
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # (window shortcuts need the active window)
    win.reader.setFocus()
    qtbot.keyClick(win.reader, Qt.Key.Key_F11)
    assert win.reader_only and win.act_reader_only.isChecked()
    assert win.pages.currentWidget() is win.library_split
    assert win.reader.isVisible()
    for hidden in (win.sidebar, win.table, win.details):
        assert not hidden.isVisible()
    qtbot.waitUntil(lambda: win.reader.width() >= 0.9 * win.centralWidget().width())
    qtbot.keyClick(win.reader, Qt.Key.Key_Escape)  # Esc leaves it
    assert not win.reader_only
    for shown in (win.sidebar, win.list_area, win.details):
        assert shown.isVisible()
    assert [s.sizes() for s in (win.main_split, win.library_split, win.reader_split)] == sizes

    win.act_reader_only.trigger()  # View › Reader only, then quit in it
    win.close()
    assert str(qsettings.value("view/readerOnly")).lower() == "true"
    win2 = make_window(resume_queue=False)
    assert win2.reader_only and not win2.sidebar.isVisible() and not win2.list_area.isVisible()
    win2.act_reader_only.trigger()
    assert win2.sidebar.isVisible() and win2.list_area.isVisible() and win2.details.isVisible()
    assert win2.main_split.sizes()[0] == sizes[0][0]  # the normal layout came back as it was
