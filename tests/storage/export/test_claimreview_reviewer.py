"""ClaimReview names a real reviewer, never a placeholder (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.export import ExportError, ExportOptions, Selection, export
from storage.export.claimreview import ReviewerMissing


def test_without_a_reviewer_nothing_is_written(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "c.jsonld"
    with pytest.raises(ReviewerMissing, match="reviewer's name or organisation"):
        export(archive, Selection(all_articles=True), "claimreview", path)
    with pytest.raises(ReviewerMissing):
        export(archive, Selection(all_articles=True), "claimreview", path,
               options=ExportOptions(reviewer="  ", reviewer_url="https://desk.example/"))
    assert not path.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".c.jsonld")]


def test_person_with_organisation_and_address(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "c.jsonld"
    export(archive, Selection(all_articles=True), "claimreview", path,
           options=ExportOptions(reviewer="Ana Ruiz", reviewer_org="Saltmere Fact Desk",
                                 reviewer_url="https://facts.saltmere.example/"))
    body = path.read_text(encoding="utf-8")
    assert "to be named" not in body
    authors = {json.dumps(r["author"], sort_keys=True) for r in json.loads(body)["@graph"]}
    assert [json.loads(a) for a in authors] == [{
        "@type": "Person", "name": "Ana Ruiz", "url": "https://facts.saltmere.example/",
        "affiliation": {"@type": "Organization", "name": "Saltmere Fact Desk"}}]


def test_organisation_alone(built, tmp_path: Path) -> None:
    archive, _, _ = built
    path = tmp_path / "c.jsonld"
    export(archive, Selection(all_articles=True), "claimreview", path,
           options=ExportOptions(reviewer_org="Saltmere Fact Desk"))
    graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
    assert graph and all(r["author"] == {"@type": "Organization", "name": "Saltmere Fact Desk"}
                         for r in graph)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "facts.example", "https://a b/"])
def test_a_bad_reviewer_address_is_refused(built, tmp_path: Path, url: str) -> None:
    archive, _, _ = built
    with pytest.raises(ExportError, match="must be an http"):
        export(archive, Selection(all_articles=True), "claimreview", tmp_path / "c.jsonld",
               options=ExportOptions(reviewer="Ana", reviewer_url=url))
    assert not (tmp_path / "c.jsonld").exists()
