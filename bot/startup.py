"""Wiring shared by every entry point: settings in, a loaded model and a ready retriever out.

Process-wide state (numpy's BLAS threads) is set here, at start-up, not in the core.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.settings import Settings
from embeddings.article import Article
from embeddings.errors import ArticleBotError
from embeddings.index_cache import IndexLoad, cached_index, keep_index, load_index
from embeddings.models.factory import load_embedder
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever
from embeddings.sources import open_source

if TYPE_CHECKING:
    from bot.library.store import Library

BOT_WIDE = 0
"""`bot.library.schema.BOT_WIDE` (not imported: a bot with no library loads no SQLAlchemy)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ready:
    """A retriever and how its index was obtained."""

    retriever: Retriever
    load: IndexLoad
    seconds: float


def load_model(settings: Settings) -> Embedder:
    """The model the settings name (slow: run it off any event loop), with numpy's BLAS
    on one thread.

    The vector arithmetic here is small, and BLAS threads keep spinning after each call:
    beside the model's threads on a 2-core machine they made encoding up to 7x slower.
    """
    embedder = load_embedder(settings.embedding_model, settings.cache_dir)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    return embedder


def _from_library(
    library: Library, article: Article, embedder: Embedder, settings: Settings
) -> IndexLoad | None:
    """The default article's index from the cache, else from the vectors `library` keeps
    (None when neither has it, or the database cannot be read)."""
    if (cached := cached_index(article, embedder, settings.cache_dir)) is not None:
        return cached
    try:
        dim = int(embedder.encode_queries(["dimension"]).shape[1])
        read = library.read_index(BOT_WIDE, article, embedder.model_id, dim)
    except ArticleBotError as exc:  # the database is away (LibraryError)
        log.warning("cannot read the default article's vectors (%s)", exc)
        return None
    if read is None:
        return None
    keep_index(read, embedder.model_id, settings.cache_dir)
    return IndexLoad(read, "database", None)


def prepare(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    article: Article | None = None,
    refresh: bool = False,
    show_progress: bool = False,
    library: Library | None = None,
) -> Ready:
    """Load the article (unless given), the model and the index (slow: run it off any
    event loop). With a `library`, an index the cache lacks is read from the vectors it
    keeps, and one built is kept there."""
    started = time.perf_counter()
    if article is None:
        article = open_source(settings.article, settings.cache_dir, refresh)
    if embedder is None:
        embedder = load_model(settings)
    loaded = None
    if library is not None and not refresh:
        loaded = _from_library(library, article, embedder, settings)
    if loaded is None:
        loaded = load_index(
            article, embedder, settings.cache_dir, refresh=refresh, show_progress=show_progress
        )
    if library is not None and loaded.source != "database":
        try:  # kept for the next process (nothing when kept already)
            library.keep_vectors(article, BOT_WIDE, embedder.model_id, loaded.index)
        except ArticleBotError as exc:  # the database is away (LibraryError)
            log.warning("cannot keep the default article's vectors (%s)", exc)
    retriever = Retriever(loaded.index, embedder, settings.min_relevance)
    seconds = time.perf_counter() - started
    log.info(
        "ready: %r, %d paragraphs, index %s, in %.1f s",
        article.title,
        len(article.paragraphs),
        "built" if loaded.source == "built" else f"read from the {loaded.source}",
        seconds,
    )
    return Ready(retriever, loaded, seconds)
