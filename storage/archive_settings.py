"""An archive's own settings and remembered choices, kept in the archive itself.

Settings of scope "archive" (see ``capture/settings.py``: network policy, limits,
user agent, images, workers) belong to one archive, so two archives never share
"allow local network"; they are stored in the archive's ``archive_settings`` table
under ``setting.<name>``, and travel with the archive (copies, backups, a shared
PostgreSQL archive). Remembered choices use other prefixes (``export.format``,
``export.folder``). Values are JSON. This module knows nothing of the settings'
meaning (the desktop maps ``Settings`` to keys); no Qt.

Thread rules: :func:`read_all` and :func:`write` open their own short session and
may be called from any thread. An :class:`ArchivePreferences` keeps an in-memory copy
(read once when made) and belongs to the thread that made it (the window's GUI
thread); its writes are one short transaction each.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from storage.models import ArchiveSetting

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

SETTING_PREFIX = "setting."
EXPORT_FORMAT = "export.format"
EXPORT_FOLDER = "export.folder"
MAX_KEY = 128


def read_all(archive: Archive) -> dict[str, Any]:
    """Every stored key and value. An archive opened read-only at an older schema
    (no table yet: read-only archives are not migrated) has none."""
    try:
        with archive.db.reader() as s:
            return {row.key: row.value for row in
                    s.execute(select(ArchiveSetting.key, ArchiveSetting.value))}
    except (OperationalError, ProgrammingError) as exc:
        log.warning("archive settings unreadable, defaults apply: %s", exc.orig)
        return {}


def write(archive: Archive, values: Mapping[str, Any]) -> None:
    """Store ``values`` (key: JSON-able value) in one transaction. Raises
    ``PermissionError`` on an archive open read-only."""
    for key in values:
        if not key or len(key) > MAX_KEY:
            raise ValueError(f"bad archive setting key {key[:40]!r}")
    with archive.db.writer() as s:
        for key, value in values.items():
            row = s.get(ArchiveSetting, key)
            if row is None:
                s.add(ArchiveSetting(key=key, value=value))
            elif row.value != value:
                row.value = value


class ArchivePreferences:
    """The settings and remembered choices of one open archive, read once."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._values = read_all(archive)

    @property
    def writable(self) -> bool:
        return not self.archive.db.readonly

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def update(self, values: Mapping[str, Any]) -> None:
        """Store ``values``; the in-memory copy changes only once they are stored.
        Raises ``PermissionError`` on an archive open read-only."""
        write(self.archive, values)
        self._values.update(values)

    def setting_values(self) -> dict[str, Any]:
        """The stored settings by name ({} when this archive never stored any: an
        archive made, or first opened, by a Cuttings before per-archive settings)."""
        n = len(SETTING_PREFIX)
        return {k[n:]: v for k, v in self._values.items() if k.startswith(SETTING_PREFIX)}

    def store_settings(self, values: Mapping[str, Any]) -> None:
        """Store settings by name (each under ``setting.<name>``)."""
        self.update({SETTING_PREFIX + name: value for name, value in values.items()})
