"""The application's look: Fusion style, a light palette and the small style sheet in
``resources/cuttings.qss``."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

import resources

log = logging.getLogger(__name__)

QSS_PATH = Path(resources.__file__).with_name("cuttings.qss")
UI_FONTS = ["Inter", "Noto Sans", "Cantarell", "Segoe UI", "DejaVu Sans", "sans-serif"]


def apply_style(app: QApplication) -> None:
    """Fusion with a calm light palette; the style sheet only adds spacing and accents."""
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#f3f4f6"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#f8fafc"))
    pal.setColor(QPalette.ColorRole.Text, QColor("#111827"))
    pal.setColor(QPalette.ColorRole.WindowText, QColor("#111827"))
    pal.setColor(QPalette.ColorRole.Button, QColor("#f9fafb"))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor("#111827"))
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#2f5d8a"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor("#6b7280"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor("#fffbea"))
    pal.setColor(QPalette.ColorRole.ToolTipText, QColor("#111827"))
    pal.setColor(QPalette.ColorRole.Link, QColor("#1d4ed8"))
    app.setPalette(pal)
    font = QFont()
    font.setFamilies(UI_FONTS)
    font.setPointSizeF(10)
    app.setFont(font)
    try:
        app.setStyleSheet(QSS_PATH.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("style sheet unavailable: %s", exc)
