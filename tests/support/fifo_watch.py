"""Detect that code under test opened a file, using a FIFO as a tripwire.

Put :attr:`FifoWatch.path` wherever a hostile input names a local file (``<img
src="...">``, ``<image href="...">``, a ``file:`` URL). Opening a FIFO for reading
blocks until a writer appears; the watcher, a separate *process*, keeps trying
``os.open(path, O_WRONLY | O_NONBLOCK)``, which succeeds only while some reader
has the FIFO open (``ENXIO`` otherwise). Each success is recorded, then the write
end is closed, which gives the reader an empty file and unblocks it: a test that
trips the wire fails instead of hanging.

The watcher is a process, not a thread, on purpose: a Qt call that blocks in
``open()`` from Python (PySide6) may hold the GIL, and a watcher thread would then
never run (the test would freeze exactly like the app froze).

The record is written *before* the write end is closed, so any open whose read has
returned is already counted when the reader gets control back.

Usage::

    with FifoWatch(tmp_path) as fifo:
        show(f'<img src="{fifo.path}">')
        fifo.assert_working()          # positive control: the wire does trip
        assert fifo.opens == 0
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

_WATCHER = r"""
import errno, os, sys, time
path, record = sys.argv[1], sys.argv[2]
out = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
reader_seen = False
while True:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno not in (errno.ENXIO, errno.EINTR):
            raise
        if reader_seen:  # no reader any more
            os.write(out, b"idle\n")
            reader_seen = False
        time.sleep(0.002)
        continue
    os.write(out, b"opened\n")
    reader_seen = True
    os.close(fd)
"""


class FifoWatch:
    """A FIFO in ``directory`` and a watcher process counting opens of it for reading.

    Not thread-safe; use from the test's thread. Always :meth:`close` it (or use it
    as a context manager): the watcher process is killed there.
    """

    def __init__(self, directory: Path | str, name: str = "tripwire.fifo") -> None:
        directory = Path(directory)
        self.path = str(directory / name)
        self._record = directory / (name + ".opens")
        os.mkfifo(self.path)
        self._record.write_bytes(b"")
        self._control_opens = 0
        self._proc = subprocess.Popen([sys.executable, "-c", _WATCHER, self.path,
                                       str(self._record)], stdin=subprocess.DEVNULL)

    @property
    def opens(self) -> int:
        """How many times something other than :meth:`assert_working` opened the FIFO."""
        return self._count() - self._control_opens

    def assert_working(self, timeout: float = 10.0) -> None:
        """Hold the FIFO open for reading (non-blocking, so this cannot hang) until the
        watcher records it, within ``timeout`` seconds: proves the wire trips."""
        assert self._proc.poll() is None, "the FIFO watcher process died"
        before = self._count()
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            deadline = time.monotonic() + timeout
            while self._count() == before and time.monotonic() < deadline:
                time.sleep(0.005)  # bounded poll: the watcher is another process
        finally:
            os.close(fd)
        deadline = time.monotonic() + timeout
        while not self._record.read_bytes().endswith(b"idle\n") and time.monotonic() < deadline:
            time.sleep(0.005)  # until the watcher saw the reader gone: every open counted
        seen = self._count() - before
        assert seen >= 1, "the FIFO watcher did not see an open within the deadline"
        self._control_opens += seen

    def _count(self) -> int:
        return self._record.read_bytes().count(b"opened\n")

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait(timeout=10)

    def __enter__(self) -> FifoWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
