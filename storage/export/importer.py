"""Import: Cuttings JSON exports and ZIP bundles merge into the archive; browser
bookmark files and plain URL lists go into the capture queue.

A JSON or ZIP import accepts only what ``cuttings verify`` accepts: it runs the same
checks first, on the same open file (:func:`storage.export.verify.check_bundle`,
:func:`~storage.export.verify.check_json`: layout, manifest, every hash, the schema,
the text re-derived from its snapshot), then snapshots and images go into the blob
store and all rows are written in ONE transaction. Imported captures record their
provenance: ``text_state`` "verified" (re-extracted from the snapshot and identical)
or "unverified", and ``blob_state`` "imported-without" for a snapshot or image that
is in neither the file nor the archive (``check`` counts those apart). Input is
bounded: at most :data:`MAX_JSON_FILE` bytes of JSON and :data:`MAX_URL_LIST` of a
URL list are ever read. A refusal raises
:class:`~storage.export.validate.ImportRefused` naming the problem; the database is
then unchanged. Merging: an article already archived (same canonical URL, or a
capture requested under it) keeps its own fields; captures with a new SHA-256 are
added as further captures, quotes, sources, credits and claims are added when not
identical to an existing one, tags and collections are merged.

Thread rules: run from one worker thread; ``progress`` is called from it and
``cancel`` may be set from any thread (a cancel before the commit writes nothing).
"""

from __future__ import annotations

import logging
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, selectinload

from capture.bounded_read import URL_LIST_MAX_BYTES, InputTooLarge, copy_bounded, read_bounded
from storage.blobs import BlobCorruptError, BlobMissingError
from storage.export.bundle import IMAGE_RE, SNAPSHOT_RE, open_bundle, read_member
from storage.export.csv_format import COLUMNS
from storage.export.rederive import VERIFIED, TextCheck
from storage.export.validate import ImportRefused, parse_time, referenced_blobs
from storage.models import (
    BLOB_IMPORTED_WITHOUT,
    TEXT_UNVERIFIED,
    TEXT_VERIFIED,
    Article,
    Asset,
    Capture,
    Citation,
    Claim,
    Collection,
    PhotoCredit,
    Quote,
    Tag,
    article_tags,
    claim_tags,
    collection_articles,
    collection_claims,
    credit_tags,
    quote_tags,
)
from storage.page_links import declared_link

if TYPE_CHECKING:
    from storage.archive import Archive
    from storage.export.verify import VerifyReport

log = logging.getLogger(__name__)

#: The largest JSON export read (also the JSON member of a bundle): at most this many
#: bytes are ever read (``/dev/zero`` or a huge file is refused after cap + 1 bytes).
MAX_JSON_FILE = 256 << 20
MAX_URL_LIST = URL_LIST_MAX_BYTES
BLOB_WRITERS = 6

Progress = Callable[[int, int], None]
_CSV_HEADERS = tuple(",".join(cols).encode() for cols in COLUMNS.values())


class ImportCancelled(Exception):
    """The user cancelled; nothing was written."""


@dataclass
class ImportReport:
    """What an import did, for the GUI and the CLI. ``added``/``merged``/``skipped``
    map a kind (articles, captures, quotes, sources, credits, claims, tags,
    collections, snapshots, images) to a count; ``queued`` counts URLs put in the
    capture queue (bookmarks and URL lists)."""

    path: str
    kind: str  # json | zip | bookmarks | urls
    added: dict[str, int] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    already_archived: int = 0
    refused_urls: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    folder_tags: list[str] = field(default_factory=list)  # a bookmark file's folders
    dated: int = 0  # bookmarks whose ADD_DATE was kept with their job

    def count(self, table: dict[str, int], kind: str, n: int = 1) -> None:
        if n:
            table[kind] = table.get(kind, 0) + n

    def summary(self) -> str:
        def fmt(d: dict[str, int]) -> str:
            return ", ".join(f"{v} {k}" for k, v in d.items()) or "nothing"

        if self.kind in ("bookmarks", "urls"):
            line = (f"queued {self.queued} URL(s) for capture; {self.already_archived} already "
                    f"archived or queued; {len(self.refused_urls)} refused")
            if self.folder_tags:
                shown = ", ".join(self.folder_tags[:5])
                more = f" and {len(self.folder_tags) - 5} more" if len(self.folder_tags) > 5 else ""
                line += f"; folders kept as tags: {shown}{more}"
            if self.dated:
                line += f"; {self.dated} with the date bookmarked"
            return line
        return f"added {fmt(self.added)}; merged {fmt(self.merged)}; skipped {fmt(self.skipped)}"


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ImportCancelled("import cancelled; nothing was written")


SNIFF_BYTES = 4096


def sniff(path: Path) -> str:
    """``zip``, ``json``, ``bookmarks``, ``urls``, ``csv`` (our CSV export), ``warc``
    or ``binary`` (none of those: NUL bytes in a text) by content."""
    with path.open("rb") as fh:
        return sniff_bytes(fh.read(SNIFF_BYTES))


def sniff_bytes(head: bytes) -> str:
    """:func:`sniff` of the first :data:`SNIFF_BYTES` bytes."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")):
        return "json"
    if head.startswith(b"\x1f\x8b") or stripped.startswith(b"WARC/"):
        return "warc"
    if stripped.startswith(_CSV_HEADERS):
        return "csv"
    if b"\x00" in head:
        return "binary"  # no export, bookmarks file or URL list holds NUL bytes
    low = head.lower()
    if b"netscape-bookmark-file" in low or b"<a " in low or b"<html" in low or b"<dl" in low:
        return "bookmarks"
    return "urls"


def import_path(archive: Archive, path: Path | str, *, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> ImportReport:
    """Import one file (kind found by content). Raises :class:`ImportRefused`
    (nothing written) or :class:`ImportCancelled`."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            return _import_stream(archive, path, progress=progress, cancel=cancel)
        kind = sniff(path)
    except OSError as exc:
        raise ImportRefused(f"cannot read {path}: {exc.strerror or exc}") from exc
    if kind == "zip":
        return import_bundle(archive, path, progress=progress, cancel=cancel)
    if kind == "json":
        return import_json(archive, path, progress=progress, cancel=cancel)
    if kind == "csv":
        raise ImportRefused(f"{path.name} is a Cuttings CSV export, which keeps only part of "
                            "each article; import the JSON or ZIP export instead")
    if kind == "warc":
        raise ImportRefused(f"{path.name} is a WARC file; Cuttings imports its own JSON or ZIP "
                            "exports, bookmark files and URL lists")
    if kind == "binary":
        raise ImportRefused(f"{path.name} is not a Cuttings export, a bookmarks file or a URL "
                            "list (binary data)")
    return import_url_list(archive, path, bookmarks=kind == "bookmarks")


def _refuse_unless_verified(report: VerifyReport) -> None:
    """Import accepts only what ``verify`` accepts: the first problems, named."""
    if report.ok:
        return
    shown = report.problems[:3]
    more = len(report.problems) - len(shown)
    raise ImportRefused("; ".join(shown) + (f" (and {more} more problem(s); `cuttings verify` "
                                            "lists them)" if more else ""))


def _import_stream(archive: Archive, path: Path, *, progress: Progress | None,
                   cancel: threading.Event | None) -> ImportReport:
    """A pipe or device (``/dev/zero``, ``<(...)``) can be read once and has no size:
    copy at most the cap of its kind (:data:`MAX_JSON_FILE` for exports,
    :data:`MAX_URL_LIST` for URL lists) to a temporary file, then import that (a
    longer stream is refused after cap + 1 bytes; binary data after its first bytes)."""
    with tempfile.TemporaryDirectory(prefix="cuttings-import-") as folder:
        copy = Path(folder) / (path.name or "input")
        try:
            with path.open("rb", buffering=0) as src, copy.open("wb") as fh:
                head = src.read(SNIFF_BYTES)
                kind = sniff_bytes(head)
                if kind == "binary":
                    raise ImportRefused(f"{path.name} is not a Cuttings export, a bookmarks "
                                        "file or a URL list (binary data)")
                fh.write(head)
                cap = MAX_JSON_FILE if kind in ("zip", "json") else MAX_URL_LIST
                copy_bounded(src, fh, cap - len(head), name=path.name, shown_limit=cap)
        except InputTooLarge as exc:
            raise ImportRefused(str(exc)) from exc
        report = import_path(archive, copy, progress=progress, cancel=cancel)
    report.path = str(path)
    return report


def import_json(archive: Archive, path: Path, *, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> ImportReport:
    """A JSON export: the checks of ``verify`` first (at most :data:`MAX_JSON_FILE`
    bytes read), then one transaction. Captures whose snapshot this archive already
    holds are re-checked against it; the others are recorded as imported without
    snapshot, their text unverified."""
    from storage.export.verify import check_json

    def snapshot_of(sha: str) -> bytes | None:
        try:
            return archive.blobs.get(sha) if archive.blobs.has(sha) else None
        except (BlobMissingError, BlobCorruptError):
            return None

    checked = check_json(path, snapshot_of)
    _refuse_unless_verified(checked.report)
    doc = checked.doc
    assert doc is not None
    _check_cancel(cancel)
    report = ImportReport(str(path), "json")
    snaps, images = referenced_blobs(doc)
    absent = {s for s in snaps | images if not archive.blobs.has(s)}
    if absent:
        report.warnings.append(f"{len(absent)} snapshot(s)/image(s) are not in this file and "
                               "not in the archive: recorded as imported without them (import "
                               "the ZIP bundle for the bytes)")
    _note_unverified(report, checked.texts)
    _write(archive, doc, report, progress, cancel, provenance=_Provenance(checked.texts, absent))
    return report


def _note_unverified(report: ImportReport, texts: dict[str, TextCheck]) -> None:
    n = sum(1 for t in texts.values() if t.state != VERIFIED)
    if n:
        report.warnings.append(f"the text of {n} capture(s) could not be re-checked against "
                               "its snapshot: marked unverified")


def import_bundle(archive: Archive, path: Path, *, progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> ImportReport:
    """A ZIP bundle: every check of ``verify`` on the open file first, then the
    (verified) snapshots and images into the blob store, then one transaction."""
    from storage.export.verify import check_bundle

    report = ImportReport(str(path), "zip")
    with open_bundle(path) as zf:
        checked = check_bundle(zf, path)
        _refuse_unless_verified(checked.report)
        doc = checked.doc
        assert doc is not None
        _check_cancel(cancel)
        blob_members: dict[str, zipfile.ZipInfo] = {}
        for name, info in checked.members.items():
            m = SNAPSHOT_RE.fullmatch(name) or IMAGE_RE.fullmatch(name)
            if m:
                blob_members[m.group(1)] = info  # verified: named by the JSON, hash matches
        total = len(blob_members)
        # store them (content-addressed: harmless if the transaction then fails).
        # The blob store fsyncs every file; a few threads overlap those waits.
        _store_blobs(archive, zf, blob_members, report, path.name, progress, cancel,
                     0, total + len(doc["articles"]))
    snaps, images = referenced_blobs(doc)
    absent = {s for s in snaps | images if s not in blob_members and not archive.blobs.has(s)}
    if absent:
        report.warnings.append(f"{len(absent)} snapshot(s)/image(s) are neither in the bundle nor "
                               "in the archive: recorded as imported without them")
    _note_unverified(report, checked.texts)
    _write(archive, doc, report, progress, cancel, done_before=total,
           grand_total=total + len(doc["articles"]),
           provenance=_Provenance(checked.texts, absent))
    return report


def _store_blobs(archive: Archive, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
                 report: ImportReport, name: str, progress: Progress | None,
                 cancel: threading.Event | None, done_before: int, grand_total: int) -> None:
    pending: list[tuple[str, zipfile.ZipInfo, Future[str]]] = []

    def settle(item: tuple[str, zipfile.ZipInfo, Future[str]]) -> None:
        sha, info, fut = item
        if fut.result() != sha:  # pragma: no cover - changed between the passes
            raise ImportRefused(f"{name}: {info.filename} changed while importing")
        report.count(report.added, "snapshots" if info.filename.startswith("snapshots/")
                     else "images")

    done = done_before
    with ThreadPoolExecutor(max_workers=BLOB_WRITERS, thread_name_prefix="import-blob") as pool:
        try:
            for sha, info in members.items():
                _check_cancel(cancel)
                done += 1
                if archive.blobs.has(sha):
                    report.count(report.skipped, "blobs")
                    continue
                pending.append((sha, info, pool.submit(archive.blobs.put,
                                                       read_member(zf, info))))
                while len(pending) >= BLOB_WRITERS * 4:  # bounded memory in flight
                    settle(pending.pop(0))
                if progress:
                    progress(done, grand_total)
            while pending:
                settle(pending.pop(0))
        finally:
            for _, _, fut in pending:
                fut.cancel()


def import_url_list(archive: Archive, path: Path, *, bookmarks: bool) -> ImportReport:
    """Queue every web address in a bookmarks HTML file or a plain list.

    A bookmark file (:mod:`capture.bookmarks`) keeps its folders as tags, one per
    folder, given to each article when its capture is stored (at once to one already
    archived), and each link's ``ADD_DATE`` with its queued job.
    """
    from capture.urls import find_urls
    from storage.archive import JobOrigin

    try:
        data = read_bounded(path, MAX_URL_LIST, f"{path.name} (a URL list)")
    except InputTooLarge as exc:
        raise ImportRefused(str(exc)) from exc
    except OSError as exc:
        raise ImportRefused(f"cannot read {path}: {exc.strerror or exc}") from exc
    report = ImportReport(str(path), "bookmarks" if bookmarks else "urls")
    urls: list[str] = []
    origins: dict[str, JobOrigin] = {}
    if bookmarks:
        from capture.bookmarks import read_bookmarks
        from capture.charset import decode_html

        # one page filed in two folders gets both folders' tags and the earlier date
        merged: dict[str, JobOrigin] = {}
        raws: dict[str, list[str]] = {}
        for mark in read_bookmarks(decode_html(data, None)[0]):
            urls.append(mark.url)
            key = _key(mark.url)
            raws.setdefault(key, []).append(mark.url)
            was = merged.get(key, JobOrigin())
            dates = [d for d in (was.bookmarked_at, mark.added) if d is not None]
            merged[key] = JobOrigin(tuple(dict.fromkeys(was.tags + mark.folders)),
                                    min(dates) if dates else None)
        origins = {raw: merged[key] for key, group in raws.items() for raw in group
                   if merged[key].tags or merged[key].bookmarked_at}
    else:
        for cand in find_urls(data.decode("utf-8", "replace")):
            if cand.url:
                urls.append(cand.url)
            else:
                report.refused_urls.append(f"{cand.raw[:200]}: {cand.error}")
    if not urls:
        raise ImportRefused(f"no web addresses found in {path.name}")
    enq = archive.enqueue(urls, origins=origins)
    folders = {t: None for o in origins.values() for t in o.tags}
    report.folder_tags = list(folders)
    report.dated = sum(1 for j in enq.jobs if j.bookmarked_at is not None)
    report.refused_urls.extend(f"{raw[:200]}: {reason}" for raw, reason in enq.refused)
    archived = [d for d in enq.duplicates if d.article_id is not None]
    if archived and origins:  # already archived: its folders become its tags now
        by_key = {_key(u): o for u, o in reversed(origins.items())}
        for dup in archived:
            origin = by_key.get(_key(dup.url))
            if origin is not None and origin.tags and dup.article_id is not None:
                report.count(report.added, "tags",
                             archive.tag_article(dup.article_id, origin.tags))
    report.queued = len(enq.jobs)
    report.already_archived = len(enq.duplicates)
    report.count(report.added, "queued", len(enq.jobs))
    report.count(report.skipped, "duplicates", len(enq.duplicates))
    return report


def _key(url: str) -> str:
    from capture.urls import UrlError, canonical_key

    try:
        return canonical_key(url)
    except UrlError:
        return url


# --------------------------------------------------------------------------- writing


def _tag_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class _Provenance:
    """How the imported evidence was checked: the text check of every capture (by
    SHA-256) and the snapshots/images that are in neither the file nor the archive."""

    texts: dict[str, TextCheck]
    absent: set[str]

    def text_state(self, sha: str) -> str:
        check = self.texts.get(sha)
        return TEXT_VERIFIED if check is not None and check.state == VERIFIED \
            else TEXT_UNVERIFIED

    def blob_state(self, sha: str) -> str | None:
        return BLOB_IMPORTED_WITHOUT if sha in self.absent else None


class _Writer:
    """Writes a validated document inside one session (the caller commits).

    Association rows (tags, collections) are written with Core statements by id, so
    a large existing collection is never loaded; the session is flushed and emptied
    every few hundred articles, so memory does not grow with the import."""

    def __init__(self, s: Session, doc: dict[str, Any], report: ImportReport,
                 provenance: _Provenance) -> None:
        self.s = s
        self.report = report
        self.provenance = provenance
        self.tag_ids: dict[str, int] = {}
        self.coll_ids: dict[str, int] = {}
        self.tag_colors = {t["name"]: t.get("color") for t in doc["tags"]}
        self.coll_info = {c["name"]: c for c in doc["collections"]}

    def tag_id(self, name: str) -> int:
        key = _tag_key(name)
        tid = self.tag_ids.get(key)
        if tid is None:
            tid = self.s.scalar(select(Tag.id).where(Tag.key == key))
            if tid is None:
                tid = self.s.scalar(select(Tag.id).where(Tag.name == name))
            if tid is None:
                t = Tag(name=name, key=key, color=self.tag_colors.get(name))
                self.s.add(t)
                self.s.flush()
                tid = t.id
                self.report.count(self.report.added, "tags")
            self.tag_ids[key] = tid
        return tid

    def collection_id(self, name: str) -> int:
        cid = self.coll_ids.get(name)
        if cid is None:
            cid = self.s.scalar(select(Collection.id).where(Collection.name == name))
            if cid is None:
                info = self.coll_info.get(name, {})
                c = Collection(name=name, description=info.get("description") or "")
                if info.get("created_at"):
                    c.created_at = parse_time(info["created_at"])
                self.s.add(c)
                self.s.flush()
                cid = c.id
                self.report.count(self.report.added, "collections")
            self.coll_ids[name] = cid
        return cid

    def _link(self, table: Table, key: str, value: int, other: str, other_id: int,
              new_row: bool) -> int:
        """Insert one association row unless it exists; 1 when inserted."""
        if not new_row and self.s.execute(select(table.c[key]).where(
                table.c[key] == value, table.c[other] == other_id)).first() is not None:
            return 0
        self.s.execute(insert(table).values({key: value, other: other_id}))
        return 1

    def _tags(self, table: Table, key: str, row_id: int, names: list[str], new_row: bool) -> int:
        return sum(self._link(table, key, row_id, "tags_id", tid, new_row)
                   for tid in dict.fromkeys(self.tag_id(n) for n in names))

    def _collections(self, table: Table, key: str, row_id: int, names: list[str],
                     new_row: bool) -> int:
        return sum(self._link(table, key, row_id, "collections_id", cid, new_row)
                   for cid in dict.fromkeys(self.collection_id(n) for n in names))

    def find_article(self, rec: dict[str, Any]) -> Article | None:
        opts = [selectinload(Article.captures).selectinload(Capture.assets),
                selectinload(Article.quotes), selectinload(Article.citations),
                selectinload(Article.credits), selectinload(Article.claims)]
        art = self.s.scalar(select(Article).where(Article.canonical_url == rec["url_key"])
                            .options(*opts))
        if art is None:
            art = self.s.scalar(select(Article).join(Capture, Capture.article_id == Article.id)
                                .where(Capture.requested_key == rec["url_key"]).limit(1)
                                .options(*opts))
        return art

    def article(self, rec: dict[str, Any]) -> None:
        art = self.find_article(rec)
        new = art is None
        changed = 0
        if art is None:
            # empty relationship lists: known empty, so never lazy-loaded
            art = Article(canonical_url=rec["url_key"], url=rec["url"], site=rec["site"],
                          title=rec["title"], authors=rec["authors"], publisher=rec["publisher"],
                          published=rec["published"], language=rec["language"],
                          description=rec["description"], text=rec["text"],
                          reader_html=rec["reader_html"], word_count=rec["word_count"],
                          status=rec["status"], captures=[], quotes=[], citations=[],
                          credits=[], claims=[])
            if rec["created_at"]:
                art.created_at = parse_time(rec["created_at"])
            self.s.add(art)
            self.s.flush()
        caps = {c.sha256: c for c in art.captures}
        latest: Capture | None = None
        prov = self.provenance
        for c in rec["captures"]:
            if c["sha256"] in caps:
                have = caps[c["sha256"]]
                if have.blob_state and prov.blob_state(have.sha256) is None:
                    have.blob_state = None  # the snapshot came with this import
                for a in have.assets:
                    if a.blob_state and prov.blob_state(a.sha256) is None:
                        a.blob_state = None
                self.report.count(self.report.skipped, "captures")
                continue
            cap = Capture(
                article_id=art.id, source=c["source"], requested_url=c["requested_url"],
                requested_key=c["requested_key"], final_url=c["final_url"],
                canonical_link=declared_link(c["canonical_url"]), redirects=c["redirects"],
                fetched_at=parse_time(c["fetched_at"]),
                http_status=c["http_status"], headers=c["headers"],
                content_type=c["content_type"], encoding=c["encoding"], sha256=c["sha256"],
                size=c["size"], local_network_allowed=c["local_network_allowed"],
                title=c["title"], text=c["text"], extractor_version=c["extractor_version"],
                blob_state=prov.blob_state(c["sha256"]), text_state=prov.text_state(c["sha256"]))
            cap.assets = [Asset(url=a["url"], media_type=a["media_type"], size=a["size"],
                                sha256=a["sha256"], role=a["role"], alt=a["alt"],
                                caption=a["caption"], blob_state=prov.blob_state(a["sha256"]))
                          for a in c["assets"]]
            self.s.add(cap)
            caps[c["sha256"]] = cap
            changed += 1
            self.report.count(self.report.added, "captures")
            if c["latest"]:
                latest = cap
        self.s.flush()
        if new:
            if latest is None and caps:
                latest = max(caps.values(), key=lambda x: x.fetched_at)
            art.latest_capture_id = latest.id if latest is not None else None
        asset_by_sha: dict[str, Asset] = {}
        for cap in caps.values():
            for a in cap.assets:
                asset_by_sha.setdefault(a.sha256, a)
        changed += self._items(art, rec, caps, asset_by_sha)
        changed += self._tags(article_tags, "articles_id", art.id, rec["tags"], new)
        changed += self._collections(collection_articles, "articles_id", art.id,
                                     rec["collections"], new)
        if new:
            self.report.count(self.report.added, "articles")
        elif changed:
            self.report.count(self.report.merged, "articles")
        else:
            self.report.count(self.report.skipped, "articles")

    def _items(self, art: Article, rec: dict[str, Any], caps: dict[str, Capture],
               asset_by_sha: dict[str, Asset]) -> int:
        changed = 0
        links: list[tuple[Table, str, Any, list[str], bool, str]] = []
        have_q = {(q.text, q.speaker, q.start, q.end): q for q in art.quotes}
        for q in rec["quotes"]:
            key = (q["text"], q["speaker"], q["start"], q["end"])
            row = have_q.get(key)
            fresh = row is None
            if row is None:
                row = Quote(article_id=art.id, text=q["text"], speaker=q["speaker"],
                            role=q["role"], cue=q["cue"], start=q["start"], end=q["end"],
                            origin=q["origin"], anchor_state=q["anchor_state"])
                self.s.add(row)
                have_q[key] = row
                changed += 1
                self.report.count(self.report.added, "quotes")
            else:
                self.report.count(self.report.skipped, "quotes")
            links.append((quote_tags, "quotes_id", row, q["tags"], fresh, "tags"))
        have_s = {(c.name, c.kind, c.url, c.context) for c in art.citations}
        for c in rec["sources"]:
            key = (c["name"], c["kind"], c["url"], c["context"])
            if key in have_s:
                self.report.count(self.report.skipped, "sources")
                continue
            have_s.add(key)
            self.s.add(Citation(article_id=art.id, name=c["name"], kind=c["kind"], url=c["url"],
                                context=c["context"], mentions=c["mentions"]))
            changed += 1
            self.report.count(self.report.added, "sources")
        have_c = {(c.credit, c.image_url, c.photographer, c.caption): c for c in art.credits}
        for c in rec["photo_credits"]:
            key = (c["credit"], c["image_url"], c["photographer"], c["caption"])
            row = have_c.get(key)
            fresh = row is None
            if row is None:
                asset = asset_by_sha.get(c["image_sha256"] or "")
                row = PhotoCredit(article_id=art.id, credit=c["credit"],
                                  photographer=c["photographer"], provider=c["provider"],
                                  caption=c["caption"], image_url=c["image_url"],
                                  asset_id=asset.id if asset is not None else None)
                self.s.add(row)
                have_c[key] = row
                changed += 1
                self.report.count(self.report.added, "credits")
            else:
                self.report.count(self.report.skipped, "credits")
            links.append((credit_tags, "photo_credits_id", row, c["tags"], fresh, "tags"))
        have_cl = {(c.text, c.start, c.end, c.note, c.verdict): c for c in art.claims}
        for c in rec["claims"]:
            key = (c["text"], c["start"], c["end"], c["note"], c["verdict"])
            row = have_cl.get(key)
            fresh = row is None
            if row is None:
                cap = caps.get(c["capture_sha256"] or "")
                row = Claim(article_id=art.id, capture_id=cap.id if cap is not None else None,
                            text=c["text"], start=c["start"], end=c["end"], note=c["note"],
                            verdict=c["verdict"], evidence=c["evidence"],
                            anchor_state=c["anchor_state"], version=c["version"])
                if c["created_at"]:
                    row.created_at = parse_time(c["created_at"])
                if c["updated_at"]:
                    row.updated_at = parse_time(c["updated_at"])
                self.s.add(row)
                have_cl[key] = row
                changed += 1
                self.report.count(self.report.added, "claims")
            else:
                self.report.count(self.report.skipped, "claims")
            links.append((claim_tags, "claims_id", row, c["tags"], fresh, "tags"))
            links.append((collection_claims, "claims_id", row, c["collections"], fresh,
                          "collections"))
        self.s.flush()
        for table, col, row, names, fresh, what in links:
            if what == "tags":
                changed += self._tags(table, col, row.id, names, fresh)
            else:
                changed += self._collections(table, col, row.id, names, fresh)
        return changed


def _write(archive: Archive, doc: dict[str, Any], report: ImportReport,
           progress: Progress | None, cancel: threading.Event | None, done_before: int = 0,
           grand_total: int | None = None, *, provenance: _Provenance) -> None:
    """Write every article in ONE transaction; progress continues from
    ``done_before`` of ``grand_total`` (earlier phases of a bundle import)."""
    total = len(doc["articles"]) if grand_total is None else grand_total
    with archive.db.writer() as s:
        w = _Writer(s, doc, report, provenance)
        arts = doc["articles"]
        for n in range(1, len(arts) + 1):
            _check_cancel(cancel)
            w.article(arts[n - 1])
            arts[n - 1] = None  # written: let it go
            if n % 200 == 0:
                s.flush()
                s.expunge_all()  # keep the session small; ids are cached, not objects
            if progress:
                progress(done_before + n, total)
        _check_cancel(cancel)
