"""Claims and item tags from the reader and the details tabs.

Mark the reader's selection as a claim (Ctrl+M, the reader's context menu), edit and
delete claims from the Claims tab, and edit the tags of a quote, photo credit or
claim ("Tag…" in the tabs' context menus). Every change goes through the
:class:`~desktop.organize_controller.OrganizeController` (background, undoable).

The ``ask_*`` methods open a non-modal dialog and return it (tests fill it in and
accept it). GUI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from desktop import undo_commands as ops
from desktop.claim_dialog import ClaimDialog, TagsDialog
from desktop.details_tabs import DetailsTabs
from desktop.organize_controller import OrganizeController
from desktop.plain_text import message_box
from desktop.reader import ReaderView
from storage.organize import ConflictError

log = logging.getLogger(__name__)


class ClaimsController(QObject):
    """Signals: ``claim_marked(int article_id, int start, int end)`` once a new claim
    is stored (the window re-opens the article at it); ``message(str)`` for the
    status bar; ``conflict_shown(QMessageBox)`` when an edit met another desktop's save
    and the user is asked which version to keep."""

    claim_marked = Signal(int, int, int)
    message = Signal(str)
    conflict_shown = Signal(object)  # the QMessageBox, before it runs (tests answer it)

    def __init__(self, window: QWidget, reader: ReaderView, details: DetailsTabs,
                 organize: OrganizeController) -> None:
        super().__init__(window)
        self.window = window
        self.reader = reader
        self.details = details
        self.organize = organize
        self.dialog: QDialog | None = None
        details.tag_item.connect(self.ask_item_tags)
        details.edit_claim.connect(self.ask_edit_claim)
        details.delete_claim.connect(self.delete_claim)

    def with_tag_names(self, then: Callable[[list[str]], Any]) -> None:
        """Read the tag names for completion in a worker, then call ``then(names)``."""
        org = self.organize.organizer
        self.organize.runner.submit(org.tag_names, "", 2000, on_result=then,
                                    on_error=lambda _exc: then([]))

    def _open(self, dialog: QDialog, accepted: Callable[[], None]) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()
        self.dialog = dialog
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    # ---- claims -------------------------------------------------------------------------
    def ask_claim(self, names: Sequence[str] | None = None) -> ClaimDialog | None:
        """Ask verdict, note, tags and evidence for the reader's selection."""
        span, article_id = self.reader.selected_span(), self.reader.article_id
        if span is None or article_id is None:
            self.message.emit("Select the words of the claim in the article first.")
            return None
        if names is None:
            self.with_tag_names(lambda n: self.ask_claim(n))
            return None
        text = self.reader.body_text[span[0]:span[1]]
        dialog = ClaimDialog(text, names, self.window)
        self._open(dialog, lambda: self.mark_claim(*dialog.values(), span=span,
                                                   article_id=article_id))
        return dialog

    def mark_claim(self, verdict: str, note: str = "", tags: Sequence[str] = (),
                   evidence: Sequence[str] = (), *, span: tuple[int, int] | None = None,
                   article_id: int | None = None) -> bool:
        """Store the span (default: the reader's selection) as a claim, in the
        background; False when nothing of the body text is selected."""
        span = span or self.reader.selected_span()
        article_id = article_id if article_id is not None else self.reader.article_id
        if span is None or article_id is None:
            return False
        start, end = span
        self.organize.run(ops.add_claim(article_id, start, end, verdict, note, list(tags),
                                        list(evidence)),
                          on_done=lambda _info: self.claim_marked.emit(article_id, start, end))
        return True

    def ask_edit_claim(self, claim_id: int) -> None:
        """Read the claim (worker), then show it for editing."""
        org = self.organize.organizer

        def show(names_and_claim: tuple[list[str], Any]) -> None:
            names, claim = names_and_claim
            dialog = ClaimDialog(claim.text, names, self.window, verdict=claim.verdict,
                                 note=claim.note, tags=claim.tags, evidence=claim.evidence,
                                 editing=True)

            def save() -> None:
                verdict, note, _tags, evidence = dialog.values()
                self.save_claim_edit(claim, verdict, note, evidence)
            self._open(dialog, save)

        self.organize.runner.submit(lambda: (org.tag_names("", 2000), org.get_claim(claim_id)),
                                    on_result=show, on_error=lambda exc: self.message.emit(
                                        f"Could not read the claim: {exc}"))

    def save_claim_edit(self, claim: Any, verdict: str, note: str,
                        evidence: Sequence[str]) -> None:
        """Save an edit made on ``claim`` as read; if someone else (another desktop on a
        shared archive) saved it meanwhile, show both versions and let the user choose."""
        def conflict(exc: BaseException) -> bool:
            if not isinstance(exc, ConflictError):
                return False
            org = self.organize.organizer
            self.organize.runner.submit(
                org.get_claim, claim.id,
                on_result=lambda current: self._resolve_conflict(current, verdict, note,
                                                                 evidence),
                on_error=lambda e: self.message.emit(f"Could not read the claim: {e}"))
            return True

        self.organize.run(ops.update_claim(claim, verdict, note, evidence), on_error=conflict)

    def _resolve_conflict(self, current: Any, verdict: str, note: str,
                          evidence: Sequence[str]) -> str:
        """Ask which version to keep; returns "mine" or "theirs"."""
        box = message_box(QMessageBox.Icon.Warning, "This claim was changed meanwhile",
                          "Someone else saved this claim after you opened it.",
                          f"Their version: {current.verdict}. {current.note or '(no note)'}\n\n"
                          f"Your version: {verdict}. {note or '(no note)'}",
                          QMessageBox.StandardButton.NoButton, self.window)
        mine = box.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep theirs", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(mine)
        self.conflict_shown.emit(box)
        box.exec()
        if box.clickedButton() is mine:
            self.save_claim_edit(current, verdict, note, evidence)
            return "mine"
        self.message.emit("Kept the other version of the claim.")
        return "theirs"

    def delete_claim(self, claim_id: int) -> None:
        """Delete a claim (undoable with Ctrl+Z, so no question asked)."""
        self.organize.run(ops.delete_claim(claim_id))

    # ---- tags of quotes, credits, claims, one article ---------------------------------------
    def ask_item_tags(self, kind: str, item_id: int, current: list[str], label: str,
                      names: Sequence[str] | None = None) -> TagsDialog | None:
        if names is None:
            self.with_tag_names(lambda n: self.ask_item_tags(kind, item_id, current, label, n))
            return None
        dialog = TagsDialog(label, current, names, self.window)
        self._open(dialog, lambda: self.set_item_tags(kind, item_id, current, dialog.tags()))
        return dialog

    def set_item_tags(self, kind: str, item_id: int, before: Sequence[str],
                      after: Sequence[str]) -> bool:
        """Make the item's tags ``after``; False (nothing done) when unchanged."""
        if [t.casefold() for t in before] == [t.casefold() for t in after]:
            return False
        self.organize.run(ops.set_item_tags(kind, item_id, before, after))
        return True
