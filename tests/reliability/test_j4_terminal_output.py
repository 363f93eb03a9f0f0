"""J4: stored text never reaches the terminal raw.

An archive whose articles, quotes, speakers, sources, credits, claims, tags and
collections hold an OSC 52 clipboard write, CSI sequences, BEL, C1 controls, bidi
overrides, a carriage return and a line feed is built through the storage API
(imports sanitise on their own; this is the stored-raw case). Every printing command
then runs, and its stdout and stderr must hold no terminal control, while the text
stays visible (escaped) and ``--json`` still parses to the same data.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from capture.types import CitationItem, CreditItem, Extracted, QuoteItem
from desktop import cli
from storage.archive import Archive
from storage.organize import Organizer
from tests.reliability.helpers import ROOT, fetched
from tests.support.servers import RawServer, http_head

OSC52 = "\x1b]52;c;SGVsbG8=\x07"  # writes "Hello" into the clipboard
CSI = "\x1b[2J\x1b[31m\x1b[1;1H"  # clear screen, red, cursor home
C1 = "\x9b31m\x9d52;c;eA==\x9c\x85\x90x\x9c"  # 8-bit CSI, OSC, ST, NEL, DCS
BIDI = "\u202egnp.exe\u202c \u2066x\u2069 \u202d\u202a\u202b"
#: Every kind of control, no line feed: safe for an article's body (whose lines are its own).
INLINE = f"{OSC52}{CSI}\x07{C1}{BIDI}\x7f\x08\x1b\rFORGED-CR"
#: ... and a line feed that would forge a row of a listing.
HOSTILE = INLINE + "\nFORGED-NL"
#: Bidi controls only (tag and collection names refuse control characters).
NAME = "ward \u202eterces\u202c \u2067leak\u2069"

#: What a terminal acts on: C0 except TAB and LF, DEL, C1, bidi embeddings/overrides/
#: isolates, line/paragraph separators.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                               "\u2028\u2029]")


def assert_inert(text: str, where: str) -> None:
    bad = TERMINAL_CONTROLS.search(text)
    assert bad is None, f"{where}: raw {bad.group()!r} at {bad.start()}: {text[:400]!r}"
    for line in text.splitlines():
        assert not line.startswith(("FORGED", "\x1b")), f"{where}: forged line {line!r}"


def _article() -> Extracted:
    body = (f"The zephyr council met {INLINE} on Tuesday.\n\n"
            f"Mayor Hollis said “the zephyr wall {INLINE} holds” at noon.\n\n"
            f"The photo {INLINE} shows the wall.")
    quote = f"the zephyr wall {INLINE} holds"
    start = body.index(quote)
    return Extracted(
        title=f"Harbour {HOSTILE}", authors=[f"Hollis {HOSTILE}"], publisher=f"Post {HOSTILE}",
        published="2024-03-01", language="en", description=HOSTILE, text=body,
        reader_html="<p>zephyr</p>",
        quotes=[QuoteItem(quote, f"Hollis {HOSTILE}", f"mayor {HOSTILE}", "said", start,
                          start + len(quote))],
        citations=[CitationItem(f"Outlet {HOSTILE}", "attribution", None, f"ctx {HOSTILE}")],
        credits=[CreditItem(f"Photo: {HOSTILE}", f"Ann {HOSTILE}", f"Agency {HOSTILE}",
                            f"caption {HOSTILE}")])


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, int]]:
    db = str(tmp_path_factory.mktemp("j4") / "hostile.db")
    with Archive.open(db) as archive:
        stored = archive.store_capture(
            fetched(f"https://news.example/j4?{'x' * 3}", b"<p>zephyr</p>"), _article())
        aid = stored.article_id
        data = archive.article(aid)
        # the precondition: the storage API keeps these raw (the output must cope)
        assert "\x1b]52" in data["title"] and "\u202e" in data["title"], data["title"]
        assert "\x9b" in data["quotes"][0]["speaker"] and "\n" in data["sources"][0]["name"]
        org = Organizer(archive)
        claim = org.add_claim(aid, f"the zephyr wall {INLINE} holds", note=HOSTILE,
                              tags=[NAME])
        org.tag(NAME, articles=[aid], quotes=[data["quotes"][0]["id"]])
        org.create_collection(NAME, HOSTILE)
        org.add_to_collection(NAME, articles=[aid], claims=[claim.id])
    return db, {"article": aid, "claim": claim.id}


def _commands(ids: dict[str, int]) -> list[list[str]]:
    a, c = str(ids["article"]), str(ids["claim"])
    return [["list"], ["list", "--json"], ["show", a], ["show", a, "--json"],
            ["search", "zephyr"], ["search", "zephyr", "--json"],
            ["search", "zephyr is:quote"], ["search", "zephyr is:claim"],
            ["tag", "list"], ["tag", "list", "--json"],
            ["claim", "list"], ["claim", "list", "--json"],
            ["claim", "show", c], ["claim", "show", c, "--json"],
            ["collection", "list"], ["collection", "list", "--json"],
            ["collection", "show", NAME], ["collection", "show", NAME, "--json"],
            ["check", "--no-blobs"]]


COMMAND_NAMES = ["list", "list-json", "show", "show-json", "search", "search-json",
                 "search-quote", "search-claim", "tag-list", "tag-list-json", "claim-list",
                 "claim-list-json", "claim-show", "claim-show-json", "collection-list",
                 "collection-list-json", "collection-show", "collection-show-json", "check"]


@pytest.mark.parametrize("index", range(len(COMMAND_NAMES)), ids=COMMAND_NAMES)
def test_j4_every_printing_command_escapes_stored_controls(
        index: int, hostile_db: tuple[str, dict[str, int]],
        capsys: pytest.CaptureFixture[str]) -> None:
    db, ids = hostile_db
    argv = _commands(ids)[index]
    code = cli.main([*argv, "--db", db])
    out, err = capsys.readouterr()
    assert code == 0, (argv, err)
    assert_inert(out, f"stdout of {argv}")
    assert_inert(err, f"stderr of {argv}")
    if "--json" in argv:
        json.loads(out)  # still JSON
    elif argv[0] != "check":
        # still visible: escaped, not dropped
        assert "\\x1b]52;c;" in out or "\\u202e" in out, out[:400]


def test_j4_json_keeps_the_same_data(hostile_db: tuple[str, dict[str, int]],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    db, ids = hostile_db
    assert cli.main(["show", str(ids["article"]), "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == f"Harbour {HOSTILE}"
    assert data["quotes"][0]["speaker"].startswith("Hollis \x1b]52;c;")
    assert cli.main(["tag", "list", "--json", "--db", db]) == 0
    assert [t["name"] for t in json.loads(capsys.readouterr().out)] == [NAME]


def test_j4_plain_output_shows_the_escapes(hostile_db: tuple[str, dict[str, int]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db, ids = hostile_db
    assert cli.main(["show", str(ids["article"]), "--db", db]) == 0
    out = capsys.readouterr().out
    title = out.splitlines()[0]
    assert title.startswith("Harbour \\x1b]52;c;SGVsbG8=\\x07\\x1b[2J")
    assert "\\x9b31m\\x9d52;c;eA==\\x9c\\x85" in title and "\\u202egnp.exe\\u202c" in title
    assert title.endswith("\\rFORGED-CR\\nFORGED-NL")  # one line: the title cannot forge rows
    assert "  Photo: Harbour" not in out and "  Photo: \\x1b]52" in out


def test_j4_real_stdout_bytes_hold_no_control(hostile_db: tuple[str, dict[str, int]]) -> None:
    """The same through a real process and pipe: bytes, as a terminal would get them."""
    db, ids = hostile_db
    for argv in (["show", str(ids["article"])], ["list"], ["claim", "show", str(ids["claim"])]):
        proc = subprocess.run([sys.executable, "-m", "desktop.cli", *argv, "--db", db],
                              capture_output=True, timeout=120, cwd=ROOT,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                   "PYTHONIOENCODING": "utf-8"})
        assert proc.returncode == 0, proc.stderr
        for stream in (proc.stdout, proc.stderr):
            assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", stream), stream[:300]
            text = stream.decode("utf-8")  # C1 and bidi are multi-byte in UTF-8
            assert_inert(text, " ".join(argv))


def test_j4_server_text_in_capture_progress_is_escaped(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A server's reason phrase and a URL reach stderr through ``cuttings add``."""
    reason = f"Not Found {OSC52}{CSI}\x9b2J \u202eevil"
    page = http_head(404, {"Content-Length": "0"}, reason=reason.encode("utf-8").decode("latin-1"))

    def handler(conn, head, server):  # noqa: ANN001 - the RawServer handler signature
        conn.sendall(page)

    with RawServer(handler) as server:
        code = cli.main(["add", server.url("/gone\u202e?q=%1b%5b2J"), "--db",
                         str(tmp_path / "a.db"), "--allow-local-network", "--no-images"])
    out, err = capsys.readouterr()
    assert code == 1
    assert_inert(out, "stdout of add")
    assert_inert(err, "stderr of add")
    assert "failed" in err and "\\x9b2J" in err, err  # the reason phrase, escaped


def test_j4_error_messages_with_user_data_are_escaped(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    Archive.open(db).close()  # reading commands refuse a missing archive before anything else
    for argv in (["collection", "show", f"x{OSC52}\u202e"], ["tag", "rename", f"a{CSI}", "b"],
                 ["import-html", str(tmp_path / f"missing{OSC52}.html")],
                 ["show", f"1{CSI}"]):  # argparse quotes the bad value in its message
        with pytest.raises(SystemExit) if argv[0] == "show" else _nothing():
            cli.main([*argv, "--db", db])
        out, err = capsys.readouterr()
        assert err.strip(), argv
        assert_inert(out, f"stdout of {argv}")
        assert_inert(err, f"stderr of {argv}")
        assert "\\x1b" in err, err


def test_j4_an_uncaught_traceback_and_log_records_are_escaped_too(tmp_path: Path) -> None:
    """A command's unexpected exception or log record whose message quotes stored text
    (cli.main installs the hook and the log formatter for every command)."""
    code = ("import sys\nfrom desktop import cli\n"
            "cli.main(['list', '--db', sys.argv[1]])\n"
            f"import logging\nlogging.getLogger('page').warning('title %s', {HOSTILE!r})\n"
            f"raise RuntimeError({HOSTILE!r})\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.db")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 1 and "RuntimeError: \\x1b]52;c;" in proc.stderr, proc.stderr
    assert "WARNING page: title \\x1b]52;c;" in proc.stderr, proc.stderr  # log records too
    assert_inert(proc.stderr, "traceback")


def test_j4_an_uncaught_exception_in_a_thread_is_escaped_too(tmp_path: Path) -> None:
    """A worker thread's uncaught exception is printed by ``threading.excepthook``,
    not ``sys.excepthook``: its message (a title, a URL) must be escaped as well."""
    code = ("import sys, threading\nfrom desktop import cli\n"
            "cli.main(['list', '--db', sys.argv[1]])\n"
            f"def boom():\n    raise RuntimeError({HOSTILE!r})\n"
            "t = threading.Thread(target=boom)\nt.start()\nt.join()\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.db")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "PYTHONIOENCODING": "utf-8"})
    assert "RuntimeError: \\x1b]52;c;" in proc.stderr, proc.stderr
    assert_inert(proc.stderr, "thread traceback")


class _nothing:  # noqa: N801 - a context manager that expects nothing
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


# ----------------------------------------------------------------------------- the layer


@pytest.mark.parametrize("text", ["plain", "Café — “quoted” 港口 \u200fמועצת\u200e",
                                  "tab\tseparated", "back\\slash C:\\path"])
def test_j4_normal_text_is_unchanged(text: str) -> None:
    from desktop.terminal import json_text, safe_block, safe_text

    assert safe_text(text) == text and safe_block(text) == text
    assert json_text({"k": text}) == json.dumps({"k": text}, ensure_ascii=False, indent=2)


def test_j4_safe_text_escapes_every_control() -> None:
    from desktop.terminal import json_text, safe_block, safe_text

    every = "".join(chr(c) for c in [*range(0x20), 0x7f, *range(0x80, 0xa0), 0x202a, 0x202b,
                                     0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
                                     0x2028, 0x2029, 0xd800])
    line = safe_text(every)
    assert TERMINAL_CONTROLS.search(line) is None and "\n" not in line and "\ud800" not in line
    assert "\\x1b" in line and "\\x9b" in line and "\\u202e" in line and "\\n" in line
    block = safe_block("one\ntwo\x1b[2J\rthree")
    assert block == "one\ntwo\\x1b[2J\\rthree"
    decoded = json.loads(json_text({"v": every}))
    assert decoded == {"v": every}  # the same data
    assert TERMINAL_CONTROLS.search(json_text({"v": every})) is None


# ----------------------------------------------------------------------------- the guard


CLI_MODULES = sorted((ROOT / "desktop").glob("cli*.py"))


def _bare_output_calls(path: Path) -> list[str]:
    """print(), sys.stdout/stderr.write(), json.dump(..., sys.stdout) and SystemExit("text")
    in ``path``: output that would bypass desktop.terminal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        name = ast.unparse(fn)
        if isinstance(fn, ast.Name) and fn.id == "print":
            found.append(f"{path.name}:{node.lineno} print(")
        elif name in ("sys.stdout.write", "sys.stderr.write", "sys.stdout.buffer.write",
                      "sys.stderr.buffer.write", "json.dump", "os.write"):
            found.append(f"{path.name}:{node.lineno} {name}(")
        elif name in ("SystemExit", "sys.exit", "exit") and node.args and (
                isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
                or (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))):
            found.append(f"{path.name}:{node.lineno} {name}(<text>)")  # printed raw on exit
    return found


def test_j4_guard_no_cli_output_bypasses_the_terminal_layer() -> None:
    assert len(CLI_MODULES) >= 4, CLI_MODULES  # cli, cli_organize, cli_export, cli_server
    found = [hit for path in CLI_MODULES for hit in _bare_output_calls(path)]
    assert found == [], ("write through desktop.terminal (out, note, err, print_json), "
                         f"never directly: {found}")


def test_j4_guard_sees_a_bare_print(tmp_path: Path) -> None:
    sample = tmp_path / "cli_sample.py"
    sample.write_text("import sys, json\nprint('x')\nsys.stdout.write('y')\n"
                      "json.dump({}, sys.stdout)\nraise SystemExit(f'cuttings: {1}')\n")
    assert len(_bare_output_calls(sample)) == 4
