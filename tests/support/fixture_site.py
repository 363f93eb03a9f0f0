"""Invented news articles for tests and benchmarks, written for Cuttings.

Every person, place and event here is made up. The markup mimics a WordPress news
theme with Yoast JSON-LD, a lead figure with a credit, a cookie banner, navigation,
a newsletter box and a comment section, so extraction has something to leave out.
"""

from __future__ import annotations

import html
import struct
import zlib

TOWNS = ["Harrowgate", "Linden Falls", "Port Averly", "Marrow Bay", "Oakhurst", "Brennick",
         "Saltmere", "Fenwick Cross", "Juniper Flats", "Calder Rise"]
TOPICS = [
    ("bridge repairs", "the county engineer", "Marisol Quintero"),
    ("library hours", "the head librarian", "Tobias Wrenfield"),
    ("ferry schedule", "the harbour master", "Ingrid Solberg"),
    ("school lunch prices", "the district treasurer", "Devon Achterberg"),
    ("wildfire drills", "the fire chief", "Ramona Celestine"),
]


def article_html(i: int, *, image_url: str | None = "/images/lead-{i}.png") -> str:
    """A complete article page; ``i`` varies the town, topic and numbers."""
    town = TOWNS[i % len(TOWNS)]
    topic, role, speaker = TOPICS[i % len(TOPICS)]
    surname = speaker.split()[-1]
    title = f"{town} council votes to change {topic} after months of debate ({i})"
    img = image_url.format(i=i) if image_url else None
    figure = (f'<figure class="wp-block-image"><img src="{img}" alt="Council chamber">'
              f'<figcaption>Council members listen to residents on Tuesday. '
              f'<span class="credit">Photo: Alma Brandt/The {town} Ledger</span></figcaption>'
              f'</figure>') if img else ""
    jsonld = (
        '{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","@id":"#article",'
        f'"headline":"{title}","datePublished":"2026-03-{(i % 27) + 1:02d}T08:30:00-05:00",'
        '"author":{"@id":"#author"},"publisher":{"@id":"#org"}},'
        '{"@type":"Person","@id":"#author","name":"Hollis Varga"},'
        f'{{"@type":"Organization","@id":"#org","name":"The {town} Ledger"}}]}}'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | The {town} Ledger</title>
<meta property="og:site_name" content="The {town} Ledger">
<meta property="og:title" content="{html.escape(title)}">
<script type="application/ld+json">{jsonld}</script>
<script>window.trackEverything = true;</script>
</head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sports">Sports</a>
<a href="/subscribe">Subscribe today</a></nav></header>
<main><article class="post">
<h1 class="entry-title">{html.escape(title)}</h1>
<div class="byline">By <a rel="author" href="/author/hollis">Hollis Varga</a>
<time datetime="2026-03-{(i % 27) + 1:02d}T08:30:00-05:00">March {(i % 27) + 1}, 2026</time></div>
{figure}
<div class="entry-content">
<p>{town.upper()} — The {town} council voted 5-2 on Tuesday night to overhaul its {topic},
ending a dispute that had filled the chamber for {i % 9 + 3} consecutive meetings.</p>
<p>“We heard every resident who came forward, and this plan reflects what they asked for,”
said {speaker}, {role}. “Nobody got everything, but everybody got something.”</p>
<p>The change takes effect in {["April", "May", "June"][i % 3]} and will cost about
${(i % 50 + 10) * 1000:,} in its first year, according to figures the council published.</p>
<div class="newsletter-box">Sign up for our morning newsletter. Get the Ledger in your inbox</div>
<p>Opponents said the vote came too quickly. {surname} disagreed. “We waited long enough,”
{surname} told Reuters after the meeting.</p>
<p>The council will review the {topic} again next spring.</p>
</div></article></main>
<section class="comments"><h3>Comments</h3><p>Angry Reader: This council never listens!</p></section>
<footer>© 2026 The {town} Ledger. All rights reserved. Privacy policy</footer>
</body></html>"""


def article_facts(i: int) -> dict[str, str]:
    """What a correct extraction of :func:`article_html` (i) contains."""
    town = TOWNS[i % len(TOWNS)]
    topic, role, speaker = TOPICS[i % len(TOPICS)]
    return {
        "title": f"{town} council votes to change {topic} after months of debate ({i})",
        "publisher": f"The {town} Ledger",
        "author": "Hollis Varga",
        "speaker": speaker,
        "quote": "We waited long enough",
        "source": "Reuters",
        "credit_photographer": "Alma Brandt",
        "boilerplate": "Accept all cookies",
        "comment": "This council never listens",
    }


def png_bytes(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A valid tiny PNG, generated (no binary fixtures in the repo)."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
