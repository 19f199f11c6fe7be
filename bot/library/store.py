"""The library store: articles per server and channel pins, in SQLite or PostgreSQL.

Every method is a short transaction; call them off the Discord event loop. Nothing of one
server is ever read for another: each query names its server. Each article is kept with
its language; one kept before languages were has it detected whenever it is read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, create_engine, delete, event, func, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.library import vectors
from bot.library.schema import (
    BOT_WIDE,
    MAX_ID,
    URL_LENGTH,
    ArticleRow,
    PinRow,
    StateRow,
    VectorsRow,
    WordRow,
)
from embeddings.article import Article
from embeddings.errors import ArticleBotError
from embeddings.index import ArticleIndex
from embeddings.language import UNDETERMINED
from embeddings.shelf import Part
from embeddings.sources.language import with_language
from embeddings.types import Vectors

log = logging.getLogger(__name__)

CHANNEL = "article_bot_library"
"""The PostgreSQL notification channel of library changes; each payload is "GUILD VERSION"."""

UNREACHABLE = "the library's database cannot be reached right now: try again in a moment"

_MIGRATION_LOCK = 0x61727469636C65  # a PostgreSQL advisory lock key: one upgrade at a time


class LibraryError(ArticleBotError):
    """The library cannot do what was asked (full, unknown article, database away)."""


@dataclass(frozen=True)
class StoredArticle:
    """An article of a library, with where it is kept and who brought it."""

    id: int
    guild_id: int
    article: Article
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class Added:
    """The result of an add: the article kept, and whether it is new."""

    stored: StoredArticle
    added: bool


def sqlite_url(path: Path) -> str:
    """The `DATABASE_URL` of an SQLite file."""
    return f"sqlite:///{path}"


def redacted(url: str) -> str:
    """A database URL fit for a log or an error: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say nothing of it
        return "<invalid DATABASE_URL>"


def database_url(url: str) -> URL:
    """A `DATABASE_URL` as SQLAlchemy takes it: the `postgresql://` (or `postgres://`) form
    people paste is served by psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Library:
    """The articles of every server's library, and the channel pins."""

    def __init__(self, engine: Engine, max_articles: int = 500) -> None:
        self.engine = engine
        self.max_articles = max_articles
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.listeners: list[Callable[[int], None]] = []
        """Told the server of each change made through this object, once committed (other
        processes' changes: `bot.library.changes`)."""

    @classmethod
    def open(cls, url: str, max_articles: int = 500) -> Library:
        """Connect to the database at `url` and bring its schema up to date (an SQLite file
        and its directory are created on first use, in WAL mode)."""
        try:
            engine = _engine(url)
            upgrade(engine)
        except (SQLAlchemyError, ImportError) as exc:
            raise LibraryError(
                f"DATABASE_URL: cannot open {redacted(url)} ({type(exc).__name__})"
            ) from None
        return cls(engine, max_articles)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session whose lost or refused connection becomes a `LibraryError`."""
        try:
            with self._sessions() as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            log.warning("library database unreachable (%s)", type(exc).__name__)
            raise LibraryError(UNREACHABLE) from None

    def version(self) -> int:
        """The number every change to any library raises: equal numbers, same libraries."""
        with self._session() as session:
            return int(session.scalar(select(StateRow.version).where(StateRow.id == 1)) or 0)

    def add(
        self,
        article: Article,
        guild_id: int = BOT_WIDE,
        added_by: str = "",
        added_at: datetime | None = None,
        index: ArticleIndex | None = None,
        model_id: str = "",
    ) -> Added:
        """Keep `article` in a server's library (added now, unless `added_at` says when),
        with its `index`'s vectors from `model_id` when given; an article already there
        (same link, or same content) is not added again. A link too long to keep is
        dropped."""
        if index is not None and not model_id:
            raise ValueError("vectors are kept with the id of the model that made them")
        if article.url and len(article.url.encode()) > URL_LENGTH:
            article = replace(article, url=None)
        with self._session() as session:
            _serialise(session)  # the count below stays true until this commits
            existing = _same(session, guild_id, article)
            if existing is not None:
                if index is not None and existing.content_hash == article.content_hash:
                    vectors.insert(session, _stored(existing).article, guild_id, model_id, index)
                    session.commit()
                return Added(_stored(existing), added=False)
            count = session.scalar(
                select(func.count()).select_from(ArticleRow).where(ArticleRow.guild_id == guild_id)
            )
            if (count or 0) >= self.max_articles:
                raise LibraryError(
                    f"the library is full ({self.max_articles} articles): remove one first"
                )
            row = ArticleRow(
                guild_id=guild_id,
                title=article.title,
                url=article.url,
                published=article.published,
                paragraphs=list(article.paragraphs),
                content_hash=article.content_hash,
                language=article.language,
                added_by=added_by[:200],
                added_at=added_at or datetime.now(UTC),
            )
            session.add(row)
            try:
                session.flush()
                if index is not None:
                    vectors.insert(session, _stored(row).article, guild_id, model_id, index)
                self._commit_change(session, guild_id)
            except IntegrityError:  # another process added the same article meanwhile
                session.rollback()
                existing = _same(session, guild_id, article)
                if existing is None:
                    raise
                return Added(_stored(existing), added=False)
            return Added(_stored(row), added=True)

    def copy_to(self, target: Library) -> tuple[int, int]:
        """Copy every library and channel pin into `target`, keeping who added each article
        and when, and the vectors kept of them; articles `target` holds already are kept
        once. The articles added and the pins copied."""
        with self._session() as session:
            rows = [_stored(r) for r in session.scalars(select(ArticleRow).order_by(ArticleRow.id))]
            pins = session.execute(select(PinRow.guild_id, PinRow.channel_id, PinRow.article_id))
            pinned = [tuple(pin) for pin in pins]
        ids, added = {}, 0
        for stored in rows:
            copied = target.add(stored.article, stored.guild_id, stored.added_by, stored.added_at)
            ids[stored.id] = copied.stored.id
            added += copied.added
        for guild_id, channel_id, article_id in pinned:
            target.pin(guild_id, channel_id, ids[article_id])
        with self._session() as source, target._session() as copy:
            vectors.copy_rows(source, copy)
        return added, len(pinned)

    def articles(self, guild_id: int = BOT_WIDE) -> list[StoredArticle]:
        """A server's articles, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(ArticleRow).where(ArticleRow.guild_id == guild_id).order_by(ArticleRow.id)
            )
            return [_stored(row) for row in rows]

    def titles(self, guild_id: int = BOT_WIDE) -> list[tuple[int, str]]:
        """The ids and titles of a server's articles, oldest first (their text unread)."""
        with self._session() as session:
            rows = session.execute(
                select(ArticleRow.id, ArticleRow.title)
                .where(ArticleRow.guild_id == guild_id)
                .order_by(ArticleRow.id)
            )
            return [(article_id, title) for article_id, title in rows]

    def get(self, guild_id: int, article_id: int) -> StoredArticle | None:
        """One article of a server's library, or None (also for another server's)."""
        with self._session() as session:
            row = _article(session, guild_id, article_id)
            return _stored(row) if row is not None else None

    def remove(self, guild_id: int, article_id: int) -> StoredArticle:
        """Remove an article from a server's library, the pins to it, and the vectors of
        its text when no other article holds it (its words' vectors stay until
        `drop_vectors`)."""
        with self._session() as session:
            _serialise(session)  # no add of the same text sees vectors this removes
            row = _article(session, guild_id, article_id)
            if row is None:
                raise LibraryError(f"no article {article_id} in this library")
            stored = _stored(row)
            session.execute(delete(PinRow).where(PinRow.article_id == article_id))
            session.delete(row)
            session.flush()
            vectors.forget_unused(session, stored.article.content_hash)
            self._commit_change(session, guild_id)
        return stored

    def keep_vectors(
        self,
        article: Article,
        guild_id: int,
        model_id: str,
        index: ArticleIndex,
        replace: bool = False,
    ) -> None:
        """Keep the vectors of an article of a server's library, or of the default article
        (`BOT_WIDE`), see `bot.library.vectors`; nothing when they are kept already,
        unless `replace`."""
        with self._session() as session:
            vectors.insert(session, article, guild_id, model_id, index, replace)
            try:
                session.commit()
            except IntegrityError:  # another process kept them meanwhile
                session.rollback()

    def read_index(
        self, guild_id: int, article: Article, model_id: str, dim: int
    ) -> ArticleIndex | None:
        """An article's index from its kept vectors (`dim` values each), or None when
        there are none for `model_id`, or they are unusable."""
        with self._session() as session:
            return vectors.read_index(session, guild_id, article, model_id, dim)

    def has_vectors(self, article: Article, model_id: str) -> bool:
        """Whether vectors of an article's text from `model_id` are kept (usable or not)."""
        with self._session() as session:
            return session.get(VectorsRow, (*vectors.key(article), model_id)) is not None

    def overviews(
        self, articles: Sequence[Article], model_id: str, dim: int
    ) -> dict[vectors.Key, Part]:
        """What a library's shelf holds of each of `articles` whose vectors are kept and
        usable, by `vectors.key`."""
        with self._session() as session:
            return vectors.read_overviews(session, articles, model_id, dim)

    def known_words(self, guild_id: int, model_id: str, words: Iterable[str]) -> dict[str, Vectors]:
        """The word vectors a server's library keeps, of `words`."""
        with self._session() as session:
            return vectors.known_words(session, guild_id, model_id, words)

    def without_vectors(self, model_id: str, guild_id: int | None = None) -> list[StoredArticle]:
        """The articles (of one server's library, or of all) whose vectors from `model_id`
        are not kept, oldest first."""
        with self._session() as session:
            query = select(ArticleRow).order_by(ArticleRow.id)
            if guild_id is not None:
                query = query.where(ArticleRow.guild_id == guild_id)
            stored = [_stored(r) for r in session.scalars(query)]
            kept = vectors.kept_keys(session, [s.article for s in stored], model_id)
            return [s for s in stored if vectors.key(s.article) not in kept]

    def drop_vectors(self, keep_model: str) -> int:
        """Remove the vectors of every model but `keep_model`, and each server's word
        vectors no article of its library uses any more; how many texts' were removed."""
        with self._session() as session:
            removed = vectors.drop_others(session, keep_model)
            session.commit()
            guilds = session.scalars(select(WordRow.guild_id).distinct()).all()
        for guild_id in guilds:
            if guild_id != BOT_WIDE:  # the operator's: the default article's words too
                with self._session() as session:
                    vectors.forget_unused_words(session, guild_id)
                    session.commit()
        return removed

    def pin(self, guild_id: int, channel_id: int, article_id: int | None) -> None:
        """Pin a channel (or thread) to one article of its server's library; None unpins."""
        with self._session() as session:
            session.execute(
                delete(PinRow).where(PinRow.guild_id == guild_id, PinRow.channel_id == channel_id)
            )
            if article_id is not None:
                if _article(session, guild_id, article_id) is None:
                    raise LibraryError(f"no article {article_id} in this library")
                session.add(PinRow(guild_id=guild_id, channel_id=channel_id, article_id=article_id))
            self._commit_change(session, guild_id)

    def _commit_change(self, session: Session, guild_id: int) -> None:
        """Commit a change to a server's library, raising the version in its transaction
        (on PostgreSQL, telling the other processes when it commits), then tell
        `listeners`."""
        version = session.execute(
            update(StateRow)
            .where(StateRow.id == 1)
            .values(version=StateRow.version + 1)
            .returning(StateRow.version)
        ).scalar_one()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_notify(CHANNEL, f"{guild_id} {version}")))
        session.commit()
        for listener in self.listeners:
            listener(guild_id)

    def pinned(self, guild_id: int, channel_id: int) -> int | None:
        """The article a channel is pinned to, or None."""
        with self._session() as session:
            return session.scalar(
                select(PinRow.article_id).where(
                    PinRow.guild_id == guild_id, PinRow.channel_id == channel_id
                )
            )


_upgrading = threading.Lock()  # Alembic's context is module state: one upgrade at a time


def upgrade(engine: Engine) -> None:
    """Apply every Alembic revision the database lacks. A database a newer article-bot has
    migrated is used as it is: its revisions only add, so this code still works on it."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("bot.library") / "migrations"))
    with _upgrading, _across_processes(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # processes starting together
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        current = MigrationContext.configure(connection).get_current_heads()
        if newer := [revision for revision in current if revision not in known]:
            log.warning(
                "the database is newer than this version of article-bot (revision %s); "
                "using it as it is",
                ", ".join(newer),
            )
            return
        command.upgrade(config, "head")


def _across_processes(engine: Engine) -> AbstractContextManager[object]:
    """For an SQLite file, a lock beside it held by one upgrading process at a time
    (PostgreSQL's upgrade takes an advisory lock instead)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return nullcontext()
    return FileLock(f"{database}.upgrade.lock")


def _engine(url: str) -> Engine:
    parsed = database_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    engine = create_engine(parsed, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: object, _record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _serialise(session: Session) -> None:
    """Begin the session's transaction with a write, so that transactions beginning so run
    one at a time: on PostgreSQL it locks the state row until commit (and, in READ
    COMMITTED, each later statement sees what the others committed); on SQLite it takes
    the write lock, waiting for it, and reads from then on."""
    session.execute(update(StateRow).where(StateRow.id == 1).values(version=StateRow.version))


def _article(session: Session, guild_id: int, article_id: int) -> ArticleRow | None:
    """An article of a server's library by id, or None (an id beyond the column's range
    too: no article has it)."""
    if not 0 < article_id <= MAX_ID:
        return None
    row = session.get(ArticleRow, article_id)
    return row if row is not None and row.guild_id == guild_id else None


def _same(session: Session, guild_id: int, article: Article) -> ArticleRow | None:
    """The row of a server's library holding `article` already: same link or content."""
    same = ArticleRow.content_hash == article.content_hash
    if article.url:
        same = same | (ArticleRow.url == article.url)
    return session.scalars(
        select(ArticleRow).where(ArticleRow.guild_id == guild_id, same).limit(1)
    ).first()


def _stored(row: ArticleRow) -> StoredArticle:
    article = Article(
        title=row.title,
        paragraphs=tuple(row.paragraphs),
        url=row.url,
        published=row.published,
        language=row.language or UNDETERMINED,
    )
    article = with_language(article)  # a row kept before languages were
    added_at = row.added_at if row.added_at.tzinfo else row.added_at.replace(tzinfo=UTC)
    return StoredArticle(row.id, row.guild_id, article, row.added_by, added_at)
