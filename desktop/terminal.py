"""The one output layer of the ``cuttings`` command: nothing stored reaches the terminal raw.

Titles, quotes, names, URLs, tags and server messages come from pages, servers and
imported files. Printed raw, a control character in them is an instruction to the
terminal: ``ESC ] 52`` writes the clipboard, ``ESC [ 2J`` clears the screen, ``\\r``
or a newline inside a title forges a line, U+202E reverses what the reader sees.
So every human-readable line the CLI writes goes through :func:`out` (stdout),
:func:`note` (progress lines on stderr) or :func:`err` (``cuttings: ...`` on
stderr), every JSON document through :func:`print_json`, argparse's messages
through :class:`SafeArgumentParser`, log records through :func:`configure_logging` and
an unexpected traceback through :func:`install_excepthook` (docs/reliability.md, J4). A guard test fails on a bare ``print(`` or
``sys.stdout.write(`` in ``desktop/cli*.py``.

The rule, in :func:`safe_text`: these characters are shown escaped, in Python's
notation (``\\x1b``, ``\\x9b``, ``\\u202e``, ``\\n``, ``\\r``), so they stay visible
and do nothing:

* C0 controls (U+0000-U+001F) except TAB, DEL (U+007F) and C1 controls
  (U+0080-U+009F, among them CSI U+009B and OSC U+009D);
* the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) --
  the invisible marks LRM/RLM/ALM stay: right-to-left text needs them and they
  cannot reorder a line;
* the line and paragraph separators U+2028/U+2029 and lone surrogates;
* the line feed, except in :func:`out_block` (an article's body, whose paragraphs
  are its own lines).

Text without any of these is written unchanged, byte for byte. The backslash
itself is not escaped (paths and text keep theirs), so ``\\x1b`` typed literally
and an escaped ESC look the same: the escaping is for safety, not round trips.

JSON (:func:`print_json`) keeps its shape and data: ``json.dumps`` already writes
C0 controls as ``\\u001b``; DEL, C1, the bidi controls, U+2028/U+2029 and lone
surrogates are written as ``\\uXXXX`` escapes too, which every JSON parser reads
back as the same string.

Call from the main thread (the CLI's); writes go to ``sys.stdout``/``sys.stderr`` as
they are at call time (so pytest's ``capsys`` sees them).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import threading
import traceback
from types import TracebackType
from typing import IO, Any

log = logging.getLogger(__name__)

_BIDI = "\u202a-\u202e\u2066-\u2069"
_ALWAYS = "\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "\u2028\u2029\ud800-\udfff"
_UNSAFE_LINE = re.compile(f"[\n{_ALWAYS}]")
_UNSAFE_BLOCK = re.compile(f"[{_ALWAYS}]")
#: What ``json.dumps(ensure_ascii=False)`` leaves raw but a terminal would act on.
_UNSAFE_JSON = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")

_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    """``value`` as one line of text a terminal only displays (see the module doc)."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE_LINE.sub(_escaped, text)


def safe_block(value: object) -> str:
    """Like :func:`safe_text`, but line feeds stay: for a body of several lines."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE_BLOCK.sub(_escaped, text)


def _write(stream: IO[str], text: str, flush: bool) -> None:
    stream.write(text + "\n")
    if flush:
        stream.flush()


def out(line: object = "", *, flush: bool = False) -> None:
    """Print one line on stdout; a line feed inside it is shown as ``\\n``."""
    _write(sys.stdout, safe_text(line), flush)


def out_block(text: object, *, flush: bool = False) -> None:
    """Print a body of text on stdout, its own line feeds kept."""
    _write(sys.stdout, safe_block(text), flush)


def note(line: object, *, flush: bool = False) -> None:
    """Print one progress or warning line on stderr (no prefix)."""
    _write(sys.stderr, safe_text(line), flush)


def err(msg: object) -> None:
    """Print ``cuttings: MSG`` on stderr, as one line."""
    _write(sys.stderr, "cuttings: " + safe_text(msg), False)


def json_text(data: Any) -> str:
    """``data`` as indented JSON (non-ASCII kept readable, terminal controls escaped)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (see :func:`json_text`)."""
    _write(sys.stdout, json_text(data), False)


class SafeArgumentParser(argparse.ArgumentParser):
    """argparse, with its usage and error messages (which quote the arguments given)
    passed through :func:`safe_block`; sub-parsers inherit the class."""

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if message:
            super()._print_message(safe_block(message), file)


class SafeFormatter(logging.Formatter):
    """A log formatter whose records (a URL, a server's reason phrase) cannot steer the
    terminal; tracebacks keep their lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return safe_text(super().formatMessage(record))  # the message: one line

    def format(self, record: logging.LogRecord) -> str:
        return safe_block(super().format(record))  # a traceback after it keeps its lines


def configure_logging(verbose: bool) -> None:
    """Log to stderr through :class:`SafeFormatter` (INFO with ``-v``, else WARNING)."""
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        handlers=[handler])


def _safe_excepthook(kind: type[BaseException], value: BaseException,
                     tb: TracebackType | None) -> None:
    te = traceback.TracebackException(kind, value, tb)
    pending, seen = [te], set()
    while pending:  # each message on one line (its own line feeds cannot forge lines)
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(getattr(item, "_str", None), str):
            item._str = safe_text(item._str)
        pending += [x for x in (item.__cause__, item.__context__) if x is not None]
    sys.stderr.write(safe_block("".join(te.format())))
    sys.stderr.flush()


def _safe_thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(safe_text(f"Exception in thread {name}:") + "\n")
    _safe_excepthook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


def install_excepthook() -> None:
    """Print an uncaught exception's traceback through :func:`safe_block` (its message
    may quote a title or a URL), in the main thread and in any other thread
    (``threading.excepthook`` does not call ``sys.excepthook``). For the command line
    only: the window has its own."""
    sys.excepthook = _safe_excepthook
    threading.excepthook = _safe_thread_excepthook
