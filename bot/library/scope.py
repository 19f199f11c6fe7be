"""Which articles a question is asked of, by where it is asked.

A channel or thread pinned to an article asks that article (a thread follows its parent
channel unless pinned itself); otherwise the server's whole library; a server whose
library is empty, and a direct message, ask the bot-wide library: the default article and
whatever the operator added from the command line.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.library.schema import BOT_WIDE
from bot.library.store import Library, LibraryError, StoredArticle
from embeddings.article import Article

log = logging.getLogger(__name__)

LIBRARIES = 64
"""Libraries whose articles `Scopes` keeps, the most recently asked: every channel of a
server, and every direct message, shares its library's one copy."""

PINS = 4096
"""Channel pins `Scopes` keeps (a number each)."""

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The articles a question is asked of, their library ids (None for the default
    article, which is not stored), and the library they come from."""

    articles: tuple[Article, ...]
    ids: tuple[int | None, ...]
    library: int | None = None

    def id_of(self, article: Article) -> int | None:
        return dict(zip(self.articles, self.ids, strict=True)).get(article)

    def only(self, article_id: int) -> Scope | None:
        """The scope of one of its articles, by library id; None if it holds no such one."""
        for article, stored_id in zip(self.articles, self.ids, strict=True):
            if stored_id == article_id:
                return Scope((article,), (stored_id,), self.library)
        return None


def resolve(
    library: Library | None,
    default: Article,
    guild_id: int | None = None,
    channels: Sequence[int] = (),
) -> Scope:
    """The scope of a question asked in a server (`guild_id`) and in `channels`: the
    channel or thread first, then its parent channel."""
    if library is not None and guild_id is not None and guild_id != BOT_WIDE:
        for channel_id in channels:
            article_id = library.pinned(guild_id, channel_id)
            if article_id is not None and (pinned := library.get(guild_id, article_id)):
                return library_scope([pinned], guild_id)
        own = library.articles(guild_id)
        if own:
            return library_scope(own, guild_id)
    stored = library.articles(BOT_WIDE) if library is not None else []
    return bot_wide_scope(default, stored)


def library_scope(stored: Sequence[StoredArticle], guild_id: int) -> Scope:
    """The scope of a server's stored articles."""
    return Scope(tuple(s.article for s in stored), tuple(s.id for s in stored), guild_id)


def bot_wide_scope(default: Article, stored: Sequence[StoredArticle]) -> Scope:
    """The bot-wide library: the default article, then the others (the default once)."""
    extra = [s for s in stored if s.article.content_hash != default.content_hash]
    return Scope((default, *(s.article for s in extra)), (None, *(s.id for s in extra)), BOT_WIDE)


@dataclass
class _Kept:
    value: object
    fresh: bool = True


class Scopes:
    """Scopes as `resolve` finds them, from libraries and pins kept until their library
    changes (see `bot.library.changes`): a question reads no database unless its library
    changed. Each library is kept once, however many channels ask it, and at most
    `LIBRARIES` of them (`PINS` pins), the least recently asked let go first.

    While the database cannot be reached, what was read before answers on.
    """

    def __init__(self, library: Library | None, default: Article) -> None:
        self.library = library
        self.default = default
        self._lock = threading.Lock()
        self._libraries: OrderedDict[int, _Kept] = OrderedDict()
        self._pins: OrderedDict[tuple[int, int], _Kept] = OrderedDict()
        self._changes = 0  # what was read across a change is not kept

    def get(self, guild_id: int | None, channels: Sequence[int] = ()) -> Scope:
        if self.library is None:
            return bot_wide_scope(self.default, [])
        if guild_id is None or guild_id == BOT_WIDE:
            return self.of_library(BOT_WIDE)
        for channel_id in channels:
            pinned = self._pinned(guild_id, channel_id)
            if pinned is not None and (one := self.of_library(guild_id).only(pinned)):
                return one
        own = self.of_library(guild_id)
        return own if own.articles else self.of_library(BOT_WIDE)

    def of_library(self, guild_id: int) -> Scope:
        """A whole library's scope (the bot-wide one includes the default article)."""
        library = self.library
        if library is None:
            return bot_wide_scope(self.default, [])

        def read() -> Scope:
            stored = library.articles(guild_id)
            if guild_id == BOT_WIDE:
                return bot_wide_scope(self.default, stored)
            return library_scope(stored, guild_id)

        scope = self._kept(self._libraries, guild_id, read, LIBRARIES)
        assert isinstance(scope, Scope)
        return scope

    def _pinned(self, guild_id: int, channel_id: int) -> int | None:
        library = self.library
        assert library is not None
        pinned = self._kept(
            self._pins, (guild_id, channel_id), lambda: library.pinned(guild_id, channel_id), PINS
        )
        assert pinned is None or isinstance(pinned, int)
        return pinned

    def _kept(
        self, kept: OrderedDict[T, _Kept], key: T, read: Callable[[], object], size: int
    ) -> object:
        """`read()`, or what it gave before while its library has not changed; the last
        value read while the database cannot be reached."""
        with self._lock:
            entry = kept.get(key)
            changes = self._changes
            if entry is not None:
                kept.move_to_end(key)
                if entry.fresh:
                    return entry.value
        try:
            value = read()
        except LibraryError:
            if entry is None:
                raise
            return entry.value
        with self._lock:
            if changes == self._changes:
                kept[key] = _Kept(value)
                kept.move_to_end(key)
                while len(kept) > size:
                    kept.popitem(last=False)
        return value

    def changed(self, guild_id: int | None = None) -> None:
        """Read again what a server whose library changed asks; None, or the bot-wide
        library (which servers with an empty library ask), reads everything again."""
        everything = guild_id is None or guild_id == BOT_WIDE
        with self._lock:
            self._changes += 1
            for key, entry in self._libraries.items():
                entry.fresh = entry.fresh and not (everything or key == guild_id)
            for (guild, _), entry in self._pins.items():
                entry.fresh = entry.fresh and not (everything or guild == guild_id)
