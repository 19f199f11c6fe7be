"""Which articles a question is asked of, by where it is asked.

A channel or thread pinned to an article asks that article (a thread follows its parent
channel unless pinned itself); otherwise the server's whole library; a server whose
library is empty, and a direct message, ask the bot-wide library: the default article and
whatever the operator added from the command line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bot.library.schema import BOT_WIDE
from bot.library.store import Library, LibraryError, StoredArticle
from embeddings.article import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """The articles a question is asked of, and their library ids (None for the default
    article, which is not stored)."""

    articles: tuple[Article, ...]
    ids: tuple[int | None, ...]

    def id_of(self, article: Article) -> int | None:
        return dict(zip(self.articles, self.ids, strict=True)).get(article)


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
                return _scope([pinned])
        own = library.articles(guild_id)
        if own:
            return _scope(own)
    stored = library.articles(BOT_WIDE) if library is not None else []
    extra = [s for s in stored if s.article.content_hash != default.content_hash]
    return Scope((default, *(s.article for s in extra)), (None, *(s.id for s in extra)))


def _scope(stored: Sequence[StoredArticle]) -> Scope:
    return Scope(tuple(s.article for s in stored), tuple(s.id for s in stored))


class Scopes:
    """Scopes as `resolve` finds them, kept until a change to the library they come from
    (see `bot.library.changes`): a question reads no database unless its library changed.

    While the database cannot be reached, a scope read before answers on.
    """

    def __init__(self, library: Library | None, default: Article) -> None:
        self.library = library
        self.default = default
        self._lock = threading.Lock()
        self._fresh: dict[tuple[int | None, tuple[int, ...]], Scope] = {}
        self._stale: dict[tuple[int | None, tuple[int, ...]], Scope] = {}
        self._changes = 0  # a scope read across a change is not kept

    def get(self, guild_id: int | None, channels: Sequence[int] = ()) -> Scope:
        key = (guild_id, tuple(channels))
        with self._lock:
            scope = self._fresh.get(key)
            changes = self._changes
        if scope is not None:
            return scope
        try:
            scope = resolve(self.library, self.default, guild_id, channels)
        except LibraryError:
            with self._lock:
                scope = self._stale.get(key)
            if scope is None:
                raise
            return scope
        with self._lock:
            if changes == self._changes:
                self._fresh[key] = scope
                self._stale.pop(key, None)
        return scope

    def changed(self, guild_id: int | None = None) -> None:
        """Forget the scopes of a server whose library changed; None, or the bot-wide
        library (which servers with an empty library ask), forgets them all."""
        with self._lock:
            self._changes += 1
            keys = [
                k
                for k in self._fresh
                if guild_id is None or guild_id == BOT_WIDE or k[0] == guild_id
            ]
            for key in keys:
                self._stale[key] = self._fresh.pop(key)
