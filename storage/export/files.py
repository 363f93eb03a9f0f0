"""Safe writing and safe naming of export files.

Every export is written to a temporary file in the target's own folder, flushed,
fsynced and then renamed over the target with :func:`os.replace`, so a failure or a
cancel at any point never leaves a partial file under the target name. OS errors are
turned into :class:`ExportWriteError` whose message names the path and the reason in
plain words. Exports are meant to be shared: the file gets the user's umask
(``storage.fsio.shared_file_mode``, e.g. 0644), not the temporary file's 0600.

Thread rules: pure functions and a context manager; safe from any thread.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from storage.fsio import fsync_dir, make_shared

log = logging.getLogger(__name__)

#: Longest file name (in UTF-8 bytes) most file systems accept.
NAME_MAX = 255

_REASONS = {
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EISDIR: "it is a folder",
}


class ExportWriteError(OSError):
    """An export file could not be written; ``str(err)`` names the path and why."""

    def __init__(self, path: Path | str, reason: str, errno_: int | None = None) -> None:
        super().__init__(errno_ or 0, f"cannot write {path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def describe_os_error(exc: OSError) -> str:
    """A short plain-words reason for an OS error."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or str(exc)


def check_target(path: Path) -> None:
    """Refuse early, with a clear message, targets that cannot work."""
    if len(path.name.encode("utf-8", "surrogatepass")) > NAME_MAX:
        raise ExportWriteError(path, _REASONS[errno.ENAMETOOLONG], errno.ENAMETOOLONG)
    if path.is_dir():
        raise ExportWriteError(path, _REASONS[errno.EISDIR], errno.EISDIR)
    if path.exists() and not path.is_file():  # (followed through a link: /dev/stdout)
        # the rename at the end would replace the device node, FIFO or socket (or the
        # link to one) with a regular file
        raise ExportWriteError(path, "it is not a regular file (a device, pipe or socket)")
    parent = path.parent
    probe = parent
    while True:
        if probe.exists() and not probe.is_dir():
            raise ExportWriteError(path, _REASONS[errno.ENOTDIR], errno.ENOTDIR)
        if probe.exists() or probe == probe.parent:
            break
        probe = probe.parent
    if not parent.exists():
        raise ExportWriteError(path, _REASONS[errno.ENOENT], errno.ENOENT)


def _open_temp(directory: Path, prefix: str) -> tuple[IO[bytes], str]:
    """Open a new temporary file in ``directory`` (a seam for fault-injection tests)."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=directory)
    return os.fdopen(fd, "w+b"), tmp


@contextlib.contextmanager
def atomic_write(path: Path | str, check: Callable[[Path], None] | None = None, *,
                 private: bool = False) -> Iterator[IO[bytes]]:
    """Yield a binary file that becomes ``path`` only if the block ends normally
    (and ``check(temp_path)``, run on the complete fsynced file, does not raise).

    The file is created with the mode a shared file gets (``0o666`` less the umask)
    unless ``private`` (then 0600, like the database and its backups).

    On any exception (including a cancel) the temporary file is removed and the
    target is left as it was. OS errors come out as :class:`ExportWriteError`.
    """
    target = Path(path)
    check_target(target)
    prefix = "." + target.name[:40] + "."
    try:
        fh, tmp = _open_temp(target.parent, prefix)
    except OSError as exc:
        raise ExportWriteError(target, describe_os_error(exc), exc.errno) from exc
    try:
        try:
            if not private:
                make_shared(fh.fileno())
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, ExportWriteError):
            raise ExportWriteError(target, describe_os_error(exc), exc.errno) from exc
        raise
    fsync_dir(target.parent)


# --------------------------------------------------------------------------- names

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                     *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10)),
                     "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
_FORBIDDEN = set('/\\:*?"<>|')
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F,
                          0x061C)}


def _clean_chars(title: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", title):
        cat = unicodedata.category(ch)
        if ch in _BIDI or cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(" ")
        elif ch in _FORBIDDEN:
            out.append("-")
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _truncate_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def safe_filename(title: str | None, *, suffix: str = "", max_bytes: int = 80,
                  taken: set[str] | None = None, fallback: str = "untitled") -> str:
    """A file name derived from an untrusted ``title``: one path component, no
    control or bidi characters, no ``..``, no Windows-reserved device name, at most
    ``max_bytes`` UTF-8 bytes before ``suffix``, and (when ``taken`` is given) unique
    among the names in ``taken`` compared case-insensitively; the new name is added
    to ``taken``."""
    base = _clean_chars(title or "")
    base = re.sub(r"\.{2,}", "-", base.replace(" ", "-"))
    base = re.sub(r"-{2,}", "-", base).strip(".- ")
    base = _truncate_utf8(base, max_bytes - 1).strip(".- ") or fallback  # room for "_"
    if base.split(".")[0].upper() in _WINDOWS_RESERVED:
        base = "_" + base
    suffix = "".join(ch for ch in suffix if ch.isalnum() or ch in "._-")[:16]
    name = base + suffix
    if taken is not None:
        n = 2
        while name.casefold() in taken:
            tail = f"-{n}"
            name = _truncate_utf8(base, max_bytes - len(tail)).rstrip(".- ") + tail + suffix
            n += 1
        taken.add(name.casefold())
    return name
