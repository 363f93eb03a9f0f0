"""Every column of the library starts wide enough for its name and the sort arrow: seen
under Xvfb, the arrow of "Quotes" was drawn over its last letter (issue 22)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from desktop.style import apply_style

pytestmark = pytest.mark.gui


def test_library_headers_fit_name_and_sort_arrow(qtbot, make_window) -> None:
    app = QApplication.instance()
    before = (app.font(), app.palette(), app.styleSheet(), app.style().name())
    apply_style(app)  # the window's real font and style sheet, as `cuttings` has them
    try:
        win = make_window(resume_queue=False)
        header = win.table.horizontalHeader()
        assert header.isSortIndicatorShown()
        for col in range(win.model.columnCount()):
            if header.sectionResizeMode(col) == header.ResizeMode.Stretch:
                continue
            name = win.model.headerData(col, header.orientation())
            assert header.sectionSize(col) >= header.sectionSizeHint(col), name
        win.close()
    finally:
        app.setFont(before[0])
        app.setPalette(before[1])
        app.setStyleSheet(before[2])
        app.setStyle(before[3])
