"""PostgreSQL test fixtures: a fresh database per test on the server named by
``CUTTINGS_TEST_PG`` (``.ci/run`` starts a throw-away cluster and sets it).

Without the variable every PostgreSQL test skips with a message saying how to run
them (README, "Shared archive on PostgreSQL").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ENV = "CUTTINGS_TEST_PG"
HOW = (f"PostgreSQL tests skipped: set {ENV}=postgresql://USER@127.0.0.1:PORT/DB "
       "(`bash .ci/pg_cluster.sh start /tmp/cuttings-pg` starts a throw-away server and "
       "prints one; see README, 'Shared archive on PostgreSQL')")


def admin_url() -> str | None:
    return os.environ.get(ENV) or None


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    return f"{root}/{name}" + (f"?{query}" if query else "")


def create_database() -> str:
    """A new empty database on the test server; returns its ``postgresql://`` URL."""
    import psycopg

    url = admin_url()
    assert url is not None
    name = f"cuttings_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_database(url, name)


def drop_database(url: str) -> None:
    import psycopg

    name = url.partition("?")[0].rsplit("/", 1)[1]
    admin = admin_url()
    assert admin is not None
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (skips without a server)."""
    if admin_url() is None:
        pytest.skip(HOW)
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on an SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "archive.db")
    return str(request.getfixturevalue("pg_url"))
