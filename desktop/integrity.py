"""The start-up integrity check of large archives, and the banner when one is damaged.

Opening an archive runs SQLite's ``quick_check`` itself only up to 64 MB (it reads
every page: 16 s on a 1.2 GB archive). For larger archives the window runs it in
the background after start-up and, if the answer is not "ok", shows a banner that
says the archive is damaged and what to do (restore a backup; see
:mod:`storage.backup`). GUI thread only; the check runs in the Runner.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from desktop.runner import Runner

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

LARGE_ARCHIVE = 64 * 1024 * 1024


def archive_file_size(archive: Archive) -> int:
    """Size in bytes of a SQLite archive's file (0 for other back-ends or no file)."""
    db = archive.db
    if not db.is_sqlite:
        return 0
    path = db.engine.url.database
    try:
        return os.path.getsize(path) if path else 0
    except OSError:
        return 0


def check_report(archive: Archive, check: Callable[[], str]) -> tuple[str, list[str]]:
    """(quick_check's answer, the archive's backups as text lines). Worker thread."""
    result = check()
    backups: list[str] = []
    if result != "ok":
        from storage.backup import list_backups

        try:
            backups = [f"{b.created_at:%Y-%m-%d %H:%M} UTC  {b.path}"
                       for b in list_backups(archive.url)[:3]]
        except Exception as exc:  # noqa: BLE001 - the banner must still show
            log.warning("could not list backups: %s", exc)
    return result, backups


class DamageBanner(QLabel):
    """A red banner over the library, hidden until a check finds damage.
    Signal ``checked(str)`` with quick_check's answer."""

    checked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("damageBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet("QLabel#damageBanner { background: #fee2e2; color: #7f1d1d; "
                           "border-bottom: 1px solid #fca5a5; padding: 8px 10px; }")
        self.setVisible(False)

    def start(self, archive: Archive, runner: Runner, *, threshold: int = LARGE_ARCHIVE,
              check: Callable[[], str] | None = None) -> bool:
        """Check in the background if the archive file is larger than ``threshold``;
        returns whether a check was started."""
        if archive_file_size(archive) <= threshold and threshold > 0:
            return False
        run = check or archive.db.quick_check
        runner.submit(check_report, archive, run, long=True, on_result=self._report,
                      on_error=lambda exc: self._report((f"the check failed: {exc}", [])))
        return True

    def _report(self, outcome: tuple[str, list[Any]]) -> None:
        result, backups = outcome
        if result != "ok":
            text = ("This archive is damaged (SQLite integrity check: "
                    f"{' '.join(result.split())[:240]}). Do not capture into it. Export what "
                    "you need (File › Export, JSON), close Cuttings, move the damaged file "
                    "aside and put the latest backup below in its place.")
            if backups:
                text += "\nBackups: " + "; ".join(backups)
            else:
                text += ("\nNo backup was found beside the archive: export what you can "
                         "(File › Export, JSON) and copy the archive file before anything else.")
            self.setText(text)
            self.setVisible(True)
            log.error("archive integrity check: %s", result)
        self.checked.emit(result)
