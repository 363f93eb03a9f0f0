"""Sort the article list by its first author through an index (the desktop table's
Authors column at 100,000 articles; see storage/article_sort.py).

The index is on the same expression ``storage.article_sort`` orders by:
SQLite ``lower(json_extract(authors, '$[0]'))``, PostgreSQL ``lower(authors ->> 0)``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""
from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEX = "ix_articles_first_author"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        expr = "lower(json_extract(authors, '$[0]'))"
    else:
        expr = "lower(authors ->> 0)"
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles ({expr})")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
