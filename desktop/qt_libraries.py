"""The system libraries Qt's X11 window needs, and a check that they load before Qt tries.

PySide6's wheels bundle Qt itself but not the X11 client libraries its ``xcb`` platform
plugin links to. When one of them is missing, Qt aborts (SIGABRT) with a message that
blames ``libxcb-cursor0`` whatever is actually missing. So:

* :data:`SYSTEM_LIBRARIES` maps every shared library that the bundled Qt libraries and
  the plugins Cuttings loads (the ``xcb`` platform, its GL integrations, the image
  formats, the SVG icon engine, the compose and IBus input contexts) link to directly
  to the Debian/Ubuntu package that ships it. README's ``apt-get install`` line and
  ``.ci/run`` install exactly :func:`apt_packages`; a test reads the installed PySide6
  with ``readelf`` and fails when a library is linked that this table does not name, or
  when README or ``.ci/run`` miss a package.
* :func:`xcb_problem` loads the ``xcb`` plugin with the dynamic loader before Qt does
  and, when it cannot be loaded, returns one line naming the library that failed and
  its package (``run_gui`` prints it and exits instead of letting Qt abort).

Libraries of the base system (``libc6``, ``libstdc++6``, ``libgcc-s1``, ``zlib1g``,
``libzstd1``: apt itself needs them) are listed in :data:`BASE_SYSTEM` and not
installed. The GTK 3 platform theme plugin is left out on purpose: Qt loads it only
on a GTK desktop, which has GTK, and skips it silently otherwise.

No Qt import (only the ``PySide6`` package's location); any thread.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

#: soname -> Debian/Ubuntu package, for the X11 window (see the module docstring).
SYSTEM_LIBRARIES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}

#: Libraries every Debian/Ubuntu system has (apt and Python need them): not listed.
BASE_SYSTEM: dict[str, str] = {
    "ld-linux-x86-64.so.2": "libc6",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
}

#: The plugin folders (under PySide6's ``Qt/plugins``) whose plugins Cuttings loads.
LOADED_PLUGINS = ("platforms/libqxcb.so", "xcbglintegrations", "imageformats",
                  "iconengines", "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
                  "platforminputcontexts/libibusplatforminputcontextplugin.so")


def apt_packages() -> list[str]:
    """The packages to install, sorted, each once."""
    return sorted(set(SYSTEM_LIBRARIES.values()))


def qt_dir() -> Path:
    """PySide6's bundled Qt (``.../site-packages/PySide6/Qt``)."""
    import PySide6  # the package only: QtCore is not loaded here

    return Path(PySide6.__file__).resolve().parent / "Qt"


def xcb_plugin() -> Path:
    return qt_dir() / "plugins" / "platforms" / "libqxcb.so"


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will try the ``xcb`` platform first with this environment.

    ``QT_QPA_PLATFORM`` names the platform (a ``;``-separated list of fallbacks, each
    with optional ``:options``); unset, Qt on Linux picks Wayland in a Wayland session
    and X11 otherwise.
    """
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    wayland = environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY")
    return not wayland


def failed_library(error: str) -> str:
    """The library a dynamic loader error is about: ``libxcb-icccm.so.4`` from
    ``libxcb-icccm.so.4: cannot open shared object file: ...`` or
    ``/some/dir/libxcb-icccm.so.4: file too short``; else empty."""
    head = error.split(":", 1)[0].strip()
    name = os.path.basename(head)
    return name if ".so" in name else ""


def describe_load_error(error: str) -> str:
    """One line for the user: what failed, which package provides it, where the list is."""
    lib = failed_library(error)
    package = SYSTEM_LIBRARIES.get(lib) or BASE_SYSTEM.get(lib)
    what = f"{lib} (Debian/Ubuntu package {package})" if package else (lib or "a library")
    return (f"cannot open the window: Qt's X11 platform plugin (xcb) cannot load {what}: "
            f"{error}. Install the system libraries listed in README.md: sudo apt-get "
            f"install {' '.join(apt_packages())}")


def xcb_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """None when Qt's ``xcb`` plugin loads (or will not be used); else one line saying
    which library is missing or broken and which package provides it.

    Loads the plugin with ``dlopen`` (via :mod:`ctypes`) exactly as Qt would, so the
    loader's own error names the culprit. Loading it early is harmless: Qt loads the
    same file again and gets the same handle.
    """
    env = os.environ if environ is None else environ
    if not uses_xcb(env):
        return None
    plugin = xcb_plugin()
    if not plugin.exists():
        return None  # a Qt without the plugin: Qt's own message is as good as any
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        log.debug("xcb platform plugin does not load: %s", exc)
        return describe_load_error(str(exc))
    return None
