"""Starting the desktop app: settings, the archive, the single-instance lock, the window.

The user's settings (``desktop.settings_store``) say which archive to open; once it is
open its own settings apply on top.

``run_gui(archive_url, settings_overrides) -> int`` is what ``cuttings`` (no
sub-command) calls. GUI thread only.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox, QSplashScreen

from desktop import terminal
from desktop.icons import app_icon
from desktop.plain_text import ask, message_box, show_status
from desktop.qt_libraries import xcb_problem
from desktop.settings_store import APPLICATION, ORGANISATION, app_qsettings, load_settings
from desktop.style import apply_style
from storage.paths import ArchiveLocationError, resolve_db_url, sqlite_path
from storage.pg import redact

if TYPE_CHECKING:
    from storage.instance_lock import InstanceLock

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED = 0, 1


class AlreadyOpenError(Exception):
    """Another Cuttings process has this archive open."""


def acquire_instance_lock(db_url: str) -> InstanceLock | None:
    """Lock the archive for this process or raise :class:`AlreadyOpenError`.

    Uses the project's one lock, :mod:`storage.instance_lock` (``flock`` on
    ``<archive>.lock``, released by the kernel even if the process is killed, shared
    within one process so the window's own backup and CLI code keep working). Non-SQLite
    archives (a server database) are not locked here (None).
    """
    from storage.instance_lock import WINDOW, ArchiveLockedError, acquire_for_url

    try:
        return acquire_for_url(db_url, WINDOW)
    except ArchiveLockedError as exc:
        who = f" (process {exc.pid})" if exc.pid else ""
        if exc.holder == WINDOW:
            first = (f"This archive is already open in another Cuttings window{who}.\n\n"
                     "Switch to that window, or close it and start Cuttings again.")
        elif exc.holder:
            first = (f"This archive is being written by {exc.holder}{who}.\n\n"
                     "Wait until it has finished, then start Cuttings again.")
        else:
            first = (f"This archive is already open in another Cuttings program{who}.\n\n"
                     "Close it there first, then start Cuttings again.")
        raise AlreadyOpenError(
            f"{first} Two programs writing the same archive at once could damage it, so "
            "this one will not open it.") from exc


def _critical(title: str, text: str) -> None:
    box = message_box(QMessageBox.Icon.Critical, title, text)
    box.setWindowIcon(app_icon())
    box.exec()


def offer_restore(url: str, problem: str) -> bool:
    """The archive is damaged: offer its newest verified backup (the damaged file is
    moved aside, never overwritten). Returns whether it was restored; False without a
    word when there is no backup (the caller shows the problem)."""
    from storage.backup import BackupError, list_backups, restore

    try:
        backups = list_backups(url)
    except (BackupError, OSError):
        backups = []
    if not backups:
        return False
    newest = backups[0]
    if not ask(None, "The archive is damaged",
               f"{problem}\n\nRestore the backup from {newest.created_at:%Y-%m-%d %H:%M} UTC? "
               "The damaged file is kept beside it (renamed …damaged-DATE), so nothing is lost. "
               "Captures made after that backup will have to be made again."):
        return False
    try:
        result = restore(newest, url)
    except Exception as exc:  # noqa: BLE001 - tell the user, keep the files
        _critical("Could not restore the backup", str(exc))
        return False
    log.warning("restored %s from %s", url, result.restored_from)
    return True


def schedule_backups(window: Any, archive: Any) -> None:
    """A verified rotating backup when the last one is older than 12 hours (off the GUI
    thread, once the window is up)."""
    from storage.backup import backup_if_due

    if not archive.db.is_sqlite:
        return

    def failed(exc: BaseException) -> None:
        log.warning("backup failed: %s", exc)
        show_status(window.statusBar(), f"Backup failed: {exc}", 15000)

    window.runner.submit(backup_if_due, archive.url, on_error=failed)


def _splash() -> QSplashScreen:
    pixmap = app_icon().pixmap(160, 160)
    splash = QSplashScreen(pixmap)
    splash.showMessage("Opening the archive…",
                       Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                       QColor("#ffffff"))
    splash.show()
    QApplication.processEvents()
    return splash


#: ``--smoke-test``: how long the window may take to appear on screen.
SMOKE_TEST_DEADLINE_S = 60.0
SMOKE_TEST_SHOWN = "window shown"


def close_once_shown(app: QApplication, window: Any,
                     deadline_s: float = SMOKE_TEST_DEADLINE_S) -> None:
    """``cuttings --smoke-test`` (CI, ``.ci/xcb_smoke.sh``): once the window is on screen
    (its native window exposed by the platform), print ``window shown on <platform>`` on
    stdout and close it, so the app exits 0; if it never shows within ``deadline_s``,
    say so on stderr and exit 1. Polls every 50 ms (Qt has no "exposed" signal).
    GUI thread."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    clock = QElapsedTimer()
    clock.start()
    timer = QTimer(window)
    timer.setInterval(50)

    def check() -> None:
        handle = window.windowHandle()
        if handle is not None and handle.isExposed():
            timer.stop()
            terminal.out(f"{SMOKE_TEST_SHOWN} on {app.platformName()}", flush=True)
            window.close()  # the last window: the event loop ends with 0
        elif clock.elapsed() > deadline_s * 1000:
            timer.stop()
            terminal.err(f"the window was not shown within {deadline_s:g} s")
            app.exit(EXIT_FAILED)

    timer.timeout.connect(check)
    timer.start()


def run_gui(archive_url: str | None, settings_overrides: dict[str, Any],
            smoke_test: bool = False) -> int:
    """Open the main window on ``archive_url`` (else the stored setting, ``CUTTINGS_DB``
    or the default archive) and run the event loop. Returns the exit code.

    ``smoke_test``: close the window as soon as it is on screen (:func:`close_once_shown`)."""
    from storage.archive import Archive
    from storage.db import ArchiveOpenError

    if QApplication.instance() is None:
        problem = xcb_problem()  # Qt would abort blaming libxcb-cursor0: name the culprit
        if problem:
            terminal.err(problem)
            return EXIT_FAILED
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Cuttings")
    app.setDesktopFileName("cuttings")
    app.setWindowIcon(app_icon())
    apply_style(app)

    splash = _splash()  # something on screen while the archive code loads and opens
    qsettings: QSettings = app_qsettings()
    settings = load_settings(qsettings, settings_overrides)
    chosen = archive_url or settings.archive or os.environ.get("CUTTINGS_DB") or None
    try:
        url = resolve_db_url(chosen)
    except ArchiveLocationError as exc:
        splash.close()
        _critical("Cannot open the archive", f"{exc}\n\nChoose another archive with "
                  "cuttings --db FILE, or in File › Settings › Archive location.")
        return EXIT_FAILED
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)

    try:
        lock = acquire_instance_lock(url)
    except AlreadyOpenError as exc:
        splash.close()
        _critical("Cuttings is already open", str(exc))
        return EXIT_FAILED
    try:
        try:
            archive = Archive.open(url)
        except ArchiveOpenError as exc:
            splash.close()
            # (a full disk, "disk_full", is never offered a backup: nothing is damaged)
            if exc.code in ("corrupt", "not_archive") and offer_restore(url, str(exc)):
                archive = Archive.open(url)
            else:
                _critical("Cannot open the archive",
                          f"{exc}\n\nChoose another archive with cuttings --db FILE, or in "
                          "File › Settings › Archive location.")
                return EXIT_FAILED
        except Exception as exc:  # a broken disk, permissions: say so instead of a traceback
            log.exception("archive open failed")
            splash.close()
            _critical("Cannot open the archive",
                      f"Cuttings could not open {redact(url)}:\n{exc}\n\nCheck that the folder exists "
                      "and is writable, or choose another archive with cuttings --db FILE.")
            return EXIT_FAILED
        from desktop.change_watcher import watch_changes
        from desktop.main_window import MainWindow
        from storage.archive_settings import ArchivePreferences

        prefs = ArchivePreferences(archive)  # this archive's own settings on top
        settings = load_settings(qsettings, settings_overrides, archive=prefs)
        window = MainWindow(archive, settings, qsettings, archive_prefs=prefs)
        window.show()
        splash.close()
        from desktop.image_decode import prestart

        # the first article with images then finds a decoder process ready (J2)
        QTimer.singleShot(0, prestart)
        if smoke_test:
            close_once_shown(app, window)
        schedule_backups(window, archive)
        watcher = watch_changes(archive, window.refresh_library, window)
        try:
            return int(app.exec())
        finally:
            if watcher is not None:
                watcher.stop()
            archive.close()
    finally:
        if lock is not None:
            lock.release()
