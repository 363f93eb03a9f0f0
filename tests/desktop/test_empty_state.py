"""The first-run page of a new archive is whole in the window's default layout: seen under
Xvfb at 1400x900, its third line was cut in half by the list pane (issue 22)."""

from __future__ import annotations

import pytest

from desktop.library_view import PAGE_EMPTY

pytestmark = pytest.mark.gui


def test_welcome_fits_the_list_pane_of_the_default_layout(qtbot, make_window) -> None:
    win = make_window(resume_queue=False)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.list_stack.currentIndex() == PAGE_EMPTY, timeout=10000)
    page, body = win.empty_state, win.empty_state.body
    qtbot.waitUntil(lambda: page.height() > 0, timeout=5000)
    assert page.sizeHint().height() <= win.list_stack.height(), (
        page.sizeHint().height(), win.list_stack.height())
    assert body.height() >= body.heightForWidth(body.width()), (body.height(),
                                                                 body.heightForWidth(body.width()))
    assert page.button.isVisible() and page.button.geometry().bottom() <= page.height()
