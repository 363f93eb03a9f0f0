"""Queued captures remember what a bookmark file said about them: the tags its folders
give (applied to the article when the capture is stored) and the date it was bookmarked.

Both NULL for every other job, as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("capture_jobs", sa.Column("tags", sa.Text, nullable=True))
    op.add_column("capture_jobs", sa.Column("bookmarked_at", sa.DateTime(timezone=True),
                                            nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("capture_jobs") as batch:
        batch.drop_column("bookmarked_at")
        batch.drop_column("tags")
