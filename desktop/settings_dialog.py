"""The settings dialog, built from ``Settings.declarations()`` (each setting is
declared once, with its label, help, bounds and group, in ``capture/settings.py``).
GUI thread only.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from capture.settings import Settings
from desktop.plain_text import plain_label, tooltip

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    """Edit every declared setting; ``settings()`` returns the edited copy."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cuttings settings")
        self.setObjectName("settingsDialog")
        self._original = settings
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        groups: dict[str, QFormLayout] = {}
        for name, typ, _default, meta in Settings.declarations():
            group = meta.get("group") or "General"
            if group not in groups:
                box = QGroupBox(group)
                groups[group] = QFormLayout(box)
                layout.addWidget(box)
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
                groups[group].addRow(label, row)
                note = plain_label("A new archive location is used the next time Cuttings starts.")
                note.setWordWrap(True)
                note.setStyleSheet("color: palette(placeholder-text);")
                groups[group].addRow("", note)
            elif typ is bool:
                groups[group].addRow("", editor)
            else:
                groups[group].addRow(label, editor)
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
        if name == "archive":
            line.setPlaceholderText("Default: your user data folder")
        return line

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
