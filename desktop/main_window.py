"""The main window: layout and wiring of the panels, menus, toolbar and status bar.

No business logic here: the panels are their own classes, background work goes
through the one :class:`~desktop.runner.Runner`, the capture batch through the
:class:`~desktop.capture_controller.CaptureController`. GUI thread only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QMimeData, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from capture.settings import Settings
from desktop.add_urls_dialog import AddUrlsDialog
from desktop.article_model import (
    COL_AUTHORS,
    COL_CAPTURED,
    COL_PUBLISHED,
    COL_PUBLISHER,
    COL_QUOTES,
    COL_TAGS,
    COL_TITLE,
    ArticleTableModel,
)
from desktop.capture_controller import CaptureController, PipelineFactory, _default_factory
from desktop.details_tabs import DetailsTabs
from desktop.empty_state import EmptyState
from desktop.export_dialog import ExportDialog, run_export
from desktop.icons import app_icon
from desktop.organize_actions import collect_articles, mark_claim, tag_articles
from desktop.queries import SidebarData, collection_article_ids, sidebar_data
from desktop.queue_panel import QueuePanel
from desktop.reader import ReaderBundle, ReaderView, load_reader_bundle, open_external_link
from desktop.runner import Runner
from desktop.search_panel import SearchController, SearchPanel, first_marked_word
from desktop.settings_dialog import SettingsDialog
from desktop.settings_store import save_settings
from desktop.sidebar import Sidebar
from desktop.url_lists import read_url_list
from storage.query import QUERY_HELP
from storage.search import Hit, search_backend

if TYPE_CHECKING:  # the capture pipeline is imported when it is first needed (start-up time)
    from capture.pipeline import BatchSummary, JobEvent
    from storage.archive import Archive, EnqueueReport

log = logging.getLogger(__name__)

STATE_VERSION = 1
PAGE_EMPTY, PAGE_TABLE, PAGE_SEARCH = range(3)
PAGE_LIBRARY, PAGE_QUEUE = range(2)
FINAL_STATES = ("done", "skipped", "failed", "cancelled")


def _ordered(members: Any) -> Any:
    """A table filter: the ids ``members(archive)`` returns, in the table's sort order.

    Filters in Python over the sorted id list (one indexed column) rather than binding
    one SQL parameter per member (SQLite builds differ in how many they accept: 32,766
    by default, 250,000 in Debian's). Runs in a worker.
    """
    def query(archive: Archive, sort: str, descending: bool) -> list[int]:
        wanted = set(members(archive))
        return [i for i in archive.article_ids(sort=sort, descending=descending) if i in wanted]
    return query


class MainWindow(QMainWindow):
    """The Cuttings window over one open archive.

    ``qsettings`` stores geometry, splitters and column widths (and the settings
    dialog's values); tests pass an INI file in a temporary folder.
    Signal ``article_loaded(int)`` after an article is shown in the reader.
    """

    article_loaded = Signal(int)
    export_finished = Signal(object)
    organised = Signal(str)

    def __init__(self, archive: Archive, settings: Settings, qsettings: QSettings,
                 *, pipeline_factory: PipelineFactory = _default_factory,
                 resume_queue: bool = True) -> None:
        super().__init__()
        self.archive = archive
        self.settings = settings
        self.qsettings = qsettings
        self.setWindowTitle("Cuttings")
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.runner = Runner(self)
        self.controller = CaptureController(archive, settings, self.runner, self,
                                            pipeline_factory=pipeline_factory)
        self._reader_generation = 0
        self._batch: dict[int, str] = {}
        self._batch_finished_count = 0
        self._filter_label = ""
        self._keep_article: int | None = None
        self._article_total = 0
        self._shown_article: int | None = None
        self._reader_settled = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(400)
        self._refresh_timer.timeout.connect(self.refresh_library)

        self._build_panels()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._wire()
        self._set_tab_order()
        self._restore_state()

        # Start-up: the first page of the table first; the sidebar, the queue and the
        # resumed batch only once it is on screen (they would compete for the GIL).
        self._startup = (resume_queue,)
        self.model.reloaded.connect(self._after_first_page, Qt.ConnectionType.SingleShotConnection)
        self.model.reload()

    def _after_first_page(self, _total: int = 0) -> None:
        (resume_queue,) = self._startup
        self.runner.submit(sidebar_data, self.archive, count=False,
                           on_result=self._sidebar_loaded,
                           on_error=lambda exc: self.status_label.setText(
                               f"Could not read the archive ({exc}). Press F5 to try again."))
        self.queue_panel.reload()
        if resume_queue:
            self.controller.resume()

    # ---- construction -------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.sidebar = Sidebar()
        self.model = ArticleTableModel(self.archive, self.runner, self)
        self.table = QTableView()
        self.table.setObjectName("articleTable")
        self.table.setAccessibleName("Articles")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSortIndicator(COL_CAPTURED, Qt.SortOrder.DescendingOrder)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((COL_TITLE, 400), (COL_PUBLISHER, 150), (COL_AUTHORS, 150),
                           (COL_PUBLISHED, 95), (COL_CAPTURED, 130), (COL_QUOTES, 65),
                           (COL_TAGS, 80)):
            header.resizeSection(col, width)

        self.empty_state = EmptyState()
        # Pages of the stack must not force a tall list area (the reader wants the room).
        self.empty_state.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.search_panel = SearchPanel()
        self.filter_banner = QLabel("")
        self.filter_banner.setObjectName("filterBanner")
        self.filter_banner.setVisible(False)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.empty_state)
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.search_panel)
        list_area = QWidget()
        list_layout = QVBoxLayout(list_area)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(0)
        list_layout.addWidget(self.filter_banner)
        list_layout.addWidget(self.list_stack, 1)

        self.reader = ReaderView()
        self.reader.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.reader.customContextMenuRequested.connect(self._reader_menu)
        self.details = DetailsTabs()
        self.reader_split = QSplitter(Qt.Orientation.Horizontal)
        self.reader_split.setObjectName("readerSplit")
        self.reader_split.addWidget(self.reader)
        self.reader_split.addWidget(self.details)
        self.reader_split.setStretchFactor(0, 3)
        self.reader_split.setStretchFactor(1, 2)
        self.reader_split.setSizes([720, 470])

        self.library_split = QSplitter(Qt.Orientation.Vertical)
        self.library_split.setObjectName("librarySplit")
        self.library_split.addWidget(list_area)
        self.library_split.addWidget(self.reader_split)
        self.library_split.setSizes([300, 520])

        self.queue_panel = QueuePanel(self.archive, self.runner, self.controller)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.library_split)
        self.pages.addWidget(self.queue_panel)

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("mainSplit")
        self.main_split.addWidget(self.sidebar)
        self.main_split.addWidget(self.pages)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([230, 1170])
        self.setCentralWidget(self.main_split)

        self.search = SearchController(search_backend(self.archive.db), self.runner, self)

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | str | None = None,
                tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.act_add = self._action("&Add links…", self.open_add_dialog, "Ctrl+L",
                                    "Paste article links to capture (Ctrl+L)", sp.SP_FileDialogNewFolder)
        self.act_paste = self._action("&Paste links", self.paste_links, QKeySequence.StandardKey.Paste,
                                      "Capture the links on the clipboard")
        self.act_paste.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.act_import_page = self._action("Import &saved page…", self.import_saved_page,
                                            "Ctrl+O", "Import an HTML page saved from your browser "
                                            "(for paywalled articles)", sp.SP_DialogOpenButton)
        self.act_export = self._action("&Export…", self.open_export, "Ctrl+E",
                                         "Export articles with their quotes, sources and "
                                         "snapshots (ZIP, HTML, Markdown, JSON, CSV, WARC…)",
                                         sp.SP_DialogSaveButton)
        self.act_tag = self._action("&Tag article…", self.ask_tag, "Ctrl+T",
                                    "Put a tag on the selected article")
        self.act_collect = self._action("Add to &collection…", self.ask_collection, "Ctrl+K",
                                        "Add the selected article to a collection")
        self.act_claim = self._action("&Mark selection as claim…", self.ask_claim, "Ctrl+M",
                                      "Mark the selected words of the article as a claim to "
                                      "check, with a verdict and a note")
        self.act_open_original = self._action("Open &original page", self.open_original,
                                              "Ctrl+Shift+B",
                                              "Open the article's web address in your browser")
        self.act_import_list = self._action("Import &URL list…", self.import_url_list,
                                            "Ctrl+Shift+O", "Capture every link of a text file or "
                                            "a browser bookmarks export")
        self.act_settings = self._action("&Settings…", self.open_settings, "Ctrl+,",
                                         "Downloads, timeouts, images, archive location")
        self.act_quit = self._action("&Quit", self.close, "Ctrl+Q", "Quit Cuttings")
        self.act_find = self._action("&Find…", self.focus_search, "Ctrl+F",
                                     "Search articles, quotes, claims and credits (Ctrl+F)")
        self.act_library = self._action("&Library", lambda: self.sidebar.choose("library"),
                                        "Ctrl+1", "Show every article")
        self.act_queue = self._action("Capture &queue", lambda: self.sidebar.choose("queue"),
                                      "Ctrl+2", "Show the capture queue")
        self.act_reload = self._action("&Reload", self.refresh_library, "F5",
                                       "Re-read the archive")
        self.act_start = self._action("&Start capturing", self.controller.start, "Ctrl+R",
                                      "Capture every queued link", sp.SP_MediaPlay)
        self.act_stop = self._action("S&top capturing", self.controller.stop, "Ctrl+.",
                                     "Stop; unfinished links stay queued", sp.SP_MediaStop)
        self.act_stop.setEnabled(False)
        self.act_stop.setVisible(False)
        self.act_retry = self._action("Retry &failed", self.retry_failed, None,
                                      "Queue every failed capture again")
        self.act_clear = self._action("&Clear finished", self.controller.clear_finished, None,
                                      "Remove finished captures from the queue list")
        self.act_search_help = self._action("Search &syntax", self.show_search_help, None,
                                            "How to write searches")
        self.act_about = self._action("&About Cuttings", self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.act_add, self.act_import_page, self.act_import_list):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_settings)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.act_paste)
        edit_menu.addAction(self.act_find)
        edit_menu.addSeparator()
        for a in (self.act_tag, self.act_collect, self.act_claim, self.act_open_original):
            edit_menu.addAction(a)
        view_menu = bar.addMenu("&View")
        for a in (self.act_library, self.act_queue, self.act_reload):
            view_menu.addAction(a)
        capture_menu = bar.addMenu("&Capture")
        for a in (self.act_start, self.act_stop, self.act_retry, self.act_clear):
            capture_menu.addAction(a)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_search_help)
        help_menu.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main toolbar")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.act_add)
        tb.addAction(self.act_export)
        tb.addAction(self.act_stop)
        tb.addSeparator()
        self.search_field = QLineEdit()
        self.search_field.setObjectName("searchField")
        self.search_field.setAccessibleName("Search the archive")
        self.search_field.setPlaceholderText("Search articles, quotes, speakers…   (Ctrl+F)")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setToolTip(QUERY_HELP)
        self.search_field.setMinimumWidth(360)
        self.search_field.setMaximumWidth(560)
        tb.addWidget(self.search_field)
        self.addToolBar(tb)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.status_label = QLabel("")
        self.status_label.setObjectName("statusMessage")
        self.progress = QProgressBar()
        self.progress.setObjectName("captureProgress")
        self.progress.setAccessibleName("Capture progress")
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.count_label = QLabel("")
        self.count_label.setObjectName("articleCount")
        sb.addWidget(self.status_label, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.count_label)

    def _wire(self) -> None:
        self.sidebar.chosen.connect(self._sidebar_chosen)
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.reloaded.connect(self._model_reloaded)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._row_chosen(cur.row()))
        self.empty_state.add_links.connect(self.open_add_dialog)
        self.details.jump_to.connect(self.reader.show_range)
        self.details.open_link.connect(lambda url: open_external_link(
            self, url, self.reader.confirm_link))
        self.queue_panel.open_article.connect(self.show_article_in_library)
        self.controller.job_event.connect(self._job_event)
        self.controller.batch_started.connect(self._batch_started)
        self.controller.batch_finished.connect(self._batch_finished)
        self.controller.error.connect(self._capture_error)
        self.search_field.textChanged.connect(self.search.set_text)
        self.search_field.returnPressed.connect(self.search.run_now)
        self.search.started.connect(self._search_started)
        self.search.results.connect(self._search_results)
        self.search.cleared.connect(self._search_cleared)
        self.search_panel.hit_chosen.connect(self.open_hit)

    def _set_tab_order(self) -> None:
        """Tab walks the window left to right, top to bottom."""
        chain = [self.search_field, self.sidebar, self.table, self.search_panel.view,
                 self.reader, self.details, self.queue_panel.view, self.queue_panel.retry_button,
                 self.queue_panel.cancel_button, self.queue_panel.clear_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # ---- state ----------------------------------------------------------------------------
    def _restore_state(self) -> None:
        qs = self.qsettings
        geometry = qs.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1400, 900)
        state = qs.value("window/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state), STATE_VERSION)
        for split in (self.main_split, self.library_split, self.reader_split):
            value = qs.value(f"splitters/{split.objectName()}")
            if isinstance(value, QByteArray | bytes):
                split.restoreState(QByteArray(value))
        columns = qs.value("table/header")
        if isinstance(columns, QByteArray | bytes):
            self.table.horizontalHeader().restoreState(QByteArray(columns))
        queue_cols = qs.value("queue/header")
        if isinstance(queue_cols, QByteArray | bytes):
            self.queue_panel.view.horizontalHeader().restoreState(QByteArray(queue_cols))

    def save_state(self) -> None:
        qs = self.qsettings
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState(STATE_VERSION))
        for split in (self.main_split, self.library_split, self.reader_split):
            qs.setValue(f"splitters/{split.objectName()}", split.saveState())
        qs.setValue("table/header", self.table.horizontalHeader().saveState())
        qs.setValue("queue/header", self.queue_panel.view.horizontalHeader().saveState())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.controller.shutdown()
        if not self.runner.shutdown(8000):
            log.warning("background work still running at exit")
        event.accept()

    # ---- library ----------------------------------------------------------------------------
    def refresh_library(self) -> None:
        """Re-read the ids of the current view and the sidebar lists."""
        self.model.reload()
        # Unfiltered, the table's id list is the article count: no second full count.
        self.runner.submit(sidebar_data, self.archive, count=bool(self._filter_label),
                           on_result=self._sidebar_loaded,
                           on_error=lambda exc: self.status_label.setText(
                               f"Could not read the archive ({exc}). Check that the archive "
                               "file is still there, then press F5."))

    def _sidebar_loaded(self, data: SidebarData) -> None:
        if data.articles >= 0:
            self._set_article_total(data.articles)
        else:
            data.articles = self._article_total
        self.sidebar.set_data(data)
        self._update_list_page()

    def _set_article_total(self, total: int) -> None:
        self._article_total = total
        self.sidebar.library.setText(1, str(total) if total else "")
        self.count_label.setText(f"{total:,} article{'s' if total != 1 else ''}")

    def _sidebar_chosen(self, kind: str, value: str | None) -> None:
        if kind == "queue":
            self.pages.setCurrentIndex(PAGE_QUEUE)
            return
        self.pages.setCurrentIndex(PAGE_LIBRARY)
        self.details.focus_speaker = value if kind == "speaker" else None
        self._shown_article = None  # re-render the kept article for the new focus
        if kind == "library":
            self._filter_label = ""
            self.model.set_filter(None)
        elif kind == "speaker":
            self._filter_label = f"Articles quoting {value}"
            self.model.set_filter(_ordered(lambda a: a.article_ids_for(speaker=value)))
        elif kind == "outlet":
            self._filter_label = f"Articles citing {value}"
            self.model.set_filter(_ordered(lambda a: a.article_ids_for(outlet=value)))
        elif kind == "tag":
            self._filter_label = f"Articles tagged “{value}”"
            self.model.set_filter(_ordered(lambda a: a.article_ids_for(tag=value)))
        elif kind == "collection":
            self._filter_label = f"Collection “{value}”"
            self.model.set_filter(_ordered(lambda a: collection_article_ids(a, value or "")))
        if self.search_field.text():
            self.search_field.clear()

    def _remember_current(self) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is not None:
            self._keep_article = row.id

    def _model_reloaded(self, total: int) -> None:
        if not self._filter_label:
            self._set_article_total(total)
        if self._filter_label:
            self.filter_banner.setText(f"{self._filter_label} — {total} article"
                                       f"{'s' if total != 1 else ''}.  "
                                       "Choose Library in the sidebar to see everything.")
        self.filter_banner.setVisible(bool(self._filter_label))
        self._update_list_page()
        keep, self._keep_article = self._keep_article, None
        if keep is not None:
            row = self.model.row_of(keep)
            if row >= 0:  # a refresh keeps the article being read selected
                self.table.selectRow(row)
                return
        if self.model.rowCount() and not self.table.currentIndex().isValid() \
                and self.list_stack.currentIndex() == PAGE_TABLE:
            self.table.selectRow(0)

    def _update_list_page(self) -> None:
        if self.search_field.text().strip():
            self.list_stack.setCurrentIndex(PAGE_SEARCH)
        elif self.model.total == 0 and not self._filter_label:
            self.list_stack.setCurrentIndex(PAGE_EMPTY)
        else:
            self.list_stack.setCurrentIndex(PAGE_TABLE)

    def _row_chosen(self, row: int) -> None:
        art = self.model.row_at(row)
        if art is not None and not (art.id == self._shown_article and self._reader_settled):
            self.open_article(art.id)

    def open_article(self, article_id: int, span: tuple[int, int] | None = None,
                     find: str | None = None) -> None:
        """Read an article and its images in the background, then show it."""
        self._reader_generation += 1
        generation = self._reader_generation
        self._shown_article = article_id
        self._reader_settled = False

        def done(bundle: ReaderBundle | None) -> None:
            if generation != self._reader_generation:
                return
            self._reader_settled = True
            if bundle is None:
                self.reader.show_placeholder("This article is no longer in the archive.")
                self.details.clear_all()
                return
            self.reader.show_bundle(bundle)
            self.details.show_bundle(bundle)
            focus = self.details.focus_speaker and \
                self.details.first_quote_of(self.details.focus_speaker)
            if span is not None:
                self.reader.show_range(*span)
            elif focus:  # filtered by a speaker: go to their first quote in this article
                self.details.quotes.setCurrentItem(focus)
                self.details.setCurrentWidget(self.details.quotes)
                self.details.choose_item(focus)
            elif find:
                self.reader.find(find)
            self.article_loaded.emit(article_id)

        self.runner.submit(load_reader_bundle, self.archive, article_id, on_result=done,
                           on_error=lambda exc: self.show_error(
                               "Could not open the article", str(exc),
                               "Press F5 to reload the archive and try again."))

    def show_article_in_library(self, article_id: int) -> None:
        self.sidebar.choose("library")
        row = self.model.row_of(article_id)
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.open_article(article_id)

    # ---- organising ---------------------------------------------------------------------------
    def current_article_id(self) -> int | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.id if row is not None else None

    def _table_menu(self, pos: Any) -> None:
        if self.model.row_at(self.table.indexAt(pos).row()) is None:
            return
        menu = QMenu(self)
        for a in (self.act_tag, self.act_collect, self.act_open_original):
            menu.addAction(a)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _names(self, group: str) -> list[str]:
        item = self.sidebar.groups[group]
        return [item.child(i).text(0) for i in range(item.childCount())
                if item.child(i).data(0, Qt.ItemDataRole.UserRole) == group]

    def ask_tag(self) -> None:
        if self.current_article_id() is None:
            self.status_label.setText("Select an article first.")
            return
        name, ok = QInputDialog.getItem(self, "Tag article", "Tag:", self._names("tag"), 0, True)
        if ok and name.strip():
            self.tag_current(name.strip())

    def ask_collection(self) -> None:
        if self.current_article_id() is None:
            self.status_label.setText("Select an article first.")
            return
        name, ok = QInputDialog.getItem(self, "Add to collection",
                                        "Collection (a new name creates it):",
                                        self._names("collection"), 0, True)
        if ok and name.strip():
            self.collect_current(name.strip())

    def tag_current(self, name: str) -> None:
        self._organise(tag_articles, name)

    def collect_current(self, name: str) -> None:
        self._organise(collect_articles, name)

    def _organise(self, fn: Any, name: str) -> None:
        article_id = self.current_article_id()
        if article_id is None:
            return

        def done(message: str) -> None:
            self.status_label.setText(message)
            self.model.refresh_rows([article_id])
            self.refresh_library()
            self.organised.emit(message)

        self.runner.submit(fn, self.archive, name, [article_id], on_result=done,
                           on_error=lambda exc: self.show_error(
                               "Could not change the article", str(exc),
                               "Check the name (it cannot be empty) and try again."))

    def _reader_menu(self, pos: Any) -> None:
        menu = self.reader.createStandardContextMenu(pos)
        menu.addSeparator()
        self.act_claim.setEnabled(self.reader.selected_span() is not None)
        menu.addAction(self.act_claim)
        menu.aboutToHide.connect(lambda: self.act_claim.setEnabled(True))
        menu.popup(self.reader.viewport().mapToGlobal(pos))

    def ask_claim(self) -> None:
        span = self.reader.selected_span()
        if span is None or self.reader.article_id is None:
            self.status_label.setText("Select the words of the claim in the article first.")
            return
        from storage.models import VERDICTS

        verdict, ok = QInputDialog.getItem(self, "Mark claim", "Verdict:", list(VERDICTS), 0,
                                           False)
        if not ok:
            return
        note, ok = QInputDialog.getText(self, "Mark claim", "Note (optional):")
        if ok:
            self.mark_claim(verdict, note)

    def mark_claim(self, verdict: str, note: str = "") -> bool:
        """Mark the reader's selection as a claim (in the background); False when nothing
        of the body text is selected."""
        span, article_id = self.reader.selected_span(), self.reader.article_id
        if span is None or article_id is None:
            return False

        def done(message: str) -> None:
            self.status_label.setText(message)
            self.open_article(article_id, span=span)  # shows it highlighted and listed
            self.organised.emit(message)

        self.runner.submit(mark_claim, self.archive, article_id, span[0], span[1], verdict,
                           note, on_result=done, on_error=lambda exc: self.show_error(
                               "Could not mark the claim", str(exc),
                               "Select words of the article's text (not the title or a "
                               "caption) and try again."))
        return True

    def open_original(self) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is not None:
            open_external_link(self, QUrl(row.url), self.reader.confirm_link)

    # ---- search -------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def _search_started(self, query: str) -> None:
        self.pages.setCurrentIndex(PAGE_LIBRARY)
        self.list_stack.setCurrentIndex(PAGE_SEARCH)
        self.search_panel.show_searching(query)

    def _search_results(self, results: Any) -> None:
        self.search_panel.show_results(results)
        self._update_list_page()

    def _search_cleared(self) -> None:
        self.search_panel.model.set_hits([])
        self._update_list_page()

    def open_hit(self, hit: Hit) -> None:
        span = (hit.start, hit.end) if hit.start is not None and hit.end is not None \
            and hit.end > hit.start >= 0 else None
        self.open_article(hit.article_id, span=span,
                          find=None if span else first_marked_word(hit))

    # ---- capture -----------------------------------------------------------------------------
    def open_add_dialog(self, text: str = "") -> AddUrlsDialog:
        """Show the Add links dialog (non-blocking); returns it (tests drive it)."""
        dialog = AddUrlsDialog(self.archive, self.runner, self, text=text)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._dialog_accepted(dialog))
        dialog.open()
        self.add_dialog = dialog
        return dialog

    def _dialog_accepted(self, dialog: AddUrlsDialog) -> None:
        new, again = dialog.urls_to_capture(), dialog.urls_to_recapture()
        if new:
            self.controller.enqueue(new, on_done=self._enqueued)
        if again:
            self.controller.enqueue(again, recapture=True, on_done=self._enqueued)
        if new or again:
            self.sidebar.choose("queue")

    def _enqueued(self, report: EnqueueReport) -> None:
        n = len(report.jobs)
        msg = f"{n} link{'s' if n != 1 else ''} queued for capture"
        if report.duplicates:
            msg += f"; {len(report.duplicates)} already archived or queued"
        self.status_label.setText(msg + ".")

    def paste_links(self) -> None:
        text = QGuiApplication.clipboard().text()
        self.open_add_dialog(text)

    def retry_failed(self) -> None:
        ids = [j.id for j in self.queue_panel.model.jobs() if j.state == "failed"]
        if ids:
            self.controller.retry(ids)

    def _batch_started(self) -> None:
        self._batch = {}
        self._batch_finished_count = 0
        self.act_stop.setEnabled(True)
        self.act_stop.setVisible(True)
        self.act_start.setEnabled(False)
        self.progress.setRange(0, 0)

    def _job_event(self, event: JobEvent) -> None:
        if not self._batch:
            self.progress.setVisible(True)
            self.status_label.setText("Capturing…")
        previous = self._batch.get(event.job_id)
        self._batch[event.job_id] = event.state
        was_final, is_final = previous in FINAL_STATES, event.state in FINAL_STATES
        self._batch_finished_count += int(is_final) - int(was_final)
        total, finished = len(self._batch), self._batch_finished_count
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(finished)
        self.progress.setFormat(f"{finished} / {total}")
        self.progress.setTextVisible(True)
        if event.state == "done" and event.article_id is not None:
            self.status_label.setText(f"Captured: {event.message or event.url}")
            if not self._refresh_timer.isActive():  # at most one refresh per 0.4 s
                self._refresh_timer.start()
        elif event.state == "failed":
            self.status_label.setText(f"Could not capture {event.url}: {event.message}")

    def _batch_finished(self, summary: BatchSummary) -> None:
        self.act_stop.setEnabled(False)
        self.act_stop.setVisible(False)
        self.act_start.setEnabled(True)
        self.progress.setVisible(False)
        if summary.done or summary.failed or summary.skipped or summary.cancelled:
            text = summary.line()
            if summary.failed:
                text += " — select failed rows in the Capture queue and press Retry."
            self.status_label.setText(text)
        self.refresh_library()

    def _capture_error(self, message: str) -> None:
        self.status_label.setText(f"Capture problem: {message}")

    # ---- import ---------------------------------------------------------------------------------
    def import_saved_page(self, path: str | None = None, url: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import a saved web page", str(Path.home()),
                "Web pages (*.html *.htm *.xhtml);;All files (*)")
            if not path:
                return
            url, ok = QInputDialog.getText(
                self, "Original address",
                "The article's address on the web (optional, used to recognise it later):")
            if not ok:
                return
        name = Path(path).name
        from capture.pipeline import import_html_file

        def done(stored: Any) -> None:
            self.status_label.setText(f"Imported {name}.")
            self.refresh_library()
            self.open_article(stored.article_id)

        self.runner.submit(import_html_file, self.archive, path, (url or "").strip() or None,
                           on_result=done, on_error=lambda exc: self.show_error(
                               f"Could not import {name}", str(exc),
                               "Save the page again from your browser as “Web page, HTML "
                               "only” and import that file."))

    def import_url_list(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import a list of links", str(Path.home()),
                "Link lists and bookmarks (*.txt *.html *.htm *.csv *.md);;All files (*)")
            if not path:
                return
        name = Path(path).name
        self.runner.submit(read_url_list, path, on_result=lambda text: self.open_add_dialog(text),
                           on_error=lambda exc: self.show_error(
                               f"Could not read {name}", str(exc),
                               "Choose a text file with one link per line, or a bookmarks "
                               "file exported from your browser."))

    # ---- export ---------------------------------------------------------------------------------
    def open_export(self) -> ExportDialog:
        """Ask what to export (non-blocking; returns the dialog for tests)."""
        label = self._filter_label or "The articles in the library"
        dialog = ExportDialog(self.model.ids, self._article_total, label, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start_export(*dialog.choice()))
        dialog.open()
        self.export_dialog = dialog
        return dialog

    def start_export(self, fmt: str, ids: list[int] | None, path: Path) -> None:
        def done(result: Any) -> None:
            text = result.summary()
            if result.warnings:
                text += f" ({len(result.warnings)} warning(s): {result.warnings[0]})"
            self.status_label.setText(text[:1].upper() + text[1:] + ".")
            self.export_finished.emit(result)

        def failed(exc: BaseException) -> None:
            if type(exc).__name__ == "ExportCancelled":
                self.status_label.setText("Export cancelled; no file was written.")
                return
            self.show_error("Export failed", str(exc),
                            "Nothing was written. Choose another folder (one you can write "
                            "to, with free space) and export again.")

        self.export_progress = run_export(self, self.runner, self.archive, fmt, ids, path,
                                          done, failed)

    # ---- drag and drop ----------------------------------------------------------------------------
    @staticmethod
    def _dropped_text(mime: QMimeData) -> str:
        if mime.hasUrls():
            links = [u.toString() for u in mime.urls() if u.scheme() in ("http", "https")]
            if links:
                return "\n".join(links)
        return mime.text() if mime.hasText() else ""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_text(event.mimeData()).strip():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        text = self._dropped_text(event.mimeData())
        if text.strip():
            event.acceptProposedAction()
            self.open_add_dialog(text)

    # ---- dialogs ------------------------------------------------------------------------------------
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.settings())

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.controller.set_settings(settings)
        save_settings(self.qsettings, settings)
        self.status_label.setText("Settings saved; they apply to the next captures.")

    def show_error(self, what: str, detail: str, todo: str) -> None:
        """Every error says what happened and what to do next."""
        log.error("%s: %s", what, detail)
        self.status_label.setText(f"{what}: {detail}")
        box = QMessageBox(QMessageBox.Icon.Warning, what, what, QMessageBox.StandardButton.Ok,
                          self)
        box.setInformativeText(f"{detail}\n\n{todo}")
        box.open()

    def show_search_help(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Search syntax", "How to search",
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(QUERY_HELP)
        box.open()

    def show_about(self) -> None:
        QMessageBox.about(self, "About Cuttings",
                          "<b>Cuttings</b><br>A press-cuttings archive for journalists: capture "
                          "articles, read them offline with their quotes, sources and photo "
                          f"credits.<br><br>Archive: {self.archive.url}")

