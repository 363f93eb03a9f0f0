"""The tabs beside the reader: Quotes, Sources, Photo credits, Claims, Capture.

Thread rules: GUI thread only; filled from a :class:`~desktop.reader.ReaderBundle`
that was read in a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.article_model import CLAIM_IDS_MIME, ids_mime
from desktop.claim_dialog import VERDICT_COLOURS
from desktop.hash_field import HashField
from desktop.plain_text import plain_label, tooltip
from desktop.reader import THUMBNAIL, ReaderBundle

log = logging.getLogger(__name__)

KIND_LABELS = {"attribution": "named as source", "link": "linked", "footer": "credit line"}
RANGE_ROLE = Qt.ItemDataRole.UserRole + 1
URL_ROLE = Qt.ItemDataRole.UserRole + 2
ID_ROLE = Qt.ItemDataRole.UserRole + 3
TAGS_ROLE = Qt.ItemDataRole.UserRole + 4
ANCHOR_LABELS = {"ok": "", "moved": "moved in the new capture",
                 "changed": "text changed since marked"}


class _Tree(QTreeWidget):
    """A details list; its items can be dragged (as ids) when ``drag_mime`` is set."""

    drag_mime = ""

    def mimeTypes(self) -> list[str]:
        return [self.drag_mime] if self.drag_mime else super().mimeTypes()

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        ids = [int(i.data(0, ID_ROLE)) for i in items if i.data(0, ID_ROLE) is not None]
        return ids_mime(ids, self.drag_mime)


def _tree(columns: list[str], name: str) -> QTreeWidget:
    tree = _Tree()
    tree.setObjectName(name)
    tree.setAccessibleName(name)
    tree.setHeaderLabels(columns)
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(False)
    tree.setWordWrap(True)
    tree.setAlternatingRowColors(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.header().setStretchLastSection(True)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    # Row heights follow the column widths, so long quotes and claims wrap, not elide.
    tree.setItemDelegate(WrapDelegate(tree))
    tree.header().sectionResized.connect(lambda *_a: tree.scheduleDelayedItemsLayout())
    return tree


class WrapDelegate(QStyledItemDelegate):
    """Sizes a row to its text wrapped at the column's width (at most MAX_LINES lines)."""

    MAX_LINES = 4

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not text:
            return hint
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        width = max(40, self._tree.columnWidth(index.column()) - 16)
        metrics = QFontMetrics(opt.font)
        rect = metrics.boundingRect(QRect(0, 0, width, 10_000),
                                    int(Qt.TextFlag.TextWordWrap), str(text))
        height = min(rect.height(), metrics.lineSpacing() * self.MAX_LINES) + 14
        return QSize(hint.width(), max(hint.height(), height))


def _set_ids(item: QTreeWidgetItem, row: dict[str, Any]) -> None:
    if row.get("id") is not None:
        item.setData(0, ID_ROLE, int(row["id"]))
    item.setData(0, TAGS_ROLE, list(row.get("tags") or []))


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    except ValueError:
        return value


#: How an imported capture's text was checked (``text_state`` of ``Archive.article``).
PROVENANCE_LABELS = {
    "verified": "imported; re-extracted from the snapshot and identical",
    "unverified": "imported; UNVERIFIED (not re-checked against the snapshot)",
}


class DetailsTabs(QTabWidget):
    """Lists what was found in the article.

    Signals: ``jump_to(int start, int end)`` when a quote (or a source mention, or a
    claim) is chosen; ``open_link(QUrl)`` when a source link is activated;
    ``tag_item(kind, id, current tags, label)`` from a "Tag…" context menu (kind:
    quote, credit, claim); ``edit_claim(id)``, ``delete_claim(id)``,
    ``collect_claim(id)`` from the Claims tab's context menu.
    """

    jump_to = Signal(int, int)
    open_link = Signal(QUrl)
    tag_item = Signal(str, int, list, str)
    edit_claim = Signal(int)
    delete_claim = Signal(int)
    collect_claim = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsTabs")
        self.setAccessibleName("Article details")
        self.setDocumentMode(True)

        self.quotes = _tree(["Quote", "Speaker"], "Quotes")
        self.quotes.header().setStretchLastSection(False)
        self.quotes.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.quotes.header().resizeSection(1, 130)
        self.sources = _tree(["Outlet", "How", "Context"], "Sources")
        self.sources.header().resizeSection(0, 120)
        self.sources.header().resizeSection(1, 100)
        self.credits = _tree(["Image", "Credit"], "Photo credits")
        self.credits.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.credits.header().resizeSection(0, THUMBNAIL + 16)
        self.claims = _tree(["Claim", "Verdict", "Note", "Tags"], "Claims")
        self.claims.drag_mime = CLAIM_IDS_MIME  # drop claims on a sidebar collection
        self.claims.setDragEnabled(True)
        self.claims.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.claims.header().setStretchLastSection(False)
        self.claims.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 88), (2, 150), (3, 110)):
            self.claims.header().resizeSection(col, width)
        self.capture = _tree(["Field", "Value"], "Capture")
        self.capture.setRootIsDecorated(True)
        # the Field column fits its longest name in the window's font, arrow included
        longest = self.capture.fontMetrics().horizontalAdvance("Earlier captures")
        self.capture.header().resizeSection(
            0, max(130, longest + self.capture.indentation() + 24))
        self.capture.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.capture.customContextMenuRequested.connect(self._capture_menu)
        capture_page = self._capture_page()

        self.addTab(self.quotes, "Quotes")
        self.addTab(self.sources, "Sources")
        self.addTab(self.credits, "Photo credits")
        self.addTab(self.claims, "Claims")
        self.addTab(capture_page, "Capture")

        for tree in (self.quotes, self.sources, self.claims):
            tree.itemClicked.connect(self.choose_item)
            tree.itemActivated.connect(self.choose_item)
        self.sources.itemDoubleClicked.connect(self._source_link)
        for tree, kind in ((self.quotes, "quote"), (self.credits, "credit"),
                           (self.claims, "claim")):
            tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            tree.customContextMenuRequested.connect(
                lambda pos, t=tree, k=kind: self._item_menu(t, k, pos))
        self.focus_speaker: str | None = None  # set while the library is filtered by a speaker
        self.clear_all()

    def _capture_page(self) -> QWidget:
        """The Capture tab: the snapshot's SHA-256 whole (selectable, monospace, wrapped
        when narrow) above the tree of the other facts."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sha_row = QWidget()
        self.sha_row.setObjectName("captureShaRow")
        row = QHBoxLayout(self.sha_row)
        row.setContentsMargins(6, 4, 4, 4)
        label: QLabel = plain_label("SHA-256")
        label.setToolTip("The fingerprint of the raw snapshot as downloaded: the same "
                         "file always gives the same value")
        label.setFixedWidth(self.capture.header().sectionSize(0) - 6)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.sha256 = HashField()
        self.sha256.setObjectName("captureSha256")
        self.sha256.setAccessibleName("SHA-256 of the raw snapshot")
        row.addWidget(label)
        row.addWidget(self.sha256, 1)
        self.sha_row.setVisible(False)
        layout.addWidget(self.sha_row)
        layout.addWidget(self.capture, 1)
        return page

    def _capture_menu(self, pos: QPoint) -> None:
        """Copy a Capture row's whole value (hashes, URLs, headers)."""
        item = self.capture.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        menu.addAction("Copy value",
                       lambda: QApplication.clipboard().setText(item.text(1)))
        menu.popup(self.capture.viewport().mapToGlobal(pos))

    def clear_all(self) -> None:
        for tree in (self.quotes, self.sources, self.credits, self.claims, self.capture):
            tree.clear()
        self.sha256.clear()
        self.sha_row.setVisible(False)
        self._set_counts(0, 0, 0, 0)

    def _set_counts(self, quotes: int, sources: int, credits: int, claims: int) -> None:
        self.setTabText(0, f"Quotes ({quotes})" if quotes else "Quotes")
        self.setTabText(1, f"Sources ({sources})" if sources else "Sources")
        self.setTabText(2, f"Photo credits ({credits})" if credits else "Photo credits")
        self.setTabText(3, f"Claims ({claims})" if claims else "Claims")

    def show_bundle(self, bundle: ReaderBundle) -> None:
        bundle.decode_images()  # GUI thread (idempotent; the reader may have done it)
        art = bundle.article
        self.clear_all()
        for q in sorted(art.get("quotes", []), key=lambda q: (q.get("start", -1) < 0,
                                                               q.get("start", 0))):
            item = QTreeWidgetItem([f"“{q['quote']}”", q.get("speaker") or "—"])
            item.setToolTip(0, tooltip(q["quote"] + (f"\nTags: {', '.join(q['tags'])}"
                                                     if q.get("tags") else "")))
            who = q.get("speaker") or "unknown speaker"
            if q.get("role"):
                who += f", {q['role']}"
            item.setToolTip(1, tooltip(who))
            item.setData(0, RANGE_ROLE, (q.get("start", -1), q.get("end", -1)))
            _set_ids(item, q)
            if self.focus_speaker and q.get("speaker") == self.focus_speaker:
                for col in (0, 1):
                    font = item.font(col)
                    font.setBold(True)
                    item.setFont(col, font)
            self.quotes.addTopLevelItem(item)
        for src in art.get("sources", []):
            item = QTreeWidgetItem([src["name"], KIND_LABELS.get(src["kind"], src["kind"]),
                                    src.get("context") or ""])
            item.setToolTip(2, tooltip(src.get("context")))
            mentions = src.get("mentions") or []
            if mentions and len(mentions[0]) == 2:
                item.setData(0, RANGE_ROLE, (mentions[0][0], mentions[0][1]))
            if src.get("url"):
                item.setData(0, URL_ROLE, src["url"])
                item.setToolTip(0, tooltip(f"{src['url']}\nDouble-click to open it in your "
                                           "browser"))
                item.setForeground(0, QBrush(QColor("#1d4ed8")))
            self.sources.addTopLevelItem(item)
        for cr in art.get("photo_credits", []):
            parts = [cr.get("credit") or ""]
            if cr.get("photographer"):
                parts.append(f"Photographer: {cr['photographer']}")
            if cr.get("provider"):
                parts.append(f"Provider: {cr['provider']}")
            if cr.get("caption"):
                parts.append(cr["caption"])
            if cr.get("tags"):
                parts.append("Tags: " + ", ".join(cr["tags"]))
            item = QTreeWidgetItem(["", "\n".join(parts)])
            _set_ids(item, cr)
            thumb = bundle.thumbnails.get(cr.get("image_sha256") or "")
            if thumb is not None:
                item.setIcon(0, QIcon(QPixmap.fromImage(thumb)))
                item.setSizeHint(0, QSize(THUMBNAIL, THUMBNAIL + 8))
            else:
                item.setText(0, "(no image)")
            self.credits.addTopLevelItem(item)
        for claim in sorted(art.get("claims", []), key=lambda c: (c.get("start", 0), c["id"])):
            self.claims.addTopLevelItem(self._claim_item(claim))
        self._fill_capture(art)
        self._set_counts(len(art.get("quotes", [])), len(art.get("sources", [])),
                         len(art.get("photo_credits", [])), len(art.get("claims", [])))

    @staticmethod
    def _claim_item(claim: dict[str, Any]) -> QTreeWidgetItem:
        state = ANCHOR_LABELS.get(claim.get("anchor_state") or "ok", claim.get("anchor_state"))
        verdict = claim.get("verdict") or ""
        item = QTreeWidgetItem([claim["text"], verdict + (f"\n⚠ {state}" if state else ""),
                                claim.get("note") or "", ", ".join(claim.get("tags") or [])])
        item.setData(0, RANGE_ROLE, (claim.get("start", -1), claim.get("end", -1)))
        _set_ids(item, claim)
        item.setBackground(1, QBrush(QColor(VERDICT_COLOURS.get(verdict, "#ffffff"))))
        tip = claim["text"]
        if claim.get("evidence"):
            tip += "\n\nEvidence:\n" + "\n".join(claim["evidence"])
        if state:
            tip += f"\n\n⚠ The article's {state}: check the claim against the new text."
            item.setForeground(0, QBrush(QColor("#9a3412")))
        item.setToolTip(0, tooltip(tip))
        item.setToolTip(2, tooltip(claim.get("note")))
        return item

    def _item_menu(self, tree: QTreeWidget, kind: str, pos: QPoint) -> None:
        item = tree.itemAt(pos)
        if item is None or item.data(0, ID_ROLE) is None:
            return
        item_id = int(item.data(0, ID_ROLE))
        tags = list(item.data(0, TAGS_ROLE) or [])
        label = {"quote": "Quote", "credit": "Photo credit", "claim": "Claim"}[kind]
        text = item.text(0) or item.text(1)
        menu = QMenu(tree)
        menu.setObjectName(f"{kind}Menu")
        menu.addAction("Tag…", lambda: self.tag_item.emit(kind, item_id, tags,
                                                          f"{label}: {text[:200]}"))
        if kind == "claim":
            menu.addAction("Edit claim…", lambda: self.edit_claim.emit(item_id))
            menu.addAction("Add to collection…", lambda: self.collect_claim.emit(item_id))
            menu.addSeparator()
            menu.addAction("Delete claim", lambda: self.delete_claim.emit(item_id))
        self.last_menu = menu
        menu.popup(tree.viewport().mapToGlobal(pos))

    def item_with_id(self, tree: QTreeWidget, item_id: int) -> QTreeWidgetItem | None:
        for i in range(tree.topLevelItemCount()):
            item = tree.topLevelItem(i)
            if item.data(0, ID_ROLE) == item_id:
                return item
        return None

    def _fill_capture(self, art: dict[str, Any]) -> None:
        captures = art.get("captures", [])
        latest = next((c for c in captures if c.get("latest")), captures[0] if captures else None)
        if latest is None:
            return
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)

        def add(label: str, value: Any, parent: QTreeWidgetItem | None = None,
                monospace: bool = False) -> QTreeWidgetItem:
            item = QTreeWidgetItem([label, "" if value is None else str(value)])
            item.setToolTip(1, tooltip(value))
            if monospace:
                item.setFont(1, mono)
            if parent is not None:
                parent.addChild(item)
            else:
                self.capture.addTopLevelItem(item)
            return item

        add("Final URL", latest["final_url"])
        if latest["requested_url"] != latest["final_url"]:
            add("Requested URL", latest["requested_url"])
        add("Captured", _when(latest["fetched_at"]))
        add("Source", {"fetch": "downloaded", "import-html": "imported saved page"}
            .get(latest["source"], latest["source"]))
        add("HTTP status", latest["status"] if latest["status"] is not None else "—")
        add("Content type", latest["content_type"])
        add("Encoding", latest["encoding"])
        add("Size", f"{latest['size']:,} bytes")
        self.sha256.set_value(str(latest["sha256"] or ""))
        self.sha_row.setVisible(bool(latest["sha256"]))
        if latest.get("snapshot_state", "stored") != "stored":
            add("Snapshot", "imported without snapshot: only its hash is known")
        if latest.get("text_state") in PROVENANCE_LABELS:
            add("Text", PROVENANCE_LABELS[latest["text_state"]])
        if latest.get("local_network_allowed"):
            add("Local network", "allowed for this capture")
        if latest.get("redirects"):
            red = add("Redirects", f"{len(latest['redirects'])} hop(s)")
            for url, status in latest["redirects"]:
                add(str(status), url, red)
        headers = add("HTTP headers", f"{len(latest['headers'])}")
        for name, value in latest["headers"]:
            add(name, value, headers, monospace=True)
        if latest["assets"]:
            assets = add("Images", f"{len(latest['assets'])} archived")
            for a in latest["assets"]:
                add(a["role"], f"{a['sha256']}  {a['url']}", assets, monospace=True)
        earlier = [c for c in captures if c is not latest]
        hist = add("Earlier captures", str(len(earlier)) if earlier else "none")
        for c in earlier:
            add(_when(c["fetched_at"]), f"HTTP {c['status']}  sha256 {c['sha256']}", hist,
                monospace=True)
        hist.setExpanded(True)

    def first_quote_of(self, speaker: str) -> QTreeWidgetItem | None:
        for i in range(self.quotes.topLevelItemCount()):
            item = self.quotes.topLevelItem(i)
            if item.text(1) == speaker:
                return item
        return None

    def choose_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        """Jump the reader to the span of a quote, source mention or claim."""
        span = item.data(0, RANGE_ROLE)
        if span and len(span) == 2 and span[0] >= 0 and span[1] > span[0]:
            self.jump_to.emit(int(span[0]), int(span[1]))

    def _source_link(self, item: QTreeWidgetItem, _column: int) -> None:
        url = item.data(0, URL_ROLE)
        if url:
            self.open_link.emit(QUrl(url))
