"""J5: reading a page is bounded. Pages over a work bound (attributes per element,
elements per page) or over the reading deadline are kept (raw snapshot stored and
hashed, as evidence) with the status ``too_complex``; normal pages are unaffected.

The hostile pages are generated here and served from a loopback server through the
whole capture pipeline, with a short reading deadline in the test settings.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from capture.extract import EXTRACTOR_VERSION, extract
from capture.extract.bounded import ExtractionWorker
from capture.extract.dom import MAX_ATTRIBUTES, MAX_ELEMENTS, TooComplex, check_attribute_bound
from capture.settings import Settings
from intake.pipeline import CapturePipeline
from storage.archive import Archive
from tests.reliability.helpers import ROOT, run_python
from tests.support.complex_pages import attributes_page, figures_page, links_page

DEADLINE = 1.5  # seconds to read one page, in these tests
SLACK = 25.0  # worker start, serving 10 MB pages, storing: "did not hang", not speed
SETTINGS = Settings(allow_local_network=True, retries=0, connect_timeout=2, read_timeout=10,
                    total_deadline=30, download_images=False, workers=2,
                    extract_deadline=DEADLINE)

NORMAL = (ROOT / "tests" / "capture" / "extract" / "pages" / "guardian_like.html").read_text("utf-8")


# --------------------------------------------------------------------------- the pipeline


@pytest.mark.timeout(170)
def test_j5_hostile_pages_are_kept_too_complex_and_normal_page_is_read(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    pages = {
        "/attrs": attributes_page(1_000_000),  # ~10 MB, under the 25 MB page cap
        "/figures": figures_page(20_000),
        "/links": links_page(100_000),
        "/normal": NORMAL,
    }
    bodies = {path: html.encode() for path, html in pages.items()}
    for path, body in bodies.items():
        httpserver.expect_request(path).respond_with_data(body, content_type="text/html; charset=utf-8")
    events = []
    with Archive.open(str(tmp_path / "a.db")) as archive:
        report = archive.enqueue([httpserver.url_for(p) for p in pages])
        pipeline = CapturePipeline(archive, SETTINGS, on_event=events.append)
        started = time.monotonic()
        try:
            summary = pipeline.run([j.id for j in report.jobs])
        finally:
            pipeline.close()
        elapsed = time.monotonic() - started
        # four pages on two workers, each bounded by the deadline: nowhere near minutes
        assert elapsed < 4 * (DEADLINE + SLACK), elapsed
        assert summary.done == len(pages) and summary.failed == 0, summary.failures
        by_path = {}
        for row in archive.list_articles():
            data = archive.article(row.id)
            by_path["/" + data["url"].rsplit("/", 1)[1]] = data
        assert set(by_path) == set(pages)
        for path, data in by_path.items():
            cap = data["captures"][0]
            # the evidence is kept whatever happened to the reading
            assert cap["sha256"] == hashlib.sha256(bodies[path]).hexdigest()
            assert archive.snapshot_bytes(cap["id"]) == bodies[path]
        for path in ("/attrs", "/figures", "/links"):
            assert by_path[path]["status"] == "too_complex", path
            assert by_path[path]["text"] == ""
        assert by_path["/normal"]["status"] == "ok"
        assert by_path["/normal"]["text"] == extract(NORMAL, httpserver.url_for("/normal")).text
        assert "fishing fleet" in by_path["/normal"]["title"]
        attrs_id = by_path["/attrs"]["id"]
    shown = run_python("import sys; from desktop.cli import main; sys.exit(main())",
                       "--db", str(tmp_path / "a.db"), "show", str(attrs_id), timeout=45)
    assert shown.returncode == 0, shown.stderr
    assert "(too complex to read: the page is kept as evidence, unread)" in shown.stdout
    assert hashlib.sha256(bodies["/attrs"]).hexdigest() in shown.stdout
    done = {e.url.rsplit("/", 1)[1]: e.message for e in events if e.state == "done"}
    assert done["attrs"].startswith("kept, but too complex to read: an element has more than")
    assert "too complex to read" in done["figures"] and "too complex to read" in done["links"]
    assert "too complex" not in done["normal"]


# --------------------------------------------------------------------------- the bounds


@pytest.mark.timeout(60)
def test_j5_a_million_attributes_is_refused_before_the_parse() -> None:
    html = attributes_page(1_000_000)
    started = time.monotonic()
    out = extract(html)
    assert time.monotonic() - started < 20  # the parse alone used to run for hours
    assert out.too_complex == f"too complex to read: an element has more than {MAX_ATTRIBUTES:,} attributes"
    assert out.text == "" and out.warnings == [out.too_complex]
    assert out.to_json()["too_complex"] == out.too_complex


def test_j5_attribute_bound_sees_through_quoted_angle_brackets() -> None:
    tag = "<p " + " ".join(f'a{i}=">"' for i in range(MAX_ATTRIBUTES + 1)) + ">x</p>"
    with pytest.raises(TooComplex):
        check_attribute_bound(tag)
    check_attribute_bound("<p " + " ".join(f'a{i}=">"' for i in range(MAX_ATTRIBUTES)) + ">x</p>")
    # long attribute values are not many attributes
    check_attribute_bound(f'<div data-state="{"x" * 100_000}" class="a b c">x</div>')


@pytest.mark.timeout(60)
def test_j5_element_bound() -> None:
    out = extract("<html><body>" + "<b></b>" * (MAX_ELEMENTS + 10) + "</body></html>")
    assert out.too_complex == f"too complex to read: the page has more than {MAX_ELEMENTS:,} elements"


def speakers_page(n: int) -> str:
    """``n`` paragraphs, each a quote by a different person named in full."""
    syllables = ["ba", "ko", "ri", "ma", "ten", "lo", "vi", "sa", "nu", "der", "gal", "mon"]
    names = [f"{(a + b).capitalize()} {(c + d).capitalize()}son"
             for a, b, c, d in itertools.product(syllables, repeat=4)]
    ps = "".join(f'<p>"The harbour will reopen in spring {i}," said {names[i]}, the harbour '
                 f'master.</p>' for i in range(n))
    return f"<html><body><article><h1>Quotes</h1>{ps}</article></body></html>"


@pytest.mark.timeout(90)
def test_j5_many_quoted_paragraphs_are_read_in_linear_time() -> None:
    # Three loops were quadratic: pull-quotes, surname mentions, the full name of each
    # speaker. 10,000 such paragraphs took 20 s, 15,000 about 45 s; now about 3 s.
    small = extract(speakers_page(100)).quotes
    started = time.monotonic()
    out = extract(speakers_page(15_000))
    assert time.monotonic() - started < 30
    assert len(out.quotes) == 15_000 and out.quotes[0].speaker == small[0].speaker == "Baba Babason"
    assert out.quotes[-1].speaker == speakers_page(15_000).rsplit("said ", 1)[1].split(",")[0]


@pytest.mark.timeout(60)
def test_j5_worker_is_killed_at_the_deadline_and_replaced() -> None:
    with ExtractionWorker() as worker:
        assert worker.extract(NORMAL, None, deadline=30).title
        first = worker.pid
        started = time.monotonic()
        out = worker.extract(links_page(100_000), None, deadline=0.5)
        assert time.monotonic() - started < 0.5 + 10
        assert out.too_complex == ("too complex to read: reading it took longer than 0.5 s "
                                   "(deadline per page)")
        assert worker.pid is None  # killed
        again = worker.extract(NORMAL, None, deadline=30)
        assert again.title and again.too_complex is None
        assert worker.pid not in (None, first)


@pytest.mark.timeout(60)
def test_j5_cli_extract_is_bounded(tmp_path: Path) -> None:
    page = tmp_path / "links.html"
    page.write_text(links_page(100_000), encoding="utf-8")
    started = time.monotonic()
    proc = run_python("import sys; from desktop.cli import main; sys.exit(main())",
                      "extract", str(page), "--deadline", "1", timeout=45)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 40
    data = json.loads(proc.stdout)
    assert data["too_complex"].startswith("too complex to read: reading it took longer than 1 s")
    assert data["text"] == ""


@pytest.mark.timeout(60)
def test_j5_cli_import_html_says_a_page_is_too_complex(tmp_path: Path) -> None:
    """``import-html`` keeps a page over a bound, and says so (as ``add`` does), rather
    than "ok" for an article with no title and no text."""
    page = tmp_path / "attrs.html"
    page.write_text(attributes_page(2_000), encoding="utf-8")
    proc = run_python("import sys; from desktop.cli import main; sys.exit(main())",
                      "import-html", "--db", str(tmp_path / "a.db"), str(page), "--url",
                      "https://ledger.example/attrs", timeout=45)
    assert proc.returncode == 0, proc.stderr
    assert "kept, but too complex to read" in proc.stdout, proc.stdout


def test_j5_extractor_version_bumped() -> None:
    assert EXTRACTOR_VERSION == "1.1.0"


def _absolute_module(rel: str, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` in file ``rel`` names (``from . import extract``
    inside ``capture/extract/`` is ``capture.extract``)."""
    if not node.level:
        return node.module or ""
    package = rel.rsplit("/", 1)[0].split("/")
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_j5_guard_pages_are_read_only_through_the_bounded_worker() -> None:
    """The app never calls the unbounded extractor in its own process: every caller goes
    through capture.extract.bounded (the pipeline, import-html, `cuttings extract`,
    `python -m capture.extract`), relative imports included."""
    allowed = {"capture/extract/bounded.py"}
    offenders = []
    for folder in ("capture", "storage", "desktop"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if (isinstance(node, ast.ImportFrom) and any(a.name == "extract" for a in node.names)
                        and _absolute_module(rel, node) == "capture.extract"):
                    offenders.append(f"{rel}:{node.lineno}")
                if (isinstance(node, ast.Attribute) and node.attr == "extract"
                        and ast.unparse(node.value) == "capture.extract"):
                    offenders.append(f"{rel}:{node.lineno}")
    assert offenders == [], "read pages with capture.extract.bounded, not extract(): " + ", ".join(offenders)


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_j5_cli_extract_refuses_a_meaningless_deadline(tmp_path: Path, value: str) -> None:
    page = tmp_path / "p.html"
    page.write_text(NORMAL, encoding="utf-8")
    proc = run_python("import sys; from desktop.cli import main; sys.exit(main())",
                      "extract", str(page), "--deadline", value, timeout=45)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "argument --deadline: the value must be from 1" in proc.stderr.strip().splitlines()[-1]


@pytest.mark.timeout(120)
def test_j5_images_per_article_are_bounded(httpserver: HTTPServer, tmp_path: Path) -> None:
    import re

    from capture.extract.images import MAX_IMAGES

    n = 1_000
    figs = "".join(f'<figure><img src="{httpserver.url_for(f"/img/{i}.png")}" alt="Photo {i}">'
                   f'<figcaption>Harbour view {i}.</figcaption></figure>' for i in range(n))
    lazy = "".join(f'<div><img data-src="/lazy/{i}.jpg" src="/lazy/ph.gif"><noscript>'
                   f'<img src="/lazy/{i}.jpg"></noscript></div>' for i in range(n))
    page = (f"<html><body><article><h1>Gallery</h1><p>{'The harbour gallery. ' * 20}</p>"
            f"{figs}{lazy}</article></body></html>")
    httpserver.expect_request("/gallery").respond_with_data(page, content_type="text/html")
    httpserver.expect_request(re.compile(r"^/img/")).respond_with_data("", status=404)
    assert len(extract(page, httpserver.url_for("/gallery")).images) == MAX_IMAGES
    with Archive.open(str(tmp_path / "a.db")) as archive:
        report = archive.enqueue([httpserver.url_for("/gallery")])
        pipeline = CapturePipeline(archive, SETTINGS.with_values(download_images=True,
                                                                 extract_deadline=60.0))
        try:
            summary = pipeline.run([j.id for j in report.jobs])
        finally:
            pipeline.close()
        assert summary.done == 1, summary.failures
    image_requests = [r for r, _ in httpserver.log if r.path.startswith("/img/")]
    assert 0 < len(image_requests) <= MAX_IMAGES
