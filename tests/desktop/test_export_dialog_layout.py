"""The Export dialog's "Will write:" line is whole on screen and counts in words a
reader would write ("1 claim", not "1 claims"): seen under Xvfb, where the counts,
arriving after the dialog was laid out, wrapped to two lines clipped to one (issue 22)."""

from __future__ import annotations

import pytest

from tests.storage.export.helpers import organize, store_harbour

pytestmark = pytest.mark.gui


def test_will_write_line_is_not_clipped_and_counts_read_well(qtbot, make_window,
                                                              archive) -> None:
    ids = [store_harbour(archive, n) for n in range(3)]
    organize(archive, ids[:1])  # one claim: "1 claim"
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive(), timeout=20000)
    export = win.open_export()
    export.resize(640, export.height())
    qtbot.waitExposed(export)
    export.scope_all.setChecked(True)
    with qtbot.waitSignal(export.counted, timeout=20000) as blocker:
        pass
    counts = blocker.args[0]
    text = export.counts.text()
    assert text.startswith(f"{counts.articles} article")
    assert counts.claims == 1 and "1 claim," in text  # one claim on the first article
    for part in text.split(", "):
        number, noun = part.split(" ", 1)
        assert noun.split(" (")[0].endswith("s") == (number != "1"), part
    qtbot.waitUntil(lambda: export.counts.height()
                    >= export.counts.heightForWidth(export.counts.width()), timeout=5000)
    # the long line wraps: it needs two lines at this width, and has them
    assert export.counts.heightForWidth(export.counts.width()) \
        > export.counts.fontMetrics().lineSpacing()
