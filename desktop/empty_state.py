"""The first-run page shown in place of the article table while the archive is empty."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

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
        icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        title = plain_label("Your archive is empty")
        title.setObjectName("emptyTitle")
        # Beside the icon, not under it: the whole page fits the list pane (about 200 px
        # high at the default layout) without cutting a line of the text.
        self.body = rich_label(
            "Paste article links with <b>Ctrl+L</b> (or <b>Ctrl+V</b> here, or drop them on "
            "this window). Cuttings keeps an exact copy of each page with its images and "
            "finds the quotes, the outlets it cites and the photo credits; everything then "
            "reads offline.<br>Saved a page from your browser (paywall)? Use "
            "<b>File › Import saved page</b>.")
        self.body.setObjectName("emptyBody")
        self.body.setWordWrap(True)
        self.body.setMinimumWidth(620)  # three lines, not six, at the default layout
        self.button = QPushButton("Add article links…")
        self.button.setObjectName("emptyAddButton")
        self.button.setAccessibleName("Add article links")
        self.button.clicked.connect(self.add_links)
        text = QVBoxLayout()
        text.setSpacing(6)
        text.addWidget(title)
        text.addWidget(self.body)
        text.addSpacing(6)
        text.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addSpacing(18)
        row.addLayout(text, 0)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
