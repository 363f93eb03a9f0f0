"""The start-up integrity checks, and the banners when something is damaged.

Opening an archive runs SQLite's ``quick_check`` itself only up to 64 MB (it reads
every page: 16 s on a 1.2 GB archive). For larger archives the window runs it in
the background after start-up and, if the answer is not "ok", shows a banner that
says the archive is damaged and what to do (restore a backup; see
:mod:`storage.backup`).

The search index is checked apart (docs/reliability.md, J3: SQLite's check does not
look inside it): :class:`IndexBanner` reads it through in the background after
start-up (never taking the write lock, so captures are not held up) and, when it is
damaged, or when a search finds it damaged (:meth:`IndexBanner.show_damage`), offers
"Rebuild search index", which runs :func:`storage.index_health.rebuild_database` in
the Runner. A damaged index is derived data, never the evidence: the banner says so
and never offers a backup for it.

GUI thread only; the checks and the rebuild run in the Runner.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.plain_text import plain_label
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


INDEX_DAMAGED_TEXT = (
    "The search index is damaged{detail}: searches cannot run until it is rebuilt. Your "
    "articles, captures and their hashes are not affected; the index is made again from "
    "them.")


class IndexBanner(QFrame):
    """A banner over the library, hidden until the search index is found damaged; its
    "Rebuild search index" button rebuilds it in the background.

    Signals: ``checked(bool)`` (the start-up check: index intact?), ``rebuilt(bool)``
    (a rebuild finished: index intact now?)."""

    checked = Signal(bool)
    rebuilt = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indexBanner")
        self.setStyleSheet("QFrame#indexBanner { background: #fef3c7; color: #78350f; "
                           "border-bottom: 1px solid #fcd34d; }")
        self.label = plain_label(parent=self)
        self.label.setObjectName("indexBannerText")
        self.label.setWordWrap(True)
        self.button = QPushButton("Rebuild search index", self)
        self.button.setObjectName("rebuildIndexButton")
        self.button.clicked.connect(self.rebuild)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self._archive: Archive | None = None
        self._runner: Runner | None = None
        self._rebuilding = False
        self.setVisible(False)

    def attach(self, archive: Archive, runner: Runner) -> None:
        self._archive, self._runner = archive, runner

    def start(self, archive: Archive, runner: Runner) -> bool:
        """Check the search index in the background (SQLite archives); returns whether
        a check was started."""
        from storage.index_health import check_database

        self.attach(archive, runner)
        if not archive.db.is_sqlite:
            return False
        runner.submit(check_database, archive.db, full=False, writable=False, long=True,
                      on_result=self._checked,
                      on_error=lambda exc: log.warning("search index check failed: %s", exc))
        return True

    def _checked(self, report: Any) -> None:
        if not report.ok:
            self.show_damage(report.problems[0].detail)
        self.checked.emit(bool(report.ok))

    def show_damage(self, detail: str = "") -> None:
        """Show the banner (a check or a search found the index damaged)."""
        if self._rebuilding:
            return
        text = INDEX_DAMAGED_TEXT.format(detail=f" ({' '.join(detail.split())[:160]})"
                                         if detail else "")
        readonly = self._archive is not None and self._archive.db.readonly
        if readonly:
            text += " This archive is open read-only: rebuild it where it can be written."
        self.label.setText(text)
        self.button.setEnabled(not readonly and self._archive is not None)
        self.setVisible(True)
        log.error("search index damaged: %s", detail or "(found by a search)")

    def rebuild(self) -> None:
        """Rebuild the index in the Runner (GUI thread)."""
        from storage.index_health import rebuild_database

        if self._archive is None or self._runner is None or self._rebuilding:
            return
        self._rebuilding = True
        self.button.setEnabled(False)
        self.label.setText("Rebuilding the search index… Captures wait until it is done.")
        self._runner.submit(rebuild_database, self._archive.db, long=True,
                            on_result=self._rebuilt, on_error=self._rebuild_failed)

    def _rebuilt(self, report: Any) -> None:
        self._rebuilding = False
        if report.ok:
            self.setVisible(False)
            log.warning("search index rebuilt (%d tables)", report.tables)
        else:
            self.show_damage(f"still damaged after rebuilding: {report.problems[0].detail}")
        self.rebuilt.emit(bool(report.ok))

    def _rebuild_failed(self, exc: BaseException) -> None:
        self._rebuilding = False
        self.label.setText(f"The search index could not be rebuilt: {exc}")
        self.button.setEnabled(True)
        self.setVisible(True)
        log.error("search index rebuild failed: %s", exc)
        self.rebuilt.emit(False)
