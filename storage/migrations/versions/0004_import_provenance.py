"""Provenance of imported evidence (docs/reliability.md J6): ``captures.blob_state`` and
``assets.blob_state`` mark rows imported without their bytes (a JSON export), so
``check`` counts them apart instead of as damage; ``captures.text_state`` says whether
imported text was re-extracted from its snapshot and matched ("verified") or could not
be re-checked ("unverified"). NULL everywhere means "captured here", as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("captures", sa.Column("blob_state", sa.String(24), nullable=True))
    op.add_column("captures", sa.Column("text_state", sa.String(16), nullable=True))
    op.add_column("assets", sa.Column("blob_state", sa.String(24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("blob_state")
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("text_state")
        batch.drop_column("blob_state")
