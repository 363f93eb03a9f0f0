"""One Return accepts a dialog, even when the field it is typed in completes words.

Qt's completers take the Return key for themselves: a completion popup (PopupCompletion)
only closes (taking the highlighted name), and an editable combo box's inline completion
only accepts the completed text; the dialog needs a second Return. The rule here, used
by every completing field of a dialog (the tag fields, the collection name): Return
takes the highlighted completion, if any, and accepts the dialog at once.

GUI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QCompleter, QDialog, QWidget

log = logging.getLogger(__name__)

_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _return_to_dialog(dialog: QDialog) -> None:
    """Give ``dialog`` the Return key itself: it presses its default button when that
    is enabled (a dialog that cannot be accepted yet stays open)."""
    if dialog.isVisible():
        QApplication.sendEvent(dialog, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                                                 Qt.KeyboardModifier.NoModifier))


def _is_return(event: QEvent) -> bool:
    return (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
            and event.key() in _RETURN_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)


class _AcceptOnReturn(QObject):
    """Event filter on a field: the field handles Return (inline completion), then the
    dialog is accepted."""

    def __init__(self, dialog: QDialog, field: QWidget) -> None:
        super().__init__(field)
        self._dialog = dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not _is_return(event) or not isinstance(watched, QWidget):
            return False
        watched.event(event)  # the completion is taken first (no filters: no loop)
        _return_to_dialog(self._dialog)
        return True


class _PopupReturn(QObject):
    """Event filter on a completer's popup: Return inserts the highlighted completion
    (through ``insert``) and then reaches the dialog as if the popup had not been open."""

    def __init__(self, completer: QCompleter, insert: Callable[[str], None]) -> None:
        super().__init__(completer)
        self._completer = completer
        self._insert = insert

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not _is_return(event):
            return False
        popup = self._completer.popup()
        current = popup.currentIndex()
        popup.hide()
        if current.isValid():
            self._insert(str(current.data()))
        field = self._completer.widget()
        dialog = field.window() if field is not None else None
        if isinstance(dialog, QDialog):
            _return_to_dialog(dialog)
        return True


def accept_on_return(dialog: QDialog, field: QWidget) -> None:
    """One Return in ``field`` (an editable combo box or line edit with inline
    completion) takes the completion and accepts ``dialog``."""
    field.installEventFilter(_AcceptOnReturn(dialog, field))


def popup_return_accepts(completer: QCompleter, insert: Callable[[str], None]) -> None:
    """One Return in a completion popup takes the highlighted name (``insert``) and
    accepts the dialog the completed field is in."""
    popup = completer.popup()  # created now, so this filter runs before Qt's own
    popup.installEventFilter(_PopupReturn(completer, insert))
