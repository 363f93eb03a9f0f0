"""`cuttings tag|claim|collection` end to end on a real archive file. Each ``main()``
call opens and closes the archive, so every step also proves the data survives a
restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from storage.archive import Archive
from tests.storage.organize_support import FERRY_TEXT, HARBOUR_TEXT, store


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_db(path: str) -> str:
    with Archive.open(path) as archive:
        store(archive)  # article 1: quotes 1-2, credit 1
        store(archive, "https://isles.example.net/ferry", FERRY_TEXT, title="Ferry doubles",
              quotes=[("Demand doubled in two years,", "Priya Nandi")],
              credits=["Tom Beck/Northway"])  # article 2: quote 3, credit 2
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    return make_db(str(tmp_path / "a.db"))


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """For commands that fail without changing anything."""
    return make_db(str(tmp_path_factory.mktemp("shared") / "a.db"))


def test_tag_commands(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "tag", "add", "Harbour", "--db", db, "--article", "1",
                         "--article", "2", "--quote", "1", "--credit", "1")
    assert code == 0, err
    assert out.strip() == ("tagged 2 articles, 1 quote, 1 photo credit with 'Harbour' "
                           "(new tag)")
    code, out, _ = cli(capsys, "tag", "add", "harbour", "--db", db, "--article", "1", "2")
    assert code == 0 and out.strip() == "tagged nothing with 'Harbour'"
    code, out, _ = cli(capsys, "tag", "add", "Ferry", "--db", db, "--article", "2")
    code, out, _ = cli(capsys, "tag", "list", "--db", db, "--json")
    assert code == 0
    assert json.loads(out) == [
        {"id": 2, "name": "Ferry", "color": None, "articles": 1, "quotes": 0, "claims": 0,
         "credits": 0, "total": 1},
        {"id": 1, "name": "Harbour", "color": None, "articles": 2, "quotes": 1, "claims": 0,
         "credits": 1, "total": 4}]
    code, out, _ = cli(capsys, "tag", "list", "--db", db)
    assert out.splitlines()[1].split()[:2] == ["Harbour", "2"]

    code, _, err = cli(capsys, "tag", "rename", "ferry", "Harbour", "--db", db)
    assert code == 1
    assert err.strip() == ("cuttings: a tag named 'Harbour' already exists; use merge to "
                           "combine 'Ferry' into it")
    code, out, _ = cli(capsys, "tag", "rename", "ferry", "Islands", "--db", db)
    assert code == 0 and out.strip() == "renamed tag 'Ferry' to 'Islands' (1 items)"
    code, out, _ = cli(capsys, "tag", "merge", "Islands", "harbour", "--db", db)
    assert code == 0 and out.strip() == "merged 'Islands' into 'Harbour': 1 links, 0 new to 'Harbour'"
    code, out, _ = cli(capsys, "tag", "remove", "Harbour", "--db", db, "--article", "2")
    assert code == 0 and out.strip() == "removed 'Harbour' from 1 article"
    code, out, _ = cli(capsys, "tag", "list", "--db", db, "--json")
    assert [(t["name"], t["articles"], t["total"]) for t in json.loads(out)] == \
        [("Harbour", 1, 3)]
    with Archive.open(db) as archive:
        data = archive.article(1)
        assert data is not None and data["tags"] == ["Harbour"]
        assert data["photo_credits"][0]["tags"] == ["Harbour"]


def test_tag_color_and_delete_need_confirmation(db: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "tag", "add", "Old", "--db", db, "--article", "1")
    code, out, _ = cli(capsys, "tag", "color", "old", "#FF8800", "--db", db)
    assert code == 0 and out.strip() == "tag 'Old' colour: #ff8800"
    code, _, err = cli(capsys, "tag", "color", "old", "orange", "--db", db)
    assert code == 1 and "not a colour" in err
    code, _, err = cli(capsys, "tag", "delete", "old", "--db", db)
    assert code == 1 and err.strip() == "cuttings: tag 'Old' is on 1 items; add --yes to delete it"
    code, out, _ = cli(capsys, "tag", "delete", "old", "--yes", "--db", db)
    assert code == 0 and out.strip() == "deleted tag 'Old' (was on 1 items)"


@pytest.mark.parametrize("argv, message", [
    (["tag", "add", "X", "--article", "99"], "cuttings: no article with id 99"),
    (["tag", "add", "X", "--quote", "7", "--quote", "8"], "cuttings: no quote with ids 7, 8"),
    (["tag", "add", "X", "--claim", "5"], "cuttings: no claim with id 5"),
    (["tag", "add", "X", "--credit", "9"], "cuttings: no photo credit with id 9"),
    (["tag", "remove", "Nope", "--article", "1"], "cuttings: no tag named 'Nope'"),
    (["tag", "rename", "Nope", "New"], "cuttings: no tag named 'Nope'"),
    (["tag", "merge", "Nope", "Other"], "cuttings: no tag named 'Nope'"),
    (["claim", "add", "1", "--text", "x", "--verdict", "maybe"],
     "cuttings: unknown verdict 'maybe' (use one of: unverified, supported, disputed, false, "
     "misleading)"),
    (["claim", "add", "77", "--text", "harbour"], "cuttings: no article with id 77"),
    (["claim", "add", "1", "--text", "the moon is cheese"],
     "cuttings: text not found in article 1: 'the moon is cheese'"),
    (["claim", "add", "1", "--start", "5", "--end", "99999"],
     f"cuttings: span 5..99999 is not inside the article text (0..{len(HARBOUR_TEXT)})"),
    (["claim", "list", "--verdict", "true"],
     "cuttings: unknown verdict 'true' (use one of: unverified, supported, disputed, false, "
     "misleading)"),
    (["claim", "list", "--tag", "nope"], "cuttings: no tag named 'nope'"),
    (["claim", "show", "3"], "cuttings: no claim with id 3"),
    (["collection", "add", "Nope", "--article", "1"], "cuttings: no collection named 'Nope'"),
    (["collection", "show", "Nope"], "cuttings: no collection named 'Nope'"),
])
def test_unknown_things_give_one_line_and_exit_1(shared_db: str,
                                                 capsys: pytest.CaptureFixture[str],
                                                 argv: list[str], message: str) -> None:
    code, out, err = cli(capsys, *argv, "--db", shared_db)
    assert code == 1
    assert err.splitlines() == [message]
    assert out == ""


def test_usage_errors(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "tag", "add", "X", "--db", db)
    assert code == 2 and "name what to tag" in err
    code, _, err = cli(capsys, "claim", "add", "1", "--db", db, "--start", "3")
    assert code == 2 and "--start and --end" in err
    code, _, err = cli(capsys, "claim", "add", "1", "--db", db, "--text", "a", "--start", "1",
                       "--end", "2")
    assert code == 2 and "not both" in err
    code, _, err = cli(capsys, "collection", "add", "X", "--db", db)
    assert code == 2 and "name what to add" in err


def test_claim_commands(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "claim", "add", "1", "--db", db, "--text",
                         "would cost 4.2 million pounds", "--verdict", "disputed",
                         "--note", "ask the treasurer", "--tag", "Money", "--tag", "Harbour",
                         "--evidence", "https://gov.example.org/budget")
    assert code == 0, err
    assert out.startswith("claim 1 on article 1 at ")
    code, out, _ = cli(capsys, "claim", "add", "2", "--db", db, "--start", "0", "--end", "16",
                       "--json")
    second = json.loads(out)
    assert (second["id"], second["text"], second["verdict"]) == (2, "The island ferry",
                                                                 "unverified")
    code, out, _ = cli(capsys, "claim", "list", "--db", db, "--json")
    claims = json.loads(out)
    assert [(c["id"], c["verdict"], c["tags"]) for c in claims] == \
        [(1, "disputed", ["Harbour", "Money"]), (2, "unverified", [])]
    assert claims[0]["text"] == "would cost 4.2 million pounds"
    assert claims[0]["evidence"] == ["https://gov.example.org/budget"]
    code, out, _ = cli(capsys, "claim", "list", "--db", db, "--verdict", "disputed")
    assert len(out.splitlines()) == 1 and "would cost 4.2 million pounds" in out
    code, out, _ = cli(capsys, "claim", "list", "--db", db, "--tag", "money", "--json")
    assert [c["id"] for c in json.loads(out)] == [1]
    code, out, _ = cli(capsys, "claim", "list", "--db", db, "--article", "2", "--json")
    assert [c["id"] for c in json.loads(out)] == [2]
    code, out, _ = cli(capsys, "claim", "set", "2", "--db", db, "--verdict", "supported",
                       "--note", "timetable checked")
    assert code == 0 and "supported" in out
    code, out, _ = cli(capsys, "claim", "show", "2", "--db", db, "--json")
    shown = json.loads(out)
    assert (shown["verdict"], shown["note"], shown["version"]) == \
        ("supported", "timetable checked", 2)
    code, out, _ = cli(capsys, "claim", "delete", "2", "--db", db)
    assert code == 0 and out.strip() == "deleted claim 2 of article 2"
    code, out, _ = cli(capsys, "claim", "list", "--db", db, "--json")
    assert [c["id"] for c in json.loads(out)] == [1]


def test_collection_commands(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "claim", "add", "1", "--db", db, "--text", "a fantasy number")
    code, out, _ = cli(capsys, "collection", "create", "Coast", "--db", db,
                       "--description", "Sunday piece")
    assert code == 0 and out.strip() == "created collection 'Coast'"
    code, _, err = cli(capsys, "collection", "create", "coast", "--db", db)
    assert code == 1 and err.strip() == "cuttings: a collection named 'Coast' already exists"
    code, out, _ = cli(capsys, "collection", "add", "coast", "--db", db, "--article", "1", "2",
                       "--claim", "1")
    assert code == 0 and out.strip() == "added 2 article(s) and 1 claim(s) to 'Coast'"
    code, out, _ = cli(capsys, "collection", "remove", "Coast", "--db", db, "--article", "2")
    assert code == 0 and out.strip() == "removed 1 article(s) and 0 claim(s) from 'Coast'"
    code, out, _ = cli(capsys, "collection", "list", "--db", db, "--json")
    assert [(c["name"], c["articles"], c["claims"]) for c in json.loads(out)] == \
        [("Coast", 1, 1)]
    code, out, _ = cli(capsys, "collection", "show", "Coast", "--db", db, "--json")
    view = json.loads(out)
    assert [a["title"] for a in view["article_list"]] == ["Harbour wall to be rebuilt"]
    assert [c["text"] for c in view["claim_list"]] == ["a fantasy number"]
    assert view["description"] == "Sunday piece"
    code, out, _ = cli(capsys, "collection", "show", "Coast", "--db", db)
    assert "Harbour wall to be rebuilt" in out and "a fantasy number" in out
    code, out, _ = cli(capsys, "claim", "list", "--db", db, "--collection", "coast", "--json")
    assert [c["collections"] for c in json.loads(out)] == [["Coast"]]
    code, out, _ = cli(capsys, "collection", "rename", "Coast", "Shore", "--db", db)
    assert code == 0
    code, out, _ = cli(capsys, "collection", "delete", "Shore", "--db", db)
    assert code == 0 and "stay in the archive" in out
    code, out, _ = cli(capsys, "collection", "list", "--db", db)
    assert out.startswith("no collections yet")


def test_the_issue_walkthrough_survives_restart(db: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Mark a claim with a verdict and a tag, tag a quote and a photo credit, put the
    article in a collection; then a fresh process-like open finds all of it."""
    steps = [
        ["claim", "add", "1", "--text", "rebuild the harbour wall", "--verdict", "supported",
         "--tag", "Harbour"],
        ["tag", "add", "Promises", "--quote", "1"],
        ["tag", "add", "Photo desk", "--credit", "1"],
        ["collection", "create", "Story"],
        ["collection", "add", "Story", "--article", "1"],
    ]
    for argv in steps:
        code, _, err = cli(capsys, *argv, "--db", db)
        assert code == 0, (argv, err)
    with Archive.open(db) as archive:
        data = archive.article(1)
        assert data is not None
        assert [(c["text"], c["verdict"], c["tags"]) for c in data["claims"]] == \
            [("rebuild the harbour wall", "supported", ["Harbour"])]
        assert data["quotes"][0]["tags"] == ["Promises"]
        assert data["photo_credits"][0]["tags"] == ["Photo desk"]
    code, out, _ = cli(capsys, "collection", "show", "Story", "--db", db, "--json")
    assert [a["id"] for a in json.loads(out)["article_list"]] == [1]
