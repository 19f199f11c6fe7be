"""The vectors of each article's text, per model, and each server's word vectors.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_vectors",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("model_id", sa.String(200), primary_key=True),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("paragraphs", sa.LargeBinary(), nullable=False),
        sa.Column("sentences", sa.LargeBinary(), nullable=False),
        sa.Column("spans", sa.LargeBinary(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("stems", sa.LargeBinary(), nullable=False),
        sa.Column("lexicon", sa.String(400), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "word_vectors",
        sa.Column("guild_id", sa.BigInteger(), primary_key=True),
        sa.Column("model_id", sa.String(200), primary_key=True),
        sa.Column("word", sa.String(64), primary_key=True),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("word_vectors")
    op.drop_table("article_vectors")
