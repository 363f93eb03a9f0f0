"""Organising the library: tag the selected articles, collections in the sidebar.

* Tag the selected articles (many at once: one background transaction).
* Collections: create, rename, delete from the sidebar's context menu; add the
  selected articles (Ctrl+K, table context menu) or claims (Claims tab), or drag
  table rows onto a sidebar collection; "Show contents" lists a collection's
  articles and claims.
* Saved searches: save the current search, delete one.

Everything undoable runs through the
:class:`~desktop.organize_controller.OrganizeController`. The ``ask_*`` methods open
non-modal dialogs and return them (tests fill them in). GUI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QMenu,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import undo_commands as ops
from desktop.claim_dialog import TagsDialog
from desktop.one_return import accept_on_return
from desktop.organize_controller import OrganizeController
from desktop.plain_text import message_box, plain_label, set_input_label, window_title
from desktop.sidebar import Sidebar

log = logging.getLogger(__name__)


class CollectionView(QDialog):
    """A collection's articles and claims; activating one opens it (signal
    ``open_article(int article_id, int start, int end)``, start/end -1 for articles)."""

    open_article = Signal(int, int, int)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("collectionView")
        self.setWindowTitle(window_title(f"Collection: {name}"))
        self.summary = plain_label(f"Reading “{name}”…")
        self.tree = QTreeWidget()
        self.tree.setObjectName("collectionItems")
        self.tree.setHeaderLabels(["Item", "Details"])
        self.tree.header().resizeSection(0, 380)
        self.articles = QTreeWidgetItem(["Articles", ""])
        self.claims = QTreeWidgetItem(["Claims", ""])
        self.tree.addTopLevelItems([self.articles, self.claims])
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(680, 460)
        self._closed = False

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    def show_view(self, view: Any) -> None:
        if self._closed:
            return
        self.summary.setText(f"{len(view.articles)} article(s), {len(view.claims)} claim(s)."
                             "  Double-click one to read it.")
        for a in view.articles:
            item = QTreeWidgetItem([a.get("title") or a.get("url") or "",
                                    a.get("publisher") or ""])
            item.setData(0, Qt.ItemDataRole.UserRole, (a["id"], -1, -1))
            self.articles.addChild(item)
        for c in view.claims:
            item = QTreeWidgetItem([c.text, f"{c.verdict} — {c.article_title or ''}"])
            item.setData(0, Qt.ItemDataRole.UserRole, (c.article_id, c.start, c.end))
            self.claims.addChild(item)
        self.articles.setText(1, str(len(view.articles)))
        self.claims.setText(1, str(len(view.claims)))
        self.articles.setExpanded(True)
        self.claims.setExpanded(True)

    def _activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        target = item.data(0, Qt.ItemDataRole.UserRole)
        if target:
            self.open_article.emit(*target)


class LibraryOrganizer(QObject):
    """Signals: ``message(str)``; ``open_at(article_id, start, end)`` from a
    collection view; ``saved_changed()`` after a saved search was added or removed."""

    message = Signal(str)
    open_at = Signal(int, int, int)
    saved_changed = Signal()

    def __init__(self, window: QWidget, sidebar: Sidebar, organize: OrganizeController,
                 selected_ids: Callable[[], list[int]]) -> None:
        super().__init__(window)
        self.window = window
        self.sidebar = sidebar
        self.organize = organize
        self.selected_ids = selected_ids
        self.dialog: QDialog | None = None
        sidebar.customContextMenuRequested.connect(self._sidebar_menu)
        sidebar.articles_dropped.connect(self.add_articles)
        sidebar.claims_dropped.connect(lambda name, ids: self.organize.run(
            ops.add_to_collection(name, claims=ids)))

    @property
    def runner(self) -> Any:
        return self.organize.runner

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()
        self.dialog = dialog
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _ask_name(self, title: str, label: str, items: Sequence[str], text: str,
                  accepted: Callable[[str], None]) -> QInputDialog:
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle(window_title(title))
        set_input_label(dialog, label)
        if items:
            dialog.setComboBoxItems(list(items))
            dialog.setComboBoxEditable(True)
        dialog.setTextValue(text)
        if items:  # one Return takes the inline completion and accepts
            for combo in dialog.findChildren(QComboBox):
                accept_on_return(dialog, combo)
        dialog.textValueSelected.connect(
            lambda value: accepted(value.strip()) if value.strip() else None)
        self._open(dialog)
        return dialog

    # ---- articles ------------------------------------------------------------------------
    def ask_tag_articles(self, names: Sequence[str] | None = None,
                         current: Sequence[str] = ()) -> QDialog | None:
        """One article: edit its tags (add and remove). Several: add tags to all."""
        ids = self.selected_ids()
        if not ids:
            self.message.emit("Select one or more articles first.")
            return None
        if names is None:
            org = self.organize.organizer
            single = ids[0] if len(ids) == 1 else None
            self.runner.submit(
                lambda: (org.tag_names("", 2000),
                         org.tags_of("article", single) if single is not None else []),
                on_result=lambda r: self.ask_tag_articles(r[0], r[1]),
                on_error=lambda exc: self.message.emit(f"Could not read the tags: {exc}"))
            return None
        if len(ids) == 1:
            dialog = TagsDialog("Tags of the selected article:", current, names, self.window)
            dialog.setWindowTitle("Tag article")
            dialog.accepted.connect(lambda: self._set_article_tags(ids[0], current,
                                                                   dialog.tags()))
            return self._open(dialog)
        what = f"{len(ids)} selected articles"
        dialog = TagsDialog(f"Add tags to the {what}:", [], names, self.window)
        dialog.setWindowTitle("Tag articles")
        dialog.accepted.connect(lambda: [self.tag_articles(t, ids) for t in dialog.tags()])
        return self._open(dialog)

    def _set_article_tags(self, article_id: int, before: Sequence[str],
                          after: Sequence[str]) -> None:
        if [t.casefold() for t in before] != [t.casefold() for t in after]:
            self.organize.run(ops.set_item_tags("article", article_id, before, after))

    def tag_articles(self, name: str, ids: Sequence[int] | None = None) -> None:
        """Tag the articles (default: the selected ones) in one background transaction."""
        ids = list(ids if ids is not None else self.selected_ids())
        if ids and name.strip():
            self.organize.run(ops.tag_items(name.strip(), {"article": ids}))

    def ask_collection(self) -> QDialog | None:
        ids = self.selected_ids()
        if not ids:
            self.message.emit("Select one or more articles first.")
            return None
        return self._ask_name("Add to collection", "Collection (a new name creates it):",
                              self.sidebar.names("collection"), "",
                              lambda name: self.add_articles(name, ids))

    def add_articles(self, name: str, ids: Sequence[int] | None = None) -> None:
        ids = list(ids if ids is not None else self.selected_ids())
        if ids:
            self.organize.run(ops.add_to_collection(name, articles=ids))

    def ask_collect_claim(self, claim_id: int) -> QDialog:
        return self._ask_name("Add claim to collection", "Collection (a new name creates it):",
                              self.sidebar.names("collection"), "",
                              lambda name: self.organize.run(
                                  ops.add_to_collection(name, claims=[claim_id])))

    # ---- collections in the sidebar -----------------------------------------------------------
    def _sidebar_menu(self, pos: QPoint) -> None:
        kind, name = self.sidebar.entry_at(self.sidebar.itemAt(pos))
        menu = QMenu(self.sidebar)
        menu.setObjectName("sidebarMenu")
        if kind in ("collection", "group:collection"):
            menu.addAction("New collection…", self.ask_new_collection)
        if kind == "collection" and name:
            menu.addAction("Show contents…", lambda: self.show_collection(name))
            menu.addAction("Rename…", lambda: self.ask_rename_collection(name))
            menu.addAction("Delete…", lambda: self.ask_delete_collection(name))
        if kind in ("tag", "group:tag"):
            menu.addAction("Manage tags…", lambda: self.window.open_tag_manager())
        if kind == "saved" and name:
            menu.addAction("Delete saved search…", lambda: self.ask_delete_saved(name))
        if menu.isEmpty():
            return
        self.last_menu = menu
        menu.popup(self.sidebar.viewport().mapToGlobal(pos))

    def ask_new_collection(self) -> QDialog:
        return self._ask_name("New collection", "Name:", [], "",
                              lambda name: self.organize.run(ops.create_collection(name)))

    def ask_rename_collection(self, name: str) -> QDialog:
        return self._ask_name("Rename collection", f"New name for “{name}”:", [], name,
                              lambda new: self.organize.run(ops.rename_collection(name, new))
                              if new != name else None)

    def ask_delete_collection(self, name: str) -> QMessageBox:
        """Ask before deleting (the articles stay; Undo brings the collection back)."""
        box = message_box(QMessageBox.Icon.Question, "Delete collection",
                          f"Delete the collection “{name}”?",
                          "Its articles and claims stay in the archive; only the "
                          "collection goes. Edit › Undo brings it back.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self.window)
        box.setObjectName("deleteCollectionQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(
            lambda: self.organize.run(ops.delete_collection(name)))
        box.open()
        self.question = box
        return box

    def show_collection(self, name: str) -> CollectionView:
        view = CollectionView(name, self.window)
        view.open_article.connect(self.open_at)
        self._open(view)
        self.runner.submit(self.organize.organizer.collection, name, on_result=view.show_view,
                           on_error=lambda exc: None if view._closed else view.summary.setText(
                               f"Could not read the collection: {exc}"))
        return view

    # ---- saved searches --------------------------------------------------------------------
    def save_search(self, name: str, query: str) -> None:
        from storage.saved_searches import save_search

        self.runner.submit(save_search, self.organize.archive, name, query,
                           on_result=lambda _r: (self.message.emit(
                               f"Search saved as “{name}” (in the sidebar)."),
                               self.saved_changed.emit()),
                           on_error=lambda exc: self.message.emit(
                               f"Could not save the search: {exc}"))

    def ask_save_search(self, query: str) -> QDialog | None:
        if not query.strip():
            self.message.emit("Type a search first, then save it.")
            return None
        return self._ask_name("Save search", f"Name for “{query}”:", [], query[:60],
                              lambda name: self.save_search(name, query))

    def ask_delete_saved(self, name: str) -> QMessageBox:
        box = message_box(QMessageBox.Icon.Question, "Delete saved search",
                          f"Delete the saved search “{name}”?", "",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self.window)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(
            lambda: self.delete_saved(name))
        box.open()
        self.question = box
        return box

    def delete_saved(self, name: str) -> None:
        from storage.saved_searches import delete_saved_search

        self.runner.submit(delete_saved_search, self.organize.archive, name,
                           on_result=lambda query: (self.message.emit(
                               f"Deleted the saved search “{name}” ({query})."),
                               self.saved_changed.emit()),
                           on_error=lambda exc: self.message.emit(str(exc)))
