"""Search index: FTS5 external-content tables over articles, quotes, claims, photo
credits and cited outlets, kept in step with their base tables by triggers (so the
index changes in the same transaction as the row). SQLite only; a PostgreSQL
back-end indexes with tsvector behind the same storage.search interface.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOKENIZE = "unicode61 remove_diacritics 2"

# fts table -> (base table, indexed columns)
INDEXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "articles_fts": ("articles", ("title", "authors", "publisher", "text")),
    "quotes_fts": ("quotes", ("text", "speaker")),
    "claims_fts": ("claims", ("text", "note")),
    "credits_fts": ("photo_credits", ("credit", "photographer", "provider", "caption")),
    "citations_fts": ("citations", ("name",)),
}


# ``articles.authors`` is a JSON list written with ASCII escapes ("M\\u00fcller"), which
# the tokenizer would split into nonsense; the index reads the decoded names instead
# (the first MAX_AUTHORS of them), through a view that is also the FTS "content" table
# (snippets, 'rebuild', 'integrity-check' all see the same text). Only scalar JSON
# functions: FTS5 cannot read a content view that uses json_each().
ARTICLES_SOURCE_VIEW = "articles_fts_source"
MAX_AUTHORS = 12


def _authors(ref: str) -> str:
    col = f"{ref}.authors"
    names = f"coalesce(json_extract({col}, '$[0]'), '')" + "".join(
        f" || coalesce('; ' || json_extract({col}, '$[{i}]'), '')" for i in range(1, MAX_AUTHORS))
    return (f"CASE WHEN json_valid({col}) THEN CASE WHEN json_type({col}) = 'array' "
            f"THEN {names} ELSE {col} END ELSE {col} END")


def _value(ref: str, base: str, col: str) -> str:
    if base == "articles" and col == "authors":
        return _authors(ref)
    return f'{ref}."{col}"'


def _statements() -> list[str]:
    out: list[str] = [
        f"CREATE VIEW {ARTICLES_SOURCE_VIEW} AS SELECT id, title, {_authors('articles')} "
        "AS authors, publisher, text FROM articles"
    ]
    for fts, (base, cols) in INDEXES.items():
        col_list = ", ".join(f'"{c}"' for c in cols)
        new_vals = ", ".join(_value("new", base, c) for c in cols)
        old_vals = ", ".join(_value("old", base, c) for c in cols)
        content = ARTICLES_SOURCE_VIEW if base == "articles" else base
        out.append(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({col_list}, content='{content}', "
            f"content_rowid='id', tokenize='{TOKENIZE}', prefix='2 3')")
        out.append(
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {base} BEGIN "
            f"INSERT INTO {fts}(rowid, {col_list}) VALUES (new.id, {new_vals}); END")
        out.append(
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {base} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {col_list}) VALUES ('delete', old.id, {old_vals}); "
            "END")
        out.append(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF id, {col_list} ON {base} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {col_list}) VALUES ('delete', old.id, {old_vals}); "
            f"INSERT INTO {fts}(rowid, {col_list}) VALUES (new.id, {new_vals}); END")
        # Index whatever an older archive already holds.
        out.append(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    return out


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for sql in _statements():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts in INDEXES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
    op.execute(f"DROP VIEW IF EXISTS {ARTICLES_SOURCE_VIEW}")
