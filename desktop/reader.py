"""The offline reader: a ``QTextBrowser`` that can only show the current article.

Security (docs/reliability.md D2-D4): ``loadResource`` serves exactly the images of the
article on display, named ``asset:<sha256>``, from bytes read from the archive
before display (see :func:`load_reader_bundle`). Every other name (``http:``,
``file:``, absolute paths such as ``/dev/zero``, ``data:``, ``qrc:``) is refused
without any file or network access. Two Qt fallbacks make "return nothing" unsafe
(verified with PySide6 6.12): ``QTextDocument.loadResource`` reads local files when
its parent returns nothing, and the image handler then tries ``QImage.load(name)``
directly. So the document is a :class:`SafeDocument` whose own ``loadResource``
applies the policy (no base-class fallback), and a refused *image* gets a 1x1
transparent placeholder (so the image handler never tries the file itself); other
refused resources get ``None``. ``openLinks`` is off; a clicked link is opened in
the system browser only for http(s), after the user confirmed the real host.

Rendering choice: the body is inserted from ``article["text"]`` with
``QTextCursor.insertText`` (``\\n`` becomes a block break, one position each), so
the stored character offsets of quotes, cited-outlet mentions and claims map 1:1
onto document positions (after a UTF-16 adjustment for characters outside the BMP)
and are highlighted with ``QTextCharFormat``. The article's archived images (the
``asset:`` images of its sanitised ``reader_html``) are shown as figures with their
captions and photo credits: the lead image above the text, the others after it.

Images (docs/reliability.md J2): archived image bytes are turned into pixels only by
:func:`desktop.image_decode.decode_archived` (a bounded decoder process; SVG rebuilt
with no outside reference), never by a Qt decoder in this process.

Thread rules: widgets on the GUI thread; :func:`load_reader_bundle` runs in a
Runner worker (it reads the archive and waits for the decoder process; no Qt object
there); :meth:`ReaderBundle.decode_images` wraps the pixels in ``QImage`` on the GUI
thread.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QByteArray, QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QImage,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import QMessageBox, QTextBrowser, QWidget

from desktop.image_decode import DecodedImage, decode_archived
from desktop.plain_text import escape, message_box, tooltip
from storage.archive import Archive

log = logging.getLogger(__name__)

ASSET_SCHEME = "asset"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
FIGURE_WIDTH = 560  # px shown in the reader
THUMBNAIL = 96
READING_WIDTH = 720  # px of text column
QUOTE_BG = QColor("#fff1b8")
SOURCE_BG = QColor("#dbeafe")
CREDIT_BG = QColor("#dcfce7")
CLAIM_BG = QColor("#fde2e2")
#: One highlight colour per claim verdict (the Claims tab uses the same).
VERDICT_BG = {"unverified": "#e5e7eb", "supported": "#bbf7d0", "disputed": "#fed7aa",
              "false": "#fecaca", "misleading": "#e9d5ff"}
FOCUS_BG = QColor("#fbbf24")
#: Marks data dragged from inside Cuttings (the reader's text): not links to capture.
INTERNAL_DRAG_MIME = "application/x-cuttings-internal-drag"
SERIF = ["Noto Serif", "Source Serif Pro", "Georgia", "DejaVu Serif", "serif"]


@dataclass
class ReaderBundle:
    """Everything the reader shows for one article: read in a worker (the article, its
    images decoded to plain pixels by the decoder process), wrapped in ``QImage`` on the
    GUI thread (:meth:`decode_images`).

    No Qt decoder runs in the worker: Qt's decoders (SVG's above all) lock Qt's
    connection mutexes while PySide holds the interpreter lock, and the GUI thread can
    hold such a mutex while it waits for that lock (a full CI run deadlocked exactly so).
    They run in :mod:`desktop.image_worker`'s process instead."""

    article: dict[str, Any]
    decoded: dict[str, DecodedImage] = field(default_factory=dict)  # sha256 -> pixels
    images: dict[str, QImage] = field(default_factory=dict)  # sha256 -> decoded, scaled
    thumbnails: dict[str, QImage] = field(default_factory=dict)

    def decode_images(self) -> None:
        """Wrap the decoded pixels in ``QImage``s and thumbnails (GUI thread; done once;
        no decoder runs here)."""
        for sha, decoded in self.decoded.items():
            if sha in self.images:
                continue
            image = decoded.to_qimage()
            self.images[sha] = image
            self.thumbnails[sha] = image.scaled(
                THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
        self.decoded = {}


def load_reader_bundle(archive: Archive, article_id: int) -> ReaderBundle | None:
    """Read an article and decode its own archived images (worker thread; no Qt object
    here; waits for the decoder process, at most :data:`desktop.image_decode.DEADLINE`)."""
    article = archive.article(article_id)
    if article is None:
        return None
    bundle = ReaderBundle(article)
    latest = next((c for c in article["captures"] if c.get("latest")), None)
    shas: list[str] = []
    if latest:
        shas.extend(a["sha256"] for a in latest["assets"])
    shas.extend(c["image_sha256"] for c in article["photo_credits"] if c.get("image_sha256"))
    image_data: dict[str, bytes] = {}
    for sha in dict.fromkeys(shas):
        data = archive.asset_bytes(article_id, sha)
        if data:
            image_data[sha] = data
    bundle.decoded = decode_archived(image_data)  # blocks: the decoder process, bounded
    return bundle


def claim_colour(verdict: str) -> QColor:
    return QColor(VERDICT_BG.get(verdict, CLAIM_BG.name()))


def _placeholder() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(0)
    return image


PLACEHOLDER = _placeholder()
_IMAGE_RESOURCE = QTextDocument.ResourceType.ImageResource.value


class SafeDocument(QTextDocument):
    """A document whose resources come only from ``policy`` (never Qt's file fallback)."""

    def __init__(self, policy: Callable[[int, QUrl], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._policy = policy

    def loadResource(self, type: int, name: QUrl) -> Any:  # noqa: A002 - Qt's name
        return self._policy(type, name)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class OffsetMap:
    """Python character offsets in the body text -> QTextDocument positions."""

    def __init__(self, text: str, base: int) -> None:
        self._text = text
        self._base = base
        self._wide = any(ord(ch) > 0xFFFF for ch in text)

    def __call__(self, offset: int) -> int:
        offset = max(0, min(offset, len(self._text)))
        if not self._wide:
            return self._base + offset
        return self._base + utf16_len(self._text[:offset])

    def to_offset(self, position: int) -> int:
        """The inverse: a document position back to a character offset in the text."""
        units = max(0, position - self._base)
        if not self._wide:
            return min(units, len(self._text))
        count = 0
        for i, ch in enumerate(self._text):
            if count >= units:
                return i
            count += 2 if ord(ch) > 0xFFFF else 1
        return len(self._text)

    def valid(self, start: Any, end: Any) -> bool:
        return (isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= len(self._text))


def _is_safe_link(url: QUrl) -> bool:
    return url.scheme().lower() in ("http", "https") and bool(url.host())


def confirm_open_link(parent: QWidget | None, url: QUrl) -> bool:
    """Ask before leaving the offline archive; shows the real host, not the link text."""
    host = url.host()
    box = message_box(QMessageBox.Icon.Question, "Open link in your browser?",
                      f"Open a page on <b>{escape(host)}</b> in your web browser?",
                      f"{url.toDisplayString()}\n\nThis leaves the offline archive and "
                      "connects to that site.",
                      QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                      parent, markup=True)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Open


def open_external_link(parent: QWidget | None, url: QUrl,
                       confirm: Callable[[QWidget | None, QUrl], bool] | None = None) -> bool:
    """Open an http(s) link in the system browser after confirmation. Anything else
    (``file:``, relative, ``javascript:``) does nothing. Returns whether it opened."""
    if not _is_safe_link(url):
        log.info("refused to open link %s", url.toString()[:200])
        return False
    if not (confirm or confirm_open_link)(parent, url):
        return False
    QDesktopServices.openUrl(url)
    return True


class ReaderView(QTextBrowser):
    """Shows one article offline; see the module docstring for the rules.

    Signals: ``article_shown(int)`` after an article was rendered.
    Attributes for tests: ``refused_resources`` (names refused by ``loadResource``),
    ``confirm_link`` (replaceable confirmation callable).
    """

    article_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reader")
        self.setAccessibleName("Article reader")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self.setReadOnly(True)
        # Read-only, yet the keyboard selects (Shift+arrows, Ctrl+Shift+End) as the mouse
        # does: a claim can be marked without a mouse.
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.anchorClicked.connect(self._anchor_clicked)
        self.confirm_link: Callable[[QWidget | None, QUrl], bool] = confirm_open_link
        self.refused_resources: list[str] = []
        self._images: dict[str, QImage] = {}
        self._article: dict[str, Any] | None = None
        self._offsets: OffsetMap | None = None
        self.show_placeholder()

    # ---- resource policy --------------------------------------------------------------
    def loadResource(self, type: int, name: QUrl | str) -> Any:  # noqa: A002 - Qt's name
        """Serve only ``asset:<sha256>`` images of the current article; refuse the rest
        (a refused image gets :data:`PLACEHOLDER`, anything else ``None``)."""
        return self.resource_for(type, name if isinstance(name, QUrl) else QUrl(str(name)))

    def resource_for(self, type: int, url: QUrl) -> Any:  # noqa: A002
        text = url.toString()
        if url.scheme() == ASSET_SCHEME and type == _IMAGE_RESOURCE:
            sha = url.path().lower()
            if _SHA256.match(sha) and sha in self._images:
                return self._images[sha]
        if len(self.refused_resources) < 1000:
            self.refused_resources.append(text[:200])
        log.debug("reader refused resource %s", text[:200])
        return PLACEHOLDER if type == _IMAGE_RESOURCE else None

    def new_document(self) -> SafeDocument:
        doc = SafeDocument(self.resource_for, self)
        doc.setDefaultFont(self._body_font())
        return doc

    # ---- drags -------------------------------------------------------------------------
    def createMimeDataFromSelection(self) -> QMimeData:
        """Dragged (or copied) text of the reader carries :data:`INTERNAL_DRAG_MIME`: the
        window never takes it for links dropped to capture."""
        mime = super().createMimeDataFromSelection()
        mime.setData(INTERNAL_DRAG_MIME, QByteArray(b"reader"))
        return mime

    # ---- links -------------------------------------------------------------------------
    def _anchor_clicked(self, url: QUrl) -> None:
        open_external_link(self, url, self.confirm_link)

    # ---- layout ------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_reading_width()

    def _apply_reading_width(self) -> None:
        width = self.viewport().width()
        side = max(24, (width - READING_WIDTH) // 2)
        root = self.document().rootFrame()
        fmt = root.frameFormat()
        if int(fmt.leftMargin()) != side:
            fmt.setLeftMargin(side)
            fmt.setRightMargin(side)
            fmt.setTopMargin(28)
            fmt.setBottomMargin(40)
            root.setFrameFormat(fmt)

    # ---- content -----------------------------------------------------------------------
    @property
    def article_id(self) -> int | None:
        return self._article["id"] if self._article else None

    @property
    def body_text(self) -> str:
        return self._article["text"] if self._article else ""

    def show_placeholder(self, message: str = "Select an article to read it here.") -> None:
        self._article = None
        self._images = {}
        self._offsets = None
        doc = self.new_document()
        cursor = QTextCursor(doc)
        block = QTextBlockFormat()
        block.setAlignment(Qt.AlignmentFlag.AlignCenter)
        block.setTopMargin(60)
        cursor.setBlockFormat(block)
        fmt = QTextCharFormat()
        fmt.setForeground(QColor("#6b7280"))
        cursor.insertText(message, fmt)
        self._replace_document(doc)
        self._apply_reading_width()

    def show_bundle(self, bundle: ReaderBundle) -> None:
        """Render an article (GUI thread)."""
        bundle.decode_images()
        self._article = bundle.article
        self._images = dict(bundle.images)
        self.refused_resources = []
        doc = self.new_document()
        doc.setDocumentMargin(0)
        self._replace_document(doc)  # before inserting images: the document asks us for them
        self._render(doc, bundle.article)
        self._apply_reading_width()
        self.verticalScrollBar().setValue(0)
        self.article_shown.emit(bundle.article["id"])

    def _replace_document(self, doc: QTextDocument) -> None:
        # Qt deletes the previous document when this view is its parent.
        self.setDocument(doc)

    def _body_font(self) -> QFont:
        font = QFont()
        font.setFamilies(SERIF)
        font.setPointSizeF(12.5)
        return font

    def _render(self, doc: QTextDocument, art: dict[str, Any]) -> None:
        cursor = QTextCursor(doc)
        base_block = QTextBlockFormat()
        base_block.setLineHeight(140, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)

        # Title
        title_block = QTextBlockFormat()
        title_block.setBottomMargin(10)
        title_fmt = QTextCharFormat()
        title_font = self._body_font()
        title_font.setPointSizeF(22)
        title_font.setBold(True)
        title_fmt.setFont(title_font)
        title_fmt.setForeground(QColor("#111827"))
        cursor.setBlockFormat(title_block)
        cursor.insertText(art.get("title") or art.get("url") or "(untitled)", title_fmt)

        # Byline: publisher · authors · date, then the original address as a link
        meta_fmt = QTextCharFormat()
        meta_font = QFont()
        meta_font.setPointSizeF(10)
        meta_fmt.setFont(meta_font)
        meta_fmt.setForeground(QColor("#4b5563"))
        parts = [art.get("publisher") or art.get("site") or ""]
        if art.get("authors"):
            parts.append("By " + ", ".join(art["authors"]))
        if art.get("published"):
            parts.append(str(art["published"])[:10])
        if art.get("word_count"):
            parts.append(f"{art['word_count']} words")
        meta_block = QTextBlockFormat()
        meta_block.setBottomMargin(2)
        cursor.insertBlock(meta_block)
        cursor.insertText("  ·  ".join(p for p in parts if p), meta_fmt)
        link_fmt = QTextCharFormat(meta_fmt)
        url = art.get("url") or ""
        if url.startswith(("http://", "https://")):
            link_fmt.setAnchor(True)
            link_fmt.setAnchorHref(url)
            link_fmt.setForeground(QColor("#1d4ed8"))
            link_fmt.setToolTip(tooltip(f"Original page on {urlsplit(url).hostname} "
                                        "(opens your browser)"))
        link_block = QTextBlockFormat()
        link_block.setBottomMargin(18)
        cursor.insertBlock(link_block)
        cursor.insertText(url, link_fmt)

        assets = self._assets(art)
        credits_by_sha = {c["image_sha256"]: c for c in art.get("photo_credits", [])
                          if c.get("image_sha256")}
        lead = [a for a in assets if a["role"] == "lead"][:1]
        figures = [a for a in assets if a not in lead]
        for asset in lead:
            self._insert_figure(cursor, asset, credits_by_sha.get(asset["sha256"]))

        # Body: inserted as plain text so offsets map 1:1
        cursor.insertBlock(base_block)
        body_fmt = QTextCharFormat()
        body_fmt.setForeground(QColor("#1f2937"))
        text = (art.get("text") or "").replace("\r", " ")
        body_start = cursor.position()
        if text.strip():
            cursor.insertText(text, body_fmt)
        else:
            note = QTextCharFormat(body_fmt)
            note.setForeground(QColor("#8a6d3b"))
            cursor.insertText("No article text was found on this page. The exact snapshot is "
                              "kept: see the Capture tab for its SHA-256 and headers.", note)
        self._offsets = OffsetMap(text, body_start) if text.strip() else None
        self._compact_blank_lines(doc, body_start, cursor.position())

        if figures:
            heading = QTextBlockFormat()
            heading.setTopMargin(24)
            cursor.insertBlock(heading)
            hfmt = QTextCharFormat(meta_fmt)
            hfmt.setFontWeight(QFont.Weight.Bold)
            cursor.insertText("Images", hfmt)
            for asset in figures:
                self._insert_figure(cursor, asset, credits_by_sha.get(asset["sha256"]))
        self._highlight(doc, art)

    @staticmethod
    def _compact_blank_lines(doc: QTextDocument, start: int, end: int) -> None:
        """The blank line between paragraphs stays (offsets!) but becomes a small gap."""
        block = doc.findBlock(start)
        while block.isValid() and block.position() <= end:
            if block.length() <= 1:
                fmt = block.blockFormat()
                fmt.setLineHeight(9, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
                QTextCursor(block).setBlockFormat(fmt)
            block = block.next()

    def _assets(self, art: dict[str, Any]) -> list[dict[str, Any]]:
        """The latest capture's images that reached the sanitised HTML, in page order."""
        latest = next((c for c in art.get("captures", []) if c.get("latest")), None)
        if not latest:
            return []
        order = re.findall(r'src="asset:([0-9a-f]{64})"', art.get("reader_html") or "")
        by_sha: dict[str, dict[str, Any]] = {}
        for a in latest["assets"]:
            by_sha.setdefault(a["sha256"], a)
        shown = [by_sha[s] for s in dict.fromkeys(order) if s in by_sha]
        lead = [a for a in by_sha.values() if a["role"] == "lead" and a not in shown]
        return [a for a in lead + shown if a["sha256"] in self._images]

    def _insert_figure(self, cursor: QTextCursor, asset: dict[str, Any],
                       credit: dict[str, Any] | None) -> None:
        image = self._images.get(asset["sha256"])
        if image is None:
            return
        block = QTextBlockFormat()
        block.setTopMargin(12)
        block.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cursor.insertBlock(block)
        fmt = QTextImageFormat()
        fmt.setName(f"{ASSET_SCHEME}:{asset['sha256']}")
        width = min(image.width(), FIGURE_WIDTH)
        fmt.setWidth(width)
        fmt.setHeight(image.height() * width / max(1, image.width()))
        cursor.insertImage(fmt)
        caption = asset.get("caption") or (credit or {}).get("caption")
        cap_fmt = QTextCharFormat()
        small = QFont()
        small.setPointSizeF(9.5)
        cap_fmt.setFont(small)
        cap_fmt.setForeground(QColor("#4b5563"))
        cap_block = QTextBlockFormat()
        cap_block.setBottomMargin(14)
        cursor.insertBlock(cap_block)
        credit_text = (credit or {}).get("credit") or ""
        credit_fmt = QTextCharFormat(cap_fmt)
        credit_fmt.setBackground(CREDIT_BG)
        credit_fmt.setToolTip(tooltip("Photo credit: " + " / ".join(
            p for p in ((credit or {}).get("photographer"), (credit or {}).get("provider")) if p)))
        if caption and credit_text and credit_text in caption:
            before, _, after = caption.partition(credit_text)
            cursor.insertText(before, cap_fmt)
            cursor.insertText(credit_text, credit_fmt)
            cursor.insertText(after, cap_fmt)
        else:
            if caption:
                cursor.insertText(caption + "  ", cap_fmt)
            if credit_text:
                cursor.insertText(credit_text, credit_fmt)

    def _highlight(self, doc: QTextDocument, art: dict[str, Any]) -> None:
        offsets = self._offsets
        if offsets is None:
            return
        cursor = QTextCursor(doc)

        def paint(start: int, end: int, colour: QColor, tip: str) -> None:
            cursor.setPosition(offsets(start))
            cursor.setPosition(offsets(end), QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(colour)
            fmt.setToolTip(tooltip(tip))
            cursor.mergeCharFormat(fmt)

        for src in art.get("sources", []):
            for mention in src.get("mentions") or []:
                if len(mention) == 2 and offsets.valid(mention[0], mention[1]):
                    paint(mention[0], mention[1], SOURCE_BG,
                          f"Cited outlet: {src['name']} ({src['kind']})")
        for q in art.get("quotes", []):
            if offsets.valid(q.get("start"), q.get("end")):
                who = q.get("speaker") or "unknown speaker"
                paint(q["start"], q["end"], QUOTE_BG, f"Quote — {who}")
        for claim in art.get("claims", []):  # last: a claim inside a quote shows as a claim
            if offsets.valid(claim.get("start"), claim.get("end")):
                verdict = claim.get("verdict") or "unverified"
                tip = f"Claim ({verdict})"
                if claim.get("note"):
                    tip += f": {claim['note'][:200]}"
                if claim.get("anchor_state") == "changed":
                    tip += " — text changed since marked"
                paint(claim["start"], claim["end"], claim_colour(verdict), tip)

    def selected_span(self) -> tuple[int, int] | None:
        """The selection as (start, end) offsets into the body text, or None when nothing
        of the body is selected (title, captions and empty selections do not count)."""
        offsets = self._offsets
        cursor = self.textCursor()
        if offsets is None or not cursor.hasSelection():
            return None
        start = offsets.to_offset(cursor.selectionStart())
        end = offsets.to_offset(cursor.selectionEnd())
        text = self.body_text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return (start, end) if offsets.valid(start, end) else None

    # ---- navigation ----------------------------------------------------------------------
    def show_range(self, start: int, end: int) -> bool:
        """Select and scroll to a span of the body text (a quote, a search hit)."""
        offsets = self._offsets
        if offsets is None or not offsets.valid(start, end):
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(offsets(start))
        cursor.setPosition(offsets(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        rect = self.cursorRect(cursor)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - self.viewport().height() // 3)
        return True
