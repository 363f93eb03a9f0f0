"""Make the README screenshots: run the real app on fixture articles and grab PNGs.

    make screenshots        (or: python packaging/screenshots.py [--out docs/screenshots])

Starts a local HTTP server with invented fixture articles (``tests/desktop/fixture_site``),
pastes their links into the Add links dialog of a fresh window over a temporary
archive, waits until they are captured, marks claims, searches, and saves
``main-window.png``, ``reader-quotes.png``, ``claims.png``, ``search.png`` and
``capture-queue.png``. Without a display it re-runs itself
under ``xvfb-run`` (falls back to Qt's offscreen platform when Xvfb is missing).
Nothing touches the user's archive or settings: everything lives in a temp folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 1400, 900


def _maybe_reexec_under_xvfb() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") \
            or os.environ.get("QT_QPA_PLATFORM") or os.environ.get("CUTTINGS_SHOTS_CHILD"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print("xvfb-run not found: using Qt's offscreen platform", file=sys.stderr)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    os.environ["CUTTINGS_SHOTS_CHILD"] = "1"
    os.execv(xvfb, [xvfb, "-a", "-s", f"-screen 0 {WIDTH}x{HEIGHT}x24", sys.executable,
                    *sys.argv])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    _maybe_reexec_under_xvfb()

    tmp = Path(tempfile.mkdtemp(prefix="cuttings-shots-"))
    os.environ["CUTTINGS_HOME"] = str(tmp)
    from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths
    from PySide6.QtWidgets import QApplication

    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qs"))
    app = QApplication([sys.argv[0]])
    from capture.settings import Settings
    from desktop.main_window import MainWindow
    from desktop.style import apply_style
    from storage.archive import Archive
    from tests.desktop import fixture_site

    apply_style(app)
    server, base = fixture_site.start_server()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def wait_until(pred: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not reach the expected state")
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def settle(win: MainWindow) -> None:
        wait_until(lambda: not win.controller.running and win.runner.in_flight == 0
                   and not win._refresh_timer.isActive())
        for _ in range(20):
            QCoreApplication.processEvents()
            time.sleep(0.01)

    archive = Archive.open(str(tmp / "archive.db"))
    settings = Settings(allow_local_network=True, workers=4, retries=0)
    qsettings = QSettings(str(tmp / "gui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(archive, settings, qsettings)
    win.resize(WIDTH, HEIGHT)
    win.show()
    try:
        links = [base + a.path for a in fixture_site.ARTICLES]
        pasted = ("Cuttings for the Port Alden story:\n" + "\n".join(links)
                  + f"\n{base}/news/2026/03/withdrawn-story.html\n")
        dialog = win.open_add_dialog(pasted)
        wait_until(lambda: dialog.ready)
        dialog.capture_button.click()
        wait_until(lambda: win.model.total == len(links))
        settle(win)

        # Main window: library, the bridge story open, its quotes listed
        win.sidebar.choose("library")
        settle(win)
        row = next(i for i in range(win.model.rowCount())
                   if "Harbour Bridge" in (win.model.row_at(i).title or ""))
        win.table.selectRow(row)
        wait_until(lambda: win.reader.article_id == win.model.row_at(row).id)
        settle(win)
        win.details.setCurrentWidget(win.details.quotes)
        win.library_split.setSizes([200, HEIGHT - 200])
        settle(win)
        win.grab().save(str(out / "main-window.png"))

        # Reader with quotes highlighted: one speaker across articles, a quote chosen
        win.sidebar.choose("speaker", "Ines Vardy")
        settle(win)
        win.library_split.setSizes([150, HEIGHT - 150])
        bridge = next(i for i in range(win.model.rowCount())
                      if "Harbour Bridge" in (win.model.row_at(i).title or ""))
        win.table.selectRow(bridge)
        wait_until(lambda: win.reader.article_id == win.model.row_at(bridge).id)
        settle(win)  # the reader jumps to her first quote in the article
        win.grab().save(str(out / "reader-quotes.png"))

        # Claims: two claims with verdicts and tags highlighted in the text, the Claims
        # tab listing them; the article tagged and in a collection (sidebar)
        win.sidebar.choose("library")
        settle(win)
        win.library_split.setSizes([170, HEIGHT - 170])
        bridge = next(i for i in range(win.model.rowCount())
                      if "Harbour Bridge" in (win.model.row_at(i).title or ""))
        win.table.selectRow(bridge)
        wait_until(lambda: win.reader.article_id == win.model.row_at(bridge).id)
        settle(win)
        for words, verdict, note, tags in (
                ("the cost of the work had doubled to 48 million dollars since the autumn",
                 "disputed", "Budget office puts the rise at 41 million; ask for the "
                 "engineers' report.", ["bridge budget"]),
                ("corrosion in the lower deck was worse than a 2024 survey had suggested",
                 "supported", "Matches the 2024 survey, p. 12.", ["engineering"]),
                ("Nobody is in danger today", "unverified", "Ask the city engineer.",
                 ["safety"])):
            start = win.reader.body_text.index(words)
            win.reader.show_range(start, start + len(words))
            win.mark_claim(verdict, note, tags)
            wait_until(lambda: not win.organize.busy)
            settle(win)
        win.tag_current("port alden")
        wait_until(lambda: not win.organize.busy)
        win.collect_current("Bridge story")
        wait_until(lambda: not win.organize.busy)
        settle(win)
        win.details.setCurrentWidget(win.details.claims)
        win.reader_split.setSizes([760, 640])
        settle(win)
        first = win.reader.body_text.index("The Port Alden city council")
        win.reader.show_range(first, first + 10)  # the claims' paragraphs in view
        cursor = win.reader.textCursor()  # no selection: the verdict colours show
        cursor.clearSelection()
        win.reader.setTextCursor(cursor)
        settle(win)
        win.grab().save(str(out / "claims.png"))

        # Search: hits of every kind, labelled, with the matches highlighted
        win.library_split.setSizes([330, HEIGHT - 330])
        win.search_field.setText("bridge OR cost")
        win.search.run_now()
        wait_until(lambda: len(win.search_panel.model.hits) >= 4)
        settle(win)
        win.search_panel.view.setCurrentIndex(win.search_panel.model.index(0))
        win.grab().save(str(out / "search.png"))
        win.search_field.clear()
        settle(win)

        # Capture queue, with two slow pages still downloading and one waiting
        win.sidebar.choose("library")
        slow = [f"{base}/slow/{name}" for name in
                ("2026/03/16/ferry-strike-talks", "2026/03/16/school-budget-hearing",
                 "2026/03/16/stadium-lights-complaint")]
        win.settings = settings.with_values(per_host=2, workers=2)
        win.controller.set_settings(win.settings)
        dialog = win.open_add_dialog("\n".join(slow))
        wait_until(lambda: dialog.ready)
        dialog.capture_button.click()
        wait_until(lambda: sum(1 for j in win.queue_panel.model.jobs()
                               if j.state == "running" and j.received) == 2)  # bytes in
        for _ in range(60):
            QCoreApplication.processEvents()
            time.sleep(0.01)
        win.grab().save(str(out / "capture-queue.png"))
        win.controller.stop()
    finally:
        win.close()
        archive.close()
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    for name in ("main-window.png", "reader-quotes.png", "claims.png", "search.png",
                 "capture-queue.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
