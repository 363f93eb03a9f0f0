"""Reading a user-given file with a cap: never more than ``cap + 1`` bytes, whatever
the file is (``/dev/zero``, a FIFO, a 400 MB file, a file that grows while read).

A regular file over the cap is refused on its size, before any byte is read; for
anything else the size reported by ``stat`` is not trusted (devices and pipes report
0, a file may grow): the bytes are read in chunks and the read stops one byte past
the cap, so memory and time are bounded by the cap (docs/reliability.md J6, input bounds).

Thread rules: pure I/O on the calling thread; no shared state.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class InputTooLarge(ValueError):
    """The input is larger than its cap; ``str(err)`` is a one-line message."""


def describe_size(n: int) -> str:
    """``n`` bytes for people: 256 MiB, 64 KiB, 12 bytes."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


def read_capped(path: Path | str, cap: int, what: str | None = None) -> bytes:
    """The bytes of ``path``, or :class:`InputTooLarge` after reading ``cap + 1`` bytes.

    ``what`` names the input in the message (default: the file name). ``OSError`` from
    opening or reading is left to the caller."""
    path = Path(path)
    name = what or path.name
    parts: list[bytes] = []
    got = 0
    with path.open("rb", buffering=0) as fh:
        st = os.fstat(fh.fileno())
        if stat.S_ISREG(st.st_mode) and st.st_size > cap:  # refused before reading
            raise InputTooLarge(f"{name} is too large ({describe_size(st.st_size)}; the "
                                f"limit is {describe_size(cap)}); refused")
        while got <= cap:
            chunk = fh.read(min(CHUNK, cap + 1 - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    if got > cap:
        raise InputTooLarge(f"{name} is too large (over {describe_size(cap)}); refused")
    return b"".join(parts)


def copy_capped(src: BinaryIO, dst: BinaryIO, cap: int, what: str = "the input",
                shown_cap: int | None = None) -> int:
    """Copy the open stream ``src`` into ``dst`` in chunks, at most ``cap`` bytes
    (memory: one chunk), or :class:`InputTooLarge` after ``cap + 1`` (the message
    names ``shown_cap``, default ``cap``). For pipes and devices, which can be read
    only once: copy them to a temporary file, then read that. Returns the size."""
    got = 0
    while True:
        chunk = src.read(min(CHUNK, cap + 1 - got))
        if not chunk:
            return got
        got += len(chunk)
        if got > cap:
            raise InputTooLarge(f"{what} is too large (over "
                                f"{describe_size(cap if shown_cap is None else shown_cap)}); "
                                "refused")
        dst.write(chunk)
