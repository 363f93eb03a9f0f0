"""Opens an article in the reader and the details tabs: read in a worker, then shown.

A newer request supersedes an older one still loading (generation counter). Signal
``loaded(int article_id)`` once the article is on screen. GUI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.details_tabs import DetailsTabs
from desktop.reader import ReaderBundle, ReaderView, load_reader_bundle
from desktop.runner import Runner

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)


class ArticleOpener(QObject):
    loaded = Signal(int)

    def __init__(self, archive: Archive, runner: Runner, reader: ReaderView,
                 details: DetailsTabs, on_error: Callable[[str, str, str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.archive = archive
        self.runner = runner
        self.reader = reader
        self.details = details
        self.on_error = on_error
        self.generation = 0
        self.shown: int | None = None  # the article shown or loading
        self.settled = False  # it is on screen (not loading)

    def open(self, article_id: int, span: tuple[int, int] | None = None,
             find: str | None = None, scroll: int | None = None,
             tab: QWidget | None = None) -> None:
        """Show the article (at ``span``, at the first ``find``, or at scroll position
        ``scroll``; with ``tab`` of the details in front)."""
        self.generation += 1
        generation = self.generation
        self.shown = article_id
        self.settled = False

        def done(bundle: ReaderBundle | None) -> None:
            if generation != self.generation:
                return
            self.settled = True
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
            elif scroll is not None:
                self.reader.verticalScrollBar().setValue(scroll)
            if tab is not None:
                self.details.setCurrentWidget(tab)
            self.loaded.emit(article_id)

        def failed(exc: BaseException) -> None:
            if generation == self.generation:
                self.shown = None  # choosing it again tries again
            self.on_error("Could not open the article", str(exc),
                          "Press F5 to reload the archive and try again.")

        self.runner.submit(load_reader_bundle, self.archive, article_id, on_result=done,
                           on_error=failed)
