"""Answering in a scope: one retriever per article, its index loaded (or built) once."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

from bot.library.scope import Scope
from bot.library.store import Added, Library, LibraryError
from bot.settings import Settings
from embeddings import scoring
from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.index_cache import cached_index, cached_shelf, load_index, load_shelf
from embeddings.models.protocol import Embedder
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


class NotReady(Exception):
    """What must be built before a question can be answered without building:
    `Answerer.prepare` builds it, off the answering thread."""

    def __init__(self, articles: tuple[Article, ...] = (), scope: Scope | None = None) -> None:
        super().__init__(f"{len(articles)} indexes, {'a' if scope else 'no'} shelf to build")
        self.articles = articles
        self.scope = scope
        self.key: tuple[object, ...] = (  # equal for needs that one build meets
            tuple(a.content_hash for a in articles),
            None if scope is None else id(scope.articles),
        )


class Answerer:
    """Answers a question in a scope, keeping the retrievers of the articles it asks.

    A scope of more than `scoring.SHORTLIST` articles is asked through its `Shelf`: only
    the most promising articles are ranked in full, and only their indexes are loaded.
    With `build=False` nothing is built, nor waited for: an index or shelf that neither
    memory nor the cache holds raises `NotReady`, for `prepare` to build elsewhere.
    """

    def __init__(self, default: Retriever, cache_dir: Path | None) -> None:
        self.default = default
        self._cache_dir = cache_dir
        self._lock = threading.Lock()  # the answering and the building threads share these
        self._retrievers: OrderedDict[Article, Retriever] = OrderedDict()
        self._shelves: OrderedDict[int, tuple[tuple[Article, ...], Shelf]] = OrderedDict()

    def retriever(self, article: Article, build: bool = True) -> Retriever:
        """The retriever of an article, its index from the cache or (with `build`) built
        now. The `RETRIEVERS` used last are kept."""
        if article == self.default.index.article:
            return self.default
        with self._lock:
            if (kept := self._retrievers.get(article)) is not None:
                self._retrievers.move_to_end(article)
                return kept
        embedder = self.default.embedder
        if build:
            loaded = load_index(article, embedder, self._cache_dir)
        elif (cached := cached_index(article, embedder, self._cache_dir)) is not None:
            loaded = cached
        else:
            raise NotReady((article,))
        retriever = Retriever(
            loaded.index, embedder, self.default.min_relevance, self.default.word_vectors
        )
        with self._lock:
            self._retrievers[article] = retriever
            if len(self._retrievers) > RETRIEVERS:
                self._retrievers.popitem(last=False)
        return retriever

    def answer(self, question: str, scope: Scope, top_k: int, build: bool = True) -> Answer:
        """Ask `question` of the articles of `scope`."""
        articles = scope.articles
        if len(articles) <= scoring.SHORTLIST:
            missing = [] if build else [a for a in articles if not self._has(a)]
            if missing:
                raise NotReady(tuple(missing))
            return Collection([self.retriever(a, build) for a in articles]).answer(question, top_k)
        try:
            cleaned, _ = clean_question(question)
        except QuestionError:  # the refusal, as any article gives it
            return self.retriever(articles[0], build).answer(question, top_k)
        shelf = self.shelf(scope, build)
        vector, picked = shelf.shortlist(self.default.embedder, cleaned, scoring.SHORTLIST)
        missing = [] if build else [articles[i] for i in picked if not self._has(articles[i])]
        if missing:
            raise NotReady(tuple(missing))
        chosen = Collection([self.retriever(articles[i], build) for i in picked])
        return chosen.answer(question, top_k, vector)

    def _has(self, article: Article) -> bool:
        """Whether an article's retriever can be had without building its index."""
        try:
            self.retriever(article, build=False)
        except NotReady:
            return False
        return True

    def shelf(self, scope: Scope, build: bool = True) -> Shelf:
        """The shelf of a scope's articles, read once for each scope read (a scope read
        again after a change to its library is a new tuple: its shelf is read anew)."""
        articles = scope.articles
        with self._lock:
            kept = self._shelves.get(id(articles))
            if kept is not None and kept[0] is articles:
                self._shelves.move_to_end(id(articles))
                return kept[1]
        embedder, cache_dir = self.default.embedder, self._cache_dir
        if build:
            shelf = load_shelf(articles, embedder, cache_dir, scope.library)
        elif (cached := cached_shelf(articles, embedder, cache_dir, scope.library)) is not None:
            shelf = cached
        else:
            raise NotReady(scope=scope)
        with self._lock:
            self._shelves[id(articles)] = (articles, shelf)
            if len(self._shelves) > SHELVES:
                self._shelves.popitem(last=False)
        return shelf

    def prepare(self, need: NotReady) -> None:
        """Build what `need` names (or wait for another process building it), and keep it:
        slow, so never in the thread that answers."""
        for article in need.articles:
            self.retriever(article, build=True)
        if need.scope is not None:
            self.shelf(need.scope, build=True)

    def drop(self, article: Article) -> None:
        """Let go of a removed article's retriever (it is loaded again from the cache if
        another library still holds the article)."""
        with self._lock:
            self._retrievers.pop(article, None)


def add_indexed(
    library: Library,
    article: Article,
    guild_id: int,
    added_by: str,
    embedder: Embedder,
    cache_dir: Path | None,
) -> Added:
    """Build and cache an article's index, then keep it in a server's library: it is
    answerable the moment it becomes visible, with nothing left to build."""
    load_index(article, embedder, cache_dir)
    return library.add(article, guild_id, added_by)
