"""The page's own canonical link (``<link rel=canonical>``, else ``og:url``) as each
capture declared it: ``captures.canonical_link``. Exports give it as the article's
``canonical_url``; ``articles.canonical_url`` stays the dedupe key (exported as
``url_key``). NULL for captures stored before this revision (exports then give the
article's address).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("captures", sa.Column("canonical_link", sa.String(8192), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("canonical_link")
