"""Articles from the web: fetched once with a timeout and a size cap, then cached on disk."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from embeddings.article import Article, article_to_json, parse_json_article
from embeddings.errors import ArticleError
from embeddings.html import parse_html_article

TIMEOUT_SECONDS = 10.0
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "article-bot/0.1"

log = logging.getLogger(__name__)


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def fetch_article(
    url: str,
    cache_dir: Path | None,
    *,
    refresh: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
) -> Article:
    """The article at `url`, from the cache unless `refresh` (or not cached yet)."""
    cached = _cache_path(cache_dir, url)
    if cached is not None and cached.exists() and not refresh:
        try:
            return parse_json_article(cached.read_text(encoding="utf-8"), source=str(cached))
        except (OSError, ArticleError) as exc:
            log.warning("cached copy of %s is unusable (%s); fetching again", url, exc)
    page = download(url, timeout=timeout, max_bytes=max_bytes)
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
