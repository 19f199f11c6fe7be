"""Wiring shared by every entry point: settings in, a loaded model and a ready retriever out.

Process-wide state (numpy's BLAS threads) is set here, at start-up, not in the core.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bot.settings import Settings
from embeddings.article import Article
from embeddings.index_cache import IndexLoad, load_index
from embeddings.models.factory import load_embedder
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever
from embeddings.sources import open_source

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


def prepare(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    article: Article | None = None,
    refresh: bool = False,
    show_progress: bool = False,
) -> Ready:
    """Load the article (unless given), the model and the index (slow: run it off any
    event loop)."""
    started = time.perf_counter()
    if article is None:
        article = open_source(settings.article, settings.cache_dir, refresh)
    if embedder is None:
        embedder = load_model(settings)
    loaded = load_index(
        article, embedder, settings.cache_dir, refresh=refresh, show_progress=show_progress
    )
    retriever = Retriever(loaded.index, embedder, settings.min_relevance)
    seconds = time.perf_counter() - started
    log.info(
        "ready: %r, %d paragraphs, index %s, in %.1f s",
        article.title,
        len(article.paragraphs),
        "loaded from cache" if loaded.source == "cache" else "built",
        seconds,
    )
    return Ready(retriever, loaded, seconds)
