"""argparse types for the numbers the ``cuttings`` commands take, each with its range.

A number outside what the archive can hold (``show 99999999999999999999999`` does not
fit an SQLite integer) or outside what the option means (a negative ``--offset``,
``backup --keep 0``) is refused by argparse: one ``error:`` line, exit status 2,
never a traceback from deep inside the database. Every ``int``/``float`` option of
every command uses one of these (a test walks the parsers and refuses bare
``type=int``). No Qt; pure functions.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from capture.settings import Settings

#: The largest SQLite integer: row ids cannot be larger.
MAX_ID = 2**63 - 1
#: Counts and offsets (``--limit``, ``--offset``, text offsets): far beyond any archive,
#: small enough that adding two of them still fits an SQLite integer.
MAX_COUNT = 2**31 - 1


def _whole(text: str) -> int:
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def int_range(lo: int, hi: int, what: str = "a whole number") -> Callable[[str], int]:
    """A type accepting whole numbers from ``lo`` to ``hi`` (inclusive)."""

    def parse(text: str) -> int:
        value = _whole(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be from {lo} to {hi}, not {text}")
        return value

    parse.__name__ = f"int_range({lo}, {hi})"  # argparse names the type in some messages
    parse.bounded = (lo, hi)  # type: ignore[attr-defined]  # read by the guard test
    return parse


def float_range(lo: float, hi: float, what: str = "a number") -> Callable[[str], float]:
    """A type accepting finite numbers from ``lo`` to ``hi`` (inclusive)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be from {lo:g} to {hi:g}, not {text}")
        return value

    parse.__name__ = f"float_range({lo}, {hi})"
    parse.bounded = (lo, hi)  # type: ignore[attr-defined]
    return parse


#: An id of an article, quote, claim or photo credit.
archive_id = int_range(1, MAX_ID, "an id")
#: How many items (``--limit``): at least one.
count = int_range(1, MAX_COUNT, "a count")
#: An offset or position (``--offset``, ``--start``, ``--end``): zero or more.
offset = int_range(0, MAX_COUNT, "an offset")


def setting(name: str) -> Callable[[str], int] | Callable[[str], float]:
    """A type for the option that sets ``Settings.<name>``, with the bounds the settings
    declare (the same the window's settings dialog enforces)."""
    for field_name, typ, _default, meta in Settings.declarations():
        if field_name == name:
            lo, hi = meta["min"], meta["max"]
            if typ is int:
                return int_range(int(lo), int(hi), "the value")
            return float_range(float(lo), float(hi), "the value")
    raise KeyError(name)
