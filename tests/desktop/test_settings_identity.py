"""Issue 22, "Settings and identity": per-archive settings kept in the archive, the
user's settings file under ``CUTTINGS_HOME``, which archive a window is about, real
paths in the Settings dialog, the whole SHA-256 in the Capture tab, and the Export
dialog's remembered format and folder (per archive). Real widgets, real archives."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QTextEdit

from capture.settings import ARCHIVE, USER, Settings
from desktop.main_window import MainWindow
from desktop.settings_dialog import SettingsDialog
from desktop.settings_store import app_qsettings, load_settings, save_settings
from storage.archive import Archive
from storage.archive_settings import ArchivePreferences
from storage.paths import archive_identity, default_db_path

pytestmark = pytest.mark.gui


def _window(qtbot, archive: Archive, qs: QSettings, settings: Settings | None = None
            ) -> MainWindow:
    prefs = ArchivePreferences(archive)
    settings = settings or load_settings(qs, archive=prefs)
    win = MainWindow(archive, settings, qs, resume_queue=False, archive_prefs=prefs)
    qtbot.addWidget(win)
    win.show()
    return win


# ---- 1. settings: the archive's in the archive, the user's in the user's file --------------
def test_two_archives_do_not_share_allow_local_network(qtbot, tmp_path: Path) -> None:
    qs = app_qsettings()
    a = Archive.open(str(tmp_path / "a" / "a.db"))
    b = Archive.open(str(tmp_path / "b" / "b.db"))
    try:
        win_a = _window(qtbot, a, qs)
        assert win_a.settings.allow_local_network is False
        win_a.apply_settings(win_a.settings.with_values(allow_local_network=True, workers=5))
        win_a.close()
        # b, opened after a changed its policy, keeps its own (the default) ...
        win_b = _window(qtbot, b, app_qsettings())
        assert win_b.settings.allow_local_network is False
        assert win_b.settings.workers == Settings().workers
        win_b.close()
        # ... and a keeps what it was given, read back from the archive itself.
        assert load_settings(app_qsettings(), archive=ArchivePreferences(a)) \
            .allow_local_network is True
        assert load_settings(app_qsettings(), archive=ArchivePreferences(b)) \
            .allow_local_network is False
    finally:
        a.close()
        b.close()
    # It is stored in the archive: a fresh process reading the file sees it.
    reopened = Archive.open(str(tmp_path / "a" / "a.db"))
    try:
        assert ArchivePreferences(reopened).setting_values()["allow_local_network"] is True
    finally:
        reopened.close()


def test_every_setting_declares_a_scope_and_only_user_settings_reach_the_user_file(
        tmp_path: Path) -> None:
    scopes = {meta.get("scope") for _n, _t, _d, meta in Settings.declarations()}
    assert scopes == {ARCHIVE, USER}
    assert "archive" in Settings.names(USER)
    assert {"allow_local_network", "workers", "user_agent", "download_images",
            "max_page_mb"} <= set(Settings.names(ARCHIVE))
    qs = QSettings(str(tmp_path / "user.ini"), QSettings.Format.IniFormat)
    archive = Archive.open(str(tmp_path / "x.db"))
    try:
        prefs = ArchivePreferences(archive)
        save_settings(qs, Settings(archive=str(tmp_path / "x.db"), allow_local_network=True,
                                   user_agent="Desk/1"), prefs)
    finally:
        archive.close()
    qs.sync()
    text = (tmp_path / "user.ini").read_text()
    assert "x.db" in text
    assert "allow_local_network" not in text and "Desk/1" not in text


def test_cuttings_home_redirects_the_user_settings_file(tmp_path: Path) -> None:
    home = Path(os.environ["CUTTINGS_HOME"])  # (set to a temporary folder by conftest)
    qs = app_qsettings()
    assert Path(qs.fileName()).resolve().is_relative_to(home.resolve())
    qs.setValue("settings/archive", "/somewhere/else.db")
    qs.sync()
    assert "else.db" in (home / "settings.ini").read_text()


def test_old_global_values_become_the_values_of_an_archive_opened_first(tmp_path: Path
                                                                         ) -> None:
    qs = app_qsettings()  # what Cuttings before per-archive settings left in the file
    qs.setValue("settings/allow_local_network", True)
    qs.setValue("settings/workers", 5)
    qs.setValue("settings/user_agent", "Old/1")
    qs.sync()
    first = Archive.open(str(tmp_path / "first.db"))
    second = Archive.open(str(tmp_path / "second.db"))
    try:
        s1 = load_settings(qs, archive=ArchivePreferences(first))
        assert (s1.allow_local_network, s1.workers, s1.user_agent) == (True, 5, "Old/1")
        # stored in the archive at once: the archive has its own values from now on
        assert ArchivePreferences(first).setting_values()["workers"] == 5
        prefs = ArchivePreferences(first)
        save_settings(qs, s1.with_values(workers=9, allow_local_network=False), prefs)
        assert load_settings(qs, archive=ArchivePreferences(first)).workers == 9
        # another archive opened for the first time also starts from the old values
        s2 = load_settings(qs, archive=ArchivePreferences(second))
        assert (s2.allow_local_network, s2.workers) == (True, 5)
    finally:
        first.close()
        second.close()


def test_a_read_only_archive_keeps_its_settings_for_the_session(qtbot, tmp_path: Path
                                                                 ) -> None:
    path = tmp_path / "ro.db"
    Archive.open(str(path)).close()
    archive = Archive.open(str(path), readonly=True)
    try:
        win = _window(qtbot, archive, app_qsettings())
        win.apply_settings(win.settings.with_values(workers=4))
        assert win.settings.workers == 4
        assert "read-only" in win.status_label.text()
        win.close()
    finally:
        archive.close()


# ---- 2. which archive is open ---------------------------------------------------------------
def test_the_window_and_its_dialogs_name_the_archive(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "leak-story" / "bridge.db"
    archive = Archive.open(str(path))
    try:
        win = _window(qtbot, archive, app_qsettings())
        assert win.windowTitle().startswith("bridge.db (")
        assert "leak-story" in win.windowTitle() and win.windowTitle().endswith("Cuttings")
        badge = win.statusBar().findChild(QLabel, "archiveBadge")
        assert badge is not None and badge.text() == "bridge.db"
        assert str(path) in badge.toolTip()
        export = win.open_export()
        assert "bridge.db" in export.windowTitle()
        export.reject()
        dialog = SettingsDialog(win.settings, win, archive=archive)
        assert "bridge.db" in dialog.windowTitle()
        win.close()
    finally:
        archive.close()


def test_a_server_archive_is_named_by_database_and_host_never_password() -> None:
    ident = archive_identity("postgresql://ana:s3cr3t@db.newsroom.example:5433/cuttings"
                             "?sslmode=require")
    assert ident.title == "cuttings on db.newsroom.example:5433"
    assert "s3cr3t" not in ident.full and "s3cr3t" not in ident.title
    assert "s3cr3t" not in archive_identity("postgresql:///cut?password=s3cr3t").full


# ---- 3. real paths in the Settings dialog ------------------------------------------------------
def test_settings_dialog_shows_real_paths_and_which_settings_are_whose(qtbot, tmp_path: Path
                                                                        ) -> None:
    archive = Archive.open(str(tmp_path / "mine.db"))
    try:
        dialog = SettingsDialog(Settings(), archive=archive, user_file="/x/settings.ini")
        qtbot.addWidget(dialog)
        shown = {label.objectName(): label for label in dialog.findChildren(QLabel)}
        default = shown["defaultArchivePath"]
        assert default.text() == str(default_db_path())
        assert default.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
        assert shown["archiveInUsePath"].text() == str(tmp_path / "mine.db")
        assert shown["userSettingsPath"].text() == "/x/settings.ini"
        assert "mine.db" in shown[f"scopeHeading_{ARCHIVE}"].text()
        assert "your user data" not in dialog.editors["archive"].placeholderText()
        assert str(default_db_path()) in dialog.editors["archive"].placeholderText()
        # each editor sits in the group box of its scope
        for name, editor in dialog.editors.items():
            box = editor.parent()
            while box is not None and not isinstance(box, QGroupBox):
                box = box.parent()
            assert box is not None, name
            assert box.objectName().startswith(f"settingsGroup_{dialog.scope_of[name]}_"), name
        check = dialog.editors["allow_local_network"]
        assert isinstance(check, QCheckBox)
        assert dialog.scope_of["allow_local_network"] == ARCHIVE
    finally:
        archive.close()


# ---- 4. the whole SHA-256 ----------------------------------------------------------------------
def test_capture_tab_shows_the_whole_sha256_selectable(qtbot, tmp_path: Path) -> None:
    from intake.pipeline import import_html_file

    page = tmp_path / "saved.html"
    page.write_bytes(b"<html><head><title>Harbour vote</title></head><body><article>"
                     + b"<p>The council delayed the vote on the bridge repairs again.</p>" * 20
                     + b"</article></body></html>")
    digest = hashlib.sha256(page.read_bytes()).hexdigest()
    archive = Archive.open(str(tmp_path / "a.db"))
    try:
        stored = import_html_file(archive, page, "https://news.example/harbour")
        win = _window(qtbot, archive, app_qsettings())
        win.resize(900, 700)
        with qtbot.waitSignal(win.article_loaded, timeout=20000):
            win.open_article(stored.article_id)
        win.details.setCurrentIndex(win.details.count() - 1)
        sha = win.details.findChild(QTextEdit, "captureSha256")
        assert sha is not None and sha.isVisible()
        assert sha.toPlainText() == digest
        assert sha.isReadOnly()
        flags = sha.textInteractionFlags()
        assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
        assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
        assert sha.font().fixedPitch() or sha.font().styleHint() == sha.font().StyleHint.Monospace
        # whole: no scrolling needed, however narrow the panel (it wraps instead)
        for width in (260, 700):
            sha.resize(width, sha.height())
            qtbot.waitUntil(lambda: sha.verticalScrollBar().maximum() == 0, timeout=5000)
            assert sha.horizontalScrollBar().maximum() == 0
        # copying gives the whole value, without the visual line breaks
        sha.selectAll()
        sha.copy()
        assert QGuiApplication.clipboard().text() == digest
        win.close()
    finally:
        archive.close()


# ---- 5. the Export dialog remembers its format and folder, per archive ----------------------------
def test_export_dialog_remembers_format_and_folder_per_archive(qtbot, tmp_path: Path) -> None:
    a = Archive.open(str(tmp_path / "a.db"))
    b = Archive.open(str(tmp_path / "b.db"))
    try:
        win = _window(qtbot, a, app_qsettings())
        first = win.open_export()
        first.format.setCurrentIndex(first.format.findData("md"))
        folder = tmp_path / "exports"
        folder.mkdir()
        first.path.setText(str(folder / "dossier.md"))
        with qtbot.waitSignal(win.export_finished, timeout=20000):
            first.accept()
        again = win.open_export()
        assert again.format.currentData() == "md"
        assert Path(again.path.text()).parent == folder
        assert again.path.text().endswith(".md")
        again.reject()
        win.close()
        # a fresh window on the same archive remembers it too (kept in the archive)
        win2 = _window(qtbot, a, app_qsettings())
        third = win2.open_export()
        assert third.format.currentData() == "md"
        assert Path(third.path.text()).parent == folder
        third.reject()
        win2.close()
        # another archive does not get a's choice
        other = _window(qtbot, b, app_qsettings())
        fourth = other.open_export()
        assert fourth.format.currentData() != "md"
        assert Path(fourth.path.text()).parent != folder
        fourth.reject()
        other.close()
    finally:
        a.close()
        b.close()


# ---- the real start-up path: run_gui opens the archive and applies its own settings ----------
_APP = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop.app import run_gui
from desktop.main_window import MainWindow

app = QApplication(sys.argv[:1])
seen = {}

def inspect():
    wins = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if wins:
        poll.stop()
        seen.update(allow=wins[0].settings.allow_local_network,
                    workers=wins[0].settings.workers, title=wins[0].windowTitle())
        wins[0].close()
        app.quit()

poll = QTimer()
poll.timeout.connect(inspect)
poll.start(20)
code = run_gui(sys.argv[1], {})
print(json.dumps(dict(seen, code=code)))
"""


def _run_app_on(path: Path) -> dict[str, object]:
    """Start the real app (``run_gui``, as ``cuttings --db PATH`` does) in a fresh process
    and report the settings and title of its window."""
    import json

    from tests.reliability.helpers import run_python

    proc = run_python(_APP, str(path), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_app_opens_each_archive_with_its_own_settings(tmp_path: Path) -> None:
    a, b = tmp_path / "intranet.db", tmp_path / "public.db"
    with Archive.open(str(a)) as arch:
        ArchivePreferences(arch).store_settings({"allow_local_network": True, "workers": 3})
    Archive.open(str(b)).close()
    seen_a, seen_b = _run_app_on(a), _run_app_on(b)
    assert (seen_a["allow"], seen_a["workers"], seen_a["code"]) == (True, 3, 0)
    assert (seen_b["allow"], seen_b["workers"]) == (False, Settings().workers)
    assert str(seen_a["title"]).startswith("intranet.db (")
    assert str(seen_b["title"]).startswith("public.db (")
    # the user's settings file went where CUTTINGS_HOME says, not to the platform's place
    assert (Path(os.environ["CUTTINGS_HOME"]) / "settings.ini").exists()
