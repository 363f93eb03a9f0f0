"""Every input file is read through one capped reader (capture.bounded_read).

``import-html``, ``extract``, ``add --from-file`` and ``add -`` read ``/dev/zero`` or a
400 MB file: refused with "... is larger than N MB", exit status 2, fast, in flat
memory (before: never finished, or 923 MB). A folder is a clear error. Each case runs
in a child process with a timeout and an address-space limit.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from capture.bounded_read import (
    InputTooLarge,
    NotAFile,
    read_bounded,
    read_stream_bounded,
)
from tests.reliability.helpers import ROOT

MB = 1024 * 1024

CLI_CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a runaway read fails, not the machine
from desktop.cli import main
import capture.extract, intake.pipeline, storage.archive  # what the commands import

def peak_mb():
    # VmHWM: this process image's own peak RSS (ru_maxrss would carry the parent's)
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

base = peak_mb()
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "base_mb": base, "peak_mb": peak_mb()}))
"""


def run_cli(*argv: str, stdin_path: str | None = None) -> tuple[dict[str, float], str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(stdin_path or os.devnull, "rb") as stdin:
        proc = subprocess.run([sys.executable, "-c", CLI_CHILD, *argv], stdin=stdin,
                              capture_output=True, text=True, timeout=90, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sparse 400 MB file: no disk used, but read in full it would take 400 MB."""
    path = tmp_path_factory.mktemp("caps") / "big.html"
    with open(path, "wb") as fh:
        fh.write(b"<html><body><p>harbour ")
        fh.truncate(400 * MB)
    return str(path)


CASES = {  # name: (argv, stdin, the cap in the message)
    "extract /dev/zero": (["extract", "/dev/zero"], None, "25 MB"),
    "extract - < /dev/zero": (["extract", "-"], "/dev/zero", "25 MB"),
    "extract 400 MB": (["extract", "BIG"], None, "25 MB"),
    "import-html /dev/zero": (["import-html", "/dev/zero", "--db", "DB"], None, "25 MB"),
    "import-html 400 MB": (["import-html", "BIG", "--db", "DB"], None, "25 MB"),
    "add --from-file /dev/zero": (["add", "--from-file", "/dev/zero", "--db", "DB"], None,
                                  "20 MB"),
    "add --from-file 400 MB": (["add", "--from-file", "BIG", "--db", "DB"], None, "20 MB"),
    "add - < /dev/zero": (["add", "-", "--db", "DB"], "/dev/zero", "20 MB"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_j4_endless_or_huge_input_is_refused_in_flat_memory(name: str, big_file: str,
                                                           tmp_path: Path) -> None:
    words, stdin, cap = CASES[name]
    argv = [big_file if w == "BIG" else str(tmp_path / "a.db") if w == "DB" else w
            for w in words]
    out, err = run_cli(*argv, stdin_path=stdin)
    assert out["code"] == 2, (out, err)
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    named = "stdin" if stdin else argv[words.index("BIG") if "BIG" in words else 1 + (
        words[0] == "add")]
    assert line == f"cuttings: {named} is larger than {cap}", err
    grew = out["peak_mb"] - out["base_mb"]
    # measured: 26-40 MB over /dev/zero (the 25 MB cap, plus the archive opened by
    # import-html), 1-15 MB for the 400 MB file (nothing of it read); before: 923 MB
    assert grew < 60 and out["peak_mb"] < 150, out


@pytest.mark.parametrize("words", [["extract", "DIR"], ["import-html", "DIR", "--db", "DB"],
                                   ["add", "--from-file", "DIR", "--db", "DB"]])
def test_j4_a_folder_is_a_clear_error(words: list[str], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from desktop import cli

    folder = tmp_path / "saved pages"
    folder.mkdir()
    argv = [str(folder) if w == "DIR" else str(tmp_path / "a.db") if w == "DB" else w
            for w in words]
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err == f"cuttings: {folder} is a folder, not a file\n", err


def test_j4_capture_extract_module_reads_capped(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "capture.extract", "/dev/zero"],
                          capture_output=True, timeout=90, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 2 and b"larger than 25 MB" in proc.stderr, proc.stderr


def test_j4_url_list_dialog_reads_capped() -> None:
    """File > Import URL list (desktop.url_lists, no Qt) reads through the same reader."""
    code = ("from desktop.url_lists import read_url_list\n"
            "try:\n    read_url_list('/dev/zero')\nexcept ValueError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=90, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.strip() == "zero is larger than 20 MB", (proc.stdout, proc.stderr)


# ----------------------------------------------------------------------------- the reader


def test_j4_reader_never_reads_more_than_cap_plus_one() -> None:
    class Counting(io.RawIOBase):
        def __init__(self) -> None:
            self.given = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # noqa: ANN001 - a writable buffer
            n = len(buf)
            buf[:n] = b"x" * n
            self.given += n
            return n

    stream = Counting()
    with pytest.raises(InputTooLarge) as exc:
        read_stream_bounded(stream, 3 * MB + 5, "pipe")  # type: ignore[arg-type]
    assert stream.given == 3 * MB + 6
    assert str(exc.value) == "pipe is larger than 3 MB"  # 3 MB + 5 bytes, shown rounded
    assert read_stream_bounded(io.BytesIO(b"abc"), 3) == b"abc"  # exactly the cap is fine
    with pytest.raises(InputTooLarge):
        read_stream_bounded(io.BytesIO(b"abcd"), 3)


def test_j4_reader_refuses_a_large_file_by_its_size(tmp_path: Path) -> None:
    small = tmp_path / "page.html"
    small.write_bytes(b"<p>ok</p>")
    assert read_bounded(small, 9) == b"<p>ok</p>"
    with pytest.raises(InputTooLarge, match=r"page\.html is larger than 8 bytes"):
        read_bounded(small, 8, "page.html")
    with pytest.raises(NotAFile):
        read_bounded(tmp_path, 8)
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing", 8)


def test_j4_verify_reads_a_huge_warc_record_in_flat_memory(tmp_path: Path) -> None:
    """``cuttings verify`` of a WARC whose one record inflates to 300 MB (a 300 kB
    file): the record is streamed through its digest check, not read whole (before:
    the whole record in memory, 1.6 GB for a 1.5 GB record)."""
    import gzip

    size = 300 * MB
    head = (b"WARC/1.0\r\nWARC-Type: resource\r\n"
            b"WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-123456789012>\r\n"
            b"WARC-Date: 2026-01-01T00:00:00Z\r\nWARC-Target-URI: https://x.example/\r\n"
            b"Content-Type: text/html\r\nContent-Length: %d\r\n\r\n" % size)
    warc = tmp_path / "huge.warc.gz"
    with gzip.open(warc, "wb") as gz:
        gz.write(head)
        chunk = b"a" * MB
        for _ in range(size // MB):
            gz.write(chunk)
        gz.write(b"\r\n\r\n")
    out, err = run_cli("verify", str(warc), "--json")
    grew = out["peak_mb"] - out["base_mb"]
    assert "MemoryError" not in err, err
    assert grew < 100, out
