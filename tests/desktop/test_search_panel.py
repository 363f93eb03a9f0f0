"""Paging of search results: the model, the controller and the panel together.

The searches are real (FTS5 on an SQLite file); only the worker pool is replaced by a
queue that the test runs in a chosen order, because results from a thread pool may
arrive in any order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex
from sqlalchemy import insert

from desktop.search_panel import HitsModel, SearchController, SearchPanel
from storage.models import Article
from storage.search import Hit, SqliteSearch

pytestmark = pytest.mark.gui


class QueuedRunner:
    """Runner.submit's signature; the jobs wait until the test runs them."""

    def __init__(self) -> None:
        self.jobs: list[Callable[[], None]] = []

    def submit(self, fn: Callable[..., Any], *args: Any, on_result: Any = None,
               on_error: Any = None, long: bool = False, **kwargs: Any) -> None:
        def job() -> None:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - handed over like the real runner
                if on_error is not None:
                    on_error(exc)
                return
            if on_result is not None:
                on_result(result)
        self.jobs.append(job)

    def run(self, index: int = 0) -> None:
        self.jobs.pop(index)()

    def run_all(self) -> None:
        while self.jobs:
            self.run()


@pytest.fixture
def paged(qtbot, archive):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rows = []
    for word, n in (("harbour", 230), ("bridge", 150)):
        rows += [{"canonical_url": f"https://paper.example/{word}/{i}",
                  "url": f"https://paper.example/{word}/{i}", "site": "paper.example",
                  "title": f"Notice {i}", "authors": [], "publisher": "Paper",
                  "text": f"The {word} notice number {i}.", "reader_html": "",
                  "created_at": start + timedelta(minutes=i), "updated_at": start}
                 for i in range(n)]
    with archive.db.writer() as s:
        s.execute(insert(Article), rows)
    runner = QueuedRunner()
    controller = SearchController(SqliteSearch(archive.db), runner, limit=100)  # type: ignore[arg-type]
    panel = SearchPanel()
    qtbot.addWidget(panel)
    controller.results.connect(panel.show_results)
    controller.more_results.connect(panel.append_results)
    panel.model.more_wanted.connect(controller.load_more)
    return controller, panel, runner


def _texts(panel: SearchPanel) -> set[str]:
    return {h.snippet.split("</mark>")[0].split("<mark>")[-1].lower() for h in panel.model.hits}


def test_a_page_asked_for_while_another_search_is_typed_is_not_fetched(paged) -> None:
    controller, panel, runner = paged
    controller.set_text("harbour")
    controller.run_now()
    runner.run_all()
    assert len(panel.model.hits) == 100 and panel.model.canFetchMore()
    controller.set_text("bridge")  # typed; its search waits for the debounce
    panel.model.fetchMore(QModelIndex())  # the old list reaches its end meanwhile
    assert runner.jobs == []
    controller.run_now()
    runner.run_all()
    assert len(panel.model.hits) == 100 and panel.model.total == 150
    assert _texts(panel) == {"bridge"}


def test_a_page_of_the_previous_search_arriving_late_is_dropped(paged) -> None:
    controller, panel, runner = paged
    controller.set_text("harbour")
    controller.run_now()
    runner.run_all()
    panel.model.fetchMore(QModelIndex())  # page 2 of "harbour" is on its way ...
    controller.set_text("bridge")
    controller.run_now()
    runner.run(1)  # ... the new search's first page lands first
    runner.run_all()  # then the old page 2
    assert len(panel.model.hits) == 100 and _texts(panel) == {"bridge"}
    assert panel.model.canFetchMore()


def test_running_the_same_search_again_mid_page_keeps_paging_to_the_end(paged) -> None:
    controller, panel, runner = paged
    controller.set_text("harbour")
    controller.run_now()
    runner.run_all()
    panel.model.fetchMore(QModelIndex())  # page 2 on its way when Enter is pressed
    controller.run_now()
    runner.run(1)  # the new first page lands first, then the stale page 2
    runner.run_all()
    assert len(panel.model.hits) == 100
    while panel.model.canFetchMore():
        panel.model.fetchMore(QModelIndex())
        runner.run_all()
    assert len(panel.model.hits) == 230
    assert len({(h.kind, h.id) for h in panel.model.hits}) == 230
    assert panel.status.text().startswith("230 results")


def _hit(i: int) -> Hit:
    return Hit(kind="article", id=i, article_id=i, title=f"t{i}", snippet="s", score=1.0,
               published=None)


def test_a_page_of_hits_already_shown_still_moves_the_offset_on(qtbot) -> None:
    model = HitsModel()
    asked: list[int] = []
    model.more_wanted.connect(asked.append)
    model.set_hits([_hit(i) for i in range(3)], total=8)
    model.fetchMore(QModelIndex())
    assert model.append_hits([_hit(1), _hit(2)]) == 0  # the archive changed between pages
    assert model.canFetchMore()
    model.fetchMore(QModelIndex())
    assert model.append_hits([_hit(5), _hit(6), _hit(7)]) == 3
    assert asked == [3, 5] and not model.canFetchMore()
    assert [h.id for h in model.hits] == [0, 1, 2, 5, 6, 7]
