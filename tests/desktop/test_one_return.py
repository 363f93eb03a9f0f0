"""One Return accepts the tag and collection pop-ups, completion included (issue 22)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QInputDialog

from desktop.claim_dialog import TagsDialog
from storage.collection_store import CollectionOps
from storage.organize import Organizer

pytestmark = pytest.mark.gui


def _idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive() and not win.organize.busy,
                    timeout=30000)


@pytest.fixture
def win(qtbot, make_window, site_urls):
    win = make_window()
    dialog = win.open_add_dialog("\n".join(site_urls))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == len(site_urls), timeout=30000)
    _idle(qtbot, win)
    return win


def _dialog(qtbot, owner, kind):
    qtbot.waitUntil(lambda: isinstance(owner.dialog, kind) and owner.dialog.isVisible(),
                    timeout=20000)
    return owner.dialog


def test_one_return_takes_the_highlighted_tag_and_accepts(qtbot, win, archive):
    org = Organizer(archive)
    article_id = win.current_article_id()
    others = [i for i in archive.article_ids() if i != article_id]
    org.tag("spring", articles=others[:1])
    win.table.selectRow(win.model.row_of(article_id))
    win.act_tag.trigger()
    dialog = _dialog(qtbot, win.organizer, TagsDialog)
    field = dialog.field
    field.setFocus()
    qtbot.keyClicks(field, "spr")
    popup = field.tag_completer.popup()
    assert popup.isVisible()
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # (key events go to the open popup)
    with qtbot.waitSignal(win.organised, timeout=20000):
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.organizer.dialog is None, timeout=20000)  # closed
    assert org.tags_of("article", article_id) == ["spring"]


def test_one_return_accepts_a_typed_tag_while_names_are_offered(qtbot, win, archive):
    org = Organizer(archive)
    article_id = win.current_article_id()
    org.tag("spring", articles=[i for i in archive.article_ids() if i != article_id][:1])
    win.table.selectRow(win.model.row_of(article_id))
    win.act_tag.trigger()
    dialog = _dialog(qtbot, win.organizer, TagsDialog)
    dialog.field.setFocus()
    qtbot.keyClicks(dialog.field, "sp")  # a new tag "sp": nothing highlighted
    popup = dialog.field.tag_completer.popup()
    assert popup.isVisible()
    with qtbot.waitSignal(win.organised, timeout=20000):
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert org.tags_of("article", article_id) == ["sp"]


def test_one_return_takes_the_completed_collection_and_accepts(qtbot, win, archive):
    ids = archive.article_ids()
    ops = CollectionOps(archive)
    ops.create_collection("Bridge file")
    ops.add_to_collection("Bridge file", articles=ids[1:2])
    win.refresh_library()
    _idle(qtbot, win)
    qtbot.waitUntil(lambda: win.sidebar.names("collection") == ["Bridge file"], timeout=20000)
    win.table.selectRow(0)
    article_id = win.current_article_id()
    win.act_collect.trigger()  # Ctrl+K
    dialog = _dialog(qtbot, win.organizer, QInputDialog)
    combo = dialog.findChild(QComboBox)
    combo.setFocus()
    qtbot.keyClicks(combo, "Bri")
    assert combo.currentText() == "Bridge file"  # inline completion
    with qtbot.waitSignal(win.organised, timeout=20000):
        qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.organizer.dialog is None, timeout=20000)  # closed
    assert [c.name for c in ops.collections()] == ["Bridge file"]
    assert article_id in ops.article_ids_in_collection("Bridge file")
