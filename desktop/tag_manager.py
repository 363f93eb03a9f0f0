"""Tag manager: every tag with how many items carry it; rename, merge, colour, delete.

Changes go through the :class:`~desktop.organize_controller.OrganizeController`
(background, undoable); deleting asks first, naming how many items lose the tag.
The ``rename``/``merge``/``set_colour``/``delete`` methods take their answers as
arguments (the buttons ask for them), so tests drive the real dialog without nested
modal loops. GUI thread only.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import undo_commands as ops
from desktop.organize_controller import OrganizeController
from desktop.plain_text import ask_item, ask_text, message_box, window_title

log = logging.getLogger(__name__)

COLUMNS = ["Tag", "Articles", "Quotes", "Claims", "Photo credits", "Total"]


class TagManager(QDialog):
    """Lists the tags (read in a worker) and changes them undoably."""

    def __init__(self, organize: OrganizeController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagManager")
        self.setWindowTitle("Manage tags")
        self.organize = organize
        self.loaded = False
        self._closed = False  # answers arriving after close are dropped
        self.view = QTreeWidget()
        self.view.setObjectName("tagList")
        self.view.setAccessibleName("Tags")
        self.view.setHeaderLabels(COLUMNS)
        self.view.setRootIsDecorated(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.header().resizeSection(0, 200)
        buttons = QHBoxLayout()
        self.rename_button = QPushButton("Rename…")
        self.merge_button = QPushButton("Merge into…")
        self.colour_button = QPushButton("Colour…")
        self.delete_button = QPushButton("Delete…")
        for b, slot in ((self.rename_button, self._ask_rename),
                        (self.merge_button, self._ask_merge),
                        (self.colour_button, self._ask_colour),
                        (self.delete_button, self._ask_delete)):
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(640, 420)
        organize.changed.connect(self.reload)
        self.reload()

    def done(self, result: int) -> None:
        self._closed = True
        self.organize.changed.disconnect(self.reload)
        super().done(result)

    def reload(self, *_args: object) -> None:
        if self._closed:
            return
        self.loaded = False
        self.organize.runner.submit(self.organize.organizer.tags, on_result=self._show,
                                    on_error=lambda exc: log.error("tags: %s", exc))

    def _show(self, tags: list) -> None:
        if self._closed:
            return
        current = self.current()
        self.view.clear()
        for t in tags:
            item = QTreeWidgetItem([t.name, str(t.articles), str(t.quotes), str(t.claims),
                                    str(t.credits), str(t.total)])
            item.setData(0, Qt.ItemDataRole.UserRole, t.name)
            item.setData(5, Qt.ItemDataRole.UserRole, t.total)
            if t.color:
                item.setBackground(0, QBrush(QColor(t.color)))
            for col in range(1, 6):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            self.view.addTopLevelItem(item)
            if t.name == current:
                self.view.setCurrentItem(item)
        self.loaded = True

    def current(self) -> str | None:
        item = self.view.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def select(self, name: str) -> bool:
        for i in range(self.view.topLevelItemCount()):
            item = self.view.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.view.setCurrentItem(item)
                return True
        return False

    def names(self) -> list[str]:
        return [self.view.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                for i in range(self.view.topLevelItemCount())]

    def count_of(self, name: str) -> int:
        for i in range(self.view.topLevelItemCount()):
            item = self.view.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                return int(item.data(5, Qt.ItemDataRole.UserRole))
        return 0

    # ---- the changes (undoable) ------------------------------------------------------------
    def rename(self, old: str, new: str) -> None:
        self.organize.run(ops.rename_tag(old, new))

    def merge(self, source: str, into: str) -> None:
        self.organize.run(ops.merge_tags(source, into))

    def set_colour(self, name: str, colour: str | None) -> None:
        self.organize.run(ops.set_tag_color(name, colour))

    def delete(self, name: str) -> None:
        self.organize.run(ops.delete_tag(name))

    def delete_question(self, name: str) -> QMessageBox:
        """The confirmation shown before deleting (non-blocking; returns the box)."""
        n = self.count_of(name)
        box = message_box(QMessageBox.Icon.Question, "Delete tag", f"Delete the tag “{name}”?",
                          f"{n} item{'s' if n != 1 else ''} carry it (articles, quotes, "
                          "claims, photo credits); they lose the tag, nothing else. "
                          "Edit › Undo brings it back.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setObjectName("deleteTagQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda: self.delete(name))
        box.open()
        self.question = box
        return box

    # ---- the buttons ask -------------------------------------------------------------------
    def _ask_rename(self) -> None:
        name = self.current()
        if name is None:
            return
        new, ok = ask_text(self, "Rename tag", f"New name for “{name}”:", text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename(name, new.strip())

    def _ask_merge(self) -> None:
        name = self.current()
        if name is None:
            return
        others = [n for n in self.names() if n != name]
        if not others:
            return
        into, ok = ask_item(self, "Merge tag", f"Merge “{name}” into:", others, 0, False)
        if ok and into:
            self.merge(name, into)

    def _ask_colour(self) -> None:
        name = self.current()
        if name is None:
            return
        colour = QColorDialog.getColor(QColor("#2563eb"), self,
                                       window_title(f"Colour of “{name}”"))
        if colour.isValid():
            self.set_colour(name, colour.name())

    def _ask_delete(self) -> None:
        name = self.current()
        if name is not None:
            self.delete_question(name)
