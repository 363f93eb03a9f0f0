#!/usr/bin/env bash
# Smoke test of the real window: start Cuttings on Qt's X11 platform (xcb, not offscreen)
# under Xvfb, on a fresh archive in a temporary CUTTINGS_HOME, and require that the main
# window is shown ("window shown on xcb", printed by the hidden --smoke-test option).
# A system library missing for Qt's xcb plugin makes it fail, with the app's own line
# naming the library and its package (desktop/qt_libraries.py).
#
# Usage: .ci/xcb_smoke.sh [COMMAND...]   (default: .venv/bin/cuttings)
set -uo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  set -- .venv/bin/cuttings
fi
if ! command -v xvfb-run >/dev/null; then
  echo "xcb smoke test: xvfb-run is missing (Debian packages xvfb and xauth)" >&2
  exit 1
fi

home=$(mktemp -d /tmp/cuttings-xcb-smoke.XXXXXX)
trap 'rm -rf "$home"' EXIT
out="$home/output"

env CUTTINGS_HOME="$home/home" XDG_CONFIG_HOME="$home/config" QT_QPA_PLATFORM=xcb \
  timeout 120 xvfb-run -a -s '-screen 0 1280x800x24' "$@" --smoke-test >"$out" 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -qx "window shown on xcb" "$out"; then
  echo "xcb smoke test: the window was shown on Qt's xcb platform under Xvfb"
  exit 0
fi
echo "xcb smoke test FAILED: the window did not show on Qt's xcb platform (exit status $status):" >&2
cat "$out" >&2
exit 1
