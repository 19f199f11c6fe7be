"""Articles from the web: fetched under a `FetchPolicy` (by default public addresses only,
within a deadline and a size cap), then cached on disk for a while (`MAX_AGE_SECONDS`)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.fetch import STRICT, FetchPolicy, download
from embeddings.sources.html import parse_html_article
from embeddings.sources.json import article_to_json, parse_json_article
from embeddings.sources.language import with_language

MAX_AGE_SECONDS = 24 * 3600
"""How long a fetched page is used before it is fetched again (a news page changes: a
correction, an update). If fetching it again fails, the copy kept is used."""

log = logging.getLogger(__name__)


def fetch_article(
    url: str,
    cache_dir: Path | None,
    *,
    refresh: bool = False,
    policy: FetchPolicy = STRICT,
) -> Article:
    """The article at `url`: the copy cached less than `MAX_AGE_SECONDS` ago, unless
    `refresh`; else fetched under `policy` (falling back to an older copy if that fails)."""
    cached = _cache_path(cache_dir, url)
    kept = None if cached is None or refresh else _read(cached, url)
    if kept is not None and kept[1] < MAX_AGE_SECONDS:
        return kept[0]
    try:
        page = download(url, policy)
    except ArticleError as exc:
        if kept is None:
            raise
        log.warning("cannot fetch %s again (%s); using the copy kept", url, exc)
        return kept[0]
    article = with_language(parse_html_article(page.body, url=page.url, source=url))
    if cached is not None:
        _write(cached, article_to_json(article))
    log.info("fetched %r from %s (%d paragraphs)", article.title, url, len(article.paragraphs))
    return article


def _read(path: Path, url: str) -> tuple[Article, float] | None:
    """The article cached at `path` and its age in seconds, or None."""
    try:
        age = time.time() - path.stat().st_mtime
        article = parse_json_article(path.read_text(encoding="utf-8"), source=str(path))
        return with_language(article), age
    except FileNotFoundError:
        return None
    except (OSError, ArticleError) as exc:
        log.warning("cached copy of %s is unusable (%s); fetching again", url, exc)
        return None


def _cache_path(cache_dir: Path | None, url: str) -> Path | None:
    if cache_dir is None:
        return None
    return cache_dir / "articles" / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".article.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot cache the fetched article in %s (%s)", path.parent, exc)
