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
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, create_engine, delete, event, func, or_, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.library import vectors
from bot.library.schedule import next_check
from bot.library.schema import (
    BOT_WIDE,
    MAX_ID,
    OWNER_LENGTH,
    URL_LENGTH,
    VALIDATOR_LENGTH,
    ArticleRow,
    CheckRow,
    PinRow,
    StateRow,
    VectorsRow,
    VersionRow,
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

MAX_VERSIONS = 50
"""Versions of an article remembered (hash and time), the latest; a new one drops the
oldest."""

LEASE = timedelta(minutes=10)
"""How long a process holds an article it checks: past it, another may check it."""

GONE_AFTER = 3
"""Checks failing in a row (unreachable, unreadable) after which a page counts as gone; a
404 or 410 counts at once."""


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
    source_url: str | None = None
    """The web address it is checked at again; None: not a web article."""
    gone_since: datetime | None = None
    """Since when its page is gone (its last text still answers)."""


@dataclass(frozen=True)
class Source:
    """Where a web article of a library is checked again, and what its last check kept."""

    stored: StoredArticle
    url: str
    etag: str | None
    last_modified: str | None
    failures: int


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
    def session(self) -> Iterator[Session]:
        """A session whose lost or refused connection becomes a `LibraryError`."""
        try:
            with self._sessions() as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            log.warning("library database unreachable (%s)", type(exc).__name__)
            raise LibraryError(UNREACHABLE) from None

    def version(self) -> int:
        """The number every change to any library raises: equal numbers, same libraries."""
        with self.session() as session:
            return int(session.scalar(select(StateRow.version).where(StateRow.id == 1)) or 0)

    def add(
        self,
        article: Article,
        guild_id: int = BOT_WIDE,
        added_by: str = "",
        added_at: datetime | None = None,
        index: ArticleIndex | None = None,
        model_id: str = "",
        source_url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        fetched_at: datetime | None = None,
    ) -> Added:
        """Keep `article` in a server's library (added now, unless `added_at` says when),
        with its `index`'s vectors from `model_id` when given; an article already there
        (same link, or same content) is not added again. A link too long to keep is
        dropped. A web article (`source_url`: where it was fetched, with the validators of
        that fetch, made at `fetched_at`, by default when added) is checked there again on
        schedule (`bot.library.refresh`)."""
        if index is not None and not model_id:
            raise ValueError("vectors are kept with the id of the model that made them")
        if article.url and len(article.url.encode()) > URL_LENGTH:
            article = replace(article, url=None)
        if source_url and len(source_url.encode()) > URL_LENGTH:
            source_url = None  # not checked again: it cannot be kept
        added_at = added_at or datetime.now(UTC)
        with self.session() as session:
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
                added_at=added_at,
                source_url=source_url or None,
            )
            session.add(row)
            try:
                session.flush()
                _add_version(session, row, added_at)
                if row.source_url:
                    session.add(
                        CheckRow(
                            article_id=row.id,
                            etag=_kept(etag),
                            last_modified=_kept(last_modified),
                            checked_at=fetched_at or added_at,
                            next_check_at=next_check(added_at, fetched_at or added_at),
                            failures=0,
                        )
                    )
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
        with self.session() as session:
            rows = [_stored(r) for r in session.scalars(select(ArticleRow).order_by(ArticleRow.id))]
            pins = session.execute(select(PinRow.guild_id, PinRow.channel_id, PinRow.article_id))
            pinned = [tuple(pin) for pin in pins]
        ids, added, now = {}, 0, datetime.now(UTC)
        for stored in rows:
            copied = target.add(
                stored.article,
                stored.guild_id,
                stored.added_by,
                stored.added_at,
                source_url=stored.source_url,
                fetched_at=now,  # on the schedule of its age: an old one is not checked
            )
            ids[stored.id] = copied.stored.id
            added += copied.added
        for guild_id, channel_id, article_id in pinned:
            target.pin(guild_id, channel_id, ids[article_id])
        with self.session() as source, target.session() as copy:
            vectors.copy_rows(source, copy)
        return added, len(pinned)

    def articles(self, guild_id: int = BOT_WIDE) -> list[StoredArticle]:
        """A server's articles, oldest first."""
        with self.session() as session:
            rows = session.scalars(
                select(ArticleRow).where(ArticleRow.guild_id == guild_id).order_by(ArticleRow.id)
            )
            return [_stored(row) for row in rows]

    def titles(self, guild_id: int = BOT_WIDE) -> list[tuple[int, str]]:
        """The ids and titles of a server's articles, oldest first (their text unread)."""
        with self.session() as session:
            rows = session.execute(
                select(ArticleRow.id, ArticleRow.title)
                .where(ArticleRow.guild_id == guild_id)
                .order_by(ArticleRow.id)
            )
            return [(article_id, title) for article_id, title in rows]

    def get(self, guild_id: int, article_id: int) -> StoredArticle | None:
        """One article of a server's library, or None (also for another server's)."""
        with self.session() as session:
            row = _article(session, guild_id, article_id)
            return _stored(row) if row is not None else None

    def remove(self, guild_id: int, article_id: int) -> StoredArticle:
        """Remove an article from a server's library, the pins to it, and the vectors of
        its text when no other article holds it (its words' vectors stay until
        `drop_vectors`)."""
        with self.session() as session:
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
        with self.session() as session:
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
        with self.session() as session:
            return vectors.read_index(session, guild_id, article, model_id, dim)

    def has_vectors(self, article: Article, model_id: str) -> bool:
        """Whether vectors of an article's text from `model_id` are kept (usable or not)."""
        with self.session() as session:
            return session.get(VectorsRow, (*vectors.key(article), model_id)) is not None

    def overviews(
        self, articles: Sequence[Article], model_id: str, dim: int
    ) -> dict[vectors.Key, Part]:
        """What a library's shelf holds of each of `articles` whose vectors are kept and
        usable, by `vectors.key`."""
        with self.session() as session:
            return vectors.read_overviews(session, articles, model_id, dim)

    def known_words(self, guild_id: int, model_id: str, words: Iterable[str]) -> dict[str, Vectors]:
        """The word vectors a server's library keeps, of `words`."""
        with self.session() as session:
            return vectors.known_words(session, guild_id, model_id, words)

    def without_vectors(self, model_id: str, guild_id: int | None = None) -> list[StoredArticle]:
        """The articles (of one server's library, or of all) whose vectors from `model_id`
        are not kept, oldest first."""
        with self.session() as session:
            query = select(ArticleRow).order_by(ArticleRow.id)
            if guild_id is not None:
                query = query.where(ArticleRow.guild_id == guild_id)
            stored = [_stored(r) for r in session.scalars(query)]
            kept = vectors.kept_keys(session, [s.article for s in stored], model_id)
            return [s for s in stored if vectors.key(s.article) not in kept]

    def drop_vectors(self, keep_model: str) -> int:
        """Remove the vectors of every model but `keep_model`, and each server's word
        vectors no article of its library uses any more; how many texts' were removed."""
        with self.session() as session:
            removed = vectors.drop_others(session, keep_model)
            session.commit()
            guilds = session.scalars(select(WordRow.guild_id).distinct()).all()
        for guild_id in guilds:
            if guild_id != BOT_WIDE:  # the operator's: the default article's words too
                with self.session() as session:
                    vectors.forget_unused_words(session, guild_id)
                    session.commit()
        return removed

    def pin(self, guild_id: int, channel_id: int, article_id: int | None) -> None:
        """Pin a channel (or thread) to one article of its server's library; None unpins."""
        with self.session() as session:
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
        with self.session() as session:
            return session.scalar(
                select(PinRow.article_id).where(
                    PinRow.guild_id == guild_id, PinRow.channel_id == channel_id
                )
            )

    # ---- web articles checked again (see bot.library.refresh) -------------------------------

    def due(self, now: datetime, limit: int, guild_id: int | None = None) -> list[tuple[int, int]]:
        """The web articles (server, id) whose check is due at `now` and that no process is
        checking, the longest due first; of one server's library, or of all."""
        query = (
            select(ArticleRow.guild_id, CheckRow.article_id)
            .join(ArticleRow, ArticleRow.id == CheckRow.article_id)
            .where(CheckRow.next_check_at <= now, _lease_free(now))
            .order_by(CheckRow.next_check_at, CheckRow.article_id)
            .limit(limit)
        )
        if guild_id is not None:
            query = query.where(ArticleRow.guild_id == guild_id)
        with self.session() as session:
            return [(guild, article_id) for guild, article_id in session.execute(query)]

    def web_articles(self, guild_id: int | None = None) -> list[tuple[int, int]]:
        """Every web article (server, id), of one server's library or of all."""
        query = select(ArticleRow.guild_id, ArticleRow.id).where(ArticleRow.source_url.is_not(None))
        if guild_id is not None:
            query = query.where(ArticleRow.guild_id == guild_id)
        with self.session() as session:
            return [(guild, article_id) for guild, article_id in session.execute(query)]

    def lease(self, guild_id: int, article_id: int, owner: str, now: datetime) -> Source | None:
        """Take an article of a server's library to check it, for `LEASE`, unless another
        process holds it: its `Source`, or None when it is held (a conditional update, so
        two processes never both take it). `LibraryError` for no such article, or one that
        is not a web article (`Source` needs an address)."""
        with self.session() as session:
            row = _article(session, guild_id, article_id)
            if row is None:
                raise LibraryError(f"no article {article_id} in this library")
            if not row.source_url:
                raise NotWeb(f"article {article_id} is not a web article")
            session.execute(
                vectors.insert_new(session, CheckRow).values(article_id=article_id, failures=0)
            )
            taken = session.execute(
                update(CheckRow)
                .where(CheckRow.article_id == article_id, _lease_free(now))
                .values(lease_until=now + LEASE, lease_owner=owner[:OWNER_LENGTH])
            )
            session.commit()
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            check = session.get(CheckRow, article_id, populate_existing=True)
            assert check is not None
            return Source(
                _stored(row), row.source_url, check.etag, check.last_modified, check.failures
            )

    def record_check(
        self,
        article_id: int,
        owner: str,
        now: datetime,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        failed: bool = False,
        gone: bool = False,
        refused: bool = False,
        unsure: bool = False,
    ) -> datetime | None:
        """Keep what a check that changed no text learned, and let go of the article: the
        page unchanged (its validators kept), or failing (`failed`; `GONE_AFTER` failures
        in a row count as gone), or gone (`gone`: a 404 or 410), or answering with what
        is not taken (`refused`: too large, say: it is there), or `unsure` (the check
        itself failed: nothing learned of the page). Nothing when `owner` no longer holds
        it. Since when the page is gone, or None."""
        with self.session() as session:
            row = session.get(ArticleRow, article_id)
            check = session.get(CheckRow, article_id)
            if row is None or check is None or check.lease_owner != owner[:OWNER_LENGTH]:
                return None
            failures = check.failures + 1 if failed or gone else check.failures if unsure else 0
            values: dict[str, object] = {
                "lease_until": None,
                "lease_owner": None,
                "checked_at": now,
                "next_check_at": next_check(_aware(row.added_at), now),
                "failures": failures,
            }
            if not (failed or gone or refused or unsure):
                values.update(etag=_kept(etag), last_modified=_kept(last_modified))
            held = session.execute(
                update(CheckRow)
                .where(CheckRow.article_id == article_id, CheckRow.lease_owner == check.lease_owner)
                .values(values)
            )
            if held.rowcount != 1:  # type: ignore[attr-defined]  # its lease ran out meanwhile
                session.rollback()
                return None
            if gone or (failed and failures >= GONE_AFTER):
                row.gone_since = row.gone_since or now
            elif not (failed or unsure):
                row.gone_since = None
            session.commit()
            return _aware(row.gone_since) if row.gone_since else None

    def replace_text(
        self,
        guild_id: int,
        article_id: int,
        owner: str,
        article: Article,
        now: datetime,
        *,
        index: ArticleIndex,
        model_id: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> tuple[StoredArticle, StoredArticle]:
        """Swap a web article's new text in, as one change: its row (title, paragraphs,
        hash, language, date), its vectors (the old text's removed when no article holds
        it), a version, its check (and the lease `owner` holds on it, let go), and the
        library version raised, so every process reads the library again. The article
        before and after. `LibraryError` when `owner` no longer holds it, or the new text
        is another article's of the same library: nothing changes then."""
        if not model_id:
            raise ValueError("vectors are kept with the id of the model that made them")
        with self.session() as session:
            _serialise(session)  # no add or removal of the same text between
            row = _article(session, guild_id, article_id)
            if row is None:
                raise LibraryError(f"no article {article_id} in this library")
            before = _stored(row)
            released = session.execute(
                update(CheckRow)
                .where(
                    CheckRow.article_id == article_id,
                    CheckRow.lease_owner == owner[:OWNER_LENGTH],
                )
                .values(
                    lease_until=None,
                    lease_owner=None,
                    checked_at=now,
                    next_check_at=next_check(_aware(row.added_at), now),
                    failures=0,
                    etag=_kept(etag),
                    last_modified=_kept(last_modified),
                )
            )
            if released.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise LibraryError("another process is checking this article")
            row.title = article.title
            row.paragraphs = list(article.paragraphs)
            row.content_hash = article.content_hash
            row.language = article.language
            row.published = article.published or row.published
            row.updated_at = now
            row.gone_since = None
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                raise LibraryError(
                    "the page now holds the text of another article of this library"
                ) from None
            after = _stored(row)
            _add_version(session, row, now)
            vectors.insert(session, after.article, guild_id, model_id, index)
            vectors.forget_unused(session, before.article.content_hash)
            self._commit_change(session, guild_id)
        return before, after

    def versions(self, guild_id: int, article_id: int) -> list[tuple[str, datetime]]:
        """The versions of an article (its text's hash, when it was read), oldest first."""
        with self.session() as session:
            if _article(session, guild_id, article_id) is None:
                return []
            rows = session.execute(
                select(VersionRow.content_hash, VersionRow.fetched_at)
                .where(VersionRow.article_id == article_id)
                .order_by(VersionRow.id)
            )
            return [(content_hash, _aware(at)) for content_hash, at in rows]


class NotWeb(LibraryError):
    """The article was not fetched from the web (a file): it has no page to check."""


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
        updated=_aware(row.updated_at).date() if row.updated_at else None,
    )
    article = with_language(article)  # a row kept before languages were
    gone = _aware(row.gone_since) if row.gone_since else None
    return StoredArticle(
        row.id, row.guild_id, article, row.added_by, _aware(row.added_at), row.source_url, gone
    )


def _aware(at: datetime) -> datetime:
    """A time as kept, in UTC (SQLite keeps no time zone)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _kept(validator: str | None) -> str | None:
    return validator if validator and len(validator) <= VALIDATOR_LENGTH else None


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(CheckRow.lease_until.is_(None), CheckRow.lease_until < now)


def _add_version(session: Session, row: ArticleRow, at: datetime) -> None:
    """Remember the version of an article's text it now holds, and forget those beyond
    `MAX_VERSIONS`."""
    session.add(
        VersionRow(
            article_id=row.id,
            content_hash=row.content_hash,
            paragraphs=len(row.paragraphs),
            fetched_at=at,
        )
    )
    session.flush()
    kept = (
        select(VersionRow.id)
        .where(VersionRow.article_id == row.id)
        .order_by(VersionRow.id.desc())
        .limit(MAX_VERSIONS)
    )
    session.execute(
        delete(VersionRow).where(
            VersionRow.article_id == row.id, VersionRow.id.not_in(kept.scalar_subquery())
        )
    )
