"""File › Import and Export: run them in the background and report what they did.

* Export: the Export dialog (selection, what to include, counts, format, target),
  then :func:`desktop.export_dialog.run_export` (progress and Cancel).
* Import: a Cuttings JSON export or ZIP bundle is merged into the archive
  (:func:`storage.export.import_path`, one transaction); bookmarks and URL lists go
  to the capture queue. A box says what was added, merged and skipped.
* Import a saved web page (paywalled articles) and a link list into Add links.

Signals: ``export_finished(ExportResult)``, ``imported(ImportReport)``.
Thread rules: GUI thread only; the work runs in the window's Runner.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from desktop.archive_titles import dialog_title, set_dialog_title
from desktop.export_dialog import ExportDialog, ProgressRelay, run_export
from desktop.plain_text import ask_text, message_box, progress_dialog
from desktop.url_lists import read_url_list

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

log = logging.getLogger(__name__)


def _table(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {kind}" for kind, n in counts.items() if n) or "nothing"


def describe_import(report: Any) -> str:
    """What an import did, in sentences for a person."""
    if report.kind in ("bookmarks", "urls"):
        text = (f"{report.queued:,} link(s) queued for capture; "
                f"{report.already_archived:,} already archived.")
        if report.refused_urls:
            text += f" {len(report.refused_urls):,} line(s) were not web addresses."
        if report.folder_tags:  # a bookmark file's folders (capture.bookmarks)
            more = len(report.folder_tags) - 8
            text += (" Folders kept as tags: " + ", ".join(report.folder_tags[:8])
                     + (f" and {more:,} more" if more > 0 else "") + ".")
        if report.dated:
            text += (f" {report.dated:,} with the date they were bookmarked, kept with "
                     "their queued capture.")
        return text
    lines = [f"Added: {_table(report.added)}.", f"Merged: {_table(report.merged)}.",
             f"Skipped: {_table(report.skipped)}."]
    lines.extend(report.warnings[:5])
    return "\n".join(lines)


class ImportExportController(QObject):
    export_finished = Signal(object)
    imported = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.export_dialog: ExportDialog | None = None
        self.progress: QProgressDialog | None = None
        self.report_box: QMessageBox | None = None

    # ---- export ------------------------------------------------------------------------
    def open_export(self) -> ExportDialog:
        """Ask what to export (non-blocking; returns the dialog for tests)."""
        w = self.window
        label = w.filter_label or "The articles in the library"
        dialog = ExportDialog(w.model.ids, w.article_total, label, w,
                              selected_ids=w.selected_article_ids(),
                              collections=w.sidebar.names("collection"),
                              tags=w.sidebar.names("tag"), query=w.search_field.text(),
                              runner=w.runner, archive=w.archive,
                              prefs=w.archive_prefs, settings=lambda: w.settings,
                              save_settings=w.apply_settings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start_export(
            *dialog.choice(), selection=dialog.selection(), include=dialog.include(),
            options=dialog.options()))
        dialog.open()
        self.export_dialog = dialog
        return dialog

    def start_export(self, fmt: str, ids: list[int] | None, path: Path, *,
                     selection: Any = None, include: Any = None, options: Any = None) -> None:
        w = self.window

        def done(result: Any) -> None:
            text = result.summary()
            if result.warnings:
                text += f" ({len(result.warnings)} warning(s): {result.warnings[0]})"
            w.status_label.setText(text[:1].upper() + text[1:] + ".")
            self.export_finished.emit(result)

        def failed(exc: BaseException) -> None:
            if type(exc).__name__ == "ExportCancelled":
                w.status_label.setText("Export cancelled; no file was written.")
                return
            w.show_error("Export failed", str(exc),
                         "Nothing was written. Choose another folder (one you can write "
                         "to, with free space) and export again.")

        self.progress = run_export(w, w.runner, w.archive, fmt, ids, path, done, failed,
                                   selection=selection, include=include, options=options)

    # ---- import of exports, bundles, bookmarks, link lists ---------------------------------------
    def import_archive_file(self, path: str | None = None) -> None:
        """File › Import: a JSON export, a ZIP bundle, bookmarks or a URL list."""
        w = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                w, dialog_title("Import into the archive", w.archive), str(Path.home()),
                "Cuttings exports, bookmarks, link lists (*.json *.zip *.html *.htm *.txt);;"
                "All files (*)")
            if not path:
                return
        from storage.export import import_path

        name = Path(path).name
        cancel = threading.Event()
        dialog = progress_dialog(f"Importing {name}…", "Cancel", w)
        set_dialog_title(dialog, "Import", w.archive)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(cancel.set)
        relay = ProgressRelay(dialog)
        self.progress = dialog

        def done(report: Any) -> None:
            dialog.reset()
            text = describe_import(report)
            w.status_label.setText(f"Imported {name}: " + text.replace("\n", " "))
            box = message_box(QMessageBox.Icon.Information, "Import finished",
                              f"Imported {name}", text, parent=w)
            box.setObjectName("importReport")
            box.open()
            self.report_box = box
            w.refresh_library()
            w.queue_panel.reload()
            if report.queued:  # bookmarks, link lists: capture them now
                w.controller.start()
            self.imported.emit(report)

        def failed(exc: BaseException) -> None:
            dialog.reset()
            if type(exc).__name__ == "ImportCancelled":
                w.status_label.setText("Import cancelled; nothing was added.")
                return
            w.show_error(f"Could not import {name}", str(exc),
                         "Nothing was added. Import a JSON or ZIP file exported by Cuttings, "
                         "a bookmarks file, or a text file with one link per line.")

        w.runner.submit(lambda: import_path(w.archive, path, progress=relay.report,
                                            cancel=cancel),
                        long=True, on_result=done, on_error=failed)

    def import_saved_page(self, path: str | None = None, url: str | None = None) -> None:
        w = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                w, "Import a saved web page", str(Path.home()),
                "Web pages (*.html *.htm *.xhtml);;All files (*)")
            if not path:
                return
            url, ok = ask_text(
                w, "Original address",
                "The article's address on the web (optional, used to recognise it later):")
            if not ok:
                return
        name = Path(path).name
        from intake.pipeline import import_html_file

        def done(stored: Any) -> None:
            w.status_label.setText(f"Imported {name}.")
            w.refresh_library()
            w.open_article(stored.article_id)

        w.runner.submit(import_html_file, w.archive, path, (url or "").strip() or None,
                        on_result=done, on_error=lambda exc: w.show_error(
                            f"Could not import {name}", str(exc),
                            "Save the page again from your browser as “Web page, HTML "
                            "only” and import that file."))

    def import_url_list(self, path: str | None = None) -> None:
        w = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                w, "Import a list of links", str(Path.home()),
                "Link lists and bookmarks (*.txt *.html *.htm *.csv *.md);;All files (*)")
            if not path:
                return
        name = Path(path).name

        def read(text: str | None) -> None:
            if text is None:  # a browser's bookmarks: imported with folders and dates
                self.import_archive_file(path)
            else:
                w.open_add_dialog(text)

        w.runner.submit(read_url_list, path, on_result=read,
                        on_error=lambda exc: w.show_error(
                            f"Could not read {name}", str(exc),
                            "Choose a text file with one link per line, or a bookmarks "
                            "file exported from your browser."))
