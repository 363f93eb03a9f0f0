"""The reader: text dragged inside it is not a drop of links; the keyboard selects
(issue 22)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextCursor

pytestmark = pytest.mark.gui


@pytest.fixture
def win(qtbot, make_window, site_urls):
    win = make_window()
    dialog = win.open_add_dialog(site_urls[0])
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.reader.article_id is not None, timeout=30000)
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0,
                    timeout=30000)
    win.add_dialog = None
    return win


def test_text_dragged_within_the_reader_is_not_a_drop_of_links(qtbot, win):
    reader = win.reader
    start = reader.body_text.index("the cost of the work")
    assert reader.show_range(start, start + 40)
    mime = reader.createMimeDataFromSelection()  # what a drag of the selection carries
    assert mime.hasText() and "the cost of the work" in mime.text()
    pos = QPoint(reader.width() // 2, reader.height() // 2)
    target = reader.viewport().mapTo(win, pos)
    enter = QDragEnterEvent(target, Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter)
    assert not enter.isAccepted()
    drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    win.dropEvent(drop)
    assert win.add_dialog is None  # no "Add links: no links found"


def test_shift_arrows_extend_a_selection_in_the_reader(qtbot, win):
    reader = win.reader
    offset = reader.body_text.index("the cost of the work")
    cursor = QTextCursor(reader.document())
    cursor.setPosition(reader._offsets(offset))
    reader.setTextCursor(cursor)
    reader.setFocus()
    for _ in range(8):
        qtbot.keyClick(reader, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert reader.textCursor().selectedText() == "the cost"
    qtbot.keyClick(reader, Qt.Key.Key_Right,
                   Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    assert reader.textCursor().selectedText() == "the cost "  # (to the next word)
    assert reader.selected_span() is not None and reader.selected_span()[0] == offset
