"""Fixtures for tests that open Cuttings' widgets: QSettings and QStandardPaths kept
inside the test's folder (autouse where imported), and a real archive in ``tmp_path``.

Imported by ``tests/desktop/conftest.py`` and by the window tests under
``tests/reliability`` (one definition for both). GUI thread only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths

from storage.archive import Archive


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path: Path) -> Iterator[None]:
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "qsettings"))
    yield
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    arch = Archive.open(str(tmp_path / "archive.db"))
    yield arch
    arch.close()
