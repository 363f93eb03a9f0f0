"""The capture queue's progress bar follows a slow download (issue: it stayed at 10 %).

A loopback server sends a page in five pieces, 0.15 s apart, with its Content-Length
(or without one); the real pipeline fetches it and the queue model, fed by the
controller's signals, must show the bar moving through the download and the job
ending at 100 %. The test thread only waits for signals (qtbot.waitUntil).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex

from desktop.queue_panel import BAR_ROLE, COL_PROGRESS, byte_count
from tests.support.servers import RawServer, in_parts

pytestmark = pytest.mark.gui

PAGE = (b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Ferry timetable</title>"
        b"</head><body><article><h1>Ferry timetable approved</h1><p>The council approved the "
        b"ferry timetable on Tuesday after a long debate.</p></article><!--"
        + b"x" * (5 * 16384) + b"--></body></html>")


def _watch(qtbot, win, url):
    """Capture ``url`` and return what the queue model showed for its row, event by event:
    (state, progress, bar) with bar = (percent, text, busy) or None."""
    model = win.queue_panel.model
    seen: list[tuple[str, float, object]] = []

    def changed(top: QModelIndex, _bottom: QModelIndex, *_roles: object) -> None:
        row = model.job_at(top.row())
        seen.append((row.state, row.progress, model.data(model.index(top.row(), COL_PROGRESS),
                                                         BAR_ROLE)))

    model.dataChanged.connect(changed)
    win.controller.enqueue([url])
    qtbot.waitUntil(lambda: bool(model.jobs()) and model.jobs()[0].state == "done"
                    and not win.controller.running, timeout=30000)
    model.dataChanged.disconnect(changed)
    return seen


def test_the_bar_follows_a_download_with_a_known_size(qtbot, make_window):
    win = make_window()
    with RawServer(in_parts(PAGE, 5, 0.15)) as server:
        seen = _watch(qtbot, win, server.url("/slow.html"))
    downloading = [bar for state, _p, bar in seen
                   if state == "running" and bar is not None and bar[1] is not None]
    percents = [bar[0] for bar in downloading]
    assert percents == sorted(percents), seen
    assert percents[0] == 10 and percents[-1] == 50  # from the fetching mark to the next phase
    assert any(10 < p < 50 for p in percents), seen  # real progress in between
    assert downloading[-1][1] == f"{byte_count(len(PAGE))} of {byte_count(len(PAGE))}"
    assert not any(bar[2] for bar in downloading)  # never busy: the size is known
    state, progress, bar = seen[-1]
    assert (state, progress, bar) == ("done", 1.0, None)  # 100 %, and the bar goes away


def test_the_bar_is_busy_with_a_byte_count_when_the_size_is_unknown(qtbot, make_window):
    win = make_window()
    with RawServer(in_parts(PAGE, 5, 0.15, announce_length=False)) as server:
        seen = _watch(qtbot, win, server.url("/slow.html"))
    downloading = [bar for state, _p, bar in seen
                   if state == "running" and bar is not None and bar[1] is not None]
    assert downloading and all(bar[2] for bar in downloading)  # busy: no known end
    assert {bar[0] for bar in downloading} == {10}
    texts = [bar[1] for bar in downloading]
    assert texts[0] == "0 B" and texts[-1] == byte_count(len(PAGE))
    assert len(set(texts)) > 2, texts  # the count moved through the download
    assert seen[-1][:2] == ("done", 1.0)
