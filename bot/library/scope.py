"""Which articles a question is asked of, by where it is asked.

A channel or thread pinned to an article asks that article (a thread follows its parent
channel unless pinned itself); otherwise the server's whole library; a server whose
library is empty, and a direct message, ask the bot-wide library: the default article and
whatever the operator added from the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.library.schema import BOT_WIDE
from bot.library.store import Library, StoredArticle
from embeddings.article import Article


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
