"""Every column of the article list sorts in SQL: authors (through the index of
migration 0004), quotes (how many), tags (first name); empties last (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from storage.archive import Archive
from storage.article_sort import order_by
from storage.models import Article, Quote
from storage.organize import Organizer

# (url path, authors, quotes, tags)
ROWS = [
    ("a", ["bea Lund", "Zed Ames"], 2, ["budget"]),
    ("b", ["Ana Holt"], 0, ["Zoning", "ports"]),
    ("c", [], 5, []),
    ("d", ["Carl Berg"], 1, ["ports"]),
]


@pytest.fixture
def archive(tmp_path: Path):
    arch = Archive.open(str(tmp_path / "archive.db"))
    with arch.db.writer() as s:
        for path, authors, quotes, _tags in ROWS:
            url = f"https://paper.example/{path}"
            aid = s.execute(insert(Article).values(
                canonical_url=url, url=url, site="paper.example", title=path, text="",
                authors=authors).returning(Article.id)).scalar_one()
            for i in range(quotes):
                s.execute(insert(Quote).values(article_id=aid, text=f"q{i}", speaker="X"))
    org = Organizer(arch)
    ids = {a.title: a.id for a in arch.article_rows(arch.article_ids())}
    for path, _a, _q, tags in ROWS:
        for tag in tags:
            org.tag(tag, articles=[ids[path]])
    yield arch
    arch.close()


def _titles(archive: Archive, sort: str, descending: bool) -> list[str]:
    return [r.title for r in archive.article_rows(archive.article_ids(sort=sort,
                                                                      descending=descending))]


def test_authors_quotes_and_tags_sort(archive: Archive) -> None:
    assert _titles(archive, "authors", False) == ["b", "a", "d", "c"]  # ana, bea, carl, -
    assert _titles(archive, "authors", True) == ["d", "a", "b", "c"]  # none still last
    assert _titles(archive, "quotes", True) == ["c", "a", "d", "b"]
    assert _titles(archive, "quotes", False) == ["b", "d", "a", "c"]
    assert _titles(archive, "tags", False) == ["a", "b", "d", "c"]  # budget, ports (b<d)
    assert _titles(archive, "tags", True)[-1] == "c"


def test_author_sort_uses_the_index_of_migration_0004(archive: Archive) -> None:
    """The sort expression and the indexed one must stay the same, or 100,000 articles
    sort by a full scan again."""
    query = select(Article.id).order_by(*order_by("authors", True, sqlite=True))
    sql = str(query.compile(archive.db.engine, compile_kwargs={"literal_binds": True}))
    with archive.db.reader() as s:
        plan = " ".join(str(row) for row in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_articles_first_author" in plan
