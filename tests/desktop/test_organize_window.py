"""Claims, tags, collections, undo/redo, the tag manager and saved searches, driven on
the real window (issue 6), including the "done when" restart test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox

from desktop.details_tabs import ID_ROLE
from desktop.main_window import MainWindow
from desktop.search_panel import hit_html
from storage.archive import Archive
from storage.organize import Organizer

pytestmark = pytest.mark.gui
SENTENCE = "the cost of the work had doubled to 48 million dollars"


def _idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.controller.running and win.runner.in_flight == 0
                    and not win._refresh_timer.isActive() and not win.organize.busy,
                    timeout=20000)


def _capture(qtbot, win, urls):
    dialog = win.open_add_dialog("\n".join(urls))
    qtbot.waitUntil(lambda: dialog.ready, timeout=20000)
    dialog.capture_button.click()
    qtbot.waitUntil(lambda: win.model.total == len(urls) and win.reader.article_id is not None,
                    timeout=20000)
    _idle(qtbot, win)


def _select_sentence(win, words=SENTENCE):
    start = win.reader.body_text.index(words)
    assert win.reader.show_range(start, start + len(words))
    return start, start + len(words)


def _dialog(qtbot, owner, kind=QDialog):
    qtbot.waitUntil(lambda: isinstance(owner.dialog, kind) and owner.dialog.isVisible(),
                    timeout=20000)
    return owner.dialog


def _menu_action(qtbot, win, tree, item_id, text):
    """Open a details tab's context menu on the item and return its action ``text``."""
    win.details.setCurrentWidget(tree)
    item = win.details.item_with_id(tree, item_id)
    assert item is not None
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    tree.customContextMenuRequested.emit(pos)
    menu = win.details.last_menu
    actions = {a.text(): a for a in menu.actions()}
    menu.close()
    return actions[text]


def test_claim_tags_and_collection_survive_a_restart(qtbot, tmp_path, settings, site_urls):
    """Issue 6 "done when": mark a claim with a verdict and a tag, tag a quote and a
    photo credit, put the article in a collection, close, reopen: all there."""
    path = str(tmp_path / "restart.db")
    qs = QSettings(str(tmp_path / "restart.ini"), QSettings.Format.IniFormat)
    archive = Archive.open(path)
    win = MainWindow(archive, settings, qs)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    _capture(qtbot, win, site_urls[:1])
    article_id = win.reader.article_id

    start, end = _select_sentence(win)
    win.act_claim.trigger()  # Ctrl+M
    dialog = _dialog(qtbot, win.claims)
    assert SENTENCE in dialog.findChild(QLabel, "claimText").text()
    dialog.verdict.setCurrentIndex(dialog.verdict.findData("disputed"))
    dialog.note.setPlainText("the budget office says 41 million")
    dialog.tags.setText("bridge budget")
    dialog.evidence.setPlainText(f"https://budget.example.org/2026/bridge\n#{article_id}")
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        dialog.accept()
    _idle(qtbot, win)
    claims = win.details.claims
    assert claims.topLevelItemCount() == 1
    claim_item = claims.topLevelItem(0)
    assert claim_item.text(0) == SENTENCE
    assert claim_item.text(1) == "disputed"
    assert claim_item.text(3) == "bridge budget"
    # highlighted in the verdict's colour, and the reader sits on it
    assert win.reader.textCursor().selectedText() == SENTENCE

    # tag a quote and a photo credit through the tabs' context menus
    quote_id = win.details.quotes.topLevelItem(0).data(0, ID_ROLE)
    _menu_action(qtbot, win, win.details.quotes, quote_id, "Tag…").trigger()
    tags = _dialog(qtbot, win.claims)
    tags.field.setText("on the record")
    with qtbot.waitSignal(win.organised, timeout=10000):
        tags.accept()
    _idle(qtbot, win)
    credit_id = win.details.credits.topLevelItem(0).data(0, ID_ROLE)
    _menu_action(qtbot, win, win.details.credits, credit_id, "Tag…").trigger()
    tags = _dialog(qtbot, win.claims)
    tags.field.setText("staff photo")
    with qtbot.waitSignal(win.organised, timeout=10000):
        tags.accept()
    _idle(qtbot, win)

    # the article into a new collection (Ctrl+K asks the name)
    win.table.selectRow(0)
    ask = win.organizer.ask_collection()
    ask.setTextValue("Bridge file")
    with qtbot.waitSignal(win.organised, timeout=10000):
        ask.accept()
    _idle(qtbot, win)
    assert win.sidebar.names("collection") == ["Bridge file"]
    win.close()
    archive.close()

    archive = Archive.open(path)
    try:
        win2 = MainWindow(archive, settings, qs)
        qtbot.addWidget(win2)
        win2.show()
        qtbot.waitUntil(lambda: win2.reader.article_id == article_id, timeout=10000)
        _idle(qtbot, win2)
        claim = win2.details.claims.topLevelItem(0)
        assert (claim.text(0), claim.text(1), claim.text(3)) == (SENTENCE, "disputed",
                                                                 "bridge budget")
        quote = win2.details.item_with_id(win2.details.quotes, quote_id)
        assert "Tags: on the record" in quote.toolTip(0)
        credit = win2.details.item_with_id(win2.details.credits, credit_id)
        assert "Tags: staff photo" in credit.text(1)
        assert win2.sidebar.names("collection") == ["Bridge file"]
        assert set(win2.sidebar.names("tag")) == {"bridge budget", "on the record",
                                                  "staff photo"}
        org = Organizer(archive)
        stored = org.claims(article_id=article_id)[0]
        assert (stored.start, stored.end, stored.note) == (start, end,
                                                           "the budget office says 41 million")
        assert stored.evidence == ("https://budget.example.org/2026/bridge",
                                   f"article:{article_id}")
        assert org.article_ids_in_collection("Bridge file") == [article_id]
        win2.close()
    finally:
        archive.close()


def test_undo_redo_of_tagging_claims_and_collections(qtbot, make_window, archive, site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls)
    org = Organizer(archive)

    # many selected articles tagged at once, undone and redone
    win.table.selectAll()
    assert len(win.selected_article_ids()) == 3
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.tag_current("spring")
    assert len(org.article_ids_with_tag("spring")) == 3
    assert "Tag 3 articles" in win.act_undo.text()
    assert win.act_undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert QKeySequence("Ctrl+Shift+Z") in win.act_redo.shortcuts()
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.act_undo.trigger()  # Ctrl+Z
    assert org.tag_names() == []  # created by the tagging, so gone with its undo
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.act_redo.trigger()  # Ctrl+Shift+Z
    assert len(org.article_ids_with_tag("spring")) == 3
    _idle(qtbot, win)

    # a claim: mark, delete from the Claims tab, undo the delete (same id back)
    row = next(r for r in range(win.model.rowCount())
               if "bridge" in (win.model.row_at(r).title or "").lower())
    # The rows come in capture order, which varies: when the bridge story was stored
    # last it is the current row already, and choosing it again opens nothing (this
    # test then timed out). Go to another row first, so choosing it always opens it.
    win.table.selectRow(next(r for r in range(win.model.rowCount()) if r != row))
    _idle(qtbot, win)
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.table.selectRow(row)
    _idle(qtbot, win)
    _select_sentence(win)
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        assert win.mark_claim("false", "wrong figure")
    _idle(qtbot, win)
    claim_id = win.details.claims.topLevelItem(0).data(0, ID_ROLE)
    _menu_action(qtbot, win, win.details.claims, claim_id, "Delete claim").trigger()
    qtbot.waitUntil(lambda: win.details.claims.topLevelItemCount() == 0, timeout=10000)
    assert org.claims() == []
    _idle(qtbot, win)
    win.act_undo.trigger()
    qtbot.waitUntil(lambda: win.details.claims.topLevelItemCount() == 1, timeout=10000)
    assert [c.id for c in org.claims()] == [claim_id]

    # edit the claim, undo the edit
    _idle(qtbot, win)
    _menu_action(qtbot, win, win.details.claims, claim_id, "Edit claim…").trigger()
    edit = _dialog(qtbot, win.claims)
    assert edit.verdict.currentData() == "false"
    edit.verdict.setCurrentIndex(edit.verdict.findData("misleading"))
    with qtbot.waitSignal(win.organised, timeout=10000):
        edit.accept()
    assert org.get_claim(claim_id).verdict == "misleading"
    _idle(qtbot, win)
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.act_undo.trigger()
    assert org.get_claim(claim_id).verdict == "false"
    _idle(qtbot, win)

    # a collection: create, delete after confirming, undo the delete
    new = win.organizer.ask_new_collection()
    new.setTextValue("Spring file")
    with qtbot.waitSignal(win.organised, timeout=10000):
        new.accept()
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.collect_current("Spring file")
    _idle(qtbot, win)
    box = win.organizer.ask_delete_collection("Spring file")
    assert "stay in the archive" in box.informativeText()
    with qtbot.waitSignal(win.organised, timeout=10000):
        box.button(QMessageBox.StandardButton.Yes).click()
    assert [c.name for c in org.collections()] == []
    _idle(qtbot, win)
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.act_undo.trigger()
    assert org.article_ids_in_collection("Spring file") == [win.current_article_id()]


def test_rows_dropped_on_a_sidebar_collection_join_it(qtbot, make_window, archive, site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls)
    org = Organizer(archive)
    org.create_collection("Harbour desk")
    win.refresh_library()
    _idle(qtbot, win)
    item = win.sidebar.item_of("collection", "Harbour desk")
    assert item is not None
    win.table.selectAll()
    mime = win.model.mimeData(win.table.selectionModel().selectedIndexes())
    pos = QPointF(win.sidebar.visualItemRect(item).center())
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.sidebar.dropEvent(drop)
    assert sorted(org.article_ids_in_collection("Harbour desk")) == sorted(archive.article_ids())
    # the collection view lists them; choosing the collection filters the table
    view = win.organizer.show_collection("Harbour desk")
    qtbot.waitUntil(lambda: view.articles.childCount() == 3, timeout=20000)
    view.close()
    _idle(qtbot, win)
    assert win.sidebar.choose("collection", "Harbour desk")
    qtbot.waitUntil(lambda: win.model.total == 3 and "Harbour desk" in win.filter_label,
                    timeout=20000)
    # a claim dragged from the Claims tab joins it too
    article_id = win.reader.article_id
    body = archive.article(article_id)["text"]
    claim = org.add_claim(article_id, body.split(".")[0][:50], verdict="unverified")
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.open_article(article_id)
    item = win.details.item_with_id(win.details.claims, claim.id)
    claim_mime = win.details.claims.mimeData([item])
    item = win.sidebar.item_of("collection", "Harbour desk")
    drop = QDropEvent(QPointF(win.sidebar.visualItemRect(item).center()),
                      Qt.DropAction.CopyAction, claim_mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.sidebar.dropEvent(drop)
    assert [c.id for c in org.collection("Harbour desk").claims] == [claim.id]
    # a drop outside any collection does nothing
    outside = QDropEvent(QPointF(win.sidebar.visualItemRect(win.sidebar.library).center()),
                         Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier)
    win.sidebar.dropEvent(outside)
    assert not outside.isAccepted()


def test_tag_manager_renames_merges_colours_and_deletes(qtbot, make_window, archive,
                                                        site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls)
    ids = archive.article_ids()
    org = Organizer(archive)
    org.tag("harbor", articles=ids[:1])
    org.tag("harbour", articles=ids[1:])
    org.tag("farming", articles=ids[:2])
    manager = win.open_tag_manager()
    qtbot.waitUntil(lambda: manager.loaded, timeout=20000)
    assert manager.names() == ["farming", "harbor", "harbour"]
    assert manager.count_of("harbour") == 2

    with qtbot.waitSignal(win.organised, timeout=10000):
        manager.merge("harbor", "harbour")
    qtbot.waitUntil(lambda: manager.loaded and manager.names() == ["farming", "harbour"],
                    timeout=20000)
    assert manager.count_of("harbour") == 3
    with qtbot.waitSignal(win.organised, timeout=10000):
        manager.rename("harbour", "Harbour bridge")
    with qtbot.waitSignal(win.organised, timeout=10000):
        manager.set_colour("farming", "#16a34a")
    assert org.tag_info("farming").color == "#16a34a"
    qtbot.waitUntil(lambda: manager.loaded and "Harbour bridge" in manager.names(),
                    timeout=20000)
    manager.select("farming")
    question = manager.delete_question("farming")
    assert "2 items carry it" in question.informativeText()
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert "farming" in org.tag_names()  # asked, refused: nothing deleted
    question = manager.delete_question("farming")
    with qtbot.waitSignal(win.organised, timeout=10000):
        question.button(QMessageBox.StandardButton.Yes).click()
    assert org.tag_names() == ["Harbour bridge"]
    _idle(qtbot, win)
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.act_undo.trigger()  # the delete
    assert sorted(org.article_ids_with_tag("farming")) == sorted(ids[:2])
    _idle(qtbot, win)
    for _ in range(3):  # colour, rename, merge
        with qtbot.waitSignal(win.organised, timeout=10000):
            win.act_undo.trigger()
        _idle(qtbot, win)
    assert org.tag_names() == ["farming", "harbor", "harbour"]
    assert org.tag_info("farming").color is None
    manager.close()



def test_typed_search_shows_article_quote_and_claim_hits_and_opens_them(qtbot, make_window,
                                                                        site_urls):
    """Issue #5's "done when": type a query, see highlighted hits of an article, a quote and
    a claim, and open them at the match."""
    win = make_window()
    _capture(qtbot, win, site_urls[:1])  # the Harbour Bridge story
    start, end = _select_sentence(win)
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.mark_claim("disputed")
    _idle(qtbot, win)

    win.search_field.setFocus()
    with qtbot.waitSignal(win.search.results, timeout=10000):
        qtbot.keyClicks(win.search_field, "bridge OR cost")
    hits = win.search_panel.model.hits
    by_kind = {}
    for row, hit in enumerate(hits):
        by_kind.setdefault(hit.kind, (row, hit))
    assert {"article", "quote", "claim"} <= set(by_kind)
    for kind in ("article", "quote", "claim"):
        row, hit = by_kind[kind]
        shown = win.search_panel.model.index(row).data()  # what the list draws
        assert hit.snippet.count("<mark>") >= 1
        assert 'background-color:#fde68a' in shown and kind.upper() in shown
    assert "<mark>cost</mark>" in by_kind["claim"][1].snippet

    # A quote opens at the quote, the matching word selected in the reader ...
    quote = by_kind["quote"][1]
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        qtbot.mouseClick(win.search_panel.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=win.search_panel.view.visualRect(
                             win.search_panel.model.index(by_kind["quote"][0])).center())
    selected = win.reader.textCursor().selectedText()
    assert "bridge" in selected.lower() and selected in quote.snippet.replace("<mark>", "") \
        .replace("</mark>", "")
    # ... and a claim at the claim, with the Claims tab in front.
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.search_panel.hit_chosen.emit(by_kind["claim"][1])
    assert win.reader.textCursor().selectedText() == SENTENCE
    assert win.details.currentWidget() is win.details.claims
    assert (by_kind["claim"][1].start, by_kind["claim"][1].end) == (start, end)

def test_claim_hits_open_at_the_claim_and_searches_are_saved(qtbot, make_window, archive,
                                                             site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls[:1])
    article_id = win.reader.article_id
    start, end = _select_sentence(win)
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.mark_claim("disputed")
    _idle(qtbot, win)
    win.details.setCurrentWidget(win.details.quotes)
    win.reader.show_range(0, 1)

    with qtbot.waitSignal(win.search.results, timeout=10000):
        win.search_field.setText("is:claim verdict:disputed doubled")
    index = win.search_panel.model.index(0)
    hit = index.data(Qt.ItemDataRole.UserRole)
    assert hit is not None and hit.kind == "claim" and hit.article_id == article_id
    assert (hit.start, hit.end) == (start, end)
    assert "<span" in hit_html(hit) and "disputed" in hit_html(hit)
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.search_panel.hit_chosen.emit(hit)
    assert win.reader.textCursor().selectedText() == SENTENCE
    assert win.details.currentWidget() is win.details.claims

    # saved in the sidebar, run again by choosing it
    ask = win.organizer.ask_save_search(win.search_field.text())
    ask.setTextValue("Disputed figures")
    with qtbot.waitSignal(win.organizer.saved_changed, timeout=20000):
        ask.accept()
    qtbot.waitUntil(lambda: win.sidebar.names("saved") == ["Disputed figures"], timeout=20000)
    win.search_field.clear()
    with qtbot.waitSignal(win.search.results, timeout=10000):
        assert win.sidebar.choose("saved", "Disputed figures")
    assert win.search_field.text() == "is:claim verdict:disputed doubled"
    assert win.search_panel.model.rowCount() == 1
    # the "?" button explains the syntax
    from storage.query import QUERY_HELP

    win.search_help.click()
    box = next(w for w in win.findChildren(QMessageBox) if w.isVisible())
    assert box.informativeText() == QUERY_HELP
    box.close()


def test_damage_banner_for_a_damaged_large_archive(qtbot, make_window):
    win = make_window()
    qtbot.waitUntil(lambda: win.runner.in_flight == 0, timeout=20000)
    # a healthy archive: the real quick_check answers "ok", no banner
    with qtbot.waitSignal(win.damage_banner.checked, timeout=10000) as ok:
        assert win.damage_banner.start(win.archive, win.runner, threshold=0)
    assert ok.args == ["ok"] and not win.damage_banner.isVisible()
    # small archives are checked when opened, not again by the window
    assert not win.damage_banner.start(win.archive, win.runner)
    # a damaged one (the check's answer as SQLite words it): a clear banner
    with qtbot.waitSignal(win.damage_banner.checked, timeout=10000):
        win.damage_banner.start(win.archive, win.runner, threshold=0, check=lambda: (
            "*** in database main ***\nPage 7: btreeInitPage() returns error code 11"))
    assert win.damage_banner.isVisible()
    text = win.damage_banner.text()
    assert "archive is damaged" in text and "backup" in text and "Page 7" in text



def test_article_tag_editor_completes_adds_and_removes(qtbot, make_window, archive, site_urls):
    win = make_window()
    _capture(qtbot, win, site_urls)
    org = Organizer(archive)
    article_id = win.current_article_id()
    org.tag("spring", articles=[article_id])
    org.tag("sports desk", articles=[i for i in archive.article_ids() if i != article_id][:1])
    win.table.selectRow(win.model.row_of(article_id))
    win.act_tag.trigger()  # Ctrl+T
    dialog = _dialog(qtbot, win.organizer)
    assert dialog.before == ["spring"]
    field = dialog.field
    field.setText("")
    qtbot.keyClicks(field, "sp")  # completion over the archive's tag names
    completer = field.tag_completer
    assert completer.completionCount() == 2
    assert completer.currentCompletion() in ("spring", "sports desk")
    field.setText("harbour, ")
    with qtbot.waitSignal(win.organised, timeout=10000):
        dialog.accept()
    assert org.tags_of("article", article_id) == ["harbour"]
    _idle(qtbot, win)
    with qtbot.waitSignal(win.organised, timeout=10000):
        win.act_undo.trigger()
    assert org.tags_of("article", article_id) == ["spring"]


def test_tagging_10000_articles_keeps_the_window_responsive(qtbot, make_window, archive):
    """One background transaction; the GUI thread keeps ticking meanwhile."""
    import time

    from PySide6.QtCore import QTimer
    from sqlalchemy import insert

    from storage.models import Article

    rows = [{"canonical_url": f"https://wire.example.org/{i}", "url": f"https://wire.example.org/{i}",
             "site": "wire.example.org", "title": f"Wire brief {i}", "text": f"Brief {i}."}
            for i in range(10_000)]
    with archive.db.writer() as s:
        s.execute(insert(Article), rows)
    win = make_window(resume_queue=False)
    qtbot.waitUntil(lambda: win.model.total == 10_000, timeout=20000)
    _idle(qtbot, win)
    win.table.selectAll()  # Ctrl+A: every article of the view, loaded or not
    assert win.model.rowCount() < 10_000
    ids = win.selected_article_ids()
    assert sorted(ids) == sorted(win.model.ids)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    with qtbot.waitSignal(win.organised, timeout=30000):
        win.tag_current("wire")
    elapsed = time.perf_counter() - started
    timer.stop()
    assert len(Organizer(archive).article_ids_with_tag("wire")) == 10_000
    assert "Tagged 10000 articles" in win.status_label.text()
    print(f"tagging 10,000 articles from the window: {elapsed * 1000:.0f} ms, longest GUI "
          f"pause {max(gaps) * 1000:.0f} ms")
    # the transaction runs in the worker: the GUI thread kept handling events meanwhile
    assert len(gaps) >= 3 and max(gaps) < elapsed


def test_claims_tab_says_when_the_text_changed_since_marked(qtbot, make_window, archive,
                                                            site_urls):
    from sqlalchemy import update

    from storage.models import Claim

    win = make_window()
    _capture(qtbot, win, site_urls[:1])
    article_id = win.reader.article_id
    org = Organizer(archive)
    kept = org.add_claim(article_id, SENTENCE, verdict="supported")
    moved = org.add_claim(article_id, "corrosion in the lower deck", verdict="misleading")
    with archive.db.writer() as s:  # as a recapture whose text no longer has it leaves it
        s.execute(update(Claim).where(Claim.id == moved.id).values(anchor_state="changed"))
    with qtbot.waitSignal(win.article_loaded, timeout=10000):
        win.open_article(article_id)
    ok_item = win.details.item_with_id(win.details.claims, kept.id)
    changed_item = win.details.item_with_id(win.details.claims, moved.id)
    assert ok_item.text(1) == "supported"
    assert changed_item.text(1) == "misleading\n⚠ text changed since marked"
    assert "check the claim against the new text" in changed_item.toolTip(0)
    # each verdict has its own colour, in the list and in the text
    assert ok_item.background(1).color() != changed_item.background(1).color()
    win.reader.show_range(kept.start, kept.start + 1)
    fmt = win.reader.textCursor().charFormat()
    assert fmt.background().color().name() == "#bbf7d0"
    assert fmt.toolTip().startswith("Claim (supported)")
