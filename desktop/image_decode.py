"""The one way Cuttings turns archived image bytes into pixels it can show.

Rule (docs/reliability.md J2): archived images are decoded with no access to any file
or URL, bounded in time and memory, and never by a decoder in the window's process.
Every ``QImage`` shown from archived bytes (reader figures, photo-credit thumbnails)
comes from :func:`decode_archived`; nothing else in ``desktop/`` runs a Qt image
decoder on them (a test scans the code).

How: the bytes go to a short-lived decoder process (:mod:`desktop.image_worker`) that
picks the format from the bytes (PNG, JPEG, GIF, WebP; SVG only after it was rebuilt
with no outside reference by :mod:`desktop.svg_sanitize`), runs under its own address
space and CPU limits, and answers with plain pixels. This side waits at most
:data:`ROUND_TIMEOUT` per run and :data:`DEADLINE` in all, kills a run that overstays,
marks the image it was working on as refused and decodes the rest in a new run. An
image that did not decode is left out (the reader shows the others; the photo-credit
list says "(no image)"). Results, refusals included, are cached by content hash, so
opening an article again costs nothing.

Why a process and not a thread: measured with PySide6 6.11, a 1.2 KB SVG of nested
``<use>`` rendered for 23 s in QtSvg, 5.8 MB of rectangles for 13 s, and 90 KB of
blurred rectangles froze the old reader for 50 s; a C++ render cannot be interrupted,
and earlier Qt's SVG decoder in a worker thread deadlocked the GUI thread on the GIL. The process costs about 0.3 s per article with
images (once; then cached).

Thread rules: :func:`decode_archived` blocks (worker threads; in tests also the GUI
thread) and touches no Qt object; :meth:`DecodedImage.to_qimage` builds a ``QImage`` from
plain bytes (any thread; the reader does it on the GUI thread).
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

from desktop.image_worker import FORMATS, WORKER_FLAG, encode_request, sniff

log = logging.getLogger(__name__)

MAX_IMAGE_WIDTH = 680
MAX_IMAGE_HEIGHT = 8 * MAX_IMAGE_WIDTH
ROUND_TIMEOUT = 10.0  # seconds one decoder process may run
DEADLINE = 20.0  # seconds for all the images of one call
CACHE_BYTES = 64 * 1024 * 1024

_ROOT = Path(__file__).resolve().parents[1]  # the folder holding the ``desktop`` package


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
            results, reason = _run([data for _, _, data in todo], max_width, max_height,
                                   min(round_timeout, left))
        except OSError as exc:  # cannot start the decoder at all: show no images
            log.error("image decoder could not start: %s", exc)
            break
        for (name, key, _data), result in zip(todo, results, strict=False):
            if isinstance(result, DecodedImage):
                out[name] = result
                _cache.put(key, result)
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


def _command() -> list[str]:
    if getattr(sys, "frozen", False):  # the packaged app: its launcher knows the flag
        return [sys.executable, WORKER_FLAG]
    return [sys.executable, "-m", "desktop.image_worker"]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH")) if p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["MALLOC_ARENA_MAX"] = "2"  # fewer 64 MB malloc arenas in the address-space limit
    return env


def _run(items: list[bytes], max_width: int, max_height: int,
         timeout: float) -> tuple[list[DecodedImage | str], str]:
    """One decoder process over ``items``: the results it finished (in order; a str is a
    refusal) and, when it stopped early, why."""
    proc = subprocess.Popen(_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_environment(), cwd="/",
                            close_fds=True)
    reason = ""
    try:
        stdout, stderr = proc.communicate(encode_request(items, max_width, max_height),
                                          timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()  # what it had written before the timeout
        reason = f"took longer than {timeout:.0f} s to decode"
    finally:
        if proc.poll() is None:  # interrupted some other way: never leave it running
            proc.kill()
            proc.wait()
    if proc.returncode and not reason:
        reason = f"the decoder stopped (exit status {proc.returncode})"
    if stderr:
        log.debug("image decoder said: %s", stderr[:2000].decode("utf-8", "replace"))
    results = _parse(stdout, len(items), max_width, max_height)
    if len(results) < len(items) and not reason:
        reason = "the decoder stopped early"
    return results, reason


def _parse(stdout: bytes, count: int, max_width: int,
           max_height: int) -> list[DecodedImage | str]:
    """The complete answers in the decoder's output; checked, since they are its word."""
    results: list[DecodedImage | str] = []
    pos = 0
    while len(results) < count and pos < len(stdout):
        status = stdout[pos]
        if status == 1 and pos + 3 <= len(stdout):
            (size,) = struct.unpack_from(">H", stdout, pos + 1)
            if pos + 3 + size > len(stdout):
                break
            results.append(stdout[pos + 3:pos + 3 + size].decode("utf-8", "replace"))
            pos += 3 + size
        elif status == 0 and pos + 9 <= len(stdout):
            width, height = struct.unpack_from(">II", stdout, pos + 1)
            if not (0 < width <= max_width and 0 < height <= max_height):
                break  # not what was asked for: trust nothing after it
            size = width * height * 4
            if pos + 9 + size > len(stdout):
                break
            results.append(DecodedImage(width, height, stdout[pos + 9:pos + 9 + size]))
            pos += 9 + size
        else:
            break
    return results
