"""Extraction with a deadline: :func:`capture.extract.extract` in a child process that is
killed when a page takes too long (docs/reliability.md J5).

Python threads cannot be stopped, and the slow part of a hostile page is often one C
call (libxml2 parsing, a regex) that no cooperative check can interrupt. So the
extractor runs in a worker process; the caller waits for the answer at most
``deadline`` seconds, then kills the worker (by its own pid) and gets a "too complex to
read" result instead (:func:`capture.extract.too_complex_result`). The raw snapshot is
the caller's to keep: nothing is lost, only the page is not read.

Workers are persistent (one start, ~0.5 s, then about 1-2 ms of pickling per normal
page; measured by ``benchmarks/extraction_bounds.py``), started with the ``spawn``
method (fork is unsafe in a process with threads, as the GUI and the pipeline are),
replaced after a kill, and recycled after a huge page so that a worker does not keep
the memory of a 25 MB tree. The work bounds checked inside the extractor
(attributes per element, elements per page) return quickly on the common hostile
shapes; the deadline bounds everything else.

Thread rules: an :class:`ExtractionWorker` serves one caller at a time (its methods
hold a lock); :class:`ExtractionPool` is safe to share between threads and lends each
caller a worker of its own. ``close`` may be called from any thread.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from capture.settings import DEFAULT_SETTINGS
from capture.types import Extracted

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # seconds for a new worker to import the extractor and say so
RECYCLE_AFTER_CHARS = 4_000_000  # a worker that read a page this big is replaced
_POLL = 0.1  # seconds between checks of the cancel event while waiting
#: The start of the reason given for a page cut off by the deadline (after "too complex
#: to read: "); ``verify`` tells such a result from the extractor's own bounds by it.
DEADLINE_REASON = "reading it took longer than"
_READY = "ready"


class ExtractionCancelled(Exception):
    """The caller's cancel event was set while the page was being read."""


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the child process
    """The worker's loop: (html, url) in, :class:`Extracted` out, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    from capture.extract import extract  # imported here: the child pays it, once

    conn.send(_READY)
    while True:
        try:
            html, url = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: Any = extract(html, url)
        except Exception as exc:  # noqa: BLE001 - keep the evidence whatever the parser does
            log.exception("extraction failed for %s", url)
            result = Extracted(warnings=[f"could not extract the article: {exc}"])
        del html
        conn.send(result)


class ExtractionWorker:
    """One extraction process, started on first use, killed at a page's deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> ExtractionWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The worker process's id (None before the first page or after a kill)."""
        return self._proc.pid if self._proc is not None else None

    def extract(self, html: str, url: str | None, *, deadline: float,
                cancel: threading.Event | None = None) -> Extracted:
        """Extract ``html`` in the worker; at most ``deadline`` seconds from the moment the
        worker has the page. Raises :class:`ExtractionCancelled` when ``cancel`` is set
        meanwhile, RuntimeError when no worker can be started."""
        with self._lock:
            conn = self._ensure_started()
            try:
                conn.send((html, url))
            except (OSError, ValueError):  # a worker that died while idle: once more
                self._kill()
                conn = self._ensure_started()
                conn.send((html, url))
            stop_at = time.monotonic() + deadline
            while True:
                left = stop_at - time.monotonic()
                if left <= 0:
                    self._kill()
                    log.warning("extraction of %s stopped at the %g s deadline", url, deadline)
                    from capture.extract import too_complex_result

                    return too_complex_result(
                        f"{DEADLINE_REASON} {deadline:g} s (deadline per page)")
                if cancel is not None and cancel.is_set():
                    self._kill()
                    raise ExtractionCancelled()
                if conn.poll(min(left, _POLL) if cancel is not None else left):
                    break
            try:
                result = conn.recv()
            except (EOFError, OSError):
                code = self._proc.exitcode if self._proc is not None else None
                self._kill()
                log.error("the extraction process of %s ended (exit code %s)", url, code)
                return Extracted(warnings=[
                    "could not extract the article: the reading process stopped "
                    f"(exit code {code}; out of memory?)"])
            if len(html) > RECYCLE_AFTER_CHARS:
                self._stop_gently()
            return result

    def close(self) -> None:
        """Stop the worker (it exits when its pipe closes; killed if it does not)."""
        with self._lock:
            self._stop_gently()

    # internals (under self._lock) ---------------------------------------------------

    def _ensure_started(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self._kill()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_serve, args=(child,), name="cuttings-extract", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        if not parent.poll(START_TIMEOUT):
            self._kill()
            raise RuntimeError("the extraction process did not start")
        try:
            hello = parent.recv()
        except (EOFError, OSError):
            hello = None
        if hello != _READY:
            self._kill()
            raise RuntimeError("the extraction process did not start")
        log.debug("extraction worker %s started", proc.pid)
        return parent

    def _kill(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is not None:
            if proc.is_alive():
                proc.kill()  # this process's own child, by its pid
            proc.join(5)
            proc.close()

    def _stop_gently(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()  # the worker's recv() ends: it returns
        if proc is not None:
            proc.join(2)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            proc.close()


class ExtractionPool:
    """Up to ``size`` extraction workers shared by the capture threads (thread-safe)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = max(1, size or min(4, os.cpu_count() or 1))
        self._idle: queue.LifoQueue[ExtractionWorker] = queue.LifoQueue()
        for _ in range(self.size):
            self._idle.put(ExtractionWorker())
        self._all = list(self._idle.queue)
        self._closed = False

    def extract(self, html: str, url: str | None, *, deadline: float,
                cancel: threading.Event | None = None) -> Extracted:
        """Extract on a free worker (waiting for one while all are busy); see
        :meth:`ExtractionWorker.extract`. The deadline starts when a worker has the page."""
        if self._closed:
            raise RuntimeError("the extraction pool is closed")
        while True:
            try:
                worker = self._idle.get(timeout=_POLL)
                break
            except queue.Empty:
                if cancel is not None and cancel.is_set():
                    raise ExtractionCancelled() from None
        try:
            return worker.extract(html, url, deadline=deadline, cancel=cancel)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker. Idempotent."""
        self._closed = True
        for w in self._all:
            w.close()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def extract_bounded(html: str, url: str | None, *, deadline: float) -> Extracted:
    """One page in a one-off worker (the CLI's ``extract`` and ``import-html``)."""
    with ExtractionWorker() as worker:
        return worker.extract(html, url, deadline=deadline)


def safe_extract(html: str, url: str | None, *,
                 deadline: float = DEFAULT_SETTINGS.extract_deadline,
                 pool: ExtractionPool | None = None,
                 cancel: threading.Event | None = None) -> Extracted:
    """Extraction never loses a capture: on an internal error the raw snapshot is still
    stored, with the error as a warning.

    The page is read in a worker process (``pool``'s, else a one-off one) that is killed
    at the ``deadline``; the result then says "too complex to read" (docs/reliability.md
    J5). Raises :class:`ExtractionCancelled` when ``cancel`` is set.
    """
    try:
        if pool is not None:
            return pool.extract(html, url, deadline=deadline, cancel=cancel)
        return extract_bounded(html, url, deadline=deadline)
    except ExtractionCancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - keep the evidence whatever the parser does
        log.exception("extraction failed for %s", url)
        return Extracted(warnings=[f"could not extract the article: {exc}"])
