"""File > Export: choose a format and what to export; the export runs in a worker.

The formats and the writing are :mod:`storage.export`'s; this module only asks and
shows progress (a ``QProgressDialog`` with Cancel, fed by a queued signal from the
worker). The dialog starts with the format and folder last used for this archive
(kept in the archive: :class:`storage.archive_settings.ArchivePreferences`), else the
first format and the Documents folder. GUI thread only, except
:class:`ProgressRelay.report` (worker thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.archive_titles import set_dialog_title
from desktop.plain_text import plain_label, progress_dialog
from desktop.runner import Runner
from storage.archive_settings import EXPORT_FOLDER, EXPORT_FORMAT

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


INCLUDE_LABELS = {"quotes": "Quotes", "sources": "Sources", "claims": "Claims",
                  "credits": "Photo credits", "snapshots": "Raw snapshots", "images": "Images"}


def _count(n: int, noun: str) -> str:
    """``1 claim``, ``2 claims``, ``1,204 articles``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


class ExportDialog(QDialog):
    """Asks for format, selection, what to include and target, and shows the counts
    of what will be written (read in a worker; signal ``counted(SelectionCounts)``).

    ``choice()`` after accept: ``(fmt, ids or None, path)``: ids for the shown or
    selected articles, None when ``selection()`` (whole archive, a collection, a tag,
    the search) decides. ``include()`` says what goes in besides the articles."""

    counted = Signal(object)

    def __init__(self, shown_ids: Sequence[int], total: int, scope_label: str,
                 parent: QWidget | None = None, *, selected_ids: Sequence[int] = (),
                 collections: Sequence[str] = (), tags: Sequence[str] = (), query: str = "",
                 runner: Runner | None = None, archive: Any = None,
                 prefs: Any = None, settings: Callable[[], Any] | None = None,
                 save_settings: Callable[[Any], None] | None = None) -> None:
        """``prefs``: the archive's :class:`ArchivePreferences`, where the format and
        folder are remembered (None: nothing is remembered). ``settings`` gives the
        current :class:`capture.settings.Settings` and ``save_settings`` keeps changed
        ones: the ClaimReview reviewer is asked once and kept there."""
        super().__init__(parent)
        from storage.export import EXTENSIONS, FORMATS

        set_dialog_title(self, "Export", archive)
        self.setObjectName("exportDialog")
        self._extensions = EXTENSIONS
        self._shown = list(shown_ids)
        self._selected = list(selected_ids)
        self._runner = runner
        self._archive = archive
        self._query = query.strip()
        self._count_generation = 0
        self._closed = False  # counts arriving after close are dropped
        self.format = QComboBox()
        self.format.setAccessibleName("Export format")
        for fmt in FORMATS:
            self.format.addItem(FORMAT_LABELS.get(fmt, fmt), fmt)
        self._prefs = prefs
        remembered = self.format.findData(prefs.get(EXPORT_FORMAT)) if prefs is not None else -1
        if remembered >= 0:
            self.format.setCurrentIndex(remembered)
        self.scope_shown = QRadioButton(f"{scope_label} ({len(self._shown):,} articles)")
        self.scope_selected = QRadioButton(f"The selected articles ({len(self._selected):,})")
        self.scope_all = QRadioButton(f"The whole archive ({total:,} articles)")
        self.scope_collection = QRadioButton("The collection")
        self.collection = QComboBox()
        self.collection.setAccessibleName("Collection to export")
        self.collection.addItems(list(collections))
        self.scope_tag = QRadioButton("The tag")
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag to export")
        self.tag.addItems(list(tags))
        self.scope_query = QRadioButton(f"The search results for “{self._query}”")
        self.scope_shown.setChecked(bool(self._shown) and len(self._shown) < total)
        self.scope_all.setChecked(not self.scope_shown.isChecked())
        self.scope_shown.setEnabled(bool(self._shown))
        self.scope_selected.setEnabled(len(self._selected) > 1)
        self.scope_collection.setEnabled(bool(collections))
        self.scope_tag.setEnabled(bool(tags))
        self.scope_query.setVisible(bool(self._query))
        group = QButtonGroup(self)
        for b in (self.scope_shown, self.scope_selected, self.scope_all, self.scope_collection,
                  self.scope_tag, self.scope_query):
            group.addButton(b)
            b.toggled.connect(self._changed)
        self.collection.currentIndexChanged.connect(self._pick(self.scope_collection))
        self.tag.currentIndexChanged.connect(self._pick(self.scope_tag))
        self.includes: dict[str, QCheckBox] = {}
        include_row = QHBoxLayout()
        for kind, label in INCLUDE_LABELS.items():
            box = QCheckBox(label)
            box.setChecked(True)
            box.toggled.connect(self._changed)
            self.includes[kind] = box
            include_row.addWidget(box)
        include_row.addStretch(1)
        self.counts = plain_label("")
        self.counts.setObjectName("exportCounts")
        self.counts.setWordWrap(True)
        self.path = QLineEdit(str(self._start_folder() / ("cuttings-export"
                                                           + EXTENSIONS["zip"])))
        self.path.setAccessibleName("Export to")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        coll_row = QHBoxLayout()
        coll_row.addWidget(self.scope_collection)
        coll_row.addWidget(self.collection, 1)
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.scope_tag)
        tag_row.addWidget(self.tag, 1)
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Articles:", self.scope_shown)
        form.addRow("", self.scope_selected)
        form.addRow("", coll_row)
        form.addRow("", tag_row)
        form.addRow("", self.scope_query)
        form.addRow("", self.scope_all)
        form.addRow("Include:", include_row)
        form.addRow("Will write:", self.counts)
        form.addRow("Save to:", row)
        self.note = plain_label("")
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
        self._changed()
        # ClaimReview names its reviewer: asked once, kept in Settings.
        self._settings, self._save_settings = settings, save_settings
        self.reviewer_dialog: Any = None
        self.format.currentIndexChanged.connect(lambda *_a: self._reviewer_needed(ask=True))
        self._reviewer_needed(ask=False)

    def _reviewer(self) -> Any:
        from desktop.reviewer_dialog import reviewer_of

        return reviewer_of(self._settings()) if self._settings is not None else None

    def _reviewer_needed(self, *, ask: bool) -> bool:
        """With ClaimReview chosen: say who the reviewer is, or (``ask``) ask once.
        True when an export may start."""
        if self.format.currentData() != "claimreview" or self._settings is None:
            return True
        from desktop.reviewer_dialog import describe

        reviewer = self._reviewer()
        if reviewer.problem() is None:
            self.note.setText(f"Reviewer: {describe(reviewer)} (change it in Settings).")
            return True
        self.note.setText("ClaimReview names who reviewed the claims: say who, once.")
        if ask:
            self.ask_reviewer()
        return False

    def ask_reviewer(self) -> None:
        from desktop.reviewer_dialog import ReviewerDialog

        if self.reviewer_dialog is not None and self.reviewer_dialog.isVisible():
            return
        dialog = ReviewerDialog(self._reviewer(), self)
        dialog.accepted.connect(lambda: self._reviewer_given(dialog.values()))
        dialog.open()
        self.reviewer_dialog = dialog

    def _reviewer_given(self, values: dict[str, str]) -> None:
        if self._settings is not None and self._save_settings is not None:
            self._save_settings(self._settings().with_values(**values))
        self._reviewer_needed(ask=False)

    def options(self) -> Any:
        """The :class:`storage.export.ExportOptions` (the ClaimReview reviewer)."""
        from storage.export import ExportOptions

        r = self._reviewer()
        if r is None:
            return ExportOptions()
        return ExportOptions(reviewer=r.name, reviewer_org=r.organisation, reviewer_url=r.url)

    def _start_folder(self) -> Path:
        """The folder last exported to from this archive, if it still exists; else the
        user's Documents folder (else the home folder)."""
        if self._prefs is not None:
            folder = self._prefs.get(EXPORT_FOLDER)
            if isinstance(folder, str) and folder and Path(folder).is_dir():
                return Path(folder)
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        if documents and Path(documents).is_dir():
            return Path(documents)
        return Path.home()

    def accept(self) -> None:
        if not self._reviewer_needed(ask=True):
            return  # ClaimReview without a reviewer: asked first
        self._remember()
        super().accept()

    def _remember(self) -> None:
        """Keep the format and folder for this archive's next export (not on an archive
        open read-only, nor when the archive is busy: it is only a convenience)."""
        if self._prefs is None or not self._prefs.writable:
            return
        fmt, _ids, path = self.choice()
        try:
            self._prefs.update({EXPORT_FORMAT: fmt, EXPORT_FOLDER: str(path.parent)})
        except Exception as exc:  # noqa: BLE001 - the export itself goes ahead
            log.warning("could not remember the export choice: %s", exc)

    @staticmethod
    def _pick(button: QRadioButton) -> Callable[..., None]:
        return lambda *_a: button.setChecked(True) if button.isEnabled() else None

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

    def selection(self) -> Any:
        """The :class:`storage.export.Selection` chosen."""
        from storage.export import Selection

        if self.scope_shown.isChecked():
            return Selection(article_ids=tuple(self._shown))
        if self.scope_selected.isChecked():
            return Selection(article_ids=tuple(self._selected))
        if self.scope_collection.isChecked():
            return Selection(collection=self.collection.currentText())
        if self.scope_tag.isChecked():
            return Selection(tag=self.tag.currentText())
        if self.scope_query.isChecked():
            return Selection(query=self._query)
        return Selection(all_articles=True)

    def include(self) -> Any:
        from storage.export import Include

        return Include(**{k: box.isChecked() for k, box in self.includes.items()})

    def _changed(self, *_args: object) -> None:
        """Count what the selection will write, in the background."""
        if self._runner is None or self._archive is None:
            return
        from storage.export import count_selection, resolve_article_ids

        self._count_generation += 1
        generation = self._count_generation
        selection, include, archive = self.selection(), self.include(), self._archive
        self.counts.setText("Counting…")

        def work() -> Any:
            ids = list(selection.article_ids) if selection.article_ids is not None \
                else resolve_article_ids(archive, selection)
            return count_selection(archive, ids, include)

        def done(c: Any) -> None:
            if self._closed or generation != self._count_generation:
                return
            parts = [_count(c.articles, "article")]
            for kind in ("quotes", "sources", "claims", "credits"):
                if self.includes[kind].isChecked():
                    parts.append(_count(getattr(c, kind), INCLUDE_LABELS[kind].lower()[:-1]))
            if self.includes["snapshots"].isChecked():
                parts.append(f"{_count(c.captures, 'snapshot')} "
                             f"({c.snapshot_bytes / 1e6:,.1f} MB)")
            if self.includes["images"].isChecked():
                parts.append(f"{_count(c.images, 'image')} ({c.image_bytes / 1e6:,.1f} MB)")
            self.counts.setText(", ".join(parts))
            self._fit_height()
            self.counted.emit(c)

        def failed(exc: BaseException) -> None:
            if not self._closed and generation == self._count_generation:
                self.counts.setText(f"Cannot export this: {exc}")
                self._fit_height()

        self._runner.submit(work, on_result=done, on_error=failed)

    def _fit_height(self) -> None:
        """Grow the dialog when a longer "Will write:" line wraps to more lines than it
        was laid out for (else the form clips it to one line over its neighbours)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
        if need > self.height():
            self.resize(self.width(), need)

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    def choice(self) -> tuple[str, list[int] | None, Path]:
        if self.scope_shown.isChecked():
            ids: list[int] | None = self._shown
        elif self.scope_selected.isChecked():
            ids = self._selected
        else:
            ids = None
        return self.format.currentData(), ids, Path(self.path.text()).expanduser()


class ProgressRelay(QObject):
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
               *, selection: Any = None, include: Any = None, options: Any = None
               ) -> QProgressDialog:
    """Run an export in the background with a cancellable progress dialog. With
    ``ids`` None, ``selection`` (default: the whole archive) decides."""
    from storage.export import Include, Selection, export

    cancel = threading.Event()
    dialog = progress_dialog(f"Exporting to {path.name}…", "Cancel", parent)
    set_dialog_title(dialog, "Export", archive)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.canceled.connect(cancel.set)
    relay = ProgressRelay(dialog)
    if ids is not None:
        selection = Selection(article_ids=tuple(ids))
    elif selection is None:
        selection = Selection(all_articles=True)
    include = include or Include()

    def work() -> Any:
        return export(archive, selection, fmt, path, include=include, progress=relay.report,
                      cancel=cancel, ids=ids, **({"options": options} if options else {}))

    def finished(result: Any) -> None:
        dialog.reset()
        on_done(result)

    def failed(exc: BaseException) -> None:
        dialog.reset()
        on_error(exc)

    runner.submit(work, long=True, on_result=finished, on_error=failed)
    return dialog
