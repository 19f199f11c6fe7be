"""Answers as small frozen value objects, shared by the CLI and the Discord bot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embeddings.article import Article


@dataclass(frozen=True)
class Passage:
    """One quoted paragraph: its 1-based number, verbatim text and best sentence, and the
    article it is from (when an answer quotes several, see `Answer.articles`)."""

    paragraph: int
    text: str
    highlight: str
    score: float
    article: Article | None = None


@dataclass(frozen=True)
class Answer:
    """What the article says about a question, or that it says nothing.

    A `tentative` answer quotes the closest passage of an article that may not answer.
    An `about` answer is to a question about the article as a whole: its opening.
    """

    question: str
    answered: bool
    passages: tuple[Passage, ...]
    article: Article
    relevance: float = 0.0
    note: str | None = None
    error: str | None = None
    tentative: bool = False
    about: bool = False

    def article_of(self, passage: Passage) -> Article:
        """The article a passage is quoted from."""
        return passage.article or self.article

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles the passages are quoted from, first seen first."""
        return tuple(dict.fromkeys(self.article_of(p) for p in self.passages))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `ask --json`."""
        data: dict[str, Any] = {
            "question": self.question,
            "answered": self.answered,
            "tentative": self.tentative,
            "about": self.about,
            "passages": [
                {
                    "paragraph": p.paragraph,
                    "text": p.text,
                    "highlight": p.highlight,
                    "score": round(p.score, 4),
                    "article": article_info(self.article_of(p)),
                }
                for p in self.passages
            ],
            "article": article_info(self.article),
        }
        if self.note:
            data["note"] = self.note
        if self.error:
            data["error"] = self.error
        return data


def article_info(article: Article) -> dict[str, Any]:
    """Title, publication date and source link of an article, for JSON output."""
    return {
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url,
    }
