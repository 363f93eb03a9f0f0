"""Shared archive: job claims on every back-end; on PostgreSQL also the blob table,
the full-text index (tsvector generated columns with GIN indexes, a text search
configuration that ignores case and, where the unaccent extension can be created,
accents) and change notifications for other desktops (LISTEN/NOTIFY).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from __future__ import annotations

import string

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS_CONFIG = "cuttings_search"

# ASCII punctuation becomes a space before PostgreSQL's parser sees the text, so words
# split as in SQLite's unicode61 tokenizer (no host, e-mail, URL or tag tokens).
_PUNCT = string.punctuation.replace("'", "''")
_SPACES = " " * len(string.punctuation)


def _doc(expr: str) -> str:
    return f"to_tsvector('{TS_CONFIG}', translate(coalesce({expr}, ''), '{_PUNCT}', '{_SPACES}'))"


def _weighted(parts: list[tuple[str, str]]) -> str:
    return " || ".join(f"setweight({expr}, '{w}')" for expr, w in parts)


# table -> tsvector expression (weights: A title/main text of short items, B names, D body)
TSV: dict[str, str] = {
    "articles": _weighted([(_doc("title"), "A"),
                           (f"to_tsvector('{TS_CONFIG}', authors)", "B"),
                           (_doc("publisher"), "B"), (_doc("text"), "D")]),
    "quotes": _weighted([(_doc("text"), "C"), (_doc("speaker"), "B")]),
    "claims": _weighted([(_doc("text"), "C"), (_doc("note"), "D")]),
    "photo_credits": _weighted([(_doc("credit"), "C"), (_doc("photographer"), "C"),
                                (_doc("provider"), "C"), (_doc("caption"), "D")]),
    "citations": _doc("name"),
}


# Tables whose changes other desktops hear about (LISTEN cuttings_changes; payload: the
# table name), sent by statement-level triggers, so every writer is covered and a
# notification is delivered only when its transaction commits.
NOTIFY_CHANNEL = "cuttings_changes"
NOTIFY_TABLES = ("articles", "claims", "tags", "article_tags", "quote_tags", "claim_tags",
                 "credit_tags", "collections", "collection_articles", "collection_claims",
                 "capture_jobs")


def _create_notify_triggers() -> None:
    op.execute(
        "CREATE FUNCTION cuttings_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$")
    for table in NOTIFY_TABLES:
        op.execute(f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION cuttings_notify_change()")


def _create_ts_config() -> None:
    bind = op.get_bind()
    has_unaccent = False
    with bind.begin_nested():
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
            has_unaccent = True
        except sa.exc.DBAPIError:
            has_unaccent = False  # not installed or not allowed: case folding only
    bind.exec_driver_sql(f"CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = simple)")
    if has_unaccent:
        bind.exec_driver_sql(
            f"ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG} ALTER MAPPING FOR "
            "hword, hword_part, word WITH unaccent, simple")


def upgrade() -> None:
    op.add_column("capture_jobs", sa.Column("claimed_by", sa.String(128), nullable=True))
    op.add_column("capture_jobs", sa.Column("claimed_at", sa.DateTime(timezone=True),
                                            nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    _create_ts_config()
    for table, expr in TSV.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN search_tsv tsvector "
                   f"GENERATED ALWAYS AS ({expr}) STORED")
        op.execute(f"CREATE INDEX ix_{table}_search_tsv ON {table} USING gin (search_tsv)")
    _create_notify_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NOTIFY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cuttings_notify_change()")
        for table in TSV:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_tsv")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_tsv")
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {TS_CONFIG}")
        op.drop_table("blobs")
    with op.batch_alter_table("capture_jobs") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
