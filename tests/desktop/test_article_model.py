"""The article table pages rows from the archive instead of loading them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import insert

from desktop.article_model import COL_PUBLISHER, COL_TITLE, ArticleTableModel
from desktop.runner import Runner
from storage.models import Article

pytestmark = pytest.mark.gui

N = 5000


@pytest.fixture
def big_archive(archive):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"canonical_url": f"https://paper.example/a/{i}", "url": f"https://paper.example/a/{i}",
             "site": "paper.example", "title": f"Story number {i:05d}", "authors": ["A. Writer"],
             "publisher": f"Paper {i % 7}", "text": "", "reader_html": "",
             "created_at": start + timedelta(minutes=i), "updated_at": start}
            for i in range(N)]
    with archive.db.writer() as s:
        s.execute(insert(Article), rows)
    return archive


def test_rows_are_fetched_in_pages(qtbot, big_archive):
    runner = Runner()
    model = ArticleTableModel(big_archive, runner, page_size=200)
    with qtbot.waitSignal(model.reloaded, timeout=10000) as blocker:
        model.reload()
    assert blocker.args == [N]
    assert model.total == N
    assert model.rowCount() == 200
    assert model.canFetchMore(QModelIndex())
    # Newest capture first by default.
    assert model.index(0, COL_TITLE).data() == "\u2068Story number 04999\u2069"
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 400
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == N
    assert not model.canFetchMore(QModelIndex())
    runner.shutdown()


def test_sorting_requeries_ids(qtbot, big_archive):
    runner = Runner()
    model = ArticleTableModel(big_archive, runner, page_size=100)
    with qtbot.waitSignal(model.reloaded, timeout=10000):
        model.reload()
    with qtbot.waitSignal(model.reloaded, timeout=10000):
        model.sort(COL_TITLE, Qt.SortOrder.AscendingOrder)
    assert model.index(0, COL_TITLE).data() == "\u2068Story number 00000\u2069"
    assert model.rowCount() == 100
    with qtbot.waitSignal(model.reloaded, timeout=10000):
        model.sort(COL_PUBLISHER, Qt.SortOrder.DescendingOrder)
    assert model.index(0, COL_PUBLISHER).data() == "\u2068Paper 6\u2069"
    # Columns that the archive cannot sort by leave the order alone.
    model.sort(6, Qt.SortOrder.AscendingOrder)  # Tags
    assert model.sort_key == "publisher"
    runner.shutdown()


def test_window_opens_big_archive_with_one_page(qtbot, big_archive, make_window):
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win.model.total == N, timeout=10000)
    assert win.list_stack.currentWidget() is win.table
    assert win.model.rowCount() < N
    # Scrolling to the bottom fetches more rows on demand.
    loaded = win.model.rowCount()
    win.table.scrollToBottom()
    qtbot.waitUntil(lambda: win.model.rowCount() > loaded, timeout=20000)


def test_filter_keeps_the_table_order(archive):
    """Sidebar filters keep the sort order and never bind one SQL parameter per member."""
    from desktop.queries import _ordered
    from storage.models import Citation

    n = 1500
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with archive.db.writer() as s:
        s.execute(insert(Article), [
            {"canonical_url": f"https://w.example/{i}", "url": f"https://w.example/{i}",
             "site": "w.example", "title": f"T{i}", "authors": [], "text": "",
             "reader_html": "", "created_at": start + timedelta(seconds=i), "updated_at": start}
            for i in range(n + 10)])
        ids = list(s.scalars(Article.__table__.select().with_only_columns(Article.id)
                             .order_by(Article.id)))
        s.execute(insert(Citation), [{"article_id": i, "name": "Reuters", "kind": "attribution",
                                      "context": "", "mentions": []} for i in ids[:n]])
    query = _ordered(lambda a: a.article_ids_for(outlet="Reuters"))
    found = query(archive, "captured", True)
    assert len(found) == n
    assert found[0] == ids[n - 1]  # newest first
    assert query(archive, "title", False)[:3] == sorted(ids[:n], key=lambda i: f"T{i - 1}")[:3]
