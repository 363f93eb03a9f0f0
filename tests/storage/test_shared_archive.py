"""The shared-archive features on both back-ends (SQLite file, PostgreSQL database):
migrations, blobs, job claims, version conflicts between two desktops, change feed,
credentials kept out of messages. PostgreSQL cases skip without CUTTINGS_TEST_PG."""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage.archive import Archive, new_worker_id
from storage.blobs import BlobCorruptError, BlobMissingError, FileBlobStore
from storage.blobs_pg import PgBlobStore
from storage.changes import ChangeFeed
from storage.db import ArchiveOpenError, _alembic_config, open_database
from storage.organize import ConflictError, Organizer
from storage.pg import driver_url, redact
from tests.storage.organize_support import FERRY_TEXT, store


@pytest.fixture
def archive(archive_url: str) -> Iterator[Archive]:
    a = Archive.open(archive_url)
    yield a
    a.close()


@pytest.fixture
def second(archive: Archive) -> Iterator[Archive]:
    """Another desktop on the same archive (its own engine, sessions and pool)."""
    b = Archive.open(archive.url)
    yield b
    b.close()


def _engine_url(url: str) -> str:
    return driver_url(url)


def test_every_migration_goes_up_and_down_from_empty(archive_url: str) -> None:
    engine = create_engine(_engine_url(archive_url))
    cfg = _alembic_config(archive_url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            for rev in ("0001", "0002", "0003"):
                command.upgrade(cfg, rev)
                conn.commit()
            tables = set(inspect(conn).get_table_names())
            assert {"articles", "capture_jobs", "claims", "tags"} <= tables
            cols = {c["name"] for c in inspect(conn).get_columns("capture_jobs")}
            assert {"claimed_by", "claimed_at"} <= cols
            if engine.dialect.name == "postgresql":
                assert "blobs" in tables
                assert "search_tsv" in {c["name"] for c in inspect(conn).get_columns("articles")}
            else:
                assert "articles_fts" in tables and "blobs" not in tables
            for rev in ("0002", "0001", "base"):
                command.downgrade(cfg, rev)
                conn.commit()
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            command.upgrade(cfg, "head")
            conn.commit()
            assert "capture_jobs" in set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_capture_round_trip_with_blobs_of_the_dialect(archive: Archive) -> None:
    stored = store(archive)
    expected = FileBlobStore if archive.db.is_sqlite else PgBlobStore
    assert isinstance(archive.blobs, expected)
    data = archive.article(stored.article_id)
    assert data is not None and data["title"] == "Harbour wall to be rebuilt"
    assert data["quotes"][0]["speaker"] == "Jane Roe"
    cap = data["captures"][0]
    body = archive.snapshot_bytes(cap["id"])
    assert hashlib.sha256(body).hexdigest() == cap["sha256"]
    again = store(archive)  # a recapture of the same page: one article, one blob
    assert again.article_id == stored.article_id and not again.new_article
    assert list(archive.blobs.all_hashes()).count(cap["sha256"]) == 1


def test_pg_blobs_dedupe_verify_and_sweep(pg_url: str) -> None:
    with Archive.open(pg_url) as archive:
        blobs = archive.blobs
        assert isinstance(blobs, PgBlobStore)
        sha = blobs.put(b"photo bytes")
        assert blobs.put(b"photo bytes") == sha and blobs.has(sha)
        assert blobs.get(sha) == b"photo bytes"
        with archive.db.engine.begin() as conn:
            conn.execute(text("UPDATE blobs SET data = :d WHERE sha256 = :s"),
                         {"d": zlib.compress(b"tampered"), "s": sha})
        with pytest.raises(BlobCorruptError):
            blobs.get(sha)
        with pytest.raises(BlobMissingError):
            blobs.get("0" * 64)
        kept = store(archive)
        snap = archive.article(kept.article_id)["captures"][0]["sha256"]  # type: ignore[index]
        assert archive.sweep_orphan_blobs(min_age_s=0) == 1  # the tampered orphan only
        assert not blobs.has(sha) and blobs.has(snap)


def test_two_desktops_claim_disjoint_jobs(archive: Archive, second: Archive) -> None:
    urls = [f"https://news.example.org/story/{i}" for i in range(60)]
    archive.enqueue(urls)
    got: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def worker(name: str, arch: Archive) -> None:
        wid = new_worker_id()
        barrier.wait()
        while True:
            jobs = arch.claim_jobs(3, wid)
            if not jobs:
                return
            assert all(j.state == "running" for j in jobs)
            got[name] += [j.id for j in jobs]

    threads = [threading.Thread(target=worker, args=("a", archive)),
               threading.Thread(target=worker, args=("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not set(got["a"]) & set(got["b"])
    assert len(got["a"]) + len(got["b"]) == 60
    assert archive.jobs(["queued"]) == []


def test_release_and_restricted_claims(archive: Archive) -> None:
    ids = [j.id for j in archive.enqueue([f"https://a.example.org/{i}" for i in range(5)]).jobs]
    wid = new_worker_id()
    claimed = archive.claim_jobs(10, wid, ids=ids[3:])
    assert [j.id for j in claimed] == ids[3:]
    assert archive.release_jobs([ids[3]], "someone-else") == 0
    assert archive.release_jobs([ids[3]], wid) == 1
    assert [j.id for j in archive.jobs(["queued"])] == ids[:4]


def test_interrupted_jobs_of_a_live_claimer_stay_claimed_on_pg(archive: Archive,
                                                              second: Archive) -> None:
    archive.enqueue([f"https://b.example.org/{i}" for i in range(4)])
    live, dead = new_worker_id(), new_worker_id()
    with archive.worker_lock(live):
        archive.claim_jobs(2, live)
        archive.claim_jobs(2, dead)  # its process is gone: no lock held
        reset = second.reset_interrupted_jobs()
        if archive.db.is_sqlite:  # one desktop per file: every running job was abandoned
            assert reset == 4
        else:
            assert reset == 2
            assert len(second.jobs(["running"])) == 2
    if not archive.db.is_sqlite:  # the live claimer has stopped now
        assert second.reset_interrupted_jobs() == 2
    assert len(second.jobs(["queued"])) == 4


def test_a_claim_edited_on_two_desktops_shows_the_conflict(archive: Archive,
                                                           second: Archive) -> None:
    art = store(archive).article_id
    mine, theirs = Organizer(archive), Organizer(second)
    claim = mine.add_claim(art, "harbour wall")
    read_here = mine.get_claim(claim.id)
    read_there = theirs.get_claim(claim.id)
    theirs.update_claim(claim.id, read_there.version, verdict="false", note="survey says no")
    with pytest.raises(ConflictError) as err:
        mine.update_claim(claim.id, read_here.version, verdict="supported")
    assert err.value.current_version == read_here.version + 1
    final = mine.get_claim(claim.id)
    assert (final.verdict, final.note) == ("false", "survey says no")


def test_tags_from_two_desktops(archive: Archive, second: Archive) -> None:
    a1 = store(archive).article_id
    a2 = store(archive, "https://post.example.org/ferry", FERRY_TEXT, title="Ferry").article_id
    mine, theirs = Organizer(archive), Organizer(second)
    assert mine.tag("Harbour", articles=[a1]).created
    change = theirs.tag("harbour", articles=[a1, a2])  # a1 already has it: not reported
    assert change.items["article"] == (a2,)
    info = mine.tag_info("Harbour")
    theirs.rename_tag("Harbour", "Harbours", expected_version=info.version)
    with pytest.raises(ConflictError):
        mine.rename_tag("Harbours", "Port", expected_version=info.version)
    assert sorted(mine.article_ids_with_tag("harbours")) == sorted([a1, a2])


def test_other_desktops_hear_about_changes(archive: Archive, second: Archive) -> None:
    with ChangeFeed(second.db) as feed:
        assert feed.poll() == set()
        art = store(archive).article_id
        Organizer(archive).tag("Budget", articles=[art])
        changed: set[str] = set()
        for _ in range(20):  # notifications arrive after commit; no fixed sleep
            changed |= feed.poll(timeout=0.5)
            if {"articles", "tags", "article_tags"} <= changed:
                break
        assert {"articles", "tags", "article_tags"} <= changed
        assert feed.poll() == set()


def test_connection_errors_never_show_the_password() -> None:
    bad = "postgresql://nosuchuser:S3cretPw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
    with pytest.raises(ArchiveOpenError) as err:
        open_database(bad)
    assert "S3cretPw" not in str(err.value) and "***" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert redact(bad).startswith("postgresql://nosuchuser:***@127.0.0.1:1/x?sslmode=disable")


def test_two_desktops_queueing_the_same_links_queue_each_once(archive: Archive,
                                                             second: Archive) -> None:
    urls = [f"https://news.example.org/same/{i}" for i in range(40)]
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def enqueue(arch: Archive) -> None:
        barrier.wait()
        queued.extend(j.id for j in arch.enqueue(urls).jobs)

    threads = [threading.Thread(target=enqueue, args=(a,)) for a in (archive, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(queued) == 40
    assert len(archive.jobs(["queued"])) == 40


def test_a_tag_created_at_the_same_instant_on_another_desktop_is_reused(pg_url: str) -> None:
    """Race on a shared archive: between our look-up and our INSERT another desktop
    commits the same tag; the savepoint lets us use its row instead of failing."""
    from sqlalchemy import event

    from storage.tags import get_or_create_tag

    with Archive.open(pg_url) as mine, Archive.open(pg_url) as theirs:
        fired = {"done": False}

        def other_desktop_first(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
            if statement.lstrip().upper().startswith("INSERT INTO TAGS") and not fired["done"]:
                fired["done"] = True
                Organizer(theirs).tag("Budget race")

        event.listen(mine.db.engine, "before_cursor_execute", other_desktop_first)
        try:
            with mine.db.writer() as s:
                tag, created = get_or_create_tag(s, "budget RACE")
                assert created is False and tag.key == "budget race"
        finally:
            event.remove(mine.db.engine, "before_cursor_execute", other_desktop_first)
        assert fired["done"]
        assert [t.name for t in Organizer(mine).tags() if t.name.lower() == "budget race"] == \
            ["Budget race"]
