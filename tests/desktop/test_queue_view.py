"""The capture queue view (issue 22): new rows come into view without fighting a user
who scrolled elsewhere, and captured rows keep their titles after a reload."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractSlider

from desktop.queue_panel import COL_DETAILS, COL_URL

pytestmark = pytest.mark.gui


def _visible(view, row: int) -> bool:
    rect = view.visualRect(view.model().index(row, COL_URL))
    return rect.isValid() and view.viewport().rect().intersects(rect)


def _idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive(), timeout=30000)


def test_added_links_scroll_into_view_but_not_against_the_user(qtbot, make_window, archive,
                                                               httpserver):
    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    archive.enqueue([httpserver.url_for(f"/gone?n={i}") for i in range(80)])
    win = make_window(resume_queue=False)
    panel = win.queue_panel
    win.sidebar.choose("queue")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 80, timeout=20000)
    assert _visible(panel.view, 0) and not _visible(panel.view, 79)

    dialog = win.open_add_dialog("\n".join(httpserver.url_for(f"/gone?new={i}")
                                           for i in range(3)))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 83, timeout=20000)
    _idle(qtbot, win)
    assert all(_visible(panel.view, r) for r in (80, 81, 82))  # the new rows are on screen

    # The user scrolls back to the top to read the first rows; a reload or links queued
    # from elsewhere (another process) do not pull the view away.
    bar = panel.view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    assert bar.value() == 0
    archive.enqueue([httpserver.url_for("/gone?elsewhere=1")])
    with qtbot.waitSignal(panel.model.rowsInserted, timeout=20000):
        panel.reload()
    _idle(qtbot, win)
    assert panel.model.rowCount() == 84
    assert bar.value() == 0 and _visible(panel.view, 0)

    # Adding links again is a new request: they are shown.
    dialog = win.open_add_dialog(httpserver.url_for("/gone?again=1"))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 85, timeout=20000)
    _idle(qtbot, win)
    assert _visible(panel.view, 84)


def test_titles_stay_in_the_details_column_after_a_reload(qtbot, make_window, site_urls,
                                                          qsettings, archive, settings):
    win = make_window()
    dialog = win.open_add_dialog(site_urls[0])
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    panel = win.queue_panel
    qtbot.waitUntil(lambda: [j.state for j in panel.model.jobs()] == ["done"], timeout=30000)
    _idle(qtbot, win)
    title = archive.article(archive.article_ids()[0])["title"]
    assert title

    def details() -> str:
        return panel.model.index(0, COL_DETAILS).data()

    assert title in details()
    with qtbot.waitSignal(panel.model.dataChanged, timeout=20000):
        panel.reload()
    assert title in details() and "double-click to read" in details()
    win.close()

    # A new window (the next start) names the capture too.
    win2 = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win2.queue_panel.model.rowCount() == 1, timeout=20000)
    assert title in win2.queue_panel.model.index(0, COL_DETAILS).data()


def test_reload_patches_rows_in_place(qtbot):
    """Removed rows go, new ones come, the others stay the same rows (a persistent
    index, i.e. the selection and the scroll position, follows its job)."""
    from datetime import UTC, datetime

    from PySide6.QtCore import QPersistentModelIndex

    from desktop.queue_panel import JobsModel
    from storage.archive import JobInfo

    now = datetime.now(UTC)

    def jobs(ids, state="queued"):
        return [JobInfo(i, f"https://a.example/{i}", state, 0, None, None, None, False, now)
                for i in ids]

    model = JobsModel()
    assert model.set_jobs(jobs([1, 2, 3, 4, 5])) == [1, 2, 3, 4, 5]
    kept = QPersistentModelIndex(model.index(3, COL_URL))  # job 4
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    assert model.set_jobs(jobs([2, 4, 6, 7])) == [6, 7]
    assert [j.id for j in model.jobs()] == [2, 4, 6, 7]
    assert kept.isValid() and kept.row() == 1 and kept.data() == "https://a.example/4"
    assert resets == []
    assert model.row_of(7) == 3 and model.row_of(1) == -1
