"""What the library area shows: the table's filter, the empty/table/search page, the
article count, the sidebar lists, and which article the reader follows.

Sidebar choices filter the table (:func:`desktop.queries.table_filter`) or run a
saved search; a reload keeps the article being read selected; search results swap
in the results page. GUI thread only; reads go through the window's Runner.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop.queries import SidebarData, sidebar_data, table_filter
from desktop.search_panel import first_marked_word

if TYPE_CHECKING:
    from desktop.main_window import MainWindow
    from storage.search import Hit

log = logging.getLogger(__name__)

PAGE_EMPTY, PAGE_TABLE, PAGE_SEARCH = range(3)  # the list stack
PAGE_LIBRARY, PAGE_QUEUE = range(2)  # the window's pages


class LibraryView(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.filter_label = ""  # "" when the whole library is shown
        self.table_choice: tuple[str, str | None] = ("library", None)  # the table's filter
        self.article_total = 0
        self._keep_article: int | None = None
        w = window
        w.sidebar.chosen.connect(self.sidebar_chosen)
        w.model.modelAboutToBeReset.connect(self._remember_current)
        w.model.reloaded.connect(self._model_reloaded)
        w.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._row_chosen(cur.row()))
        w.search.started.connect(self._search_started)
        w.search.results.connect(self._search_results)
        w.search.cleared.connect(self._search_cleared)
        w.search_panel.hit_chosen.connect(self.open_hit)
        w.search.more_results.connect(w.search_panel.append_results)
        w.search_panel.model.more_wanted.connect(w.search.load_more)

    # ---- reading the lists -----------------------------------------------------------------
    def load_sidebar(self, count: bool) -> None:
        w = self.w
        w.runner.submit(sidebar_data, w.archive, count=count, on_result=self._sidebar_loaded,
                        on_error=lambda exc: w.status_label.setText(
                            f"Could not read the archive ({exc}). Check that the archive "
                            "file is still there, then press F5."))

    def refresh(self) -> None:
        """Re-read the ids of the current view and the sidebar lists."""
        self.w.model.reload()
        # Unfiltered, the table's id list is the article count: no second full count.
        self.load_sidebar(count=bool(self.filter_label))

    def _sidebar_loaded(self, data: SidebarData) -> None:
        if data.articles >= 0:
            self._set_article_total(data.articles)
        else:
            data.articles = self.article_total
        self.w.sidebar.set_data(data)
        kind, name = self.table_choice
        if kind in ("tag", "collection") and self.w.sidebar.item_of(kind, name or "") is None:
            # The filter's tag or collection is gone (an undo, a rename, another window):
            # show the whole library rather than a banner naming what no longer exists.
            self.choose_table("library", None)
            return
        self.update_list_page()

    def _set_article_total(self, total: int) -> None:
        self.article_total = total
        self.w.sidebar.library.setText(1, str(total) if total else "")
        self.w.count_label.setText(f"{total:,} article{'s' if total != 1 else ''}")

    # ---- choosing ---------------------------------------------------------------------------
    def sidebar_chosen(self, kind: str, value: str | None) -> None:
        w = self.w
        if kind == "saved":  # a saved search: run it again
            w.pages.setCurrentIndex(PAGE_LIBRARY)
            w.search_field.setText(value or "")
            w.search.run_now()
            return
        if kind == "queue":
            w.pages.setCurrentIndex(PAGE_QUEUE)
            self.sync_sidebar()
            return
        w.pages.setCurrentIndex(PAGE_LIBRARY)
        self.table_choice = (kind, value)  # (first: clearing the search re-marks it)
        if w.search_field.text():
            w.search_field.clear()
        self.choose_table(kind, value)

    def choose_table(self, kind: str, value: str | None) -> None:
        """Filter the table by a sidebar entry (``"library"``: everything)."""
        w = self.w
        self.table_choice = (kind, value)
        w.details.focus_speaker = value if kind == "speaker" else None
        w.opener.shown = None  # re-render the kept article for the new focus
        self.filter_label, query = table_filter(kind, value)
        w.filter_banner.setText(f"{self.filter_label}…")  # the count follows
        w.model.set_filter(query)
        self.update_list_page()

    def _remember_current(self) -> None:
        row = self.w.model.row_at(self.w.table.currentIndex().row())
        if row is not None:
            self._keep_article = row.id

    def _model_reloaded(self, total: int) -> None:
        w = self.w
        if not self.filter_label:
            self._set_article_total(total)
        else:
            w.filter_banner.setText(f"{self.filter_label} — {total} article"
                                    f"{'s' if total != 1 else ''}.  "
                                    "Choose Library in the sidebar to see everything.")
        self.update_list_page()
        keep, self._keep_article = self._keep_article, None
        if keep is not None:
            row = w.model.row_of(keep)
            if row >= 0:  # a refresh keeps the article being read selected
                w.table.selectRow(row)
                return
        if w.model.rowCount() and not w.table.currentIndex().isValid() \
                and w.list_stack.currentIndex() == PAGE_TABLE:
            w.table.selectRow(0)

    def update_list_page(self) -> None:
        """Show the page for the state (search results, table, empty library), the
        filter banner only over the filtered table (searches are archive-wide), and
        the sidebar entry naming what is shown."""
        w = self.w
        if w.search_field.text().strip():
            w.list_stack.setCurrentIndex(PAGE_SEARCH)
        elif w.model.total == 0 and not self.filter_label:
            w.list_stack.setCurrentIndex(PAGE_EMPTY)
        else:
            w.list_stack.setCurrentIndex(PAGE_TABLE)
        w.filter_banner.setVisible(bool(self.filter_label)
                                   and w.list_stack.currentIndex() == PAGE_TABLE)
        self.sync_sidebar()

    def sync_sidebar(self) -> None:
        """Highlight what the window shows: the queue, the saved search being shown
        (none for another search), or the table's filter."""
        w = self.w
        if w.pages.currentIndex() == PAGE_QUEUE:
            w.sidebar.mark("queue")
        elif w.search_field.text().strip():
            query = w.search_field.text()
            saved = w.sidebar.current_choice()
            w.sidebar.mark("saved" if saved == ("saved", query) else None, query)
        else:
            w.sidebar.mark(*self.table_choice)

    def _row_chosen(self, row: int) -> None:
        art = self.w.model.row_at(row)
        if art is not None and art.id != self.w.opener.shown:  # (a pending load counts)
            self.w.opener.open(art.id)

    def show_article_in_library(self, article_id: int) -> None:
        w = self.w
        w.sidebar.choose("library")
        row = w.model.row_of(article_id)
        if row >= 0:
            w.table.selectRow(row)
        else:
            w.opener.open(article_id)

    # ---- search -----------------------------------------------------------------------------
    def _search_started(self, query: str) -> None:
        self.w.pages.setCurrentIndex(PAGE_LIBRARY)
        self.update_list_page()
        self.w.search_panel.show_searching(query)

    def _search_results(self, results: Any) -> None:
        self.w.search_panel.show_results(results)
        self.update_list_page()

    def _search_cleared(self) -> None:
        self.w.search_panel.model.set_hits([])
        self.update_list_page()

    def open_hit(self, hit: Hit) -> None:
        """Open the article of a search hit at the match (claims: with the Claims tab)."""
        span = (hit.start, hit.end) if hit.start is not None and hit.end is not None \
            and hit.end > hit.start >= 0 else None
        self.w.opener.open(hit.article_id, span=span,
                           find=None if span else first_marked_word(hit),
                           tab=self.w.details.claims if hit.kind == "claim" else None)

    def open_at(self, article_id: int, start: int, end: int) -> None:
        """Open an article (from a collection view), at a claim when one is given."""
        span = (start, end) if 0 <= start < end else None
        self.w.opener.open(article_id, span=span, tab=self.w.details.claims if span else None)
