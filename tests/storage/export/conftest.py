from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.archive import Archive
from tests.storage.export.helpers import build_archive


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built archive per session, copied for every test (fast, isolated)."""
    folder = tmp_path_factory.mktemp("template")
    archive, _, _ = build_archive(folder / "source.db")
    archive.close()
    return folder


@pytest.fixture
def built(_template: Path, tmp_path: Path) -> Iterator[tuple[Archive, list[int], int]]:
    shutil.copy2(_template / "source.db", tmp_path / "source.db")
    shutil.copytree(_template / "source.db.blobs", tmp_path / "source.db.blobs")
    archive = Archive.open(str(tmp_path / "source.db"))
    rows = sorted(archive.list_articles(), key=lambda r: r.id)
    hostile = next(r.id for r in rows if r.site == "evil-gazette.example")
    ids = [r.id for r in rows if r.id != hostile]
    yield archive, ids, hostile
    archive.close()


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Archive]:
    archive = Archive.open(str(tmp_path / "target.db"))
    yield archive
    archive.close()
