"""The Export dialog asks once who reviewed, the first time ClaimReview is chosen,
and keeps it in Settings (issue 22)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.settings_store import load_settings
from tests.storage.export.helpers import organize, store_harbour

pytestmark = pytest.mark.gui

HOSTILE = "Ana <b>Ruiz</b> <img src=x>"


def _idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive(), timeout=20000)


def test_claimreview_asks_once_and_keeps_the_reviewer(qtbot, make_window, archive,
                                                      tmp_path) -> None:
    ids = [store_harbour(archive, n) for n in range(2)]
    organize(archive, ids)
    win = make_window(resume_queue=False)
    _idle(qtbot, win)
    assert win.settings.reviewer_name == ""

    export = win.open_export()
    assert export.reviewer_dialog is None
    export.format.setCurrentIndex(export.format.findData("claimreview"))
    ask = export.reviewer_dialog
    assert ask is not None and ask.isVisible()
    save = ask.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and "name or organisation" in ask.problem.text()
    ask.name.setText(HOSTILE)
    ask.org.setText("Saltmere Fact Desk")
    ask.url.setText("javascript:alert(1)")
    assert not save.isEnabled() and "http" in ask.problem.text()
    ask.url.setText("https://facts.saltmere.example/")
    assert save.isEnabled()
    save.click()
    assert not ask.isVisible()
    # kept in Settings (in memory and on disk), shown as plain text in the dialog
    assert win.settings.reviewer_name == HOSTILE
    stored = load_settings(win.qsettings)
    assert (stored.reviewer_name, stored.reviewer_org, stored.reviewer_url) == (
        HOSTILE, "Saltmere Fact Desk", "https://facts.saltmere.example/")
    assert HOSTILE in export.note.text()
    assert export.note.textFormat() == Qt.TextFormat.PlainText

    target = tmp_path / "checks.jsonld"
    export.path.setText(str(target))
    with qtbot.waitSignal(win.export_finished, timeout=20000):
        export.accept()
    graph = json.loads(target.read_text(encoding="utf-8"))["@graph"]
    assert graph and {r["author"]["name"] for r in graph} == {HOSTILE}
    assert graph[0]["author"]["affiliation"]["name"] == "Saltmere Fact Desk"

    # asked once: the next export does not ask again
    again = win.open_export()
    again.format.setCurrentIndex(again.format.findData("md"))
    again.format.setCurrentIndex(again.format.findData("claimreview"))
    assert again.reviewer_dialog is None
    assert "Saltmere Fact Desk" in again.note.text()
    again.reject()


def test_export_waits_for_a_reviewer(qtbot, make_window, archive, tmp_path) -> None:
    ids = [store_harbour(archive, 0)]
    organize(archive, ids)
    win = make_window(resume_queue=False)
    _idle(qtbot, win)
    export = win.open_export()
    export.format.setCurrentIndex(export.format.findData("claimreview"))
    export.reviewer_dialog.reject()  # "not now"
    target = tmp_path / "c.jsonld"
    export.path.setText(str(target))
    export.accept()  # no reviewer yet: asks again instead of exporting
    assert export.isVisible() and export.reviewer_dialog.isVisible()
    assert not target.exists()
    export.reviewer_dialog.org.setText("Harbour Checks")
    with qtbot.waitSignal(win.export_finished, timeout=20000):
        export.reviewer_dialog.accept()
        export.accept()
    graph = json.loads(target.read_text(encoding="utf-8"))["@graph"]
    assert graph[0]["author"] == {"@type": "Organization", "name": "Harbour Checks"}
