"""Desktop test setup: QSettings redirected into the test's folder, a real archive in
``tmp_path``, the fixture site on pytest-httpserver, and a window factory."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from capture.settings import Settings
from storage.archive import Archive
from tests.desktop import fixture_site
from tests.support import qt_fixtures

# Shared fixtures (one definition, tests/support/qt_fixtures.py).
_isolated_qsettings = qt_fixtures._isolated_qsettings
archive = qt_fixtures.archive


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform warns that it cannot propagate size hints, raise windows or
    # grab the keyboard (popup menus); not our bugs.
    for item in items:
        if "tests/desktop" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(
                "propagateSizeHints", "does not support raise", "does not support grabbing"))


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def settings() -> Settings:
    return Settings(allow_local_network=True, workers=3, per_host=3, retries=0,
                    total_deadline=15.0)


@pytest.fixture
def site_urls(httpserver: object) -> list[str]:
    return fixture_site.serve(httpserver)


@pytest.fixture
def make_window(qtbot: object, archive: Archive, settings: Settings, qsettings: QSettings):
    from desktop.main_window import MainWindow

    windows = []

    def make(**kwargs: object) -> MainWindow:
        win = MainWindow(archive, settings, qsettings, **kwargs)
        qtbot.addWidget(win)  # type: ignore[attr-defined]
        win.resize(1300, 850)
        win.show()
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
