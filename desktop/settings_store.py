"""Persist :class:`capture.settings.Settings`: the user's in ``QSettings``, the
archive's in the archive.

Every setting is declared once in ``capture/settings.py``, with its scope:

* scope ``user`` (the archive location; and, outside the dataclass, the window
  layout): the user's settings file, ``QSettings`` keys ``settings/<name>``. With
  ``CUTTINGS_HOME`` set that file is ``$CUTTINGS_HOME/settings.ini``
  (:func:`storage.paths.user_settings_file`), else the platform's usual place.
* scope ``archive`` (network policy, limits, user agent, images, workers): the open
  archive's own table (:class:`storage.archive_settings.ArchivePreferences`), so two
  archives never share them.

Upgrade: Cuttings used to keep every setting in the user's file. Those values stay
there untouched and become the starting values of each archive opened for the first
time since (an archive that has stored no settings yet); from then on the archive's
own values apply. GUI thread only (``QSettings`` objects are not shared between
threads here).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings

from capture.settings import ARCHIVE, USER, Settings
from storage.paths import user_settings_file

if TYPE_CHECKING:
    from storage.archive_settings import ArchivePreferences

log = logging.getLogger(__name__)

ORGANISATION = "Cuttings"
APPLICATION = "Cuttings"
GROUP = "settings"


def app_qsettings() -> QSettings:
    """The user's ``QSettings`` (INI format): ``$CUTTINGS_HOME/settings.ini`` when
    ``CUTTINGS_HOME`` is set, else user scope, organisation "Cuttings" (tests may also
    redirect that with ``QSettings.setPath``)."""
    path = user_settings_file()
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def _stored(qs: QSettings, names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    qs.beginGroup(GROUP)
    try:
        for name in names:
            if qs.contains(name):
                values[name] = qs.value(name)
    finally:
        qs.endGroup()
    return values


def stored_values(qs: QSettings) -> dict[str, Any]:
    """The raw values of the user's settings (scope ``user``) that have been saved."""
    return _stored(qs, Settings.names(USER))


def legacy_archive_values(qs: QSettings) -> dict[str, Any]:
    """Archive-scope values a Cuttings before per-archive settings saved in the user's
    file (read only: they seed archives that have no settings of their own)."""
    return _stored(qs, Settings.names(ARCHIVE))


def archive_values(qs: QSettings, prefs: ArchivePreferences) -> dict[str, Any]:
    """The archive's settings; an archive without any takes the user's old global
    values (or the defaults), stored into it at once when it is writable."""
    stored = prefs.setting_values()
    if stored:
        return stored
    seed = Settings.from_mapping(legacy_archive_values(qs))
    values = {name: getattr(seed, name) for name in Settings.names(ARCHIVE)}
    if prefs.writable:
        try:
            prefs.store_settings(values)
            log.info("archive settings initialised from the user's settings")
        except Exception as exc:  # noqa: BLE001 - still usable: the values apply this session
            log.warning("could not store the archive's settings: %s", exc)
    return values


def load_settings(qs: QSettings, overrides: dict[str, Any] | None = None, *,
                  archive: ArchivePreferences | None = None) -> Settings:
    """The user's settings, the archive's on top (when ``archive`` is given), then
    ``overrides`` (command line); bad values fall back to the defaults
    (``Settings.from_mapping`` coerces and clamps)."""
    values = stored_values(qs)
    if archive is not None:
        values.update({k: v for k, v in archive_values(qs, archive).items()
                       if k in Settings.names(ARCHIVE)})
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Settings.from_mapping(values)


def save_settings(qs: QSettings, settings: Settings,
                  archive: ArchivePreferences | None = None) -> None:
    """Save the user's settings in ``qs`` and the archive's in ``archive``. Raises
    ``PermissionError`` when the archive is open read-only (the user's are saved)."""
    qs.beginGroup(GROUP)
    try:
        for name, _typ, default, meta in Settings.declarations():
            if meta.get("scope") != USER:
                continue  # (an old global value stays: it seeds archives new to it)
            value = getattr(settings, name)
            if value == default:
                qs.remove(name)
            else:
                qs.setValue(name, value)
    finally:
        qs.endGroup()
    qs.sync()
    if archive is not None:
        archive.store_settings({name: getattr(settings, name)
                                for name in Settings.names(ARCHIVE)})
