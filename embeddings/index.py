"""The article index: paragraph, sentence and word vectors plus BM25, built from an article.

It is derived data: `index_cache` keeps it on disk, keyed by what it was built from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.article import Article
from embeddings.lexical import Bm25
from embeddings.models.protocol import Embedder
from embeddings.sentences import sentence_spans
from embeddings.subjects import carried_subjects
from embeddings.types import Vectors
from embeddings.vocabulary import Vocabulary, article_words


@dataclass(frozen=True)
class ArticleIndex:
    """Everything the retriever needs about one article, precomputed."""

    article: Article
    paragraph_vectors: Vectors  # (n, dim), unit rows
    sentence_vectors: Vectors  # (m, dim), unit rows
    sentence_spans: npt.NDArray[np.int64]  # (m, 3): paragraph, start, end
    paragraph_bm25: Bm25
    sentence_bm25: Bm25
    vocabulary: Vocabulary

    @property
    def sentence_starts(self) -> npt.NDArray[np.int64]:
        """Index of each paragraph's first sentence."""
        return first_sentence_ids(self.sentence_spans, len(self.article.paragraphs))

    def sentence_text(self, i: int) -> str:
        paragraph, start, end = (int(v) for v in self.sentence_spans[i])
        return self.article.paragraphs[paragraph][start:end]


def split_sentences(article: Article) -> npt.NDArray[np.int64]:
    """The (paragraph, start, end) span of every sentence, grouped by paragraph."""
    rows = [
        (p, start, end)
        for p, text in enumerate(article.paragraphs)
        for start, end in sentence_spans(text)
    ]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def first_sentence_ids(spans: npt.NDArray[np.int64], paragraphs: int) -> npt.NDArray[np.int64]:
    """Index of each paragraph's first sentence in `spans` (grouped by paragraph)."""
    return np.searchsorted(spans[:, 0], np.arange(paragraphs))


def build_index(article: Article, embedder: Embedder, show_progress: bool = False) -> ArticleIndex:
    """Encode the article's paragraphs, sentences and words and index them for BM25, in
    the article's language.

    A paragraph whose speaker is only a pronoun, and its first sentence, are encoded
    and indexed with the name it refers to in front (see `subjects`); quotes and
    highlights stay verbatim.
    """
    spans = split_sentences(article)
    sentences = [article.paragraphs[p][s:e] for p, s, e in spans.tolist()]
    words = article_words(article.paragraphs, article.language)
    named_paragraphs, named_sentences = list(article.paragraphs), list(sentences)
    firsts = first_sentence_ids(spans, len(named_paragraphs)).tolist()
    for p, subject in enumerate(carried_subjects([sentences[i] for i in firsts])):
        if subject:
            named_paragraphs[p] = f"{subject}: {named_paragraphs[p]}"
            named_sentences[firsts[p]] = f"{subject}: {named_sentences[firsts[p]]}"
    vectors = embedder.encode_documents(
        named_paragraphs + named_sentences + words, show_progress=show_progress
    )
    n, m = len(named_paragraphs), len(named_sentences)
    return ArticleIndex(
        article=article,
        paragraph_vectors=np.ascontiguousarray(vectors[:n]),
        sentence_vectors=np.ascontiguousarray(vectors[n : n + m]),
        sentence_spans=spans,
        paragraph_bm25=Bm25.build(named_paragraphs, article.language),
        sentence_bm25=Bm25.build(named_sentences, article.language),
        vocabulary=Vocabulary(words, np.ascontiguousarray(vectors[n + m :]), article.language),
    )
