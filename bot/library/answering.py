"""Answering in a scope: one retriever per article, its index loaded (or built) once."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from pathlib import Path

from bot.library.scope import Scope
from bot.library.store import Library, LibraryError
from bot.settings import Settings
from embeddings import scoring
from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.index_cache import load_index, load_shelf
from embeddings.question import QuestionError, clean_question
from embeddings.retriever import Retriever
from embeddings.shelf import Shelf

log = logging.getLogger(__name__)

RETRIEVERS = 128
"""Articles whose retrievers are kept loaded, the most recently asked. Each takes about
2 MB once asked; one not kept is loaded again from the cache (some 15 ms)."""

SHELVES = 4
"""Large scopes whose shelves are kept (one of a thousand 40-paragraph articles takes
about 70 MB)."""

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
    """Answers a question in a scope, keeping the retrievers of the articles it asks.

    A scope of more than `scoring.SHORTLIST` articles is asked through its `Shelf`: only
    the most promising articles are ranked in full, and only their indexes are loaded.
    """

    def __init__(self, default: Retriever, cache_dir: Path | None) -> None:
        self.default = default
        self._cache_dir = cache_dir
        self._retrievers: OrderedDict[Article, Retriever] = OrderedDict()
        self._shelves: OrderedDict[int, tuple[tuple[Article, ...], Shelf]] = OrderedDict()

    def retriever(self, article: Article) -> Retriever:
        """The retriever of an article, its index from the cache or built now (slow the
        first time: call off the event loop). The `RETRIEVERS` used last are kept."""
        if article == self.default.index.article:
            return self.default
        retriever = self._retrievers.get(article)
        if retriever is None:
            embedder = self.default.embedder
            index = load_index(article, embedder, self._cache_dir).index
            retriever = Retriever(
                index, embedder, self.default.min_relevance, self.default.word_vectors
            )
            self._retrievers[article] = retriever
            if len(self._retrievers) > RETRIEVERS:
                self._retrievers.popitem(last=False)
        self._retrievers.move_to_end(article)
        return retriever

    def answer(self, question: str, scope: Scope, top_k: int) -> Answer:
        """Ask `question` of the articles of `scope`."""
        articles = scope.articles
        if len(articles) <= scoring.SHORTLIST:
            return Collection([self.retriever(a) for a in articles]).answer(question, top_k)
        try:
            cleaned, _ = clean_question(question)
        except QuestionError:  # the refusal, as any article gives it
            return self.retriever(articles[0]).answer(question, top_k)
        shelf = self.shelf(articles)
        vector, picked = shelf.shortlist(self.default.embedder, cleaned, scoring.SHORTLIST)
        chosen = Collection([self.retriever(articles[i]) for i in picked])
        return chosen.answer(question, top_k, vector)

    def shelf(self, articles: tuple[Article, ...]) -> Shelf:
        """The shelf of a scope's articles, read once for each scope read (a scope read
        again after a change to its library is a new tuple: its shelf is read anew)."""
        kept = self._shelves.get(id(articles))
        if kept is not None and kept[0] is articles:
            self._shelves.move_to_end(id(articles))
            return kept[1]
        shelf = load_shelf(articles, self.default.embedder, self._cache_dir)
        self._shelves[id(articles)] = (articles, shelf)
        if len(self._shelves) > SHELVES:
            self._shelves.popitem(last=False)
        return shelf

    def drop(self, article: Article) -> None:
        """Let go of a removed article's retriever (it is loaded again from the cache if
        another library still holds the article)."""
        self._retrievers.pop(article, None)
