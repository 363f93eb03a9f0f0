"""Faults around the window: closing mid-batch, image bombs, imports."""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from werkzeug import Response

from desktop.image_decode import decode_image as _decode_image
from tests.desktop import fixture_site

pytestmark = pytest.mark.gui


def _slow_page(_request):
    def body():
        yield b"<html><body><p>"
        for _ in range(200):
            time.sleep(0.05)
            yield b"slow "
        yield b"</p></body></html>"
    return Response(body(), content_type="text/html")


def test_closing_mid_batch_stops_quickly_and_keeps_the_queue(qtbot, make_window, archive,
                                                            httpserver):
    httpserver.expect_request("/slow/one").respond_with_handler(_slow_page)
    httpserver.expect_request("/slow/two").respond_with_handler(_slow_page)
    win = make_window()
    dialog = win.open_add_dialog(f"{httpserver.url_for('/slow/one')}\n"
                                 f"{httpserver.url_for('/slow/two')}")
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: sum(j.state == "running" for j in win.queue_panel.model.jobs()) >= 1,
                    timeout=10000)
    started = time.monotonic()
    win.close()
    assert time.monotonic() - started < 5.0
    states = {j.state for j in archive.jobs()}
    assert states <= {"queued"}, states  # resumed at the next start, nothing left "running"
    assert archive.integrity_check() == "ok"


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def test_image_bomb_is_skipped_not_allocated(qtbot):
    started = time.monotonic()
    assert _decode_image(_png_header_only(60000, 60000), 680) is None
    assert _decode_image(b"not an image at all", 680) is None
    assert time.monotonic() - started < 5
    good = _decode_image(fixture_site.png(1200, 300), 680)
    assert good is not None and good.width() == 680


def test_import_saved_page_and_url_list(qtbot, make_window, tmp_path):
    art = fixture_site.ARTICLES[1]
    page = tmp_path / "saved.html"
    page.write_text(art.html("https://valley-ledger.example"), encoding="utf-8")
    win = make_window(resume_queue=False)
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.import_saved_page(str(page), "https://valley-ledger.example" + art.path)
    assert "Early heat leaves orchard growers" in win.reader.toPlainText()
    qtbot.waitUntil(lambda: win.model.total == 1, timeout=20000)

    bad = tmp_path / "empty.html"
    bad.write_bytes(b"")
    win.import_saved_page(str(bad), None)
    qtbot.waitUntil(lambda: "Could not import empty.html" in win.status_label.text(),
                    timeout=20000)

    links = tmp_path / "links.txt"
    links.write_text("https://a.example/one\nhttps://b.example/two\n", encoding="utf-8")
    win.import_url_list(str(links))
    qtbot.waitUntil(lambda: getattr(win, "add_dialog", None) is not None
                    and win.add_dialog.ready and win.add_dialog.analysis.found == 2,
                    timeout=20000)
    win.add_dialog.reject()


def test_export_current_view_and_refuse_unwritable_target(qtbot, make_window, site_urls,
                                                          tmp_path):
    import json

    win = make_window()
    dialog = win.open_add_dialog("\n".join(site_urls))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == 3 and not win.controller.running
                    and win.runner.in_flight == 0 and not win._refresh_timer.isActive(),
                    timeout=20000)
    assert win.sidebar.choose("speaker", "Ines Vardy")
    qtbot.waitUntil(lambda: win.model.total == 2, timeout=20000)
    qtbot.waitUntil(lambda: win.article_total == 3, timeout=20000)

    export = win.open_export()
    assert "Articles quoting Ines Vardy (2 articles)" in export.scope_shown.text()
    assert export.scope_shown.isChecked()
    export.format.setCurrentIndex(export.format.findData("json"))
    target = tmp_path / "out" / "vardy.json"
    target.parent.mkdir()
    export.path.setText(str(target))
    assert export.choice() == ("json", win.model.ids, target)
    with qtbot.waitSignal(win.export_finished, timeout=20000):
        export.accept()
    data = json.loads(target.read_text(encoding="utf-8"))
    assert "2 articles" in win.status_label.text()
    assert len(data["articles"]) == 2

    # A target under a regular file cannot be written: a clear error, nothing left behind.
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    win.start_export("json", None, blocker / "out.json")
    qtbot.waitUntil(lambda: "Export failed" in win.status_label.text(), timeout=20000)
    assert not (blocker / "out.json").exists()
