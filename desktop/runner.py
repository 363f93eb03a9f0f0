"""The one helper for background work in the desktop app.

Thread rules: :class:`Runner` lives on the GUI thread. ``submit`` runs ``fn`` on a
``QThreadPool`` thread; its result (or exception) comes back to the GUI thread by a
queued signal and is handed to ``on_result`` / ``on_error`` there. Widgets never
start threads themselves: anything that can be slow (a database query, the capture
pipeline, reading a file) goes through a Runner.

Long jobs (the capture pipeline, which blocks until its batch is done) use
``submit(..., long=True)``: they run on a separate pool so they never starve the
short queries that keep the window responsive.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Relay(QObject):
    """Carries one task's outcome to the GUI thread: created there, connected to its
    own slot with a queued connection, so ``deliver`` always runs on the GUI thread."""

    finished = Signal(object, object)  # (result, exception or None)

    def __init__(self, callback: Callable[[Any, BaseException | None], None]) -> None:
        super().__init__()
        self._callback = callback
        self.finished.connect(self.deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def deliver(self, result: Any, exc: BaseException | None) -> None:
        self._callback(result, exc)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._relay = relay

    def run(self) -> None:  # worker thread
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # delivered to on_error, never lost
            log.debug("background task %r failed:\n%s", self._fn, traceback.format_exc())
            self._deliver(None, exc)
        else:
            self._deliver(result, None)

    def _deliver(self, result: Any, exc: BaseException | None) -> None:
        try:
            self._relay.finished.emit(result, exc)
        except RuntimeError:  # the window (and its runner) is gone: nobody to tell
            log.debug("result of %r dropped: its receiver was deleted", self._fn)


class Runner(QObject):
    """Run functions off the GUI thread; deliver outcomes on the GUI thread.

    ``busy_changed(int)`` reports how many tasks are in flight (for a busy cursor or
    tests that want to wait until everything settled).
    """

    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._long_pool = QThreadPool(self)
        self._long_pool.setMaxThreadCount(2)
        self._relays: set[_Relay] = set()
        self._closed = False

    @property
    def in_flight(self) -> int:
        return len(self._relays)

    def submit(self, fn: Callable[..., Any], *args: Any, on_result: ResultCallback | None = None,
               on_error: ErrorCallback | None = None, long: bool = False,
               **kwargs: Any) -> None:
        """Run ``fn(*args, **kwargs)`` in the background (GUI thread only).

        ``on_result(result)`` or ``on_error(exc)`` is then called on the GUI thread.
        Without ``on_error`` the exception is logged. After :meth:`shutdown` nothing runs.
        """
        if self._closed:
            log.debug("runner closed; dropping %r", fn)
            return
        def deliver(result: Any, exc: BaseException | None) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            self.busy_changed.emit(len(self._relays))
            if self._closed:
                return
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background task %s failed: %s", getattr(fn, "__name__", fn), exc)
            elif on_result is not None:
                on_result(result)

        relay = _Relay(deliver)
        self._relays.add(relay)
        self.busy_changed.emit(len(self._relays))
        (self._long_pool if long else self._pool).start(_Task(fn, args, kwargs, relay))

    def wait(self, msecs: int = 5000) -> bool:
        """Block until every task finished (used at shutdown and in benchmarks)."""
        ok_short = self._pool.waitForDone(msecs)
        ok_long = self._long_pool.waitForDone(msecs)
        return ok_short and ok_long

    def shutdown(self, msecs: int = 5000) -> bool:
        """Stop delivering results, drop queued tasks and wait for running ones."""
        self._closed = True
        self._pool.clear()
        self._long_pool.clear()
        return self.wait(msecs)
