"""The Archive facade: the one way the CLI, the pipeline and the GUI read and write.

Thread rules: one ``Archive`` may be shared by threads. Every method opens its own
short session (``Database.reader``/``writer``) and returns plain dataclasses or
dicts, never ORM objects bound to a session, so results can cross threads (the GUI
receives them through queued signals). Writes are serialised by ``Database.writer``
(one writer at a time, ``BEGIN IMMEDIATE`` on SQLite). Blobs are written and
fsynced *before* the transaction that references them.
"""

from __future__ import annotations

import html as _html
import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from capture.types import AssetResult, Extracted, FetchResult, ImageRef
from capture.urls import UrlError, site_key
from capture.urls import canonical_key as _canonical_key
from capture.urls import normalise as normalise_url
from storage.anchoring import collect_tagged_items, reanchor_in_session
from storage.blobs import BlobStore, FileBlobStore
from storage.db import Database, integrity_check, open_database
from storage.models import (
    BLOB_IMPORTED_WITHOUT,
    Article,
    Asset,
    Capture,
    CaptureJob,
    Citation,
    Claim,
    PhotoCredit,
    Quote,
    Tag,
    utcnow,
)
from storage.page_links import declared_link, page_canonical
from storage.paths import blob_dir_for, resolve_db_url
from storage.pg import redact
from storage.tags import tag_article

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class JobInfo:
    id: int
    url: str
    state: str
    attempts: int
    error: str | None
    error_code: str | None
    article_id: int | None
    recapture: bool
    updated_at: datetime | None = None
    tags: tuple[str, ...] = ()  # given to the article when the capture is stored
    bookmarked_at: datetime | None = None  # from a bookmark file's ADD_DATE


@dataclass(frozen=True)
class JobOrigin:
    """What a bookmark file says about a URL it queues: its folders as tags (given to
    the article once captured) and when it was bookmarked."""

    tags: tuple[str, ...] = ()
    bookmarked_at: datetime | None = None


@dataclass(frozen=True)
class Duplicate:
    """A URL that is already archived (or already queued)."""

    url: str
    article_id: int | None
    captured_at: datetime | None
    title: str | None
    queued_job_id: int | None = None

    @property
    def message(self) -> str:
        if self.queued_job_id is not None:
            return f"already in the capture queue: {self.url}"
        when = self.captured_at.strftime("%Y-%m-%d") if self.captured_at else "an earlier date"
        return f"already captured on {when}: {self.url}"


@dataclass
class EnqueueReport:
    jobs: list[JobInfo] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (input, one-line reason)


@dataclass(frozen=True)
class StoredCapture:
    article_id: int
    capture_id: int
    new_article: bool


@dataclass(frozen=True)
class ArticleRow:
    """One row of the article table (what lists and the GUI table show)."""

    id: int
    title: str | None
    url: str
    publisher: str | None
    site: str
    authors: tuple[str, ...]
    published: str | None
    captured_at: datetime | None
    quote_count: int
    tags: tuple[str, ...]
    status: str


SORT_COLUMNS = {
    "title": Article.title,
    "publisher": Article.publisher,
    "published": Article.published,
    "captured": Article.created_at,
    "id": Article.id,
}


# --------------------------------------------------------------------------- helpers

CLAIM_STALE_S = 600.0  # a claim this old is abandoned (10 x the default page deadline)

# True while the worker that claimed the row (capture_jobs.claimed_by) holds its lock.
_WORKER_LOCK_HELD_SQL = (
    "SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database "
    "WHERE datname = current_database()) AND ((l.classid::bigint << 32) | l.objid::bigint) "
    "= hashtextextended(capture_jobs.claimed_by, 0)")


def new_worker_id() -> str:
    """A name for one capture run of one process: host, pid and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"



def canonical_key(url: str) -> str:
    """The dedupe key of a web address; other identifiers (``urn:sha256:…`` of an
    imported file without an address) are their own key."""
    try:
        return _canonical_key(url)
    except ValueError:
        return url


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(value: str | None) -> str | None:
    """NUL and lone surrogates cannot be stored faithfully: replace at the boundary."""
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _SURROGATE.sub("\ufffd", value)  # U+FFFD, not "?": visibly a replacement
    return value


def snapshot_state(capture: Capture) -> str:
    """"stored", or "imported without snapshot" (a JSON import: hashes, no bytes)."""
    return "imported without snapshot" if capture.blob_state == BLOB_IMPORTED_WITHOUT \
        else "stored"


def text_state(capture: Capture) -> str:
    """"extracted" (by this Cuttings, when captured), or for an import "verified"
    (re-extracted from its snapshot, identical) or "unverified" (not re-checked)."""
    return capture.text_state or "extracted"


def _origin_columns(origin: JobOrigin | None) -> dict[str, Any]:
    if origin is None:
        return {}
    return {"tags": json.dumps(list(origin.tags), ensure_ascii=False) if origin.tags else None,
            "bookmarked_at": origin.bookmarked_at}


def _job_tags(job: CaptureJob) -> tuple[str, ...]:
    if not job.tags:
        return ()
    try:
        names = json.loads(job.tags)
    except ValueError:
        return ()
    return tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()


def _job_info(job: CaptureJob) -> JobInfo:
    return JobInfo(job.id, job.url, job.state, job.attempts, job.error, job.error_code,
                   job.article_id, job.recapture, job.updated_at, _job_tags(job),
                   job.bookmarked_at)


# --------------------------------------------------------------------------- facade


class Archive:
    """An open archive: database plus blob store."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs
        self._on_close: list[Callable[[], object]] = []

    # ---- opening ---------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | None = None, *, readonly: bool = False,
             create: bool = True) -> Archive:
        """Open the archive at ``db`` (path or URL; default: CUTTINGS_DB or the user folder).

        Raises :class:`storage.db.ArchiveOpenError` with a clear message for foreign,
        newer or damaged files, which are left untouched, and for a missing file when
        ``create`` is False (code ``missing``); :class:`storage.paths.ArchiveLocationError`
        for a location that is no archive location at all (an unsupported URL, a libpq
        connection string). A URL asking for read-only access opens read-only.
        """
        url = resolve_db_url(db)
        database = open_database(url, readonly=readonly, create=create)
        if database.is_sqlite:
            blobs: BlobStore = FileBlobStore(blob_dir_for(url))
        else:  # a shared archive keeps its blobs in the database, for every desktop
            from storage.blobs_pg import PgBlobStore

            blobs = PgBlobStore(database)
        archive = cls(database, blobs)
        if not database.readonly:
            archive.blobs.remove_temp_files()
            archive.sweep_orphan_blobs()
        return archive

    @property
    def url(self) -> str:
        return self.db.url

    @property
    def display_url(self) -> str:
        """The archive's address with any password replaced by ``***`` (for people)."""
        return redact(self.db.url)

    def close(self) -> None:
        self.db.dispose()
        while self._on_close:
            self._on_close.pop()()

    def call_on_close(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` when the archive is closed (e.g. release an instance lock)."""
        self._on_close.append(fn)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def integrity_check(self) -> str:
        return integrity_check(self.db)

    def referenced_blobs(self) -> Iterator[tuple[str, str]]:
        """("snapshot" | "image", sha256) of every stored copy the archive refers to."""
        with self.db.reader() as s:
            snapshots = list(s.scalars(select(Capture.sha256).distinct()))
            images = list(s.scalars(select(Asset.sha256).distinct()))
        for sha in snapshots:
            yield "snapshot", sha
        for sha in images:
            yield "image", sha

    def sweep_orphan_blobs(self, *, min_age_s: float = 3600.0) -> int:
        """Delete blobs that no capture or asset references (left by a crash between
        the blob write and the commit). Only blobs older than ``min_age_s`` go, so a
        capture being stored right now by another process is never touched."""
        if not isinstance(self.blobs, FileBlobStore):
            return int(self.blobs.sweep_orphans(min_age_s))  # type: ignore[attr-defined]
        if not self.blobs.root.exists():
            return 0
        with self.db.reader() as s:
            used = set(s.scalars(select(Capture.sha256)))
            used.update(s.scalars(select(Asset.sha256)))
        cutoff = time.time() - min_age_s
        removed = 0
        for sha in list(self.blobs.all_hashes()):
            if sha in used:
                continue
            try:
                if self.blobs.path_of(sha).stat().st_mtime > cutoff:
                    continue
            except FileNotFoundError:
                continue
            self.blobs.delete(sha)
            removed += 1
        if removed:
            log.info("removed %d unreferenced blobs", removed)
        return removed

    # ---- lookups ---------------------------------------------------------------------
    def _find_article(self, s: Session, key: str) -> Article | None:
        art = s.scalar(select(Article).where(Article.canonical_url == key))
        if art is not None:
            return art
        return s.scalar(select(Article).join(Capture, Capture.article_id == Article.id)
                        .where(Capture.requested_key == key).limit(1))

    def find_duplicate(self, url: str) -> Duplicate | None:
        """The archived article (or queued job) that ``url`` would duplicate, if any."""
        key = canonical_key(url)
        with self.db.reader() as s:
            art = self._find_article(s, key)
            if art is not None:
                cap = s.get(Capture, art.latest_capture_id) if art.latest_capture_id else None
                return Duplicate(url, art.id, cap.fetched_at if cap else art.created_at, art.title)
            job = s.scalar(select(CaptureJob).where(
                CaptureJob.canonical_key == key,
                CaptureJob.state.in_(("queued", "running"))).limit(1))
            if job is not None:
                return Duplicate(url, None, None, None, queued_job_id=job.id)
        return None

    # ---- the capture queue -----------------------------------------------------------
    def enqueue(self, urls: Iterable[str], *, recapture: bool = False,
                origins: Mapping[str, JobOrigin] | None = None) -> EnqueueReport:
        """Queue http(s) URLs (normalised here; anything else is refused with its reason).
        Duplicates within the batch, of archived articles (unless ``recapture``) and of
        queued jobs are reported, not queued. ``origins`` (by URL as given): what a
        bookmark file said about a URL, kept with its job."""
        report = EnqueueReport()
        seen: set[str] = set()
        pending: list[tuple[str, str]] = []
        origin_of: dict[str, JobOrigin] = {}
        for raw in urls:
            try:
                url = normalise_url(raw)
            except UrlError as exc:
                report.refused.append((raw, str(exc)))
                continue
            key = canonical_key(url)
            if key in seen:
                continue
            seen.add(key)
            dup = self.find_duplicate(url)
            if dup is not None and (dup.queued_job_id is not None or not recapture):
                report.duplicates.append(dup)
                continue
            pending.append((url, key))
            if origins and raw in origins:
                origin_of[url] = origins[raw]
        if pending:
            with self.db.writer() as s:
                if not self.db.is_sqlite:  # desktops queue one at a time (SQLite: BEGIN
                    # IMMEDIATE already does), so the check below sees the others' jobs
                    s.execute(text("SELECT pg_advisory_xact_lock(hashtext('cuttings.enqueue'))"))
                # Checked again inside the write transaction: another thread or process
                # may have queued the same article since the look-up above.
                queued = dict(s.execute(select(CaptureJob.canonical_key, CaptureJob.id).where(
                    CaptureJob.canonical_key.in_([k for _u, k in pending]),
                    CaptureJob.state.in_(("queued", "running")))).all())
                for u, k in pending:
                    if k in queued:
                        report.duplicates.append(Duplicate(u, None, None, None,
                                                           queued_job_id=queued[k]))
                jobs = [CaptureJob(url=u, canonical_key=k, state="queued", recapture=recapture,
                                   **_origin_columns(origin_of.get(u)))
                        for u, k in pending if k not in queued]
                s.add_all(jobs)
                s.flush()
                report.jobs = [_job_info(j) for j in jobs]
        return report

    def tag_article(self, article_id: int, names: Sequence[str]) -> int:
        """Give an archived article the named tags (a bookmark's folders); one transaction.
        Returns how many were newly linked."""
        if not names:
            return 0
        with self.db.writer() as s:
            return tag_article(s, article_id, names)

    def jobs(self, states: Sequence[str] | None = None, *, limit: int | None = None,
             ids: Sequence[int] | None = None) -> list[JobInfo]:
        with self.db.reader() as s:
            q = select(CaptureJob).order_by(CaptureJob.id)
            if states:
                q = q.where(CaptureJob.state.in_(states))
            if ids is not None:
                q = q.where(CaptureJob.id.in_(list(ids)))
            if limit:
                q = q.limit(limit)
            return [_job_info(j) for j in s.scalars(q)]

    def job(self, job_id: int) -> JobInfo | None:
        with self.db.reader() as s:
            j = s.get(CaptureJob, job_id)
            return _job_info(j) if j else None

    def reset_interrupted_jobs(self, *, stale_after_s: float = CLAIM_STALE_S) -> int:
        """At start: jobs left ``running`` by a crash go back to ``queued``.

        On SQLite (one desktop per archive file) that is every running job. On a
        shared PostgreSQL archive only jobs whose claimer is gone (its worker lock,
        see :meth:`worker_lock`, is no longer held) or whose claim is older than
        ``stale_after_s`` go back: another desktop's jobs in flight are left alone.
        """
        with self.db.writer() as s:
            q = update(CaptureJob).where(CaptureJob.state == "running")
            if not self.db.is_sqlite:
                cutoff = utcnow() - timedelta(seconds=stale_after_s)
                q = q.where(or_(CaptureJob.claimed_by.is_(None),
                                CaptureJob.claimed_at.is_(None),
                                CaptureJob.claimed_at < cutoff,
                                text(f"NOT EXISTS ({_WORKER_LOCK_HELD_SQL})")))
            res = s.execute(q.values(state="queued", claimed_by=None, claimed_at=None,
                                     updated_at=utcnow())
                            .execution_options(synchronize_session=False))
            return res.rowcount or 0

    def claim_jobs(self, n: int, worker_id: str, *,
                   ids: Sequence[int] | None = None) -> list[JobInfo]:
        """Take up to ``n`` queued jobs (oldest first, optionally only among ``ids``) for
        ``worker_id``: they become ``running`` in this one transaction. On PostgreSQL the
        rows are locked with ``FOR UPDATE SKIP LOCKED``, so desktops claiming at the same
        moment never get the same job; on SQLite the ``BEGIN IMMEDIATE`` write
        transaction does the same."""
        if n <= 0:
            return []
        with self.db.writer() as s:
            q = (select(CaptureJob).where(CaptureJob.state == "queued")
                 .order_by(CaptureJob.id).limit(n))
            if ids is not None:
                q = q.where(CaptureJob.id.in_(list(ids)))
            if not self.db.is_sqlite:
                q = q.with_for_update(skip_locked=True)
            jobs = list(s.scalars(q))
            now = utcnow()
            for job in jobs:
                job.state = "running"
                job.claimed_by = worker_id
                job.claimed_at = now
                job.updated_at = now
            s.flush()
            return [_job_info(j) for j in jobs]

    def release_jobs(self, job_ids: Sequence[int], worker_id: str) -> int:
        """Claimed jobs this worker did not finish (stopped, busy) go back to ``queued``."""
        if not job_ids:
            return 0
        with self.db.writer() as s:
            res = s.execute(update(CaptureJob).where(
                CaptureJob.id.in_(list(job_ids)), CaptureJob.state == "running",
                CaptureJob.claimed_by == worker_id)
                .values(state="queued", claimed_by=None, claimed_at=None, updated_at=utcnow())
                .execution_options(synchronize_session=False))
            return res.rowcount or 0

    @contextmanager
    def worker_lock(self, worker_id: str) -> Iterator[None]:
        """Hold ``worker_id``'s liveness lock while claimed jobs run (PostgreSQL: a
        session advisory lock that the server drops when the process dies, so other
        desktops can tell a crashed claimer from a busy one). No-op on SQLite."""
        if self.db.is_sqlite:
            yield
            return
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:w, 0))"),
                         {"w": worker_id})
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:w, 0))"),
                             {"w": worker_id})
            finally:
                conn.close()

    def set_job_state(self, job_id: int, state: str, *, error: str | None = None,
                      error_code: str | None = None, article_id: int | None = None,
                      count_attempt: bool = False) -> None:
        with self.db.writer() as s:
            job = s.get(CaptureJob, job_id)
            if job is None:
                return
            job.state = state
            job.error = _clean_text(error)
            job.error_code = error_code
            if article_id is not None:
                job.article_id = article_id
            if count_attempt:
                job.attempts += 1
            job.updated_at = utcnow()

    def retry_jobs(self, job_ids: Sequence[int]) -> int:
        with self.db.writer() as s:
            res = s.execute(update(CaptureJob).where(
                CaptureJob.id.in_(list(job_ids)),
                CaptureJob.state.in_(("failed", "cancelled", "skipped")))
                .values(state="queued", error=None, error_code=None, updated_at=utcnow()))
            return res.rowcount or 0

    def cancel_jobs(self, job_ids: Sequence[int]) -> int:
        with self.db.writer() as s:
            res = s.execute(update(CaptureJob).where(
                CaptureJob.id.in_(list(job_ids)), CaptureJob.state == "queued")
                .values(state="cancelled", updated_at=utcnow()))
            return res.rowcount or 0

    def clear_finished_jobs(self) -> int:
        with self.db.writer() as s:
            res = s.execute(delete(CaptureJob).where(
                CaptureJob.state.in_(("done", "skipped", "cancelled"))))
            return res.rowcount or 0

    # ---- storing a capture -----------------------------------------------------------
    def store_capture(
        self,
        fetched: FetchResult,
        extracted: Extracted,
        assets: Sequence[tuple[ImageRef, AssetResult]] = (),
        *,
        job_id: int | None = None,
        source: str = "fetch",
        extractor_version: str | None = None,
    ) -> StoredCapture:
        """Store one capture in ONE transaction (article, capture, assets, quotes,
        sources, credits, and the job's ``done`` state). The raw snapshot and images
        are written to the blob store first (fsynced), so a crash at any point leaves
        either the whole capture or none of it."""
        self.blobs.put(fetched.body)
        asset_hashes = [(ref, res, self.blobs.put(res.body)) for ref, res in assets]
        final_key = canonical_key(fetched.final_url)
        requested_key = canonical_key(fetched.requested_url)
        reader_html = extracted.reader_html
        url_to_sha = {}
        for ref, res, sha in asset_hashes:
            url_to_sha[ref.url] = sha
            url_to_sha[res.url] = sha
        reader_html = rewrite_image_sources(reader_html, url_to_sha)
        text = _clean_text(extracted.text) or ""

        with self.db.writer() as s:
            article = s.scalar(select(Article).where(Article.canonical_url == final_key))
            if article is None:
                article = s.scalar(select(Article).join(Capture, Capture.article_id == Article.id)
                                   .where(Capture.requested_key == requested_key).limit(1))
            new_article = article is None
            if article is None:
                article = Article(canonical_url=final_key, url=fetched.final_url)
                s.add(article)
            article.url = fetched.final_url
            article.site = site_key(fetched.final_url)
            article.title = _clean_text(extracted.title)
            article.authors = [_clean_text(a) for a in extracted.authors]
            article.publisher = _clean_text(extracted.publisher)
            article.published = extracted.published
            article.language = extracted.language
            article.description = _clean_text(extracted.description)
            article.text = text
            article.reader_html = _clean_text(reader_html) or ""
            article.word_count = len(text.split())
            # too_complex: over a work bound or the reading deadline, kept unread (J5)
            article.status = ("too_complex" if extracted.too_complex
                              else "ok" if text.strip() else "no_text")
            s.flush()

            capture = Capture(
                article_id=article.id, source=source,
                requested_url=fetched.requested_url, requested_key=requested_key,
                final_url=fetched.final_url,
                redirects=[[u, st] for u, st in fetched.redirects],
                fetched_at=fetched.fetched_at, http_status=fetched.status,
                headers=[[_clean_text(k), _clean_text(v)] for k, v in fetched.headers],
                content_type=fetched.content_type, encoding=fetched.encoding,
                sha256=fetched.sha256, size=len(fetched.body),
                local_network_allowed=fetched.local_network_allowed,
                title=article.title, text=text, extractor_version=extractor_version,
                canonical_link=declared_link(extracted.canonical_url, fetched.final_url))
            s.add(capture)
            s.flush()
            article.latest_capture_id = capture.id
            asset_rows: dict[str, Asset] = {}
            for ref, res, sha in asset_hashes:
                row = Asset(capture_id=capture.id, url=ref.url, media_type=res.media_type,
                            size=len(res.body), sha256=sha, role=ref.role,
                            alt=_clean_text(ref.alt), caption=_clean_text(ref.caption))
                s.add(row)
                asset_rows[ref.url] = row
            s.flush()
            # Tags on automatic quotes/credits move to their new versions; claims and
            # user quotes are re-anchored to the new text (never silently lost).
            carried = None if new_article else collect_tagged_items(s, article.id)
            self._replace_extracted_items(s, article, extracted, asset_rows)
            if not new_article:
                reanchor_in_session(s, article.id, carried)
            if job_id is not None:
                job = s.get(CaptureJob, job_id)
                if job is not None:
                    job.state = "done"
                    job.attempts += 1
                    job.error = None
                    job.error_code = None
                    job.article_id = article.id
                    job.updated_at = utcnow()
                    tag_article(s, article.id, _job_tags(job))
            return StoredCapture(article.id, capture.id, new_article)

    def _replace_extracted_items(self, s: Session, article: Article, ex: Extracted,
                                 asset_rows: dict[str, Asset]) -> None:
        """Replace automatic quotes, citations and credits with this capture's.
        User-made quotes and claims are kept (re-anchoring is the claims feature's job)."""
        s.execute(delete(Quote).where(Quote.article_id == article.id, Quote.origin == "auto"))
        s.execute(delete(Citation).where(Citation.article_id == article.id))
        s.execute(delete(PhotoCredit).where(PhotoCredit.article_id == article.id))
        for q in ex.quotes:
            s.add(Quote(article_id=article.id, text=_clean_text(q.text) or "",
                        speaker=_clean_text(q.speaker), role=_clean_text(q.role), cue=q.cue,
                        start=q.start, end=q.end, origin="auto"))
        for c in ex.citations:
            s.add(Citation(article_id=article.id, name=_clean_text(c.name) or "", kind=c.kind,
                           url=c.url, context=_clean_text(c.context) or "",
                           mentions=[list(m) for m in c.mentions]))
        for cr in ex.credits:
            asset = asset_rows.get(cr.image_url or "")
            s.add(PhotoCredit(article_id=article.id, credit=_clean_text(cr.credit) or "",
                              photographer=_clean_text(cr.photographer),
                              provider=_clean_text(cr.provider), caption=_clean_text(cr.caption),
                              image_url=cr.image_url, asset_id=asset.id if asset else None))

    # ---- reading ---------------------------------------------------------------------
    def count_articles(self) -> int:
        with self.db.reader() as s:
            return s.scalar(select(func.count(Article.id))) or 0

    def article_ids(self, *, sort: str = "captured", descending: bool = True,
                    ids_filter: Sequence[int] | None = None) -> list[int]:
        """All article ids in display order: ``sort`` is one of
        :data:`storage.article_sort.SORT_KEYS` (columns and per-article aggregates)."""
        from storage.article_sort import order_by

        with self.db.reader() as s:
            q = select(Article.id).order_by(*order_by(sort, descending,
                                                        sqlite=self.db.is_sqlite))
            if ids_filter is not None:
                q = q.where(Article.id.in_(list(ids_filter)))
            return list(s.scalars(q))

    def article_rows(self, ids: Sequence[int]) -> list[ArticleRow]:
        """Rows for the given ids, in the given order (missing ids are skipped)."""
        if not ids:
            return []
        with self.db.reader() as s:
            arts = s.scalars(select(Article).where(Article.id.in_(list(ids)))
                             .options(selectinload(Article.tags))).all()
            counts = dict(s.execute(select(Quote.article_id, func.count(Quote.id))
                                    .where(Quote.article_id.in_(list(ids)))
                                    .group_by(Quote.article_id)).all())
            cap_ids = [a.latest_capture_id for a in arts if a.latest_capture_id]
            cap_times = dict(s.execute(select(Capture.id, Capture.fetched_at)
                                       .where(Capture.id.in_(cap_ids))).all()) if cap_ids else {}
            by_id = {a.id: a for a in arts}
            out = []
            for i in ids:
                a = by_id.get(i)
                if a is None:
                    continue
                out.append(ArticleRow(
                    id=a.id, title=a.title, url=a.url, publisher=a.publisher, site=a.site,
                    authors=tuple(a.authors or ()), published=a.published,
                    captured_at=cap_times.get(a.latest_capture_id, a.created_at),
                    quote_count=int(counts.get(a.id, 0)), tags=tuple(t.name for t in a.tags),
                    status=a.status))
            return out

    def list_articles(self) -> list[ArticleRow]:
        return self.article_rows(self.article_ids())

    def article(self, article_id: int) -> dict[str, Any] | None:
        """Everything stored about one article (the ``show --json`` shape)."""
        with self.db.reader() as s:
            a = s.get(Article, article_id, options=[
                selectinload(Article.captures).selectinload(Capture.assets),
                selectinload(Article.quotes).selectinload(Quote.tags),
                selectinload(Article.citations),
                selectinload(Article.credits).selectinload(PhotoCredit.tags),
                selectinload(Article.claims).selectinload(Claim.tags),
                selectinload(Article.tags)])
            if a is None:
                return None
            sha_of_asset = {asset.id: asset.sha256 for c in a.captures for asset in c.assets}
            return {
                "id": a.id,
                "url": a.url,
                "canonical_url": page_canonical(a.url, a.latest_capture_id, a.captures),
                "url_key": a.canonical_url,
                "site": a.site,
                "title": a.title,
                "authors": list(a.authors or []),
                "published": a.published,
                "publisher": a.publisher,
                "language": a.language,
                "description": a.description,
                "status": a.status,
                "word_count": a.word_count,
                "text": a.text,
                "text_state": next((text_state(c) for c in a.captures
                                    if c.id == a.latest_capture_id), "extracted"),
                "reader_html": a.reader_html,
                "quotes": [{"id": q.id, "quote": q.text, "speaker": q.speaker, "role": q.role,
                            "cue": q.cue, "start": q.start, "end": q.end, "origin": q.origin,
                            "anchor_state": q.anchor_state, "tags": [t.name for t in q.tags]}
                           for q in a.quotes],
                "sources": [{"id": c.id, "name": c.name, "kind": c.kind, "url": c.url,
                             "context": c.context, "mentions": c.mentions}
                            for c in a.citations],
                "photo_credits": [{"id": c.id, "credit": c.credit,
                                   "photographer": c.photographer, "provider": c.provider,
                                   "caption": c.caption, "image_url": c.image_url,
                                   "image_sha256": sha_of_asset.get(c.asset_id)
                                   if c.asset_id else None,
                                   "tags": [t.name for t in c.tags]} for c in a.credits],
                "captures": [{"id": c.id, "source": c.source, "requested_url": c.requested_url,
                              "final_url": c.final_url, "redirects": c.redirects,
                              "status": c.http_status, "fetched_at": c.fetched_at.isoformat(),
                              "content_type": c.content_type, "encoding": c.encoding,
                              "sha256": c.sha256, "size": c.size, "headers": c.headers,
                              "local_network_allowed": c.local_network_allowed,
                              "latest": c.id == a.latest_capture_id,
                              "snapshot_state": snapshot_state(c),
                              "text_state": text_state(c),
                              "assets": [{"id": x.id, "url": x.url, "sha256": x.sha256,
                                          "media_type": x.media_type, "size": x.size,
                                          "role": x.role, "caption": x.caption}
                                         for x in c.assets]}
                             for c in sorted(a.captures, key=lambda c: c.fetched_at,
                                             reverse=True)],
                "tags": [t.name for t in a.tags],
                "claims": [{"id": c.id, "text": c.text, "start": c.start, "end": c.end,
                            "note": c.note, "verdict": c.verdict, "evidence": c.evidence,
                            "anchor_state": c.anchor_state, "tags": [t.name for t in c.tags]}
                           for c in a.claims],
            }

    def asset_bytes(self, article_id: int, sha256: str) -> bytes | None:
        """An image's bytes, only if it belongs to one of this article's captures."""
        with self.db.reader() as s:
            found = s.scalar(select(Asset.id).join(Capture, Asset.capture_id == Capture.id)
                             .where(Capture.article_id == article_id, Asset.sha256 == sha256)
                             .limit(1))
        if found is None:
            return None
        try:
            return self.blobs.get(sha256)
        except (KeyError, ValueError) as exc:
            log.warning("asset %s of article %s unavailable: %s", sha256[:12], article_id, exc)
            return None

    def snapshot_bytes(self, capture_id: int) -> bytes:
        """The raw HTML of a capture, verified against its SHA-256."""
        with self.db.reader() as s:
            cap = s.get(Capture, capture_id)
            if cap is None:
                raise KeyError(capture_id)
            sha = cap.sha256
        return self.blobs.get(sha)

    def speakers(self, limit: int | None = None) -> list[tuple[str, int]]:
        """Every quoted speaker with the number of quotes, most quoted first."""
        with self.db.reader() as s:
            q = (select(Quote.speaker, func.count(Quote.id)).where(Quote.speaker.is_not(None))
                 .group_by(Quote.speaker).order_by(func.count(Quote.id).desc(), Quote.speaker))
            if limit:
                q = q.limit(limit)
            return [(n, int(c)) for n, c in s.execute(q).all()]

    def outlets(self, limit: int | None = None) -> list[tuple[str, int]]:
        """Every cited outlet with the number of articles citing it."""
        with self.db.reader() as s:
            q = (select(Citation.name, func.count(func.distinct(Citation.article_id)))
                 .group_by(Citation.name)
                 .order_by(func.count(func.distinct(Citation.article_id)).desc(), Citation.name))
            if limit:
                q = q.limit(limit)
            return [(n, int(c)) for n, c in s.execute(q).all()]

    def article_ids_for(self, *, speaker: str | None = None, outlet: str | None = None,
                        tag: str | None = None) -> list[int]:
        """Ids of articles quoting a speaker / citing an outlet / carrying a tag."""
        with self.db.reader() as s:
            conds = []
            if speaker is not None:
                conds.append(Article.id.in_(select(Quote.article_id)
                                            .where(Quote.speaker == speaker)))
            if outlet is not None:
                conds.append(Article.id.in_(select(Citation.article_id)
                                            .where(Citation.name == outlet)))
            if tag is not None:
                conds.append(Article.tags.any(or_(Tag.key == tag.casefold(), Tag.name == tag)))
            q = select(Article.id).order_by(Article.created_at.desc(), Article.id.desc())
            for c in conds:
                q = q.where(c)
            return list(s.scalars(q))

    def quotes_by(self, speaker: str) -> list[dict[str, Any]]:
        """All quotes of one speaker across the archive, newest article first."""
        with self.db.reader() as s:
            rows = s.execute(select(Quote, Article.title).join(Article)
                             .where(Quote.speaker == speaker)
                             .order_by(Article.created_at.desc(), Quote.start)).all()
            return [{"id": q.id, "article_id": q.article_id, "title": t, "quote": q.text,
                     "speaker": q.speaker, "start": q.start, "end": q.end} for q, t in rows]


def rewrite_image_sources(reader_html: str, url_to_sha: dict[str, str]) -> str:
    """Point ``<img src>`` of archived images at ``asset:<sha256>``; drop the others
    (the reader never loads anything from the network)."""
    if not reader_html or "<img" not in reader_html:
        return reader_html
    def repl(m: re.Match[str]) -> str:
        tag = m.group(0)
        src_m = re.search(r'\ssrc="([^"]*)"', tag)
        if not src_m:
            return ""
        src = _html.unescape(src_m.group(1))
        sha = url_to_sha.get(src)
        if sha is None:
            return ""
        return tag[:src_m.start()] + f' src="asset:{sha}"' + tag[src_m.end():]

    return re.sub(r"<img\b[^>]*>", repl, reader_html)
