"""The main window: layout and wiring of the panels, menus, toolbar and status bar.

No business logic here: the panels are their own classes, background work goes
through the one :class:`~desktop.runner.Runner`, and each concern has its controller:

* :class:`~desktop.capture_controller.CaptureController` and
  :class:`~desktop.capture_status.CaptureStatus`: the capture batch and its progress;
* :class:`~desktop.article_opener.ArticleOpener`: reading an article into the reader;
* :class:`~desktop.organize_controller.OrganizeController`: every tag, claim and
  collection change, undoable (Edit › Undo/Redo);
* :class:`~desktop.claims_controller.ClaimsController`: claims and item tags from the
  reader and the details tabs;
* :class:`~desktop.library_organizer.LibraryOrganizer`: tagging selected articles,
  collections and saved searches in the sidebar;
* :class:`~desktop.import_export_controller.ImportExportController`: File › Import/Export;
* :class:`~desktop.integrity.DamageBanner`: the integrity check of large archives.

GUI thread only.
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
    QHeaderView,
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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capture.settings import Settings
from desktop.add_urls_dialog import AddUrlsDialog
from desktop.archive_titles import archive_badge, set_main_title
from desktop.article_model import (
    COL_AUTHORS,
    COL_CAPTURED,
    COL_PUBLISHED,
    COL_PUBLISHER,
    COL_QUOTES,
    COL_TAGS,
    COL_TITLE,
    ArticleTableModel,
    keep_sort_indicator,
)
from desktop.article_opener import ArticleOpener
from desktop.capture_controller import CaptureController, PipelineFactory, _default_factory
from desktop.capture_status import CaptureStatus
from desktop.claims_controller import ClaimsController
from desktop.details_tabs import DetailsTabs
from desktop.empty_state import EmptyState
from desktop.export_dialog import ExportDialog
from desktop.icons import app_icon
from desktop.image_decode import shutdown as shutdown_image_decoders
from desktop.import_export_controller import ImportExportController
from desktop.integrity import DamageBanner, IndexBanner
from desktop.library_organizer import LibraryOrganizer
from desktop.library_view import LibraryView
from desktop.organize_controller import OrganizeController
from desktop.plain_text import escape, message_box, plain_label, tooltip
from desktop.queue_panel import QueuePanel
from desktop.reader import INTERNAL_DRAG_MIME, ReaderView, open_external_link
from desktop.runner import Runner
from desktop.search_panel import SearchController, SearchPanel
from desktop.settings_dialog import SettingsDialog
from desktop.settings_store import save_settings
from desktop.sidebar import Sidebar
from desktop.tag_manager import TagManager
from storage.archive_settings import ArchivePreferences
from storage.query import QUERY_HELP
from storage.search import Hit, search_backend

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

STATE_VERSION = 1


#: After the first page, load the capture code in the background this much later.
WARM_UP_DELAY_MS = 400


class MainWindow(QMainWindow):
    """The Cuttings window over one open archive.

    ``qsettings`` stores geometry, splitters and column widths (and the settings
    dialog's values); tests pass an INI file in a temporary folder.
    Signals: ``article_loaded(int)`` after an article is shown in the reader;
    ``organised(str)`` after a tag, claim or collection change (or its undo/redo) is
    stored and shown; ``export_finished`` is the ImportExportController's.
    """

    article_loaded = Signal(int)
    organised = Signal(str)

    def __init__(self, archive: Archive, settings: Settings, qsettings: QSettings,
                 *, pipeline_factory: PipelineFactory = _default_factory,
                 resume_queue: bool = True, archive_prefs: ArchivePreferences | None = None
                 ) -> None:
        super().__init__()
        self.archive = archive
        self.settings = settings
        self.qsettings = qsettings
        self.archive_prefs = archive_prefs or ArchivePreferences(archive)
        set_main_title(self, archive)
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.runner = Runner(self)
        self.controller = CaptureController(archive, settings, self.runner, self,
                                            pipeline_factory=pipeline_factory)
        self.organize = OrganizeController(archive, self.runner, self)

        self._build_panels()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.capture_status = CaptureStatus(self.controller, self.status_label, self.progress,
                                            self.act_start, self.act_stop,
                                            self.refresh_library, self)
        self._refresh_timer = self.capture_status.refresh_timer
        self.claims = ClaimsController(self, self.reader, self.details, self.organize)
        self.organizer = LibraryOrganizer(self, self.sidebar, self.organize,
                                          self.selected_article_ids)
        self.transfer = ImportExportController(self)
        self.opener = ArticleOpener(archive, self.runner, self.reader, self.details,
                                    self.show_error, self)
        self.opener.loaded.connect(self.article_loaded)
        self.library = LibraryView(self)
        self.export_finished = self.transfer.export_finished
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
        self.library.load_sidebar(count=False)
        self.queue_panel.reload()
        if resume_queue:
            self.controller.resume()
        else:  # once the first article is on screen (they would compete for the GIL)
            QTimer.singleShot(WARM_UP_DELAY_MS, self.controller.warm_up)
        self.damage_banner.start(self.archive, self.runner)
        self.index_banner.start(self.archive, self.runner)

    def _index_damage_found(self, results: Any) -> None:
        """A search found the index damaged: offer to rebuild it (the banner)."""
        if getattr(results, "damaged", False):
            self.index_banner.show_damage()

    @property
    def filter_label(self) -> str:
        """What the table shows when filtered ("" for the whole library)."""
        return self.library.filter_label

    @property
    def article_total(self) -> int:
        return self.library.article_total

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
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
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
        keep_sort_indicator(header, self.model)  # no arrow on a column that cannot sort
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((COL_TITLE, 400), (COL_PUBLISHER, 150), (COL_AUTHORS, 150),
                           (COL_PUBLISHED, 95), (COL_CAPTURED, 130), (COL_QUOTES, 65),
                           (COL_TAGS, 80)):  # never narrower than the name and its arrow
            header.resizeSection(col, max(width, header.sectionSizeHint(col)))

        self.empty_state = EmptyState()
        # Pages of the stack must not force a tall list area (the reader wants the room).
        self.empty_state.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.search_panel = SearchPanel()
        self.filter_banner = plain_label("")
        self.filter_banner.setObjectName("filterBanner")
        self.filter_banner.setVisible(False)
        self.damage_banner = DamageBanner()
        self.index_banner = IndexBanner()
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.empty_state)
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.search_panel)
        self.list_area = list_area = QWidget()
        list_layout = QVBoxLayout(list_area)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(0)
        list_layout.addWidget(self.damage_banner)
        list_layout.addWidget(self.index_banner)
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
        # The reader gets the room (issue 22: it had less than half the window).
        self.reader_split.setStretchFactor(0, 5)
        self.reader_split.setStretchFactor(1, 2)
        self.reader_split.setSizes([890, 310])

        self.library_split = QSplitter(Qt.Orientation.Vertical)
        self.library_split.setObjectName("librarySplit")
        self.library_split.addWidget(list_area)
        self.library_split.addWidget(self.reader_split)
        self.library_split.setStretchFactor(0, 1)
        self.library_split.setStretchFactor(1, 3)
        self.library_split.setSizes([210, 610])

        self.queue_panel = QueuePanel(self.archive, self.runner, self.controller)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.library_split)
        self.pages.addWidget(self.queue_panel)

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("mainSplit")
        self.main_split.addWidget(self.sidebar)
        self.main_split.addWidget(self.pages)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([230, 1170])  # the sidebar fits "None yet (☆ saves one)"
        self.setCentralWidget(self.main_split)

        self.search = SearchController(search_backend(self.archive.db), self.runner, self)
        self.index_banner.attach(self.archive, self.runner)
        for signal in (self.search.results, self.search.more_results):
            signal.connect(self._index_damage_found)
        self.index_banner.rebuilt.connect(lambda ok: ok and self.search.run_now())

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | str | None = None,
                tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tooltip(tip))
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
        self.act_import = self._action("&Import…", self.import_archive_file, "Ctrl+I",
                                       "Import a Cuttings export (JSON or ZIP bundle), browser "
                                       "bookmarks or a list of links")
        self.act_import_page = self._action("Import &saved page…", self.import_saved_page,
                                            "Ctrl+O", "Import an HTML page saved from your browser "
                                            "(for paywalled articles)", sp.SP_DialogOpenButton)
        self.act_export = self._action("&Export…", self.open_export, "Ctrl+E",
                                         "Export articles with their quotes, sources and "
                                         "snapshots (ZIP, HTML, Markdown, JSON, CSV, WARC…)",
                                         sp.SP_DialogSaveButton)
        self.act_tag = self._action("&Tag articles…", self.ask_tag, "Ctrl+T",
                                    "Put tags on the selected articles")
        self.act_collect = self._action("Add to &collection…", self.ask_collection, "Ctrl+K",
                                        "Add the selected articles to a collection")
        self.act_claim = self._action("&Mark as claim…", self.ask_claim, "Ctrl+M",
                                      "Mark the selected words of the article as a claim to "
                                      "check, with a verdict, a note, tags and evidence")
        self.act_undo = self._action("&Undo", self.organize.undo, QKeySequence.StandardKey.Undo,
                                     "Undo the last tag, claim or collection change")
        self.act_redo = self._action("&Redo", self.organize.redo, "Ctrl+Shift+Z",
                                     "Redo what was undone")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for act in (self.act_undo, self.act_redo):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setEnabled(False)
        self.act_tags = self._action("Manage ta&gs…", self.open_tag_manager, "Ctrl+Shift+T",
                                     "Rename, merge, colour and delete tags")
        self.act_new_collection = self._action("&New collection…", self.ask_new_collection,
                                               None, "Create an empty collection")
        self.act_save_search = self._action("Save &search…", self.ask_save_search, "Ctrl+Shift+S",
                                            "Keep the current search in the sidebar")
        self.act_open_original = self._action("Open &original page", self.open_original,
                                              "Ctrl+Shift+B",
                                              "Open the article's web address in your browser")
        self.act_import_list = self._action("Import &URL list…", self.import_url_list,
                                            "Ctrl+Shift+O", "Capture every link of a text file or "
                                            "a browser bookmarks export")
        self.act_settings = self._action("&Settings…", self.open_settings, "Ctrl+,",
                                         "Downloads, timeouts, images, archive location")
        self.act_quit = self._action("&Quit", self.close, "Ctrl+Q", "Quit Cuttings")
        self.act_rebuild_index = self._action(
            "Rebuild search &index", self.index_banner.rebuild, None,
            "Make the search index again from the articles (when searches say it is damaged)")
        self.act_find = self._action("&Find…", self.focus_search, "Ctrl+F",
                                     "Search articles, quotes, claims and credits (Ctrl+F)")
        self.act_library = self._action("&Library", lambda: self.sidebar.choose("library"),
                                        "Ctrl+1", "Show every article")
        self.act_queue = self._action("Capture &queue", lambda: self.sidebar.choose("queue"),
                                      "Ctrl+2", "Show the capture queue")
        self.act_reload = self._action("&Reload", self.refresh_library, "F5",
                                       "Re-read the archive")
        self.act_reader_only = self._action(
            "R&eader only", lambda: self.set_reader_only(self.act_reader_only.isChecked()),
            "F11", "Show only the article, hiding the sidebar, the list and the details "
            "(F11; Esc goes back)")
        self.act_reader_only.setCheckable(True)
        self._normal_layout: dict[str, QByteArray] = {}  # splitters, while reader-only
        self.act_leave_reader = self._action("Leave reader only",
                                             lambda: self.set_reader_only(False), "Esc")
        self.act_leave_reader.setEnabled(False)  # (Esc is only taken in the reader view)
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
        for a in (self.act_add, self.act_import, self.act_import_page, self.act_import_list):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_settings)
        file_menu.addAction(self.act_rebuild_index)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.act_undo)
        edit_menu.addAction(self.act_redo)
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_paste)
        edit_menu.addAction(self.act_find)
        edit_menu.addAction(self.act_save_search)
        edit_menu.addSeparator()
        for a in (self.act_claim, self.act_tag, self.act_collect, self.act_new_collection,
                  self.act_tags, self.act_open_original):
            edit_menu.addAction(a)
        view_menu = bar.addMenu("&View")
        for a in (self.act_library, self.act_queue, self.act_reload):
            view_menu.addAction(a)
        view_menu.addSeparator()
        view_menu.addAction(self.act_reader_only)
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
        self.search_field.setToolTip(tooltip(QUERY_HELP))
        self.search_field.setMinimumWidth(360)
        self.search_field.setMaximumWidth(560)
        tb.addWidget(self.search_field)
        self.search_help = QToolButton()
        self.search_help.setObjectName("searchHelp")
        self.search_help.setText("?")
        self.search_help.setToolTip("How to search: tag:, collection:, is:claim, verdict:, "
                                    "speaker:, quotes…")
        self.search_help.setAccessibleName("Search syntax")
        self.search_help.clicked.connect(self.show_search_help)
        tb.addWidget(self.search_help)
        self.save_search_button = QToolButton()
        self.save_search_button.setObjectName("saveSearch")
        self.save_search_button.setText("☆")
        self.save_search_button.setToolTip("Save this search in the sidebar (Ctrl+Shift+S)")
        self.save_search_button.setAccessibleName("Save search")
        self.save_search_button.clicked.connect(self.ask_save_search)
        tb.addWidget(self.save_search_button)
        self.addToolBar(tb)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.status_label = plain_label("")
        self.status_label.setObjectName("statusMessage")
        self.progress = QProgressBar()
        self.progress.setObjectName("captureProgress")
        self.progress.setAccessibleName("Capture progress")
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.count_label = plain_label("")
        self.count_label.setObjectName("articleCount")
        sb.addWidget(self.status_label, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.count_label)
        sb.addPermanentWidget(archive_badge(self.archive))

    def _wire(self) -> None:
        self.empty_state.add_links.connect(self.open_add_dialog)
        self.details.jump_to.connect(self.reader.show_range)
        self.details.collect_claim.connect(self.organizer.ask_collect_claim)
        self.organize.changed.connect(self._organised)
        self.organize.failed.connect(lambda what, detail: self.show_error(
            what, detail, "Check the name (it cannot be empty), press F5 to reload, and try "
            "again."))
        self.organize.stack.canUndoChanged.connect(self.act_undo.setEnabled)
        self.organize.stack.canRedoChanged.connect(self.act_redo.setEnabled)
        self.organize.stack.undoTextChanged.connect(
            lambda t: self.act_undo.setText(f"&Undo {t}" if t else "&Undo"))
        self.organize.stack.redoTextChanged.connect(
            lambda t: self.act_redo.setText(f"&Redo {t}" if t else "&Redo"))
        self.claims.claim_marked.connect(
            lambda article_id, start, end: self.open_article(article_id, span=(start, end)))
        for source in (self.claims.message, self.organizer.message):
            source.connect(self.status_label.setText)
        self.organizer.open_at.connect(self.library.open_at)
        self.organizer.saved_changed.connect(self.refresh_library)
        self.details.open_link.connect(lambda url: open_external_link(
            self, url, self.reader.confirm_link))
        self.queue_panel.open_article.connect(self.show_article_in_library)
        self.search_field.textChanged.connect(self.search.set_text)
        self.search_field.returnPressed.connect(self.search.run_now)

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
        if str(qs.value("view/readerOnly", "false")).lower() == "true":
            self.set_reader_only(True)

    def save_state(self) -> None:
        qs = self.qsettings
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState(STATE_VERSION))
        for name, state in self._splitter_states().items():
            qs.setValue(f"splitters/{name}", state)
        qs.setValue("view/readerOnly", self.reader_only)
        qs.setValue("table/header", self.table.horizontalHeader().saveState())
        qs.setValue("queue/header", self.queue_panel.view.horizontalHeader().saveState())
        qs.sync()

    # ---- reader only -------------------------------------------------------------------------
    @property
    def reader_only(self) -> bool:
        """Whether only the reader is shown (View › Reader only, F11; Esc leaves)."""
        return self.act_reader_only.isChecked()

    def set_reader_only(self, on: bool) -> None:
        """Show only the article (the sidebar, the list and the details hidden), or go
        back. Hiding widgets leaves the splitters' sizes as they were."""
        was = bool(self._normal_layout)
        self.act_reader_only.setChecked(on)
        self.act_leave_reader.setEnabled(on)
        if on and not was:
            self._normal_layout = self._splitter_states()
        if on:
            self.pages.setCurrentWidget(self.library_split)
        for widget in (self.sidebar, self.list_area, self.details):
            widget.setVisible(not on)
        if on:
            self.reader.setFocus(Qt.FocusReason.OtherFocusReason)
            self.status_label.setText("Reader only: press Esc or F11 to see the library again.")
            return
        for split in self._splitters():  # the sizes of before, not the reader's
            state = self._normal_layout.get(split.objectName())
            if state is not None:
                split.restoreState(state)
        self._normal_layout = {}
        self.library.sync_sidebar()

    def _splitters(self) -> tuple[QSplitter, ...]:
        return (self.main_split, self.library_split, self.reader_split)

    def _splitter_states(self) -> dict[str, QByteArray]:
        """The splitters' layout; in the reader-only view, the one it will go back to."""
        if self._normal_layout:
            return dict(self._normal_layout)
        return {split.objectName(): split.saveState() for split in self._splitters()}

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.controller.shutdown()
        shutdown_image_decoders()  # an article still decoding ends now, not at its timeout
        if not self.runner.shutdown(8000):
            log.warning("background work still running at exit")
        shutdown_image_decoders()  # and any decoder a last task started meanwhile
        event.accept()

    # ---- library (the LibraryView's) -----------------------------------------------------------
    def refresh_library(self) -> None:
        """Re-read the ids of the current view and the sidebar lists."""
        self.library.refresh()

    def open_article(self, article_id: int, span: tuple[int, int] | None = None,
                     find: str | None = None, scroll: int | None = None,
                     tab: QWidget | None = None) -> None:
        """Read an article and its images in the background, then show it."""
        self.opener.open(article_id, span, find, scroll, tab)

    def show_article_in_library(self, article_id: int) -> None:
        self.library.show_article_in_library(article_id)

    # ---- organising ---------------------------------------------------------------------------
    def current_article_id(self) -> int | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.id if row is not None else None

    def selected_article_ids(self) -> list[int]:
        """The selected rows' article ids in table order (the current row if none).
        Every row selected (Ctrl+A) means every article of the view, also those the
        table has not loaded yet."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if rows and len(rows) == self.model.rowCount() < self.model.total:
            return self.model.ids
        ids = [r.id for r in (self.model.row_at(i) for i in rows) if r is not None]
        current = self.current_article_id()
        return ids or ([current] if current is not None else [])

    def _table_menu(self, pos: Any) -> None:
        if self.model.row_at(self.table.indexAt(pos).row()) is None:
            return
        menu = QMenu(self)
        for a in (self.act_tag, self.act_collect, self.act_open_original):
            menu.addAction(a)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _names(self, group: str) -> list[str]:
        return self.sidebar.names(group)

    def ask_tag(self) -> None:
        self.organizer.ask_tag_articles()

    def ask_collection(self) -> None:
        self.organizer.ask_collection()

    def ask_new_collection(self) -> None:
        self.organizer.ask_new_collection()

    def ask_save_search(self) -> None:
        self.organizer.ask_save_search(self.search_field.text())

    def tag_current(self, name: str) -> None:
        """Tag the selected articles (undoable)."""
        self.organizer.tag_articles(name)

    def collect_current(self, name: str) -> None:
        """Add the selected articles to collection ``name`` (created if new; undoable)."""
        self.organizer.add_articles(name)

    def open_tag_manager(self) -> TagManager:
        dialog = TagManager(self.organize, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.tag_manager = dialog
        return dialog

    def _organised(self, message: str) -> None:
        """A change (or its undo) is stored: show it everywhere."""
        if message:
            self.status_label.setText(message)
        self.model.refresh_rows(self.selected_article_ids())  # their Tags column, now
        self.refresh_library()
        article_id = self.reader.article_id
        # (not when an open is pending already, e.g. at a just-marked claim)
        if article_id is not None and self.opener.settled and not self.organize.busy:
            bar = self.reader.verticalScrollBar()
            keep = bar.value()
            self.open_article(article_id, scroll=keep)
        self.organised.emit(message)

    def _reader_menu(self, pos: Any) -> None:
        menu = self.reader.createStandardContextMenu(pos)
        menu.addSeparator()
        self.act_claim.setEnabled(self.reader.selected_span() is not None)
        menu.addAction(self.act_claim)
        menu.aboutToHide.connect(lambda: self.act_claim.setEnabled(True))
        menu.popup(self.reader.viewport().mapToGlobal(pos))

    def ask_claim(self) -> None:
        self.claims.ask_claim()

    def mark_claim(self, verdict: str, note: str = "", tags: Any = (), evidence: Any = ()
                   ) -> bool:
        """Mark the reader's selection as a claim (in the background, undoable); False
        when nothing of the body text is selected."""
        return self.claims.mark_claim(verdict, note, tags, evidence)

    def open_original(self) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is not None:
            open_external_link(self, QUrl(row.url), self.reader.confirm_link)

    # ---- search -------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def open_hit(self, hit: Hit) -> None:
        self.library.open_hit(hit)

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
            self.controller.enqueue(new, on_done=self.capture_status.enqueued)
        if again:
            self.controller.enqueue(again, recapture=True,
                                    on_done=self.capture_status.enqueued)
        if new or again:
            self.sidebar.choose("queue")

    def paste_links(self) -> None:
        text = QGuiApplication.clipboard().text()
        self.open_add_dialog(text)

    def retry_failed(self) -> None:
        ids = [j.id for j in self.queue_panel.model.jobs() if j.state == "failed"]
        if ids:
            self.controller.retry(ids)

    # ---- import and export (the ImportExportController's) ------------------------------------
    def import_archive_file(self, path: str | None = None) -> None:
        self.transfer.import_archive_file(path)

    def import_saved_page(self, path: str | None = None, url: str | None = None) -> None:
        self.transfer.import_saved_page(path, url)

    def import_url_list(self, path: str | None = None) -> None:
        self.transfer.import_url_list(path)

    def open_export(self) -> ExportDialog:
        return self.transfer.open_export()

    def start_export(self, fmt: str, ids: list[int] | None, path: Path, **kwargs: Any) -> None:
        self.transfer.start_export(fmt, ids, path, **kwargs)

    # ---- drag and drop ----------------------------------------------------------------------------
    @staticmethod
    def _dropped_text(mime: QMimeData, internal: bool = False) -> str:
        """The links a drop brings ("" for none). A drag that started inside Cuttings
        (``internal``: Qt names its source widget; or the reader's marked text) is
        never a drop of links: text dragged within the reader stays there."""
        if internal or mime.hasFormat(INTERNAL_DRAG_MIME):
            return ""
        if mime.hasUrls():
            links = [u.toString() for u in mime.urls() if u.scheme() in ("http", "https")]
            if links:
                return "\n".join(links)
        return mime.text() if mime.hasText() else ""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_text(event.mimeData(), event.source() is not None).strip():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        text = self._dropped_text(event.mimeData(), event.source() is not None)
        if text.strip():
            event.acceptProposedAction()
            self.open_add_dialog(text)

    # ---- dialogs ------------------------------------------------------------------------------------
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, archive=self.archive,
                                user_file=self.qsettings.fileName())
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.settings())

    def apply_settings(self, settings: Settings) -> None:
        """Use ``settings`` from now on; the user's are saved in the user's file, the
        archive's in the archive (not when it is open read-only: then for this session)."""
        self.settings = settings
        self.controller.set_settings(settings)
        try:
            save_settings(self.qsettings, settings, self.archive_prefs)
        except PermissionError:
            self.status_label.setText("This archive is open read-only: its settings apply "
                                      "until Cuttings is closed.")
            return
        except Exception as exc:  # noqa: BLE001 - busy, disk full: say so, keep them
            self.show_error("The archive's settings were not saved", str(exc),
                            "They apply until Cuttings is closed. Open Settings and save "
                            "again in a moment.")
            return
        self.status_label.setText("Settings saved; they apply to the next captures.")

    def show_error(self, what: str, detail: str, todo: str) -> None:
        """Every error says what happened and what to do next."""
        log.error("%s: %s", what, detail)
        self.status_label.setText(f"{what}: {detail}")
        box = message_box(QMessageBox.Icon.Warning, what, what, f"{detail}\n\n{todo}",
                          parent=self)
        box.open()

    def show_search_help(self) -> None:
        box = message_box(QMessageBox.Icon.Information, "Search syntax", "How to search",
                          QUERY_HELP, parent=self)
        box.open()

    def show_about(self) -> None:
        box = message_box(QMessageBox.Icon.NoIcon, "About Cuttings",
                          "<b>Cuttings</b><br>A press-cuttings archive for journalists: capture "
                          "articles, read them offline with their quotes, sources and photo "
                          f"credits.<br><br>Archive: {escape(self.archive.display_url)}",
                          parent=self, markup=True)
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.exec()

