"""Saved searches (the window's sidebar list) on a real SQLite archive."""

from __future__ import annotations

import pytest

from storage.archive import Archive
from storage.organize_common import InvalidValueError, NotFoundError
from storage.saved_searches import delete_saved_search, save_search, saved_searches


@pytest.fixture
def archive(tmp_path):
    arch = Archive.open(str(tmp_path / "saved.db"))
    yield arch
    arch.close()


def test_save_list_overwrite_and_delete(archive):
    assert saved_searches(archive) == []
    assert save_search(archive, "  disputed   figures ", "is:claim verdict:disputed") == \
        ("disputed figures", None)
    save_search(archive, "Bridge", "tag:bridge")
    assert saved_searches(archive) == [("Bridge", "tag:bridge"),
                                       ("disputed figures", "is:claim verdict:disputed")]
    # saving under a taken name replaces the query and says what it was (for undo)
    assert save_search(archive, "Bridge", "tag:bridge collection:\"Port Alden\"") == \
        ("Bridge", "tag:bridge")
    assert dict(saved_searches(archive))["Bridge"] == 'tag:bridge collection:"Port Alden"'
    assert delete_saved_search(archive, "Bridge") == 'tag:bridge collection:"Port Alden"'
    assert [n for n, _ in saved_searches(archive)] == ["disputed figures"]


def test_bad_input_is_refused_with_a_message(archive):
    with pytest.raises(InvalidValueError, match="needs a name"):
        save_search(archive, "   ", "tag:x")
    with pytest.raises(InvalidValueError, match="empty"):
        save_search(archive, "Empty", "  ")
    with pytest.raises(InvalidValueError, match="longer than"):
        save_search(archive, "Huge", "x" * 5000)
    with pytest.raises(NotFoundError, match="no saved search"):
        delete_saved_search(archive, "never saved")
    assert saved_searches(archive) == []
