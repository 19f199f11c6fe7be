"""Where articles come from: each module turns one kind of input into an `Article`.

`text`, `markdown`, `json`, `html` and `pdf` read files of their kind; `web` fetches a page;
this module picks the reader by kind (`load_article` for a file, `open_source` for
any article setting: a web address, a file, or nothing for the bundled article). An
article read for use has its language (see `language`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.fetch import FetchPolicy
from embeddings.sources.html import parse_html_article
from embeddings.sources.json import parse_json_article
from embeddings.sources.language import with_language
from embeddings.sources.links import is_url
from embeddings.sources.markdown import markdown_to_text
from embeddings.sources.pdf import parse_pdf_article
from embeddings.sources.text import decode_text, parse_text_article
from embeddings.sources.web import fetch_article

BUNDLED_ARTICLE = "moscow-times-2022-02-01.txt"

__all__ = [
    "BUNDLED_ARTICLE",
    "bundled_article_path",
    "is_url",
    "load_article",
    "open_source",
    "parse_article",
]


def bundled_article_path() -> Path:
    """The path of the article shipped with the package."""
    return Path(str(resources.files("embeddings") / "data" / BUNDLED_ARTICLE))


def load_article(path: str | Path) -> Article:
    """Load an article from a `.json`, `.html`, Markdown (`.md`), `.pdf` or plain-text file.

    Raises `ArticleError` naming the file when it is missing, unreadable or malformed.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such article file") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a directory, not an article file") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read article ({exc.strerror})") from None
    return parse_article(raw, path.suffix, source=str(path))


def parse_article(
    raw: bytes, suffix: str, source: str, url: str | None = None, *, detect: bool = True
) -> Article:
    """An article from a file's bytes, read by the kind its `suffix` names (".html", ".md",
    ".json", ".pdf"; anything else is plain text). Unless `detect` is false, its language is
    detected when the file does not give it."""
    article = _parse(raw, suffix.lower(), source, url)
    return with_language(article) if detect else article


def _parse(raw: bytes, suffix: str, source: str, url: str | None) -> Article:
    if suffix in (".html", ".htm"):  # a page declares its own encoding, which trafilatura reads
        return parse_html_article(raw, url=url, source=source)
    if suffix == ".pdf":
        return parse_pdf_article(raw, source=source)
    text = decode_text(raw, source=source)
    if suffix == ".json":
        return parse_json_article(text, source=source)
    if suffix in (".md", ".markdown"):
        return parse_text_article(markdown_to_text(text), source=source, join=False)
    return parse_text_article(text, source=source)


def open_source(spec: str | None, cache_dir: Path | None = None, refresh: bool = False) -> Article:
    """The article a setting names: a web address (fetched, then cached), a file, or, when
    it names none, the bundled article. The operator names it, so a private address is
    fetched too."""
    if not spec:
        return load_article(bundled_article_path())
    if is_url(spec):
        trusted = FetchPolicy(allow_private=True)
        return fetch_article(spec, cache_dir, refresh=refresh, policy=trusted)
    return load_article(Path(spec).expanduser())
