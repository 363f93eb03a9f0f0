"""The Add URLs dialog: paste text with links, see what will be captured.

As the text changes (debounced), a worker finds the URLs (``capture.urls.find_urls``)
and asks the archive which are already archived or queued; the dialog then shows
how many links were found, which are already archived (with a "capture again"
option), which are refused and why. GUI thread only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capture.urls import find_urls
from desktop.plain_text import plain_label, tooltip
from desktop.runner import Runner
from storage.archive import Archive, Duplicate

log = logging.getLogger(__name__)

MAX_SHOWN = 500
DEBOUNCE_MS = 200


@dataclass
class UrlAnalysis:
    """What the pasted text contains (computed in a worker)."""

    new: list[str] = field(default_factory=list)
    fixed: list[tuple[str, str]] = field(default_factory=list)  # (as typed, offered URL)
    archived: list[Duplicate] = field(default_factory=list)
    queued: list[Duplicate] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (as typed, reason)
    suggested: list[tuple[str, str]] = field(default_factory=list)  # (as typed, likely URL)
    repeated: int = 0  # links given more than once, counting each extra time
    repeats: dict[str, int] = field(default_factory=dict)  # URL -> times given (>= 2)

    @property
    def found(self) -> int:
        return len(self.new) + len(self.archived) + len(self.queued) + len(self.refused)


def analyse_text(archive: Archive, text: str) -> UrlAnalysis:
    """Classify every URL in ``text`` (worker thread: reads the archive)."""
    out = UrlAnalysis()
    seen: set[str] = set()
    for cand in find_urls(text):
        if cand.url is None:
            out.refused.append((cand.raw, cand.error or "not a web address"))
            if cand.suggestion:
                out.suggested.append((cand.raw, cand.suggestion))
            continue
        if cand.url in seen:
            out.repeated += 1
            out.repeats[cand.url] = out.repeats.get(cand.url, 1) + 1
            continue
        seen.add(cand.url)
        dup = archive.find_duplicate(cand.url)
        if dup is not None and dup.queued_job_id is not None:
            out.queued.append(dup)
        elif dup is not None:
            out.archived.append(dup)
        else:
            out.new.append(cand.url)
            if cand.offered_fix:
                out.fixed.append((cand.raw, cand.url))
    return out


class AddUrlsDialog(QDialog):
    """Paste links; ``urls_to_capture()`` and ``urls_to_recapture()`` after accept."""

    def __init__(self, archive: Archive, runner: Runner, parent: QWidget | None = None,
                 text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Add article links")
        self.setObjectName("addUrlsDialog")
        self.resize(680, 520)
        self._archive = archive
        self._runner = runner
        self._generation = 0
        self._analysis = UrlAnalysis()
        self._pending = False

        intro = plain_label("Paste article links: one per line, or any text that contains them "
                       "(an e-mail, a document, a list of bookmarks).")
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("urlText")
        self.editor.setAccessibleName("Links to capture")
        self.editor.setPlaceholderText("https://www.example-news.com/2026/03/article-title\n"
                                       "https://…")
        self.summary = plain_label("No links yet.")
        self.summary.setObjectName("urlSummary")
        self.summary.setAccessibleName("Links found")
        self.details = QListWidget()
        self.details.setObjectName("urlDetails")
        self.details.setAccessibleName("What will happen to each link")
        self.details.setAlternatingRowColors(True)
        self.recapture = QCheckBox("Capture already archived pages again (keeps the earlier "
                                   "versions)")
        self.recapture.setObjectName("recapture")
        self.recapture.setEnabled(False)
        self.recapture.toggled.connect(self._update_button)
        self.fix_button = QPushButton("Use the suggested addresses")
        self.fix_button.setObjectName("useSuggestions")
        self.fix_button.setToolTip("Replace the mistyped links (htps://, http:/ …) in the text "
                                   "with the addresses suggested above")
        self.fix_button.setVisible(False)
        self.fix_button.clicked.connect(self.apply_suggestions)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.capture_button = QPushButton("Capture")
        self.capture_button.setObjectName("captureButton")
        self.capture_button.setDefault(True)
        self.buttons.addButton(self.capture_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.editor, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 2)
        fixes = QHBoxLayout()
        fixes.addWidget(self.recapture, 1)
        fixes.addWidget(self.fix_button)
        layout.addLayout(fixes)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._analyse)
        self.editor.textChanged.connect(self._text_changed)
        self._update_button()
        if text:
            self.editor.setPlainText(text)

    # ---- results -------------------------------------------------------------------------
    @property
    def analysis(self) -> UrlAnalysis:
        return self._analysis

    @property
    def ready(self) -> bool:
        """The analysis matches the current text."""
        return not self._pending

    def urls_to_capture(self) -> list[str]:
        return list(self._analysis.new)

    def urls_to_recapture(self) -> list[str]:
        if not self.recapture.isChecked():
            return []
        return [d.url for d in self._analysis.archived]

    # ---- analysis --------------------------------------------------------------------------
    def _text_changed(self) -> None:
        self._pending = True
        self._generation += 1
        self._update_button()
        self._timer.start()

    def _analyse(self) -> None:
        generation = self._generation
        text = self.editor.toPlainText()

        def done(result: UrlAnalysis) -> None:
            if generation != self._generation:
                return
            self._analysis = result
            self._pending = False
            self._show(result)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._pending = False
            self.summary.setText(f"Could not check the links against the archive: {exc}. "
                                 "Close the dialog and try again.")
            self._update_button()

        self._runner.submit(analyse_text, self._archive, text, on_result=done, on_error=failed)

    def _show(self, a: UrlAnalysis) -> None:
        parts = [f"{a.found} link{'s' if a.found != 1 else ''} found"]
        if a.new:
            parts.append(f"{len(a.new)} new")
        if a.archived:
            parts.append(f"{len(a.archived)} already archived")
        if a.queued:
            parts.append(f"{len(a.queued)} already in the queue")
        if a.refused:
            parts.append(f"{len(a.refused)} refused")
        if a.repeated:
            parts.append(f"{a.repeated} repeated")
        self.summary.setText(" · ".join(parts) if a.found else
                             "No links found yet. Links start with http:// or https://.")
        self.details.clear()
        fixed = dict((u, raw) for raw, u in a.fixed)
        shown = 0

        def add(text: str, colour: str, tip: str = "") -> None:
            nonlocal shown
            if shown >= MAX_SHOWN:
                return
            item = QListWidgetItem(text)
            item.setForeground(QColor(colour))
            if tip:
                item.setToolTip(tooltip(tip))
            self.details.addItem(item)
            shown += 1

        for url in a.new:
            if url in fixed:
                add(f"✚  {url}   (you typed “{fixed[url]}”; https:// was added)", "#1d4ed8")
            else:
                add(f"✚  {url}", "#15803d")
        for d in a.archived:
            add(f"↻  {d.message}", "#7c6f00",
                "Tick 'Capture again' below to keep a new version of this page.")
        for d in a.queued:
            add(f"…  {d.message}", "#6b7280")
        suggested = dict(a.suggested)
        for raw, reason in a.refused:
            if raw in suggested:  # the likely fix first: the reason can be long
                add(f"✕  {raw}   did you mean {suggested[raw]}?", "#b91c1c", reason)
            else:
                add(f"✕  {reason}", "#b91c1c", f"You typed: {raw}")
        for url, times in a.repeats.items():
            add(f"≡  {url}   (given {times} times; captured once)", "#6b7280",
                "The same page (after removing tracking parameters) appears more than once "
                "in the text.")
        listed = a.found + len(a.repeats)
        if listed > MAX_SHOWN:
            self.details.addItem(f"… and {listed - MAX_SHOWN} more")
        self.recapture.setEnabled(bool(a.archived))
        self.fix_button.setVisible(bool(a.suggested))
        self.fix_button.setText("Use the suggested address" if len(a.suggested) == 1
                                else f"Use the {len(a.suggested)} suggested addresses")
        self._update_button()

    def apply_suggestions(self) -> None:
        """Put the suggested address in place of each mistyped link in the text (the
        analysis then runs again and lists them as new)."""
        text = self.editor.toPlainText()
        for raw, fix in sorted(self._analysis.suggested, key=lambda p: -len(p[0])):
            text = text.replace(raw, fix)
        self.editor.setPlainText(text)

    def _update_button(self, *_args: object) -> None:
        count = len(self._analysis.new) + len(self.urls_to_recapture())
        self.capture_button.setEnabled(not self._pending and count > 0)
        self.capture_button.setText(f"Capture {count} link{'s' if count != 1 else ''}"
                                    if count else "Capture")
        if self._pending:
            self.capture_button.setToolTip("Checking the links…")
        else:
            self.capture_button.setToolTip("")

    def keyPressEvent(self, event: object) -> None:  # Ctrl+Enter captures
        from PySide6.QtGui import QKeyEvent
        if (isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and self.capture_button.isEnabled()):
            self.accept()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]
