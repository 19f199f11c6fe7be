"""The library's tables (SQLAlchemy 2). A change here needs a new Alembic revision in
`migrations/versions`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BOT_WIDE = 0
"""The `guild_id` of the bot-wide library: articles added from the command line."""

URL_LENGTH = 2048
"""The longest link kept, in bytes of UTF-8 (PostgreSQL's index of links takes no more
than about 2700 bytes a row)."""

LANGUAGE_LENGTH = 16
"""The longest language code kept (a two-letter code, "und", room for a tag)."""

MODEL_LENGTH = 200
"""The longest model id kept with vectors."""

WORD_LENGTH = 64
"""The longest word kept with its vector (`embeddings.vocabulary.MAX_WORD`)."""

LEXICON_LENGTH = 400
"""The longest `embeddings.index_cache.lexicon` kept."""

MAX_ID = 2**31 - 1
"""The largest article id the `Integer` column holds (on PostgreSQL)."""


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    """One article of one server's library (or of the bot-wide one)."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("guild_id", "content_hash", name="uq_articles_guild_content"),
        UniqueConstraint("guild_id", "url", name="uq_articles_guild_url"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    published: Mapped[date | None] = mapped_column(Date)
    paragraphs: Mapped[list[str]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH), default="", server_default="")
    """ISO 639-1 code of the text; "" in a row kept before languages were (detected when
    read)."""
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    """The web address it was fetched from, and is checked at again (`CheckRow`); None:
    not a web article (a file)."""
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When its text last changed at its source (None: as first read)."""
    gone_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Since when its page is gone (its last text is kept and quoted)."""


class PinRow(Base):
    """A channel or thread pinned to one article of its server's library."""

    __tablename__ = "pins"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class StateRow(Base):
    """The single row whose `version` every change to any library raises."""

    __tablename__ = "library_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class VectorsRow(Base):
    """The vectors of an article's text from one model: what is costly to derive from it,
    kept once (for every library holding the same text, and for the operator's default
    article) so that no process embeds it again. Removed with the last article holding
    the text."""

    __tablename__ = "article_vectors"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(MODEL_LENGTH), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    paragraphs: Mapped[bytes] = mapped_column(LargeBinary)
    """`embeddings.packing` of one vector a paragraph."""
    sentences: Mapped[bytes] = mapped_column(LargeBinary)
    spans: Mapped[bytes] = mapped_column(LargeBinary)
    """Each sentence's (paragraph, start, end), int32 little-endian."""
    words: Mapped[list[str]] = mapped_column(JSON)
    """The article's vocabulary: its words' vectors are a server's `WordRow`s."""
    stems: Mapped[bytes] = mapped_column(LargeBinary)
    """`embeddings.shelf.stem_hashes` of its words, int64 little-endian, as `lexicon`
    stems them (another lexicon's are made again from `words`)."""
    lexicon: Mapped[str] = mapped_column(String(LEXICON_LENGTH))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WordRow(Base):
    """A word's vector from one model, kept once for every article of a server's library
    that uses it."""

    __tablename__ = "word_vectors"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    model_id: Mapped[str] = mapped_column(String(MODEL_LENGTH), primary_key=True)
    word: Mapped[str] = mapped_column(String(WORD_LENGTH), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


DM_GUILD = 0
"""The `guild_id` under which answers given in direct messages are counted (never with
their question text)."""


class AnswerRow(Base):
    """One answer the bot posted (or a question it declined). `question` is kept only
    where the server's manager turned it on, never for direct messages; rows older than
    `bot.library.feedback.KEEP_DAYS` are purged."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_guild_asked", "guild_id", "asked_at"),
        Index("ix_answers_asked_at", "asked_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """Chosen at random when answering, and carried in the answer's vote buttons."""
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    declined: Mapped[bool] = mapped_column(Boolean)
    article_ids: Mapped[list[int]] = mapped_column(JSON)
    """The articles the answer quoted, best first."""
    question: Mapped[str | None] = mapped_column(Text)


class VoteRow(Base):
    """One user's 👍 or 👎 on one answer (the latest click counts)."""

    __tablename__ = "votes"

    answer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    up: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GuildSettingsRow(Base):
    """A server's settings; a server without a row has the defaults."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    keep_questions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


VALIDATOR_LENGTH = 512
"""The longest `ETag` or `Last-Modified` kept (`embeddings.sources.fetch`)."""

OWNER_LENGTH = 64
"""The longest name of a process holding a lease."""


class CheckRow(Base):
    """When a web article is checked again at its source, what the last check learned,
    and which process holds it while checking (a lease, so that no two check it at once).
    Written at every check: kept apart from the article's text."""

    __tablename__ = "article_checks"

    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    etag: Mapped[str | None] = mapped_column(String(VALIDATOR_LENGTH))
    last_modified: Mapped[str | None] = mapped_column(String(VALIDATOR_LENGTH))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    """None: never again on schedule (`bot.library.refresh.next_check`)."""
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Checks failed in a row (the page unreachable, unreadable)."""
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(OWNER_LENGTH))


class VersionRow(Base):
    """One version of an article's text: its hash and when it was read. The text itself
    is kept only for the current version (`ArticleRow`); at most
    `bot.library.store.MAX_VERSIONS` rows an article."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    paragraphs: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
