"""The sidebar: Library, Capture queue, Tags, Collections, Outlets, Speakers.

Choosing an entry emits ``chosen(kind, value)``: ``("library", None)``,
``("queue", None)``, ``("tag", name)``, ``("collection", name)``,
``("outlet", name)``, ``("speaker", name)``, ``("saved", query)``. GUI thread only;
the lists are read by :func:`desktop.queries.sidebar_data` in a worker.

Article rows dragged from the table onto a collection emit
``articles_dropped(collection name, [article ids])``; claims dragged from the Claims
tab ``claims_dropped(collection name, [claim ids])``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from desktop.article_model import CLAIM_IDS_MIME, dropped_article_ids
from desktop.plain_text import tooltip
from desktop.queries import SidebarData

log = logging.getLogger(__name__)

KIND_ROLE = Qt.ItemDataRole.UserRole
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2
GROUPS = [("saved", "Saved searches"), ("tag", "Tags"), ("collection", "Collections"),
          ("outlet", "Outlets"), ("speaker", "Speakers")]
EMPTY_HINTS = {"saved": "None yet (☆ saves one)",
               "tag": "No tags yet", "collection": "No collections yet",
               "outlet": "Cited outlets appear here", "speaker": "Quoted people appear here"}


class Sidebar(QTreeWidget):
    chosen = Signal(str, object)
    articles_dropped = Signal(str, list)
    claims_dropped = Signal(str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setAccessibleName("Library navigation")
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(False)
        self.setIndentation(12)
        self.setItemsExpandable(False)
        self.setUniformRowHeights(True)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, self.header().ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, self.header().ResizeMode.ResizeToContents)
        self.library = self._top("Library", "library")
        self.queue = self._top("Capture queue", "queue")
        self.groups: dict[str, QTreeWidgetItem] = {}
        for kind, label in GROUPS:
            item = self._top(label.upper(), None)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(0, KIND_ROLE, "group:" + kind)
            font = item.font(0)
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
            font.setLetterSpacing(font.SpacingType.PercentageSpacing, 106)
            item.setFont(0, font)
            item.setFont(1, font)
            item.setForeground(0, QColor("#6b7280"))
            item.setForeground(1, QColor("#6b7280"))
            self.groups[kind] = item
            item.setExpanded(True)
        self.setCurrentItem(self.library)
        self.currentItemChanged.connect(self._current_changed)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def _top(self, label: str, kind: str | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label, ""])
        item.setData(0, KIND_ROLE, kind)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        self.addTopLevelItem(item)
        return item

    def set_data(self, data: SidebarData) -> None:
        """Replace the lists, keeping the current choice when it still exists."""
        current = self.current_choice()
        kind_now, name_now = self.entry_at(self.currentItem())
        self.blockSignals(True)
        try:
            self.library.setText(1, str(data.articles) if data.articles else "")
            lists = {"tag": data.tags, "collection": data.collections, "outlet": data.outlets,
                     "speaker": data.speakers, "saved": data.saved}
            restore: QTreeWidgetItem | None = None
            for kind, group in self.groups.items():
                group.takeChildren()
                entries = lists[kind]
                group.setText(1, str(len(entries)) if entries else "")
                if not entries:
                    hint = QTreeWidgetItem([EMPTY_HINTS[kind], ""])
                    hint.setFlags(Qt.ItemFlag.NoItemFlags)
                    hint.setForeground(0, self.palette().placeholderText())
                    group.addChild(hint)
                    hint.setFirstColumnSpanned(True)  # over the empty count: not elided
                for name, count in entries:
                    child = QTreeWidgetItem([name, "" if kind == "saved" else str(count)])
                    child.setData(0, KIND_ROLE, kind)
                    child.setData(0, VALUE_ROLE, count if kind == "saved" else name)
                    child.setData(0, NAME_ROLE, name)
                    child.setToolTip(0, tooltip(self._tooltip(kind, name, count)))
                    colour = data.tag_colours.get(name) if kind == "tag" else None
                    if colour:
                        child.setForeground(0, QColor(colour))
                    child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight
                                           | Qt.AlignmentFlag.AlignVCenter)
                    group.addChild(child)
                    if (kind_now, name_now) == (kind, name):
                        restore = child
            if current[0] in ("library", "queue"):
                restore = self.library if current[0] == "library" else self.queue
            self.setCurrentItem(restore or self.library)
        finally:
            self.blockSignals(False)

    @staticmethod
    def _tooltip(kind: str, name: str, count: int) -> str:
        if kind == "speaker":
            return f"{name}: {count} quote(s). Click to see every article quoting them."
        if kind == "outlet":
            return f"{name}: cited by {count} article(s). Click to list them."
        if kind == "saved":
            return f"Search again: {count}"
        if kind == "collection":
            return (f"{name}: {count} article(s). Drop articles here to add them; "
                    "right-click to rename or delete.")
        if kind == "tag":
            return f"{name}: on {count} item(s) (articles, quotes, claims, photo credits)"
        return f"{name}: {count} article(s)"

    def names(self, kind: str) -> list[str]:
        """The names listed under a group (tags, collections, …)."""
        group = self.groups[kind]
        return [group.child(i).data(0, NAME_ROLE) for i in range(group.childCount())
                if group.child(i).data(0, KIND_ROLE) == kind]

    def item_of(self, kind: str, name: str) -> QTreeWidgetItem | None:
        group = self.groups.get(kind)
        for i in range(group.childCount() if group else 0):
            child = group.child(i)
            if child.data(0, KIND_ROLE) == kind and child.data(0, NAME_ROLE) == name:
                return child
        return None

    def entry_at(self, item: QTreeWidgetItem | None) -> tuple[str, str | None]:
        """(kind, name) of an item; group headers give ("group:kind", None)."""
        if item is None:
            return ("", None)
        return (str(item.data(0, KIND_ROLE) or ""), item.data(0, NAME_ROLE))

    # ---- drops: article rows onto a collection -------------------------------------------
    def _collection_at(self, event: QDragMoveEvent | QDropEvent) -> str | None:
        item = self.itemAt(event.position().toPoint())
        kind, name = self.entry_at(item)
        return name if kind == "collection" else None

    @staticmethod
    def _dragged(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> tuple[list, list]:
        mime = event.mimeData()
        return dropped_article_ids(mime), dropped_article_ids(mime, CLAIM_IDS_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(self._dragged(event)):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if any(self._dragged(event)) and self._collection_at(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        articles, claims = self._dragged(event)
        name = self._collection_at(event)
        if (articles or claims) and name:
            event.acceptProposedAction()
            if articles:
                self.articles_dropped.emit(name, articles)
            if claims:
                self.claims_dropped.emit(name, claims)
        else:
            event.ignore()

    def current_choice(self) -> tuple[str, str | None]:
        item = self.currentItem()
        if item is None:
            return ("library", None)
        kind = item.data(0, KIND_ROLE)
        if not kind or str(kind).startswith("group:"):
            return ("library", None)
        return (kind, item.data(0, VALUE_ROLE))

    def choose(self, kind: str, value: str | None = None) -> bool:
        """Select an entry programmatically (emits ``chosen``)."""
        if kind == "library":
            self.setCurrentItem(self.library)
            return True
        if kind == "queue":
            self.setCurrentItem(self.queue)
            return True
        group = self.groups.get(kind)
        if group is None:
            return False
        for i in range(group.childCount()):
            child = group.child(i)
            if child.data(0, NAME_ROLE) == value and child.data(0, KIND_ROLE) == kind:
                group.setExpanded(True)
                self.setCurrentItem(child)
                return True
        return False

    def mark(self, kind: str | None, value: str | None = None) -> None:
        """Highlight the entry naming what the window shows, without emitting ``chosen``
        (``kind`` None: nothing is highlighted, e.g. during an archive-wide search)."""
        item: QTreeWidgetItem | None = None
        if kind == "library":
            item = self.library
        elif kind == "queue":
            item = self.queue
        elif kind in self.groups:
            group = self.groups[kind]
            for i in range(group.childCount()):
                child = group.child(i)
                if child.data(0, KIND_ROLE) == kind and child.data(0, VALUE_ROLE) == value:
                    item = child
                    break
        if item is self.currentItem():
            return
        self.blockSignals(True)
        try:
            self.setCurrentItem(item)
            if item is None:
                self.clearSelection()
        finally:
            self.blockSignals(False)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click on the entry already highlighted chooses it again (Qt reports no
        change of the current item then)."""
        item = self.itemAt(event.position().toPoint())
        again = item is not None and item is self.currentItem()
        super().mousePressEvent(event)
        if again and event.button() == Qt.MouseButton.LeftButton:
            self._current_changed(item, None)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        kind = current.data(0, KIND_ROLE)
        if not kind or str(kind).startswith("group:"):
            return
        self.chosen.emit(kind, current.data(0, VALUE_ROLE))
