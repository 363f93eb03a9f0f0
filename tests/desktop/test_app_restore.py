"""E4 in the app: a damaged archive is set aside and its newest backup offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop import app as app_module
from storage.archive import Archive
from storage.backup import create_backup
from storage.db import ArchiveOpenError
from tests.support.fixture_site import article_html


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:16] = b"not sqlite at al"
    path.write_bytes(bytes(data))


def test_restore_is_offered_and_keeps_the_damaged_file(
        qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    db = tmp_path / "archive.db"
    page = tmp_path / "p.html"
    page.write_text(article_html(2), encoding="utf-8")
    from intake.pipeline import import_html_file

    with Archive.open(str(db)) as archive:
        import_html_file(archive, page, "https://ledger.example.org/2")
    create_backup(str(db))
    damage(db)
    with pytest.raises(ArchiveOpenError):
        Archive.open(str(db))

    asked: list[str] = []

    def yes(_parent, _title, text, *a):  # noqa: ANN001, ANN202
        asked.append(text)
        return True

    # The question is a plain-text box (desktop.plain_text.ask, docs/reliability.md J1).
    monkeypatch.setattr(app_module, "ask", yes)
    assert app_module.offer_restore("sqlite:///" + str(db), "archive.db is damaged") is True
    assert asked and "Restore the backup from" in asked[0]
    with Archive.open(str(db)) as archive:
        assert archive.count_articles() == 1
        assert archive.integrity_check() == "ok"
    damaged = [p for p in tmp_path.glob("archive.db.damaged-*")
               if not p.name.endswith(("-wal", "-shm"))]
    assert len(damaged) == 1 and damaged[0].read_bytes()[:16] == b"not sqlite at al"


def test_without_a_backup_nothing_is_asked_or_touched(
        qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    db = tmp_path / "archive.db"
    Archive.open(str(db)).close()
    damage(db)
    before = db.read_bytes()
    asked: list[str] = []
    monkeypatch.setattr(app_module, "ask", lambda *a: asked.append("asked"))
    assert app_module.offer_restore("sqlite:///" + str(db), "damaged") is False
    assert asked == []
    assert db.read_bytes() == before
