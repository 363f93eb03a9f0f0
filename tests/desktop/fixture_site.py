"""Invented news articles for the desktop tests and the screenshots.

All people, places, events and outlets' reports here are made up. The markup
imitates what common publishing stacks emit (JSON-LD ``NewsArticle``, OpenGraph,
``<figure>`` with ``<figcaption>`` and a credit ``<span>``). Images are generated
PNGs (no files committed). ``serve(httpserver)`` registers every page and image
on a pytest-httpserver (or any object with the same ``expect_request`` API).
"""

from __future__ import annotations

import json
import math
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def png(width: int, height: int, seed: int = 0) -> bytes:
    """A small landscape-like picture: sky gradient, sun, hills (deterministic)."""
    rows = []
    sun_x, sun_y, sun_r = width * (0.25 + 0.1 * seed), height * 0.3, height * 0.12
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            t = y / height
            r, g, b = int(120 + 90 * t), int(170 + 50 * t), int(215 - 30 * t)
            if (x - sun_x) ** 2 + (y - sun_y) ** 2 < sun_r ** 2:
                r, g, b = 250, 214, 120
            hill = height * (0.62 + 0.08 * math.sin(x / width * 6.0 + seed))
            hill2 = height * (0.75 + 0.05 * math.sin(x / width * 9.0 + 2 * seed))
            if y > hill:
                r, g, b = 70 + seed * 10, 120, 80
            if y > hill2:
                r, g, b = 48, 92 + seed * 8, 60
            row += bytes((r, g, b))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@dataclass
class FixtureArticle:
    path: str
    title: str
    publisher: str
    author: str
    published: str
    paragraphs: list[str]
    image: str | None = None
    caption: str = ""
    credit: str = ""
    seed: int = 0

    def html(self, base: str) -> str:
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": self.title,
            "datePublished": self.published, "author": [{"@type": "Person", "name": self.author}],
            "publisher": {"@type": "Organization", "name": self.publisher},
            "mainEntityOfPage": base + self.path,
        }
        if self.image:
            ld["image"] = [base + self.image]
        figure = ""
        if self.image:
            figure = (f'<figure class="lead-image"><img src="{self.image}" alt="{self.caption}" '
                      f'width="640" height="360"><figcaption>{self.caption} '
                      f'<span class="credit">Photo: {self.credit}</span></figcaption></figure>')
        body = "\n".join(f"<p>{p}</p>" for p in self.paragraphs)
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{self.title} | {self.publisher}</title>
<meta property="og:title" content="{self.title}">
<meta property="og:site_name" content="{self.publisher}">
<meta name="author" content="{self.author}">
<link rel="canonical" href="{base}{self.path}">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script src="https://tracker.invalid/pixel.js"></script>
</head><body>
<header class="site-header"><a href="/">{self.publisher}</a><nav><a href="/politics">Politics</a>
<a href="/city">City</a><a href="/subscribe">Subscribe</a></nav></header>
<main><article class="story">
<h1 class="headline">{self.title}</h1>
<div class="byline">By <a rel="author" href="/staff/x">{self.author}</a>
<time datetime="{self.published}">{self.published[:10]}</time></div>
{figure}
<div class="story-body">
{body}
</div>
</article></main>
<footer><p>© 2026 {self.publisher}. All rights reserved.</p></footer>
</body></html>"""


ARTICLES = [
    FixtureArticle(
        path="/news/2026/03/harbour-bridge-vote.html",
        title="Council delays vote on Harbour Bridge repairs after cost estimate doubles",
        publisher="The Lakeside Courier", author="Mara Ellison",
        published="2026-03-14T08:30:00+00:00",
        image="/media/bridge.png", caption="The Harbour Bridge at dawn on Tuesday.",
        credit="Tomas Reyes/Lakeside Courier", seed=0,
        paragraphs=[
            "The Port Alden city council postponed a vote on repairs to the Harbour Bridge on "
            "Thursday after engineers said the cost of the work had doubled to 48 million "
            "dollars since the autumn.",
            "\u201cWe cannot ask residents to pay twice for the same bridge without a full "
            "explanation,\u201d said Councillor Ines Vardy, who chairs the finance committee.",
            "The engineering firm Halden & Price said in a report seen by Reuters that "
            "corrosion in the lower deck was worse than a 2024 survey had suggested.",
            "\u201cThe steel is sound, but the bearings are not, and every winter makes them "
            "worse,\u201d said Oskar Lind, the firm's lead engineer.",
            "Mayor Daniel Okafor said the bridge would stay open to traffic while the council "
            "sought a second opinion. \u201cNobody is in danger today,\u201d Okafor told the "
            "Associated Press. \u201cBut we have to decide this spring.\u201d",
            "The council is expected to return to the question at its April 9 meeting.",
        ]),
    FixtureArticle(
        path="/2026/03/15/orchard-heatwave/",
        title="Early heat leaves orchard growers racing to save the blossom",
        publisher="Valley Ledger", author="Priya Castellano",
        published="2026-03-15T06:00:00+00:00",
        image="/media/orchard.png", caption="Blossom in an orchard near Wendmoor.",
        credit="Alina Brecht/Valley Ledger", seed=1,
        paragraphs=[
            "Fruit growers in the Wend valley spent the weekend spraying water on their trees "
            "at night after temperatures reached 27 degrees, the warmest March day on record.",
            "\u201cIf the blossom opens now and we get a frost in April, we lose the whole "
            "crop,\u201d said Hanne Solberg, who runs a cherry orchard outside Wendmoor.",
            "Forecasters at the regional weather office said a cold front could arrive within "
            "ten days, according to Bloomberg.",
            "\u201cThis is the third early spring in five years,\u201d said Ines Vardy, who "
            "also sits on the regional agriculture board. \u201cThe pattern is clear.\u201d",
        ]),
    FixtureArticle(
        path="/articles/library-reopens",
        title="Restored Carnegie library reopens with a reading room for night-shift workers",
        publisher="Northgate Post", author="Leo Fairbanks",
        published="2026-03-12T17:45:00+00:00",
        image="/media/library.png", caption="Readers in the restored main hall.",
        credit="Sam Okonjo/Northgate Post", seed=2,
        paragraphs=[
            "After four years of restoration, the Carnegie library on Mill Street reopened on "
            "Saturday with a reading room that stays open until 2 a.m.",
            "\u201cHalf of this neighbourhood works nights, and they deserve a library too,\u201d "
            "said head librarian Rosa Delacroix.",
            "The project was paid for in part by a grant first reported by The Guardian.",
            "\u201cWe counted 1,200 visitors on the first day,\u201d Delacroix said.",
        ]),
]


def pages(base: str) -> dict[str, tuple[bytes, str]]:
    """Every fixture resource: path -> (body, content type), for any small server."""
    out: dict[str, tuple[bytes, str]] = {}
    for art in ARTICLES:
        out[art.path] = (art.html(base).encode("utf-8"), "text/html; charset=utf-8")
        if art.image:
            out[art.image] = (png(640, 360, art.seed), "image/png")
    return out


def serve(httpserver: object) -> list[str]:
    """Register every fixture page and image; returns the article URLs."""
    base = httpserver.url_for("").rstrip("/")  # type: ignore[attr-defined]
    urls = []
    for art in ARTICLES:
        httpserver.expect_request(art.path).respond_with_data(  # type: ignore[attr-defined]
            art.html(base), content_type="text/html; charset=utf-8")
        if art.image:
            httpserver.expect_request(art.image).respond_with_data(  # type: ignore[attr-defined]
                png(640, 360, art.seed), content_type="image/png")
        urls.append(base + art.path)
    return urls


def start_server(host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve the fixture articles from a background thread; returns (server, base URL).

    ``/slow/...`` answers slowly (100 kB at 20 kB a second) to show captures in
    progress; any other unknown path is a 404. Stop with ``server.shutdown()``.
    """
    routes: dict[str, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            if path.startswith("/slow/"):
                self._trickle()
                return
            body, ctype = routes.get(path, (b"<h1>Not found</h1>", "text/html"))
            self.send_response(200 if path in routes else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _trickle(self) -> None:
            body = b"<!DOCTYPE html><html><head><title>Slow</title></head><body>".ljust(
                100_000, b" ")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for start in range(0, len(body), 2000):
                    self.wfile.write(body[start:start + 2000])
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                return

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    base = f"http://{host}:{server.server_address[1]}"
    routes.update(pages(base))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base
