"""Qt's X11 window and the system libraries it needs (desktop/qt_libraries.py).

A machine with exactly README's libraries must open the window: the list is checked
against what the installed Qt links to (``readelf``), against the Debian packages that
ship those files (``dpkg -S``), and against README and ``.ci/run``. A missing or broken
library is named with its package instead of Qt's abort that blames libxcb-cursor0, and
the CI smoke test (``.ci/xcb_smoke.sh``: the real app on the xcb platform under Xvfb)
passes on this machine and fails when a library is broken.

The broken library is a file of zero bytes named like the real one, put first on the
loader's path with ``LD_LIBRARY_PATH``: the loader stops at it ("file too short"), as it
would on a machine where the package is missing, without root or touching the system.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import qt_libraries
from desktop.qt_libraries import BASE_SYSTEM, SYSTEM_LIBRARIES, apt_packages

ROOT = Path(__file__).resolve().parents[2]
BROKEN = "libxcb-icccm.so.4"  # the one the machine lacked


def _needed(elf: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _bundle_dirs() -> list[Path]:
    qt = qt_libraries.qt_dir()
    return [qt / "lib", qt.parent, qt.parent.parent / "shiboken6"]


def _loaded_elves() -> list[Path]:
    """Cuttings' Qt modules and the plugins it loads (qt_libraries.LOADED_PLUGINS)."""
    pyside = qt_libraries.qt_dir().parent
    files = [pyside / f"{m}.abi3.so" for m in ("QtCore", "QtGui", "QtWidgets")]
    for entry in qt_libraries.LOADED_PLUGINS:
        path = qt_libraries.qt_dir() / "plugins" / entry
        files += sorted(path.glob("*.so")) if path.is_dir() else [path]
    return files


def _system_sonames() -> dict[str, str]:
    """Every library outside PySide6's bundle that the loaded files link to, directly or
    through a bundled library -> one file that needs it."""
    seen: set[str] = set()
    found: dict[str, str] = {}
    todo = _loaded_elves()
    while todo:
        elf = todo.pop()
        if str(elf) in seen:
            continue
        seen.add(str(elf))
        for name in _needed(elf):
            bundled = [d / name for d in _bundle_dirs() if (d / name).exists()]
            if bundled:
                todo.append(bundled[0])
            elif name.startswith("libQt6"):
                continue  # a plugin for a Qt module PySide6-Essentials lacks: Qt skips it
            else:
                found.setdefault(name, elf.name)
    return found


needs_readelf = pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils")


@needs_readelf
def test_the_table_names_every_library_qt_links_to() -> None:
    found = _system_sonames()
    assert "libxcb-icccm.so.4" in found and "libxcb-keysyms.so.1" in found  # the walk works
    unknown = {so: user for so, user in found.items()
               if so not in SYSTEM_LIBRARIES and so not in BASE_SYSTEM}
    assert not unknown, f"add these to desktop/qt_libraries.py (and README, .ci/run): {unknown}"
    unused = set(SYSTEM_LIBRARIES) - set(found)
    assert not unused, f"listed but not linked by this Qt: {sorted(unused)}"


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs a Debian system")
def test_each_library_comes_from_the_package_the_table_names() -> None:
    patterns = [f"*/{so}" for so in SYSTEM_LIBRARIES]
    out = subprocess.run(["dpkg", "-S", *patterns], capture_output=True, text=True,
                         timeout=120).stdout
    owners: dict[str, set[str]] = {}
    for line in out.splitlines():
        packages, _, path = line.partition(": ")
        for package in packages.split(", "):
            owners.setdefault(os.path.basename(path), set()).add(package.split(":")[0])
    missing = sorted({package for so, package in SYSTEM_LIBRARIES.items() if so not in owners})
    assert not missing, f"not installed on this machine: sudo apt-get install {' '.join(missing)}"
    wrong = {so: owners[so] for so, package in SYSTEM_LIBRARIES.items()
             if package not in owners[so]
             # Debian 13 renamed the GLib package for the 64-bit time_t transition
             and f"{package}t64" not in owners[so]}
    assert not wrong, f"soname -> the packages that ship it: {wrong}"


def _readme_packages() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"sudo apt-get install (libdbus[^`]*?)\n```", text)
    assert block, "README's install line for Qt's libraries is gone"
    return set(block.group(1).replace("\\", " ").split())


def _ci_packages() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"^qt_libs=\(([^)]*)\)", text, re.M)
    assert block, ".ci/run's qt_libs list is gone"
    return set(block.group(1).split())


def test_readme_and_ci_install_exactly_the_listed_packages() -> None:
    assert "libxcb-icccm4" in apt_packages() and "libxcb-keysyms1" in apt_packages()
    assert _readme_packages() == set(apt_packages())
    assert _ci_packages() == set(apt_packages())
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'for pkg in "\$\{qt_libs\[@\]\}" xvfb xauth', ci)
    assert re.search(r"^make test\n.*\nbash \.ci/xcb_smoke\.sh$", ci, re.M)


@pytest.mark.parametrize(("env", "expected"), [
    ({}, True),
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "xcb:no_glx;wayland"}, True),
    ({"QT_QPA_PLATFORM": "offscreen"}, False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, False),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"XDG_SESSION_TYPE": "x11", "WAYLAND_DISPLAY": "wayland-0"}, True),
])
def test_uses_xcb(env: dict[str, str], expected: bool) -> None:
    assert qt_libraries.uses_xcb(env) is expected


@pytest.mark.parametrize(("error", "lib"), [
    ("libxcb-icccm.so.4: cannot open shared object file: No such file or directory",
     "libxcb-icccm.so.4"),
    ("/tmp/x/libxcb-keysyms.so.1: file too short", "libxcb-keysyms.so.1"),
    ("something else entirely", ""),
])
def test_the_failed_library_is_read_from_the_loader_error(error: str, lib: str) -> None:
    assert qt_libraries.failed_library(error) == lib


@pytest.fixture
def broken_lib_env(tmp_path: Path) -> dict[str, str]:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / BROKEN).write_bytes(b"")
    env = dict(os.environ)
    env.update(PYTHONPATH=str(ROOT), LD_LIBRARY_PATH=str(shadow), QT_QPA_PLATFORM="xcb",
               CUTTINGS_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               DISPLAY=":987")  # never reached: the check comes before any connection
    return env


def test_a_broken_library_is_named_with_its_package(broken_lib_env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "desktop.cli"], env=broken_lib_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback, no Qt abort
    assert lines[0].startswith("cuttings: cannot open the window")
    assert "libxcb-icccm.so.4 (Debian/Ubuntu package libxcb-icccm4)" in lines[0]
    assert "xcb-cursor0 is needed" not in proc.stderr


needs_xvfb = pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run")
SMOKE = [str(ROOT / ".ci" / "xcb_smoke.sh"), sys.executable, "-m", "desktop.cli"]


@needs_xvfb
@pytest.mark.slow
def test_ci_smoke_test_opens_the_real_window(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(["bash", *SMOKE], env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the window was shown on Qt's xcb platform" in proc.stdout


@needs_xvfb
@pytest.mark.slow
def test_ci_smoke_test_fails_on_a_broken_library(broken_lib_env: dict[str, str]) -> None:
    broken_lib_env.pop("DISPLAY")
    proc = subprocess.run(["bash", *SMOKE], env=broken_lib_env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 1
    assert "xcb smoke test FAILED" in proc.stderr
    assert "libxcb-icccm4" in proc.stderr
