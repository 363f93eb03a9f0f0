"""Initial schema: articles, captures, assets, quotes, citations, credits, claims, tags,
collections, the capture queue and saved searches.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canonical_url', sa.String(length=8192), nullable=False),
    sa.Column('url', sa.String(length=8192), nullable=False),
    sa.Column('site', sa.String(length=255), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('publisher', sa.String(length=512), nullable=True),
    sa.Column('published', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reader_html', sa.Text(), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest_capture_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('canonical_url')
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_published'), ['published'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_publisher'), ['publisher'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_site'), ['site'], unique=False)

    op.create_table('collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('color', sa.String(length=16), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('article_tags',
    sa.Column('articles_id', sa.Integer(), nullable=False),
    sa.Column('tags_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['articles_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tags_id'], ['tags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('articles_id', 'tags_id')
    )
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_tags_tags_id'), ['tags_id'], unique=False)

    op.create_table('capture_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=8192), nullable=False),
    sa.Column('canonical_key', sa.String(length=8192), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('recapture', sa.Boolean(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('capture_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capture_jobs_canonical_key'), ['canonical_key'], unique=False)
        batch_op.create_index('ix_capture_jobs_state_id', ['state', 'id'], unique=False)

    op.create_table('captures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('requested_url', sa.String(length=8192), nullable=False),
    sa.Column('requested_key', sa.String(length=8192), nullable=False),
    sa.Column('final_url', sa.String(length=8192), nullable=False),
    sa.Column('redirects', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.Column('encoding', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('local_network_allowed', sa.Boolean(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('extractor_version', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captures_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_captures_requested_key'), ['requested_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_captures_sha256'), ['sha256'], unique=False)

    op.create_table('citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=512), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=8192), nullable=True),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('mentions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citations_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citations_name'), ['name'], unique=False)

    op.create_table('collection_articles',
    sa.Column('collections_id', sa.Integer(), nullable=False),
    sa.Column('articles_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['articles_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['collections_id'], ['collections.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collections_id', 'articles_id')
    )
    with op.batch_alter_table('collection_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_articles_articles_id'), ['articles_id'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('speaker', sa.String(length=512), nullable=True),
    sa.Column('role', sa.String(length=512), nullable=True),
    sa.Column('cue', sa.String(length=64), nullable=True),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('anchor_state', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_speaker'), ['speaker'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=8192), nullable=False),
    sa.Column('media_type', sa.String(length=128), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('alt', sa.Text(), nullable=True),
    sa.Column('caption', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['capture_id'], ['captures.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_capture_id'), ['capture_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_sha256'), ['sha256'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('anchor_state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['capture_id'], ['captures.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_verdict'), ['verdict'], unique=False)

    op.create_table('quote_tags',
    sa.Column('quotes_id', sa.Integer(), nullable=False),
    sa.Column('tags_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['quotes_id'], ['quotes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tags_id'], ['tags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('quotes_id', 'tags_id')
    )
    with op.batch_alter_table('quote_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_tags_tags_id'), ['tags_id'], unique=False)

    op.create_table('claim_tags',
    sa.Column('claims_id', sa.Integer(), nullable=False),
    sa.Column('tags_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claims_id'], ['claims.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tags_id'], ['tags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('claims_id', 'tags_id')
    )
    with op.batch_alter_table('claim_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_tags_tags_id'), ['tags_id'], unique=False)

    op.create_table('collection_claims',
    sa.Column('collections_id', sa.Integer(), nullable=False),
    sa.Column('claims_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claims_id'], ['claims.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['collections_id'], ['collections.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collections_id', 'claims_id')
    )
    with op.batch_alter_table('collection_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_claims_claims_id'), ['claims_id'], unique=False)

    op.create_table('photo_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('credit', sa.Text(), nullable=False),
    sa.Column('photographer', sa.String(length=512), nullable=True),
    sa.Column('provider', sa.String(length=512), nullable=True),
    sa.Column('caption', sa.Text(), nullable=True),
    sa.Column('image_url', sa.String(length=8192), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('photo_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_credits_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_credits_photographer'), ['photographer'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_credits_provider'), ['provider'], unique=False)

    op.create_table('credit_tags',
    sa.Column('photo_credits_id', sa.Integer(), nullable=False),
    sa.Column('tags_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['photo_credits_id'], ['photo_credits.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tags_id'], ['tags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('photo_credits_id', 'tags_id')
    )
    with op.batch_alter_table('credit_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_tags_tags_id'), ['tags_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('credit_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_tags_tags_id'))

    op.drop_table('credit_tags')
    with op.batch_alter_table('photo_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_credits_provider'))
        batch_op.drop_index(batch_op.f('ix_photo_credits_photographer'))
        batch_op.drop_index(batch_op.f('ix_photo_credits_article_id'))

    op.drop_table('photo_credits')
    with op.batch_alter_table('collection_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_claims_claims_id'))

    op.drop_table('collection_claims')
    with op.batch_alter_table('claim_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_tags_tags_id'))

    op.drop_table('claim_tags')
    with op.batch_alter_table('quote_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_tags_tags_id'))

    op.drop_table('quote_tags')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_verdict'))
        batch_op.drop_index(batch_op.f('ix_claims_article_id'))

    op.drop_table('claims')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_sha256'))
        batch_op.drop_index(batch_op.f('ix_assets_capture_id'))

    op.drop_table('assets')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_speaker'))
        batch_op.drop_index(batch_op.f('ix_quotes_article_id'))

    op.drop_table('quotes')
    with op.batch_alter_table('collection_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_articles_articles_id'))

    op.drop_table('collection_articles')
    with op.batch_alter_table('citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citations_name'))
        batch_op.drop_index(batch_op.f('ix_citations_article_id'))

    op.drop_table('citations')
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captures_sha256'))
        batch_op.drop_index(batch_op.f('ix_captures_requested_key'))
        batch_op.drop_index(batch_op.f('ix_captures_article_id'))

    op.drop_table('captures')
    with op.batch_alter_table('capture_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_capture_jobs_state_id')
        batch_op.drop_index(batch_op.f('ix_capture_jobs_canonical_key'))

    op.drop_table('capture_jobs')
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_tags_tags_id'))

    op.drop_table('article_tags')
    op.drop_table('tags')
    op.drop_table('saved_searches')
    op.drop_table('collections')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_site'))
        batch_op.drop_index(batch_op.f('ix_articles_publisher'))
        batch_op.drop_index(batch_op.f('ix_articles_published'))
        batch_op.drop_index(batch_op.f('ix_articles_created_at'))

    op.drop_table('articles')
