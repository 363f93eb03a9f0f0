"""Search results: a list of hits labelled by kind, with highlighted snippets.

The query runs in a worker (``storage.search.search_backend``); the toolbar field is
debounced by :class:`SearchController`. Snippets arrive as escaped HTML with
``<mark>`` tags; :func:`hit_html` escapes every data piece exactly once and the
delegate renders it in a :class:`~desktop.plain_text.NoResourceDocument`, which loads
nothing. The status line is plain text (docs/reliability.md J1). GUI thread only.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.plain_text import NoResourceDocument, escape, plain_label, set_plain
from desktop.runner import Runner
from storage.search import Hit, SearchBackend, SearchResults

log = logging.getLogger(__name__)

DEBOUNCE_MS = 250
KIND_LABELS = {"article": "ARTICLE", "quote": "QUOTE", "claim": "CLAIM", "credit": "PHOTO CREDIT"}
KIND_COLOURS = {"article": "#1d4ed8", "quote": "#a16207", "claim": "#b91c1c",
                "credit": "#15803d"}
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
SELECTED_TINT = QColor("#dbe7f5")  # a selected hit's background (its HTML keeps its colours)


_MARK_TAG = re.compile(r"(</?mark>)")
ERROR_STYLE = "color: #b91c1c;"


def snippet_html(snippet: str) -> str:
    """A hit's snippet (escaped text with ``<mark>`` tags) with every text piece escaped
    exactly once, whatever the backend sent: ``escape(unescape(piece))`` leaves escaped
    text as it is and escapes anything that was not (no tag but the marks survives)."""
    out = []
    for piece in _MARK_TAG.split(snippet):
        if piece == "<mark>":
            out.append('<span style="background-color:#fde68a">')
        elif piece == "</mark>":
            out.append("</span>")
        else:
            out.append(escape(html.unescape(piece)))
    return "".join(out)


def hit_html(hit: Hit) -> str:
    """The list entry for a hit: markup written here, every data piece escaped once."""
    snippet = snippet_html(hit.snippet)
    kind = escape(KIND_LABELS.get(hit.kind, hit.kind.upper()))
    colour = KIND_COLOURS.get(hit.kind, "#374151")
    title = escape(hit.title or "(untitled)")
    extra = ""
    if hit.speaker:
        extra = f" — {escape(hit.speaker)}"
    if hit.verdict:
        extra += f" — {escape(hit.verdict)}"
    date = f' <span style="color:#6b7280">{escape(hit.published[:10])}</span>' \
        if hit.published else ""
    return (f'<span style="color:{colour};font-size:8pt;font-weight:600">{kind}</span>'
            f"&nbsp; <b>{title}</b>{extra}{date}<br>"
            f'<span style="color:#374151">{snippet}</span>')


def first_marked_word(hit: Hit) -> str | None:
    m = _MARK.search(hit.snippet)
    return html.unescape(m.group(1)) if m else None


class HitsModel(QAbstractListModel):
    """The hits of one search, a page at a time.

    When the view scrolls to the end and more hits may exist, ``fetchMore`` emits
    ``more_wanted(offset)`` once; the next page arrives through :meth:`append_hits`. The
    offset counts the hits the search has returned (a hit already shown, say after the
    archive changed between pages, is skipped but still counted).
    """

    more_wanted = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hits: list[Hit] = []
        self.total = 0
        self._seen: set[tuple[str, int]] = set()
        self._served = 0  # hits returned by the search so far: the next page's offset
        self._more = False
        self._pending = False

    def set_hits(self, hits: list[Hit], total: int = 0) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self._seen = {(h.kind, h.id) for h in self.hits}
        self.total = total
        self._served = len(self.hits)
        self._more = bool(self.hits) and self._served < total
        self._pending = False
        self.endResetModel()

    def append_hits(self, hits: list[Hit]) -> int:
        """Add the next page (hits already shown are skipped); returns how many were new."""
        new = [h for h in hits if (h.kind, h.id) not in self._seen]
        self._pending = False
        self._served += len(hits)
        self._more = bool(hits) and self._served < self.total
        if new:
            first = len(self.hits)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self.hits.extend(new)
            self._seen.update((h.kind, h.id) for h in new)
            self.endInsertRows()
        return len(new)

    def more_failed(self) -> None:
        """The next page could not be read: stop asking for it."""
        self._pending = False
        self._more = False

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._more and not self._pending

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._pending = True
            self.more_wanted.emit(self._served)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit_html(hit)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            plain = html.unescape(_MARK.sub(lambda m: m.group(1), hit.snippet))
            return f"{hit.kind}: {hit.title or ''}: {plain}"
        if role == Qt.ItemDataRole.UserRole:
            return hit
        return None


class HtmlDelegate(QStyledItemDelegate):
    """Draws the hit HTML; the document cannot load any resource."""

    def _doc(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex,
             ) -> QTextDocument:
        doc = NoResourceDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(index.data(Qt.ItemDataRole.DisplayRole) or "")
        doc.setTextWidth(max(200, option.rect.width() - 16))
        return doc

    def paint(self, painter: Any, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self._doc(opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        opt.text = ""
        # The hit's HTML has its own colours (kind label, dates, snippet), so a selected
        # hit is drawn on a light tint with an accent bar rather than the dark highlight.
        opt.state &= ~QStyle.StateFlag.State_Selected
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        if selected:
            painter.fillRect(opt.rect, SELECTED_TINT)
            accent = opt.palette.color(QPalette.ColorRole.Highlight)
            painter.fillRect(opt.rect.left(), opt.rect.top(), 4, opt.rect.height(), accent)
        painter.translate(opt.rect.left() + 10, opt.rect.top() + 6)
        doc.documentLayout().draw(painter, QAbstractTextDocumentLayout.PaintContext())
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        doc = self._doc(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 12)


class SearchPanel(QWidget):
    """Results of the current search. ``hit_chosen(Hit)`` when one is opened."""

    hit_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self.status = plain_label("")
        self.status.setObjectName("searchStatus")
        self.status.setWordWrap(True)
        self.model = HitsModel(self)
        self.view = QListView()
        self.view.setObjectName("searchResults")
        self.view.setAccessibleName("Search results")
        self.view.setModel(self.model)
        self.view.setItemDelegate(HtmlDelegate(self.view))
        self.view.setAlternatingRowColors(True)
        self.view.setUniformItemSizes(False)
        self.view.setWordWrap(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.clicked.connect(self._chosen)
        self.view.activated.connect(self._chosen)
        self._results = SearchResults(query="")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)

    def show_results(self, results: SearchResults) -> None:
        self._results = results
        self.model.set_hits(results.hits, results.total)
        if results.damaged:  # (the window's index banner offers the rebuild)
            self._set_status("The search index is damaged: rebuild it with “Rebuild search "
                             "index” (File menu or the banner above).", error=True)
        elif results.error:
            self._set_status(f"{results.error} — see Help › Search syntax.", error=True)
        elif not results.hits:
            self._set_status(f"No results for “{results.query}”.")
        else:
            self._show_count()

    def append_results(self, results: SearchResults) -> None:
        """The next page of the search on screen (``SearchController.more_results``)."""
        if results.error:
            self.model.more_failed()
            self._set_status(results.error, error=True)
            return
        self.model.append_hits(results.hits)
        self._show_count()

    def _show_count(self) -> None:
        results = self._results
        shown, total = len(self.model.hits), results.total
        more = "" if results.total_exact else "+"
        if shown < total and self.model.canFetchMore():
            text = f"{shown:,} of {total:,}{more} results shown · scroll down for more"
        else:
            text = f"{total:,}{more} result{'s' if total != 1 else ''}"
        if results.note:
            text += f" · {results.note}"
        self._set_status(text)

    def show_searching(self, query: str) -> None:
        self._set_status(f"Searching for “{query}”…")

    def _set_status(self, text: str, *, error: bool = False) -> None:
        """The line above the hits: plain text (the query and errors are data)."""
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        set_plain(self.status, text)

    def _chosen(self, index: QModelIndex) -> None:
        hit = index.data(Qt.ItemDataRole.UserRole)
        if hit is not None:
            self.hit_chosen.emit(hit)


class SearchController(QObject):
    """Debounces the query text and runs searches in the background.

    Signals: ``results(SearchResults)`` for a new search; ``more_results(SearchResults)``
    for a further page of it (:meth:`load_more`); ``cleared()`` when the text became
    empty. Results that arrive after the text changed, or after the search was run
    again, are dropped; further pages are only fetched for the search on screen.
    """

    results = Signal(object)
    more_results = Signal(object)
    started = Signal(str)
    cleared = Signal()

    def __init__(self, search: SearchBackend, runner: Runner, parent: QObject | None = None,
                 *, limit: int = 100) -> None:
        super().__init__(parent)
        self._search = search
        self._runner = runner
        self._limit = limit
        self._text = ""
        self._generation = 0
        self._shown: tuple[str, int] | None = None  # (query, generation) of the list shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)

    def set_text(self, text: str) -> None:
        self._text = text.strip()
        self._generation += 1
        if not self._text:
            self._timer.stop()
            self.cleared.emit()
            return
        self._timer.start()

    def run_now(self) -> None:
        self._timer.stop()
        if not self._text:
            return
        self._generation += 1  # pages of an earlier run of the same text are stale
        self.started.emit(self._text)
        self._submit(self._text, 0, first=True)

    def load_more(self, offset: int) -> None:
        """Fetch the page starting at ``offset`` of the search whose results are shown;
        nothing while another search is being typed or run."""
        if self._shown is None or self._shown[1] != self._generation or self._timer.isActive():
            return
        self._submit(self._shown[0], offset, first=False)

    def _submit(self, query: str, offset: int, *, first: bool) -> None:
        """Search in the worker; the results go out as ``results`` (``first``) or
        ``more_results``, unless the text changed or the search ran again meanwhile."""
        generation = self._generation
        deliver = self.results if first else self.more_results

        def done(res: SearchResults) -> None:
            if generation == self._generation:
                if first:
                    self._shown = (query, generation)
                deliver.emit(res)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                deliver.emit(SearchResults(query=query, error=f"search failed: {exc}"))

        self._runner.submit(self._search.search, query, limit=self._limit, offset=offset,
                            on_result=done, on_error=failed)
