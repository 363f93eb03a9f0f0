"""WARC 1.1 export (gzip per record, via warcio) and its verifier.

Every capture becomes a ``request`` and a ``response`` record (stored headers and
raw body); images become request/response pairs too; the file starts with a
``warcinfo`` record and ends with a ``metadata`` record stating how many records
precede it. :func:`verify_warc` fully decompresses the file (a truncated gzip member
is an error, which warcio alone does not report), re-reads every record with
``check_digests="raise"`` reading each body to the end, and compares the record count
with the trailing count (or an expected one).

Thread rules: see :mod:`storage.export.common`.
"""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.blobs import BlobCorruptError, BlobMissingError
from storage.export.common import RecordStream

if TYPE_CHECKING:
    from storage.archive import Archive

log = logging.getLogger(__name__)

COUNT_PREFIX = "cuttings-record-count: "
COUNT_URI = "urn:cuttings:record-count"
#: Headers that described the transfer, not the stored (decoded) body.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def _clean_header(value: Any) -> str:
    return "".join(ch if ch >= " " or ch == "\t" else " " for ch in str(value or ""))


def _warc_date(iso_time: str) -> str:
    dt = datetime.fromisoformat(iso_time)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


class WarcSink:
    """Writes records for each article record; counts what it wrote."""

    def __init__(self, out: IO[bytes], archive: Archive, filename: str,
                 warnings: list[str], include_images: bool = True) -> None:
        self.archive = archive
        self.writer = WARCWriter(out, gzip=True, warc_version="1.1")
        self.warnings = warnings
        self.include_images = include_images
        self.records = 0
        self.captures = 0
        self.images = 0
        info = self.writer.create_warcinfo_record(filename, {
            "software": "Cuttings", "format": "WARC File Format 1.1",
            "description": "Press cuttings exported from a Cuttings archive"})
        self._write(info)

    def _write(self, record: Any) -> None:
        self.writer.write_record(record)
        self.records += 1

    def _pair(self, url: str, when: str, status: int, headers: list[tuple[str, str]],
              body: bytes) -> None:
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        date = _warc_date(when)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        http_headers = [(_clean_header(k), _clean_header(v)) for k, v in headers
                        if str(k).lower() not in _DROP_HEADERS]
        http_headers.append(("Content-Length", str(len(body))))
        resp = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(f"{status} {reason}", http_headers,
                                          protocol="HTTP/1.1"))
        req = self.writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0,
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID")},
            http_headers=StatusAndHeaders(f"GET {_clean_header(path)} HTTP/1.1",
                                          [("Host", _clean_header(parts.netloc))],
                                          is_http_request=True))
        self._write(req)
        self._write(resp)

    def _resource(self, uri: str, when: str, content_type: str, body: bytes) -> None:
        rec = self.writer.create_warc_record(
            uri, "resource", payload=io.BytesIO(body), length=len(body),
            warc_content_type=content_type or "application/octet-stream",
            warc_headers_dict={"WARC-Date": _warc_date(when)})
        self._write(rec)

    def _blob(self, sha: str, what: str) -> bytes | None:
        try:
            return self.archive.blobs.get(sha)
        except (BlobMissingError, BlobCorruptError, ValueError) as exc:
            self.warnings.append(f"{what} {sha[:12]}… left out of the WARC: {exc}")
            return None

    def add(self, rec: dict[str, Any]) -> None:
        for cap in rec.get("captures") or []:
            body = self._blob(cap["sha256"], "snapshot")
            if body is None:
                continue
            url = cap["final_url"]
            if _is_http(url):
                self._pair(url, cap["fetched_at"], int(cap.get("http_status") or 200),
                           [(h[0], h[1]) for h in cap.get("headers") or []], body)
            else:
                self._resource(url, cap["fetched_at"], cap.get("content_type") or "text/html",
                               body)
            self.captures += 1
            if not self.include_images:
                continue
            for asset in cap.get("assets") or []:
                if not _is_http(asset["url"]):
                    continue
                data = self._blob(asset["sha256"], "image")
                if data is None:
                    continue
                self._pair(asset["url"], cap["fetched_at"], 200,
                           [("Content-Type", asset.get("media_type") or
                             "application/octet-stream")], data)
                self.images += 1

    def finish(self) -> None:
        body = f"{COUNT_PREFIX}{self.records}\n".encode()
        rec = self.writer.create_warc_record(
            COUNT_URI, "metadata", payload=io.BytesIO(body), length=len(body),
            warc_content_type="text/plain")
        self._write(rec)


def write_warc(out: IO[bytes], archive: Archive, stream: RecordStream, filename: str,
               warnings: list[str]) -> WarcSink:
    sink = WarcSink(out, archive, filename, warnings, stream.include.images)
    for rec in stream:
        sink.add(rec)
    sink.finish()
    return sink


@dataclass
class WarcCheck:
    records: int = 0
    types: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_COUNT_RECORD_MAX = 4096  # the record-count record is one short line


def verify_warc(path: Path | str, expected_records: int | None = None) -> WarcCheck:
    """Re-read a WARC fully; every problem found is listed in ``problems``."""
    path = Path(path)
    check = WarcCheck()
    try:
        fh = path.open("rb")
    except OSError as exc:
        check.problems.append(f"cannot read {path}: {exc.strerror or exc}")
        return check
    with fh:
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        if gz:
            try:
                with gzip.open(fh) as z:
                    while z.read(1 << 20):
                        pass
            except (EOFError, OSError, zlib.error) as exc:
                check.problems.append(f"{path.name}: the compressed data is damaged or "
                                      f"truncated ({exc})")
            fh.seek(0)
        declared: int | None = None
        try:
            for record in ArchiveIterator(fh, check_digests="raise"):
                check.records += 1
                rtype = record.rec_type
                check.types[rtype] = check.types.get(rtype, 0) + 1
                # Streamed (the digest is checked at its end): a record may inflate to
                # any size; only the small record-count record is kept.
                stream = record.content_stream()
                counted = rtype == "metadata" and record.rec_headers.get_header(
                    "WARC-Target-URI") == COUNT_URI
                data = b""
                while counted and len(data) < _COUNT_RECORD_MAX:
                    chunk = stream.read(_COUNT_RECORD_MAX - len(data))
                    if not chunk:
                        break
                    data += chunk
                while stream.read(1 << 20):
                    pass
                if counted:
                    text = data.decode("utf-8", "replace").strip()
                    if text.startswith(COUNT_PREFIX):
                        try:
                            declared = int(text[len(COUNT_PREFIX):])
                        except ValueError:
                            check.problems.append(f"unreadable record count: {text[:80]!r}")
                        if declared is not None and declared != check.records - 1:
                            check.problems.append(
                                f"record count mismatch: {check.records - 1} records before "
                                f"the count record, which says {declared}")
        except Exception as exc:  # warcio raises many kinds for bad input
            check.problems.append(f"{path.name}: unreadable WARC after {check.records} "
                                  f"record(s): {type(exc).__name__}: {exc}")
    if expected_records is not None and check.records != expected_records:
        check.problems.append(f"expected {expected_records} records, read {check.records}")
    if declared is None and expected_records is None and not check.problems:
        check.problems.append(f"{path.name}: the closing record-count record is missing "
                              "(file truncated, or not written by Cuttings)")
    return check
