"""Drives the capture pipeline from the GUI: queue, run, stop, cancel, retry.

Thread rules: the controller lives on the GUI thread. The pipeline's ``run``
blocks, so it runs as a long task on the :class:`~desktop.runner.Runner`; the
pipeline calls ``on_event`` from its worker threads, and the controller re-emits
each event as the ``job_event`` signal, which Qt queues to the GUI thread. Nothing
here touches a widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot

from capture.settings import Settings
from desktop.runner import Runner

if TYPE_CHECKING:  # the pipeline (fetch, extraction) is imported when the first batch starts
    from intake.pipeline import BatchSummary, CapturePipeline, JobEvent
    from storage.archive import Archive, EnqueueReport

log = logging.getLogger(__name__)

TIDY_SECONDS = 3.0  # search-index merging after each batch, at most (storage.search_index)

PipelineFactory = Callable[["Archive", Settings, Callable[["JobEvent"], None]],
                           "CapturePipeline"]


def _default_factory(archive: Archive, settings: Settings,
                     on_event: Callable[[JobEvent], None]) -> CapturePipeline:
    from intake.pipeline import CapturePipeline

    return CapturePipeline(archive, settings, on_event)


class CaptureController(QObject):
    """Owns the running batch.

    Signals (GUI thread): ``job_event(JobEvent)`` for every progress event;
    ``batch_started()``; ``batch_finished(BatchSummary)``; ``jobs_changed()`` after
    the queue changed (enqueue, retry, cancel, clear); ``jobs_added(list[int])`` with the
    ids of the jobs the user just queued (before that ``jobs_changed``); ``error(str)``; ``index_tidied
    (TidyResult)`` when the search index was merged in the background after a batch.
    """

    job_event = Signal(object)
    batch_started = Signal()
    batch_finished = Signal(object)
    index_tidied = Signal(object)  # storage.search_index.TidyResult, after a batch
    jobs_changed = Signal()
    jobs_added = Signal(list)
    error = Signal(str)
    _event_from_worker = Signal(object)

    def __init__(self, archive: Archive, settings: Settings, runner: Runner,
                 parent: QObject | None = None,
                 pipeline_factory: PipelineFactory = _default_factory) -> None:
        super().__init__(parent)
        self._archive = archive
        self._settings = settings
        self._runner = runner
        self._factory = pipeline_factory
        self.code_loaded = False  # the fetch/extraction code is imported (warm_up)
        self._pipeline: CapturePipeline | None = None  # set by the worker running the batch
        self._running = False
        self._stop_requested = False
        self._rerun = False
        self._closing = False
        self._tidying = False  # a search-index tidy is running (one at a time)
        # Worker threads emit this; the queued connection hops to the GUI thread.
        self._event_from_worker.connect(self._relay_event, Qt.ConnectionType.QueuedConnection)

    # ---- state -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def settings(self) -> Settings:
        return self._settings

    def set_settings(self, settings: Settings) -> None:
        """New settings apply to the next batch."""
        self._settings = settings

    # ---- actions (GUI thread) --------------------------------------------------------
    def enqueue(self, urls: Sequence[str], *, recapture: bool = False,
                on_done: Callable[[EnqueueReport], None] | None = None) -> None:
        """Queue URLs in the background, then start (or extend) the batch."""
        def done(report: EnqueueReport) -> None:
            if report.jobs:
                self.jobs_added.emit([j.id for j in report.jobs])
            self.jobs_changed.emit()
            if on_done is not None:
                on_done(report)
            if report.jobs:
                self.start()

        self._runner.submit(self._archive.enqueue, list(urls), recapture=recapture,
                            on_result=done, on_error=self._report_error)

    def resume(self) -> None:
        """At start: jobs a crash left ``running`` go back to ``queued``; run them all
        (when there are none, only load the capture code in the background)."""
        archive = self._archive

        def work() -> int:
            archive.reset_interrupted_jobs()
            return len(archive.jobs(["queued"], limit=1))

        def done(queued: int) -> None:
            self.jobs_changed.emit()
            if queued:
                self.start()
            else:
                self.warm_up()

        self._runner.submit(work, on_result=done, on_error=self._report_error)

    def warm_up(self) -> None:
        """Load the fetch and extraction code in the background now, while the user is
        still looking at the window, so the first batch does not pay for it: importing
        it holds the interpreter lock in long stretches and would stall the window."""
        def load() -> bool:
            import intake.pipeline  # noqa: F401

            return True

        def loaded(_ok: bool) -> None:
            self.code_loaded = True

        self._runner.submit(load, on_result=loaded, on_error=self._report_error)

    def start(self) -> None:
        """Run every queued job; if a batch is running, run again when it ends."""
        if self._closing:
            return
        if self._running:
            self._rerun = True
            return
        self._rerun = False
        self._running = True
        self._stop_requested = False
        archive, settings, factory = self._archive, self._settings, self._factory
        emit = self._event_from_worker.emit
        self.batch_started.emit()

        def work() -> BatchSummary:
            # Built in the worker: the first batch imports the fetch and extraction code,
            # which must not freeze the window.
            pipeline = factory(archive, settings, emit)
            self._pipeline = pipeline
            if self._stop_requested:
                pipeline.stop()
            try:
                return pipeline.run()
            finally:
                pipeline.close()

        self._runner.submit(work, long=True, on_result=self._batch_done,
                            on_error=self._batch_failed)

    def stop(self) -> None:
        """Stop the batch; in-flight jobs go back to the queue (resumed next start)."""
        self._stop_requested = True
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.stop()

    def shutdown(self) -> None:
        """Window closing: stop the batch; the runner's shutdown then waits for it."""
        self._closing = True
        self.stop()

    def cancel(self, job_ids: Sequence[int]) -> None:
        pipeline = self._pipeline
        ids = list(job_ids)

        def work() -> None:
            if pipeline is not None:
                for job_id in ids:
                    pipeline.cancel_job(job_id)
            else:
                self._archive.cancel_jobs(ids)

        self._runner.submit(work, on_result=lambda _r: self.jobs_changed.emit(),
                            on_error=self._report_error)

    def retry(self, job_ids: Sequence[int]) -> None:
        def done(count: int) -> None:
            self.jobs_changed.emit()
            if count:
                self.start()

        self._runner.submit(self._archive.retry_jobs, list(job_ids), on_result=done,
                            on_error=self._report_error)

    def clear_finished(self) -> None:
        self._runner.submit(self._archive.clear_finished_jobs,
                            on_result=lambda _r: self.jobs_changed.emit(),
                            on_error=self._report_error)

    # ---- plumbing --------------------------------------------------------------------
    @Slot(object)
    def _relay_event(self, event: JobEvent) -> None:
        self.job_event.emit(event)

    def _batch_done(self, summary: BatchSummary) -> None:
        self._pipeline = None
        self._running = False
        log.info("capture batch finished: %s", summary.line())
        self.batch_finished.emit(summary)
        self.jobs_changed.emit()
        if self._rerun and not self._closing:
            self.start()
        elif summary.done:
            self._tidy_index()

    def _tidy_index(self) -> None:
        """Merge the search index a little in the background after a batch that stored
        something (storage.search_index.tidy): at most TIDY_SECONDS, and it stops at the
        next step when a new batch starts or the window closes. Emits ``index_tidied``.
        One at a time: a batch that ends while one runs does not start another."""
        if self._tidying:
            return
        self._tidying = True
        archive = self._archive

        def busy() -> bool:  # read from the worker: plain attribute reads
            return self._closing or self._running

        def work() -> object:
            import time

            from storage.search_index import tidy

            return tidy(archive.db, deadline=time.monotonic() + TIDY_SECONDS, should_stop=busy)

        def done(result: object) -> None:
            self._tidying = False
            self.index_tidied.emit(result)

        def failed(exc: BaseException) -> None:
            self._tidying = False
            log.warning("search index not tidied: %s", exc)

        self._runner.submit(work, long=True, on_result=done, on_error=failed)

    def _batch_failed(self, exc: BaseException) -> None:
        from intake.pipeline import BatchSummary

        self._pipeline = None
        self._running = False
        self._report_error(exc)
        self.batch_finished.emit(BatchSummary())
        self.jobs_changed.emit()

    def _report_error(self, exc: BaseException) -> None:
        log.error("capture queue error: %s", exc)
        self.error.emit(f"{exc}")
