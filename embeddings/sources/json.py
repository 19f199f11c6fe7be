"""The JSON article format: `{"title", "url", "published", "language", "paragraphs"}`, kept
as given. `language` (an ISO 639-1 code, or a tag such as "pt-BR") may be left out: it
is then detected when the article is read for use (see `sources.language`)."""

from __future__ import annotations

import json
import re
from datetime import date

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from embeddings.article import UNTITLED, Article
from embeddings.errors import ArticleError
from embeddings.language import UNDETERMINED
from embeddings.sources.links import web_link

_LANGUAGE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9_-]*)?")
"""A language tag: its first part (ISO 639) is the language."""


class _JsonArticle(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str
    url: str | None = None
    published: date | None = None
    language: str | None = None
    paragraphs: list[str]

    @field_validator("url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        link = web_link(value)
        if link is None:
            raise ValueError("must be an http:// or https:// link")
        return link

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str:
        if value is None or not value.strip():
            return UNDETERMINED
        tag = _LANGUAGE.fullmatch(value.strip().lower())
        if tag is None:
            raise ValueError("must be a language code such as 'en' or 'pt-BR'")
        return tag.group(1)

    @field_validator("paragraphs")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not any(p.strip() for p in value):
            raise ValueError("needs at least one non-empty paragraph")
        return value


def parse_json_article(text: str, source: str = "<json>") -> Article:
    """Parse the JSON article format; each paragraph string is kept as given."""
    try:
        data = _JsonArticle.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise ArticleError(f"{source}: invalid JSON article ({where}: {first['msg']})") from None
    paragraphs = tuple(p for p in data.paragraphs if p.strip())
    title = data.title.strip() or UNTITLED
    return Article(
        title=title,
        paragraphs=paragraphs,
        url=data.url,
        published=data.published,
        language=data.language or UNDETERMINED,
    )


def article_to_json(article: Article) -> str:
    """The JSON article format (what `parse_json_article` reads)."""
    return json.dumps(
        {
            "title": article.title,
            "url": article.url,
            "published": article.published.isoformat() if article.published else None,
            "language": article.language,
            "paragraphs": list(article.paragraphs),
        },
        ensure_ascii=False,
    )
