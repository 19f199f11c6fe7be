"""Wiring shared by the CLI and the Discord bot: settings in, a ready retriever out."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from bot.fetch import fetch_article, is_url
from bot.settings import Settings
from embeddings.article import Article, bundled_article_path, load_article
from embeddings.embedder import Embedder, load_embedder
from embeddings.index import IndexLoad, load_index
from embeddings.retriever import Retriever

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ready:
    """A retriever and how its index was obtained."""

    retriever: Retriever
    load: IndexLoad
    seconds: float


def open_article(spec: str | None, cache_dir: Path | None = None, refresh: bool = False) -> Article:
    """Load the article a setting names: a URL (fetched once, then cached), a file, or,
    when it names none, the bundled article."""
    if not spec:
        return load_article(bundled_article_path())
    if is_url(spec):
        return fetch_article(spec, cache_dir, refresh=refresh)
    return load_article(Path(spec).expanduser())


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
        article = open_article(settings.article, settings.cache_dir, refresh)
    if embedder is None:
        embedder = load_embedder(settings.embedding_model, settings.cache_dir)
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
