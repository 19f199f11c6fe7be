"""The articles of each server's library.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("paragraphs", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("guild_id", "content_hash", name="uq_articles_guild_content"),
        sa.UniqueConstraint("guild_id", "url", name="uq_articles_guild_url"),
    )
    op.create_index("ix_articles_guild_id", "articles", ["guild_id"])


def downgrade() -> None:
    op.drop_index("ix_articles_guild_id", "articles")
    op.drop_table("articles")
