"""Articles from the web: fetched with a timeout and a size cap, then cached on disk for a
while (`MAX_AGE_SECONDS`)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.html import parse_html_article
from embeddings.sources.json import article_to_json, parse_json_article

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "article-bot/0.1"
MAX_AGE_SECONDS = 24 * 3600
"""How long a fetched page is used before it is fetched again (a news page changes: a
correction, an update). If fetching it again fails, the copy kept is used."""

log = logging.getLogger(__name__)


def fetch_article(
    url: str,
    cache_dir: Path | None,
    *,
    refresh: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
) -> Article:
    """The article at `url`: the copy cached less than `MAX_AGE_SECONDS` ago, unless
    `refresh`; else fetched (falling back to an older copy if that fails)."""
    cached = _cache_path(cache_dir, url)
    kept = None if cached is None or refresh else _read(cached, url)
    if kept is not None and kept[1] < MAX_AGE_SECONDS:
        return kept[0]
    try:
        page = download(url, timeout=timeout, max_bytes=max_bytes)
    except ArticleError as exc:
        if kept is None:
            raise
        log.warning("cannot fetch %s again (%s); using the copy kept", url, exc)
        return kept[0]
    article = parse_html_article(page, url=url, source=url)
    if cached is not None:
        _write(cached, article_to_json(article))
    log.info("fetched %r from %s (%d paragraphs)", article.title, url, len(article.paragraphs))
    return article


def download(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """The body of an HTML page; `ArticleError` with one clear line for anything else."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if kind not in ("text/html", "application/xhtml+xml", "text/plain"):
                raise ArticleError(f"{url}: not a web page ({kind})")
            body: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise ArticleError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except TimeoutError:
        raise ArticleError(f"{url}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ArticleError(f"{url}: no answer within {timeout:g} s") from None
        raise ArticleError(f"{url}: cannot fetch ({reason})") from None
    except (OSError, ValueError) as exc:
        raise ArticleError(f"{url}: cannot fetch ({exc})") from None
    if len(body) > max_bytes:
        raise ArticleError(f"{url}: page larger than {max_bytes // (1024 * 1024)} MB")
    return body


def _read(path: Path, url: str) -> tuple[Article, float] | None:
    """The article cached at `path` and its age in seconds, or None."""
    try:
        age = time.time() - path.stat().st_mtime
        return parse_json_article(path.read_text(encoding="utf-8"), source=str(path)), age
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
