"""J3 in the window: a damaged search index is shown as such, never as a damaged archive,
and "Rebuild search index" mends it in the background; searches work again after."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from capture.extract import extract
from storage.archive import Archive
from tests.support.captures import fetched
from tests.support.fixture_site import article_html


def _fill(archive: Archive, n: int = 12) -> None:
    for i in range(n):
        url = f"https://ledger.example/news/{i}"
        html = article_html(i)
        archive.store_capture(fetched(url, html.encode()), extract(html, url))


def _damage_index(archive: Archive) -> None:
    con = sqlite3.connect(archive.db.engine.url.database)
    try:
        for rowid, block in con.execute(
                "SELECT id, block FROM articles_fts_data WHERE id > 10").fetchall():
            con.execute("UPDATE articles_fts_data SET block = ? WHERE id = ?",
                        (bytes(b ^ 0x5A for b in block), rowid))
        con.commit()
    finally:
        con.close()


def test_damaged_index_banner_and_rebuild(qtbot, make_window, archive) -> None:
    _fill(archive)
    _damage_index(archive)
    win = make_window()
    qtbot.waitUntil(lambda: win.runner.in_flight == 0, timeout=20000)
    banner = win.index_banner
    with qtbot.waitSignal(banner.checked, timeout=20000) as checked:
        assert banner.start(win.archive, win.runner)
    assert checked.args == [False]
    assert banner.isVisible() and not win.damage_banner.isVisible()
    assert "search index is damaged" in banner.label.text()
    assert "articles" in banner.label.text() and "backup" not in banner.label.text()
    assert banner.button.isEnabled() and banner.button.text() == "Rebuild search index"

    # a search meets the damage: a clear message in the panel, no traceback dialog
    with qtbot.waitSignal(win.search.results, timeout=20000) as found:
        win.search_field.setText("council")
        win.search.run_now()
    assert found.args[0].damaged and not found.args[0].hits
    assert "Rebuild search index" in win.search_panel.status.text()

    # the action: rebuilt off the GUI thread, the banner goes, the search runs again
    with qtbot.waitSignal(banner.rebuilt, timeout=30000) as rebuilt, \
            qtbot.waitSignal(win.search.results, timeout=30000) as again:
        qtbot.mouseClick(banner.button, Qt.MouseButton.LeftButton)
    assert rebuilt.args == [True]
    assert not banner.isVisible()
    assert again.args[0].error is None and len(again.args[0].hits) >= 12
    assert win.act_rebuild_index.text().replace("&", "") == "Rebuild search index"


def test_healthy_index_shows_no_banner(qtbot, make_window, archive) -> None:
    _fill(archive, 3)
    win = make_window()
    qtbot.waitUntil(lambda: win.runner.in_flight == 0, timeout=20000)
    with qtbot.waitSignal(win.index_banner.checked, timeout=20000) as checked:
        win.index_banner.start(win.archive, win.runner)
    assert checked.args == [True] and not win.index_banner.isVisible()
