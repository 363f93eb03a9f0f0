"""Queue, dialogs, sidebar filters, settings, window state, lock: on real widgets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

from capture.settings import Settings
from desktop.app import AlreadyOpenError, acquire_instance_lock
from desktop.settings_dialog import SettingsDialog
from desktop.settings_store import load_settings, save_settings
from desktop.url_lists import read_url_list
from storage.archive import Archive
from storage.archive_settings import ArchivePreferences

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


def _wait_idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive(), timeout=20000)


def _add(qtbot, win, text, *, recapture=False):
    dialog = win.open_add_dialog(text)
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    if recapture:
        dialog.recapture.setChecked(True)
    return dialog


def test_dialog_reports_archived_and_offers_recapture(qtbot, make_window, site_urls, httpserver):
    win = make_window()
    dialog = _add(qtbot, win, site_urls[0])
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 1, timeout=20000)
    _wait_idle(qtbot, win)

    dialog = _add(qtbot, win, f"{site_urls[0]}?utm_source=newsletter\nexample.org/story")
    a = dialog.analysis
    assert len(a.archived) == 1 and "already captured on" in a.archived[0].message
    assert a.new == ["https://example.org/story"] and a.fixed
    assert dialog.recapture.isEnabled()
    assert dialog.urls_to_recapture() == []
    dialog.recapture.setChecked(True)
    assert dialog.urls_to_recapture() == [a.archived[0].url]
    assert dialog.capture_button.text() == "Capture 2 links"
    dialog.reject()

    # Recapture keeps one article with two captures.
    hits = len(httpserver.log)
    dialog = _add(qtbot, win, site_urls[0], recapture=True)
    assert dialog.urls_to_capture() == []
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: len(httpserver.log) > hits, timeout=10000)
    _wait_idle(qtbot, win)
    art = win.archive.article(win.archive.article_ids()[0])
    assert len(art["captures"]) == 2
    assert win.model.total == 1


def test_failed_capture_can_be_retried(qtbot, make_window, httpserver):
    httpserver.expect_oneshot_request("/flaky").respond_with_data("gone", status=503)
    httpserver.expect_request("/flaky").respond_with_data(
        "<html><head><title>Back again</title></head><body><article><h1>Back again</h1>"
        "<p>The ferry service resumed on Monday after a week of storms, the operator said. "
        "Passengers were asked to book in advance.</p></article></body></html>",
        content_type="text/html")
    win = make_window()
    dialog = _add(qtbot, win, httpserver.url_for("/flaky"))
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: [j.state for j in win.queue_panel.model.jobs()] == ["failed"],
                    timeout=20000)
    _wait_idle(qtbot, win)
    job = win.queue_panel.model.jobs()[0]
    assert "503" in (job.message or "")
    win.queue_panel.view.selectRow(0)
    assert win.queue_panel.retry_button.isEnabled()
    assert not win.queue_panel.cancel_button.isEnabled()
    win.queue_panel.retry_button.click()
    qtbot.waitUntil(lambda: [j.state for j in win.queue_panel.model.jobs()] == ["done"],
                    timeout=20000)
    _wait_idle(qtbot, win)
    assert win.model.total == 1


def test_queued_jobs_cancel_and_resume_at_start(qtbot, make_window, archive, site_urls):
    archive.enqueue(site_urls[:2])
    win = make_window(resume_queue=False)
    win.sidebar.choose("queue")
    assert win.pages.currentWidget() is win.queue_panel
    qtbot.waitUntil(lambda: win.queue_panel.model.rowCount() == 2, timeout=20000)
    win.queue_panel.view.selectRow(0)
    assert win.queue_panel.cancel_button.isEnabled()
    win.queue_panel.cancel_button.click()
    qtbot.waitUntil(lambda: win.queue_panel.model.jobs()[0].state == "cancelled", timeout=20000)
    win.close()

    # A new window resumes what is still queued.
    win2 = make_window()
    qtbot.waitUntil(lambda: win2.model.total == 1, timeout=20000)
    _wait_idle(qtbot, win2)
    states = sorted(j.state for j in win2.queue_panel.model.jobs())
    assert states == ["cancelled", "done"]


def test_speakers_and_outlets_filter_the_table(qtbot, make_window, site_urls):
    win = make_window()
    dialog = _add(qtbot, win, "\n".join(site_urls))
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 3, timeout=20000)
    _wait_idle(qtbot, win)
    speakers = win.sidebar.groups["speaker"]
    names = {speakers.child(i).text(0): speakers.child(i).text(1)
             for i in range(speakers.childCount())}
    assert names.get("Ines Vardy") == "3"  # quoted in two articles
    assert win.sidebar.choose("speaker", "Ines Vardy")
    qtbot.waitUntil(lambda: win.model.total == 2, timeout=20000)
    assert "Articles quoting Ines Vardy" in win.filter_banner.text()
    titles = {win.model.row_at(i).title for i in range(win.model.rowCount())}
    assert all("library" not in t.lower() for t in titles)
    assert win.sidebar.choose("outlet", "Reuters")
    qtbot.waitUntil(lambda: win.model.total == 1, timeout=20000)
    assert "Harbour Bridge" in win.model.row_at(0).title
    win.sidebar.choose("library")
    qtbot.waitUntil(lambda: win.model.total == 3, timeout=20000)
    assert not win.filter_banner.isVisible()


def test_search_field_lists_hits_and_opens_them(qtbot, make_window, site_urls):
    win = make_window()
    dialog = _add(qtbot, win, "\n".join(site_urls))
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 3, timeout=20000)
    _wait_idle(qtbot, win)
    with qtbot.waitSignal(win.search.results, timeout=20000):
        qtbot.keyClicks(win.search_field, "bearings")
    assert win.list_stack.currentWidget() is win.search_panel
    hits = win.search_panel.model.hits
    assert hits and any(h.kind == "quote" for h in hits)
    html = win.search_panel.model.index(0).data()
    assert "bearings" in html.lower() and "background-color" in html
    quote = next(h for h in hits if h.kind == "quote")
    with qtbot.waitSignal(win.article_loaded, timeout=20000):
        win.search_panel.hit_chosen.emit(quote)
    assert "bearings" in win.reader.textCursor().selectedText()
    win.search_field.clear()
    assert win.list_stack.currentWidget() is win.table



def test_search_results_load_further_pages_on_scrolling(qtbot, make_window, archive):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from storage.models import Article

    n = 230
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with archive.db.writer() as s:  # FTS triggers index these like captured articles
        s.execute(insert(Article), [
            {"canonical_url": f"https://paper.example/n/{i}", "url": f"https://paper.example/n/{i}",
             "site": "paper.example", "title": f"Ferry timetable change {i}", "authors": [],
             "publisher": "Paper", "text": f"The harbour ferry notice number {i} was posted.",
             "reader_html": "", "created_at": start + timedelta(minutes=i), "updated_at": start}
            for i in range(n)])
    win = make_window(resume_queue=False)
    with qtbot.waitSignal(win.search.results, timeout=20000):
        qtbot.keyClicks(win.search_field, "harbour")
    model, view = win.search_panel.model, win.search_panel.view
    assert len(model.hits) == 100 and model.total == n
    assert "100 of 230 results shown" in win.search_panel.status.text()
    for expected in (200, n):
        assert model.canFetchMore()
        with qtbot.waitSignal(win.search.more_results, timeout=20000):
            view.scrollToBottom()  # the view asks the model for more at the end
        assert len(model.hits) == expected
    assert len({(h.kind, h.id) for h in model.hits}) == n  # no hit twice
    assert not model.canFetchMore()
    assert win.search_panel.status.text().startswith("230 results")
    assert all("<mark>harbour</mark>" in h.snippet.lower() for h in model.hits)
    # A new search starts again from its first page.
    win.search_field.clear()
    with qtbot.waitSignal(win.search.results, timeout=20000):
        qtbot.keyClicks(win.search_field, "notice 17")
    assert 0 < len(model.hits) <= 100 and model.total == len(model.hits)
    assert not model.canFetchMore()

def test_paste_and_drop_open_the_dialog(qtbot, make_window):
    win = make_window(resume_queue=False)
    QGuiApplication.clipboard().setText("see https://paper.example/a/1 and https://paper.example/b")
    win.table.setFocus()
    win.act_paste.trigger()
    dialog = win.add_dialog
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    assert dialog.analysis.new == ["https://paper.example/a/1", "https://paper.example/b"]
    dialog.reject()

    mime = QMimeData()
    mime.setUrls([QUrl("https://paper.example/dropped"), QUrl("file:///etc/passwd")])
    drop = QDropEvent(QPointF(QPoint(50, 50)), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    win.dropEvent(drop)
    dialog = win.add_dialog
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    assert dialog.analysis.new == ["https://paper.example/dropped"]
    dialog.reject()


def test_url_list_and_bookmarks_files(tmp_path):
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(
        '<DL><p><DT><A HREF="https://a.example/1" '
        'ADD_DATE="1">One</A>\n<DT><A HREF="https://b.example/2?x=1&amp;y=2">Two</A></DL>',
        encoding="utf-8")
    assert read_url_list(bookmarks).splitlines() == ["https://a.example/1",
                                                    "https://b.example/2?x=1&y=2"]
    # a browser's export goes to the import instead, which keeps folders and dates
    exported = tmp_path / "exported.html"
    exported.write_text("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n" + bookmarks.read_text("utf-8"),
                        encoding="utf-8")
    assert read_url_list(exported) is None
    plain = tmp_path / "list.txt"
    plain.write_text("https://c.example/3\nnot a link\n", encoding="utf-8")
    assert "https://c.example/3" in read_url_list(plain)
    binary = tmp_path / "photo.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(ValueError, match="not a text file"):
        read_url_list(binary)


def test_settings_dialog_is_built_from_declarations(qtbot, tmp_path):
    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    dialog = SettingsDialog(Settings(), None)
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == {name for name, *_ in Settings.declarations()}
    dialog.editors["workers"].setValue(5)
    dialog.editors["allow_local_network"].setChecked(True)
    dialog.editors["total_deadline"].setValue(9999)  # clamped to the declared maximum
    edited = dialog.settings()
    assert edited.workers == 5 and edited.allow_local_network
    assert edited.total_deadline == 600
    archive = Archive.open(str(tmp_path / "a.db"))  # the archive keeps its own settings
    try:
        save_settings(qs, edited, ArchivePreferences(archive))
        again = load_settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                              archive=ArchivePreferences(archive))
        assert again == edited
        assert load_settings(qs, {"workers": 2}, archive=ArchivePreferences(archive)
                             ).workers == 2
    finally:
        archive.close()
    dialog.restore_defaults()
    assert dialog.settings() == Settings()


def test_window_state_is_remembered(qtbot, make_window, qsettings):
    win = make_window(resume_queue=False)
    win.table.horizontalHeader().resizeSection(0, 333)
    win.main_split.setSizes([300, 1000])
    win.close()
    assert qsettings.contains("window/geometry") and qsettings.contains("table/header")
    win2 = make_window(resume_queue=False)
    assert win2.table.horizontalHeader().sectionSize(0) == 333
    assert win2.main_split.sizes()[0] == 300


def test_second_instance_is_refused(tmp_path):
    db = tmp_path / "one.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from storage.instance_lock import WINDOW, acquire; "
         "l = acquire(sys.argv[1], WINDOW); "
         "print('READY', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    try:
        assert holder.stdout.readline().strip() == "READY"
        with pytest.raises(AlreadyOpenError, match="already open in another Cuttings window"):
            acquire_instance_lock("sqlite:///" + str(db))
    finally:
        holder.stdin.close()
        holder.wait(10)
    lock = acquire_instance_lock("sqlite:///" + str(db))  # free once the other one quit
    assert lock is not None
    lock.release()


def test_run_gui_opens_and_closes_the_window(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import desktop.app as app_module
    from desktop.main_window import MainWindow

    problems: list[str] = []
    monkeypatch.setattr(app_module, "_critical", lambda title, text: problems.append(title))
    seen: list[MainWindow] = []

    def close_window() -> None:  # polls: the window appears only once the event loop runs
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen.append(w)
                w.close()
                closer.stop()

    closer = QTimer()
    closer.setInterval(100)
    closer.timeout.connect(close_window)
    closer.start()
    assert app_module.run_gui(str(tmp_path / "gui.db"), {"workers": 2}) == 0
    assert problems == [] and len(seen) == 1
    assert seen[0].settings.workers == 2
    assert (tmp_path / "gui.db").exists()

    not_archive = tmp_path / "notes.db"
    not_archive.write_text("my notes", encoding="utf-8")
    assert app_module.run_gui(str(not_archive), {}) == 1
    assert problems == ["Cannot open the archive"]
    assert not_archive.read_text(encoding="utf-8") == "my notes"


def test_tags_and_collections_filter_the_table(qtbot, make_window, archive, site_urls):
    from storage.collection_store import CollectionOps
    from storage.tags import TagOps

    win = make_window()
    dialog = _add(qtbot, win, "\n".join(site_urls))
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 3, timeout=20000)
    _wait_idle(qtbot, win)
    ids = archive.article_ids()
    TagOps(archive).tag("port-alden", articles=ids[:2])
    ops = CollectionOps(archive)
    ops.create_collection("Bridge file")
    ops.add_to_collection("Bridge file", articles=ids[:1])
    win.refresh_library()
    _wait_idle(qtbot, win)
    tags = win.sidebar.groups["tag"]
    assert (tags.child(0).text(0), tags.child(0).text(1)) == ("port-alden", "2")
    assert win.sidebar.choose("tag", "port-alden")
    qtbot.waitUntil(lambda: win.model.total == 2, timeout=20000)
    assert win.model.index(0, 6).data() == "port-alden"
    assert win.sidebar.choose("collection", "Bridge file")
    qtbot.waitUntil(lambda: win.model.total == 1, timeout=20000)
    assert win.model.row_at(0).id == ids[0]


def test_tag_and_collect_from_the_window(qtbot, make_window, site_urls, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    win = make_window()
    dialog = _add(qtbot, win, site_urls[0])
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 1, timeout=20000)
    _wait_idle(qtbot, win)
    win.table.selectRow(0)
    with qtbot.waitSignal(win.organised, timeout=20000):
        win.tag_current("bridge money")
    # the row is re-read in the background
    qtbot.waitUntil(lambda: win.model.index(0, 6).data() == "bridge money", timeout=20000)
    with qtbot.waitSignal(win.organised, timeout=20000):
        win.collect_current("Port Alden file")  # created on first use
    _wait_idle(qtbot, win)
    assert win._names("tag") == ["bridge money"]
    assert win._names("collection") == ["Port Alden file"]
    with qtbot.waitSignal(win.organised, timeout=20000):
        win.collect_current("Port Alden file")  # adding again is harmless
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    win.reader.confirm_link = lambda _p, _u: True
    win.open_original()
    assert opened == [site_urls[0]]


def test_mark_a_claim_from_the_reader(qtbot, make_window, site_urls):
    win = make_window()
    dialog = _add(qtbot, win, site_urls[0])
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 1 and win.reader.article_id is not None,
                    timeout=20000)
    _wait_idle(qtbot, win)
    assert not win.mark_claim("disputed")  # nothing selected yet
    text = win.reader.body_text
    words = "the cost of the work had doubled to 48 million dollars"
    start = text.index(words)
    win.reader.show_range(start, start + len(words))
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        assert win.mark_claim("disputed", "the budget office says 41 million")
    claims = win.details.claims
    assert claims.topLevelItemCount() == 1
    assert claims.topLevelItem(0).text(0) == words
    assert claims.topLevelItem(0).text(1) == "disputed"
    assert win.reader.textCursor().selectedText() == words
