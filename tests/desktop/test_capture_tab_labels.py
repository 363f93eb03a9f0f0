"""The Capture tab's field names are whole ("Earlier captures", not "Earlier …"): seen
under Xvfb, the Field column was narrower than its longest name (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from desktop.settings_store import app_qsettings
from desktop.style import apply_style
from storage.archive import Archive
from tests.desktop.test_settings_identity import _window

pytestmark = pytest.mark.gui


def test_capture_tab_field_names_are_not_elided(qtbot, tmp_path: Path) -> None:
    from intake.pipeline import import_html_file

    page = tmp_path / "saved.html"
    page.write_bytes(b"<html><head><title>Harbour vote</title></head><body><article>"
                     + b"<p>The council delayed the vote on the bridge repairs again.</p>" * 20
                     + b"</article></body></html>")
    app = QApplication.instance()
    before = (app.font(), app.palette(), app.styleSheet(), app.style().name())
    apply_style(app)  # the window's real font and style sheet, as `cuttings` has them
    archive = Archive.open(str(tmp_path / "a.db"))
    try:
        stored = import_html_file(archive, page, "https://news.example/harbour")
        win = _window(qtbot, archive, app_qsettings())
        with qtbot.waitSignal(win.article_loaded, timeout=20000):
            win.open_article(stored.article_id)
        win.details.setCurrentIndex(win.details.count() - 1)  # Capture
        tree = win.details.capture
        qtbot.waitUntil(tree.isVisible, timeout=5000)
        names = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
        assert "Earlier captures" in names
        for i in range(tree.topLevelItemCount()):
            item = tree.topLevelItem(i)
            rect = tree.visualItemRect(item)  # column 0 of the row
            room = tree.header().sectionSize(0) - (rect.left() - tree.header().sectionPosition(0))
            need = tree.fontMetrics().horizontalAdvance(item.text(0)) + 2 * tree.style().pixelMetric(
                tree.style().PixelMetric.PM_FocusFrameHMargin) + 4
            assert need <= room, (item.text(0), need, room)
        win.close()
    finally:
        archive.close()
        app.setFont(before[0])
        app.setPalette(before[1])
        app.setStyleSheet(before[2])
        app.setStyle(before[3])
