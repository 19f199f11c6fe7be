"""The article index: paragraph, sentence and word vectors plus BM25, built from an article.

It is derived data: `index_cache` keeps it on disk, keyed by what it was built from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def named_texts(article: Article, spans: npt.NDArray[np.int64]) -> tuple[list[str], list[str]]:
    """The paragraphs and sentences as they are encoded and indexed: a paragraph whose
    speaker is only a pronoun, and its first sentence, with the name it refers to in front
    (see `subjects`)."""
    sentences = [article.paragraphs[p][s:e] for p, s, e in spans.tolist()]
    paragraphs = list(article.paragraphs)
    firsts = first_sentence_ids(spans, len(paragraphs)).tolist()
    for p, subject in enumerate(carried_subjects([sentences[i] for i in firsts])):
        if subject:
            paragraphs[p] = f"{subject}: {paragraphs[p]}"
            sentences[firsts[p]] = f"{subject}: {sentences[firsts[p]]}"
    return paragraphs, sentences


def build_index(
    article: Article,
    embedder: Embedder,
    show_progress: bool = False,
    known_words: Mapping[str, Vectors] | None = None,
) -> ArticleIndex:
    """Encode the article's paragraphs, sentences and words and index them for BM25, in
    the article's language (see `named_texts`); quotes and highlights stay verbatim.
    Words whose vectors `known_words` holds are not encoded again.
    """
    return build_indexes([article], embedder, show_progress, known_words)[0]


def build_indexes(
    articles: Sequence[Article],
    embedder: Embedder,
    show_progress: bool = False,
    known_words: Mapping[str, Vectors] | None = None,
) -> list[ArticleIndex]:
    """`build_index` of several articles, their texts encoded in one batch and each word
    once."""
    known = known_words or {}
    parts = []
    texts: list[str] = []
    new_words: dict[str, int] = {}
    for article in articles:
        spans = split_sentences(article)
        paragraphs, sentences = named_texts(article, spans)
        words = article_words(article.paragraphs, article.language)
        for word in words:
            if word not in known and word not in new_words:
                new_words[word] = len(new_words)
        parts.append((article, spans, len(texts), len(paragraphs), len(sentences), words))
        texts += paragraphs + sentences
    vectors = embedder.encode_documents(texts + list(new_words), show_progress=show_progress)
    encoded = vectors[len(texts) :]
    indexes = []
    for article, spans, at, n, m, words in parts:
        word_vectors = [known[w] if w in known else encoded[new_words[w]] for w in words]
        indexes.append(
            index_from_vectors(
                article,
                vectors[at : at + n],
                vectors[at + n : at + n + m],
                spans,
                words,
                np.asarray(word_vectors, dtype=np.float32).reshape(len(words), vectors.shape[1]),
            )
        )
    return indexes


def index_from_vectors(
    article: Article,
    paragraph_vectors: Vectors,
    sentence_vectors: Vectors,
    spans: npt.NDArray[np.int64],
    words: Sequence[str],
    word_vectors: Vectors,
) -> ArticleIndex:
    """The index of an article whose vectors were encoded before (kept in a database, say):
    only the lexical side is computed. ValueError when the parts do not fit the article."""
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 3)
    if not spans_fit(spans, article):
        raise ValueError("the sentence spans do not fit the article")
    if len(paragraph_vectors) != len(article.paragraphs) or len(sentence_vectors) != len(spans):
        raise ValueError("one vector per paragraph and per sentence is needed")
    paragraphs, sentences = named_texts(article, spans)
    return ArticleIndex(
        article=article,
        paragraph_vectors=np.ascontiguousarray(paragraph_vectors, dtype=np.float32),
        sentence_vectors=np.ascontiguousarray(sentence_vectors, dtype=np.float32),
        sentence_spans=spans,
        paragraph_bm25=Bm25.build(paragraphs, article.language),
        sentence_bm25=Bm25.build(sentences, article.language),
        vocabulary=Vocabulary(
            words, np.ascontiguousarray(word_vectors, dtype=np.float32), article.language
        ),
    )


def spans_fit(spans: npt.NDArray[np.int64], article: Article) -> bool:
    """Whether sentence spans cover every paragraph of `article`, in order, within it."""
    if len(spans) == 0:
        return False
    lengths = np.asarray([len(p) for p in article.paragraphs])
    para, start, end = spans[:, 0], spans[:, 1], spans[:, 2]
    return bool(
        np.all(np.diff(para) >= 0)
        and para.min() >= 0
        and para.max() < len(lengths)
        and np.all(start >= 0)
        and np.all(start < end)
        and np.all(end <= lengths[np.clip(para, 0, len(lengths) - 1)])
        and len(np.unique(para)) == len(lengths)
    )
