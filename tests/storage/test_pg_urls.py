"""PostgreSQL addresses: driver mapping, redaction, credentials from the keyring."""

from __future__ import annotations

import sys
import types

import pytest

from storage.pg import connect_args, driver_url, is_postgres_url, redact, redact_text


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgres://u@h:5433/db?sslmode=require", "postgresql+psycopg://u@h:5433/db?sslmode=require"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
])
def test_driver_url(url: str, expected: str) -> None:
    assert driver_url(url) == expected


def test_is_postgres_url() -> None:
    assert is_postgres_url("postgresql://h/db") and is_postgres_url("postgres://h/db")
    assert is_postgres_url("postgresql+psycopg://h/db")
    assert not is_postgres_url("sqlite:///a.db") and not is_postgres_url("/home/x/archive.db")


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://desk:s3cr%40t@db:5432/cut?sslmode=verify-full",
     "postgresql://desk:***@db:5432/cut?sslmode=verify-full"),
    ("postgresql://desk:p@ss:w@rd@db/cut", "postgresql://desk:***@db/cut"),
    ("postgresql://desk@db/cut?password=hunter2&sslmode=require",
     "postgresql://desk@db/cut?password=***&sslmode=require"),
    ("postgresql://db/cut", "postgresql://db/cut"),
    ("/home/desk/archive.db", "/home/desk/archive.db"),
])
def test_redact(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_redact_text_removes_the_password_anywhere() -> None:
    msg = 'FATAL: password "Tr0ub4dor" rejected for postgresql://u:Tr0ub4dor@h/db'
    out = redact_text(msg, "postgresql://u:Tr0ub4dor@h/db")
    assert "Tr0ub4dor" not in out and out.count("***") == 2


def test_password_from_the_keyring_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []
    fake = types.ModuleType("keyring")

    def get_password(service: str, user: str) -> str | None:
        asked.append((service, user))
        return "from-keyring"

    fake.get_password = get_password  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    args = connect_args("postgresql://desk@db.example:5433/cuttings?sslmode=require")
    assert args["password"] == "from-keyring"
    assert asked == [("cuttings", "desk@db.example:5433/cuttings")]
    # A password in the URL (or no user) is left to libpq: the keyring is not asked.
    asked.clear()
    assert "password" not in connect_args("postgresql://desk:x@db/cuttings")
    assert "password" not in connect_args("postgresql:///cuttings?service=desk")
    assert asked == []


def test_without_keyring_libpq_finds_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import fails
    assert "password" not in connect_args("postgresql://desk@db/cuttings")
