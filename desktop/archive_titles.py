"""Which archive a window is about: its title, its dialogs' titles, the status-bar badge.

One rule: a window or dialog about the open archive names it through this module
(the name from :func:`storage.paths.archive_identity`: the file name and folder, or
the database and server of a shared archive, never a password), and titles go
through :func:`desktop.plain_text.window_title` (a file name is data).
GUI thread only.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.plain_text import plain_label, tooltip, window_title
from storage.paths import ArchiveIdentity, archive_identity

log = logging.getLogger(__name__)

APP_NAME = "Cuttings"


def identity_of(archive: Any) -> ArchiveIdentity:
    """The identity of an open :class:`storage.archive.Archive` (or of a URL)."""
    return archive_identity(archive if isinstance(archive, str) else archive.url)


def main_window_title(archive: Any) -> str:
    """"archive.db (~/Stories) — Cuttings" (ends with the application's name, so the
    window system does not append it a second time)."""
    return f"{identity_of(archive).title} — {APP_NAME}"


def dialog_title(what: str, archive: Any) -> str:
    """"Settings — archive.db": a dialog about the open archive."""
    return f"{what} — {identity_of(archive).name}"


def set_main_title(window: QWidget, archive: Any) -> None:
    window.setWindowTitle(window_title(main_window_title(archive)))


def set_dialog_title(dialog: QWidget, what: str, archive: Any) -> None:
    """Title ``dialog`` "WHAT — archive.db" (just "WHAT" without an archive)."""
    dialog.setWindowTitle(window_title(dialog_title(what, archive) if archive is not None
                                       else what))


def archive_badge(archive: Any) -> QLabel:
    """A status-bar label with the archive's name; the tooltip (and the accessible
    description) give the full path or the server address."""
    ident = identity_of(archive)
    label = plain_label(ident.name)
    label.setObjectName("archiveBadge")
    label.setToolTip(tooltip(f"Archive: {ident.full}"))
    label.setAccessibleName("Open archive")
    label.setAccessibleDescription(ident.full)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setContentsMargins(12, 0, 6, 0)
    return label
