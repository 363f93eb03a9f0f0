#!/bin/sh
# Install the desktop entry, AppStream metainfo and icon for the current user
# (or system-wide with PREFIX=/usr/local, as root). The `cuttings` command itself
# comes from `pip install .` or the PyInstaller build (see README).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=${PREFIX:-"${XDG_DATA_HOME:-$HOME/.local/share}"}
case "$PREFIX" in */share) SHARE=$PREFIX ;; *) SHARE=$PREFIX/share ;; esac
install -Dm644 "$HERE/cuttings.desktop" "$SHARE/applications/cuttings.desktop"
install -Dm644 "$HERE/io.github.cuttings.Cuttings.metainfo.xml" \
    "$SHARE/metainfo/io.github.cuttings.Cuttings.metainfo.xml"
install -Dm644 "$ROOT/resources/cuttings.svg" "$SHARE/icons/hicolor/scalable/apps/cuttings.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$SHARE/icons/hicolor" || true
echo "Installed Cuttings desktop files under $SHARE"
