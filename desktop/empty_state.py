"""The first-run page shown in place of the article table while the archive is empty."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from desktop.icons import app_icon
from desktop.plain_text import plain_label, rich_label


class EmptyState(QWidget):
    """Tells a new user what to do. ``add_links`` when the button is pressed."""

    add_links = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        icon = plain_label()
        icon.setPixmap(app_icon().pixmap(72, 72))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = plain_label("Your archive is empty")
        title.setObjectName("emptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = rich_label(
            "Paste article links with <b>Ctrl+L</b> (or just <b>Ctrl+V</b> here, or drop links "
            "on this window).<br>Cuttings downloads each page, keeps an exact copy with its "
            "images, and finds<br>the quotes, the outlets it cites and the photo credits. "
            "Everything then reads offline.<br><br>Saved a page from your browser (paywall)? "
            "Use <b>File › Import saved page</b>.")
        self.body.setObjectName("emptyBody")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setWordWrap(True)
        self.button = QPushButton("Add article links…")
        self.button.setObjectName("emptyAddButton")
        self.button.setAccessibleName("Add article links")
        self.button.clicked.connect(self.add_links)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(icon)
        layout.addSpacing(8)
        layout.addWidget(title)
        layout.addSpacing(6)
        layout.addWidget(self.body)
        layout.addSpacing(14)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
