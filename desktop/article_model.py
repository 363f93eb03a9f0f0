"""The article table: a Qt model holding article ids and fetching rows in pages.

The model keeps the ordered list of ids (cheap: one indexed column, queried in the
background through the :class:`~desktop.runner.Runner`) and loads the displayed
rows with ``Archive.article_rows`` one page at a time through Qt's
``canFetchMore``/``fetchMore``, so a 100,000-article archive opens instantly and
memory grows only with what the user scrolls through.

Thread rules: GUI thread only. ``fetchMore`` reads one page (``PAGE_SIZE`` rows by
primary key, a few milliseconds) synchronously; everything else that can be slow
(re-querying ids for a sort or a filter) goes through the runner.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QHeaderView

from desktop.plain_text import tooltip
from desktop.runner import Runner
from storage.archive import Archive, ArticleRow

log = logging.getLogger(__name__)

PAGE_SIZE = 200

# (header, sort key understood by Archive.article_ids or None, tooltip)
COLUMNS: list[tuple[str, str | None]] = [
    ("Title", "title"),
    ("Publisher", "publisher"),
    ("Authors", "authors"),  # the first author (storage.article_sort)
    ("Published", "published"),
    ("Captured", "captured"),
    ("Quotes", "quotes"),  # how many
    ("Tags", None),  # too slow at 100,000 articles (storage.article_sort): no arrow
]
COL_TITLE, COL_PUBLISHER, COL_AUTHORS, COL_PUBLISHED, COL_CAPTURED, COL_QUOTES, COL_TAGS = range(7)

IdsQuery = Callable[[Archive, str, bool], list[int]]


def _short_date(value: str | None) -> str:
    if not value:
        return ""
    return value[:10]


def _captured(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def _isolate(text: str) -> str:
    """Wrap untrusted text in a Unicode first-strong isolate so bidi controls in a
    title cannot reorder the rest of the row."""
    return "\u2068" + text + "\u2069" if text else text


#: The drag-and-drop type of dragged article rows: a JSON list of article ids.
ARTICLE_IDS_MIME = "application/x-cuttings-article-ids"
#: The same for claims dragged from the Claims tab.
CLAIM_IDS_MIME = "application/x-cuttings-claim-ids"


def ids_mime(ids: Sequence[int], mime_type: str = ARTICLE_IDS_MIME) -> QMimeData:
    mime = QMimeData()
    mime.setData(mime_type, QByteArray(json.dumps(list(ids)).encode()))
    return mime


def dropped_article_ids(mime: QMimeData, mime_type: str = ARTICLE_IDS_MIME) -> list[int]:
    """The article (or, with CLAIM_IDS_MIME, claim) ids of a drag ([] for anything else)."""
    if not mime.hasFormat(mime_type):
        return []
    try:
        ids = json.loads(bytes(mime.data(mime_type).data()).decode())
    except (ValueError, UnicodeDecodeError):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)] \
        if isinstance(ids, list) else []


def keep_sort_indicator(header: QHeaderView, model: ArticleTableModel) -> None:
    """The header's arrow always names the model's actual order: a click on a column
    that cannot sort (key None) puts the arrow back where the sort is."""
    def changed(column: int, _order: Qt.SortOrder) -> None:
        if 0 <= column < len(COLUMNS) and COLUMNS[column][1] is not None:
            return
        order = Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        try:
            header.setSortIndicator(model.sort_column(), order)
        finally:
            header.blockSignals(False)

    header.sortIndicatorChanged.connect(changed)


class ArticleTableModel(QAbstractTableModel):
    """Rows of articles, loaded a page at a time.

    Signals: ``reloaded(int)`` after a new id list arrived (total number of articles in
    the current view).
    """

    reloaded = Signal(int)

    def __init__(self, archive: Archive, runner: Runner, parent: QObject | None = None,
                 *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self._archive = archive
        self._runner = runner
        self._page_size = page_size
        self._ids: list[int] = []
        self._rows: list[ArticleRow] = []
        self._sort_key = "captured"
        self._descending = True
        self._filter: IdsQuery | None = None
        self._generation = 0

    # ---- loading ---------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Articles in the current view (loaded or not)."""
        return len(self._ids)

    @property
    def ids(self) -> list[int]:
        """Every article id of the current view, in display order (loaded or not)."""
        return list(self._ids)

    @property
    def sort_key(self) -> str:
        return self._sort_key

    @property
    def descending(self) -> bool:
        return self._descending

    def set_ids(self, ids: Sequence[int], first_rows: Sequence[ArticleRow] | None = None) -> None:
        """Show exactly these ids in this order. ``first_rows`` (the first page, read in
        the worker) saves the GUI thread a query; without it the first page is read now."""
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = []
        if first_rows:
            wanted = self._ids[:len(first_rows)]
            if [r.id for r in first_rows] == wanted:
                self._rows = list(first_rows)
        self.endResetModel()
        if not self._rows and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        self.reloaded.emit(len(self._ids))

    def set_filter(self, query: IdsQuery | None) -> None:
        """Restrict the view: ``query(archive, sort_key, descending) -> ids`` runs in the
        background; None shows the whole library."""
        self._filter = query
        self.reload()

    def reload(self) -> None:
        """Re-query the ids in the background (after a capture, a sort or a filter)."""
        self._generation += 1
        generation = self._generation
        query = self._filter
        sort_key, descending = self._sort_key, self._descending

        page = self._page_size

        def work() -> tuple[list[int], list[ArticleRow]]:
            if query is None:
                ids = self._archive.article_ids(sort=sort_key, descending=descending)
            else:
                ids = query(self._archive, sort_key, descending)
            return ids, self._archive.article_rows(ids[:page])

        def done(result: tuple[list[int], list[ArticleRow]]) -> None:
            if generation == self._generation:  # a newer request supersedes this one
                self.set_ids(*result)

        def failed(exc: BaseException) -> None:
            log.error("could not list articles: %s", exc)
            if generation == self._generation:
                self.reloaded.emit(len(self._ids))  # listeners go on with what is shown

        self._runner.submit(work, on_result=done, on_error=failed)

    def refresh_rows(self, article_ids: Sequence[int]) -> None:
        """Reload already displayed rows (a tag or a recapture changed them). The rows are
        read in the background (thousands may be selected); a reload started meanwhile
        makes the answer obsolete."""
        wanted = set(article_ids)
        ids = [row.id for row in self._rows if row.id in wanted]
        if not ids:
            return
        generation = self._generation

        def apply(rows: list[ArticleRow]) -> None:
            if generation != self._generation:
                return
            fresh = {r.id: r for r in rows}
            for i, row in enumerate(self._rows):
                new = fresh.get(row.id)
                if new is not None:
                    self._rows[i] = new
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

        self._runner.submit(self._archive.article_rows, ids, on_result=apply,
                            on_error=lambda exc: log.error("could not refresh rows: %s", exc))

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < len(self._ids)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        start = len(self._rows)
        page_ids = self._ids[start:start + self._page_size]
        if not page_ids:
            return
        try:
            rows = self._archive.article_rows(page_ids)
        except Exception as exc:  # the archive went away: show what we have
            log.error("could not load article rows: %s", exc)
            return
        by_id = {r.id: r for r in rows}
        # Ids deleted meanwhile are dropped from the id list so paging stays aligned.
        missing = [i for i in page_ids if i not in by_id]
        if missing:
            gone = set(missing)
            self._ids = self._ids[:start] + [i for i in self._ids[start:] if i not in gone]
        ordered = [by_id[i] for i in page_ids if i in by_id]
        if not ordered:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(ordered) - 1)
        self._rows.extend(ordered)
        self.endInsertRows()

    # ---- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][1] is None:
            return tooltip(f"{COLUMNS[section][0]} (not sortable)")
        return None

    def row_at(self, row: int) -> ArticleRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, article_id: int) -> int:
        for i, r in enumerate(self._rows):
            if r.id == article_id:
                return i
        return -1

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_TITLE:
                return tooltip(f"{row.title or '(untitled)'}\n{row.url}")
            return tooltip(self._display(row, col)) or None
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_QUOTES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if (role == Qt.ItemDataRole.ForegroundRole and col == COL_TITLE
                and row.status in ("no_text", "too_complex")):
            from PySide6.QtGui import QColor
            return QColor("#8a6d3b")
        return None

    def _display(self, row: ArticleRow, col: int) -> str:
        if col == COL_TITLE:
            title = row.title or row.url
            if row.status == "no_text":
                title += "  (no text found)"
            elif row.status == "too_complex":
                title += "  (too complex to read)"
            return _isolate(title)
        if col == COL_PUBLISHER:
            return _isolate(row.publisher or row.site)
        if col == COL_AUTHORS:
            return _isolate(", ".join(row.authors))
        if col == COL_PUBLISHED:
            return _short_date(row.published)
        if col == COL_CAPTURED:
            return _captured(row.captured_at)
        if col == COL_QUOTES:
            return str(row.quote_count) if row.quote_count else ""
        if col == COL_TAGS:
            return ", ".join(row.tags)
        return ""

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [ARTICLE_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Dragged rows carry their article ids (dropped on a sidebar collection)."""
        ids = list(dict.fromkeys(self._ids[i.row()] for i in indexes
                                 if i.isValid() and 0 <= i.row() < len(self._ids)))
        return ids_mime(ids)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by re-querying ids in the background (sortable columns only)."""
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][1]
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._sort_key and descending == self._descending and self._ids:
            return
        self._sort_key, self._descending = key, descending
        self.reload()

    def sort_column(self) -> int:
        for i, (_name, key) in enumerate(COLUMNS):
            if key == self._sort_key:
                return i
        return COL_CAPTURED
