"""Fetch one web page (or one image) safely: the only module that talks HTTP.

:class:`Fetcher` wraps one :class:`requests.Session` and adds what requests
does not do (docs/reliability.md §1 "requests", §2):

* redirects followed by hand, at most ``max_redirects``; every hop is checked
  by the URL rules (:func:`capture.urls.normalise`) and by the address policy
  (:class:`capture.netpolicy.AddressPolicy`), both on the resolved name before
  connecting and on the socket actually connected;
* a wall-clock deadline per page (requests' timeouts are per socket read, so a
  server trickling one byte a second would otherwise never end): a watchdog
  thread shuts the socket down when the deadline passes or the cancel event is
  set, so a blocked read returns at once;
* retries with exponential back-off on connection errors, 429 and 502/503/504,
  honouring ``Retry-After`` up to ``max_retry_after`` and never past the deadline;
* a cap on *decoded* bytes (compression bombs included; Content-Length is not
  trusted), truncated bodies refused, HTML checked by Content-Type *and* by the
  first bytes, and the charset decided from the bytes (:func:`capture.charset.decode_html`, web
  labels only), never by ``response.text``;
* a ``Content-Encoding`` this client cannot decode (anything but gzip, deflate, br and,
  when zstandard is installed, zstd) refused as ``unsupported_encoding``, never stored
  as a page of compressed bytes;
* download progress for a page: ``fetch(url, on_progress=f)`` calls
  ``f(received, total)`` on the fetching thread with the bytes received so far on the
  wire and the Content-Length (None when the server does not announce one), at most
  once per :data:`PROGRESS_INTERVAL` seconds (so a fast download does not flood a GUI
  with events) and once more when the body is complete.

Thread rules: one :class:`Fetcher` serves many worker threads at once. They
share one ``requests.Session`` and its one HTTP adapter, so keep-alive
connections are pooled across workers (urllib3 pools are thread-safe; a session
per thread via ``threading.local`` would multiply the pools and leave sessions
unclosed when worker threads end). The session is never mutated after
construction and is used only to prepare requests (which reads its headers);
requests go straight to the adapter, bypassing ``Session.send``'s redirect and
cookie machinery. Its cookie jar refuses every cookie, and each fetch carries its
own jar, so concurrent fetches share no state and a cookie set by one site
during its redirect dance never leaks into another fetch. Proxies and
``.netrc`` from the environment are ignored (``trust_env = False``): the address
policy must judge the real target. Call :meth:`Fetcher.close` once, after the
workers are done.

The body is read with urllib3's ``raw.stream`` (what ``iter_content`` uses)
rather than ``iter_content`` itself, because ``iter_content`` turns a read
timeout into a generic ``ConnectionError`` and hides which fault happened.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util.connection import create_connection

from capture.bounded_read import format_mb
from capture.charset import BOMS as _BOMS
from capture.charset import decode_html
from capture.image_magic import raster_format
from capture.netpolicy import AddressBlocked, AddressPolicy, IPAddress, ResolveError, numeric_host
from capture.settings import Settings
from capture.types import AssetResult, FetchResult
from capture.urls import UrlError, normalise

log = logging.getLogger(__name__)

CHUNK_SIZE = 16 * 1024  # decoded bytes per read; the cap is checked after each
SNIFF_BYTES = 4096  # how much of the body the magic-byte checks look at
PROGRESS_INTERVAL = 0.1  # seconds between two download progress calls (at most 10 a second)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Content types that say nothing: the first bytes decide.
UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream", "unknown/unknown",
                     "application/unknown", "*/*"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_BACKOFF = 10.0

ERROR_CODES = (
    "invalid_url", "blocked_address", "dns", "connection", "tls", "timeout", "deadline",
    "too_many_redirects", "bad_redirect", "http_error", "too_large", "not_html", "not_image",
    "truncated", "cancelled", "unsupported_encoding",
)
_RETRYABLE_CODES = frozenset({"dns", "connection", "timeout", "deadline"})

#: ``on_progress(received, total)``: bytes received so far (as sent, before any
#: decompression, like Content-Length) and the announced Content-Length or None.
ProgressCallback = Callable[[int, int | None], None]


class FetchError(Exception):
    """A fetch that did not give a usable page.

    ``code`` is one of :data:`ERROR_CODES`; ``message`` (also ``str(err)``) is one
    line a journalist understands; ``redirects`` is the chain followed before the
    failure as ``[(url, status), ...]``; ``status`` the HTTP status when there was one.
    """

    def __init__(self, code: str, message: str, *, redirects: list[tuple[str, int]] | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.redirects = list(redirects or [])
        self.status = status

    @property
    def retryable(self) -> bool:
        """Whether trying again later may help (network trouble, 429, 5xx)."""
        if self.code == "http_error":
            return self.status is not None and (self.status == 429 or self.status >= 500)
        return self.code in _RETRYABLE_CODES

    def __repr__(self) -> str:
        return f"FetchError({self.code!r}, {self.message!r}, status={self.status!r})"


def _short(url: str, limit: int = 100) -> str:
    url = re.sub(r"[\x00-\x1f\x7f]", " ", url)
    return url if len(url) <= limit else url[: limit - 1] + "…"


# --------------------------------------------------------------------------------------
# Content-Encoding
# --------------------------------------------------------------------------------------

# What urllib3 decodes here: gzip and deflate always, br with the brotli library (a
# dependency), zstd only when zstandard happens to be installed. Decoding is streamed
# and bounded by the decoded-size cap whichever it is.
_DECODABLE = frozenset(BaseHTTPResponse.CONTENT_DECODERS) | {"identity"}


def unsupported_encoding(header: str | None) -> str | None:
    """The refusal for a ``Content-Encoding`` this client cannot decode, else None.

    Without this, urllib3 passes an encoding it has no decoder for through as it is,
    and the compressed bytes would be stored as an "ok" page of garbage.
    """
    if not header:
        return None
    tokens = [t.strip().lower() for t in header.split(",")]
    unknown = [t for t in tokens if t and t not in _DECODABLE]
    if not unknown:
        return None
    shown = re.sub(r"[^\x21-\x7e]", "?", ", ".join(unknown))[:60]
    return f"unsupported content encoding: the site compressed the page as {shown}"


# --------------------------------------------------------------------------------------
# Magic bytes
# --------------------------------------------------------------------------------------

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"BZh", "a bzip2 file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"\x28\xb5\x2f\xfd", "a zstd file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"\x7fELF", "a program"),
    (b"wOFF", "a font"),
    (b"wOF2", "a font"),
    (b"OggS", "an audio file"),
    (b"ID3", "an MP3 file"),
    (b"fLaC", "an audio file"),
    (b"\x1a\x45\xdf\xa3", "a video"),
    (b"%!PS", "a PostScript document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"BM", "a bitmap image"),
)
_HTML_STARTS = (
    "<!doctype html", "<html", "<head", "<body", "<!--", "<meta", "<title", "<script",
    "<style", "<?xml", "<div", "<p>", "<p ", "<table", "<h1", "<h2", "<a ", "<br",
    "<iframe", "<b>", "<font", "<link", "<base", "<article", "<main", "<section",
    "<header", "<nav", "<!doctype",
)


def binary_kind(prefix: bytes) -> str | None:
    """What a well-known binary format looks like from its first bytes, or None."""
    for data in (prefix, prefix.lstrip(b" \t\r\n")):
        for magic, what in _BINARY_MAGIC:
            if data.startswith(magic):
                return what
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "a WebP image"
        if data[:4] == b"RIFF":
            return "an audio or video file"
        if data[4:8] == b"ftyp":
            return "a video or image (MP4, AVIF or HEIC)"
    return None


def _text_start(prefix: bytes) -> str:
    for bom, codec in _BOMS:
        if prefix.startswith(bom):
            return prefix[len(bom):].decode(codec, "ignore").lstrip().lower()
    return prefix.decode("utf-8", "ignore").lstrip().lower()


def looks_like_html(prefix: bytes) -> bool:
    """WHATWG-style sniffing of an untyped body (an empty body counts as HTML)."""
    start = _text_start(prefix)
    return not start or start.startswith(_HTML_STARTS)


def image_type(prefix: bytes) -> str | None:
    """The media type of an image from its first bytes, or None when it is not
    PNG, JPEG, GIF, WebP, AVIF or SVG."""
    raster = raster_format(prefix)
    if raster:
        return f"image/{raster}"
    start = _text_start(prefix[:SNIFF_BYTES])
    if start.startswith(("<svg", "<?xml", "<!--", "<!doctype svg")) and "<svg" in start:
        return "image/svg+xml"
    return None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


# --------------------------------------------------------------------------------------
# Deadline and cancel: a watchdog that shuts sockets down
# --------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Job:
    """One fetch in progress on one thread."""

    deadline: float
    cancel: threading.Event | None
    after_public: bool = False
    reason: str | None = None  # "deadline" or "cancelled" once the watchdog fired
    retry_note: str = ""  # why the last HTTP answer was not retried further, for the message
    pinned: dict[tuple[str, int], list[IPAddress]] = field(default_factory=dict)  # vetted addresses
    sockets: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    progress: _Progress | None = None  # the page's download progress, when asked for

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            if self.reason is None:
                if sock not in self.sockets:
                    self.sockets.append(sock)
                return
        _shutdown(sock)

    def fire(self, reason: str) -> None:
        with self.lock:
            if self.reason is not None:
                return
            self.reason = reason
            sockets, self.sockets = self.sockets, []
        log.debug("watchdog: %s, shutting down %d socket(s)", reason, len(sockets))
        for sock in sockets:
            _shutdown(sock)


class _Progress:
    """Download progress of one body, throttled: :meth:`update` passes at most one call
    per ``interval`` seconds to the callback, :meth:`done` always passes. Fetching
    thread only. A failing callback is logged, never fails the fetch."""

    def __init__(self, callback: ProgressCallback, interval: float = PROGRESS_INTERVAL) -> None:
        self.callback = callback
        self.interval = interval
        self.total: int | None = None
        self._last = -float("inf")

    def start(self, total: int | None) -> None:
        self.total = total
        self._last = -float("inf")
        self.update(0)

    def update(self, received: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._call(received)

    def done(self, received: int) -> None:
        self._last = time.monotonic()
        self._call(received)

    def _call(self, received: int) -> None:
        try:
            self.callback(received, self.total)
        except Exception:  # noqa: BLE001 - a progress display must not fail a capture
            log.exception("download progress listener failed")


def _shutdown(sock: socket.socket) -> None:
    # The base-class method: ssl.SSLSocket.shutdown would also drop its SSL object
    # under the feet of the thread that is reading.
    with contextlib.suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """A daemon thread that fires jobs whose deadline passed or whose cancel event
    is set. It sleeps until the nearest deadline, polling cancel events every 50 ms
    while a job that has one is running."""

    POLL = 0.05

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: set[_Job] = set()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, job: _Job) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the fetcher is closed")
            self._jobs.add(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cuttings-fetch-watchdog",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, job: _Job) -> None:
        with self._cond:
            self._jobs.discard(job)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                wait: float | None = None
                for job in list(self._jobs):
                    if job.reason is not None:
                        continue
                    if job.cancel is not None and job.cancel.is_set():
                        job.fire("cancelled")
                    elif now >= job.deadline:
                        job.fire("deadline")
                    else:
                        left = job.deadline - now
                        if job.cancel is not None:
                            left = min(left, self.POLL)
                        wait = left if wait is None else min(wait, left)
                self._cond.wait(wait)


_current = threading.local()  # .job: the _Job of the fetch running on this thread


def _current_job() -> _Job | None:
    return getattr(_current, "job", None)


def _host_key(host: str, port: int) -> tuple[str, int]:
    return host.strip("[]").rstrip(".").lower(), int(port)


# --------------------------------------------------------------------------------------
# Connections that check the address they reach
# --------------------------------------------------------------------------------------

class _GuardMixin:
    """Connects to the addresses the running job vetted (no second DNS lookup, so
    no rebinding between check and connect, and no lookup outside the deadline),
    checks the peer address against the policy once more, and hands the socket to
    the job so the watchdog can end a blocked read."""

    cuttings_policy: AddressPolicy = AddressPolicy()
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    sock: socket.socket | None

    def _new_conn(self) -> socket.socket:
        job = _current_job()
        pinned = job.pinned.get(_host_key(self.host, self.port)) if job is not None else None
        sock = self._connect_pinned(pinned) if pinned else super()._new_conn()  # type: ignore[misc]
        try:
            peer = sock.getpeername()
            self.cuttings_policy.check_peer(self.host, str(peer[0]), int(peer[1]),
                                            after_public=job.after_public if job else False)
        except BaseException:
            sock.close()
            raise
        if job is not None:
            job.attach(sock)
        return sock

    def _connect_pinned(self, addresses: list[IPAddress]) -> socket.socket:
        # urllib3's own _new_conn, aimed at vetted IPs; its exceptions keep requests'
        # mapping (ConnectTimeout, ConnectionError). At most three addresses are tried.
        error: Exception | None = None
        for ip in addresses[:3]:
            try:
                sock = create_connection((str(ip), self.port), self.timeout,
                                         source_address=self.source_address,
                                         socket_options=self.socket_options)
            except TimeoutError:
                error = ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})")
            except OSError as err:
                error = NewConnectionError(self, f"Failed to establish a new connection: {err}")
            else:
                sys.audit("http.client.connect", self, self.host, self.port)
                return sock
        assert error is not None
        raise error

    def getresponse(self) -> Any:
        job = _current_job()
        if job is not None:
            job.attach(self.sock)
        return super().getresponse()  # type: ignore[misc]


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        attrs = {"cuttings_policy": policy}
        http_conn = type("GuardedHTTPConnection", (_GuardMixin, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (_GuardMixin, HTTPSConnection), attrs)
        self._pool_classes = {
            "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,),
                         {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,),
                          {"ConnectionCls": https_conn}),
        }
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pool_classes)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        raise AddressBlocked("blocked: proxies are not supported")


# --------------------------------------------------------------------------------------
# Fetcher
# --------------------------------------------------------------------------------------

@dataclass
class _Download:
    requested_url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    content_type: str
    body: bytes
    redirects: list[tuple[str, int]]


_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif,image/svg+xml;q=0.9,*/*;q=0.5"


class Fetcher:
    """Fetches pages and images under the settings' limits and address policy.

    Safe to use from many threads at once (see the module docstring).
    ``policy`` defaults to ``AddressPolicy(settings.allow_local_network)``;
    ``ca_bundle`` replaces the system certificates (tests); ``backoff`` is the
    first retry wait in seconds (doubled on each retry, with ±20 % jitter).
    """

    def __init__(self, settings: Settings, *, policy: AddressPolicy | None = None,
                 ca_bundle: str | None = None, backoff: float = 0.5) -> None:
        self.settings = settings
        self.policy = policy or AddressPolicy(allow_local_network=settings.allow_local_network)
        self.backoff = backoff
        self._watchdog = _Watchdog()
        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = settings.user_agent
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        if ca_bundle is not None:
            session.verify = ca_bundle
        adapter = _GuardedAdapter(self.policy, pool_connections=16,
                                  pool_maxsize=max(4, settings.workers), max_retries=0)
        session.adapters.clear()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._session = session
        self._adapter = adapter
        # Name lookups run here so that the deadline and the cancel event bound them
        # (getaddrinfo itself cannot be interrupted; a stuck lookup ends on its own).
        self._resolver = ThreadPoolExecutor(max_workers=max(2, settings.workers),
                                            thread_name_prefix="cuttings-dns")
        self._closed = False

    # public API -----------------------------------------------------------------------

    def fetch(self, url: str, *, cancel: threading.Event | None = None,
              on_progress: ProgressCallback | None = None) -> FetchResult:
        """Fetch one HTML page. Raises :class:`FetchError`; never returns a partial page.

        ``on_progress(received, total)`` follows the body's download, throttled (see
        the module docstring); it is called on this thread."""
        started = time.monotonic()
        dl = self._download(url, cancel=cancel, max_bytes=self.settings.max_page_bytes,
                            accept=_PAGE_ACCEPT, referer=None, check_type=self._check_page_type,
                            check_bytes=self._check_page_bytes, what="page",
                            progress=_Progress(on_progress) if on_progress else None)
        html, encoding = decode_html(dl.body, dl.content_type)
        log.info("fetched %s: %d bytes, %s, %.2f s", dl.final_url, len(dl.body), encoding,
                 time.monotonic() - started)
        return FetchResult(
            requested_url=dl.requested_url,
            final_url=dl.final_url,
            status=dl.status,
            headers=dl.headers,
            body=dl.body,
            sha256=hashlib.sha256(dl.body).hexdigest(),
            fetched_at=datetime.now(UTC),
            content_type=dl.content_type,
            encoding=encoding,
            html=html,
            redirects=dl.redirects,
            local_network_allowed=self.policy.allow_local_network,
        )

    def fetch_asset(self, url: str, *, referer: str | None, max_bytes: int,
                    cancel: threading.Event | None = None) -> AssetResult:
        """Fetch one image (PNG, JPEG, GIF, WebP, AVIF or SVG, judged by its bytes)
        under the same policy, deadline and redirect rules. Raises :class:`FetchError`
        (``not_image`` for anything else, ``too_large`` over ``max_bytes``)."""
        dl = self._download(url, cancel=cancel, max_bytes=max_bytes, accept=_IMAGE_ACCEPT,
                            referer=referer, check_type=self._check_image_type,
                            check_bytes=self._check_image_bytes, what="image")
        media_type = image_type(dl.body[:SNIFF_BYTES]) or _media_type(dl.content_type)
        return AssetResult(url=dl.requested_url, final_url=dl.final_url, media_type=media_type,
                           body=dl.body, sha256=hashlib.sha256(dl.body).hexdigest())

    def close(self) -> None:
        """Release the connection pools and stop the watchdog. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._session.close()
        self._watchdog.close()
        self._resolver.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # content checks --------------------------------------------------------------------

    @staticmethod
    def _check_page_type(media: str) -> str | None:
        if media in HTML_TYPES or media in UNTYPED:
            return None
        return f"not an HTML page: the site sent {media}"

    @staticmethod
    def _check_page_bytes(prefix: bytes, media: str) -> str | None:
        kind = binary_kind(prefix)
        if kind is not None:
            return f"not an HTML page: the data is {kind}"
        if media in UNTYPED and not looks_like_html(prefix):
            return "not an HTML page: no content type, and the data does not look like HTML"
        return None

    @staticmethod
    def _check_image_type(media: str) -> str | None:
        if media.startswith("image/") or media in UNTYPED:
            return None
        return f"not an image: the site sent {media}"

    @staticmethod
    def _check_image_bytes(prefix: bytes, media: str) -> str | None:
        if image_type(prefix) is None:
            kind = binary_kind(prefix)
            return f"not a supported image: the data is {kind or 'not PNG, JPEG, GIF, WebP, AVIF or SVG'}"
        return None

    # the download loop -----------------------------------------------------------------

    @contextlib.contextmanager
    def _running(self, job: _Job) -> Iterator[None]:
        previous = _current_job()
        _current.job = job
        self._watchdog.add(job)
        try:
            yield
        finally:
            self._watchdog.remove(job)
            _current.job = previous

    def _stopped(self, job: _Job, redirects: list[tuple[str, int]]) -> FetchError | None:
        if job.reason == "cancelled" or (job.cancel is not None and job.cancel.is_set()):
            return FetchError("cancelled", "cancelled", redirects=redirects)
        if job.reason == "deadline" or time.monotonic() >= job.deadline:
            return FetchError(
                "deadline",
                f"gave up after {self.settings.total_deadline:g} s: the site was too slow "
                "(deadline per page)",
                redirects=redirects,
            )
        return None

    def _download(self, url: str, *, cancel: threading.Event | None, max_bytes: int, accept: str,
                  referer: str | None, check_type: Callable[[str], str | None],
                  check_bytes: Callable[[bytes, str], str | None], what: str,
                  progress: _Progress | None = None) -> _Download:
        if self._closed:
            raise RuntimeError("the fetcher is closed")
        try:
            current = normalise(url)
        except UrlError as err:
            raise FetchError("invalid_url", str(err)) from None
        requested = current
        redirects: list[tuple[str, int]] = []
        job = _Job(deadline=time.monotonic() + self.settings.total_deadline, cancel=cancel,
                   progress=progress)
        jar = RequestsCookieJar()
        headers = {"Accept": accept}
        if referer:
            headers["Referer"] = referer
        after_public = False
        with self._running(job):
            while True:
                stop = self._stopped(job, redirects)
                if stop:
                    raise stop
                parts = urlsplit(current)
                host = parts.hostname or ""
                port = parts.port or (443 if parts.scheme == "https" else 80)
                try:
                    public, addresses = self._vet(host, port, after_public, job, redirects)
                except AddressBlocked as err:
                    raise FetchError("blocked_address", str(err), redirects=redirects) from None
                except ResolveError as err:
                    raise FetchError("dns", str(err), redirects=redirects) from None
                job.after_public = after_public
                job.pinned[_host_key(host, port)] = addresses
                resp = self._request(current, job, jar, headers, redirects)
                status = resp.status_code
                location = resp.headers.get("Location")
                if status in REDIRECT_STATUSES and location:
                    resp.close()
                    redirects.append((current, status))
                    if len(redirects) > self.settings.max_redirects:
                        raise FetchError(
                            "too_many_redirects",
                            f"too many redirects: more than {self.settings.max_redirects} "
                            f"(last one to {_short(location)})",
                            redirects=redirects, status=status)
                    with contextlib.suppress(UnicodeError):
                        location = location.encode("latin-1").decode("utf-8")
                    try:
                        current = normalise(urljoin(current, location.strip()))
                    except ValueError as err:  # UrlError, or urljoin's "Invalid IPv6 URL"
                        raise FetchError("bad_redirect", f"redirected to an address that cannot "
                                         f"be captured ({err})", redirects=redirects,
                                         status=status) from None
                    after_public = after_public or public
                    log.debug("redirect %d to %s", status, current)
                    continue
                try:
                    return self._finish(resp, job, requested, current, redirects, max_bytes,
                                        check_type, check_bytes, what)
                finally:
                    resp.close()

    def _vet(self, host: str, port: int, after_public: bool, job: _Job,
             redirects: list[tuple[str, int]]) -> tuple[bool, list[IPAddress]]:
        """The policy's verdict on ``host``, the lookup bounded by deadline and cancel."""
        if numeric_host(host) is not None:
            return self.policy.vet(host, port, after_public=after_public)
        future = self._resolver.submit(self.policy.vet, host, port, after_public=after_public)
        while True:
            left = job.deadline - time.monotonic()
            step = min(left, _Watchdog.POLL) if job.cancel is not None else left
            try:
                return future.result(timeout=max(0.0, step))
            except TimeoutError:
                stop = self._stopped(job, redirects)
                if stop:
                    future.cancel()
                    raise stop from None

    def _finish(self, resp: requests.Response, job: _Job, requested: str, current: str,
                redirects: list[tuple[str, int]], max_bytes: int,
                check_type: Callable[[str], str | None],
                check_bytes: Callable[[bytes, str], str | None], what: str) -> _Download:
        status = resp.status_code
        if not 200 <= status < 300:
            reason = _short(resp.reason or "", 60)
            note = job.retry_note if status in RETRY_STATUSES else ""
            message = (f"the site answered HTTP {status} {reason}".rstrip() + note
                       if status >= 400 else f"unexpected answer from the site: HTTP {status}")
            raise FetchError("http_error", message, redirects=redirects, status=status)
        content_type = resp.headers.get("Content-Type", "")
        media = _media_type(content_type)
        problem = check_type(media)
        if problem:
            raise FetchError("not_html" if what == "page" else "not_image", problem,
                             redirects=redirects, status=status)
        problem = unsupported_encoding(resp.headers.get("Content-Encoding"))
        if problem:
            raise FetchError("unsupported_encoding", problem, redirects=redirects, status=status)
        declared = resp.headers.get("Content-Length", "")
        if (declared.isdigit() and int(declared) > max_bytes
                and not resp.headers.get("Content-Encoding")):
            raise FetchError("too_large", f"{what} too large: {format_mb(int(declared))} announced, "
                             f"more than {format_mb(max_bytes)}", redirects=redirects, status=status)
        body = self._read_body(resp, job, redirects, max_bytes, media, check_bytes, what, status)
        headers = [(str(k), str(v)) for k, v in resp.raw.headers.items()]
        return _Download(requested_url=requested, final_url=current, status=status,
                         headers=headers, content_type=content_type, body=body,
                         redirects=redirects)

    def _read_body(self, resp: requests.Response, job: _Job, redirects: list[tuple[str, int]],
                   max_bytes: int, media: str, check_bytes: Callable[[bytes, str], str | None],
                   what: str, status: int) -> bytes:
        body = bytearray()
        checked = False
        progress = job.progress
        if progress is not None:
            declared = resp.headers.get("Content-Length", "").strip()
            progress.start(int(declared) if declared.isdigit() else None)

        def fail(code: str, message: str) -> FetchError:
            return self._stopped(job, redirects) or FetchError(code, message, redirects=redirects,
                                                               status=status)

        try:
            for chunk in resp.raw.stream(CHUNK_SIZE, decode_content=True):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError("too_large", f"{what} too large: more than {format_mb(max_bytes)} "
                                     "after decompression", redirects=redirects, status=status)
                if not checked and len(body) >= SNIFF_BYTES:
                    checked = True
                    problem = check_bytes(bytes(body[:SNIFF_BYTES]), media)
                    if problem:
                        raise FetchError("not_html" if what == "page" else "not_image", problem,
                                         redirects=redirects, status=status)
                stop = self._stopped(job, redirects)
                if stop:
                    raise stop
                if progress is not None:
                    progress.update(resp.raw.tell())
        except ReadTimeoutError:
            raise fail("timeout", f"the site stopped sending data for more than "
                       f"{self.settings.read_timeout:g} s") from None
        except ProtocolError as err:
            log.info("body of %s broken: %s", resp.url, err)
            raise fail("truncated", f"the {what} arrived incomplete: the connection closed before "
                       "the end") from None
        except DecodeError:
            raise fail("truncated", f"the {what} arrived damaged: its compression is "
                       "corrupt") from None
        except OSError as err:
            log.info("reading %s failed: %s", resp.url, err)
            raise fail("connection", f"the connection broke while reading the {what}") from None
        stop = self._stopped(job, redirects) if job.reason else None
        if stop:
            raise stop
        if not checked:
            problem = check_bytes(bytes(body[:SNIFF_BYTES]), media)
            if problem:
                raise FetchError("not_html" if what == "page" else "not_image", problem,
                                 redirects=redirects, status=status)
        if progress is not None:
            progress.done(resp.raw.tell())
        return bytes(body)

    # one request, with retries -----------------------------------------------------------

    def _retry_after(self, resp: requests.Response) -> float | None:
        value = (resp.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF, self.backoff * (2 ** attempt)) * random.uniform(0.8, 1.2)

    def _pause(self, job: _Job, seconds: float, redirects: list[tuple[str, int]]) -> None:
        event = job.cancel if job.cancel is not None else threading.Event()
        if event.wait(seconds):
            raise FetchError("cancelled", "cancelled", redirects=redirects)

    def _request(self, url: str, job: _Job, jar: RequestsCookieJar, headers: dict[str, str],
                 redirects: list[tuple[str, int]]) -> requests.Response:
        attempt = 0
        host = urlsplit(url).hostname or url
        while True:
            stop = self._stopped(job, redirects)
            if stop:
                raise stop
            remaining = max(0.05, job.deadline - time.monotonic())
            timeout = (min(self.settings.connect_timeout, remaining),
                       min(self.settings.read_timeout, remaining))
            error: FetchError
            try:
                # Straight to the adapter: Session.send would parse the next redirect's
                # Location eagerly (raising on a malformed one) and follow nothing we need.
                prepared = self._session.prepare_request(
                    requests.Request("GET", url, headers=headers, cookies=jar))
                resp = self._adapter.send(prepared, stream=True, timeout=timeout,
                                          verify=self._session.verify, cert=None, proxies={})
            except AddressBlocked as err:
                raise FetchError("blocked_address", str(err), redirects=redirects) from None
            except requests.exceptions.SSLError as err:
                raise self._stopped(job, redirects) or FetchError(
                    "tls", f"secure connection to {host} failed: {_tls_reason(err)}",
                    redirects=redirects) from None
            except requests.exceptions.ConnectTimeout:
                error = FetchError("timeout", f"could not connect to {host} within "
                                   f"{timeout[0]:g} s", redirects=redirects)
            except requests.exceptions.ReadTimeout:
                raise self._stopped(job, redirects) or FetchError(
                    "timeout", f"{host} did not answer within {timeout[1]:g} s",
                    redirects=redirects) from None
            except requests.exceptions.ConnectionError as err:
                error = _connection_error(err, host, redirects)
            except requests.exceptions.RequestException as err:
                log.info("request to %s failed: %r", url, err)
                raise self._stopped(job, redirects) or FetchError(
                    "connection", f"could not fetch from {host}: {type(err).__name__}",
                    redirects=redirects) from None
            else:
                extract_cookies_to_jar(jar, resp.request, resp.raw)
                job.retry_note = f" (after {attempt} retries)" if attempt else ""
                if resp.status_code in RETRY_STATUSES and attempt < self.settings.retries:
                    wait = self._retry_after(resp)
                    if wait is None:
                        wait = self._backoff(attempt)
                    elif wait > self.settings.max_retry_after:
                        log.info("%s asks to retry after %g s: not waiting", url, wait)
                        job.retry_note = (f" (it asks to retry after {wait:.0f} s, more than "
                                          f"the {self.settings.max_retry_after:g} s allowed)")
                        return resp
                    if time.monotonic() + wait >= job.deadline:
                        job.retry_note = " (no time left to retry before the deadline)"
                    else:
                        log.info("HTTP %d from %s, retry in %.2f s", resp.status_code, url, wait)
                        resp.close()
                        self._pause(job, wait, redirects)
                        attempt += 1
                        continue
                return resp
            # A connection-level failure: retry after a back-off, within the deadline.
            stop = self._stopped(job, redirects)
            if stop:
                raise stop
            if attempt >= self.settings.retries:
                raise error
            wait = self._backoff(attempt)
            if time.monotonic() + wait >= job.deadline:
                raise error
            log.info("%s; retry in %.2f s", error.message, wait)
            self._pause(job, wait, redirects)
            attempt += 1


def _tls_reason(err: Exception) -> str:
    text = str(err)
    match = re.search(r"certificate verify failed: ([^()'\"]+)", text)
    if match:
        return "certificate not accepted (" + match.group(1).strip().rstrip(".,") + ")"
    match = re.search(r"Hostname mismatch[^'\"()]*", text)
    if match:
        return "certificate is for another site (" + match.group(0).strip().rstrip(".,") + ")"
    return _short(text, 120)


def _connection_error(err: Exception, host: str, redirects: list[tuple[str, int]]) -> FetchError:
    text = str(err)
    if "NameResolutionError" in text or "Name or service not known" in text:
        return FetchError("dns", f"could not resolve host {host}", redirects=redirects)
    if "Connection refused" in text:
        return FetchError("connection", f"could not connect to {host}: connection refused",
                          redirects=redirects)
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return FetchError("connection", f"{host} closed the connection without answering",
                          redirects=redirects)
    log.info("connection to %s failed: %s", host, text)
    return FetchError("connection", f"could not connect to {host}", redirects=redirects)
