"""A claim edited on two desktops: the second save shows both versions and the user
chooses (issue 9's "a claim edited in both shows the conflict", in the window)."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from storage.archive import Archive
from storage.organize import Organizer
from tests.storage.organize_support import store


def answer(button_text: str):  # noqa: ANN201
    def on_shown(box) -> None:  # noqa: ANN001
        def click() -> None:
            for b in box.buttons():
                if b.text() == button_text:
                    b.click()
        QTimer.singleShot(0, click)
    return on_shown


def test_second_save_shows_the_conflict_and_keeps_the_chosen_version(
        qtbot, make_window, archive: Archive) -> None:  # noqa: ANN001
    article_id = store(archive).article_id
    mine = Organizer(archive)
    claim = mine.add_claim(article_id, "Saltmere council voted")
    with Archive.open(archive.url) as other_desktop:
        Organizer(other_desktop).update_claim(claim.id, claim.version, verdict="supported",
                                              note="their note")
    win = make_window(resume_queue=False)
    shown: list[str] = []
    win.claims.conflict_shown.connect(lambda box: shown.append(box.informativeText()))
    win.claims.conflict_shown.connect(answer("Keep mine"))
    win.claims.save_claim_edit(claim, "false", "my note", [])  # edited from version 1
    qtbot.waitUntil(lambda: mine.get_claim(claim.id).note == "my note", timeout=10000)
    assert shown and "their note" in shown[0] and "my note" in shown[0]
    final = mine.get_claim(claim.id)
    assert (final.verdict, final.note) == ("false", "my note")


def test_keeping_theirs_changes_nothing(qtbot, make_window, archive: Archive) -> None:  # noqa: ANN001
    article_id = store(archive).article_id
    mine = Organizer(archive)
    claim = mine.add_claim(article_id, "Saltmere council voted")
    with Archive.open(archive.url) as other_desktop:
        Organizer(other_desktop).update_claim(claim.id, claim.version, verdict="disputed",
                                              note="theirs")
    win = make_window(resume_queue=False)
    shown: list[object] = []
    win.claims.conflict_shown.connect(shown.append)
    win.claims.conflict_shown.connect(answer("Keep theirs"))
    with qtbot.waitSignal(win.claims.message, timeout=10000,
                          check_params_cb=lambda m: "other version" in m):
        win.claims.save_claim_edit(claim, "false", "mine", [])
    assert shown
    final = mine.get_claim(claim.id)
    assert (final.verdict, final.note) == ("disputed", "theirs")
