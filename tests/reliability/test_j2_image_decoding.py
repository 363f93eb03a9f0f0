"""J2: archived images are decoded with no access to any file or URL, bounded in time
and memory, and never by a decoder in the window's process.

QtSvg (PySide6 6.11) opened the file named by ``<image href>``/``xlink:href`` or by an
``<image>`` inside a nested ``data:`` SVG; a FIFO there froze the reader each time the
article was opened. The other references (external ``<use>``, CSS ``@import``/``url()``,
``fill="url(file#g)"``, external entities, XInclude, ``feImage``) are followed by other
renderers or Qt versions; all of them are tried here.

Opens are detected two ways: a FIFO with a watcher process (``tests/support/fifo_watch.FifoWatch``; an open
for reading is seen and released, so nothing can hang), and ``strace -f`` over a whole
reader process for a plain secret file. Hostile inputs are generated here.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from capture.types import AssetResult, CreditItem, Extracted, ImageRef
from storage.archive import Archive
from tests.reliability.helpers import ROOT, run_python
from tests.support.captures import fetched
from tests.support.fifo_watch import FifoWatch
from tests.support.fixture_site import png_bytes

pytestmark = pytest.mark.gui

PAGE = "https://news.example/2026/05/harbour-lights.html"
SVG_OPEN = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            ' width="120" height="80">')
GRADIENT_SVG = (SVG_OPEN + '<defs><linearGradient id="g"><stop offset="0" stop-color="#ff0000"/>'
                '<stop offset="1" stop-color="#0000ff"/></linearGradient></defs>'
                '<rect width="120" height="80" fill="url(#g)"/></svg>').encode()


def hostile_svgs(target: str) -> dict[str, bytes]:
    """One SVG per way of naming another file (``target``) from inside an SVG."""
    docs = {
        "image href": f'<image href="{target}" width="50" height="50"/>',
        "image xlink:href": f'<image xlink:href="{target}" width="50" height="50"/>',
        "image file: URL": f'<image href="file://{target}" width="50" height="50"/>',
        "use href": f'<use href="{target}#a"/>',
        "use xlink:href": f'<use xlink:href="{target}#a"/>',
        "style @import": f'<style>@import url({target});</style><rect width="9" height="9"/>',
        "style @font-face": ('<style>@font-face{font-family:x;src:url(' + target + ')}</style>'
                             '<text font-family="x" y="20">x</text>'),
        "style rule url()": f'<style>rect{{fill:url({target}#g)}}</style><rect width="9" height="9"/>',
        "style attribute url()": f'<rect style="fill:url({target}#g)" width="9" height="9"/>',
        "fill url()": f'<rect fill="url({target}#g)" width="9" height="9"/>',
        "filter url()": f'<rect filter="url({target}#f)" width="9" height="9"/>',
        "feImage": (f'<filter id="f"><feImage href="{target}"/></filter>'
                    '<rect filter="url(#f)" width="9" height="9"/>'),
        "foreignObject": (f'<foreignObject width="9" height="9"><img xmlns="http://www.w3.org/1999/xhtml"'
                          f' src="{target}"/></foreignObject>'),
        "XInclude": (f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{target}"'
                     ' parse="text"/>'),
    }
    out = {name: (SVG_OPEN + body + "</svg>").encode() for name, body in docs.items()}
    out["external entity"] = (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "{target}">]>'
                              + SVG_OPEN + '<text y="20">&x;</text></svg>').encode()
    out["external DTD"] = (f'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "{target}">'
                           + SVG_OPEN + '<rect width="9" height="9"/></svg>').encode()
    inner = base64.b64encode(out["image href"]).decode()
    out["nested data: SVG"] = (SVG_OPEN + f'<image href="data:image/svg+xml;base64,{inner}" '
                               'width="50" height="50"/></svg>').encode()
    return out


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[FifoWatch]:
    """A FIFO tripwire (``tests/support/fifo_watch.py``, shared with J1), proved working."""
    with FifoWatch(tmp_path, "evidence.fifo") as watch:
        watch.assert_working()
        yield watch


@pytest.fixture(autouse=True)
def _fresh_decoder_cache() -> Iterator[None]:
    yield
    try:
        from desktop.image_decode import clear_cache
    except ImportError:  # the code before J2 had no cache (the old-code check runs this)
        return
    clear_cache()


def store_article(archive: Archive, images: dict[str, tuple[bytes, str]]) -> int:
    """An article whose figures are ``images`` (name -> (bytes, media type as labelled))."""
    urls = {name: f"https://cdn.news.example/img/{i}" for i, name in enumerate(images)}
    html = "".join(f'<figure><img src="{url}" alt="{name}"></figure>' for name, url in urls.items())
    extracted = Extracted(
        title="Harbour lights switched on", text="The harbour lights were switched on.",
        reader_html=f"<p>The harbour lights were switched on.</p>{html}",
        credits=[CreditItem(credit="Photo: Ana Lind", photographer="Ana Lind",
                            image_url=url) for url in urls.values()])
    assets = [(ImageRef(urls[name], name), AssetResult(urls[name], urls[name], media, data,
                                                        hashlib.sha256(data).hexdigest()))
              for name, (data, media) in images.items()]
    return archive.store_capture(fetched(PAGE), extracted, assets).article_id


def open_in_reader(qtbot, archive: Archive, article_id: int):  # noqa: ANN001, ANN201
    """The reader and the details tabs showing the article, as the window does it."""
    from desktop.details_tabs import DetailsTabs
    from desktop.reader import ReaderView, load_reader_bundle

    reader, details = ReaderView(), DetailsTabs()
    qtbot.addWidget(reader)
    qtbot.addWidget(details)
    bundle = load_reader_bundle(archive, article_id)
    reader.show_bundle(bundle)
    details.show_bundle(bundle)
    reader.show()
    qtbot.waitExposed(reader)
    reader.viewport().grab()  # paint: images are fetched from the document now at the latest
    return reader, details, bundle


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- the reader


def test_j2_reader_opens_hostile_svgs_without_opening_what_they_name(
        qtbot, tmp_path: Path, fifo: FifoWatch) -> None:  # noqa: ANN001
    hostile = hostile_svgs(str(fifo.path))
    images = {name: (data, "image/svg+xml") for name, data in hostile.items()}
    images["svg labelled png"] = (hostile["image href"].replace(b'width="50"', b'width="51"'),
                                  "image/png")
    images["photo"] = (png_bytes(30, 20, rgb=(10, 120, 200)), "image/png")
    images["gradient"] = (GRADIENT_SVG, "image/svg+xml")
    with Archive.open(str(tmp_path / "a.db")) as archive:
        article_id = store_article(archive, images)
        reader, details, bundle = open_in_reader(qtbot, archive, article_id)
        # Opened twice (the freeze came back on every open).
        open_in_reader(qtbot, archive, article_id)
    assert fifo.opens == 0
    # The harmless images are still shown, in the reader and as thumbnails.
    assert sha(GRADIENT_SVG) in reader._images and sha(images["photo"][0]) in reader._images
    assert sha(GRADIENT_SVG) in bundle.thumbnails
    gradient = reader._images[sha(GRADIENT_SVG)]
    assert (gradient.width(), gradient.height()) == (120, 80)
    left, right = gradient.pixelColor(2, 40), gradient.pixelColor(117, 40)
    assert left.red() > 200 and left.blue() < 50 and right.blue() > 200 and right.red() < 50
    assert details.credits.topLevelItemCount() == len(images)


def _strace_works() -> bool:
    """strace is installed and may trace here (containers can forbid ptrace)."""
    if shutil.which("strace") is None:
        return False
    try:
        return subprocess.run(["strace", "-f", "-o", os.devnull, "true"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _strace_works(), reason="strace is not installed or may not trace")
@pytest.mark.timeout(120)
def test_j2_strace_reader_process_never_touches_a_secret_file(tmp_path: Path) -> None:
    """A plain file this time (an SVG renderer would happily read it): ``strace -f``
    over a whole process that opens the article in the reader, decoder process
    included, never shows a system call naming the secret file."""
    secret = tmp_path / "private-notes.png"
    secret.write_bytes(png_bytes(8, 8, rgb=(1, 2, 3)))
    hostile = hostile_svgs(str(secret))
    images = {name: (data, "image/svg+xml") for name, data in hostile.items()}
    images["svg labelled png"] = (hostile["image xlink:href"], "image/png")
    db = tmp_path / "a.db"
    with Archive.open(str(db)) as archive:
        article_id = store_article(archive, images)
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from desktop.reader import ReaderView, load_reader_bundle\n"
        "from storage.archive import Archive\n"
        "app = QApplication([])\n"
        "with Archive.open(sys.argv[1]) as archive:\n"
        "    view = ReaderView()\n"
        "    view.show_bundle(load_reader_bundle(archive, int(sys.argv[2])))\n"
        "    view.show()\n"
        "    view.viewport().grab()\n"
        "print('opened', flush=True)\n")
    log = tmp_path / "strace.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=%file", "-o", str(log),
                           sys.executable, "-c", code, str(db), str(article_id)],
                          capture_output=True, text=True, timeout=90, env=env, cwd=ROOT)
    assert "opened" in proc.stdout, proc.stderr[-3000:]
    calls = log.read_text(errors="replace")
    assert "private-notes" not in calls, [ln for ln in calls.splitlines() if "private-notes" in ln]
    assert re.search(r"execve\(.*image_worker", calls)  # the decoder was traced too (-f)


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("name", list(hostile_svgs("/x")))
def test_j2_decoding_a_hostile_svg_opens_nothing(name: str, fifo: FifoWatch) -> None:
    from desktop.image_decode import decode_archived

    data = hostile_svgs(str(fifo.path))[name]
    decoded = decode_archived({name: data}, round_timeout=30, deadline=30)
    assert fifo.opens == 0
    assert set(decoded) <= {name}  # drawn without what it named, or refused


def test_j2_format_comes_from_the_bytes_and_only_allow_listed_formats_decode(
        fifo: FifoWatch) -> None:
    """Qt guesses formats from content; the decoder does not: SVG bytes are sanitised
    whatever they are called, and formats outside PNG/JPEG/GIF/WebP/SVG are refused."""
    from desktop.image_decode import decode_archived
    from desktop.image_worker import sniff

    svg = hostile_svgs(str(fifo.path))["image href"]
    assert sniff(b"\xef\xbb\xbf  \n" + svg) == "svg"
    assert sniff(b'<?xml version="1.0"?>\n<!-- x -->\n' + svg) == "svg"
    xpm = (b'/* XPM */\nstatic char *x[] = {"2 1 1 1", "a c #ff0000", "aa"};\n')
    pbm = b"P1\n2 1\n1 0\n"
    bmp_header = b"BM" + b"\x00" * 52
    html = b"<html><body><img src='" + str(fifo.path).encode() + b"'></body></html>"
    no_namespace = (b'<!-- ' + b"x" * 5000 + b' --><svg width="10" height="10">'
                    b'<rect width="10" height="10" fill="red"/></svg>')
    decoded = decode_archived({"svg with BOM": b"\xef\xbb\xbf  \n" + svg, "xpm": xpm,
                               "pbm": pbm, "bmp": bmp_header, "html": html,
                               "no namespace": no_namespace, "png": png_bytes()})
    assert fifo.opens == 0
    assert set(decoded) == {"svg with BOM", "no namespace", "png"}
    red = decoded["no namespace"].to_qimage().pixelColor(5, 5)
    assert (red.red(), red.green(), red.blue(), red.alpha()) == (255, 0, 0, 255)


def test_j2_decoder_process_runs_under_memory_and_cpu_limits() -> None:
    """The bound is the process's own: past its address-space limit an allocation fails
    (and the parent then only loses that image)."""
    code = ("import resource\n"
            "from desktop.image_worker import CPU_SECONDS, MEMORY_LIMIT, _limit_self\n"
            "_limit_self()\n"
            "assert resource.getrlimit(resource.RLIMIT_AS)[0] == MEMORY_LIMIT\n"
            "assert resource.getrlimit(resource.RLIMIT_CPU)[0] == CPU_SECONDS\n"
            "assert resource.getrlimit(resource.RLIMIT_FSIZE) == (0, 0)\n"
            "try:\n"
            "    bytearray(MEMORY_LIMIT)\n"
            "except MemoryError:\n"
            "    print('refused')\n")
    proc = run_python(code, timeout=60)
    assert proc.stdout.strip() == "refused", proc.stderr[-2000:]


def test_j2_sanitised_svg_keeps_only_same_document_references() -> None:
    from desktop.svg_sanitize import Refused, sanitize_svg

    for name, data in hostile_svgs("/home/reporter/secret.png").items():
        try:
            clean = sanitize_svg(data)
        except Refused:
            continue
        assert b"secret" not in clean and b"data:" not in clean, name
        assert _audit_sanitised(clean) == [], name
    clean = sanitize_svg(GRADIENT_SVG)
    assert b'fill="url(#g)"' in clean and b"linearGradient" in clean
    with pytest.raises(Refused):
        sanitize_svg(b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>")  # not XML
    with pytest.raises(Refused):
        sanitize_svg(b"<html><body>not svg</body></html>")


def _audit_sanitised(clean: bytes) -> list[str]:
    """Everything in a sanitised SVG that could name something outside it."""
    problems = []
    text = clean.decode()
    if "<!" in text or "<?" in text:
        problems.append("declaration or processing instruction")
    root = etree.fromstring(clean)
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.endswith(
                ("}image", "}feImage", "}foreignObject", "}script", "}include", "}iframe")):
            problems.append(f"element {el.tag}")
            continue
        for key, value in el.attrib.items():
            if key.endswith("href") and not re.fullmatch(r"#[\w.:-]+", value):
                problems.append(f"{key}={value!r}")
            if key.startswith("on") or key == "src":
                problems.append(key)
            for url in re.findall(r"url\(([^)]*)\)", value, re.I):
                if not url.strip(" '\"").startswith("#"):
                    problems.append(f"{key}={value!r}")
        if el.tag.endswith("}style") and re.search(r"@|\\|url\((?!\s*['\"]?#)", el.text or "",
                                                  re.I):
            problems.append(f"style {el.text!r}")
    return problems


_PIECES = [
    '<image href="/etc/passwd"/>', '<image xlink:href="file:///etc/passwd"/>',
    '<use href="/tmp/x.svg#a"/>', '<use xlink:href="#a"/>', '<use href=" #a"/>',
    '<style>@import url(/etc/x.css);</style>', '<style>r{fill:url( "/x#g" )}</style>',
    "<style>r{fill:u\\72l(/x)}</style>", '<style><![CDATA[@import "/x";]]></style>',
    '<rect fill="url(#g)" stroke="URL(/x#s)"/>', '<rect style="fill:url(#g);mask:url(/m)"/>',
    '<rect filter="url(#f) url(/x#f)"/>', '<g id="a"><circle r="3"/></g>',
    '<a href="javascript:alert(1)" xlink:href="/x"><rect/></a>',
    '<foreignObject><img xmlns="http://www.w3.org/1999/xhtml" src="/x"/></foreignObject>',
    '<filter id="f"><feImage href="/x"/><feGaussianBlur stdDeviation="2"/></filter>',
    '<script>alert(1)</script>', '<x:y xmlns:x="urn:x" href="/x"/>', "&amp;text",
    '<text onload="x()" xml:base="file:///" font-family="serif">t<tspan>u</tspan></text>',
    '<pattern id="p" href="/x#p"><rect/></pattern>', '<!-- <image href="/x"/> -->',
    '<?xml-stylesheet href="/x.css"?>', '<linearGradient id="g" xlink:href="data:x"/>',
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=12), st.integers(0, 3))
def test_j2_sanitiser_output_names_nothing_outside_itself(pieces: list[str],
                                                         depth: int) -> None:
    from desktop.svg_sanitize import Refused, sanitize_svg

    body = "".join(pieces)
    for _ in range(depth):
        body = f"<g>{body}</g>"
    try:
        clean = sanitize_svg((SVG_OPEN + body + "</svg>").encode())
    except Refused:
        return
    assert _audit_sanitised(clean) == []
    assert sanitize_svg(clean) == clean  # stable: nothing left to take out


def _use_bomb(levels: int, fan: int) -> bytes:
    """A "billion laughs" of <use>: ``fan**levels`` copies of one triangle (1.2 KB)."""
    parts = [SVG_OPEN.replace('width="120" height="80"', 'width="600" height="600"'),
             '<defs><g id="l0"><path d="M0,0 L600,0 L600,600 Z" fill="red" opacity="0.5"/></g>']
    for i in range(1, levels + 1):
        parts.append(f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * fan + "</g>")
    parts.append(f'</defs><use href="#l{levels}"/></svg>')
    return "".join(parts).encode()


def _blur_pile(count: int) -> bytes:
    """Small (about 60 bytes per element) and slow: every element blurred by a wide
    filter over the whole picture (1,500 froze the old reader for 50 s here)."""
    return (SVG_OPEN.replace('width="120" height="80"', 'width="600" height="600"')
            + '<filter id="f"><feGaussianBlur stdDeviation="300"/></filter>'
            + '<rect filter="url(#f)" width="600" height="600" fill="blue"/>' * count
            + "</svg>").encode()


@pytest.mark.timeout(60)
def test_j2_use_bombs_and_use_cycles_are_refused_quickly() -> None:
    """12 levels of 4 <use> each took 23 s in QtSvg in-process (8 levels of 10: over
    two minutes); the sanitiser counts what <use> expands to and refuses it."""
    from desktop.image_decode import decode_archived

    cycle = (SVG_OPEN + '<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'
             '</svg>').encode()
    started = time.monotonic()
    decoded = decode_archived({"12x4": _use_bomb(12, 4), "8x10": _use_bomb(8, 10),
                               "cycle": cycle, "ok": _use_bomb(2, 3)})
    assert set(decoded) == {"ok"}
    assert time.monotonic() - started < 30  # generous: refused before any rendering


@pytest.mark.timeout(90)
def test_j2_slow_svg_is_stopped_and_the_other_images_still_decode() -> None:
    from desktop.image_decode import decode_archived

    started = time.monotonic()
    decoded = decode_archived({"slow": _blur_pile(8000), "photo": png_bytes(40, 30),
                               "gradient": GRADIENT_SVG}, round_timeout=3, deadline=10)
    elapsed = time.monotonic() - started
    assert set(decoded) == {"photo", "gradient"}  # the slow one was killed, not waited for
    assert elapsed < 45  # generous bound for "did not hang" (the decoder is killed at 3 s)


@pytest.mark.timeout(90)
def test_j2_window_stays_responsive_while_a_slow_svg_is_decoded(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """The article opens through the window's own path (ArticleOpener + Runner): the
    decoding waits in a worker, the GUI thread keeps turning (a timer keeps firing)."""
    from PySide6.QtCore import QTimer

    from desktop import image_decode
    from desktop.article_opener import ArticleOpener
    from desktop.details_tabs import DetailsTabs
    from desktop.reader import ReaderView
    from desktop.runner import Runner

    monkeypatch.setattr(image_decode, "ROUND_TIMEOUT", 6.0)
    monkeypatch.setattr(image_decode, "DEADLINE", 8.0)
    photo = png_bytes(40, 30)
    with Archive.open(str(tmp_path / "a.db")) as archive:
        article_id = store_article(archive, {"slow": (_blur_pile(8000), "image/svg+xml"),
                                             "photo": (photo, "image/png")})
        runner, reader, details = Runner(), ReaderView(), DetailsTabs()
        qtbot.addWidget(reader)
        qtbot.addWidget(details)
        errors: list[str] = []
        opener = ArticleOpener(archive, runner, reader, details,
                               lambda *msg: errors.append(" ".join(msg)))
        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(50)
        started = time.monotonic()
        with qtbot.waitSignal(opener.loaded, timeout=60000):
            opener.open(article_id)
        ended = time.monotonic()
        timer.stop()
        runner.shutdown()
    assert errors == []
    assert ended - started >= 5  # the decoder really was busy for its round
    stamps = [started, *ticks, ended]
    assert max(b - a for a, b in zip(stamps, stamps[1:], strict=False)) < 3  # generous
    assert set(reader._images) == {sha(photo)}


# --------------------------------------------------------------------------- the rule


DECODERS = frozenset({"QImageReader", "QImageIOHandler", "QImageIOPlugin", "QSvgRenderer",
                      "QSvgWidget", "QMovie", "loadFromData", "fromData"})
#: Qt classes that read a file when built from one argument (a path or a name).
LOADERS = frozenset({"QImage", "QPixmap", "QIcon", "QPicture"})
#: Loading by path, on purpose: the app's own icon, shipped in ``resources/``.
ALLOWED_LOADS = {("desktop/icons.py", "QIcon")}


def _is_decoder_use(node: ast.AST, rel: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id in DECODERS
    if isinstance(node, ast.Attribute):
        return node.attr in DECODERS or (node.attr == "load" and isinstance(node.value, ast.Name)
                                         and node.value.id in LOADERS)
    if isinstance(node, ast.ImportFrom | ast.Import):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [alias.name for alias in node.names]
        return any("QtSvg" in name or name in DECODERS for name in names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in LOADERS and len(node.args) == 1 and not node.keywords:
        arg = node.args[0]  # QIcon(QPixmap.fromImage(decoded)) wraps pixels: fine
        from_image = isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) \
            and arg.func.attr == "fromImage"
        return not from_image and (rel, node.func.id) not in ALLOWED_LOADS
    return False


def decoder_uses(source: str, rel: str) -> list[str]:
    """Where ``source`` decodes image bytes or loads an image file with Qt."""
    return [f"{rel}:{getattr(node, 'lineno', 0)}: {ast.unparse(node)[:120]}"
            for node in ast.walk(ast.parse(source)) if _is_decoder_use(node, rel)]


def test_j2_only_the_decoder_process_runs_qt_image_decoders() -> None:
    """The class, not the case: no module that runs in the window's process decodes
    image bytes or loads an image file with Qt; ``desktop/image_worker.py`` (run as
    its own bounded process by ``desktop/image_decode.py``) is the one place."""
    offenders = []
    for folder in ("desktop", "capture", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel != "desktop/image_worker.py":
                offenders += decoder_uses(path.read_text(encoding="utf-8"), rel)
    assert offenders == []
    # The scan sees what it must (so its silence above means something).
    assert decoder_uses("from PySide6.QtGui import QImageReader\nQImageReader(buf)", "x")
    assert decoder_uses("from PySide6 import QtSvg", "x")
    assert decoder_uses("p = QPixmap(path)\nQImage.load(i, path)", "x") and \
        len(decoder_uses("p = QPixmap(path)\nQImage.load(i, path)", "x")) == 2
    assert decoder_uses("QIcon(QPixmap.fromImage(img))\nQImage(1, 1, f)", "x") == []
