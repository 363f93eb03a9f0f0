"""Showing data as plain text in Qt (docs/reliability.md J1).

Rule: every string that came from a page, a server, an import or the user is plain
text wherever Qt shows it. Qt guesses rich text (``Qt::mightBeRichText``) in labels,
tooltips, message boxes, input-dialog labels, "What's this?" and splash messages,
and rich text loads ``<img src>`` from the local disk: a server reason phrase
``<img src="/dev/zero">`` exhausted memory, a page title naming a FIFO froze the
GUI. So data never reaches those widgets raw; it goes through this module:

- labels: :func:`plain_label` / :func:`set_plain` fix ``Qt.PlainText`` on the label
  (the format belongs to the label, so a later ``setText`` stays plain);
  :func:`rich_label` is only for constant markup written in the code, and any data in
  it goes through :func:`escape` exactly once;
- tooltips and "What's this?": :func:`tooltip` returns text Qt cannot misread (the
  text itself when Qt would treat it as plain, else its escaped form);
- message boxes, input and progress dialogs: :func:`message_box`, :func:`ask`,
  :func:`ask_text`, :func:`ask_item`, :func:`set_input_label`, :func:`progress_dialog`
  (their labels are plain);
- window titles: :func:`window_title` (a literal ``[*]`` would be eaten);
- the status bar: :func:`show_status` (``QStatusBar`` paints its message as plain
  text; the helper exists so every message is written through one place);
- documents built from HTML on purpose (the search hits' delegate):
  :class:`NoResourceDocument`, which loads nothing from anywhere.

``tests/reliability/test_j1_plain_text.py`` walks the widgets after capturing
hostile pages and scans ``desktop/`` for calls that bypass these helpers.

Thread rules: GUI thread only (widgets); :func:`tooltip` and :func:`escape` are pure
and may run anywhere a ``QGuiApplication`` exists or not.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QStatusBar,
    QWidget,
)

log = logging.getLogger(__name__)

PLAIN = Qt.TextFormat.PlainText


def escape(text: object) -> str:
    """``text`` as HTML text (``& < > " '`` escaped): for data inside deliberate markup.
    Call it exactly once per piece of data."""
    return html.escape("" if text is None else str(text), quote=True)


def looks_rich(text: str) -> bool:
    """Whether Qt would take ``text`` for rich text where it guesses (``AutoText``)."""
    return bool(text) and bool(QtGui.Qt.mightBeRichText(text))


def tooltip(text: object) -> str:
    """A tooltip (or "What's this?" text) that Qt shows exactly as ``text`` reads.

    Text that Qt would already show as plain is returned unchanged (it looks the same
    as before); text that Qt would take for markup is escaped into a paragraph
    (``Qt.convertFromPlainText``: ``&<>`` escaped, line breaks kept), so no tag or
    entity in it ever acts.
    """
    value = "" if text is None else str(text)
    if not looks_rich(value):
        return value
    return QtGui.Qt.convertFromPlainText(value, Qt.WhiteSpaceMode.WhiteSpaceNormal)


def window_title(text: str) -> str:
    """A window title shown as written: Qt treats ``[*]`` as the "modified" marker and
    drops it, so a literal one is doubled (``[*][*]`` shows as ``[*]``)."""
    return text.replace("[*]", "[*][*]")


def set_plain(label: QLabel, text: str) -> None:
    """Show ``text`` literally in ``label`` (and keep the label plain from now on)."""
    label.setTextFormat(PLAIN)
    label.setText(text)


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text literally, whatever is set on it later."""
    label = QLabel(parent)
    set_plain(label, text)
    return label


def rich_label(markup: str, parent: QWidget | None = None) -> QLabel:
    """A label for markup written in the code (bold words, line breaks). Any data in
    ``markup`` must have gone through :func:`escape`; prefer :func:`plain_label`."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(markup)
    return label


def _plain_labels(widget: QWidget) -> None:
    for label in widget.findChildren(QLabel):
        label.setTextFormat(PLAIN)


def message_box(icon: QMessageBox.Icon, title: str, text: str, informative: str = "",
                buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
                parent: QWidget | None = None, *, markup: bool = False) -> QMessageBox:
    """A message box whose text and informative text are shown literally.

    ``markup=True`` is only for a ``text`` written in the code with its data escaped
    (:func:`escape`); the informative text is always plain.
    """
    box = QMessageBox(icon, window_title(title), "", buttons, parent)
    # Plain before any text arrives: Qt 6 gives the informative label the box's format
    # when it creates it, and would lay out (load images) as soon as the text is set.
    box.setTextFormat(PLAIN)
    if informative:
        box.setInformativeText(informative)
        _plain_labels(box)
    if markup:  # only the main label (setTextFormat on the box would reach both)
        main = box.findChild(QLabel, "qt_msgbox_label")
        if main is not None:
            main.setTextFormat(Qt.TextFormat.RichText)
    box.setText(text)
    return box


def ask(parent: QWidget | None, title: str, text: str, informative: str = "") -> bool:
    """A Yes/No question with plain texts; True for Yes."""
    box = message_box(QMessageBox.Icon.Question, title, text, informative,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def set_input_label(dialog: QInputDialog, text: str) -> None:
    """Set an input dialog's label, shown literally."""
    dialog.setLabelText("")  # creates the label: make it plain before the text arrives
    _plain_labels(dialog)
    dialog.setLabelText(text)


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> tuple[str, bool]:
    """Like ``QInputDialog.getText`` with a plain label: (text, accepted)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(window_title(title))
    set_input_label(dialog, label)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setTextValue(text)
    accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
    value = dialog.textValue()
    dialog.deleteLater()
    return value, accepted


def ask_item(parent: QWidget | None, title: str, label: str, items: list[str],
             current: int = 0, editable: bool = True) -> tuple[str, bool]:
    """Like ``QInputDialog.getItem`` with a plain label: (item, accepted)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(window_title(title))
    set_input_label(dialog, label)
    dialog.setComboBoxItems(items)
    if items:
        dialog.setTextValue(items[max(0, min(current, len(items) - 1))])
    dialog.setComboBoxEditable(editable)
    accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
    value = dialog.textValue()
    dialog.deleteLater()
    return value, accepted


def progress_dialog(text: str, cancel: str, parent: QWidget | None = None) -> QProgressDialog:
    """A busy progress dialog (0..0) whose label shows ``text`` literally (a file name)."""
    dialog = QProgressDialog("", cancel, 0, 0, parent)
    _plain_labels(dialog)
    dialog.setLabelText(text)
    return dialog


def show_status(bar: QStatusBar, text: str, timeout: int = 0) -> None:
    """A temporary status-bar message. ``QStatusBar`` draws it as plain text (checked by
    the J1 test); a splash screen would not, so use this only for the status bar."""
    bar.showMessage(text, timeout)


def _placeholder() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(0)
    return image


class NoResourceDocument(QTextDocument):
    """A document for HTML built on purpose (escaped data) that loads nothing.

    Returning nothing from ``loadResource`` is not enough: Qt's image handler then
    tries ``QImage.load(name)`` itself, which reads local files. So an image gets a
    1x1 transparent placeholder and anything else an empty value, with no access to
    any file or URL.
    """

    _PLACEHOLDER: QImage | None = None

    def loadResource(self, type: int, name: QUrl) -> Any:  # noqa: A002 - Qt's name
        if type == QTextDocument.ResourceType.ImageResource.value:
            if NoResourceDocument._PLACEHOLDER is None:
                NoResourceDocument._PLACEHOLDER = _placeholder()
            return NoResourceDocument._PLACEHOLDER
        return ""
