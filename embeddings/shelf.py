"""Which articles of a large library are worth ranking for a question.

Ranking one article's paragraphs (`Retriever.rank`) takes a millisecond or more, too much
to do for each of a thousand articles per question. The shelf keeps every article's
paragraph vectors in one matrix and, for each word stem, the articles that use it. An
article's promise for a question is its best paragraph cosine plus `scoring.credit` for
the share of the question's words it uses: the same two parts as `Ranking.relevance`,
taken from whole paragraphs. Only the most promising `SHORTLIST` are ranked in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from embeddings import scoring
from embeddings.index import ArticleIndex
from embeddings.lexical import content_words, stem
from embeddings.models.protocol import Embedder
from embeddings.retriever import top_k
from embeddings.types import Vectors


class Shelf:
    """The paragraph vectors and word stems of a library's articles, to shortlist them."""

    def __init__(self, vectors: Sequence[Vectors], stems: Sequence[Iterable[str]]) -> None:
        if len(vectors) != len(stems) or not vectors:
            raise ValueError("one vector matrix and one word list per article are needed")
        sizes = np.array([len(v) for v in vectors], dtype=np.int64)
        self._starts = np.cumsum(sizes) - sizes
        self._vectors = np.ascontiguousarray(np.concatenate(vectors), dtype=np.float32)
        postings: dict[str, list[int]] = {}
        for article, words in enumerate(stems):
            for word in set(words):
                postings.setdefault(word, []).append(article)
        self._postings = {w: np.array(a, dtype=np.int64) for w, a in postings.items()}
        self.size = len(vectors)

    @classmethod
    def of(cls, indexes: Sequence[ArticleIndex]) -> Shelf:
        """The shelf of loaded indexes."""
        return cls(
            [index.paragraph_vectors for index in indexes],
            [stems(index.vocabulary.words) for index in indexes],
        )

    def promise(self, query_vector: Vectors, question: str) -> npt.NDArray[np.float32]:
        """Each article's promise for a cleaned question and its vector (see above)."""
        best = np.maximum.reduceat(self._vectors @ query_vector, self._starts)
        tokens = [stem(w) for w in content_words(question)]
        found = np.zeros(self.size, dtype=np.float32)
        for token in tokens:
            found[self._postings.get(token, _NONE)] += 1
        share = found / max(1, len(tokens))
        return np.asarray(best + scoring.COVERAGE_WEIGHT * share, dtype=np.float32)

    def shortlist(self, embedder: Embedder, question: str, size: int) -> tuple[Vectors, list[int]]:
        """The vector of a cleaned question, and the `size` most promising articles for it
        (their positions, best first)."""
        query_vector = embedder.encode_queries([question])[0]
        chosen = top_k(self.promise(query_vector, question), size)
        return query_vector, [int(i) for i in chosen]


def stems(words: Iterable[str]) -> set[str]:
    """The stems of an article's words, as BM25 matches them."""
    return {stem(w) for w in words}


_NONE = np.empty(0, dtype=np.int64)
