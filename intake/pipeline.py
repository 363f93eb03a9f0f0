"""Batch capture: queued jobs -> fetch -> extract -> images -> one transaction each.

Thread rules: ``CapturePipeline.run`` blocks the calling thread (the CLI's main
thread, or a background worker in the GUI) and runs jobs on its own pool of
``settings.workers`` threads, at most ``settings.per_host`` at once per host. The
``on_event`` callback is called from those worker threads: the GUI turns it into a
queued signal. ``stop`` and ``cancel_job`` may be called from any thread.

Durability: the queue lives in the archive (``CaptureJob`` rows). A job is claimed
(``running``, with this run's worker id) before its fetch and marked ``done`` in the
same transaction that stores its capture, so a process killed at any moment loses
no acknowledged capture; jobs left ``running`` go back to ``queued`` on the next
start (``resume``; on a shared PostgreSQL archive only those of a dead or stale
claimer). Several processes may run pipelines on one archive: claims never overlap.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from capture.bounded_read import read_bounded
from capture.charset import decode_html
from capture.extract import EXTRACTOR_VERSION
from capture.extract.bounded import ExtractionCancelled, ExtractionPool, safe_extract
from capture.fetch import Fetcher, FetchError
from capture.saved_page import saved_from_url
from capture.settings import DEFAULT_SETTINGS, Settings
from capture.types import AssetResult, Extracted, FetchResult, ImageRef
from capture.urls import UrlError, canonical_key, normalise
from storage.archive import Archive, JobInfo, StoredCapture, new_worker_id
from storage.db import ArchiveBusyError, ArchiveDiskFullError
from storage.index_health import DAMAGED_MESSAGE, is_index_damage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEvent:
    """Progress of one job, delivered to ``on_event`` from a worker thread."""

    job_id: int
    url: str
    state: str  # queued | running | done | skipped | failed | cancelled
    phase: str | None = None  # fetching | extracting | images | saving
    message: str | None = None
    article_id: int | None = None
    progress: float = 0.0
    # While the page downloads ("fetching"): bytes received so far, and the announced
    # size (None: unknown). Both None in every other event.
    received: int | None = None
    total: int | None = None


@dataclass
class BatchSummary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: int = 0
    requeued: int = 0
    elapsed: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    stopped_reason: str | None = None  # why the batch stopped early (e.g. disk full)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.stopped_reason is None

    def line(self) -> str:
        parts = [f"{self.done} captured"]
        if self.skipped:
            parts.append(f"{self.skipped} already archived")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        if self.requeued:
            parts.append(f"{self.requeued} left queued")
        line = ", ".join(parts) + f" in {self.elapsed:.1f} s"
        return f"{line}; stopped: {self.stopped_reason}" if self.stopped_reason else line


@dataclass
class _Prepared:
    """A fetched and extracted page on its way to the writer thread."""

    job: JobInfo
    fetched: FetchResult
    extracted: Extracted
    assets: list[tuple[ImageRef, AssetResult]]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


# Extraction processes per pipeline: more than the cores only adds memory (each holds a
# parsed page); fewer than the download threads is fine (they wait for a free one).
_EXTRACT_PROCESSES = max(1, min(4, os.cpu_count() or 1))

PHASE_PROGRESS = {"fetching": 0.1, "extracting": 0.5, "images": 0.7, "saving": 0.9}


class CapturePipeline:
    """Runs queued capture jobs with bounded concurrency."""

    def __init__(self, archive: Archive, settings: Settings,
                 on_event: Callable[[JobEvent], None] | None = None,
                 fetcher: Fetcher | None = None) -> None:
        self.archive = archive
        self.settings = settings
        self.on_event = on_event or (lambda _e: None)
        self.fetcher = fetcher or Fetcher(settings)
        self._own_fetcher = fetcher is None
        # worker processes that read the pages, each killed at the reading deadline
        self.extractors = ExtractionPool(min(settings.workers, _EXTRACT_PROCESSES))
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._job_cancel: dict[int, threading.Event] = {}

    # ---- control (any thread) -----------------------------------------------------
    def stop(self) -> None:
        """Stop the batch: in-flight jobs are abandoned and go back to ``queued``."""
        self._stop.set()
        with self._lock:
            for ev in self._job_cancel.values():
                ev.set()

    def cancel_job(self, job_id: int) -> None:
        """Cancel one job: queued -> cancelled now, running -> cancelled when it stops."""
        with self._lock:
            ev = self._job_cancel.get(job_id)
        if ev is not None:
            ev.set()
        else:
            self.archive.cancel_jobs([job_id])

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # ---- running ------------------------------------------------------------------
    def resume(self) -> BatchSummary:
        """Reset jobs interrupted by a crash and run every queued job."""
        self.archive.reset_interrupted_jobs()
        return self.run()

    def run(self, job_ids: Sequence[int] | None = None) -> BatchSummary:
        """Run the given queued jobs (all queued jobs when None); blocks until done.

        Jobs are claimed from the archive in small batches (``Archive.claim_jobs``:
        ``running`` under this run's worker id), so several processes capturing into
        one shared archive never take the same job. Workers fetch, extract and
        download images in parallel; a single writer thread stores each finished
        capture in its own transaction, so a worker is free for its next fetch as soon
        as its capture is handed over (the hand-over queue is bounded, so a slow disk
        slows the fetching down instead of piling up pages in memory). Claimed jobs
        left unfinished (stop, busy archive) go back to ``queued`` at the end.
        """
        started = time.monotonic()
        summary = BatchSummary()
        wanted = None if job_ids is None else list(job_ids)
        if wanted is not None and not wanted:
            return summary
        worker_id = new_worker_id()
        batch = max(1, self.settings.workers)
        per_host: dict[str, int] = defaultdict(int)
        pending: list[JobInfo] = []
        claimed: list[JobInfo] = []
        requeue: list[int] = []
        exhausted = False
        cond = threading.Condition()
        active = 0
        to_store: queue.Queue[_Prepared | None] = queue.Queue(maxsize=self.settings.workers)

        def claim_more() -> None:
            nonlocal exhausted
            try:
                got = self.archive.claim_jobs(batch, worker_id, ids=wanted)
            except ArchiveBusyError as exc:  # the jobs stay queued for a later run
                log.warning("could not claim capture jobs: %s", exc)
                exhausted = True
                try:
                    left = self.archive.jobs(["queued"], ids=wanted)
                except Exception:  # noqa: BLE001 - only for the report
                    left = []
                for job in left:
                    self._emit(job, "queued", message=str(exc))
                    summary.failures.append((job.url, str(exc)))
                summary.requeued += len(left)
                return
            if not got:
                exhausted = True
                return
            for job in got:
                with self._lock:
                    self._job_cancel[job.id] = threading.Event()
                self._emit(job, "queued")
            claimed.extend(got)
            pending.extend(got)

        def record(outcome: str, job: JobInfo) -> None:
            with cond:
                if outcome == "requeued":
                    summary.requeued += 1
                    requeue.append(job.id)
                elif outcome in ("done", "skipped", "cancelled"):
                    setattr(summary, outcome, getattr(summary, outcome) + 1)
                else:
                    summary.failed += 1

        def finished(job: JobInfo, fut: Future[str | None]) -> None:
            nonlocal active
            try:
                outcome = fut.result()
            except BaseException as exc:  # pragma: no cover - _process catches everything
                outcome = "failed"
                summary.failures.append((job.url, str(exc)))
            if outcome is not None:  # None: handed to the writer, which records it
                record(outcome, job)
            with cond:
                active -= 1
                per_host[_host(job.url)] -= 1
                cond.notify_all()

        def writer() -> None:
            while True:
                item = to_store.get()
                if item is None:
                    return
                record(self._store(item, summary), item.job)

        writer_thread = threading.Thread(target=writer, name="capture-writer", daemon=True)
        writer_thread.start()
        try:
            with self.archive.worker_lock(worker_id), ThreadPoolExecutor(
                    max_workers=self.settings.workers, thread_name_prefix="capture") as pool, \
                    cond:
                while True:
                    if self._stop.is_set() and pending:
                        summary.requeued += len(pending)
                        requeue.extend(j.id for j in pending)
                        pending.clear()
                    picked = None
                    if active < self.settings.workers:
                        for i, job in enumerate(pending):
                            if per_host[_host(job.url)] < self.settings.per_host:
                                picked = pending.pop(i)
                                break
                        if (picked is None and not exhausted and not self._stop.is_set()
                                and len(pending) < 2 * batch):
                            claim_more()
                            continue
                    if picked is not None:
                        active += 1
                        per_host[_host(picked.url)] += 1
                        fut = pool.submit(self._process, picked, summary, to_store)
                        fut.add_done_callback(lambda f, j=picked: finished(j, f))
                        continue
                    if not pending and not active:
                        break
                    cond.wait()
        finally:
            to_store.put(None)
            writer_thread.join()
            with self._lock:
                for job in claimed:
                    self._job_cancel.pop(job.id, None)
            try:
                self.archive.release_jobs(requeue + [j.id for j in pending], worker_id)
            except Exception:  # noqa: BLE001 - a later start re-queues abandoned claims
                log.exception("could not put unfinished jobs back in the queue")
        summary.elapsed = time.monotonic() - started
        return summary

    def close(self) -> None:
        self.extractors.close()
        if self._own_fetcher:
            self.fetcher.close()

    # ---- one job (worker thread) ----------------------------------------------------
    def _emit(self, job: JobInfo, state: str, phase: str | None = None,
              message: str | None = None, article_id: int | None = None) -> None:
        progress = 1.0 if state in ("done", "skipped", "failed", "cancelled") else \
            PHASE_PROGRESS.get(phase or "", 0.0)
        try:
            self.on_event(JobEvent(job.id, job.url, state, phase, message, article_id, progress))
        except Exception:  # noqa: BLE001 - a listener must not break the batch
            log.exception("progress listener failed")

    def _download_progress(self, job: JobInfo, received: int, total: int | None) -> None:
        """The page's download (fetcher's callback, throttled there to ~10 a second):
        the job's progress moves from the "fetching" mark to the next phase's as the
        bytes arrive; with no announced size it stays put and only the bytes move."""
        start, end = PHASE_PROGRESS["fetching"], PHASE_PROGRESS["extracting"]
        progress = start + (end - start) * min(1.0, received / total) if total else start
        try:
            self.on_event(JobEvent(job.id, job.url, "running", "fetching", progress=progress,
                                   received=received, total=total))
        except Exception:  # noqa: BLE001 - a listener must not break the batch
            log.exception("progress listener failed")

    def _process(self, job: JobInfo, summary: BatchSummary,
                 to_store: queue.Queue[_Prepared | None]) -> str | None:
        """Fetch, extract and download images (worker thread). Returns the outcome,
        or None when the capture was handed to the writer thread."""
        cancel = self._job_cancel.get(job.id) or threading.Event()
        try:
            prepared = self._prepare(job, cancel, summary)
            if isinstance(prepared, str):
                return prepared
            to_store.put(prepared)
            return None
        except Exception as exc:  # noqa: BLE001 - one bad URL never stops the batch
            return self._internal_failure(job, exc, summary)

    def _internal_failure(self, job: JobInfo, exc: Exception, summary: BatchSummary) -> str:
        if isinstance(exc, ArchiveBusyError):
            self._emit(job, "queued", message=str(exc))
            summary.failures.append((job.url, str(exc)))
            return "requeued"
        if isinstance(exc, ArchiveDiskFullError):
            # Every further capture would fail the same way: keep this one and the rest
            # queued and stop the batch, saying what to do.
            reason = ("the disk is full: this capture and the rest stay queued; free some "
                      "space and resume")
            summary.stopped_reason = reason
            self._emit(job, "queued", message=reason)
            self.stop()
            return "requeued"
        if is_index_damage(exc):
            # The archive's search index is damaged (docs/reliability.md J3): every
            # capture would meet it; keep them queued and say how to repair it.
            reason = f"{DAMAGED_MESSAGE}; this capture and the rest stay queued: resume after it"
            summary.stopped_reason = reason
            self._emit(job, "queued", message=reason)
            self.stop()
            return "requeued"
        log.exception("capture of %s failed", job.url)
        reason = f"internal error: {exc}"
        try:
            self.archive.set_job_state(job.id, "failed", error=reason, error_code="internal",
                                       count_attempt=True)
        except Exception:  # noqa: BLE001
            log.exception("could not record the failure of job %s", job.id)
        self._emit(job, "failed", message=reason)
        summary.failures.append((job.url, reason))
        return "failed"

    def _abandon(self, job: JobInfo) -> str:
        """The job was stopped or cancelled while running."""
        if self._stop.is_set():
            self._emit(job, "queued", message="stopped; will resume")
            return "requeued"
        self.archive.set_job_state(job.id, "cancelled", error="cancelled by the user",
                                   error_code="cancelled")
        self._emit(job, "cancelled", message="cancelled")
        return "cancelled"

    def _prepare(self, job: JobInfo, cancel: threading.Event,
                 summary: BatchSummary) -> str | _Prepared:
        if self._stop.is_set():
            return "requeued"
        if cancel.is_set():
            return self._abandon(job)
        # The job was claimed (``running``) in a batch: a crash leaves it to be resumed.
        self._emit(job, "running", "fetching")
        try:
            fetched = self.fetcher.fetch(
                job.url, cancel=cancel,
                on_progress=lambda got, total: self._download_progress(job, got, total))
        except FetchError as exc:
            if exc.code == "cancelled" or cancel.is_set():
                return self._abandon(job)
            self.archive.set_job_state(job.id, "failed", error=str(exc), error_code=exc.code,
                                       count_attempt=True)
            self._emit(job, "failed", message=str(exc))
            summary.failures.append((job.url, str(exc)))
            return "failed"

        if not job.recapture and canonical_key(fetched.final_url) != canonical_key(job.url):
            dup = self.archive.find_duplicate(fetched.final_url)
            if dup is not None and dup.article_id is not None:
                self.archive.set_job_state(job.id, "skipped", error=dup.message,
                                           error_code="duplicate", article_id=dup.article_id,
                                           count_attempt=True)
                self._emit(job, "skipped", message=dup.message, article_id=dup.article_id)
                return "skipped"

        self._emit(job, "running", "extracting")
        try:
            extracted = safe_extract(fetched.html, fetched.final_url,
                                     deadline=self.settings.extract_deadline,
                                     pool=self.extractors, cancel=cancel)
        except ExtractionCancelled:
            return self._abandon(job)
        assets: list[tuple[ImageRef, AssetResult]] = []
        if self.settings.download_images and extracted.images:
            self._emit(job, "running", "images")
            assets = self.download_images(extracted.images, fetched.final_url, cancel)
        if cancel.is_set():
            return self._abandon(job)
        self._emit(job, "running", "saving")
        # Blobs are written (and fsynced) here, in parallel; the writer thread then only
        # runs the transaction (store_capture finds them present and skips the write).
        self.archive.blobs.put(fetched.body)
        for _ref, res in assets:
            self.archive.blobs.put(res.body)
        return _Prepared(job, fetched, extracted, assets)

    def _store(self, item: _Prepared, summary: BatchSummary) -> str:
        """Store one capture (writer thread): one transaction, then ``done``."""
        try:
            stored = self.archive.store_capture(item.fetched, item.extracted, item.assets,
                                                job_id=item.job.id,
                                                extractor_version=EXTRACTOR_VERSION)
        except Exception as exc:  # noqa: BLE001 - the batch goes on
            return self._internal_failure(item.job, exc, summary)
        message = item.extracted.title or item.fetched.final_url
        if item.extracted.too_complex:  # kept as evidence, not read: say so in the queue
            message = f"kept, but {item.extracted.too_complex}"
        self._emit(item.job, "done", message=message, article_id=stored.article_id)
        return "done"

    def download_images(self, images: Sequence[ImageRef], referer: str,
                        cancel: threading.Event) -> list[tuple[ImageRef, AssetResult]]:
        """Download the article's images within the per-image and per-article caps.
        A failed image is skipped (logged), never fatal."""
        out: list[tuple[ImageRef, AssetResult]] = []
        budget = self.settings.max_images_total_bytes
        seen: set[str] = set()
        for ref in images:
            if cancel.is_set() or budget <= 0:
                break
            if ref.url in seen:
                continue
            seen.add(ref.url)
            try:
                res = self.fetcher.fetch_asset(
                    ref.url, referer=referer,
                    max_bytes=min(self.settings.max_image_bytes, budget), cancel=cancel)
            except FetchError as exc:
                log.info("image %s skipped: %s", ref.url, exc)
                continue
            budget -= len(res.body)
            out.append((ref, res))
        return out


def import_html_file(archive: Archive, path: str | Path, url: str | None = None, *,
                     max_bytes: int | None = None,
                     deadline: float | None = None) -> StoredCapture:
    """Store a page saved from a browser (e.g. a paywalled article) like a capture.

    The file's bytes are the snapshot (hashed as they are); ``url`` is the article's
    address (else the page's own canonical/og:url, else the address the browser or
    SingleFile wrote in a comment (:func:`capture.saved_page.saved_from_url`), else a
    ``urn:sha256`` key). A file
    over ``max_bytes`` (default: the largest page a capture keeps) is refused with
    :class:`capture.bounded_read.InputTooLarge` without being read whole.
    """
    limit = Settings().max_page_bytes if max_bytes is None else max_bytes
    data = read_bounded(path, limit)
    if not data.strip():
        raise ValueError(f"{path} is empty")
    html, encoding = decode_html(data, None)
    extracted = safe_extract(html, url, deadline=deadline or DEFAULT_SETTINGS.extract_deadline)
    # the page's own canonical/og:url, else the address the browser noted when saving it
    address = url or extracted.canonical_url or saved_from_url(html)
    if address:
        try:
            address = normalise(address)
        except UrlError as exc:
            raise ValueError(f"--url is not a valid web address: {exc}") from exc
    sha = hashlib.sha256(data).hexdigest()
    if not address:
        address = f"urn:sha256:{sha}"
    if extracted.canonical_url is None:
        extracted.canonical_url = address
    fetched = FetchResult(
        requested_url=address, final_url=address, status=None,  # type: ignore[arg-type]
        headers=[], body=data, sha256=sha, fetched_at=datetime.now(UTC),
        content_type="text/html", encoding=encoding, html=html)
    return archive.store_capture(fetched, extracted, (), source="import-html",
                                 extractor_version=EXTRACTOR_VERSION)
