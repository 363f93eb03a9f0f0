"""Icons: the app icon from ``resources/cuttings.svg`` and standard action icons."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

import resources

ICON_PATH = Path(resources.__file__).with_name("cuttings.svg")


@cache
def app_icon() -> QIcon:
    """The application icon (empty icon if the SVG is missing from a broken install)."""
    return QIcon(str(ICON_PATH)) if ICON_PATH.exists() else QIcon()
