"""The sidebar's hints of a new archive ("Quoted people appear here") are whole, not
elided: seen under Xvfb on a fresh archive, the count column took their room (issue 22)."""

from __future__ import annotations

import pytest

from desktop.sidebar import EMPTY_HINTS

pytestmark = pytest.mark.gui


def test_empty_group_hints_are_not_elided(qtbot, make_window) -> None:
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win.runner.in_flight == 0 and not win._refresh_timer.isActive(),
                    timeout=20000)
    side = win.sidebar
    side.resize(230, side.height())  # the window's first width for the sidebar
    win.main_split.setSizes([230, 1070])
    qtbot.waitUntil(lambda: side.width() <= 240, timeout=5000)
    seen = 0
    for group in side.groups.values():
        for i in range(group.childCount()):
            item = group.child(i)
            if item.text(0) not in EMPTY_HINTS.values():
                continue
            seen += 1
            rect = side.visualItemRect(item)
            need = side.fontMetrics().horizontalAdvance(item.text(0))
            assert item.isFirstColumnSpanned(), item.text(0)
            assert rect.width() - side.indentation() >= need, item.text(0)
    assert seen == len(EMPTY_HINTS)
