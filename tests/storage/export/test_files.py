"""Safe writing (H1) and safe names (H2)."""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.export import (
    ExportCancelled,
    ExportWriteError,
    Selection,
    export,
)
from storage.export import files as files_mod
from storage.export.files import atomic_write, safe_filename


def test_missing_folder_is_named(built, tmp_path: Path) -> None:
    archive, _, _ = built
    target = tmp_path / "no-such-folder" / "e.json"
    with pytest.raises(ExportWriteError) as info:
        export(archive, Selection(all_articles=True), "json", target)
    assert str(target) in str(info.value) and "does not exist" in str(info.value)


def test_path_through_a_regular_file(built, tmp_path: Path) -> None:
    archive, _, _ = built
    (tmp_path / "plain.txt").write_text("x")
    target = tmp_path / "plain.txt" / "sub" / "e.zip"
    with pytest.raises(ExportWriteError) as info:
        export(archive, Selection(all_articles=True), "zip", target)
    assert "is a file, not a folder" in str(info.value) and str(target) in str(info.value)
    with pytest.raises(ExportWriteError):
        export(archive, Selection(all_articles=True), "csv", tmp_path / "plain.txt" / "dir")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_device_fifo_or_link_to_one_is_refused_not_replaced(built, tmp_path: Path) -> None:
    """``-o /dev/full`` (run as root) or ``-o a-fifo``: the export used to be renamed over
    the special file, replacing the device node or the pipe with a regular file."""
    import stat

    archive, _, _ = built
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    link = tmp_path / "to-null.json"
    link.symlink_to(os.devnull)
    for target in (fifo, link):
        with pytest.raises(ExportWriteError) as info:
            export(archive, Selection(all_articles=True), "json", target)
        assert "not a regular file" in str(info.value), info.value
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_name_too_long(built, tmp_path: Path) -> None:
    archive, _, _ = built
    target = tmp_path / ("n" * 300 + ".json")
    with pytest.raises(ExportWriteError) as info:
        export(archive, Selection(all_articles=True), "json", target)
    assert "too long" in str(info.value)
    assert list(tmp_path.iterdir()) == [tmp_path / "source.db", tmp_path / "source.db.blobs"] \
        or not any(p.name.startswith(".n") for p in tmp_path.iterdir())


def test_disk_full_leaves_no_file_and_keeps_the_old_one(built, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    archive, _, _ = built
    target = tmp_path / "out.html"
    target.write_text("previous export")
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")

    def full(directory: Path, prefix: str):
        return open("/dev/full", "wb", buffering=0), str(directory / (prefix + "full.part"))

    monkeypatch.setattr(files_mod, "_open_temp", full)
    with pytest.raises(ExportWriteError) as info:
        export(archive, Selection(all_articles=True), "html", target)
    assert "disk is full" in str(info.value) and str(target) in str(info.value)
    assert target.read_text() == "previous export"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_permission_denied(built, tmp_path: Path) -> None:  # pragma: no cover - non-root
    archive, _, _ = built
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportWriteError) as info:
            export(archive, Selection(all_articles=True), "json", locked / "e.json")
        assert "permission denied" in str(info.value)
    finally:
        locked.chmod(0o700)


def test_a_failure_midway_removes_the_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write(b"partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["json", "zip", "warc", "csv", "html"])
def test_cancel_leaves_no_partial_file(built, tmp_path: Path, fmt: str) -> None:
    archive, _, _ = built
    out = tmp_path / "out"
    out.mkdir()
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 2:
            cancel.set()

    with pytest.raises(ExportCancelled):
        export(archive, Selection(all_articles=True), fmt, out / f"e-{fmt}",
               progress=progress, cancel=cancel)
    assert seen[:3] == [(0, 4), (1, 4), (2, 4)]
    assert list(out.iterdir()) == []


def test_progress_reaches_the_total(built, tmp_path: Path) -> None:
    archive, _, _ = built
    seen: list[tuple[int, int]] = []
    export(archive, Selection(all_articles=True), "md", tmp_path / "d.md",
           progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


# --------------------------------------------------------------------------- names

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
_TRICKY = st.sampled_from(["..", "../", "/", "\\", "CON", "prn.txt", "\u202e", "\u2066",
                           "\x00", "\n", ".", " ", "Ω", "é", "𝕏", "aux", "COM1", ":", "*"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(titles=st.lists(st.one_of(st.text(max_size=600),
                                 st.lists(_TRICKY, max_size=30).map("".join)),
                       min_size=1, max_size=25))
def test_safe_filenames_stay_inside_and_are_unique(titles: list[str], tmp_path: Path) -> None:
    taken: set[str] = set()
    names = [safe_filename(t, suffix=".html", taken=taken, max_bytes=80) for t in titles]
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert name and "/" not in name and "\\" not in name and "\x00" not in name
        assert name not in (".", "..") and not name.startswith(".")
        assert len(name.encode("utf-8")) <= 80 + len(".html")
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in name)
        assert name.split(".")[0].upper() not in _RESERVED
        resolved = (tmp_path / name).resolve()
        assert resolved.parent == tmp_path.resolve()


def test_safe_filename_examples() -> None:
    assert safe_filename("../../etc/passwd") == "etc-passwd"
    assert safe_filename("CON") == "_CON"
    assert safe_filename("invoice\u202egpj.exe") == "invoice-gpj.exe"
    assert safe_filename("") == "untitled"
    taken: set[str] = set()
    assert [safe_filename("Same", taken=taken) for _ in range(3)] == ["Same", "Same-2", "Same-3"]


def test_read_only_file_system(built, tmp_path: Path) -> None:
    """A read-only bind mount (``unshare -rm``): a clear error, nothing written."""
    import shutil
    import subprocess
    import sys

    archive, _, _ = built
    if shutil.which("unshare") is None:
        pytest.skip("unshare not available")
    ro = tmp_path / "ro"
    ro.mkdir()
    code = ("import sys; from storage.archive import Archive; "
            "from storage.export import export, Selection, ExportWriteError\n"
            f"a = Archive.open({archive.url!r})\n"
            f"try:\n    export(a, Selection(all_articles=True), 'json', {str(ro / 'e.json')!r})\n"
            "except ExportWriteError as e:\n    print(e); sys.exit(3)\n")
    script = (f"mount --bind {ro} {ro} && mount -o remount,bind,ro {ro} && "
              f"exec {sys.executable} -c \"$0\"")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script, code], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[3], timeout=60)
    if proc.returncode not in (0, 3) or "mount" in proc.stderr:
        pytest.skip(f"cannot make a read-only mount here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "read-only" in proc.stdout and str(ro / "e.json") in proc.stdout
    assert list(ro.iterdir()) == []
