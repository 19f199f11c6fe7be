"""An article's language, detected once where it is read, unless its file gives it.

The readers leave it `UNDETERMINED` unless the file says (the JSON format may); whoever
reads an article for use (`parse_article`, `fetch_article`, `parse_isolated`) fills it
in here, from the paragraphs (`detect_language` reads their opening only).
"""

from __future__ import annotations

from dataclasses import replace

from embeddings.article import Article
from embeddings.language import UNDETERMINED, detect_language
from embeddings.language.detect import SAMPLE


def with_language(article: Article) -> Article:
    """`article`, its language detected if it is not known."""
    if article.language != UNDETERMINED:
        return article
    sample, size = [], 0
    for paragraph in article.paragraphs:  # only what the detector reads
        sample.append(paragraph)
        size += len(paragraph) + 1
        if size >= SAMPLE:
            break
    return replace(article, language=detect_language("\n".join(sample)))
