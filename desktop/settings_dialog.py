"""The settings dialog, built from ``Settings.declarations()`` (each setting is
declared once, with its label, help, bounds, group and scope, in
``capture/settings.py``).

The dialog is in two parts, by scope: what is the user's on this computer (the
archive location, shown with the real default path, the archive in use and the
settings file) and what belongs to the open archive (kept in it: network policy,
limits, user agent, images, workers). GUI thread only.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from capture.settings import ARCHIVE, USER, Settings
from desktop.archive_titles import identity_of, set_dialog_title
from desktop.plain_text import plain_label, tooltip
from storage.paths import default_db_path

#: The heading of each scope's part of the dialog.
SCOPE_HEADINGS = {
    USER: "For you on this computer, whatever archive is open",
    ARCHIVE: "For this archive only: {name}",
}
SCOPE_NOTES = {
    USER: "Kept in your settings file, with the window layout.",
    ARCHIVE: "Kept inside the archive: another archive has its own values.",
}


def selectable_label(text: str, object_name: str) -> QLabel:
    """A plain label whose text (a path) can be selected and copied."""
    label = plain_label(text)
    label.setObjectName(object_name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    label.setWordWrap(True)
    return label

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    """Edit every declared setting; ``settings()`` returns the edited copy."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 archive: Any = None, user_file: str = "") -> None:
        """``archive``: the open archive (or its URL), named in the title and the
        archive part; ``user_file``: the user's settings file, shown."""
        super().__init__(parent)
        ident = identity_of(archive) if archive is not None else None
        set_dialog_title(self, "Settings" if archive is not None else "Cuttings settings",
                         archive)
        self.setObjectName("settingsDialog")
        self._original = settings
        self._ident = ident
        self._user_file = user_file
        self.editors: dict[str, QWidget] = {}
        self.scope_of: dict[str, str] = {}
        layout = QVBoxLayout(self)
        self.sections: dict[str, QVBoxLayout] = {}
        columns = QHBoxLayout()
        layout.addLayout(columns)
        for scope in (ARCHIVE, USER):
            column = QVBoxLayout()
            heading = plain_label(SCOPE_HEADINGS[scope].format(
                name=ident.name if ident else "the open archive"))
            heading.setObjectName(f"scopeHeading_{scope}")
            font = QFont(heading.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.1)
            heading.setFont(font)
            heading.setWordWrap(True)
            if scope == ARCHIVE and ident is not None:
                heading.setToolTip(tooltip(ident.full))
            note = plain_label(SCOPE_NOTES[scope])
            note.setWordWrap(True)
            note.setStyleSheet("color: palette(placeholder-text);")
            column.addWidget(heading)
            column.addWidget(note)
            columns.addLayout(column, 3 if scope == ARCHIVE else 2)
            self.sections[scope] = column
        groups: dict[tuple[str, str], QFormLayout] = {}
        for name, typ, _default, meta in Settings.declarations():
            scope = meta.get("scope") or ARCHIVE
            self.scope_of[name] = scope
            group = meta.get("group") or "General"
            if (scope, group) not in groups:
                box = QGroupBox(group)
                box.setObjectName(f"settingsGroup_{scope}_{group}")
                groups[(scope, group)] = QFormLayout(box)
                if scope == USER:  # a narrower column: labels above their long paths
                    groups[(scope, group)].setRowWrapPolicy(
                        QFormLayout.RowWrapPolicy.WrapAllRows)
                self.sections[scope].addWidget(box)
            form = groups[(scope, group)]
            editor = self._editor(name, typ, getattr(settings, name), meta)
            editor.setObjectName(f"setting_{name}")
            editor.setAccessibleName(meta["label"])
            if meta.get("help"):
                editor.setToolTip(tooltip(meta["help"]))
            self.editors[name] = editor
            label = plain_label(meta["label"] + ("" if typ is bool else ":"))
            label.setToolTip(tooltip(meta.get("help")))
            if name == "archive":
                row = QWidget()
                row_layout = QHBoxLayout(row)
                row_layout.setContentsMargins(0, 0, 0, 0)
                row_layout.addWidget(editor, 1)
                browse = QPushButton("Browse…")
                browse.setAccessibleName("Choose the archive file")
                browse.clicked.connect(self._browse_archive)
                row_layout.addWidget(browse)
                form.addRow(label, row)
                note = plain_label("A new archive location is used the next time Cuttings starts.")
                note.setWordWrap(True)
                note.setStyleSheet("color: palette(placeholder-text);")
                form.addRow("", note)
                self._add_paths(form)
            elif typ is bool:
                form.addRow("", editor)
            else:
                form.addRow(label, editor)
        for column in self.sections.values():
            column.addStretch(1)
        self.setMinimumWidth(900)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults)
        layout.addWidget(buttons)

    @staticmethod
    def _editor(name: str, typ: type, value: Any, meta: dict[str, Any]) -> QWidget:
        unit = f" {meta['unit']}" if meta.get("unit") else ""
        if typ is bool:
            box = QCheckBox(meta["label"])
            box.setChecked(bool(value))
            return box
        if typ is int:
            spin = QSpinBox()
            spin.setRange(int(meta["min"] if meta.get("min") is not None else 0),
                          int(meta["max"] if meta.get("max") is not None else 1_000_000))
            spin.setSuffix(unit)
            spin.setValue(int(value))
            return spin
        if typ is float:
            dspin = QDoubleSpinBox()
            dspin.setDecimals(1)
            dspin.setRange(float(meta["min"] if meta.get("min") is not None else 0),
                           float(meta["max"] if meta.get("max") is not None else 1e9))
            dspin.setSuffix(unit)
            dspin.setValue(float(value))
            return dspin
        line = QLineEdit(str(value))
        line.setCursorPosition(0)  # (show a long value's beginning)
        if name == "archive":
            line.setPlaceholderText(f"Default: {default_db_path()}")
        return line

    def _add_paths(self, form: QFormLayout) -> None:
        """The real paths: the default archive, the archive in use, the settings file
        (selectable, so they can be copied into a file manager or a report)."""
        self.default_path = selectable_label(str(default_db_path()), "defaultArchivePath")
        form.addRow("Default:", self.default_path)
        if self._ident is not None:
            self.in_use_path = selectable_label(self._ident.full, "archiveInUsePath")
            form.addRow("In use now:", self.in_use_path)
        if self._user_file:
            self.user_file_path = selectable_label(self._user_file, "userSettingsPath")
            form.addRow("Settings file:", self.user_file_path)

    def _browse_archive(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Choose or create an archive", "", "Cuttings archive (*.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            editor = self.editors["archive"]
            assert isinstance(editor, QLineEdit)
            editor.setText(path)

    def set_values(self, settings: Settings) -> None:
        for name, editor in self.editors.items():
            value = getattr(settings, name)
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QDoubleSpinBox):
                editor.setValue(float(value))
            elif isinstance(editor, QLineEdit):
                editor.setText(str(value))

    def restore_defaults(self) -> None:
        self.set_values(Settings())

    def settings(self) -> Settings:
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QLineEdit):
                values[name] = editor.text().strip()
        return Settings.from_mapping(values)
