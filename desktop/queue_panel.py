"""The capture queue: one row per job with state, progress and error; Retry/Cancel.

Thread rules: GUI thread only. The job list is re-read through the Runner; live
progress arrives as ``JobEvent`` objects already on the GUI thread (see
:mod:`desktop.capture_controller`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.capture_controller import CaptureController
from desktop.plain_text import plain_label, tooltip
from desktop.queries import queue_jobs
from desktop.runner import Runner

if TYPE_CHECKING:
    from intake.pipeline import JobEvent
    from storage.archive import Archive, JobInfo

log = logging.getLogger(__name__)

MAX_LISTED_JOBS = 5000
STATE_LABELS = {
    "queued": "Queued", "running": "Capturing", "done": "Captured", "skipped": "Already archived",
    "failed": "Failed", "cancelled": "Cancelled",
}
STATE_COLOURS = {
    "queued": "#6b7280", "running": "#1d4ed8", "done": "#15803d", "skipped": "#7c6f00",
    "failed": "#b91c1c", "cancelled": "#6b7280",
}
PHASE_LABELS = {"fetching": "downloading the page", "extracting": "reading the article",
                "images": "downloading images", "saving": "saving"}
FINISHED = ("done", "skipped", "failed", "cancelled")
#: The progress column's bar: ``(percent, text or None, busy)`` (see :meth:`JobsModel.bar`).
BAR_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ["State", "Progress", "URL", "Details"]
COL_STATE, COL_PROGRESS, COL_URL, COL_DETAILS = range(4)


@dataclass
class JobRow:
    id: int
    url: str
    state: str
    phase: str | None = None
    progress: float = 0.0
    message: str | None = None
    article_id: int | None = None
    attempts: int = 0
    received: int | None = None  # the page's bytes so far while it downloads
    total: int | None = None  # its announced size (None: unknown)

    @classmethod
    def from_info(cls, job: JobInfo) -> JobRow:
        return cls(job.id, job.url, job.state, None, 1.0 if job.state in FINISHED else 0.0,
                   job.error, job.article_id, job.attempts)


class JobsModel(QAbstractTableModel):
    """The queue's rows; ``apply_event`` updates one row in place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[JobRow] = []
        self._pos: dict[int, int] = {}
        self._counts: dict[str, int] = {}  # kept up to date: O(1) per event

    def set_jobs(self, jobs: list[JobInfo], titles: dict[int, str] | None = None) -> list[int]:
        """Show ``jobs`` (ordered by id); returns the ids of rows that were not listed.

        Rows are updated in place, removed and inserted (no model reset), so a reload
        keeps the view's scroll position and selection. ``titles`` (article id -> title)
        names captured rows in the Details column, as the live "done" event did.
        """
        titles = titles or {}
        fresh: list[JobRow] = []
        for job in jobs:
            row = JobRow.from_info(job)
            if row.state == "done" and row.message is None and row.article_id is not None:
                row.message = titles.get(row.article_id)
            fresh.append(row)
        old = {r.id: r for r in self._rows}
        for row in fresh:
            prev = old.get(row.id)
            if prev is None:
                continue
            if prev.state == "running" and row.state == "running":  # live progress stays
                row.phase, row.progress = prev.phase, prev.progress
                row.received, row.total = prev.received, prev.total
            if row.message is None and row.state == prev.state:
                row.message = prev.message  # e.g. the title a live event brought
        added = [r.id for r in fresh if r.id not in old]
        if not self._patch(fresh):
            self.beginResetModel()
            self._rows = fresh
            self.endResetModel()
        self._pos = {r.id: i for i, r in enumerate(self._rows)}
        self._counts = {}
        for r in self._rows:
            self._counts[r.state] = self._counts.get(r.state, 0) + 1
        return added

    def _patch(self, fresh: list[JobRow]) -> bool:
        """Turn the rows into ``fresh`` by removals, in-place updates and insertions;
        False (nothing done) when the common rows are not in the same order."""
        wanted = {r.id for r in fresh}
        kept = [r.id for r in self._rows if r.id in wanted]
        kept_set = set(kept)
        if kept != [r.id for r in fresh if r.id in kept_set]:
            return False
        i = len(self._rows) - 1
        while i >= 0:  # removals, last run first
            if self._rows[i].id in wanted:
                i -= 1
                continue
            end = i
            while i >= 0 and self._rows[i].id not in wanted:
                i -= 1
            self.beginRemoveRows(QModelIndex(), i + 1, end)
            del self._rows[i + 1:end + 1]
            self.endRemoveRows()
        present = {r.id for r in self._rows}
        i = 0
        while i < len(fresh):  # the kept rows are now fresh's in order: insert the others
            if fresh[i].id in present:
                self._rows[i] = fresh[i]
                i += 1
                continue
            start = i
            while i < len(fresh) and fresh[i].id not in present:
                i += 1
            self.beginInsertRows(QModelIndex(), start, i - 1)
            self._rows[start:start] = fresh[start:i]
            self.endInsertRows()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))
        return True

    def apply_event(self, event: JobEvent) -> None:
        i = self._pos.get(event.job_id)
        if i is None:
            i = len(self._rows)
            self.beginInsertRows(QModelIndex(), i, i)
            self._rows.append(JobRow(event.job_id, event.url, event.state))
            self._pos[event.job_id] = i
            self._counts[event.state] = self._counts.get(event.state, 0) + 1
            self.endInsertRows()
        row = self._rows[i]
        if row.state != event.state:
            self._counts[row.state] = self._counts.get(row.state, 1) - 1
            self._counts[event.state] = self._counts.get(event.state, 0) + 1
        row.state = event.state
        row.phase = event.phase
        row.progress = event.progress
        row.received, row.total = event.received, event.total
        if event.message is not None or event.state in ("queued", "running"):
            row.message = event.message
        if event.article_id is not None:
            row.article_id = event.article_id
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def row_of(self, job_id: int) -> int:
        """The row showing job ``job_id``, or -1."""
        return self._pos.get(job_id, -1)

    def job_at(self, row: int) -> JobRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def jobs(self) -> list[JobRow]:
        return list(self._rows)

    def counts(self) -> dict[str, int]:
        """Jobs per state (only states that occur)."""
        return {k: v for k, v in self._counts.items() if v > 0}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.job_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_STATE:
                return STATE_LABELS.get(row.state, row.state)
            if col == COL_PROGRESS:  # a bar while waiting or working, nothing once finished
                return None if row.state in FINISHED else int(round(row.progress * 100))
            if col == COL_URL:
                return row.url
            if col == COL_DETAILS:
                return self._details(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_DETAILS and row.state == "failed":
                return tooltip(f"{row.message}\nSelect the row and press Retry to try again.")
            return tooltip(row.url if col == COL_URL else self._details(row)) or None
        if role == Qt.ItemDataRole.ForegroundRole and (
                col == COL_STATE or (col == COL_DETAILS and row.state == "failed")):
            return QColor(STATE_COLOURS.get(row.state, "#000000"))
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == BAR_ROLE and col == COL_PROGRESS:
            return self.bar(row)
        return None

    @staticmethod
    def bar(row: JobRow) -> tuple[int, str | None, bool] | None:
        """The progress bar of a waiting or working row: its percent, the text on it
        (while the page downloads: "120 kB of 350 kB", or "120 kB" with a busy bar when
        the site did not say how big the page is; else None: the percent) and whether
        the bar is busy (no known end). None once the row is finished."""
        if row.state in FINISHED:
            return None
        percent = int(round(row.progress * 100))
        if row.state != "running" or row.phase != "fetching" or row.received is None:
            return percent, None, False
        if row.total:
            return percent, f"{byte_count(row.received)} of {byte_count(row.total)}", False
        return percent, byte_count(row.received), True

    @staticmethod
    def _details(row: JobRow) -> str:
        if row.state == "running":
            return PHASE_LABELS.get(row.phase or "", "working") + "…"
        if row.state == "done":
            return f"{row.message} (double-click to read)" if row.message \
                else "double-click to read"
        if row.state == "queued":
            return row.message or "waiting"
        return row.message or ""


def byte_count(n: int) -> str:
    """``812 B``, ``12 kB``, ``3.4 MB`` (decimal units, as browsers show downloads)."""
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.0f} kB"
    return f"{n / 1_000_000:.1f} MB"


class ProgressDelegate(QStyledItemDelegate):
    """Paints the progress column as a progress bar (:meth:`JobsModel.bar`)."""

    def paint(self, painter: Any, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        shown = index.data(BAR_ROLE)
        if shown is None:
            super().paint(painter, option, index)
            return
        value, text, busy = shown
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 5, -4, -5)
        bar.minimum = 0
        bar.maximum = 0 if busy else 100
        bar.progress = 0 if busy else value
        bar.text = text or f"{value}%"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = QApplication.palette()  # not the table's: its Highlight is pale
        style = option.widget.style() if option.widget else QApplication.style()
        # No widget: the table's style-sheet rule (a border) would make the style sheet
        # draw the bar without its groove and the text dark over the dark filled part.
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, None)


class QueuePanel(QWidget):
    """The capture queue view with Retry, Cancel and Clear finished.

    Signal: ``open_article(int)`` when a captured row is double-clicked.
    """

    open_article = Signal(int)

    def __init__(self, archive: Archive, runner: Runner, controller: CaptureController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._archive = archive
        self._runner = runner
        self._controller = controller
        self.model = JobsModel(self)

        self.summary = plain_label("No captures yet. Press Ctrl+L to add article links.")
        self.summary.setObjectName("queueSummary")
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setAccessibleName("Retry selected captures")
        self.retry_button.setToolTip("Capture the selected failed or cancelled links again")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel selected captures")
        self.cancel_button.setToolTip("Cancel the selected queued or running captures")
        self.clear_button = QPushButton("C&lear finished")
        self.clear_button.setAccessibleName("Remove finished captures from the list")

        self.view = QTableView()
        self.view.setObjectName("queueTable")
        self.view.setAccessibleName("Capture queue")
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(30)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(COL_DETAILS, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_STATE, 130)
        header.resizeSection(COL_PROGRESS, 150)  # room for "1.2 MB of 3.4 MB"
        header.resizeSection(COL_URL, 420)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)

        self.retry_button.clicked.connect(self.retry_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.clear_button.clicked.connect(controller.clear_finished)
        controller.job_event.connect(self._on_event)
        controller.jobs_changed.connect(self.reload)
        controller.jobs_added.connect(self._jobs_added)
        self._scrolled_away = False
        self.view.verticalScrollBar().actionTriggered.connect(self._user_scrolled)
        self._update_buttons()

    def reload(self) -> None:
        self._runner.submit(queue_jobs, self._archive, MAX_LISTED_JOBS, on_result=self._loaded,
                            on_error=lambda exc: log.error("could not read the queue: %s", exc))

    def _loaded(self, result: tuple[list[JobInfo], dict[int, str]]) -> None:
        jobs, titles = result
        self._reveal(self.model.set_jobs(jobs, titles))
        self._update_summary()
        self._update_buttons()

    def _on_event(self, event: JobEvent) -> None:
        before = self.model.rowCount()
        self.model.apply_event(event)
        if self.model.rowCount() > before:
            self._reveal([event.job_id])
        self._update_summary()
        self._update_buttons()

    # ---- following new rows ------------------------------------------------------------
    def _jobs_added(self, job_ids: list[int]) -> None:
        """The user queued links: show them when they arrive, even if the view was
        scrolled away before."""
        self._scrolled_away = False
        self._reveal(job_ids)  # (those already listed; the reload brings the rest)

    def _user_scrolled(self, _action: int) -> None:
        bar = self.view.verticalScrollBar()
        self._scrolled_away = bar.sliderPosition() < bar.maximum()

    def _reveal(self, job_ids: list[int]) -> None:
        """Scroll so new rows are visible, unless the user scrolled away from the end of
        the list since the last links were added (or holds the scroll bar): the view
        does not fight someone reading other rows."""
        rows = sorted(r for i in job_ids if (r := self.model.row_of(i)) >= 0)
        if not rows or self._scrolled_away or self.view.verticalScrollBar().isSliderDown():
            return
        self.view.doItemsLayout()  # the scroll range must already count the new rows
        self.view.scrollTo(self.model.index(rows[-1], COL_URL))
        self.view.scrollTo(self.model.index(rows[0], COL_URL))

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [j.id for r in rows if (j := self.model.job_at(r)) is not None]

    def _selected_rows(self) -> list[JobRow]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [j for r in rows if (j := self.model.job_at(r)) is not None]

    def retry_selected(self) -> None:
        ids = [j.id for j in self._selected_rows() if j.state in ("failed", "cancelled", "skipped")]
        if ids:
            self._controller.retry(ids)

    def cancel_selected(self) -> None:
        ids = [j.id for j in self._selected_rows() if j.state in ("queued", "running")]
        if ids:
            self._controller.cancel(ids)

    def _update_buttons(self, *_args: object) -> None:
        rows = self._selected_rows()
        self.retry_button.setEnabled(any(j.state in ("failed", "cancelled", "skipped")
                                         for j in rows))
        self.cancel_button.setEnabled(any(j.state in ("queued", "running") for j in rows))
        counts = self.model.counts()
        self.clear_button.setEnabled(any(counts.get(s) for s in ("done", "skipped", "cancelled")))

    def _update_summary(self) -> None:
        counts = self.model.counts()
        if not counts:
            self.summary.setText("No captures yet. Press Ctrl+L to add article links.")
        else:
            parts = [f"{counts.get('done', 0)} captured"]
            for state, label in (("running", "in progress"), ("queued", "waiting"),
                                 ("skipped", "already archived"), ("failed", "failed"),
                                 ("cancelled", "cancelled")):
                if counts.get(state):
                    parts.append(f"{counts[state]} {label}")
            self.summary.setText(" · ".join(parts))

    def _double_clicked(self, index: QModelIndex) -> None:
        job = self.model.job_at(index.row())
        if job is not None and job.article_id is not None:
            self.open_article.emit(job.article_id)
