"""The language of each article.

Rows kept before it hold "" and have their language detected when read.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "articles", sa.Column("language", sa.String(16), nullable=False, server_default="")
    )


def downgrade() -> None:
    with op.batch_alter_table("articles") as articles:  # SQLite drops a column by copying
        articles.drop_column("language")
