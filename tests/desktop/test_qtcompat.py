"""The binding work-around: emitting signals must not eat references to True."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import desktop.qtcompat as qtcompat


class _Emitter(QObject):
    changed = Signal(object)


def test_many_emits_keep_true_alive():
    emitter = _Emitter()
    received = []
    emitter.changed.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        emitter.changed.emit(i)
    assert len(received) == 5000
    assert sys.getrefcount(True) >= before - 10
    assert not qtcompat.emit_drops_true_reference()  # patched, or a fixed binding
