"""Opening archives: identity checks, refusals that leave files untouched, migrations."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import APPLICATION_ID, ArchiveOpenError, open_database, schema_version


def url(p: Path) -> str:
    return "sqlite:///" + str(p)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_new_archive_is_stamped_and_uses_wal(tmp_path: Path) -> None:
    db = open_database(url(tmp_path / "a.db"))
    try:
        with db.reader() as s:
            assert s.execute(text("PRAGMA application_id")).scalar() == APPLICATION_ID
            assert s.execute(text("PRAGMA user_version")).scalar() == schema_version()
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        db.dispose()
    # reopening an existing archive works and keeps the stamp
    db = open_database(url(tmp_path / "a.db"))
    db.dispose()


def test_zero_length_file_is_refused_and_untouched(tmp_path: Path) -> None:
    p = tmp_path / "empty.db"
    p.write_bytes(b"")
    with pytest.raises(ArchiveOpenError) as err:
        open_database(url(p))
    assert err.value.code == "empty_file"
    assert p.stat().st_size == 0


def test_random_bytes_are_not_an_archive(tmp_path: Path) -> None:
    p = tmp_path / "notes.db"
    p.write_bytes(b"Dear editor, here are my notes\n" * 50)
    before = digest(p)
    with pytest.raises(ArchiveOpenError) as err:
        open_database(url(p))
    assert err.value.code == "not_archive"
    assert "not a Cuttings archive" in str(err.value)
    assert digest(p) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "other.sqlite"
    con = sqlite3.connect(p)
    con.execute("create table recipes(name text)")
    con.commit()
    con.close()
    before = digest(p)
    with pytest.raises(ArchiveOpenError) as err:
        open_database(url(p))
    assert err.value.code == "not_archive"
    assert digest(p) == before


def test_archive_from_newer_version_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "a.db"
    open_database(url(p)).dispose()
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version = {schema_version() + 5}")
    con.commit()
    con.close()
    before = digest(p)
    with pytest.raises(ArchiveOpenError) as err:
        open_database(url(p))
    assert err.value.code == "newer"
    assert "newer Cuttings" in str(err.value)
    assert digest(p) == before


def test_truncated_archive_is_reported_as_damaged(tmp_path: Path) -> None:
    p = tmp_path / "a.db"
    db = open_database(url(p))
    with db.writer() as s:
        for i in range(300):
            s.execute(text("insert into tags(name, key, version) values (:n, :n, 1)"),
                      {"n": f"tag-{i}-" + "x" * 200})
    db.dispose()
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    before = digest(p)
    with pytest.raises(ArchiveOpenError) as err:
        open_database(url(p))
    assert err.value.code in {"corrupt", "not_archive"}
    assert digest(p) == before


def test_read_only_open_refuses_writes(tmp_path: Path) -> None:
    p = tmp_path / "a.db"
    open_database(url(p)).dispose()
    db = open_database(url(p), readonly=True)
    try:
        with pytest.raises(PermissionError), db.writer():
            pass
        with db.reader() as s:
            assert s.execute(text("select count(*) from articles")).scalar() == 0
    finally:
        db.dispose()


def test_up_to_date_archive_opens_without_running_migrations(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.db as dbmod

    open_database(url(tmp_path / "a.db")).dispose()
    calls: list[object] = []
    monkeypatch.setattr(dbmod, "migrate", lambda db: calls.append(db))
    open_database(url(tmp_path / "a.db")).dispose()
    assert calls == []
    # an older schema is migrated
    con = sqlite3.connect(tmp_path / "a.db")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    open_database(url(tmp_path / "a.db")).dispose()
    assert len(calls) == 1


def test_quick_check_on_demand(tmp_path: Path) -> None:
    db = open_database(url(tmp_path / "a.db"))
    try:
        assert db.quick_check() == "ok"
    finally:
        db.dispose()


def test_schema_version_counts_what_alembic_knows() -> None:
    from alembic.script import ScriptDirectory

    from storage.db import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config("sqlite://"))
    revisions = list(script.walk_revisions())
    assert schema_version() == len(revisions)
    assert len(script.get_heads()) == 1  # one linear history


def test_opening_an_up_to_date_archive_does_not_import_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    open_database(url(tmp_path / "a.db")).dispose()
    code = ("import sys; from storage.db import open_database; "
            f"open_database({url(tmp_path / 'a.db')!r}).dispose(); "
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
