"""Answering in a scope: one retriever per article, its index loaded (or built) once."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.library.scope import Scope
from bot.library.store import Library, LibraryError
from bot.settings import Settings
from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.index_cache import load_index
from embeddings.retriever import Retriever

log = logging.getLogger(__name__)

MAX_WAIT = 30.0
"""The longest pause, in seconds, between two tries to reach the database at start."""


def open_library(settings: Settings, create: bool = False, wait: bool = False) -> Library | None:
    """The library the settings name; None when it is the default SQLite file and that
    does not exist yet, unless `create` (so a bot whose library was never used touches
    no database). With `wait`, a database that cannot be reached is tried again, with
    backoff, until it can."""
    from bot.settings import default_database

    if settings.database_is_default and not create and not default_database().exists():
        return None
    delay = 1.0
    while True:
        try:
            return Library.open(settings.database, settings.library_max_articles)
        except LibraryError as exc:
            if not wait:
                raise
            log.warning("%s; trying again in %.0f s", exc, delay)
        time.sleep(delay)
        delay = min(delay * 2, MAX_WAIT)


class Answerer:
    """Answers a question in a scope, keeping each article's retriever once loaded."""

    def __init__(self, default: Retriever, cache_dir: Path | None) -> None:
        self.default = default
        self._cache_dir = cache_dir
        self._retrievers = {default.index.article: default}

    def retriever(self, article: Article) -> Retriever:
        """The retriever of an article, its index from the cache or built now (slow the
        first time: call off the event loop)."""
        retriever = self._retrievers.get(article)
        if retriever is None:
            embedder = self.default.embedder
            index = load_index(article, embedder, self._cache_dir).index
            retriever = Retriever(
                index, embedder, self.default.min_relevance, self.default.word_vectors
            )
            self._retrievers[article] = retriever
        return retriever

    def answer(self, question: str, scope: Scope, top_k: int) -> Answer:
        """Ask `question` of every article of `scope`."""
        return Collection([self.retriever(a) for a in scope.articles]).answer(question, top_k)

    def drop(self, article: Article) -> None:
        """Let go of a removed article's retriever (it is loaded again from the cache if
        another library still holds the article)."""
        if article != self.default.index.article:
            self._retrievers.pop(article, None)
