"""File > Export: choose a format and what to export; the export runs in a worker.

The formats and the writing are :mod:`storage.export`'s; this module only asks and
shows progress (a ``QProgressDialog`` with Cancel, fed by a queued signal from the
worker). GUI thread only, except :class:`_ProgressRelay.report` (worker thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.runner import Runner

log = logging.getLogger(__name__)

FORMAT_LABELS = {
    "zip": "Evidence bundle (ZIP: snapshots, images, HTML pages, manifest)",
    "html": "HTML report (one self-contained page, no scripts)",
    "md": "Markdown dossier",
    "json": "JSON (everything, re-importable)",
    "csv": "CSV tables (a folder of spreadsheets)",
    "warc": "WARC web archive (raw snapshots, verified)",
    "claimreview": "ClaimReview JSON-LD (fact checks)",
    "csl": "CSL JSON (citation managers)",
    "ris": "RIS (citation managers)",
}


class ExportDialog(QDialog):
    """Asks for format, scope and target. ``choice()`` after accept:
    ``(fmt, ids or None for the whole archive, path)``."""

    def __init__(self, shown_ids: Sequence[int], total: int, scope_label: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from storage.export import EXTENSIONS, FORMATS

        self.setWindowTitle("Export")
        self.setObjectName("exportDialog")
        self._extensions = EXTENSIONS
        self._shown = list(shown_ids)
        self.format = QComboBox()
        self.format.setAccessibleName("Export format")
        for fmt in FORMATS:
            self.format.addItem(FORMAT_LABELS.get(fmt, fmt), fmt)
        self.scope_shown = QRadioButton(f"{scope_label} ({len(self._shown):,} articles)")
        self.scope_all = QRadioButton(f"The whole archive ({total:,} articles)")
        self.scope_shown.setChecked(bool(self._shown) and len(self._shown) < total)
        self.scope_all.setChecked(not self.scope_shown.isChecked())
        self.scope_shown.setEnabled(bool(self._shown))
        group = QButtonGroup(self)
        group.addButton(self.scope_shown)
        group.addButton(self.scope_all)
        self.path = QLineEdit(str(Path.home() / ("cuttings-export" + EXTENSIONS["zip"])))
        self.path.setAccessibleName("Export to")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Articles:", self.scope_shown)
        form.addRow("", self.scope_all)
        form.addRow("Save to:", row)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()

    def _format_changed(self, *_args: object) -> None:
        fmt = self.format.currentData()
        current = Path(self.path.text() or "cuttings-export")
        stem = current.name.split(".", 1)[0] or "cuttings-export"
        if fmt == "csv":
            self.path.setText(str(current.with_name(stem)))
            self.note.setText("CSV writes one file per kind (articles, quotes, sources, "
                              "claims, credits) into this folder.")
        else:
            self.path.setText(str(current.with_name(stem + self._extensions[fmt])))
            self.note.setText("")

    def _browse(self) -> None:
        if self.format.currentData() == "csv":
            path = QFileDialog.getExistingDirectory(self, "Export CSV into folder",
                                                    str(Path(self.path.text()).parent))
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if path:
            self.path.setText(path)

    def choice(self) -> tuple[str, list[int] | None, Path]:
        ids = self._shown if self.scope_shown.isChecked() else None
        return self.format.currentData(), ids, Path(self.path.text()).expanduser()


class _ProgressRelay(QObject):
    """Lives on the GUI thread; ``report`` is called by the worker and hops back by a
    queued connection to update the progress dialog."""

    progressed = Signal(int, int)

    def __init__(self, dialog: QProgressDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self.progressed.connect(self._apply, Qt.ConnectionType.QueuedConnection)

    def report(self, done: int, total: int) -> None:  # worker thread
        self.progressed.emit(done, total)

    @Slot(int, int)
    def _apply(self, done: int, total: int) -> None:
        self._dialog.setMaximum(max(total, 1))
        self._dialog.setValue(min(done, max(total, 1)))


def run_export(parent: QWidget, runner: Runner, archive: Any, fmt: str,
               ids: list[int] | None, path: Path,
               on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
               ) -> QProgressDialog:
    """Run an export in the background with a cancellable progress dialog."""
    from storage.export import Selection, export

    cancel = threading.Event()
    dialog = QProgressDialog(f"Exporting to {path.name}…", "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Export")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.canceled.connect(cancel.set)
    relay = _ProgressRelay(dialog)
    selection = Selection(article_ids=tuple(ids)) if ids is not None else \
        Selection(all_articles=True)

    def work() -> Any:
        return export(archive, selection, fmt, path, progress=relay.report, cancel=cancel,
                      ids=ids)

    def finished(result: Any) -> None:
        dialog.reset()
        on_done(result)

    def failed(exc: BaseException) -> None:
        dialog.reset()
        on_error(exc)

    runner.submit(work, long=True, on_result=finished, on_error=failed)
    return dialog
