"""Export a collection from the Export dialog and import it back (issue 7, in the window)."""

from __future__ import annotations

import json
import zipfile

import pytest
from PySide6.QtCore import QSettings

from desktop.main_window import MainWindow
from storage.archive import Archive
from storage.organize import Organizer

pytestmark = pytest.mark.gui


def _idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive(), timeout=20000)


def test_export_a_collection_from_the_dialog_and_import_it(qtbot, make_window, archive,
                                                          site_urls, tmp_path, settings):
    win = make_window()
    dialog = win.open_add_dialog("\n".join(site_urls))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 3, timeout=20000)
    _idle(qtbot, win)
    ids = archive.article_ids()
    org = Organizer(archive)
    org.create_collection("Bridge file")
    org.add_to_collection("Bridge file", articles=ids[:2])
    org.tag("to-check", articles=ids[:1])
    body = archive.article(ids[0])["text"]
    org.add_claim(ids[0], body.split(".")[0][:60], verdict="disputed")
    win.refresh_library()
    _idle(qtbot, win)

    export = win.open_export()
    assert export.scope_collection.isEnabled()
    assert export.collection.currentText() == "Bridge file"
    with qtbot.waitSignal(export.counted, timeout=10000):
        export.scope_collection.click()
    assert export.counts.text().startswith("2 articles")
    # leaving out what is not wanted changes what is counted
    with qtbot.waitSignal(export.counted, timeout=10000):
        export.includes["images"].setChecked(False)
    assert "images" not in export.counts.text()
    export.format.setCurrentIndex(export.format.findData("zip"))
    target = tmp_path / "bridge-file.zip"
    export.path.setText(str(target))
    assert export.choice() == ("zip", None, target)
    assert export.selection().collection == "Bridge file"
    with qtbot.waitSignal(win.export_finished, timeout=20000):
        export.accept()
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        data = json.loads(z.read(next(n for n in names if n.endswith(".json")
                                      and "manifest" not in n)))
    assert len(data["articles"]) == 2
    assert not any(n.startswith("images/") for n in names)
    assert "2 articles" in win.status_label.text()

    # File > Import into another archive: a report of what was added, merged, skipped
    other = Archive.open(str(tmp_path / "other.db"))
    try:
        qs = QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
        win2 = MainWindow(other, settings, qs, resume_queue=False)
        qtbot.addWidget(win2)
        win2.show()
        _idle(qtbot, win2)
        with qtbot.waitSignal(win2.transfer.imported, timeout=20000) as got:
            win2.import_archive_file(str(target))
        report = got.args[0]
        assert report.added.get("articles") == 2
        box = win2.transfer.report_box
        assert box.isVisible() and "Added: " in box.informativeText()
        assert "2 articles" in box.informativeText()
        qtbot.waitUntil(lambda: win2.model.total == 2, timeout=10000)
        assert Organizer(other).article_ids_in_collection("Bridge file")
        box.close()
        # the same file again: merged or skipped, nothing added twice
        with qtbot.waitSignal(win2.transfer.imported, timeout=20000) as again:
            win2.import_archive_file(str(target))
        assert again.args[0].added.get("articles", 0) == 0
        assert "Skipped: " in win2.transfer.report_box.informativeText()
        # a file that is not an export: refused, with a message naming the problem
        junk = tmp_path / "junk.zip"
        junk.write_bytes(b"PK\x03\x04 not really a zip")
        win2.import_archive_file(str(junk))
        qtbot.waitUntil(lambda: "Could not import junk.zip" in win2.status_label.text(),
                        timeout=10000)
        assert win2.model.total == 2
        # a list of links goes to the capture queue, and the box says so (capture starts at
        # once: the hosts are under the reserved .example domain, which answers "not found")
        links = tmp_path / "links.txt"
        links.write_text("https://courier.example/2026/04/ferry-fares\n"
                         "not a link\nhttps://ledger.example/2026/04/orchard-aid\n",
                         encoding="utf-8")
        with qtbot.waitSignal(win2.transfer.imported, timeout=20000) as queued:
            win2.import_archive_file(str(links))
        assert queued.args[0].queued == 2
        assert "2 link(s) queued for capture" in win2.transfer.report_box.informativeText()
        qtbot.waitUntil(lambda: len(win2.queue_panel.model.jobs()) == 2, timeout=10000)
        win2.close()
    finally:
        other.close()
