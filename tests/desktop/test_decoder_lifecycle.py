"""The window and the image decoder process (docs/reliability.md J2): closing the
window stops the decoder and leaves no process behind."""

from __future__ import annotations

import pytest

from tests.reliability.test_j2_decoder_process import decoder_children, gone
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
