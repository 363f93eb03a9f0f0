"""PostgreSQL connection helpers: driver URLs, credentials, and redaction.

Credentials come from where libpq looks when the URL carries no password (a
service file, ``~/.pgpass``, ``PGPASSWORD``/``PG*`` variables) or, if the optional
``keyring`` package is installed, from the system keyring (service ``cuttings``,
user ``USER@HOST:PORT/DB``). A password is never written into settings, logs or
error messages: print URLs only through :func:`redact`. ``sslmode`` and other
query parameters are passed through to libpq unchanged.

Thread rules: pure functions, safe from any thread.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

KEYRING_SERVICE = "cuttings"
_PG_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(url: str) -> bool:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return scheme.split("+", 1)[0] in _PG_SCHEMES


def driver_url(url: str) -> str:
    """``postgresql://`` (or ``postgres://``) as the psycopg 3 SQLAlchemy URL."""
    scheme, rest = url.split("://", 1)
    if scheme.lower() in _PG_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    return url


_USERINFO_PASSWORD = re.compile(r"(://[^:/@?#]*:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe to print or log)."""
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO_PASSWORD.sub(r"\1***@", url))


def redact_text(message: str, url: str) -> str:
    """``message`` with the password of ``url`` (if any) removed wherever it appears."""
    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - not a URL: nothing to hide but the pattern
        password = None
    if password:
        message = message.replace(str(password), "***")
    return redact(message)


def keyring_password(url: str) -> str | None:
    """The keyring's password for this server and user, if keyring is installed."""
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        return None
    u = make_url(url)
    if not u.username or u.password is not None:
        return None
    key = f"{u.username}@{u.host or ''}:{u.port or 5432}/{u.database or ''}"
    try:
        return keyring.get_password(KEYRING_SERVICE, key)
    except Exception as exc:  # noqa: BLE001 - a keyring back-end can fail in many ways
        log.info("keyring unavailable: %s", type(exc).__name__)
        return None


def connect_args(url: str) -> dict[str, Any]:
    """Extra psycopg connect arguments: a keyring password when the URL has none
    (otherwise libpq reads .pgpass, the service file and PG* variables itself)."""
    out: dict[str, Any] = {"connect_timeout": 10}
    password = keyring_password(url)
    if password:
        out["password"] = password
    return out
