"""The one way Cuttings turns archived image bytes into pixels it can show.

Rule (docs/reliability.md J2): archived images are decoded with no access to any file
or URL, bounded in time and memory, and never by a decoder in the window's process.
Every ``QImage`` shown from archived bytes (reader figures, photo-credit thumbnails)
comes from :func:`decode_archived`; nothing else in ``desktop/`` runs a Qt image
decoder on them (a test scans the code).

How: the bytes go to a decoder process (:mod:`desktop.image_worker`) that picks the
format from the bytes (PNG, JPEG, GIF, WebP; SVG only after it was rebuilt with no
outside reference by :mod:`desktop.svg_sanitize`), runs under its own address space and
CPU limits, and answers with plain pixels. This side waits at most :data:`ROUND_TIMEOUT`
per round and :data:`DEADLINE` in all, kills a process whose round overstays, marks the
image it was working on as refused and decodes the rest in a new process. An image
that did not decode is left out (the reader shows the others; the photo-credit list
says "(no image)"). Results, refusals included, are cached by content hash, so opening
an article again costs nothing.

The decoder processes are persistent (:mod:`desktop.decoder_process`): started once
(:func:`prestart` when the window opens, else by the first article with images),
reused by the next articles, replaced after a kill, a crash or many images, and stopped
by :func:`shutdown` when the window closes. Starting Python and Qt costs 0.15-0.35 s
per process; a warm one decodes a 1000x667 PNG in about 10 ms, three of them and an SVG
in about 22 ms (``benchmarks/reader_images.py``).

Why a process and not a thread: measured with PySide6 6.11, a 1.2 KB SVG of nested
``<use>`` rendered for 23 s in QtSvg, 5.8 MB of rectangles for 13 s, and 90 KB of
blurred rectangles froze the old reader for 50 s; a C++ render cannot be interrupted,
and earlier Qt's SVG decoder in a worker thread deadlocked the GUI thread on the GIL.

Thread rules: :func:`decode_archived` blocks (worker threads; in tests also the GUI
thread) and touches no Qt object; up to :data:`desktop.decoder_process.POOL_SIZE` calls
decode at once, the others wait for a process (within their deadline);
:func:`prestart` and :func:`shutdown` never wait for a decoding (any thread); :meth:`DecodedImage.to_qimage` builds a ``QImage`` from
plain bytes (any thread; the reader does it on the GUI thread).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtGui import QImage

from desktop.decoder_process import DecoderPool, DecoderShutDown, Pixels
from desktop.image_worker import FORMATS, sniff

log = logging.getLogger(__name__)

MAX_IMAGE_WIDTH = 680
MAX_IMAGE_HEIGHT = 8 * MAX_IMAGE_WIDTH
ROUND_TIMEOUT = 10.0  # seconds one decoder process may run
DEADLINE = 20.0  # seconds for all the images of one call
CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class DecodedImage:
    """Pixels from the decoder: ``width*height*4`` bytes, ARGB32 premultiplied."""

    width: int
    height: int
    pixels: bytes

    def to_qimage(self) -> QImage:
        image = QImage(self.pixels, self.width, self.height, self.width * 4,
                       QImage.Format.Format_ARGB32_Premultiplied)
        return image.copy()  # own the pixels (the wrapper above only borrows them)


class _Cache:
    """Content hash -> DecodedImage or None (refused); least recently used goes first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._size = 0
        self._items: OrderedDict[tuple[str, int, int], DecodedImage | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> tuple[bool, DecodedImage | None]:
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key: tuple[str, int, int], value: DecodedImage | None) -> None:
        size = len(value.pixels) if value else 0
        if size > self._limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= len(old.pixels) if old else 0
            self._items[key] = value
            self._size += size
            while self._size > self._limit or len(self._items) > 10_000:
                _key, dropped = self._items.popitem(last=False)
                self._size -= len(dropped.pixels) if dropped else 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


_cache = _Cache(CACHE_BYTES)


def clear_cache() -> None:
    """Forget every decoded image (tests; nothing else needs it)."""
    _cache.clear()


_pool = DecoderPool()
atexit.register(_pool.shutdown)  # a backstop: the window shuts it down when it closes


def prestart() -> None:
    """Start a decoder process now, so that the first article with images does not wait
    for Python and Qt to load (the window calls it once it is shown; never waits)."""
    _pool.prestart()


def shutdown() -> None:
    """Stop the decoder processes and reap them (the window closing). A later call of
    :func:`decode_archived` starts a new one."""
    _pool.shutdown()


def decoder_pids() -> list[int]:
    """Ids of the decoder processes running now (tests and benchmarks)."""
    return _pool.pids()


def decode_archived(images: Mapping[str, bytes], *, max_width: int = MAX_IMAGE_WIDTH,
                    max_height: int = MAX_IMAGE_HEIGHT, round_timeout: float | None = None,
                    deadline: float | None = None) -> dict[str, DecodedImage]:
    """Decode archived images (name -> bytes) into pixels fitted into
    ``max_width x max_height``; names that did not decode are missing from the result.
    Blocks for at most about ``deadline`` (default :data:`DEADLINE`) seconds, each
    decoder process at most ``round_timeout`` (:data:`ROUND_TIMEOUT`)."""
    round_timeout = ROUND_TIMEOUT if round_timeout is None else round_timeout
    deadline = DEADLINE if deadline is None else deadline
    out: dict[str, DecodedImage] = {}
    todo: list[tuple[str, tuple[str, int, int], bytes]] = []
    for name, data in images.items():
        kind = sniff(data)
        if kind not in FORMATS:
            log.info("archived image %s skipped: not a PNG, JPEG, GIF, WebP or SVG", name[:16])
            continue
        key = (hashlib.sha256(data).hexdigest(), max_width, max_height)
        found, value = _cache.get(key)
        if found:
            if value is not None:
                out[name] = value
            continue
        todo.append((name, key, data))
    todo.sort(key=lambda item: sniff(item[2]) == "svg")  # raster first: SVG may time out
    end = time.monotonic() + deadline
    while todo:
        left = end - time.monotonic()
        if left <= 0:
            log.warning("%d archived image(s) not decoded: out of time", len(todo))
            break
        try:
            answered = _pool.run([data for _, _, data in todo], max_width, max_height,
                                 min(round_timeout, left), end)
        except OSError as exc:  # cannot start the decoder at all: show no images
            log.error("image decoder could not start: %s", exc)
            break
        except DecoderShutDown:  # the app is closing: nothing refused, nothing cached
            log.info("%d archived image(s) not decoded: the decoder was shut down", len(todo))
            break
        if answered is None:  # every decoder busy with other articles until the deadline
            log.warning("%d archived image(s) not decoded: out of time", len(todo))
            break
        results, reason = answered
        for (name, key, _data), result in zip(todo, results, strict=False):
            if isinstance(result, Pixels):
                image = DecodedImage(result.width, result.height, result.pixels)
                out[name] = image
                _cache.put(key, image)
            else:
                log.info("archived image %s not shown: %s", name[:16], result)
                _cache.put(key, None)
        done = len(results)
        if done < len(todo):  # the decoder stopped on todo[done]: give up on that one
            name, key, _data = todo[done]
            log.warning("archived image %s not shown: %s", name[:16], reason)
            _cache.put(key, None)
            done += 1
        todo = todo[done:]
    return out


def decode_image(data: bytes, max_width: int = MAX_IMAGE_WIDTH) -> QImage | None:
    """One archived image as a ``QImage`` (None when refused); see :func:`decode_archived`."""
    decoded = decode_archived({"image": data}, max_width=max_width).get("image")
    return decoded.to_qimage() if decoded else None
