"""Sort orders of the article list: every column the desktop table shows can sort.

:func:`order_by` gives the ``ORDER BY`` terms for a sort key; ``Archive.article_ids``
uses them. Columns of the article row sort on their (indexed) column; the others on
an aggregate computed in SQL, never in Python:

* ``authors``: the first author's name (the JSON list's first item), case-folded,
  through the expression index ``ix_articles_first_author`` (migration 0004: the
  expression here must stay the indexed one, literal path included);
* ``quotes``: how many quotes the article has (index ``ix_quotes_article_id``);
* ``tags``: the article's alphabetically first tag name, case-folded. Not offered by
  the desktop table: at 100,000 articles it takes several times a date sort (no index
  can hold a per-article minimum); ``Archive.article_ids`` still accepts it.

Articles without authors or tags come last in both directions; ties fall back to the
article id (newest first when descending), so pages never overlap. No Qt; any thread.
The cost at 100,000 articles is measured by ``benchmarks/sort_scale.py``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, Quote, Tag, article_tags

log = logging.getLogger(__name__)

#: Sort keys on the article row itself.
COLUMN_KEYS: dict[str, Any] = {
    "title": Article.title,
    "publisher": Article.publisher,
    "published": Article.published,
    "captured": Article.created_at,
    "id": Article.id,
}
#: Sort keys computed per article in SQL (see the module docstring).
AGGREGATE_KEYS = ("authors", "quotes", "tags")
SORT_KEYS = (*COLUMN_KEYS, *AGGREGATE_KEYS)


def first_author(sqlite: bool) -> ColumnElement[Any]:
    """The indexed expression (literals, not bound parameters: an index on an
    expression only serves a query spelling the same expression)."""
    if sqlite:
        return func.lower(func.json_extract(Article.authors, literal_column("'$[0]'")))
    return func.lower(Article.authors.op("->>")(literal_column("0")))


def _sort_value(sort: str, sqlite: bool) -> tuple[ColumnElement[Any], bool]:
    """(expression, whether empty values go last)."""
    if sort == "authors":
        return first_author(sqlite), True
    if sort == "quotes":
        count = (select(func.count(Quote.id)).where(Quote.article_id == Article.id)
                 .correlate(Article).scalar_subquery())
        return count, False
    if sort == "tags":
        first = (select(func.min(func.lower(Tag.name)))
                 .select_from(article_tags.join(Tag, Tag.id == article_tags.c.tags_id))
                 .where(article_tags.c.articles_id == Article.id)
                 .correlate(Article).scalar_subquery())
        return first, True
    return COLUMN_KEYS.get(sort, Article.created_at), False


def order_by(sort: str, descending: bool, *, sqlite: bool = True) -> list[ColumnElement[Any]]:
    """``ORDER BY`` terms for ``sort`` (unknown keys sort by capture time) on SQLite or
    (``sqlite=False``) PostgreSQL."""
    value, empty_last = _sort_value(sort, sqlite)
    if descending:
        terms = [value.desc().nulls_last() if empty_last else value.desc(), Article.id.desc()]
    else:
        terms = [value.asc().nulls_last() if empty_last else value.asc(), Article.id.asc()]
    return terms
