"""Small dialogs for organising: mark/edit a claim, edit an item's tags, ask a name.

The tag fields complete over the archive's tag names (``Organizer.tag_names``, read
in a worker by the caller and passed in). GUI thread only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.one_return import popup_return_accepts
from desktop.plain_text import plain_label
from desktop.reader import VERDICT_BG
from storage.models import VERDICTS

log = logging.getLogger(__name__)

VERDICT_COLOURS = VERDICT_BG  # claim highlight colours, one per verdict


def split_tags(text: str) -> list[str]:
    """``"a, b ,, c"`` -> ``["a", "b", "c"]`` (whitespace collapsed, duplicates dropped)."""
    seen: dict[str, str] = {}
    for part in text.split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


class TagLineEdit(QLineEdit):
    """Comma-separated tags; the word being typed completes over ``names``."""

    def __init__(self, names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("tags, separated by commas")
        self.setAccessibleName("Tags")
        self._names = QStringListModel(list(names), self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setWidget(self)
        completer.activated.connect(self._insert)
        popup_return_accepts(completer, self._insert)  # one Return takes it and accepts
        self._completer = completer
        self.textEdited.connect(self._complete)

    @property
    def tag_completer(self) -> QCompleter:
        return self._completer

    def set_names(self, names: Sequence[str]) -> None:
        self._names.setStringList(list(names))

    def current_word(self) -> str:
        return self.text()[:self.cursorPosition()].split(",")[-1].strip()

    def _complete(self, _text: str) -> None:
        word = self.current_word()
        if not word:
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(word)
        if self._completer.completionCount():
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _insert(self, name: str) -> None:
        before = self.text()[:self.cursorPosition()]
        after = self.text()[self.cursorPosition():]
        head = before.rsplit(",", 1)[0] + ", " if "," in before else ""
        self.setText(head + name + ", " + after.lstrip(", "))

    def tags(self) -> list[str]:
        return split_tags(self.text())


class ClaimDialog(QDialog):
    """Verdict, note, tags and evidence links of a claim (new or edited)."""

    def __init__(self, claim_text: str, tag_names: Sequence[str], parent: QWidget | None = None,
                 *, verdict: str = "unverified", note: str = "", tags: Sequence[str] = (),
                 evidence: Sequence[str] = (), editing: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("claimDialog")
        self.setWindowTitle("Edit claim" if editing else "Mark as claim")
        words = " ".join(claim_text.split())
        shown = plain_label(f"“{words if len(words) <= 300 else words[:297] + '…'}”")
        shown.setWordWrap(True)
        shown.setTextFormat(Qt.TextFormat.PlainText)
        shown.setObjectName("claimText")
        self.verdict = QComboBox()
        self.verdict.setAccessibleName("Verdict")
        for v in VERDICTS:
            self.verdict.addItem(v.capitalize(), v)
        self.verdict.setCurrentIndex(max(0, self.verdict.findData(verdict)))
        self.note = QPlainTextEdit(note)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Why it needs checking, what you found…")
        self.note.setFixedHeight(80)
        self.tags = TagLineEdit(tag_names)
        self.tags.setText(", ".join(tags))
        self.tags.setEnabled(not editing)  # an existing claim's tags: Tag… in the Claims tab
        self.evidence = QPlainTextEdit("\n".join(evidence))
        self.evidence.setAccessibleName("Evidence")
        self.evidence.setPlaceholderText("One per line: a web address, or #123 (or "
                                         "article:123) for an archived article")
        self.evidence.setFixedHeight(64)
        form = QFormLayout()
        form.addRow("Verdict:", self.verdict)
        form.addRow("Note:", self.note)
        form.addRow("Tags:", self.tags)
        form.addRow("Evidence:", self.evidence)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Save" if editing else "Mark claim")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(shown)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(460, 0)

    def values(self) -> tuple[str, str, list[str], list[str]]:
        """(verdict, note, tags, evidence) as entered."""
        evidence = [line.strip() for line in self.evidence.toPlainText().splitlines()
                    if line.strip()]
        evidence = [f"article:{e[1:]}" if re.fullmatch(r"#\d+", e) else e for e in evidence]
        return (self.verdict.currentData(), self.note.toPlainText().strip(), self.tags.tags(),
                evidence)


class TagsDialog(QDialog):
    """Edit the tags of one item (article, quote, photo credit or claim)."""

    def __init__(self, what: str, current: Sequence[str], tag_names: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagsDialog")
        self.setWindowTitle("Tags")
        label = plain_label(what)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        self.before = list(current)
        self.field = TagLineEdit(tag_names)
        self.field.setText(", ".join(current) + (", " if current else ""))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(buttons)
        self.resize(420, 0)

    def tags(self) -> list[str]:
        return self.field.tags()
