"""The image decoder process: archived image bytes in, bounded pixels out.

Started by :mod:`desktop.decoder_process` (``python -m desktop.image_worker``, or the
frozen app with :data:`WORKER_FLAG`); never imported by the GUI. It is the only place in
Cuttings where a Qt image decoder (``QImageReader``, ``QSvgRenderer``) runs on archived
bytes, so whatever a hostile image makes a decoder do costs this process, never the
window (docs/reliability.md J2):

* its own limits, set before Qt is loaded: address space (:data:`MEMORY_LIMIT`), CPU
  seconds (:data:`CPU_SECONDS`, a backstop for the parent's wall-clock timeout), no core
  files and no file writes (``RLIMIT_FSIZE`` 0);
* raster images only in the allow-listed formats, chosen from their bytes (never a
  label, never Qt's guess): PNG, JPEG, GIF, WebP, read from memory with format
  detection off, Qt's allocation limit, and :data:`MAX_PIXELS` checked on the header;
* SVG only after :func:`desktop.svg_sanitize.sanitize_svg` rebuilt it with no reference
  outside itself, rendered at a bounded size.

The process is persistent: it loads Qt once, then serves one request after another
until its stdin closes. It retires by itself (says so, then exits) before its
cumulative CPU time could reach the limit (:data:`RETIRE_CPU_SECONDS`) and once it has
grown large (:data:`RETIRE_RSS`, e.g. after a big image), so a long session never
inherits the memory of one big picture; the parent also replaces it after
``RECYCLE_AFTER_IMAGES`` images, and kills it whenever a request overstays.

Protocol (binary, big-endian), any number of requests: on stdin ``MAGIC``, ``count,
max_width, max_height`` (3x u32), then per image a u64 length and the bytes. On stdout,
per image in order, as soon as it is done: u8 status; ``0`` = u32 width, u32 height,
``width*height*4`` bytes of ``QImage.Format_ARGB32_Premultiplied`` pixels; ``1`` = u16
length and a UTF-8 reason. After the last image, one byte: :data:`END_READY` (send the
next request) or :data:`END_RETIRING` (this process exits now).
"""

from __future__ import annotations

import os
import resource
import select
import struct
import sys
import zlib
from typing import BinaryIO

from capture.image_magic import raster_format

MAGIC = b"CUTTINGS-IMAGES-1\n"
WORKER_FLAG = "--cuttings-image-decoder"
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space; measured: ~150 MB to start, ~300 MB for 40 MP
CPU_SECONDS = 30
MAX_PIXELS = 40_000_000  # larger images are not decoded (bombs); Qt's own cap is 256 MB
OUTPUT_BUDGET = 256 * 1024 * 1024  # pixel bytes per run
ALLOCATION_LIMIT_MB = 256
_MAX_MESSAGES = 20  # Qt messages passed on to stderr per request
RETIRE_CPU_SECONDS = CPU_SECONDS // 2  # then retire: one more round cannot reach the limit
RETIRE_RSS = 128 * 1024 * 1024  # peak resident memory after which it retires; measured:
# ~55 MB warm, ~80 MB after a 6 MP photo, ~185 MB after 36 MP
END_READY = b"\x02"
END_RETIRING = b"\x03"

FORMATS = ("png", "jpeg", "gif", "webp", "svg")


def sniff(data: bytes) -> str | None:
    """The format named by the bytes themselves (one of :data:`FORMATS`), or None.
    Labels (file names, content types) are never asked."""
    raster = raster_format(data)
    if raster:
        return raster if raster in FORMATS else None
    head = data[:64]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(codec, "ignore")
            break
    else:
        text = head.decode("utf-8", "ignore")
    # Markup: an SVG candidate; the sanitiser refuses anything whose root is not <svg>.
    return "svg" if text.lstrip().startswith("<") else None


def fit(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """``width x height`` scaled down (never up) to fit the box, aspect kept, >= 1x1."""
    scale = min(1.0, max_width / width, max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _limit_self() -> None:
    """Lower this process's own limits (never above a hard limit already in force)."""
    for limit, soft, hard in ((resource.RLIMIT_AS, MEMORY_LIMIT, MEMORY_LIMIT),
                              (resource.RLIMIT_CPU, CPU_SECONDS, CPU_SECONDS + 2),
                              (resource.RLIMIT_CORE, 0, 0), (resource.RLIMIT_FSIZE, 0, 0)):
        current = resource.getrlimit(limit)[1]
        if current != resource.RLIM_INFINITY:
            hard = min(hard, current)
        resource.setrlimit(limit, (min(soft, hard), hard))


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("truncated request")
    return data


def read_request(stream: BinaryIO) -> tuple[int, int, list[bytes]]:
    if _read_exactly(stream, len(MAGIC)) != MAGIC:
        raise ValueError("not an image decoding request")
    count, max_width, max_height = struct.unpack(">III", _read_exactly(stream, 12))
    items = []
    for _ in range(count):
        (size,) = struct.unpack(">Q", _read_exactly(stream, 8))
        items.append(_read_exactly(stream, size))
    return max_width, max_height, items


def encode_request(items: list[bytes], max_width: int, max_height: int) -> bytes:
    parts = [MAGIC, struct.pack(">III", len(items), max_width, max_height)]
    for data in items:
        parts += [struct.pack(">Q", len(data)), data]
    return b"".join(parts)


class _Decoder:
    """Qt is imported here, after the limits are in force."""

    def __init__(self) -> None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QtMsgType, qInstallMessageHandler
        from PySide6.QtGui import QGuiApplication, QImageReader

        self._messages = 0  # since the current request began

        def quiet(kind: QtMsgType, _context: object, message: str) -> None:
            self._messages += 1  # a hostile SVG can make Qt warn millions of times
            if self._messages <= _MAX_MESSAGES:
                sys.stderr.write(f"qt: {message[:300]}\n")

        qInstallMessageHandler(quiet)
        QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
        self._app = QGuiApplication.instance() or QGuiApplication(["cuttings-image-decoder"])

    def new_request(self) -> None:
        self._messages = 0

    def warm_up(self) -> None:
        """Load now what the first image would otherwise wait for (the PNG handler,
        QtSvg, the sanitiser, fonts): built-in bytes, not archived ones."""
        svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
               b'<rect width="4" height="4" fill="#abc"/><text y="3" font-size="3">a</text></svg>')
        for data in (_tiny_png(), svg):
            try:
                self.decode(data, 4, 4)
            except (ValueError, MemoryError) as exc:  # then the first image pays it
                sys.stderr.write(f"warm-up: {exc}\n")
        self._messages = 0

    def decode(self, data: bytes, max_width: int, max_height: int) -> tuple[int, int, bytes]:
        """Pixels of ``data`` fitted into ``max_width x max_height``; ValueError if refused."""
        from PySide6.QtGui import QImage

        kind = sniff(data)
        if kind is None:
            raise ValueError("not a PNG, JPEG, GIF, WebP or SVG image")
        image = (self._svg(data, max_width, max_height) if kind == "svg"
                 else self._raster(data, kind, max_width, max_height))
        image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        width, height = image.width(), image.height()
        if image.bytesPerLine() != width * 4:  # not for 32-bit formats; checked anyway
            image = image.copy()
        return width, height, bytes(image.constBits())[: width * height * 4]

    @staticmethod
    def _raster(data: bytes, kind: str, max_width: int, max_height: int):  # -> QImage
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
        from PySide6.QtGui import QImageReader

        buf = QBuffer()
        buf.setData(QByteArray(data))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buf, QByteArray(kind.encode()))
        reader.setAutoDetectImageFormat(False)  # this format's handler or nothing
        reader.setDecideFormatFromContent(False)
        size = reader.size()
        if not size.isValid() or size.isEmpty():
            raise ValueError(f"unreadable {kind} header: {reader.errorString()}")
        if size.width() * size.height() > MAX_PIXELS:
            raise ValueError(f"{size.width()}x{size.height()} is too large to show")
        width, height = fit(size.width(), size.height(), max_width, max_height)
        if (width, height) != (size.width(), size.height()):
            reader.setScaledSize(QSize(width, height))
        image = reader.read()
        if image.isNull():
            raise ValueError(f"could not decode the {kind} image: {reader.errorString()}")
        return image

    @staticmethod
    def _svg(data: bytes, max_width: int, max_height: int):  # -> QImage
        from PySide6.QtCore import QByteArray, Qt
        from PySide6.QtGui import QImage, QPainter
        from PySide6.QtSvg import QSvgRenderer

        from desktop.svg_sanitize import Refused, sanitize_svg

        try:
            clean = sanitize_svg(data)
        except Refused as exc:
            raise ValueError(f"SVG refused: {exc}") from None
        renderer = QSvgRenderer(QByteArray(clean))
        if not renderer.isValid():
            raise ValueError("QtSvg could not read the sanitised SVG")
        size = renderer.defaultSize()
        if size.isEmpty():
            box = renderer.viewBoxF()
            width, height = (box.width(), box.height()) if not box.isEmpty() else (300, 150)
        else:
            width, height = size.width(), size.height()
        width, height = fit(max(1, int(width)), max(1, int(height)), max_width, max_height)
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        return image


def _tiny_png() -> bytes:
    """A 1x1 PNG built here (the warm-up's own bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x10\x20\x30")) + chunk(b"IEND", b""))


def _peak_memory() -> int:
    """This process's peak resident memory in bytes. Linux: ``VmHWM`` (``ru_maxrss``
    keeps the parent's peak across ``execve`` there); elsewhere ``ru_maxrss``."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KB elsewhere


def _should_retire() -> bool:
    """True when this process has used enough CPU time or memory to be replaced."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime >= RETIRE_CPU_SECONDS
            or _peak_memory() >= RETIRE_RSS)


def serve(stdin: BinaryIO, stdout: BinaryIO, decoder: _Decoder) -> None:
    """Answer requests until stdin ends or this process should retire."""
    while True:
        try:
            max_width, max_height, items = read_request(stdin)
        except EOFError:  # the parent closed the pipe (or died): done
            return
        decoder.new_request()
        budget = OUTPUT_BUDGET
        for data in items:
            try:
                if budget <= 0:
                    raise ValueError("over the pixel budget of one article")
                width, height, pixels = decoder.decode(data, max_width, max_height)
                budget -= len(pixels)
            except (ValueError, MemoryError) as exc:
                reason = str(exc).encode("utf-8", "replace")[:1000]
                stdout.write(struct.pack(">BH", 1, len(reason)) + reason)
            else:
                stdout.write(struct.pack(">BII", 0, width, height))
                stdout.write(pixels)
            stdout.flush()
        del items
        retire = _should_retire()
        stdout.write(END_RETIRING if retire else END_READY)
        stdout.flush()
        if retire:
            return


def main() -> int:
    _limit_self()
    decoder = _Decoder()  # Qt is loaded before the first request: a started process is warm
    if not select.select([sys.stdin], [], [], 0)[0]:  # pre-started: nothing asked yet
        decoder.warm_up()
    serve(sys.stdin.buffer, sys.stdout.buffer, decoder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
