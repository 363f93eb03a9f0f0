"""J1 (docs/reliability.md): text from pages, servers and imports is plain text
wherever Qt shows it.

Qt guesses rich text in labels, tooltips, message boxes and input dialogs, and rich
text loads ``<img src>`` from the local disk. These tests capture hostile pages from
loopback servers (title, author, quotes, credits, sources, a status line's reason
phrase, response headers) and store an "imported" article whose every field is
hostile, with a claim, a tag and a collection named with markup; then they open
everything (article, every details tab, queue, sidebar, search, dialogs) and walk
every widget and item model. The payload names a FIFO watched by another process
(``tests.support.fifo_watch``), so any attempt to load it as an image is recorded.
A ``/dev/zero`` payload (which exhausted memory) runs in a bounded subprocess; a
scan of ``desktop/`` keeps later code from bypassing ``desktop.plain_text``.
"""

from __future__ import annotations

import ast
import html
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QMessageBox,
    QStatusBar,
    QToolTip,
    QWidget,
)

from capture.settings import Settings
from capture.types import CitationItem, CreditItem, Extracted, QuoteItem
from storage.archive import Archive
from tests.desktop.fixture_site import png
from tests.reliability.helpers import ROOT, fetched, run_python
from tests.support import qt_fixtures
from tests.support.fifo_watch import FifoWatch
from tests.support.servers import RawServer, http_head

# Shared fixtures (one definition, tests/support/qt_fixtures.py).
_isolated_qsettings = qt_fixtures._isolated_qsettings
archive = qt_fixtures.archive


pytestmark = [pytest.mark.gui, pytest.mark.slow,
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                        "does not support grabbing")]

BOLD = "<b>bold</b>"
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
         Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole)
GUESSED_ROLES = (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.WhatsThisRole)


# ---- fixtures ---------------------------------------------------------------------------

@pytest.fixture
def fifo() -> Iterator[FifoWatch]:
    # A short path: a server's reason phrase is cut at 60 characters before it is shown.
    directory = tempfile.mkdtemp(prefix="j1")
    try:
        with FifoWatch(directory, "f") as watch:
            yield watch
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def img(path: str) -> str:
    return f'<img src="{path}">'


def hostile_page(payload: str) -> str:
    """A news page whose title, author, quote, source sentence, caption and credit all
    hold ``payload`` as *text* (escaped in the HTML, as a real page would)."""
    e = html.escape(payload)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Hostile {e}</title><meta property="og:title" content="Hostile {e}">
<meta name="author" content="Ann {e}"><meta property="og:site_name" content="Site {e}">
</head><body><main><article><h1>Hostile {e}</h1>
<div class="byline">By Ann {e}</div>
<figure class="lead-image"><img src="/media/p.png" alt="{e}" width="640" height="360">
<figcaption>Caption {e} <span class="credit">Photo: Tom Reyes {e}</span></figcaption></figure>
<p>The council postponed a vote on the bridge on Thursday after engineers said the cost
of the work had doubled since the autumn, in a long and detailed report.</p>
<p>\u201cWe cannot ask residents to pay twice {e} for the same bridge,\u201d said
Councillor Ines Vardy, who chairs the finance committee.</p>
<p>The engineering firm said in a report seen by Reuters that corrosion {e} in the
lower deck was worse than a survey had suggested two years ago.</p>
<p>The council is expected to return to the question at its April meeting.</p>
</article></main></body></html>"""


def store_imported(archive: Archive, payload: str) -> int:
    """An article as an import could bring it: every shown field holds ``payload``."""
    text = (f"First paragraph about {payload} and the bridge.\n\n"
            f"\u201cWords of {payload},\u201d said someone. The claim {payload} stands.")
    quote = f"Words of {payload},"
    ex = Extracted(
        title=f"Imported {payload}", authors=[f"Author {payload}"], publisher=f"Pub {payload}",
        language="en", text=text, reader_html=f"<p>{html.escape(text)}</p>",
        quotes=[QuoteItem(text=quote, speaker=f"Speaker {payload}", role=f"role {payload}",
                          start=text.index(quote), end=text.index(quote) + len(quote))],
        citations=[CitationItem(name=f"Outlet {payload}", url=f"https://news.example/{BOLD}",
                                context=f"context {payload}")],
        credits=[CreditItem(credit=f"Credit {payload}", photographer=f"Ph {payload}",
                            provider=f"Prov {payload}", caption=f"Cap {payload}")])
    page = fetched("https://imported.example/a", b"<html><p>imported</p></html>",
                   headers=[("Content-Type", "text/html"), ("X-Note", payload)])
    stored = archive.store_capture(page, ex, source="import")
    article_id = stored.article_id
    from storage.claims import ClaimOps
    from storage.collection_store import CollectionOps
    from storage.saved_searches import save_search
    from storage.tags import TagOps

    ClaimOps(archive).add_claim(article_id, f"The claim {payload} stands.",
                                note=f"note {payload}", tags=[f"tag {payload}"],
                                verdict="false")
    TagOps(archive).tag(f"tag {payload}", articles=[article_id])
    CollectionOps(archive).create_collection(f"coll {payload}")
    CollectionOps(archive).add_to_collection(f"coll {payload}", articles=[article_id])
    save_search(archive, f"saved {payload}", "bridge")
    return article_id


# ---- what "safe" means ------------------------------------------------------------------

class RecordingDocument(QTextDocument):
    """Renders markup the way a label or tooltip would, recording every resource asked
    for (and loading none)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def loadResource(self, type: int, name: QUrl) -> Any:  # noqa: A002 - Qt's name
        self.asked.append(name.toString())
        return ""


def shown_text(text: str, rich: bool) -> tuple[str, list[str]]:
    """What the user reads, and the resources rendering asked for."""
    if not rich:
        return text, []
    doc = RecordingDocument()
    doc.setHtml(text)
    doc.setTextWidth(400)
    doc.size()  # lays it out: images are asked for here
    return doc.toPlainText().replace("\u2029", "\n").replace("\xa0", " "), doc.asked


class Findings:
    """Every place where data was not shown literally (collected, asserted at the end)."""

    def __init__(self, payload: str) -> None:
        self.payload = payload
        self.problems: list[str] = []
        self.checked = 0
        self.payload_seen = 0

    def check(self, where: str, text: object, *, rich: bool | None = None) -> None:
        if not isinstance(text, str) or not text:
            return
        self.checked += 1
        if rich is None:  # where Qt guesses (tooltips, "What's this?")
            rich = _might_be_rich(text)
        shown, asked = shown_text(text, rich)
        if self.payload.split('"')[1] in text:
            self.payload_seen += 1  # the hostile data reached this place
        bad = []
        if asked:
            bad.append(f"loads {asked}")
        if "\ufffc" in shown:
            bad.append("renders an image")
        if "bold" in shown and "<b>bold" not in shown:
            bad.append("renders <b> as bold")
        if self.payload.split('"')[1] in shown and self.payload not in shown:
            bad.append("hides the <img> markup")
        for entity in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"):
            if entity in shown:
                bad.append(f"shows {entity} (escaped twice)")
        if bad:
            self.problems.append(f"{where}: {', '.join(bad)}: {text[:160]!r}")


def _might_be_rich(text: str) -> bool:
    from PySide6 import QtGui
    return bool(QtGui.Qt.mightBeRichText(text))


def label_is_rich(label: QLabel) -> bool:
    fmt = label.textFormat()
    if fmt == Qt.TextFormat.PlainText:
        return False
    if fmt in (Qt.TextFormat.RichText, Qt.TextFormat.MarkdownText):
        return True
    return _might_be_rich(label.text())


def columns(model: Any, parent: QModelIndex) -> int:
    try:
        return max(1, model.columnCount(parent))
    except TypeError:  # a list model (columnCount is private in PySide6)
        return 1


def has_children(model: Any, index: QModelIndex) -> bool:
    try:
        return bool(model.hasChildren(index))
    except TypeError:  # a list model
        return False


def walk_model(found: Findings, where: str, view: QAbstractItemView) -> list[str]:
    """Every row x column x role of a view's model, children included; returns the
    tooltips (to show them for real)."""
    model = view.model()
    if model is None:
        return []
    delegate_html = type(view.itemDelegate()).__name__ == "HtmlDelegate"
    tips: list[str] = []

    def visit(parent: QModelIndex, depth: int) -> None:
        if depth > 4:
            return
        if model.canFetchMore(parent):
            model.fetchMore(parent)
        for row in range(model.rowCount(parent)):
            for col in range(columns(model, parent)):
                index = model.index(row, col, parent)
                for role in ROLES:
                    value = index.data(role)
                    if not isinstance(value, str):
                        continue
                    if role in GUESSED_ROLES:
                        found.check(f"{where}[{row},{col}] role {role.name}", value)
                        tips.append(value)
                    elif role == Qt.ItemDataRole.DisplayRole and delegate_html:
                        found.check(f"{where}[{row},{col}] html", value, rich=True)
                if col == 0 and has_children(model, index):
                    visit(index, depth + 1)
    visit(QModelIndex(), 0)
    for section in range(columns(model, QModelIndex())):
        for role in GUESSED_ROLES:
            found.check(f"{where} header {section}",
                        model.headerData(section, Qt.Orientation.Horizontal, role))
    return tips


def walk_widgets(qtbot: Any, found: Findings, stage: str) -> None:
    """Every visible top-level window and its children: labels, item views, tooltips,
    "What's this?" texts, message boxes; tooltips are shown for real."""
    QApplication.processEvents()
    tips: list[tuple[QWidget, str]] = []
    for widget in QApplication.allWidgets():
        if not widget.window().isVisible():
            continue
        name = f"{stage}: {type(widget).__name__}#{widget.objectName()}"
        if isinstance(widget, QLabel):
            found.check(name + " label", widget.text(), rich=label_is_rich(widget))
        if isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView):
            tips += [(widget, t) for t in walk_model(found, name, widget)]
        if isinstance(widget, QMessageBox):
            for child in widget.findChildren(QLabel):
                found.check(name + " box label", child.text(), rich=label_is_rich(child))
        found.check(name + " tooltip", widget.toolTip())
        found.check(name + " whatsThis", widget.whatsThis())
        for action in widget.actions():
            found.check(name + " action tooltip", action.toolTip())
        if widget.statusTip():
            found.check(name + " status tip", widget.statusTip(), rich=False)
    for widget, tip in tips[:400]:
        QToolTip.showText(widget.mapToGlobal(QPoint(4, 4)), tip, widget)
        QApplication.processEvents()
    QToolTip.hideText()
    QApplication.processEvents()
    qtbot.wait(10)  # one more turn of the event loop: posted layout requests run


def hostile_servers(httpserver: Any, payload: str) -> tuple[RawServer, list[str]]:
    """The hostile page, a page with hostile headers, and a 404 whose reason phrase is
    the payload (a raw socket: no server library sends that)."""
    httpserver.expect_request("/hostile.html").respond_with_data(
        hostile_page(payload), content_type="text/html; charset=utf-8")
    httpserver.expect_request("/media/p.png").respond_with_data(
        png(64, 36), content_type="image/png")
    httpserver.expect_request("/headers.html").respond_with_data(
        hostile_page("plain words").replace("Hostile", "Headers"),
        content_type="text/html; charset=utf-8",
        headers={"X-Hostile": payload, "Server": BOLD})

    def reason(conn: Any, head: bytes, server: RawServer) -> None:
        conn.sendall(http_head(404, {"Content-Type": "text/html", "Content-Length": "0",
                                     "X-Why": payload}, reason=payload))
    raw = RawServer(reason)
    urls = [httpserver.url_for("/hostile.html"), httpserver.url_for("/headers.html"),
            raw.url("/gone.html")]
    return raw, urls


def make_window(qtbot: Any, archive: Archive, tmp_path: Path) -> Any:
    from desktop.main_window import MainWindow

    settings = Settings(allow_local_network=True, workers=2, per_host=2, retries=0,
                        total_deadline=15.0)
    qsettings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(archive, settings, qsettings)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    return win


def settle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: win.runner.in_flight == 0 and not win._refresh_timer.isActive(),
                    timeout=20000)


# ---- the walk ---------------------------------------------------------------------------

def test_hostile_text_is_plain_everywhere_in_the_window(qtbot: Any, httpserver: Any,
                                                        archive: Archive, tmp_path: Path,
                                                        fifo: FifoWatch) -> None:
    payload = f"{img(fifo.path)} {BOLD}"
    imported_id = store_imported(archive, payload)
    found = Findings(payload)
    raw, urls = hostile_servers(httpserver, payload)
    with raw:
        win = make_window(qtbot, archive, tmp_path)
        settle(qtbot, win)
        dialog = win.open_add_dialog("\n".join(urls))
        qtbot.waitUntil(lambda: dialog.ready and dialog.capture_button.isEnabled(),
                        timeout=20000)
        walk_widgets(qtbot, found, "add dialog")
        dialog.capture_button.click()
        qtbot.waitUntil(lambda: win.queue_panel.model.rowCount() == 3, timeout=20000)
        qtbot.waitUntil(lambda: not win.controller.running, timeout=30000)
        states = sorted(j.state for j in win.queue_panel.model.jobs())
        assert states == ["done", "done", "failed"], states
        walk_widgets(qtbot, found, "queue")

    # The status line as each event left it (the summary replaced them by now).
    status = win.capture_status
    for job in win.queue_panel.model.jobs():
        from intake.pipeline import JobEvent
        event = JobEvent(job_id=job.id, url=job.url, state=job.state,
                         message=job.message or "", article_id=job.article_id)
        status.job_event(event)
        found.check(f"status after {job.state}", win.status_label.text(),
                    rich=label_is_rich(win.status_label))
        walk_widgets(qtbot, found, f"status {job.state}")
    failed = next(j for j in win.queue_panel.model.jobs() if j.state == "failed")
    assert img(fifo.path) in (failed.message or ""), failed.message  # the data got through

    win.sidebar.choose("library")
    qtbot.waitUntil(lambda: win.model.rowCount() == 3, timeout=20000)
    settle(qtbot, win)
    walk_widgets(qtbot, found, "library")
    for row in range(win.model.rowCount()):
        article_id = win.model.row_at(row).id
        with qtbot.waitSignal(win.article_loaded, timeout=20000,
                              check_params_cb=lambda shown, a=article_id: shown == a):
            win.table.selectRow(row)
        for tab in range(win.details.count()):
            win.details.setCurrentIndex(tab)
            walk_widgets(qtbot, found, f"article {article_id} tab {tab}")
        reader_tips(found, win.reader, f"reader {article_id}")

    # The sidebar's speakers, outlets, tags, collections and saved searches.
    from desktop.sidebar import NAME_ROLE

    for kind in ("speaker", "outlet", "tag", "collection", "saved"):
        group = win.sidebar.groups[kind]
        assert group.childCount() >= 1
        names = [group.child(i).data(0, NAME_ROLE)
                 for i in range(group.childCount())]
        hostile = [n for n in names if isinstance(n, str) and BOLD in n]
        assert hostile, (kind, names)
        win.sidebar.choose(kind, hostile[0])
        settle(qtbot, win)
        walk_widgets(qtbot, found, f"sidebar {kind}")

    # Search: hits with snippets, and the "no results" line (escaped once).
    win.sidebar.choose("library")
    win.search_field.setText("")
    with qtbot.waitSignal(win.search.results, timeout=20000):
        win.search_field.setText("bridge")
    settle(qtbot, win)
    assert win.search_panel.model.rowCount() >= 1
    walk_widgets(qtbot, found, "search hits")
    with qtbot.waitSignal(win.search.results, timeout=20000):
        win.search_field.setText('zzqx&yy "qq"')
    settle(qtbot, win)
    shown, _ = shown_text(win.search_panel.status.text(), label_is_rich(win.search_panel.status))
    if 'zzqx&yy "qq"' not in shown:
        found.problems.append(f"search status does not show the query literally: {shown!r}")
    walk_widgets(qtbot, found, "search none")
    win.search_field.setText("")

    # Dialogs that show data.
    manager = win.open_tag_manager()
    qtbot.waitUntil(lambda: any(BOLD in n for n in manager.names()), timeout=20000)
    walk_widgets(qtbot, found, "tag manager")
    tag = next(n for n in manager.names() if BOLD in n)
    box = manager.delete_question(tag)
    walk_widgets(qtbot, found, "delete tag question")
    box.close()
    manager.close()
    view = win.organizer.show_collection(f"coll {payload}")
    qtbot.waitUntil(lambda: "article" in view.summary.text(), timeout=20000)
    walk_widgets(qtbot, found, "collection view")
    view.close()
    rename = win.organizer.ask_rename_collection(f"coll {payload}")
    walk_widgets(qtbot, found, "rename collection")
    rename.close()
    box = win.organizer.ask_delete_collection(f"coll {payload}")
    walk_widgets(qtbot, found, "delete collection")
    box.close()
    win.open_article(imported_id)
    qtbot.waitUntil(lambda: win.details.claims.topLevelItemCount() == 1, timeout=20000)
    from desktop.details_tabs import ID_ROLE

    claim_id = win.details.claims.topLevelItem(0).data(0, ID_ROLE)
    win.claims.ask_edit_claim(int(claim_id))
    qtbot.waitUntil(lambda: win.findChild(QWidget, "claimDialog") is not None, timeout=20000)
    walk_widgets(qtbot, found, "claim dialog")
    win.findChild(QWidget, "claimDialog").close()
    win.show_error("Export failed", f"cannot write {payload}", "Choose another folder.")
    walk_widgets(qtbot, found, "error box")
    export = win.open_export()
    walk_widgets(qtbot, found, "export dialog")
    export.close()
    view = win.organizer.show_collection(f"coll [*] {payload}")
    if view.windowHandle().title() != f"Collection: coll [*] {payload}":
        found.problems.append(f"window title lost its [*]: {view.windowHandle().title()!r}")
    view.close()

    fifo.assert_working()
    opens = fifo.opens
    assert not found.problems, f"{len(found.problems)} places, FIFO opened {opens} times:\n" \
        + "\n".join(found.problems[:60])
    assert opens == 0, "Qt opened the FIFO named in an <img src> from a page"
    assert found.checked > 100  # the walk did reach the widgets
    assert found.payload_seen >= 20  # and the hostile data was on them


def reader_tips(found: Findings, reader: Any, where: str) -> None:
    """Tooltips the reader attaches to text (links, credits, highlighted quotes)."""
    doc = reader.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            tip = it.fragment().charFormat().toolTip()
            found.check(f"{where} text tooltip", tip)
            it += 1
        block = block.next()


def test_search_hits_render_nothing_but_escaped_text_even_from_a_raw_snippet(
        qtbot: Any, fifo: FifoWatch) -> None:
    """The hits delegate renders HTML on purpose: a snippet that arrived unescaped (a
    backend's bug) still shows as text, and the document loads no image (returning
    None from loadResource let Qt's image handler open the file itself)."""
    from desktop.search_panel import SearchPanel, hit_html
    from storage.search import Hit

    raw = f"before {img(fifo.path)} <mark>bridge</mark> {BOLD} after"
    hit = Hit(kind="quote", id=1, article_id=1, title=f"T {img(fifo.path)}", snippet=raw,
              score=1.0, published="2026-03-14", speaker=f"S {BOLD}")
    panel = SearchPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    panel.model.set_hits([hit], 1)
    panel.view.viewport().grab()  # paints every visible hit through the delegate
    QApplication.processEvents()
    shown, asked = shown_text(hit_html(hit), rich=True)
    assert asked == []
    assert f"before {img(fifo.path)} bridge {BOLD} after" in shown
    assert f"T {img(fifo.path)}" in shown and f"S {BOLD}" in shown
    fifo.assert_working()
    assert fifo.opens == 0


def test_helpers_show_markup_literally_and_open_nothing(qtbot: Any, fifo: FifoWatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    from desktop import plain_text as pt

    payload = f"{img(fifo.path)} {BOLD} a&b"
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    label = pt.plain_label(payload, host)
    label.show()
    label.setText(payload + " again")  # a later setText stays plain
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert pt.tooltip("Plain words, 2 > 1") == "Plain words, 2 > 1"  # unchanged when plain
    tip = pt.tooltip(payload + "\nsecond line")
    shown, asked = shown_text(tip, rich=True)
    assert asked == [] and payload in shown and "second line" in shown
    QToolTip.showText(QPoint(5, 5), tip, host)
    box = pt.message_box(QMessageBox.Icon.Warning, f"T [*] {BOLD}", payload, payload,
                         parent=host)
    box.show()
    texts = {lbl.text(): lbl.textFormat() for lbl in box.findChildren(QLabel) if lbl.text()}
    assert texts == {payload: Qt.TextFormat.PlainText}  # text and informative text
    box.close()
    box = pt.message_box(QMessageBox.Icon.Question, "Open?", f"Open <b>{pt.escape(BOLD)}</b>?",
                         payload, parent=host, markup=True)
    box.show()
    main = box.findChild(QLabel, "qt_msgbox_label")
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert main.textFormat() == Qt.TextFormat.RichText  # constant markup, escaped data
    assert shown_text(main.text(), rich=True)[0] == f"Open {BOLD}?"
    assert informative.textFormat() == Qt.TextFormat.PlainText
    assert informative.text() == payload
    dialog = QInputDialog(host)
    pt.set_input_label(dialog, payload)
    dialog.show()
    progress = pt.progress_dialog(payload, "Cancel", host)
    progress.show()
    for widget in (dialog, progress):
        labels = [lbl for lbl in widget.findChildren(QLabel) if lbl.text() == payload]
        assert labels and all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in labels)
    assert pt.window_title("a [*] b") == "a [*][*] b"
    bar = QStatusBar(host)
    bar.show()
    pt.show_status(bar, payload)  # QStatusBar paints its message as plain text
    bar.repaint()
    QApplication.processEvents()
    for widget in (box, dialog, progress):
        widget.close()
    QToolTip.hideText()
    fifo.assert_working()
    assert fifo.opens == 0


# ---- /dev/zero: bounded, in its own process ---------------------------------------------

_DEV_ZERO = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from capture.settings import Settings
    from storage.archive import Archive
    from desktop.main_window import MainWindow
    url, db, ini = sys.argv[1:4]
    archive = Archive.open(db)
    win = MainWindow(archive, Settings(allow_local_network=True, workers=1, retries=0,
                                       total_deadline=10.0),
                     QSettings(ini, QSettings.Format.IniFormat))
    win.show()
    finished = []
    win.controller.batch_finished.connect(lambda s: finished.append(s))
    dialog = win.open_add_dialog(url)
    import time
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not (dialog.ready and dialog.capture_button.isEnabled()):
        app.processEvents()
        time.sleep(0.01)
    dialog.capture_button.click()
    while time.monotonic() < deadline and not finished:
        app.processEvents()
        time.sleep(0.01)
    # Show what the status line showed for the failure, and its tooltip form.
    for job in win.queue_panel.model.jobs():
        from intake.pipeline import JobEvent
        win.capture_status.job_event(JobEvent(job_id=job.id, url=job.url, state=job.state,
                                              message=job.message or ""))
        for _ in range(5):
            app.processEvents()
        print("STATE", job.state, repr(job.message), flush=True)
    win.close()
    archive.close()
    print("SURVIVED", flush=True)
""")


def test_dev_zero_in_a_reason_phrase_does_not_exhaust_memory(tmp_path: Path) -> None:
    def reason(conn: Any, head: bytes, server: RawServer) -> None:
        conn.sendall(http_head(404, {"Content-Type": "text/html", "Content-Length": "0"},
                               reason=img("/dev/zero")))
    with RawServer(reason) as raw:
        try:
            proc = run_python(_DEV_ZERO, raw.url("/gone.html"), str(tmp_path / "a.db"),
                              str(tmp_path / "gui.ini"), timeout=90)
        except Exception as exc:  # noqa: BLE001 - a hang is the failure being tested
            pytest.fail(f"the window did not survive /dev/zero in a status line: {exc}")
    assert "SURVIVED" in proc.stdout, (proc.returncode, proc.stdout[-500:], proc.stderr[-800:])
    assert "STATE failed" in proc.stdout and "/dev/zero" in proc.stdout
    assert proc.returncode == 0


# ---- the guard: no way around desktop.plain_text ----------------------------------------

DESKTOP = ROOT / "desktop"
HELPERS = {"tooltip", "escape", "window_title"}  # wrappers that make a tooltip / markup piece safe
NOT_QT = ("cli.py", "cli_export.py", "cli_organize.py", "cli_server.py")


def _constant(node: ast.AST) -> bool:
    """A literal written in the code (no data)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _constant(node.left) and _constant(node.right)
    if isinstance(node, ast.IfExp):
        return _constant(node.body) and _constant(node.orelse)
    return False


def _helper_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call)
            and ((isinstance(node.func, ast.Name) and node.func.id in HELPERS)
                 or (isinstance(node.func, ast.Attribute) and node.func.attr in HELPERS)))


def _safe_value(node: ast.AST) -> bool:
    """A helper call, a literal, None, or ``a or b`` of those."""
    if isinstance(node, ast.BoolOp):
        return all(_safe_value(v) for v in node.values)
    return _helper_call(node) or _constant(node) or (
        isinstance(node, ast.Constant) and node.value is None)


def _built_from_data(node: ast.AST) -> bool:
    """A string built from data right there: an f-string or ``+`` with a non-literal
    part, or an attribute/subscript read (``row.title``, ``meta["x"]``). A bare name may
    be a widget (``addRow(label, editor)``) and is left to the window walk."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return not _constant(node)
    return isinstance(node, ast.Attribute | ast.Subscript)


def _name_of(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return f"{_name_of(func.value)}.{func.attr}"
    if isinstance(func, ast.Name):
        return func.id
    return "?"


def bypasses(source: str, filename: str) -> list[str]:
    """Calls in ``source`` that show text where Qt guesses rich text without going
    through ``desktop.plain_text`` (see the module docstring there)."""
    tree = ast.parse(source)
    out: list[str] = []
    rich = _rich_labels(tree)

    def flag(node: ast.AST, why: str) -> None:
        out.append(f"{filename}:{getattr(node, 'lineno', 0)}: {why}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {_name_of(b) for b in node.bases}
            if "QLabel" in bases and "PlainText" not in ast.unparse(node):
                flag(node, f"class {node.name}(QLabel) must set Qt.TextFormat.PlainText")
        if isinstance(node, ast.If) and "ToolTipRole" in ast.unparse(node.test):
            for ret in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                if isinstance(ret, ast.Return) and ret.value is not None \
                        and not _safe_value(ret.value):
                    flag(ret, "a ToolTipRole value must go through plain_text.tooltip()")
        if not isinstance(node, ast.Call):
            continue
        name = _name_of(node.func)
        attr = name.rsplit(".", 1)[-1]
        args = node.args
        if name in ("QLabel", "QMessageBox"):
            flag(node, f"{name}(...): use plain_text.plain_label / rich_label / message_box")
        if attr == "rich_label" and not (args and _constant(args[0])):
            flag(node, "rich_label(data): only constant markup (data goes in a plain label)")
        if name.startswith("QMessageBox.") and attr in (
                "information", "warning", "critical", "question", "about"):
            flag(node, f"{name}(): use plain_text.message_box / ask")
        if name.startswith("QInputDialog.") and attr.startswith("get"):
            flag(node, f"{name}(): use plain_text.ask_text / ask_item")
        if attr in ("setInformativeText", "setLabelText"):
            flag(node, f".{attr}(): use plain_text.message_box / set_input_label")
        if attr in ("setToolTip", "setWhatsThis"):
            text = args[-1] if args else None
            if text is not None and not (_constant(text) or _helper_call(text)):
                flag(node, f".{attr}(data): wrap it in plain_text.tooltip()")
        if name in ("QToolTip.showText", "QWhatsThis.showText") and len(args) > 1 \
                and not (_constant(args[1]) or _helper_call(args[1])):
            flag(node, f"{name}(pos, data): wrap it in plain_text.tooltip()")
        if attr == "setWindowTitle" and args and not (_constant(args[0])
                                                      or _helper_call(args[0])):
            flag(node, ".setWindowTitle(data): use plain_text.window_title() ([*] is eaten)")
        if attr == "showMessage":
            text = args[0] if args else None
            if text is not None and not _constant(text):
                flag(node, ".showMessage(data): use plain_text.show_status()")
        if attr == "setText" and len(args) == 1 and not _constant(args[0]) \
                and _name_of(node.func.value) in rich:
            flag(node, f"{_name_of(node.func.value)}.setText(data) on a rich_label")
        if attr == "addRow" and args and _built_from_data(args[0]):
            flag(node, ".addRow(data, ...) makes a rich-guessing QLabel: pass plain_label(data)")
        if (name == "QAction" or (attr == "addAction" and len(args) > 1)) and args \
                and _built_from_data(args[0]):  # (addAction(self.act_x) adds an action)
            flag(node, f"{name}(data): an action's text is its tooltip (rich-guessed); "
                       "set a constant text, or a tooltip through plain_text.tooltip()")
        if attr == "setData" and len(args) >= 2:
            role_at = next((i for i, a in enumerate(args) if "ToolTipRole" in ast.unparse(a)
                            or "WhatsThisRole" in ast.unparse(a)), None)
            value = args[role_at + 1] if role_at is not None and role_at + 1 < len(args) \
                else args[role_at - 1] if role_at else None
            if value is not None and not _safe_value(value):
                flag(node, ".setData(data, ToolTipRole): wrap it in plain_text.tooltip()")
        if attr == "setTextFormat" and args and "RichText" in ast.unparse(args[0]):
            flag(node, "Qt.RichText set outside plain_text: use rich_label for constant markup")
    return out


def _rich_labels(tree: ast.Module) -> set[str]:
    """Names bound to ``rich_label(...)`` in a file."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and _name_of(node.value.func).endswith("rich_label"):
            names.update(_name_of(t) for t in node.targets)
    return names


def desktop_sources() -> list[Path]:
    return sorted(p for p in DESKTOP.glob("*.py")
                  if p.name not in NOT_QT and p.name != "plain_text.py")


def test_guard_flags_the_bypasses_it_is_meant_to_flag() -> None:
    sample = textwrap.dedent("""
        from desktop.plain_text import plain_label, rich_label, tooltip
        class Banner(QLabel):  # BAD
            pass
        class Safe(QLabel):
            def __init__(self):
                self.setTextFormat(Qt.TextFormat.PlainText)
        def f(self, title, row, role):
            label = QLabel(title)  # BAD
            empty = QLabel("")  # BAD
            self.status.setToolTip(title)  # BAD
            item.setToolTip(0, f"{title} here")  # BAD
            QMessageBox.warning(self, "x", title)  # BAD
            box = QMessageBox(self)  # BAD
            box.setInformativeText(title)  # BAD
            dialog.setLabelText(f"New name for {title}")  # BAD
            QInputDialog.getText(self, "Rename", f"{title}:")  # BAD
            self.statusBar().showMessage(f"failed: {title}")  # BAD
            label.setTextFormat(Qt.TextFormat.RichText)  # BAD
            banner = rich_label(f"<b>{title}</b>")  # BAD
            heading = rich_label("<b>Archive</b>")
            heading.setText(title)  # BAD
            heading.setText("<b>Constant</b>")
            label = plain_label(title)
            label.setText(title)
            self.status.setToolTip(tooltip(title))
            item.setToolTip(0, tooltip(f"{title} here"))
            self.button.setToolTip("Capture the selected links again")
            item.setText(0, title)
            splash.showMessage("Opening the archive…")
            self.setWindowTitle(f"Collection: {title}")  # BAD
            QToolTip.showText(pos, row.url, self)  # BAD
            QToolTip.showText(pos, tooltip(row.url), self)
            self.setWindowTitle(window_title(f"Collection: {title}"))
            if role == Qt.ItemDataRole.ToolTipRole:
                if row.state == "failed":
                    return tooltip(row.message)
                return row.url  # BAD
            form.addRow(f"{title}:", editor)  # BAD
            form.addRow(row.speaker + ":", editor)  # BAD
            form.addRow("Speaker:", editor)
            form.addRow(plain_label(title), editor)
            menu.addAction(row.title, callback)  # BAD
            menu.addAction(f"Open {title}", callback)  # BAD
            menu.addAction("Tag…", callback)
            action = QAction(row.title, self)  # BAD
            action = QAction("&Quit", self)
            item.setData(row.url, Qt.ItemDataRole.ToolTipRole)  # BAD
            item.setData(0, Qt.ItemDataRole.ToolTipRole, row.url)  # BAD
            item.setData(0, Qt.ItemDataRole.ToolTipRole, tooltip(row.url))
            item.setData(0, ID_ROLE, row.id)
    """)
    found = {int(f.split(":")[1]) for f in bypasses(sample, "sample.py")}
    bad = {n for n, line in enumerate(sample.splitlines(), 1) if line.endswith("# BAD")}
    assert found == bad, (sorted(found - bad), sorted(bad - found))


def test_desktop_shows_data_only_through_plain_text_helpers() -> None:
    problems = []
    for path in desktop_sources():
        problems += bypasses(path.read_text("utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)
