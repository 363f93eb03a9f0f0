"""Persist :class:`capture.settings.Settings` in ``QSettings``.

Every setting is declared once in ``capture/settings.py``; this module only maps
those declarations to ``QSettings`` keys (``settings/<name>``). GUI thread only
(``QSettings`` objects are not shared between threads here).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSettings

from capture.settings import Settings

log = logging.getLogger(__name__)

ORGANISATION = "Cuttings"
APPLICATION = "Cuttings"
GROUP = "settings"


def app_qsettings() -> QSettings:
    """The application's ``QSettings`` (INI format, user scope, organisation "Cuttings").

    Tests redirect it with ``QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, dir)``.
    """
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def stored_values(qs: QSettings) -> dict[str, Any]:
    """The raw stored values of every declared setting that has been saved."""
    values: dict[str, Any] = {}
    qs.beginGroup(GROUP)
    try:
        for name, _typ, _default, _meta in Settings.declarations():
            if qs.contains(name):
                values[name] = qs.value(name)
    finally:
        qs.endGroup()
    return values


def load_settings(qs: QSettings, overrides: dict[str, Any] | None = None) -> Settings:
    """Stored settings, then ``overrides`` (command line) on top; bad values fall back
    to the defaults (``Settings.from_mapping`` coerces and clamps)."""
    values = stored_values(qs)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Settings.from_mapping(values)


def save_settings(qs: QSettings, settings: Settings) -> None:
    qs.beginGroup(GROUP)
    try:
        for name, _typ, default, _meta in Settings.declarations():
            value = getattr(settings, name)
            if value == default:
                qs.remove(name)
            else:
                qs.setValue(name, value)
    finally:
        qs.endGroup()
    qs.sync()
