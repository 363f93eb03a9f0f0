"""Where Cuttings keeps its files: the one module that knows about platform folders.

``CUTTINGS_HOME`` moves everything (tests point it at a temporary folder);
``CUTTINGS_DB`` or ``--db`` choose another archive (a path or an SQLAlchemy URL).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "Cuttings"
DB_FILENAME = "archive.db"


def data_dir() -> Path:
    """The folder for archives and blobs (created on demand by callers)."""
    home = os.environ.get("CUTTINGS_HOME")
    if home:
        return Path(home).expanduser()
    return user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db`` / ``CUTTINGS_DB`` / the default into an SQLAlchemy URL.

    A value containing ``://`` is taken as a URL; anything else is a file path.
    """
    value = os.fspath(db) if db is not None else (os.environ.get("CUTTINGS_DB") or None)
    if value is None or value == "":
        return "sqlite:///" + str(default_db_path().resolve())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The database file behind an ``sqlite:///`` URL, or None for other back-ends."""
    if not url.startswith("sqlite:///"):
        return None
    raw = url[len("sqlite:///"):].split("?", 1)[0]
    return Path(raw) if raw and raw != ":memory:" else None


def blob_dir_for(url: str) -> Path:
    """The content-addressed blob folder that belongs to an archive."""
    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".blobs")
    return data_dir() / "blobs"


def backup_dir_for(url: str) -> Path:
    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".backups")
    return data_dir() / "backups"
