"""Re-anchoring claims and quotes after an article is captured again: exact, moved,
fuzzy, changed (kept, never deleted), and tags of replaced quotes/credits carried over."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.anchoring import (
    FUZZY_THRESHOLD,
    find_span,
    loosen,
    reanchor_article,
)
from storage.archive import Archive
from storage.models import Article, Capture, Quote
from storage.organize import Organizer
from tests.storage.organize_support import HARBOUR_TEXT, store

URL = "https://post.example.org/harbour"

EDITED = (
    "Correction: an earlier version of this story gave the wrong date for the vote.\n\n"
    + HARBOUR_TEXT
    .replace("voted on Tuesday", "voted on Monday")
    .replace("which was built in 1894 and partly collapsed",
             "which was built in 1894 and largely collapsed")
    .replace(" and asked for an independent survey of the foundations", "")
)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    a = Archive.open(str(tmp_path / "a.db"))
    yield a
    a.close()


def add_user_quote(archive: Archive, article_id: int, text: str, speaker: str) -> int:
    with archive.db.writer() as s:
        art = s.get(Article, article_id)
        assert art is not None
        start = art.text.index(text)
        q = Quote(article_id=article_id, text=text, speaker=speaker, start=start,
                  end=start + len(text), origin="user")
        s.add(q)
        s.flush()
        return q.id


# ------------------------------------------------------------------ matching


def test_find_span_exact_prefers_the_occurrence_nearest_the_old_offset() -> None:
    text = "The wall fell. Later, the wall fell again. Then the wall fell for good."
    second = text.index("the wall fell again")
    m = find_span(text, "the wall fell", near=second)
    assert m is not None and (m.start, m.how) == (second, "exact")
    first = find_span(text, "the wall fell")
    assert first is not None and first.start == text.index("the wall fell")


def test_find_span_loose_maps_back_to_original_offsets() -> None:
    text = "He called it \u201ca  fantasy\u00a0number\u201d \u2014 twice."
    m = find_span(text, '"a fantasy number" - twice')
    assert m is not None and m.how == "loose"
    assert text[m.start:m.end] == "\u201ca  fantasy\u00a0number\u201d \u2014 twice"
    assert loosen("  a \n b  ").loose == "a b"


def test_find_span_fuzzy_threshold_and_short_spans() -> None:
    text = "Intro. The harbour wall, which was built in 1894 and largely collapsed, is old."
    old = "The harbour wall, which was built in 1894 and partly collapsed"
    assert find_span(text, old) is None  # not without fuzzy
    m = find_span(text, old, fuzzy=True)
    assert m is not None and m.how == "fuzzy" and m.score >= FUZZY_THRESHOLD
    assert text[m.start:m.end].startswith("The harbour wall") and \
        text[m.start:m.end].endswith("largely collapsed")
    assert find_span(text, "a completely unrelated sentence about trains", fuzzy=True) is None
    assert find_span(text, "built in 1895", fuzzy=True) is None  # too short to guess


def test_find_span_fuzzy_survives_a_typo_fix_in_a_short_span() -> None:
    text = "Mayor Jane Roe said the harbour wall would be rebuilt by the council."
    m = find_span(text, "the harbour wal would be rebuit", fuzzy=True)
    assert m is not None and m.how == "fuzzy"
    assert text[m.start:m.end] == "the harbour wall would be rebuilt"


def test_find_span_fuzzy_is_bounded_on_repetitive_text() -> None:
    text = "the the the " * 20_000
    t0 = time.perf_counter()
    assert find_span(text, "the the the cat sat on the mat and the dog " * 20,
                     fuzzy=True) is None
    assert time.perf_counter() - t0 < 5  # about 0.1 s; char-level alignment took 40 s


# ------------------------------------------------------------------ recapture


def test_recapture_reanchors_claims_and_user_quotes(archive: Archive) -> None:
    org = Organizer(archive)
    first = store(archive, URL)
    aid = first.article_id
    moved = org.add_claim(aid, "Saltmere council voted")
    fuzzy = org.add_claim(aid, "the harbour wall, which was built in 1894 and partly "
                               "collapsed in the January storm")
    gone = org.add_claim(aid, "asked for an independent survey of the foundations",
                         tags=["Survey"])
    edited_away = org.add_claim(aid, "voted on Tuesday")
    uq = add_user_quote(archive, aid, "stone by stone", "Jane Roe")
    uq_gone = add_user_quote(archive, aid, "independent survey", "Sam Hale")

    second = store(archive, URL, EDITED)
    assert second.article_id == aid and not second.new_article
    by_id = {c.id: c for c in org.claims(article_id=aid)}
    assert len(by_id) == 4  # nothing deleted

    m = by_id[moved.id]
    assert (m.anchor_state, EDITED[m.start:m.end]) == ("moved", "Saltmere council voted")
    assert m.capture_id == second.capture_id

    f = by_id[fuzzy.id]
    assert f.anchor_state == "fuzzy"
    assert EDITED[f.start:f.end] == ("the harbour wall, which was built in 1894 and largely "
                                     "collapsed in the January storm")
    assert f.text == fuzzy.text  # the words as marked are kept

    for c in (by_id[gone.id], by_id[edited_away.id]):
        old = gone if c.id == gone.id else edited_away
        assert c.anchor_state == "changed"
        assert (c.text, c.start, c.end) == (old.text, old.start, old.end)
        assert c.capture_id == first.capture_id  # the offsets still name the old capture
    assert by_id[gone.id].tags == ("Survey",)

    with archive.db.reader() as s:
        old_capture = s.get(Capture, first.capture_id)
        assert old_capture is not None  # the earlier capture stays
        c = by_id[gone.id]
        assert old_capture.text[c.start:c.end] == c.text
        q1, q2 = s.get(Quote, uq), s.get(Quote, uq_gone)
        assert q1 is not None and q2 is not None
        assert (q1.anchor_state, EDITED[q1.start:q1.end]) == ("moved", "stone by stone")
        assert q2.anchor_state == "changed" and q2.text == "independent survey"

    # capturing the same text again changes no anchor
    states = {c.id: (c.anchor_state, c.start, c.end) for c in org.claims(article_id=aid)}
    store(archive, URL, EDITED)
    assert {c.id: (c.anchor_state, c.start, c.end) for c in org.claims(article_id=aid)} == \
        states


def test_unchanged_recapture_keeps_everything_ok(archive: Archive) -> None:
    org = Organizer(archive)
    aid = store(archive, URL).article_id
    c = org.add_claim(aid, "would cost 4.2 million pounds")
    store(archive, URL)
    again = org.get_claim(c.id)
    assert (again.anchor_state, again.start, again.end) == ("ok", c.start, c.end)
    report = reanchor_article(archive, aid)
    assert report.ok == [c.id] and report.lost == 0


def test_tags_of_replaced_quotes_and_credits_are_carried(archive: Archive) -> None:
    org = Organizer(archive)
    aid = store(archive, URL).article_id
    data = archive.article(aid)
    assert data is not None
    rebuild_q = next(q["id"] for q in data["quotes"] if q["speaker"] == "Jane Roe")
    fantasy_q = next(q["id"] for q in data["quotes"] if q["speaker"] == "Sam Hale")
    org.tag("Promises", quotes=[rebuild_q])
    org.tag("Doubts", quotes=[fantasy_q])
    org.tag("Photo desk", credits=[data["photo_credits"][0]["id"]])

    # the new capture: the extractor finds only Roe's quote and a new credit line
    store(archive, URL, EDITED, quotes=[("We will rebuild it stone by stone,", "Jane Roe")],
          credits=["Ana Ruiz/Saltmere Post", "Kit Moss"])
    data = archive.article(aid)
    assert data is not None
    quotes = {q["quote"]: q for q in data["quotes"]}
    assert quotes["We will rebuild it stone by stone,"]["tags"] == ["Promises"]
    assert quotes["We will rebuild it stone by stone,"]["origin"] == "auto"
    kept = quotes["a fantasy number"]
    assert (kept["origin"], kept["tags"], kept["anchor_state"]) == ("user", ["Doubts"], "moved")
    assert data["text"][kept["start"]:kept["end"]] == "a fantasy number"
    credits = {c["credit"]: c["tags"] for c in data["photo_credits"]}
    assert credits == {"Ana Ruiz/Saltmere Post": ["Photo desk"], "Kit Moss": []}
    assert {t.name: t.total for t in org.tags()} == {"Doubts": 1, "Photo desk": 1,
                                                     "Promises": 1}


def test_tagged_credit_that_disappears_is_kept(archive: Archive) -> None:
    org = Organizer(archive)
    aid = store(archive, URL).article_id
    data = archive.article(aid)
    assert data is not None
    org.tag("Photo desk", credits=[data["photo_credits"][0]["id"]])
    store(archive, URL, EDITED, credits=[])
    data = archive.article(aid)
    assert data is not None
    assert [(c["credit"], c["tags"]) for c in data["photo_credits"]] == \
        [("Ana Ruiz/Saltmere Post", ["Photo desk"])]


def test_recapture_reanchors_in_store_capture_and_reanchor_is_idempotent(
        tmp_path: Path) -> None:
    """store_capture re-anchors in its own transaction; calling reanchor_article
    afterwards changes nothing."""
    with Archive.open(str(tmp_path / "plain.db")) as archive:
        org = Organizer(archive)
        aid = store(archive, URL).article_id
        c = org.add_claim(aid, "Saltmere council voted")
        store(archive, URL, EDITED)
        assert org.get_claim(c.id).anchor_state == "moved"
        after = org.get_claim(c.id)
        assert EDITED[after.start:after.end] == "Saltmere council voted"
        report = org.reanchor(aid)
        assert report.moved == [c.id]
        again = reanchor_article(archive, aid)  # idempotent
        assert again.moved == [c.id] and org.get_claim(c.id).start == after.start
        with pytest.raises(LookupError):
            reanchor_article(archive, 4242)
        with archive.db.reader() as s:
            assert s.scalar(select(Capture.id).where(Capture.article_id == aid)
                            .order_by(Capture.id).limit(1)) is not None


# ------------------------------------------------------------------ properties

_TEXT = st.text(alphabet=st.sampled_from(list("ab c\n\t“”‘’\"'—-.é\u00a0\u00ad")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, data=st.data())
def test_any_slice_is_found_exactly_and_loose_offsets_map_back(text: str,
                                                               data: st.DataObject) -> None:
    lt = loosen(text)
    assert len(lt.loose) == len(lt.index)
    assert list(lt.index) == sorted(set(lt.index))
    for ch, i in zip(lt.loose, lt.index, strict=True):
        assert ch == " " and text[i].isspace() or ch == text[i] or ch in "'\"-"
    if not text.strip():
        return
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    needle = text[i:j]
    m = find_span(text, needle, near=i, fuzzy=True)
    assert m is not None and text[m.start:m.end] == needle and m.how == "exact"


@settings(max_examples=200, deadline=None)
@given(text=_TEXT, needle=_TEXT, near=st.one_of(st.none(), st.integers(-5, 80)))
def test_find_span_never_raises_and_stays_inside(text: str, needle: str,
                                                 near: int | None) -> None:
    m = find_span(text, needle, near=near, fuzzy=True)
    if m is not None:
        assert 0 <= m.start < m.end <= len(text)
