"""File › Import of a browser's bookmark file: the report box names the folders kept as
tags and the dates kept, and the links land in the capture queue with them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui

CHROME = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
    <DT><H3 ADD_DATE="1690000000" PERSONAL_TOOLBAR_FOLDER="true">Bookmarks bar</H3>
    <DL><p>
        <DT><H3 ADD_DATE="1690000200">Politics</H3>
        <DL><p>
            <DT><A HREF="https://ledger.example/budget" ADD_DATE="1690000100">Budget</A>
            <DT><H3>Elections 2026</H3>
            <DL><p>
                <DT><A HREF="https://herald.example/poll" ADD_DATE="1690000400">Poll</A>
            </DL><p>
        </DL><p>
        <DT><A HREF="https://post.example/ferry">Ferry</A>
    </DL><p>
</DL><p>
"""


def test_bookmark_import_reports_folders_and_dates(qtbot, make_window, archive, tmp_path):
    win = make_window()
    marks = tmp_path / "bookmarks.html"
    marks.write_text(CHROME, encoding="utf-8")
    with qtbot.waitSignal(win.transfer.imported, timeout=20000) as done:
        win.import_archive_file(str(marks))
    assert done.args[0].queued == 3
    text = win.transfer.report_box.informativeText()
    assert "3 link(s) queued for capture" in text
    assert "Folders kept as tags: Politics, Elections 2026." in text
    assert "2 with the date they were bookmarked" in text
    qtbot.waitUntil(lambda: len(win.queue_panel.model.jobs()) == 3, timeout=10000)
    # (the window starts capturing at once: the job may be queued, running or done by now)
    poll = next(j for j in archive.jobs() if j.url == "https://herald.example/poll")
    assert poll.tags == ("Politics", "Elections 2026")
    win.close()


def test_import_url_list_hands_a_browser_export_to_the_import(qtbot, make_window, archive,
                                                             tmp_path):
    """File › Import URL list used to open the Add links dialog with the addresses only:
    the folders and dates were lost on the way."""
    win = make_window()
    marks = tmp_path / "bookmarks.html"
    marks.write_text(CHROME, encoding="utf-8")
    with qtbot.waitSignal(win.transfer.imported, timeout=20000) as done:
        win.import_url_list(str(marks))
    assert done.args[0].kind == "bookmarks" and done.args[0].queued == 3
    assert getattr(win, "add_dialog", None) is None  # no Add links dialog opened
    budget = next(j for j in archive.jobs()  # queued, or already being captured
                  if j.url == "https://ledger.example/budget")
    assert budget.tags == ("Politics",) and budget.bookmarked_at is not None
    win.close()


def test_imported_links_are_captured_without_another_step(qtbot, make_window, tmp_path):
    """Seen under Xvfb: the report said "3 link(s) queued for capture" and the queue
    sat at "waiting" until the next start of Cuttings. The import starts the batch."""
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win.runner.in_flight == 0, timeout=20000)
    assert not win.controller.running
    marks = tmp_path / "bookmarks.html"
    marks.write_text(CHROME, encoding="utf-8")
    with qtbot.waitSignals([win.transfer.imported, win.controller.batch_started],
                           timeout=20000):
        win.import_archive_file(str(marks))
    win.controller.stop()
    qtbot.waitUntil(lambda: not win.controller.running, timeout=30000)
