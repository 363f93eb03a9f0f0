"""Who reviewed: asked once, the first time a ClaimReview export is chosen, and kept
in Settings (``reviewer_name``, ``reviewer_org``, ``reviewer_url`` of
``capture.settings.Settings``; Settings › ClaimReview changes them later).

The rules for a usable reviewer are :class:`storage.export.claimreview.Reviewer`'s
(a name or an organisation; an http(s) address or none), shown as the reason the
Save button is disabled. GUI thread only.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.plain_text import plain_label
from storage.export.claimreview import Reviewer

log = logging.getLogger(__name__)


def describe(reviewer: Reviewer) -> str:
    """One line naming the reviewer (plain text: the values are the user's)."""
    who = ", ".join(p for p in (reviewer.name, reviewer.organisation) if p)
    return f"{who} <{reviewer.url}>" if reviewer.url else who


def reviewer_of(settings: object) -> Reviewer:
    """The reviewer kept in ``settings`` (a ``capture.settings.Settings``)."""
    return Reviewer.of(getattr(settings, "reviewer_name", ""),
                       getattr(settings, "reviewer_org", ""),
                       getattr(settings, "reviewer_url", ""))


class ReviewerDialog(QDialog):
    """Asks the reviewer's name, organisation and web address; ``values()`` after
    accept gives them as settings (``reviewer_name``, ``reviewer_org``,
    ``reviewer_url``)."""

    def __init__(self, current: Reviewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who reviewed these claims?")
        self.setObjectName("reviewerDialog")
        intro = plain_label("A ClaimReview names who checked the claims. Cuttings asks once "
                            "and keeps your answer in Settings › ClaimReview.")
        intro.setWordWrap(True)
        self.name = QLineEdit(current.name)
        self.name.setAccessibleName("Reviewer name")
        self.name.setPlaceholderText("Your name")
        self.org = QLineEdit(current.organisation)
        self.org.setAccessibleName("Reviewer organisation")
        self.org.setPlaceholderText("Desk or outlet")
        self.url = QLineEdit(current.url)
        self.url.setAccessibleName("Reviewer web address")
        self.url.setPlaceholderText("https://…")
        for edit in (self.name, self.org):
            edit.setMaxLength(300)
        self.url.setMaxLength(2000)
        self.problem = plain_label("")
        self.problem.setObjectName("reviewerProblem")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Organisation:", self.org)
        form.addRow("Web address:", self.url)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for edit in (self.name, self.org, self.url):
            edit.textChanged.connect(self._check)
        self.setMinimumWidth(460)
        self._check()

    def reviewer(self) -> Reviewer:
        return Reviewer.of(self.name.text(), self.org.text(), self.url.text())

    def _check(self, *_args: object) -> None:
        problem = self.reviewer().problem()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(problem is None)
        self.problem.setText("" if problem is None else problem[:1].upper() + problem[1:] + ".")

    def accept(self) -> None:
        if self.reviewer().problem() is None:
            super().accept()

    def values(self) -> dict[str, str]:
        r = self.reviewer()
        return {"reviewer_name": r.name, "reviewer_org": r.organisation, "reviewer_url": r.url}
