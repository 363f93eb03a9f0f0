"""ZIP evidence bundle: the JSON, every raw snapshot and image, a SHA-256 manifest
and pages a person can browse offline.

Layout::

    cuttings-export.json        the JSON document (schema.py)
    snapshots/<sha256>.html     raw bytes of every capture
    images/<sha256>             bytes of every image
    articles/<n>-<title>.html   sanitised reader pages (images as ../images/<sha256>)
    index.html                  list of the articles (CSP, no script)
    manifest-sha256.txt         "<sha256>  <member>" for every other member

Writing never leaves out evidence it names: a snapshot or image that is missing or
damaged in the archive (read back and checked against its SHA-256) stops the export
with :class:`~storage.export.common.ExportError` and no file. Bundles written by
earlier versions may hold ``missing-sha256.txt`` (hashes they could not supply);
``verify`` and ``import`` refuse those.

Reading: :func:`open_bundle` / :func:`check_members` refuse unsafe member names
(``../``, absolute, drive letters, control characters), encrypted members, members
over :data:`MAX_MEMBER`, a total over :data:`MAX_TOTAL` and zip-bomb ratios, before
anything is read; :func:`read_member` reads with the cap enforced. Nothing is ever
extracted to the file system.

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from storage.blobs import BlobCorruptError, BlobMissingError
from storage.export.common import ExportError, HashingWriter, RecordStream
from storage.export.files import safe_filename
from storage.export.html_render import PAGE_TAIL, article_html, esc, page_head
from storage.export.html_report import image_types
from storage.export.json_format import write_json
from storage.export.schema import JSON_MEMBER, MANIFEST_MEMBER
from storage.export.select import Selection
from storage.export.validate import ImportRefused

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

MISSING_MEMBER = "missing-sha256.txt"
MAX_MEMBER = 1 << 30  # 1 GiB per member
MAX_TOTAL = 2 << 30  # 2 GiB uncompressed in all
#: uncompressed/compressed beyond this (for members > 1 MiB) is a bomb. Deflate itself
#: cannot pass ~1032:1, and real pages reach 700:1 (deep nesting, padding): a lower limit
#: made Cuttings' own bundles of such pages fail verify and import. Memory and time are
#: bounded by MAX_MEMBER and MAX_TOTAL (a member is never read past its declared size).
MAX_RATIO = 1100
MAX_MEMBERS = 2_000_000
SNAPSHOT_RE = re.compile(r"snapshots/([0-9a-f]{64})\.html")
IMAGE_RE = re.compile(r"images/([0-9a-f]{64})")


@dataclass
class BundleCounts:
    articles: int = 0
    snapshots: int = 0
    images: int = 0
    pages: int = 0
    missing: list[str] = field(default_factory=list)


class _Zip:
    """A ZIP being written; the manifest lines are spooled to a temporary file (not
    kept in memory), so memory grows only with zipfile's own central directory."""

    def __init__(self, out: IO[bytes], spool_dir: Path) -> None:
        self.zf = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True,
                                  compresslevel=6)
        # closed by close() or abort()
        self.manifest = tempfile.TemporaryFile(  # noqa: SIM115
            dir=spool_dir, prefix=".cuttings-manifest-")
        self.stamp = time.gmtime()[:6]

    def _note(self, sha: str, name: str) -> None:
        self.manifest.write(f"{sha}  {name}\n".encode())

    def add(self, name: str, data: bytes, compress: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self.zf.writestr(info, data)
        self._note(hashlib.sha256(data).hexdigest(), name)

    def add_stream(self, name: str, src: IO[bytes], *, listed: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zf.open(info, "w", force_zip64=True) as dst:
            hw = HashingWriter(dst)
            shutil.copyfileobj(src, hw, 1 << 20)
        if listed:
            self._note(hw.hexdigest(), name)

    def abort(self) -> None:
        """Give up (the caller deletes the file): never write to it again."""
        with contextlib.suppress(Exception):
            self.zf.close()
        self.zf.fp = None
        self.manifest.close()

    def close(self) -> None:
        self.manifest.seek(0)
        self.add_stream(MANIFEST_MEMBER, self.manifest, listed=False)
        self.manifest.close()
        self.zf.close()


def write_bundle(out: IO[bytes], archive: Archive, stream: RecordStream, selection: Selection,
                 title: str, warnings: list[str], spool_dir: Path) -> BundleCounts:
    z = _Zip(out, spool_dir)
    try:
        counts = _write_members(z, archive, stream, selection, title, warnings, spool_dir)
    except BaseException:
        z.abort()
        raise
    z.close()
    return counts


def _write_members(z: _Zip, archive: Archive, stream: RecordStream, selection: Selection,
                   title: str, warnings: list[str], spool_dir: Path) -> BundleCounts:
    counts = BundleCounts()
    with tempfile.TemporaryFile(dir=spool_dir, prefix=".cuttings-index-") as pages:
        _write_articles(z, archive, stream, selection, warnings, spool_dir, counts, pages)
        head = (page_head(title) + f"<h1>{esc(title)}</h1>"
                f'<p class="meta">{counts.articles} article(s). Raw snapshots are in '
                "<code>snapshots/</code>, images in <code>images/</code>; "
                f"<code>{MANIFEST_MEMBER}</code> lists the SHA-256 of every file.</p><ol>\n")
        pages.seek(0)
        z.add_stream("index.html", _Concat(head.encode(), pages,
                                           ("</ol>" + PAGE_TAIL).encode()))
    return counts


def _write_articles(z: _Zip, archive: Archive, stream: RecordStream, selection: Selection,
                    warnings: list[str], spool_dir: Path, counts: BundleCounts,
                    pages: IO[bytes]) -> None:
    done_snaps: set[str] = set()
    done_images: set[str] = set()
    taken: set[str] = set()

    def blob(sha: str, what: str, rec: dict[str, Any]) -> bytes:
        """The stored bytes, read back and checked against ``sha`` (``blobs.get``
        verifies every read). A bundle never leaves out evidence it names
        (docs/reliability.md J6): a missing or damaged copy stops the export."""
        try:
            data: bytes = archive.blobs.get(sha)
        except BlobMissingError as exc:
            raise ExportError(_unavailable(what, sha, rec, "is not in the archive (imported "
                                           "without it, or lost)")) from exc
        except (BlobCorruptError, ValueError) as exc:
            raise ExportError(_unavailable(what, sha, rec, "is damaged in the archive "
                                           "(`cuttings check` lists it)")) from exc
        return data

    def on_record(rec: dict[str, Any]) -> None:
        counts.articles += 1
        for cap in rec["captures"]:
            sha = cap["sha256"]
            if stream.include.snapshots and sha not in done_snaps:
                done_snaps.add(sha)
                z.add(f"snapshots/{sha}.html", blob(sha, "snapshot", rec))
                counts.snapshots += 1
            if stream.include.images:
                for a in cap["assets"]:
                    if a["sha256"] not in done_images:
                        done_images.add(a["sha256"])
                        z.add(f"images/{a['sha256']}", blob(a["sha256"], "image", rec),
                              compress=False)
                        counts.images += 1
        shown = image_types(rec) if stream.include.images else {}
        name = safe_filename(rec.get("title") or rec.get("site") or "article",
                             suffix=".html", taken=taken, max_bytes=72)
        member = f"articles/{rec['id']:05d}-{name}"

        def src(sha: str) -> str | None:
            return f"../images/{sha}" if sha in shown and sha in done_images else None

        html_page = (page_head(rec.get("title") or rec["url"])
                     + '<p><a href="../index.html">Index</a></p>\n'
                     + article_html(rec, src) + PAGE_TAIL)
        z.add(member, html_page.encode("utf-8", "replace"))
        counts.pages += 1
        pages.write((f'<li><a href="{esc(member)}">{esc(rec.get("title") or rec["url"])}</a> '
                     f'<span class="meta">{esc(rec.get("publisher") or "")}</span></li>\n')
                    .encode("utf-8", "replace"))

    with tempfile.TemporaryFile(dir=spool_dir, prefix=".cuttings-json-") as spool:
        write_json(spool, archive, stream, selection, on_record)
        spool.seek(0)
        z.add_stream(JSON_MEMBER, spool)


def _unavailable(what: str, sha: str, rec: dict[str, Any], why: str) -> str:
    return (f"the {what} {sha} of “{(rec.get('title') or rec['url'])[:120]}” {why}: no bundle "
            "was written. Leave that article out, or export without "
            f"{'snapshots' if what == 'snapshot' else 'images'} (--include)")


class _Concat:
    """A readable stream of bytes, a file, then bytes (for copyfileobj)."""

    def __init__(self, head: bytes, middle: IO[bytes], tail: bytes) -> None:
        self.parts: list[Any] = [io.BytesIO(head), middle, io.BytesIO(tail)]

    def read(self, n: int = -1) -> bytes:
        while self.parts:
            data = self.parts[0].read(n)
            if data:
                return data
            self.parts.pop(0)
        return b""


# --------------------------------------------------------------------------- reading


def unsafe_member_reason(name: str) -> str | None:
    """Why a member name must not be trusted, or None when it is safe."""
    if not name:
        return "an empty name"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return "control characters in the name"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"[A-Za-z]:", norm):
        return "an absolute path"
    if any(part == ".." for part in norm.split("/")):
        return "a path that climbs out of the bundle ('..')"
    return None


def special_member_kind(info: zipfile.ZipInfo) -> str | None:
    """"a symbolic link" (or another special file) when the member's Unix mode says
    so; None for plain files and folders (and members without a Unix mode)."""
    mode = (info.external_attr >> 16) & 0o170000
    if mode in (0, stat.S_IFREG, stat.S_IFDIR):
        return None
    if mode == stat.S_IFLNK:
        return "a symbolic link"
    return "a special file (device, pipe or socket)"


def check_members(zf: zipfile.ZipFile, name: str = "the bundle") -> list[zipfile.ZipInfo]:
    """The bundle's members, after refusing unsafe names, encryption and sizes."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ImportRefused(f"{name} has too many members ({len(infos)})")
    total = 0
    seen: set[str] = set()
    for info in infos:
        reason = unsafe_member_reason(info.filename)
        if reason:
            raise ImportRefused(f"{name}: member {info.filename[:200]!r} refused: {reason}")
        if info.filename in seen:
            raise ImportRefused(f"{name}: member {info.filename[:200]!r} appears twice")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise ImportRefused(f"{name}: member {info.filename[:200]!r} is encrypted")
        kind = special_member_kind(info)
        if kind:
            raise ImportRefused(f"{name}: member {info.filename[:200]!r} refused: it is {kind}, "
                                "not a file")
        if info.file_size > MAX_MEMBER:
            raise ImportRefused(f"{name}: member {info.filename[:200]!r} is too large "
                                f"({info.file_size} bytes; the limit is {MAX_MEMBER})")
        if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportRefused(f"{name}: member {info.filename[:200]!r} expands "
                                f"{info.file_size // max(info.compress_size, 1)}-fold "
                                "(a zip bomb?)")
        total += info.file_size
        if total > MAX_TOTAL:
            raise ImportRefused(f"{name} expands to more than {MAX_TOTAL} bytes; refused")
    return infos


def open_bundle(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportRefused(f"{path.name} is not a readable ZIP file: {exc}") from exc
    except OSError as exc:
        raise ImportRefused(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (and the cap)."""
    limit = min(info.file_size, MAX_MEMBER)
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportRefused(f"member {info.filename[:200]!r} is damaged: {exc}") from exc
    if len(data) > limit:
        raise ImportRefused(f"member {info.filename[:200]!r} is larger than declared")
    return data


def hash_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """SHA-256 of a member, streamed (damage raises :class:`ImportRefused`)."""
    sha = hashlib.sha256()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                sha.update(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportRefused(f"member {info.filename[:200]!r} is damaged: {exc}") from exc
    return sha.hexdigest()


def parse_manifest(data: bytes) -> tuple[dict[str, str], list[str]]:
    """(member -> sha256, problems) from ``manifest-sha256.txt``."""
    entries: dict[str, str] = {}
    problems: list[str] = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if not m:
            problems.append(f"{MANIFEST_MEMBER} line {n} is not '<sha256>  <path>'")
            continue
        entries[m.group(2)] = m.group(1)
    return entries, problems
