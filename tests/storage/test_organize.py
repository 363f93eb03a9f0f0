"""Claims, tags and collections on a real archive file: every operation, its errors,
its undo inverse (exact previous state), bulk tagging in one transaction, restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from storage.archive import Archive
from storage.organize import (
    ConflictError,
    InvalidValueError,
    NameTakenError,
    NotFoundError,
    Organizer,
)
from tests.storage.organize_support import FERRY_TEXT, HARBOUR_TEXT, bulk_articles, dump, store


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    a = Archive.open(str(tmp_path / "a.db"))
    yield a
    a.close()


@pytest.fixture
def org(archive: Archive) -> Organizer:
    return Organizer(archive)


@pytest.fixture
def world(archive: Archive) -> dict[str, int]:
    """Two invented articles with their quotes and photo credits."""
    h = store(archive)
    f = store(archive, "https://isles.example.net/ferry", FERRY_TEXT, title="Ferry doubles",
              quotes=[("Demand doubled in two years,", "Priya Nandi")],
              credits=["Tom Beck/Northway"])
    data_h, data_f = archive.article(h.article_id), archive.article(f.article_id)
    assert data_h and data_f
    return {"harbour": h.article_id, "ferry": f.article_id,
            "quote_h": data_h["quotes"][0]["id"], "quote_h2": data_h["quotes"][1]["id"],
            "quote_f": data_f["quotes"][0]["id"],
            "credit_h": data_h["photo_credits"][0]["id"],
            "credit_f": data_f["photo_credits"][0]["id"],
            "capture_h": h.capture_id}


class StatementCounter:
    """Counts statements and commits on the archive's engine while active."""

    def __init__(self, archive: Archive) -> None:
        self.engine = archive.db.engine
        self.statements = 0
        self.commits = 0

    def _stmt(self, *a: object) -> None:
        self.statements += 1

    def _commit(self, *a: object) -> None:
        self.commits += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._stmt)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._stmt)
        event.remove(self.engine, "commit", self._commit)


# ------------------------------------------------------------------ tags


def test_tag_every_kind_and_counts(org: Organizer, world: dict[str, int]) -> None:
    claim = org.add_claim(world["harbour"], "rebuild the harbour wall")
    ch = org.tag("Harbour", articles=[world["harbour"], world["ferry"]],
                 quotes=[world["quote_h"]], claims=[claim.id], credits=[world["credit_h"]])
    assert ch.created and ch.tag == "Harbour"
    assert ch.items == {"article": (world["harbour"], world["ferry"]),
                        "quote": (world["quote_h"],), "claim": (claim.id,),
                        "credit": (world["credit_h"],)}
    [info] = org.tags()
    assert (info.name, info.articles, info.quotes, info.claims, info.credits, info.total) == \
        ("Harbour", 2, 1, 1, 1, 5)
    assert org.tags_of("quote", world["quote_h"]) == ["Harbour"]
    assert org.tags_of("credit", world["credit_h"]) == ["Harbour"]
    assert org.get_claim(claim.id).tags == ("Harbour",)
    # the article facade sees the same tags
    data = org.archive.article(world["harbour"])
    assert data is not None and data["tags"] == ["Harbour"]
    assert data["quotes"][0]["tags"] == ["Harbour"]
    # tagging again with another spelling is the same tag, and changes nothing
    again = org.tag("  harbour ", articles=[world["harbour"]])
    assert not again.created and again.count == 0
    assert len(org.tags()) == 1
    assert org.article_ids_with_tag("HARBOUR") == sorted([world["harbour"], world["ferry"]])
    assert org.article_ids_with_tag("no such tag") == []


def test_untag_reports_only_what_it_removed(org: Organizer, world: dict[str, int]) -> None:
    org.tag("storm", articles=[world["harbour"]])
    ch = org.untag("Storm", articles=[world["harbour"], world["ferry"]])
    assert ch.items["article"] == (world["harbour"],)
    assert org.tag_info("storm").total == 0
    with pytest.raises(NotFoundError, match="no tag named 'nothing'"):
        org.untag("nothing", articles=[world["harbour"]])


def test_tag_unknown_id_changes_nothing(org: Organizer, world: dict[str, int],
                                        archive: Archive) -> None:
    before = dump(archive)
    with pytest.raises(NotFoundError, match="no article with id 999"):
        org.tag("new", articles=[world["harbour"], 999])
    with pytest.raises(NotFoundError, match="no photo credit with ids 77, 78"):
        org.tag("new", credits=[77, 78])
    assert dump(archive) == before  # not even the tag was created


@pytest.mark.parametrize("bad", ["", "   ", "a\x00b", "tab\x07", "x" * 256])
def test_bad_tag_names_refused(org: Organizer, world: dict[str, int], bad: str) -> None:
    with pytest.raises(InvalidValueError):
        org.tag(bad, articles=[world["harbour"]])


def test_tag_names_completion(org: Organizer, world: dict[str, int]) -> None:
    for name in ("Harbour", "harbour works", "Hale, Sam", "Ferry", "hä_special%"):
        org.tag(name, articles=[world["harbour"]])
    assert org.tag_names("har") == ["Harbour", "harbour works"]
    assert org.tag_names("H", limit=2) == ["Hale, Sam", "Harbour"]
    assert org.tag_names("hä_") == ["hä_special%"]
    assert org.tag_names("%") == []
    assert len(org.tag_names("")) == 5


def test_rename_refuses_existing_target_and_says_merge(org: Organizer,
                                                       world: dict[str, int]) -> None:
    org.tag("storm", articles=[world["harbour"]])
    org.tag("weather", articles=[world["ferry"]])
    with pytest.raises(NameTakenError, match="use merge"):
        org.rename_tag("storm", "Weather")
    info = org.rename_tag("storm", "Storm damage")
    assert (info.name, info.articles, info.version) == ("Storm damage", 1, 2)
    case_only = org.rename_tag("storm damage", "STORM DAMAGE")
    assert case_only.name == "STORM DAMAGE" and case_only.id == info.id
    with pytest.raises(ConflictError):
        org.rename_tag("storm damage", "x", expected_version=1)
    with pytest.raises(NotFoundError):
        org.rename_tag("ghost", "spirit")


def test_merge_moves_links_drops_duplicates_and_unmerge_restores(
        org: Organizer, world: dict[str, int], archive: Archive) -> None:
    claim = org.add_claim(world["harbour"], "a fantasy number")
    org.tag("council", articles=[world["harbour"], world["ferry"]], quotes=[world["quote_h"]],
            claims=[claim.id])
    org.tag("Local government", articles=[world["harbour"]], credits=[world["credit_h"]])
    org.set_tag_color("council", "#AA0000")
    before = dump(archive)
    m = org.merge_tags("Council", "local government")
    assert m.into == "Local government"
    assert m.source.name == "council" and m.source.color == "#aa0000"
    assert m.moved["article"] == (world["ferry"],)  # harbour had both: not duplicated
    assert m.moved["quote"] == (world["quote_h"],) and m.moved["claim"] == (claim.id,)
    [info] = org.tags()
    assert (info.name, info.articles, info.quotes, info.claims, info.credits) == \
        ("Local government", 2, 1, 1, 1)
    with pytest.raises(InvalidValueError):
        org.merge_tags("local government", "LOCAL GOVERNMENT")
    with pytest.raises(NotFoundError):
        org.merge_tags("council", "local government")
    org.unmerge_tags(m)
    assert dump(archive) == before


def test_delete_tag_reports_count_and_restore_is_exact(org: Organizer, world: dict[str, int],
                                                       archive: Archive) -> None:
    org.tag("ferry", articles=[world["ferry"]], quotes=[world["quote_f"]],
            credits=[world["credit_f"]])
    org.tag("other", articles=[world["ferry"]])
    org.set_tag_color("ferry", "#123")
    assert org.tag_info("ferry").total == 3  # what the GUI shows before asking
    before = dump(archive)
    snap = org.delete_tag("Ferry")
    assert snap.count == 3 and snap.color == "#123"
    assert [t.name for t in org.tags()] == ["other"]
    org.restore_tag(snap)
    assert dump(archive) == before
    with pytest.raises(NameTakenError):
        org.restore_tag(snap)


def test_colour_set_clear_undo_and_invalid(org: Organizer, world: dict[str, int]) -> None:
    org.tag("red", articles=[world["harbour"]])
    assert org.set_tag_color("red", "#FF0000") is None
    assert org.tag_info("red").color == "#ff0000"
    previous = org.set_tag_color("red", None)
    assert previous == "#ff0000" and org.tag_info("red").color is None
    org.set_tag_color("red", previous)  # undo
    assert org.tag_info("red").color == "#ff0000"
    for bad in ("red", "#12345", "#gggggg", "javascript:x"):
        with pytest.raises(InvalidValueError):
            org.set_tag_color("red", bad)


def test_tag_then_undo_restores_exact_state(org: Organizer, world: dict[str, int],
                                            archive: Archive) -> None:
    org.tag("existing", articles=[world["harbour"]])
    before = dump(archive)
    ch = org.tag("existing", articles=[world["harbour"], world["ferry"]],
                 quotes=[world["quote_f"]])
    org.untag(ch.tag, **ch.kwargs(), delete_if_unused=ch.created)
    assert dump(archive) == before  # the harbour article kept the tag it already had
    ch = org.tag("brand new", articles=[world["ferry"]])
    undone = org.untag(ch.tag, **ch.kwargs(), delete_if_unused=ch.created)
    assert undone.deleted
    assert dump(archive) == before
    # undo of an untag
    ch = org.untag("existing", articles=[world["harbour"]])
    org.tag(ch.tag, **ch.kwargs())
    assert dump(archive) == before


def test_bulk_tag_ten_thousand_articles_in_one_transaction(org: Organizer,
                                                           archive: Archive) -> None:
    ids = bulk_articles(archive, 10_000)
    assert len(ids) == 10_000
    org.tag("bulk", articles=ids[:2500])  # some already tagged: skipped, not an error
    with StatementCounter(archive) as counter:
        ch = org.tag("Bulk", articles=ids)
    assert counter.commits == 1
    # a few chunked SELECTs and ONE executemany, not 10,000 ORM appends
    assert counter.statements < 60
    assert ch.items["article"] == tuple(ids[2500:])
    assert org.tag_info("bulk").articles == 10_000
    with StatementCounter(archive) as counter:
        undone = org.untag("bulk", articles=ids)
    assert counter.commits == 1 and len(undone.items["article"]) == 10_000
    assert org.tag_info("bulk").articles == 0


# ------------------------------------------------------------------ claims


def test_add_claim_by_text_exact_and_loose(org: Organizer, world: dict[str, int]) -> None:
    exact = org.add_claim(world["harbour"], "would cost 4.2 million pounds",
                          verdict="Disputed", note="Ask the treasurer",
                          tags=["money", "Harbour"], evidence=["https://gov.example.org/b", 2])
    assert HARBOUR_TEXT[exact.start:exact.end] == exact.text == "would cost 4.2 million pounds"
    assert (exact.verdict, exact.note, exact.version, exact.anchor_state) == \
        ("disputed", "Ask the treasurer", 1, "ok")
    assert exact.evidence == ("https://gov.example.org/b", "article:2")
    assert exact.tags == ("Harbour", "money")
    assert exact.capture_id == world["capture_h"]
    assert exact.article_title == "Harbour wall to be rebuilt"
    # straight quotes and a line break where the article has curly quotes and a space
    loose = org.add_claim(world["harbour"], 'estimate was "a fantasy\n number"')
    assert loose.text == "estimate was “a fantasy number”"
    assert HARBOUR_TEXT[loose.start:loose.end] == loose.text
    by_offsets = org.add_claim(world["harbour"], start=0, end=8)
    assert by_offsets.text == "Saltmere"


def test_add_claim_errors(org: Organizer, world: dict[str, int], archive: Archive) -> None:
    before = dump(archive)
    with pytest.raises(NotFoundError, match="text not found in article"):
        org.add_claim(world["harbour"], "the wall was never damaged")
    with pytest.raises(NotFoundError, match="no article with id 404"):
        org.add_claim(404, "anything")
    with pytest.raises(InvalidValueError, match="unknown verdict 'maybe'"):
        org.add_claim(world["harbour"], "harbour wall", verdict="maybe")
    with pytest.raises(InvalidValueError, match="not inside the article text"):
        org.add_claim(world["harbour"], start=10, end=10_000)
    with pytest.raises(InvalidValueError):
        org.add_claim(world["harbour"], start=5, end=2)
    with pytest.raises(InvalidValueError):
        org.add_claim(world["harbour"], "harbour wall", start=0, end=3)
    with pytest.raises(InvalidValueError, match="evidence"):
        org.add_claim(world["harbour"], "harbour wall", evidence=["file:///etc/passwd"])
    with pytest.raises(InvalidValueError, match="empty"):
        org.add_claim(world["harbour"], "   ")
    assert dump(archive) == before


def test_update_claim_with_version_check(org: Organizer, world: dict[str, int]) -> None:
    c = org.add_claim(world["harbour"], "finish by next spring")
    after = org.update_claim(c.id, c.version, verdict="false", note="contract says 2028",
                             evidence=["https://tenders.example.org/harbour"])
    assert (after.verdict, after.note, after.version) == ("false", "contract says 2028", 2)
    assert after.evidence == ("https://tenders.example.org/harbour",)
    with pytest.raises(ConflictError) as err:
        org.update_claim(c.id, c.version, verdict="supported")  # stale version 1
    assert err.value.current_version == 2
    assert org.get_claim(c.id).verdict == "false"
    moved = org.update_claim(c.id, 2, span=(0, 8))
    assert (moved.text, moved.start, moved.end, moved.version) == ("Saltmere", 0, 8, 3)
    with pytest.raises(NotFoundError):
        org.update_claim(9999, 1, note="x")
    with pytest.raises(InvalidValueError):
        org.update_claim(c.id, 3, verdict="unknowable")


def test_concurrent_edits_one_wins_the_other_conflicts(tmp_path: Path) -> None:
    """Two archive handles (as two windows or processes) edit the same claim version."""
    path = str(tmp_path / "shared.db")
    a1, a2 = Archive.open(path), Archive.open(path)
    try:
        stored = store(a1)
        c = Organizer(a1).add_claim(stored.article_id, "harbour wall")
        results: list[str] = []
        barrier = threading.Barrier(2)

        def edit(archive: Archive, verdict: str) -> None:
            barrier.wait()
            try:
                Organizer(archive).update_claim(c.id, c.version, verdict=verdict)
                results.append("ok")
            except ConflictError:
                results.append("conflict")

        threads = [threading.Thread(target=edit, args=(a, v))
                   for a, v in ((a1, "supported"), (a2, "false"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["conflict", "ok"]
        assert Organizer(a2).get_claim(c.id).version == 2
    finally:
        a1.close()
        a2.close()


def test_revert_claim_is_the_undo_of_update(org: Organizer, world: dict[str, int],
                                            archive: Archive) -> None:
    before_info = org.add_claim(world["harbour"], "partly collapsed", note="n1")
    before = dump(archive)
    after = org.update_claim(before_info.id, before_info.version, verdict="supported",
                             note="n2", span=(0, 8), evidence=["article:1"])
    reverted = org.revert_claim(before_info, after.version)
    assert reverted.version == after.version + 1
    assert dump(archive) == before


def test_delete_and_restore_claim_with_tags_and_collections(
        org: Organizer, world: dict[str, int], archive: Archive) -> None:
    c = org.add_claim(world["harbour"], "a fantasy number", verdict="misleading",
                      note="see survey", tags=["Check", "Money"],
                      evidence=["https://survey.example.org/1"])
    org.create_collection("Harbour story")
    org.add_to_collection("Harbour story", claims=[c.id])
    org.update_claim(c.id, 1, note="see survey 2")
    before = dump(archive)
    before_info = org.get_claim(c.id)
    with pytest.raises(ConflictError):
        org.delete_claim(c.id, expected_version=1)
    snap = org.delete_claim(c.id, expected_version=2)
    assert snap["tags"] == ["Check", "Money"] and snap["collections"] == ["Harbour story"]
    assert org.claims() == []
    assert org.collection("Harbour story").info.claims == 0
    restored = org.restore_claim(snap)
    assert restored == before_info
    assert dump(archive) == before


def test_restore_claim_takes_a_new_id_when_the_old_one_is_taken(
        org: Organizer, world: dict[str, int]) -> None:
    c = org.add_claim(world["harbour"], "harbour wall")
    snap = org.delete_claim(c.id)
    squatter = org.add_claim(world["ferry"], "twice a day")
    assert squatter.id == c.id  # SQLite reuses the highest rowid
    restored = org.restore_claim(snap)
    assert restored.id != c.id and restored.text == "harbour wall"


def test_claim_list_filters(org: Organizer, world: dict[str, int]) -> None:
    a = org.add_claim(world["harbour"], "harbour wall", verdict="supported", tags=["wall"])
    b = org.add_claim(world["harbour"], "a fantasy number", verdict="disputed")
    c = org.add_claim(world["ferry"], "Demand doubled in two years", verdict="disputed",
                      tags=["WALL"])
    org.create_collection("Doubts")
    org.add_to_collection("doubts", claims=[b.id, c.id])
    ids = lambda claims: [x.id for x in claims]  # noqa: E731
    assert ids(org.claims()) == [a.id, b.id, c.id]
    assert ids(org.claims(article_id=world["harbour"])) == [a.id, b.id]
    assert ids(org.claims(verdict="DISPUTED")) == [b.id, c.id]
    assert ids(org.claims(tag="wall")) == [a.id, c.id]
    assert ids(org.claims(collection="Doubts", verdict="disputed", tag="wall")) == [c.id]
    assert org.claims(anchor_state="changed") == []
    with pytest.raises(NotFoundError):
        org.claims(tag="nope")
    with pytest.raises(NotFoundError):
        org.claims(collection="nope")
    with pytest.raises(NotFoundError):
        org.claims(article_id=12345)
    with pytest.raises(InvalidValueError):
        org.claims(verdict="true")


# ------------------------------------------------------------------ collections


def test_collections_full_cycle(org: Organizer, world: dict[str, int], archive: Archive) -> None:
    c = org.add_claim(world["harbour"], "harbour wall")
    info = org.create_collection("Coast stories", "for the Sunday piece")
    assert (info.name, info.articles, info.claims) == ("Coast stories", 0, 0)
    with pytest.raises(NameTakenError):
        org.create_collection("coast STORIES")
    ch = org.add_to_collection("coast stories", articles=[world["harbour"], world["ferry"]],
                               claims=[c.id])
    assert ch.articles == (world["harbour"], world["ferry"]) and ch.claims == (c.id,)
    assert org.add_to_collection("Coast stories", articles=[world["ferry"]]).count == 0
    with pytest.raises(NotFoundError, match="no claim with id 555"):
        org.add_to_collection("Coast stories", claims=[555])
    with pytest.raises(NotFoundError, match="no collection named 'Inland'"):
        org.add_to_collection("Inland", articles=[world["ferry"]])
    org.create_collection("Empty")
    assert [(x.name, x.articles, x.claims) for x in org.collections()] == \
        [("Coast stories", 2, 1), ("Empty", 0, 0)]
    view = org.collection("Coast stories")
    assert [a["title"] for a in view.articles] == ["Harbour wall to be rebuilt", "Ferry doubles"]
    assert [x.id for x in view.claims] == [c.id]
    assert view.to_json()["claim_list"][0]["text"] == "harbour wall"
    assert org.article_ids_in_collection("coast stories") == [world["harbour"], world["ferry"]]
    assert org.article_ids_in_collection("nothing") == []
    assert org.collections_of(article_id=world["ferry"]) == ["Coast stories"]
    assert org.collections_of(claim_id=c.id) == ["Coast stories"]

    before = dump(archive)
    removed = org.remove_from_collection("Coast stories", articles=[world["ferry"], 999])
    assert removed.articles == (world["ferry"],)
    org.add_to_collection(removed.name, articles=removed.articles, claims=removed.claims)
    assert dump(archive) == before

    with pytest.raises(NameTakenError):
        org.rename_collection("Coast stories", "empty")
    renamed = org.rename_collection("coast stories", "Coast")
    org.rename_collection(renamed.name, "Coast stories")
    assert dump(archive) == before

    snap = org.delete_collection("Coast stories")
    assert snap["article_ids"] == [world["harbour"], world["ferry"]]
    assert archive.count_articles() == 2  # members stay in the archive
    org.restore_collection(snap)
    assert dump(archive) == before


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "restart.db")
    with Archive.open(path) as archive:
        org = Organizer(archive)
        stored = store(archive)
        data = archive.article(stored.article_id)
        assert data is not None
        c = org.add_claim(stored.article_id, "rebuild the harbour wall", verdict="supported",
                          tags=["Harbour"])
        org.tag("Quotes to check", quotes=[data["quotes"][0]["id"]])
        org.tag("Photos", credits=[data["photo_credits"][0]["id"]])
        org.tag("Harbour", articles=[stored.article_id])
        org.set_tag_color("Harbour", "#00aa00")
        org.create_collection("Story")
        org.add_to_collection("Story", articles=[stored.article_id], claims=[c.id])
        before = dump(archive)
    with Archive.open(path) as archive:
        org = Organizer(archive)
        assert dump(archive) == before
        assert org.get_claim(c.id).verdict == "supported"
        assert org.tag_info("harbour").color == "#00aa00"
        assert {t.name: t.total for t in org.tags()} == \
            {"Harbour": 2, "Photos": 1, "Quotes to check": 1}
        assert org.collection("story").info.articles == 1
        assert archive.integrity_check() == "ok"

