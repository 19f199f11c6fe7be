"""Web articles checked again at their source: where each was fetched from, when its text
last changed or its page went, each check's validators and lease, and each version.

An article kept before is not checked: whether it came from a web address or from a
file naming a link cannot be told, and a link a file names is not an address anyone
asked to fetch. Each gets its first version.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("gone_since", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "article_checks",
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("last_modified", sa.String(512), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
    )
    op.create_index("ix_article_checks_next_check_at", "article_checks", ["next_check_at"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("paragraphs", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer()),
        sa.column("content_hash", sa.String()),
        sa.column("paragraphs", sa.JSON()),
        sa.column("added_at", sa.DateTime(timezone=True)),
    )
    versions = sa.table(
        "article_versions",
        sa.column("article_id", sa.Integer()),
        sa.column("content_hash", sa.String()),
        sa.column("paragraphs", sa.Integer()),
        sa.column("fetched_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        versions.insert().from_select(
            ["article_id", "content_hash", "paragraphs", "fetched_at"],
            sa.select(
                articles.c.id,
                articles.c.content_hash,
                sa.func.json_array_length(articles.c.paragraphs),
                articles.c.added_at,
            ),
        )
    )


def downgrade() -> None:
    op.drop_index("ix_article_versions_article_id", "article_versions")
    op.drop_table("article_versions")
    op.drop_index("ix_article_checks_next_check_at", "article_checks")
    op.drop_table("article_checks")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("gone_since")
        batch.drop_column("updated_at")
        batch.drop_column("source_url")
