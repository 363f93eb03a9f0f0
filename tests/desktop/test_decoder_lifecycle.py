"""The window and the image decoder process (docs/reliability.md J2): closing the
window stops the decoder, does not wait for a slow image, and leaves no process."""

from __future__ import annotations

import threading
import time

import pytest

from tests.reliability.test_j2_decoder_process import _cpu_ticks, decoder_children, gone
from tests.reliability.test_j2_image_decoding import _blur_pile
from tests.support.fixture_site import png_bytes

pytestmark = pytest.mark.gui


def test_closing_the_window_leaves_no_decoder_process(make_window) -> None:  # noqa: ANN001
    from desktop.image_decode import clear_cache, decode_archived, decoder_pids

    win = make_window()
    clear_cache()
    assert set(decode_archived({"a": png_bytes(20, 10)})) == {"a"}
    pids = decoder_pids()
    assert pids and decoder_children() == pids
    win.close()
    assert decoder_pids() == [] and decoder_children() == []
    assert all(gone(pid) for pid in pids)


@pytest.mark.timeout(90)
def test_closing_the_window_does_not_wait_for_a_slow_image(qtbot, make_window) -> None:  # noqa: ANN001
    """An article whose SVG takes long is being read when the window closes: its
    decoder is killed at once, so the reading task is over when ``close`` returns
    (the runner waits for tasks up to 8 s; the decoder's timeout here is 40 s)."""
    from desktop.image_decode import clear_cache, decode_archived, decoder_pids

    win = make_window()
    qtbot.waitUntil(lambda: win.runner.in_flight == 0, timeout=20000)
    clear_cache()
    decode_archived({"warm": png_bytes(12, 12)})
    (pid,) = decoder_pids()
    finished = threading.Event()

    def read_article() -> dict:
        try:
            return decode_archived({"slow": _blur_pile(8000)}, round_timeout=40, deadline=40)
        finally:
            finished.set()

    win.runner.submit(read_article)
    cpu, started = _cpu_ticks(pid), time.monotonic()
    while _cpu_ticks(pid) < cpu + 20 and time.monotonic() - started < 20:
        time.sleep(0.05)  # bounded poll: until the decoder is busy with the SVG
    assert not finished.is_set()
    win.close()
    assert finished.is_set()
    assert decoder_pids() == [] and decoder_children() == [] and gone(pid)
