"""Articles from web pages: the body, title, date and canonical link, extracted by trafilatura."""

from __future__ import annotations

from datetime import date
from typing import Any

from embeddings.article import UNTITLED, Article
from embeddings.errors import ArticleError
from embeddings.sources.text import join_broken

_PARAGRAPH_TAGS = ("p", "quote")


def parse_html_article(
    html: str | bytes, url: str | None = None, source: str = "<html>"
) -> Article:
    """Extract an article from a page; navigation, captions, ads and related links are left out.

    Raises `ArticleError` when the page has no article text.
    """
    import trafilatura

    document: Any = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    body = getattr(document, "body", None)
    if document is None or body is None:
        raise ArticleError(f"{source}: no article found on the page")
    paragraphs: list[str] = []
    for element in body:
        if element.tag in _PARAGRAPH_TAGS:
            paragraphs.append(_text(element))
        elif element.tag == "list":
            paragraphs += [_text(item) for item in element if item.tag == "item"]
    paragraphs = join_broken([p for p in paragraphs if p])
    if not paragraphs:
        raise ArticleError(f"{source}: no article found on the page")
    return Article(
        title=(document.title or "").strip() or UNTITLED,
        paragraphs=tuple(paragraphs),
        url=document.url or url,
        published=_date(document.date),
    )


def _text(element: object) -> str:
    return " ".join("".join(element.itertext()).split())  # type: ignore[attr-defined]


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
