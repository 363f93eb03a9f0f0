"""The article table: Authors and Quotes sort on a header click; Tags, which cannot
sort fast, never shows the arrow (issue 22)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import insert

from desktop.article_model import COL_AUTHORS, COL_CAPTURED, COL_QUOTES, COL_TAGS
from storage.models import Article, Quote

pytestmark = pytest.mark.gui

ROWS = [("a", ["Bea Lund"], 2), ("b", ["ana Holt"], 0), ("c", [], 5), ("d", ["Carl Berg"], 1)]


@pytest.fixture
def win(qtbot, make_window, archive):
    with archive.db.writer() as s:
        for path, authors, quotes in ROWS:
            url = f"https://paper.example/{path}"
            aid = s.execute(insert(Article).values(
                canonical_url=url, url=url, site="paper.example", title=path, text="",
                authors=authors).returning(Article.id)).scalar_one()
            for i in range(quotes):
                s.execute(insert(Quote).values(article_id=aid, text=f"q{i}", speaker="X"))
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win.model.total == 4, timeout=20000)
    return win


def _click_header(qtbot, win, column: int) -> None:
    header = win.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def _titles(win) -> list[str]:
    return [win.model.row_at(i).title for i in range(win.model.rowCount())]


def test_authors_and_quotes_sort_tags_shows_no_arrow(qtbot, win):
    header = win.table.horizontalHeader()
    with qtbot.waitSignal(win.model.reloaded, timeout=20000):
        _click_header(qtbot, win, COL_AUTHORS)
    ascending = _titles(win)
    assert header.sortIndicatorSection() == COL_AUTHORS
    with qtbot.waitSignal(win.model.reloaded, timeout=20000):
        _click_header(qtbot, win, COL_AUTHORS)
    descending = _titles(win)
    assert {tuple(ascending), tuple(descending)} == {("b", "a", "d", "c"), ("d", "a", "b", "c")}

    with qtbot.waitSignal(win.model.reloaded, timeout=20000):
        _click_header(qtbot, win, COL_QUOTES)
    quotes_order = _titles(win)
    assert quotes_order in (["c", "a", "d", "b"], ["b", "d", "a", "c"])
    assert header.sortIndicatorSection() == COL_QUOTES

    _click_header(qtbot, win, COL_TAGS)  # cannot sort: the arrow stays where the sort is
    assert header.sortIndicatorSection() == COL_QUOTES
    assert _titles(win) == quotes_order
    assert win.model.headerData(COL_TAGS, Qt.Orientation.Horizontal,
                                Qt.ItemDataRole.ToolTipRole) == "Tags (not sortable)"
    _click_header(qtbot, win, COL_CAPTURED)
    assert header.sortIndicatorSection() == COL_CAPTURED
