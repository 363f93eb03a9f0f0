"""The status bar's view of a capture batch: progress, Start/Stop, what happened.

Listens to the :class:`~desktop.capture_controller.CaptureController`'s signals and
updates the progress bar, the status message and the Start/Stop actions; asks the
window to refresh the library at most every 0.4 s while articles arrive.
GUI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QProgressBar

from desktop.capture_controller import CaptureController

if TYPE_CHECKING:
    from intake.pipeline import BatchSummary, JobEvent
    from storage.archive import EnqueueReport

log = logging.getLogger(__name__)

FINAL_STATES = ("done", "skipped", "failed", "cancelled")


class CaptureStatus(QObject):
    def __init__(self, controller: CaptureController, status: QLabel, progress: QProgressBar,
                 act_start: QAction, act_stop: QAction, refresh: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.progress = progress
        self.act_start = act_start
        self.act_stop = act_stop
        self._refresh = refresh
        self._batch: dict[int, str] = {}
        self._finished = 0
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(400)
        self.refresh_timer.timeout.connect(refresh)
        controller.job_event.connect(self.job_event)
        controller.batch_started.connect(self.batch_started)
        controller.batch_finished.connect(self.batch_finished)
        controller.error.connect(lambda message: status.setText(f"Capture problem: {message}"))

    def enqueued(self, report: EnqueueReport) -> None:
        n = len(report.jobs)
        msg = f"{n} link{'s' if n != 1 else ''} queued for capture"
        if report.duplicates:
            msg += f"; {len(report.duplicates)} already archived or queued"
        self.status.setText(msg + ".")

    def batch_started(self) -> None:
        self._batch = {}
        self._finished = 0
        self.act_stop.setEnabled(True)
        self.act_stop.setVisible(True)
        self.act_start.setEnabled(False)
        self.progress.setRange(0, 0)

    def job_event(self, event: JobEvent) -> None:
        if not self._batch:
            self.progress.setVisible(True)
            self.status.setText("Capturing…")
        previous = self._batch.get(event.job_id)
        self._batch[event.job_id] = event.state
        was_final, is_final = previous in FINAL_STATES, event.state in FINAL_STATES
        self._finished += int(is_final) - int(was_final)
        total, finished = len(self._batch), self._finished
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(finished)
        self.progress.setFormat(f"{finished} / {total}")
        self.progress.setTextVisible(True)
        if event.state == "done" and event.article_id is not None:
            self.status.setText(f"Captured: {event.message or event.url}")
            if not self.refresh_timer.isActive():  # at most one refresh per 0.4 s
                self.refresh_timer.start()
        elif event.state == "failed":
            self.status.setText(f"Could not capture {event.url}: {event.message}")

    def batch_finished(self, summary: BatchSummary) -> None:
        self.act_stop.setEnabled(False)
        self.act_stop.setVisible(False)
        self.act_start.setEnabled(True)
        self.progress.setVisible(False)
        if summary.done or summary.failed or summary.skipped or summary.cancelled:
            text = summary.line()
            if summary.failed:
                text += " — select failed rows in the Capture queue and press Retry."
            self.status.setText(text)
        self._refresh()
