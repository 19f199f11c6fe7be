"""Answers as plain text for a terminal: a pure function of the answer."""

from __future__ import annotations

import textwrap

from bot.wording import ENGLISH, Catalog
from embeddings.answer import Answer
from embeddings.article import Article

WIDTH = 88
_BOLD, _RESET = "\033[1m", "\033[0m"


def format_answer(answer: Answer, bold: bool = False, words: Catalog = ENGLISH) -> str:
    """The quoted passages with their paragraph numbers and best sentence, then the source;
    the decline, tentative and "about" lines in the language of `words`, quotes verbatim."""
    lines: list[str] = []
    if answer.note:
        lines.append(f"(note: {answer.note})")
    if answer.error:
        lines.append(f"error: {answer.error}")
    elif not answer.answered:
        lines += [words.not_found, words.rephrase]
    elif answer.tentative:
        lines.append(words.tentative)
    elif answer.about:
        lines.append(words.about)
    several = len(answer.articles) > 1
    for passage in answer.passages:
        text = passage.text
        if bold:
            text = text.replace(passage.highlight, f"{_BOLD}{passage.highlight}{_RESET}", 1)
        of = f" of \u201c{answer.article_of(passage).title}\u201d" if several else ""
        lines.append(f"[paragraph {passage.paragraph}{of}]")
        lines += _wrap(f"\u201c{text}\u201d", "  ", "  ")
        # A one-sentence paragraph is its own best match: nothing to point at.
        if not bold and passage.highlight != passage.text.strip():
            lines += _wrap(f"best match: {passage.highlight}", "  ", "    ")
        lines.append("")
    lines += [format_source(a, words=words) for a in answer.articles or (answer.article,)]
    return "\n".join(lines)


def printable(text: str) -> str:
    """`text` with each character a terminal would act on, not show, written as an escape."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _wrap(text: str, first_indent: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first_indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def format_source(article: Article, label: str = "Source", words: Catalog = ENGLISH) -> str:
    """`Source: title (date, updated date)` and the link on the next line."""
    dates = [article.published.isoformat()] if article.published else []
    if article.updated:
        dates.append(words.updated_on.format(date=article.updated.isoformat()))
    date = f" ({', '.join(dates)})" if dates else ""
    source = f"{label}: {article.title}{date}"
    return f"{source}\n{article.url}" if article.url else source


def format_article(article: Article) -> str:
    """The article as the bot reads it: its source line, then each paragraph numbered."""
    lines = [format_source(article, label="Title"), ""]
    for number, paragraph in enumerate(article.paragraphs, 1):
        lines += _wrap(paragraph, f"[{number}] ", " " * (len(str(number)) + 3))
        lines.append("")
    return "\n".join(lines).rstrip("\n")
