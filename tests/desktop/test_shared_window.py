"""The window on a shared PostgreSQL archive: the library lists it and the search field
searches it (tsvector back-end). Skips without CUTTINGS_TEST_PG."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.archive import Archive
from storage.search_pg import PostgresSearch
from tests.storage.organize_support import FERRY_TEXT, store


@pytest.fixture
def archive(pg_url: str) -> Iterator[Archive]:
    arch = Archive.open(pg_url)
    yield arch
    arch.close()


def test_window_lists_and_searches_a_postgres_archive(qtbot, make_window, archive) -> None:
    store(archive)
    store(archive, "https://post.example.org/ferry", FERRY_TEXT, title="Ferry doubles")
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win.model.total == 2, timeout=10000)
    assert isinstance(win.search._search, PostgresSearch)  # chosen by search_backend()
    with qtbot.waitSignal(win.search.results, timeout=10000):
        qtbot.keyClicks(win.search_field, "ferry")
    hits = win.search_panel.model.hits
    assert hits and hits[0].title == "Ferry doubles"
    assert "<mark>" in hits[0].snippet or any("<mark>" in h.snippet for h in hits)


def test_other_desktops_changes_reach_the_window(qtbot, archive, pg_url) -> None:
    from desktop.change_watcher import ChangeWatcher, watch_changes

    calls: list[int] = []
    watcher = watch_changes(archive, lambda: calls.append(1))
    assert isinstance(watcher, ChangeWatcher)
    try:
        with Archive.open(pg_url) as other:  # another desktop captures an article
            store(other)
        qtbot.waitUntil(lambda: bool(calls), timeout=10000)
    finally:
        watcher.stop()


def test_no_watcher_for_a_file_archive(tmp_path) -> None:
    from desktop.change_watcher import watch_changes

    with Archive.open(str(tmp_path / "a.db")) as arch:
        assert watch_changes(arch, lambda: None) is None
