from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.archive import Archive
from tests.storage.export.helpers import build_archive


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Archive, list[int], int]]:
    archive, ids, hostile = build_archive(tmp_path / "source.db")
    yield archive, ids, hostile
    archive.close()


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Archive]:
    archive = Archive.open(str(tmp_path / "target.db"))
    yield archive
    archive.close()
