"""What the reader waits for to decode an article's images: the old one-off decoder
process per call against the persistent decoder (docs/reliability.md J2).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/reader_images.py [--runs N]

Two articles' worth of images, generated in memory: (a) one 1000x667 PNG photo, (b)
three such PNGs and one SVG. Every call uses images never decoded before (a PNG text
chunk or an SVG comment makes each copy new), so the cache never answers. Measured in
the same run, median of ``--runs`` calls each:

* ``in-process``  Qt decoding in this process (what J2 forbids; the floor);
* ``one-off``     the path before the decoder was persistent: a decoder process started
  for the call, fed the request, read to its exit (``Popen.communicate``);
* ``cold``        :func:`desktop.image_decode.decode_archived` with no decoder running
  (the first article after start-up when nothing was pre-started);
* ``prestarted``  the first call 1.5 s after :func:`desktop.image_decode.prestart`
  (what the window does when it opens);
* ``warm``        later calls, same decoder process.

Ratios are printed against ``one-off`` so numbers from different machines compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop import image_decode  # noqa: E402
from desktop.decoder_process import command, environment  # noqa: E402
from desktop.image_worker import encode_request  # noqa: E402
from tests.desktop.fixture_site import png  # noqa: E402

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400" viewBox="0 0 600 400">'
       '<defs><linearGradient id="g"><stop offset="0" stop-color="#2a6"/><stop offset="1" '
       'stop-color="#26a"/></linearGradient></defs><rect width="600" height="400" fill="url(#g)"/>'
       + "".join(f'<circle cx="{40 + 60 * i}" cy="{200 + 50 * (i % 3)}" r="25" fill="#fc0"/>'
                 for i in range(9))
       + '<text x="20" y="40" font-size="28">Harbour traffic, 2019-2026</text>'
       '<path d="M0,350 L100,300 L200,320 L300,250 L400,270 L500,200 L600,220" stroke="#000" '
       'fill="none" stroke-width="3"/><!--N--></svg>')


class Images:
    """Fresh copies of the same pictures: same decoding work, new content hashes."""

    def __init__(self) -> None:
        self._photos = [png(1000, 667, seed) for seed in range(3)]
        self._n = 0

    def _tag(self) -> int:
        self._n += 1
        return self._n

    def _photo(self, i: int) -> bytes:
        text = b"Comment\x00copy %d" % self._tag()
        chunk = (struct.pack(">I", len(text)) + b"tEXt" + text
                 + struct.pack(">I", zlib.crc32(b"tEXt" + text) & 0xFFFFFFFF))
        data = self._photos[i]
        return data[:-12] + chunk + data[-12:]  # before IEND

    def article_a(self) -> dict[str, bytes]:
        return {"photo": self._photo(0)}

    def article_b(self) -> dict[str, bytes]:
        images = {f"photo{i}": self._photo(i) for i in range(3)}
        images["chart"] = SVG.replace("<!--N-->", f"<!--{self._tag()}-->").encode()
        return images


def timed(fn: Callable[[dict[str, bytes]], object], images: dict[str, bytes]) -> float:
    started = time.perf_counter()
    fn(images)
    return time.perf_counter() - started


def one_off(images: dict[str, bytes]) -> None:
    """The decoder as it was run before: one process for the call, read to its exit."""
    request = encode_request(list(images.values()), image_decode.MAX_IMAGE_WIDTH,
                             image_decode.MAX_IMAGE_HEIGHT)
    proc = subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environment(), cwd="/")
    out, _ = proc.communicate(request, timeout=image_decode.ROUND_TIMEOUT)
    assert proc.returncode == 0 and out.endswith(b"\x02"), proc.returncode


def persistent(images: dict[str, bytes]) -> None:
    decoded = image_decode.decode_archived(images)
    assert set(decoded) == set(images), sorted(set(images) - set(decoded))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from desktop.image_worker import _Decoder  # the in-process floor only, never the app's path

    in_process = _Decoder()
    images = Images()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), {args.runs} runs each; "
          "seconds, median (min-max)")
    table: dict[str, dict[str, list[float]]] = {}
    for label, make in (("a: 1 PNG", images.article_a), ("b: 3 PNG + 1 SVG", images.article_b)):
        rows: dict[str, list[float]] = {k: [] for k in ("in-process", "one-off", "cold",
                                                        "prestarted", "warm")}
        for _ in range(args.runs):
            rows["in-process"].append(timed(lambda b: [
                in_process.decode(d, image_decode.MAX_IMAGE_WIDTH,
                                  image_decode.MAX_IMAGE_HEIGHT) for d in b.values()], make()))
            rows["one-off"].append(timed(one_off, make()))
            image_decode.shutdown()
            rows["cold"].append(timed(persistent, make()))
            image_decode.shutdown()
            image_decode.prestart()
            time.sleep(1.5)  # the window has been open a moment
            rows["prestarted"].append(timed(persistent, make()))
            rows["warm"].append(timed(persistent, make()))
            assert len(image_decode.decoder_pids()) == 1
        table[label] = rows
    image_decode.shutdown()

    for label, rows in table.items():
        base = statistics.median(rows["one-off"])
        print(f"\n({label})")
        for name, values in rows.items():
            med = statistics.median(values)
            print(f"  {name:<11} {med:7.4f} s  ({min(values):.4f}-{max(values):.4f})"
                  f"  one-off/this = {base / med:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
