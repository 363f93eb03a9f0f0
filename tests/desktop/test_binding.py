"""The Qt binding itself: a known PySide6 fault would crash long captures.

PySide6 6.12.0's ``SignalInstance.emit`` dropped a reference to ``True`` on every
call; a few thousand emits (one 200-URL batch) aborted the interpreter with
"bool_dealloc". pyproject excludes that version; this test keeps any other
version with the same fault from slipping in.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal(int)


def test_emit_keeps_reference_counts(qapp) -> None:  # noqa: ANN001 - pytest-qt fixture
    probe = _Probe()
    seen: list[int] = []
    probe.ping.connect(seen.append)
    before = sys.getrefcount(True)
    for i in range(200):
        probe.ping.emit(i)
    assert len(seen) == 200
    assert abs(sys.getrefcount(True) - before) < 20
