"""What a server learns from its questions: each answer posted, the votes on it, and
each server's settings (whether question text is kept).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("article_ids", sa.JSON(), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
    )
    op.create_index("ix_answers_guild_asked", "answers", ["guild_id", "asked_at"])
    op.create_index("ix_answers_asked_at", "answers", ["asked_at"])
    op.create_table(
        "votes",
        sa.Column(
            "answer_id",
            sa.BigInteger(),
            sa.ForeignKey("answers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("keep_questions", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("guild_settings")
    op.drop_table("votes")
    op.drop_index("ix_answers_asked_at", "answers")
    op.drop_index("ix_answers_guild_asked", "answers")
    op.drop_table("answers")
