"""Where Cuttings keeps its files: the one module that knows about platform folders.

``CUTTINGS_HOME`` moves everything, the user's settings file included (tests point
it at a temporary folder); ``CUTTINGS_DB`` or ``--db`` choose another archive (a path
or an SQLAlchemy URL). :func:`archive_identity` says which archive a URL names, for
window titles (never with a password).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

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


USER_SETTINGS_FILENAME = "settings.ini"


def user_settings_file() -> Path | None:
    """The user's own settings file (window layout, the archive location) when
    ``CUTTINGS_HOME`` is set: ``$CUTTINGS_HOME/settings.ini``. None: the platform's
    usual place (chosen by the desktop's settings library)."""
    home = os.environ.get("CUTTINGS_HOME")
    return Path(home).expanduser() / USER_SETTINGS_FILENAME if home else None


class ArchiveLocationError(ValueError):
    """``--db`` (or ``CUTTINGS_DB``, or the setting) names no usable archive location.
    The message never repeats the value when it may hold a password."""


#: URL schemes of the back-ends Cuttings can use (``+driver`` suffixes allowed).
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgres")
_READ_ONLY_QUERY = {("mode", "ro"), ("immutable", "1")}
_SQLITE_URI_KEYS = {"mode", "immutable", "cache", "nolock", "vfs", "psow", "uri"}
# A libpq connection string ("host=db dbname=cut password=..."): key = value pairs.
_CONNINFO = re.compile(
    r"(?:^|\s)(?:host|hostaddr|port|dbname|user|password|passfile|sslmode|sslcert|sslkey|"
    r"service|options|application_name|connect_timeout|target_session_attrs)\s*=",
    re.IGNORECASE)


_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")


def _file_uri_to_url(value: str) -> str:
    """An SQLite ``file:`` URI (``file:/path/a.db?mode=ro``) as our ``sqlite:///`` URL,
    keeping a read-only request (``mode=ro``, ``immutable=1``) as its query."""
    parts = urlsplit(value)
    if parts.netloc not in ("", "localhost"):
        raise ArchiveLocationError("a file: URI must name a file on this computer "
                                   "(file:/path/to/archive.db)")
    path = unquote(parts.path)
    if not path:
        raise ArchiveLocationError("the file: URI names no file")
    query = parse_qsl(parts.query, keep_blank_values=True)
    unknown = sorted({k for k, _ in query} - _SQLITE_URI_KEYS)
    if unknown:
        raise ArchiveLocationError(f"unknown file: URI parameter {unknown[0]!r} "
                                   "(Cuttings understands mode=ro and immutable=1)")
    url = "sqlite:///" + str(_checked_path(Path(path).expanduser()).resolve())
    ro = [f"{k}={v}" for k, v in query if (k, v) in _READ_ONLY_QUERY]
    return url + ("?" + ro[0] if ro else "")


def _check_url(value: str) -> str:
    scheme = value.split("://", 1)[0].lower()
    if scheme.split("+", 1)[0] not in SUPPORTED_SCHEMES:
        shown = re.sub(r"[^a-z0-9+.-]", "?", scheme[:20])
        raise ArchiveLocationError(
            f"unsupported database URL scheme '{shown}': an archive is an SQLite file "
            "(a path) or a PostgreSQL database (postgresql://USER@HOST/DB)")
    from sqlalchemy.engine import make_url  # (SQLAlchemy's own parser, as the engine's)

    try:
        make_url(value).port  # noqa: B018 - a port that is not a number raises here
    except Exception:  # noqa: BLE001 - ValueError, ArgumentError: the URL is malformed
        from storage.pg import redact

        raise ArchiveLocationError(
            f"not a valid database URL: {redact(value)[:200]} (expected "
            "postgresql://USER@HOST[:PORT]/DB or sqlite:////path/to/archive.db)") from None
    return value


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db`` / ``CUTTINGS_DB`` / the default into an SQLAlchemy URL.

    A value containing ``://`` is taken as a URL (SQLite or PostgreSQL only; checked
    with SQLAlchemy's parser); ``file:...`` is an SQLite URI (``?mode=ro`` asks for
    read-only, see :func:`read_only_requested`); anything else is a file path. A libpq
    connection string (``host=... password=...``) is refused rather than taken as a
    file name. Raises :class:`ArchiveLocationError` with one line for people.
    """
    value = os.fspath(db) if db is not None else (os.environ.get("CUTTINGS_DB") or None)
    if value is None or value == "":
        return "sqlite:///" + str(default_db_path().resolve())
    if "\x00" in value or any(c in value for c in "\r\n"):
        raise ArchiveLocationError("the archive location contains a control character")
    if value.lower().startswith("file:"):
        return _file_uri_to_url(value)
    if "://" in value:
        return _check_url(value)
    if _URL_LIKE.match(value):  # "postgresql:/host/db": a URL missing a slash, no file name
        raise ArchiveLocationError(
            f"not a valid database URL or file path: {value.split(':', 1)[0][:20]}:… "
            "(expected postgresql://USER@HOST/DB, file:/path/archive.db or a path)")
    if _CONNINFO.search(value):
        raise ArchiveLocationError(
            "--db looks like a PostgreSQL connection string (key=value pairs), which is "
            "not supported: give a URL such as postgresql://USER@HOST/DB and keep the "
            "password in ~/.pgpass, PGPASSWORD or the system keyring")
    return "sqlite:///" + str(_checked_path(Path(value).expanduser()).resolve())


#: The longest file name and path Linux file systems take (NAME_MAX, PATH_MAX).
_NAME_MAX, _PATH_MAX = 255, 4096


def _checked_path(path: Path) -> Path:
    """``path``, or :class:`ArchiveLocationError` when a part of it is longer than a file
    system takes (the OS would answer ``File name too long`` from deep inside SQLite)."""
    parts = [len(p.encode("utf-8", "surrogateescape")) for p in path.parts]
    if max(parts, default=0) > _NAME_MAX or len(str(path).encode("utf-8", "surrogateescape")) \
            >= _PATH_MAX:
        raise ArchiveLocationError(f"the archive path is too long for the file system "
                                   f"(a name may be {_NAME_MAX} bytes, a path {_PATH_MAX}): "
                                   f"{str(path)[:80]}…")
    return path


def read_only_requested(url: str) -> bool:
    """Whether an ``sqlite:///`` URL asks for read-only access (``?mode=ro`` or
    ``?immutable=1``, from a ``file:`` URI or written by hand)."""
    if not url.startswith("sqlite:///") or "?" not in url:
        return False
    return any((k, v) in _READ_ONLY_QUERY
               for k, v in parse_qsl(url.split("?", 1)[1], keep_blank_values=True))


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


@dataclass(frozen=True)
class ArchiveIdentity:
    """Which archive is open, for people: ``name`` (the file name, or "DB on HOST"),
    ``where`` (the folder, ``~`` for the home folder, or the server) and ``full`` (the
    full path, or the URL with any password replaced by ``***``)."""

    name: str
    where: str
    full: str
    on_server: bool = False

    @property
    def title(self) -> str:
        """"name (folder)" or "DB on HOST": short enough for a window title, telling
        apart two archives of the same file name."""
        if self.on_server:
            return f"{self.name} on {self.where}"
        return f"{self.name} ({self.where})" if self.where else self.name


def _home_short(folder: Path) -> str:
    try:
        return "~/" + str(folder.relative_to(Path.home())) if folder != Path.home() else "~"
    except ValueError:
        return str(folder)


def archive_identity(url: str) -> ArchiveIdentity:
    """Name the archive behind ``url`` (a resolved URL, see :func:`resolve_db_url`)."""
    from storage.pg import redact

    path = sqlite_path(url)
    if path is not None:
        return ArchiveIdentity(path.name, _home_short(path.parent), str(path))
    if url.startswith("sqlite"):
        return ArchiveIdentity("in-memory archive", "", "sqlite://")
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - not parseable: show the redacted text only
        return ArchiveIdentity(redact(url)[:80], "", redact(url))
    host = u.host or "local socket"
    where = f"{host}:{u.port}" if u.port else host
    return ArchiveIdentity(u.database or "(default database)", where, redact(url),
                           on_server=True)
