"""Opening an archive from the command line: one clear line for every bad ``--db``, no
archive conjured up by a reading command, read-only archives read as they are, a lock
that says who holds it, and a full disk that is called a full disk.

Everything runs through the real ``desktop.cli.main`` (or ``python -m desktop.cli`` in a
subprocess where a mount namespace or a second process is needed) on real files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from storage.archive import Archive
from storage.db import ArchiveOpenError
from tests.reliability.helpers import ROOT, digest, extracted, fetched, run_python, unshare_works
from tests.support.fixture_site import article_html

needs_unshare = pytest.mark.skipif(not unshare_works(),
                                   reason="unshare -rm (user + mount namespace) is not available")
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("cuttings: "), err
    return lines[0]


def make_archive(path: Path, n: int = 3) -> Path:
    with Archive.open(str(path)) as archive:
        for i in range(n):
            archive.store_capture(fetched(f"https://news.example/harbour/{i}"),
                                  extracted(f"Harbour story {i}", f"The harbour wall, part {i}."))
    return path


# ------------------------------------------------------------------- bad --db values


@pytest.mark.parametrize("value", [
    "mysql://desk:hunter2@db.example/cuttings",
    "oracle+cx://desk:hunter2@db.example/x",
    "postgresql://desk:hunter2@db.example:notaport/cuttings",
    "postgresql://desk:hunter2@[::1/cuttings",
    "postgresql:/desk:hunter2@db.example/cuttings",
])
def test_unsupported_or_malformed_url_is_one_line_without_the_password(
        value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in (["list", "--db", value], ["backup", "--db", value],
                 ["search", "harbour", "--db", value]):
        code, out, err = cli(capsys, *argv)
        assert code == 2, (argv, err)
        line = one_line(err)
        assert "hunter2" not in out + err
        assert "unsupported" in line or "not a valid database URL" in line, line
    assert list(tmp_path.iterdir()) == []


def test_a_libpq_connection_string_is_refused_and_its_password_never_shown(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    conninfo = "host=db.example port=5432 dbname=cuttings user=desk password=hunter2"
    for command in (["list"], ["add", "https://news.example/a"], ["check"], ["backup"]):
        code, out, err = cli(capsys, *command, "--db", conninfo)
        assert code == 2, (command, err)
        line = one_line(err)
        assert "connection string" in line and "postgresql://" in line
        assert "hunter2" not in out + err
    assert list(tmp_path.iterdir()) == [], "a file named after the password was created"


@pytest.mark.parametrize("name", ["a" * 300 + ".db", "d/" * 3000 + "a.db"])
def test_a_path_too_long_for_the_file_system_is_one_line(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file name over 255 bytes, or a path over PATH_MAX: one line, exit 2, for
    reading and creating commands (it was a traceback, "File name too long")."""
    for argv in (["list"], ["add", "https://news.example/a"], ["check"]):
        code, _, err = cli(capsys, *argv, "--db", str(tmp_path / name))
        line = one_line(err)
        assert code == 2 and "too long" in line, err


def test_backup_keep_zero_is_a_usage_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = make_archive(tmp_path / "a.db")
    for keep in ("0", "-3"):  # refused by the argument's range, before any backup
        with pytest.raises(SystemExit) as exit_info:
            main(["backup", "--db", str(db), "--keep", keep])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert "argument --keep: a count must be from 1 to" in err.strip().splitlines()[-1]
    assert not (tmp_path / "a.db.backups").exists() or not list(
        (tmp_path / "a.db.backups").iterdir())


# ------------------------------------------------------- reading commands create nothing


READING = (["list"], ["list", "--json"], ["show", "1"], ["search", "harbour"], ["check"],
           ["export", "--all", "--format", "json", "-o", "OUT"], ["tag", "list"],
           ["claim", "list"], ["collection", "list"], ["tidy"],
           ["tag", "add", "Harbour", "--article", "1"])


@pytest.mark.parametrize("argv", READING, ids=lambda a: " ".join(a[:2]))
def test_a_missing_archive_is_refused_not_created(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "archvie.db"
    argv = [str(tmp_path / "out.json") if a == "OUT" else a for a in argv]
    code, out, err = cli(capsys, *argv, "--db", str(typo))
    assert code == 2, err
    assert one_line(err) == f"cuttings: no archive at {typo}"
    assert list(tmp_path.iterdir()) == [], "something was created for a typo'd --db"


def test_a_file_uri_is_understood_and_never_creates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nope.db"
    for uri in (f"file:{missing}", f"file://{missing}?mode=ro"):
        code, _, err = cli(capsys, "list", "--db", uri)
        assert code == 2 and one_line(err) == f"cuttings: no archive at {missing}"
    assert list(tmp_path.iterdir()) == []  # (no "file:" folder either)
    db = make_archive(tmp_path / "real.db")
    before = digest(db)
    code, out, err = cli(capsys, "list", "--db", f"file:{db}?mode=ro")
    assert code == 0, err
    assert "Harbour story 2" in out
    code, _, err = cli(capsys, "tag", "add", "Harbour", "--article", "1",
                       "--db", f"file:{db}?mode=ro")
    assert code == 1 and "read-only" in one_line(err)
    assert digest(db) == before


def test_commands_meant_to_create_still_create(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "saved.html"
    page.write_text(article_html(1), encoding="utf-8")
    db = tmp_path / "new" / "archive.db"
    code, out, err = cli(capsys, "import-html", "--db", str(db), str(page),
                         "--url", "https://ledger.example/news/1")
    assert code == 0, err
    assert db.exists()
    assert cli(capsys, "list", "--db", str(db))[0] == 0


# ------------------------------------------------------------- read-only archives


RO_COMMANDS = (["list"], ["show", "1"], ["search", "harbour"], ["check"],
               ["export", "--all", "--format", "json", "-o", "EXPORT"], ["tag", "list"])


@needs_unshare
@pytest.mark.timeout(120)
def test_reading_commands_work_on_a_read_only_mount(tmp_path: Path) -> None:
    """A read-only bind mount (EROFS, which even root cannot write through): every reading
    command opens the archive read-only by itself; writing ones say read-only; ``backup``
    says it cannot write its copy, in one line."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = make_archive(folder / "archive.db")
    before = digest(db)
    script = "; ".join(
        f"{sys.executable} -m desktop.cli "
        f"{' '.join(a.replace('EXPORT', f'{tmp_path}/export{i}.json') for a in argv)} "
        f"--db {db} >{tmp_path}/out{i} "
        f"2>{tmp_path}/err{i}; echo $? >{tmp_path}/rc{i}"
        for i, argv in enumerate([*RO_COMMANDS, ["backup"], ["tag", "add", "X", "--article", "1"]]))
    shell = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
             f"{script}")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True, text=True,
                          timeout=110, env=ENV, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]

    def result(i: int) -> tuple[int, str, str]:
        return (int((tmp_path / f"rc{i}").read_text()), (tmp_path / f"out{i}").read_text(),
                (tmp_path / f"err{i}").read_text())

    for i, argv in enumerate(RO_COMMANDS):
        code, out, err = result(i)
        assert code == 0, (argv, err)
        assert "Traceback" not in err
    assert "Harbour story 1" in result(0)[1]
    assert "database: ok" in result(3)[1] and "search index: ok" in result(3)[1]
    code, _, err = result(len(RO_COMMANDS))  # backup: the backups folder cannot be made
    assert code == 1 and "cannot write a backup" in one_line(err)
    assert "Read-only file system" in err
    code, _, err = result(len(RO_COMMANDS) + 1)  # a writing command
    assert code == 1 and "read-only" in one_line(err)
    assert digest(db) == before


# ------------------------------------------------------------- who holds the lock


HOLDER = r"""
import sys
from desktop.cli import _open_archive, build_parser
args = build_parser().parse_args(sys.argv[1:])
archive = _open_archive(args)
print("HELD", flush=True)
sys.stdin.read()
archive.close()
"""


@pytest.mark.timeout(60)
def test_a_second_writer_is_told_which_command_holds_the_archive(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = make_archive(tmp_path / "a.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, "add", "--db", str(db), "https://news.example/x"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HELD"
        code, _, err = cli(capsys, "tag", "add", "Harbour", "--article", "1", "--db", str(db))
        line = one_line(err)
        assert code == 1
        assert f"being written by `cuttings add` (pid {holder.pid})" in line
        assert "window" not in line
        from desktop.app import AlreadyOpenError, acquire_instance_lock

        with pytest.raises(AlreadyOpenError, match="being written by `cuttings add`"):
            acquire_instance_lock("sqlite:///" + str(db))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    assert cli(capsys, "tag", "add", "Harbour", "--article", "1", "--db", str(db))[0] == 0


# ------------------------------------------------------------------- full disk


FULL_AT_OPEN = r"""
import json, os, sys
from storage.archive import Archive
from storage.db import ArchiveOpenError
from tests.reliability.helpers import extracted, fetched
folder = sys.argv[1]
path = os.path.join(folder, "archive.db")
with Archive.open(path) as a:
    for i in range(3):
        a.store_capture(fetched(f"https://news.example/{i}"), extracted(f"T{i}", "calm words"))
ballast = open(os.path.join(folder, "ballast"), "wb", buffering=0)
try:
    while True:
        ballast.write(b"\0" * 512)
except OSError:
    pass
ballast.close()
out = {}
try:
    Archive.open(path)
    out["open"] = "opened"
except ArchiveOpenError as exc:
    out["open"] = [exc.code, str(exc)]
try:
    Archive.open(os.path.join(folder, "new.db"))  # a new archive: the migration meets it
    out["new"] = "opened"
except ArchiveOpenError as exc:
    out["new"] = [exc.code, str(exc)]
from desktop.cli import main
out["cli"] = main(["list", "--db", path])
print(json.dumps(out))
"""


@needs_unshare
@pytest.mark.timeout(60)
def test_a_full_disk_at_open_is_reported_as_a_full_disk(tmp_path: Path) -> None:
    """A 4 MB tmpfs (room for the archive and its WAL checkpoint), then filled: SQLite cannot make its -shm and says "disk I/O error", which
    used to read "damaged; restore it from a backup" (and the app offered to)."""
    import json

    mnt = tmp_path / "mnt"
    mnt.mkdir()
    shell = (f"mount -t tmpfs -o size=4m tmpfs {mnt} && "
             f"exec {sys.executable} -c '{FULL_AT_OPEN}' {mnt}")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True,
                          text=True, timeout=50, env=ENV, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    code, message = out["open"]
    assert code == "disk_full", message
    assert "full" in message and "damaged" not in message and "backup" not in message
    code, message = out["new"]
    assert code == "disk_full" and "damaged" not in message, message
    assert out["cli"] == 1
    line = [x for x in proc.stderr.splitlines() if x.startswith("cuttings:")]
    assert len(line) == 1 and "is full" in line[0], proc.stderr


def test_a_missing_archive_is_an_open_error_with_its_own_code(tmp_path: Path) -> None:
    with pytest.raises(ArchiveOpenError) as exc:
        Archive.open(str(tmp_path / "none.db"), create=False)
    assert exc.value.code == "missing"
    assert not (tmp_path / "none.db").exists()


def _leaf_commands() -> list[tuple[str, str | None, str | None]]:
    """(command, action attribute, action) of every sub-command the parser knows."""
    import argparse

    from desktop.cli import build_parser

    def subparsers(p: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
        return next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)

    out: list[tuple[str, str | None, str | None]] = []
    top = subparsers(build_parser())
    assert top is not None
    for name, parser in top.choices.items():
        inner = subparsers(parser)
        if inner is None:
            out.append((name, None, None))
        else:
            out.extend((name, inner.dest, action) for action in inner.choices)
    return out


def test_every_command_but_the_creating_ones_refuses_a_missing_archive(tmp_path: Path) -> None:
    """The rule for the whole class, over every command the parser knows: whatever goes
    through ``_open_archive`` creates an archive only for CREATING_COMMANDS."""
    import argparse

    from desktop.cli import CREATING_COMMANDS, _open_archive

    leaves = _leaf_commands()
    assert len(leaves) > 20 and ("tag", "tag_command", "add") in leaves
    for command, attr, action in leaves:
        db = tmp_path / f"{command}-{action}.db"
        ns = argparse.Namespace(command=command, db=str(db), repair=False)
        if attr:
            setattr(ns, attr, action)
        if command in CREATING_COMMANDS:
            _open_archive(ns).close()
            assert db.exists()
            continue
        with pytest.raises(ArchiveOpenError) as exc:
            _open_archive(ns).close()
        assert exc.value.code == "missing", (command, action)
        assert not any(p.name.startswith(db.name) for p in tmp_path.iterdir()), (command, action)


def test_an_older_archive_that_is_read_only_is_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An archive from an older Cuttings (schema 4) that cannot be written (``mode=ro``
    here; a read-only mount or disc the same) cannot be brought up to date: reading
    commands say so in one line, instead of tracebacks ("no such column") from the
    ones that read the newer columns."""
    db = make_archive(tmp_path / "old.db")
    proc = run_python(  # in a process of its own: every connection closed when it ends
        "import sqlite3, sys\nfrom alembic import command\n"
        "from storage.db import _alembic_config\n"
        "command.downgrade(_alembic_config('sqlite:///' + sys.argv[1]), '0004')\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "con.execute('PRAGMA user_version = 4')\n"  # as Cuttings of schema 4 left it
        "con.commit()\ncon.close()\n", str(db))
    assert proc.returncode == 0, proc.stderr
    before = digest(db)
    for argv in (["show", "1"], ["list"], ["export", "--all", "--format", "json", "-o",
                                          str(tmp_path / "out.json")]):
        code, _, err = cli(capsys, *argv, "--db", f"file:{db}?mode=ro")
        line = one_line(err)
        assert code == 1 and "older Cuttings" in line and "read-only" in line, err
    assert digest(db) == before
    code, _, err = cli(capsys, "list", "--db", str(db))  # writable: upgraded, then read
    assert code == 0, err
