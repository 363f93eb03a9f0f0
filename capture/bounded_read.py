"""Reading a whole input file (or stdin) with a size cap: the one reader for inputs.

Every command that takes a file the user names -- a saved page (``import-html``,
``extract``), a URL list (``add --from-file``, ``-`` for stdin), an export to import
(``import``, ``verify``) -- reads it through :func:`read_bounded`,
:func:`read_stream_bounded` or :func:`copy_bounded`, so a 400 MB file, ``/dev/zero``
or an endless pipe is refused with one clear line instead of filling the memory
(docs/reliability.md, J4 and J6):

* a regular file whose size is over the cap is refused from its ``stat`` alone,
  before one byte is read;
* anything else (a pipe, a character device, a file still growing) is read in
  chunks and refused as soon as it has given ``cap + 1`` bytes: never more than
  that is read or held;
* a folder is refused with "is a folder, not a file".

Errors are :class:`InputTooLarge` and :class:`NotAFile` (both ``ValueError``, with
a message fit for the user) and ``OSError`` from the system (missing file,
permission). No Qt; safe to call from any thread (each call owns its file).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

#: The largest URL list (``cuttings add --from-file``, stdin, File > Import URL list):
#: 20 MB is some 200,000 addresses.
URL_LIST_MAX_BYTES = 20 * 1024 * 1024

_CHUNK = 1024 * 1024


class InputTooLarge(ValueError):
    """The input is over its cap; ``str()`` is the message for the user."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(f"{name} is larger than {format_mb(limit)}")
        self.name = name
        self.limit = limit


class NotAFile(ValueError):
    """The path names a folder, not something that can be read."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is a folder, not a file")
        self.name = name


def format_mb(limit: int) -> str:
    """``25 MB`` for 25 MiB (a whole number when it is one)."""
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit} bytes"


def read_stream_bounded(stream: BinaryIO, limit: int, name: str = "stdin") -> bytes:
    """Read ``stream`` to its end, at most ``limit`` bytes, or raise :class:`InputTooLarge`
    after reading ``limit + 1`` bytes (never more)."""
    if limit < 0:
        raise ValueError("limit must not be negative")
    parts: list[bytes] = []
    got = 0
    while got <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - got))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        got += len(chunk)
    log.info("refused %s: over %d bytes", name, limit)
    raise InputTooLarge(name, limit)


def read_bounded(path: str | os.PathLike[str], limit: int, name: str | None = None) -> bytes:
    """The bytes of the file at ``path``, at most ``limit`` of them (see the module doc).

    ``name`` is how messages call the file (default: the path as given).
    """
    label = name if name is not None else str(path)
    try:
        fh = open(Path(path), "rb", buffering=0)  # noqa: SIM115 - closed below
    except IsADirectoryError as exc:
        raise NotAFile(label) from exc
    with fh:
        st = os.fstat(fh.fileno())
        if stat.S_ISDIR(st.st_mode):  # pragma: no cover - open() refuses it on POSIX
            raise NotAFile(label)
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            log.info("refused %s: %d bytes, over %d", label, st.st_size, limit)
            raise InputTooLarge(label, limit)
        return read_stream_bounded(fh, limit, label)  # type: ignore[arg-type]


def copy_bounded(src: BinaryIO, dst: BinaryIO, limit: int, name: str = "the input",
                 shown_limit: int | None = None) -> int:
    """Copy the open stream ``src`` into ``dst`` in chunks (memory: one chunk), at most
    ``limit`` bytes, or raise :class:`InputTooLarge` after reading ``limit + 1`` (its
    message names ``shown_limit``, default ``limit``). For pipes and devices, which can
    be read only once: copy them to a temporary file, then read that. Returns the size."""
    got = 0
    while True:
        chunk = src.read(min(_CHUNK, limit + 1 - got))
        if not chunk:
            return got
        got += len(chunk)
        if got > limit:
            log.info("refused %s: over %d bytes", name, limit)
            raise InputTooLarge(name, limit if shown_limit is None else shown_limit)
        dst.write(chunk)


def read_bounded_or_stdin(path: str, limit: int, stdin: BinaryIO) -> bytes:
    """``path``'s bytes, or ``stdin``'s when ``path`` is ``-``; both capped at ``limit``."""
    if path == "-":
        return read_stream_bounded(stdin, limit, "stdin")
    return read_bounded(path, limit)
