"""Runs organising operations (tags, claims, collections) in the background, undoably.

Every operation is an :class:`desktop.undo_commands.Op`. ``run(op)`` performs it in
the one :class:`~desktop.runner.Runner` (one Organizer call = one transaction) and,
once it succeeded, pushes an :class:`OrganizeCommand` on the ``QUndoStack``; Edit ›
Undo/Redo run the inverse calls the same way. Operations are serialised: while one
is in flight, ``busy`` is true and Undo/Redo wait (their actions are disabled), so
an undo never overtakes the change it undoes.

Signals: ``changed(str message)`` after any operation, undo or redo finished (the
window refreshes); ``failed(str what, str detail)``.

Thread rules: GUI thread only; the Organizer calls run in workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from desktop.runner import Runner
from desktop.undo_commands import Op
from storage.organize import Organizer

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)


class OrganizeCommand(QUndoCommand):
    """An Op that has already been done once (its first ``redo`` is skipped)."""

    def __init__(self, controller: OrganizeController, op: Op, state: Any) -> None:
        super().__init__(op.text)
        self._controller = controller
        self._op = op
        self.state = state
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:  # QUndoStack.push calls redo(); the work is already done
            self._pushed = True
            return
        self._controller._apply(self, self._op.forward, "Redo")

    def undo(self) -> None:
        self._controller._apply(self, self._op.backward, "Undo")


class OrganizeController(QObject):
    """Undoable organising over one archive (see module docstring)."""

    changed = Signal(str)
    failed = Signal(str, str)

    def __init__(self, archive: Archive, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.archive = archive
        self.runner = runner
        self.organizer = Organizer(archive)
        self.stack = QUndoStack(self)
        self._busy = 0

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def _set_busy(self, delta: int) -> None:
        self._busy += delta

    def run(self, op: Op, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], bool] | None = None) -> None:
        """Do ``op`` in the background; on success push it on the undo stack. An
        ``on_error`` that returns True has handled the failure (no ``failed`` signal)."""
        self._set_busy(1)

        def done(state: Any) -> None:
            self._set_busy(-1)
            self.stack.push(OrganizeCommand(self, op, state))
            if on_done is not None:
                on_done(state)
            self.changed.emit(op.message(state))

        def error(exc: BaseException) -> None:
            self._set_busy(-1)
            log.info("%s failed: %s", op.text, exc)
            if on_error is not None and on_error(exc):
                return
            self.failed.emit(f"Could not {op.text[:1].lower()}{op.text[1:]}", str(exc))

        self.runner.submit(op.first, self.organizer, on_result=done, on_error=error)

    def undo(self) -> bool:
        """Undo the last change (False when there is none or one is still running)."""
        if self.busy or not self.stack.canUndo():
            return False
        self.stack.undo()
        return True

    def redo(self) -> bool:
        if self.busy or not self.stack.canRedo():
            return False
        self.stack.redo()
        return True

    def _apply(self, command: OrganizeCommand, fn: Callable[[Organizer, Any], Any],
               what: str) -> None:
        self._set_busy(1)

        def done(state: Any) -> None:
            command.state = state
            self._set_busy(-1)
            self.changed.emit(f"{what}: {command.text()}.")

        def error(exc: BaseException) -> None:
            # The archive changed under us (another window, a conflict): the history no
            # longer describes it, so it is dropped rather than replayed wrongly.
            self._set_busy(-1)
            self.stack.clear()
            self.failed.emit(f"{what} failed: {command.text()}",
                             f"{exc}. The undo history was cleared; the archive is as "
                             "shown after a reload.")
            self.changed.emit("")

        self.runner.submit(fn, self.organizer, command.state, on_result=done, on_error=error)
