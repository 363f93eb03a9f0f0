"""An archive keeps its own settings (``storage.archive_settings``), on SQLite and on
PostgreSQL, and an archive opened read-only at an older schema reads none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.archive_settings import EXPORT_FOLDER, ArchivePreferences, read_all


def test_each_archive_keeps_its_own_values(archive_url: str, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with Archive.open(archive_url) as a, Archive.open(str(other)) as b:
        ArchivePreferences(a).store_settings({"allow_local_network": True, "workers": 4})
        ArchivePreferences(a).update({EXPORT_FOLDER: "/srv/exports"})
        ArchivePreferences(b).store_settings({"allow_local_network": False})
    with Archive.open(archive_url) as a, Archive.open(str(other)) as b:
        assert ArchivePreferences(a).setting_values() == {"allow_local_network": True,
                                                          "workers": 4}
        assert ArchivePreferences(a).get(EXPORT_FOLDER) == "/srv/exports"
        assert ArchivePreferences(b).setting_values() == {"allow_local_network": False}
        prefs = ArchivePreferences(a)
        prefs.store_settings({"workers": 6})  # an update, not a second row
        assert ArchivePreferences(a).setting_values()["workers"] == 6


def test_read_only_archives_refuse_writes_and_old_read_only_ones_read_nothing(
        tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Archive.open(str(path)) as a:
        ArchivePreferences(a).store_settings({"workers": 3})
    with Archive.open(str(path), readonly=True) as ro:
        prefs = ArchivePreferences(ro)
        assert prefs.setting_values() == {"workers": 3} and not prefs.writable
        with pytest.raises(PermissionError):
            prefs.update({"setting.workers": 4})
        assert prefs.setting_values() == {"workers": 3}  # (unchanged in memory too)
    # an archive written before the table existed, opened read-only (not migrated)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE archive_settings")
    con.commit()
    con.close()
    with Archive.open(str(path), readonly=True) as ro:
        assert read_all(ro) == {}
