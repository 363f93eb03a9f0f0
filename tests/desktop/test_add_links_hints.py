"""The Add links dialog shows the repeated links and suggests the fix of a mistyped
scheme, which one click applies (issue 22)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui

PASTED = """Notes for Monday:
htps://paper.example/2026/harbour-wall
https://paper.example/b
https://paper.example/b?utm_source=newsletter
see https://paper.example/b again, and hhtp://paper.example/c
"""


def _texts(dialog) -> list[str]:
    return [dialog.details.item(i).text() for i in range(dialog.details.count())]


def test_dialog_lists_repeats_and_offers_the_scheme_fix(qtbot, make_window):
    win = make_window(resume_queue=False)
    dialog = win.open_add_dialog(PASTED)
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    a = dialog.analysis
    assert a.new == ["https://paper.example/b"]
    assert a.repeated == 2 and a.repeats == {"https://paper.example/b": 3}
    texts = _texts(dialog)
    assert any(t.startswith("≡") and "https://paper.example/b" in t and "3 times" in t
               for t in texts)
    refused = [t for t in texts if t.startswith("✕")]
    assert len(refused) == 2
    assert refused[0].startswith("✕  htps://paper.example/2026/harbour-wall")
    assert refused[0].endswith("did you mean https://paper.example/2026/harbour-wall?")
    assert refused[1].endswith("did you mean http://paper.example/c?")
    assert "only http and https" in dialog.details.item(texts.index(refused[0])).toolTip()
    assert dialog.fix_button.isVisibleTo(dialog)
    assert dialog.capture_button.text() == "Capture 1 link"

    dialog.fix_button.click()  # the offered fix, applied to the text
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    assert dialog.analysis.new == ["https://paper.example/2026/harbour-wall",
                                   "https://paper.example/b", "http://paper.example/c"]
    assert not dialog.analysis.refused
    assert not dialog.fix_button.isVisibleTo(dialog)
    assert dialog.capture_button.text() == "Capture 3 links"
    dialog.reject()
