"""Work-arounds for bugs of the installed Qt binding (imported by every GUI module).

PySide6 6.12.0: ``SignalInstance.emit`` returns ``True`` without taking a reference,
so every emit from Python drops one reference to ``True``; after a few thousand
emits (a 200-URL capture sends more) the interpreter aborts with "Fatal Python
error: bool_dealloc". :func:`install` detects the fault once at import and, only if
present, wraps ``emit`` to give the reference back. With a fixed binding the probe
finds nothing and nothing is patched. Thread rules: ``install`` runs at import time
(any thread); the wrapper is as thread-safe as ``emit`` itself.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)

_installed = False


class _Probe(QObject):
    ping = Signal()


def emit_drops_true_reference(samples: int = 16) -> bool:
    """Whether ``emit`` leaks a reference to ``True`` in this binding."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(samples):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    probe.deleteLater()
    return lost >= samples // 2


def install() -> bool:
    """Patch ``SignalInstance.emit`` if (and only if) it drops references. Returns
    whether the patch is active."""
    global _installed
    if _installed:
        return True
    if not emit_drops_true_reference():
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit(self: SignalInstance, *args: Any) -> Any:
        result = original(self, *args)
        if result is True:
            incref(True)
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    _installed = True
    log.info("PySide6 emit() reference fault detected; work-around installed")
    return True


install()
