"""Answering in a scope: one retriever per article, its index loaded (or built) once."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from bot.library.scope import Scope
from bot.library.store import Added, Library, LibraryError
from bot.library.vectors import key
from bot.settings import Settings
from embeddings import scoring
from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.followup import Context, in_context
from embeddings.index import ArticleIndex, build_indexes
from embeddings.index_cache import (
    cached_index,
    cached_shelf,
    keep_index,
    keep_shelf,
    load_index,
    load_overview,
)
from embeddings.models.protocol import Embedder
from embeddings.question import QuestionError, clean_question
from embeddings.retriever import Retriever
from embeddings.shelf import Part, Shelf, stem_hashes
from embeddings.vocabulary import article_words

log = logging.getLogger(__name__)

Stored = tuple[int, int]
"""A stored article's library id and server."""

RETRIEVERS = 48
"""Articles whose retrievers are kept loaded, the most recently asked. Each takes about
2 MB once asked; one not kept is loaded again from the cache (some 8 ms) or the
database (some 30 ms)."""

RANKED_WHOLE = 8
"""A library of at most this many articles is ranked whole, every article in full; a
larger one through its shelf (`scoring.SHORTLIST`)."""

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
    """What must be read or built before a question can be answered in the answering
    thread: the articles at `positions` of `scope`, and (`shelf`) the scope's shelf.
    `Answerer.prepare` makes them, off the answering thread."""

    def __init__(self, scope: Scope, positions: tuple[int, ...] = (), shelf: bool = False) -> None:
        super().__init__(f"{len(positions)} indexes, {'a' if shelf else 'no'} shelf to make")
        self.scope = scope
        self.positions = positions
        self.shelf = shelf
        self.articles = tuple(scope.articles[i] for i in positions)
        self.key: tuple[object, ...] = (  # equal for needs that one build meets
            tuple(a.content_hash for a in self.articles),
            id(scope.articles) if shelf else None,
        )


class _Unread(Exception):
    """An index neither memory nor the cache holds, asked for without `build`."""


class Answerer:
    """Answers a question in a scope, keeping the retrievers of the articles it asks.

    An article's index comes from memory, else the cache, else the vectors the library's
    database keeps (`bot.library.vectors`), else it is built, and its vectors kept there.
    A scope of more than `RANKED_WHOLE` articles is asked through its `Shelf`: only
    the most promising articles are ranked in full, and only their indexes are loaded. A
    library's shelf is made again from its last one when the library changes, only the
    articles added read. With `build=False` nothing is embedded, read from the database
    or waited for: an index or shelf that memory and the cache lack raises `NotReady`,
    for `prepare` to read or build elsewhere.
    """

    def __init__(
        self, default: Retriever, cache_dir: Path | None, library: Library | None = None
    ) -> None:
        self.default = default
        self.library = library
        self._cache_dir = cache_dir
        self._lock = threading.Lock()  # the answering and the building threads share these
        self._retrievers: OrderedDict[Article, Retriever] = OrderedDict()
        self._shelves: OrderedDict[int | None, tuple[tuple[Article, ...], Shelf]] = OrderedDict()

    @property
    def model_id(self) -> str:
        return self.default.embedder.model_id

    @property
    def dim(self) -> int:
        """The dimension of the model's vectors."""
        return int(self.default.index.paragraph_vectors.shape[1])

    def retriever(
        self, article: Article, build: bool = True, stored: Stored | None = None
    ) -> Retriever:
        """The retriever of an article (`stored`: its library id and server, when it has
        them), its index read or (with `build`) built now. The `RETRIEVERS` used last are
        kept."""
        if article == self.default.index.article:
            return self.default
        with self._lock:
            if (kept := self._retrievers.get(article)) is not None:
                self._retrievers.move_to_end(article)
                return kept
        retriever = Retriever(
            self._index(article, build, stored),
            self.default.embedder,
            self.default.min_relevance,
            self.default.word_vectors,
        )
        with self._lock:
            self._retrievers[article] = retriever
            if len(self._retrievers) > RETRIEVERS:
                self._retrievers.popitem(last=False)
        return retriever

    def _index(self, article: Article, build: bool, stored: Stored | None) -> ArticleIndex:
        embedder, cache_dir = self.default.embedder, self._cache_dir
        if (cached := cached_index(article, embedder, cache_dir)) is not None:
            return cached.index
        if not build:
            raise _Unread
        library = self.library if stored is not None else None
        unusable = False
        if library is not None and stored is not None:
            try:
                read = library.read_index(stored[1], article, self.model_id, self.dim)
                if read is not None:
                    keep_index(read, self.model_id, cache_dir)
                    return read
                unusable = library.has_vectors(article, self.model_id)
            except LibraryError as exc:  # the database is away: built from the text
                log.warning("cannot read kept vectors (%s); building the index", exc)
                library = None
        index = load_index(article, embedder, cache_dir).index
        if library is not None and stored is not None:
            try:
                library.keep_vectors(article, stored[1], self.model_id, index, replace=unusable)
            except LibraryError as exc:
                log.warning("cannot keep the vectors (%s)", exc)
        return index

    def answer(
        self,
        question: str,
        scope: Scope,
        top_k: int,
        build: bool = True,
        context: Context | None = None,
    ) -> Answer:
        """Ask `question` of the articles of `scope`. A follow-up is asked with its
        `context` (see `embeddings.followup`) of the article the last answer quoted first,
        then of them all; it quotes its best passage alone, as the words it carries could
        vouch for passages it does not ask about."""
        try:
            cleaned, _ = clean_question(question)
        except QuestionError:  # refused as it is: a blank follows nothing
            context = None
        if context is None or (asked := in_context(cleaned, context)) == cleaned:
            return self._answer(question, scope, top_k, build)
        articles = scope.articles
        last = context.article
        at = next((i for i, a in enumerate(articles) if a.content_hash == last), None)
        if at is not None and len(articles) > 1:
            [retriever] = self._retrievers_at(scope, [at], build)
            answer = retriever.answer(asked, 1)
            if answer.answered and not answer.tentative:
                return replace(answer, question=cleaned)
        return replace(self._answer(asked, scope, 1, build), question=cleaned)

    def _answer(self, question: str, scope: Scope, top_k: int, build: bool) -> Answer:
        articles = scope.articles
        if len(articles) <= RANKED_WHOLE:
            every = self._retrievers_at(scope, range(len(articles)), build)
            return Collection(every).answer(question, top_k)
        try:
            cleaned, _ = clean_question(question)
        except QuestionError:  # the refusal, as any article gives it
            return self.default.answer(question, top_k)
        shelf = self.shelf(scope, build)
        vector, picked = shelf.shortlist(self.default.embedder, cleaned, scoring.SHORTLIST)
        chosen = Collection(self._retrievers_at(scope, picked, build))
        return chosen.answer(question, top_k, vector)

    def _retrievers_at(
        self, scope: Scope, positions: Iterable[int], build: bool
    ) -> list[Retriever]:
        """The retrievers of the articles at `positions` of `scope`; without `build`,
        `NotReady` for all of them that memory and the cache lack."""
        where, found, missing = _stored(scope), [], []
        for i in positions:
            try:
                found.append(self.retriever(scope.articles[i], build, where[i]))
            except _Unread:
                missing.append(i)
        if missing:
            raise NotReady(scope, tuple(missing))
        return found

    def shelf(self, scope: Scope, build: bool = True) -> Shelf:
        """The shelf of a scope's articles, made once for each scope read (a scope read
        again after a change to its library is a new tuple: its shelf is made anew, from
        the library's last one)."""
        articles = scope.articles
        with self._lock:
            kept = self._shelves.get(scope.library)
            if kept is not None and kept[0] is articles:
                self._shelves.move_to_end(scope.library)
                return kept[1]
        embedder, cache_dir = self.default.embedder, self._cache_dir
        shelf = cached_shelf(articles, embedder, cache_dir, scope.library)
        if shelf is None:
            if not build:  # reading and making it takes up to a second: not here
                raise NotReady(scope, shelf=True)
            shelf = self._make_shelf(scope, kept)
            keep_shelf(shelf, articles, self.model_id, cache_dir, scope.library)
        with self._lock:
            self._shelves[scope.library] = (articles, shelf)
            self._shelves.move_to_end(scope.library)
            if len(self._shelves) > SHELVES:
                self._shelves.popitem(last=False)
        return shelf

    def _make_shelf(self, scope: Scope, last: tuple[tuple[Article, ...], Shelf] | None) -> Shelf:
        """A scope's shelf: the articles its library's `last` shelf holds taken from it,
        the others' paragraph vectors and words read from the database, else from their
        indexes (read or built)."""
        articles, where = scope.articles, _stored(scope)

        def read(positions: list[int]) -> list[Part]:
            asked = [articles[i] for i in positions if where[i] is not None]
            library = self.library
            try:
                kept = (
                    library.overviews(asked, self.model_id, self.dim) if library and asked else {}
                )
            except LibraryError as exc:  # the database is away: from the indexes
                log.warning("cannot read kept vectors (%s)", exc)
                kept = {}
            found = []
            for i in positions:
                article, stored = articles[i], where[i]
                if stored is not None and key(article) in kept:
                    found.append(kept[key(article)])
                elif stored is not None:  # read whole, or built now and its vectors kept
                    index = self._index(article, True, stored)
                    words = stem_hashes(index.vocabulary.words, article.language)
                    found.append(Part.of(index.paragraph_vectors, index.sentence_vectors, words))
                else:
                    found.append(load_overview(article, self.default.embedder, self._cache_dir))
            return found

        languages = [a.language for a in articles]
        if last is None:
            return Shelf.build(read(list(range(len(articles)))), languages)
        return last[1].updated(last[0], articles, languages, read)

    def prepare(self, need: NotReady) -> None:
        """Build what `need` names (or wait for another process building it), and keep it:
        slow, so never in the thread that answers."""
        where = _stored(need.scope)
        for position in need.positions:
            self.retriever(need.scope.articles[position], True, where[position])
        if need.shelf:
            self.shelf(need.scope, build=True)

    def drop(self, article: Article) -> None:
        """Let go of a removed article's retriever (it is loaded again from the cache if
        another library still holds the article)."""
        with self._lock:
            self._retrievers.pop(article, None)


def _stored(scope: Scope) -> tuple[Stored | None, ...]:
    """Each of a scope's articles' library id and server, or None (the default article)."""
    if scope.library is None:
        return tuple(None for _ in scope.ids)
    return tuple(None if i is None else (i, scope.library) for i in scope.ids)


def add_indexed(
    library: Library,
    article: Article,
    guild_id: int,
    added_by: str,
    embedder: Embedder,
    cache_dir: Path | None,
    *,
    source_url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Added:
    """Build an article's index, then keep it in a server's library with its vectors (and
    in the cache): it is answerable the moment it becomes visible, with nothing left to
    build, in every process. A web article's `source_url`, `etag` and `last_modified` are
    kept to check it again (`Library.add`)."""
    index = index_for(library, [article], guild_id, embedder, cache_dir)[0]
    return library.add(
        article,
        guild_id,
        added_by,
        index=index,
        model_id=embedder.model_id,
        source_url=source_url,
        etag=etag,
        last_modified=last_modified,
    )


def index_for(
    library: Library,
    articles: Sequence[Article],
    guild_id: int,
    embedder: Embedder,
    cache_dir: Path | None,
) -> list[ArticleIndex]:
    """The indexes of articles to keep in a server's library, encoded in one batch: words
    whose vectors the library keeps already are not encoded again. Each is cached."""
    words = {w for a in articles for w in article_words(a.paragraphs, a.language)}
    known = library.known_words(guild_id, embedder.model_id, words)
    indexes = build_indexes(articles, embedder, known_words=known)
    for index in indexes:
        keep_index(index, embedder.model_id, cache_dir)
    return indexes
