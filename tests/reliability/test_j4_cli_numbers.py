"""Numbers on the command line: a hostile or mistyped number is one ``error:`` line and
exit status 2, never a traceback from the database (``show 99999999999999999999999``
overflowed SQLite's integer). Every numeric option uses a ranged type of
desktop.cli_args; a guard walks every parser and refuses a bare ``type=int``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from desktop import cli
from storage.archive import Archive
from tests.reliability.helpers import extracted, fetched

#: (command words, with N where the number goes)
NUMERIC_ARGS = [
    ["show", "N"],
    ["search", "x", "--offset", "N"],
    ["search", "x", "--limit", "N"],
    ["claim", "show", "N"],
    ["claim", "set", "N", "--note", "n"],
    ["claim", "delete", "N"],
    ["claim", "add", "N", "--text", "x"],
    ["claim", "add", "1", "--start", "N", "--end", "5"],
    ["claim", "add", "1", "--start", "0", "--end", "N"],
    ["claim", "list", "--article", "N"],
    ["tag", "add", "t", "--article", "N"],
    ["tag", "add", "t", "--quote", "N"],
    ["tag", "remove", "t", "--claim", "N"],
    ["tag", "remove", "t", "--credit", "N"],
    ["collection", "add", "c", "--article", "N"],
    ["collection", "remove", "c", "--claim", "N"],
    ["export", "--article", "N", "--format", "json", "-o", "OUT"],
    ["export", "--query", "x", "--limit", "N", "--format", "json", "-o", "OUT"],
    ["backup", "--keep", "N"],
    ["add", "https://news.example/a", "--workers", "N"],
    ["add", "https://news.example/a", "--per-host", "N"],
    ["add", "https://news.example/a", "--deadline", "N"],
]
HOSTILE_NUMBERS = ["99999999999999999999999", "-99999999999999999999999", "9223372036854775808",
                   "1e20", "-1", "0x10", "nan", "-inf", ""]


def _argv(words: list[str], number: str, tmp_path: Path) -> list[str]:
    out = str(tmp_path / "out.json")
    return [number if w == "N" else out if w == "OUT" else w for w in words]


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
@pytest.mark.parametrize("words", NUMERIC_ARGS, ids=[" ".join(w) for w in NUMERIC_ARGS])
def test_j4_hostile_number_is_one_usage_line(words: list[str], number: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "a.db"
    with pytest.raises(SystemExit) as exc:
        cli.main([*_argv(words, number, tmp_path), "--db", str(db)])
    out, err = capsys.readouterr()
    assert exc.value.code == 2, (words, number, err)
    assert "Traceback" not in err and out == ""
    (line,) = [ln for ln in err.splitlines() if "error:" in ln]
    assert line.startswith("cuttings"), line
    assert not db.exists(), "refused before the archive was opened"


def test_j4_zero_is_refused_where_it_means_nothing(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for words in (["show", "0"], ["search", "x", "--limit", "0"], ["backup", "--keep", "0"],
                  ["claim", "show", "0"], ["add", "https://news.example/a", "--workers", "0"]):
        with pytest.raises(SystemExit) as exc:
            cli.main([*words, "--db", str(tmp_path / "a.db")])
        assert exc.value.code == 2, words
        assert "must be from 1 to" in capsys.readouterr().err, words


def test_j4_largest_numbers_in_range_work(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The bounds are not too tight: the largest id SQLite holds is simply not found, the
    largest offset is an empty page, both without a traceback."""
    db = str(tmp_path / "a.db")
    with Archive.open(db) as archive:
        archive.store_capture(fetched("https://news.example/z"),
                              extracted("Zephyr", "The zephyr council met on Tuesday."))
    assert cli.main(["show", str(2**63 - 1), "--db", db]) == 1
    assert "no article with id" in capsys.readouterr().err
    assert cli.main(["search", "zephyr", "--offset", str(2**31 - 1), "--limit", str(2**31 - 1),
                     "--db", db]) == 0
    assert capsys.readouterr().out == "no results\n"
    assert cli.main(["search", "zephyr", "--offset", "0", "--db", db]) == 0
    assert "Zephyr" in capsys.readouterr().out
    assert cli.main(["claim", "show", str(2**63 - 1), "--db", db]) == 1
    assert "no claim" in capsys.readouterr().err


def _parsers(parser: argparse.ArgumentParser, path: str = "cuttings"):
    yield path, parser
    for action in parser._actions:  # noqa: SLF001 - argparse keeps its parsers here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_j4_guard_every_numeric_option_has_a_range() -> None:
    bare = []
    numeric = 0
    for path, parser in _parsers(cli.build_parser()):
        for action in parser._actions:  # noqa: SLF001
            if action.type in (int, float):
                bare.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
            numeric += hasattr(action.type, "bounded")
    assert numeric >= 20  # the walk found the commands
    assert bare == [], f"use a desktop.cli_args type (a range), not type=int/float: {bare}"
