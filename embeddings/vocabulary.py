"""The article's words as vectors, to match a question's words the article does not use.

A question often names a thing in other words than the article ("spokesperson"
for "spokesman", "assurances" for "guarantees"). Each such word is replaced, for
BM25, by the article word the model finds closest to it, when their cosine
similarity is high enough to mean the same thing, and weighted by how far above
that bar it is (see `scoring.stand_in_weights`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from embeddings.lexical import content_words, stem
from embeddings.scoring import MIN_SIMILARITY, Scale
from embeddings.types import Vectors

CACHE_WORDS = 4096
"""Question words whose vectors are kept between questions."""

WORDS_PER_QUESTION = 2
"""Absent words matched per question, the longest first. Each new one costs a few
milliseconds of model time on a small CPU; raising it matches more paraphrased words at
that cost. (Always the same ones, so an answer does not depend on which words earlier
questions brought into the cache.)"""


MAX_WORD = 64
"""Longer "words" (a run of letters with no space, a link) are not kept as vocabulary."""


def article_words(texts: Sequence[str], language: str = "en") -> list[str]:
    """The distinct content words of `texts` in `language` (none longer than `MAX_WORD`),
    sorted."""
    return sorted(
        {word for text in texts for word in content_words(text, language) if len(word) <= MAX_WORD}
    )


class Vocabulary:
    """The article's distinct content words and their unit vectors, in its language."""

    def __init__(self, words: Sequence[str], vectors: Vectors, language: str = "en") -> None:
        if len(words) != len(vectors):
            raise ValueError("one vector per word is needed")
        self.words = tuple(words)
        self.vectors = vectors  # (len(words), dim), unit rows
        self.language = language

    def closest(self, vectors: Vectors) -> list[tuple[str, float]]:
        """For each row of `vectors`: the stem of the closest article word, and its cosine."""
        if not self.words or len(vectors) == 0:
            return [("", 0.0)] * len(vectors)
        similarity = vectors @ self.vectors.T
        best = similarity.argmax(axis=1)
        return [
            (stem(self.words[b], self.language), float(similarity[i, b]))
            for i, b in enumerate(best)
        ]


class WordExpander:
    """Maps question words missing from the article to weighted article tokens.

    Question words are encoded as queries, in the same model call as their question
    when `expand_with_question` is used; the article's words were encoded as documents.
    """

    def __init__(
        self,
        vocabulary: Vocabulary,
        encode: Callable[[list[str]], Vectors],
        vectors: dict[str, Vectors] | None = None,
        scale: Scale | None = None,
    ) -> None:
        """`scale` maps the model's word cosines onto the bars' (see `scoring.Calibration`)."""
        self.vocabulary = vocabulary
        self._encode = encode
        self._scale = scale or Scale()
        # Question words' vectors, by word: the same for every article of one model, so
        # the expanders of several articles may share them (`vectors`).
        self._vectors: dict[str, Vectors] = {} if vectors is None else vectors

    def expand(self, words: Sequence[str]) -> dict[str, float]:
        """Article tokens standing in for `words`, with weights (similarities) in (0, 1].

        Only the `WORDS_PER_QUESTION` longest are matched; words seen before cost nothing.
        """
        return self._match(self._encoded([], _longest(words))[1])

    def expand_with_question(
        self, question: str, words: Sequence[str], others: Sequence[str] = ()
    ) -> tuple[Vectors, dict[str, float], list[float]]:
        """The question's vector, `expand(words)` and `similarity(others)`, from a single
        model call."""
        longest = _longest(words)
        questions, vectors = self._encoded([question], longest + list(others))
        split = len(longest)
        return questions[0], self._match(vectors[:split]), self._closeness(vectors[split:])

    def similarity(self, words: Sequence[str]) -> list[float]:
        """For each of `words`: its cosine with the closest article word."""
        return self._closeness(self._encoded([], list(words))[1])

    def _closeness(self, vectors: Vectors) -> list[float]:
        return [self._scale(similarity) for _, similarity in self.vocabulary.closest(vectors)]

    def _match(self, vectors: Vectors) -> dict[str, float]:
        expansion: dict[str, float] = {}
        for token, cosine in self.vocabulary.closest(vectors):
            similarity = min(1.0, self._scale(cosine))
            if similarity >= MIN_SIMILARITY:
                expansion[token] = max(similarity, expansion.get(token, 0.0))
        return expansion

    def _encoded(self, texts: list[str], words: list[str]) -> tuple[Vectors, Vectors]:
        """Vectors of `texts` and of `words` from one model call; cached words are reused.

        Safe to call from several threads: the result is assembled from a local copy.
        """
        found = {w: v for w in words if (v := self._vectors.get(w)) is not None}
        missing = [w for w in dict.fromkeys(words) if w not in found]
        dim = self.vocabulary.vectors.shape[1]
        empty = np.empty((0, dim), dtype=np.float32)
        encoded = self._encode(texts + missing) if texts or missing else empty
        # Copies: a row of the model's output would keep the whole output alive.
        fresh = {w: v.copy() for w, v in zip(missing, encoded[len(texts) :], strict=True)}
        found.update(fresh)
        if len(self._vectors) + len(fresh) > CACHE_WORDS:
            self._vectors.clear()
        self._vectors.update(fresh)
        word_vectors = np.stack([found[w] for w in words]) if words else empty
        return encoded[: len(texts)], word_vectors


def _longest(words: Sequence[str]) -> list[str]:
    """The `WORDS_PER_QUESTION` longest distinct words (ties alphabetical)."""
    return sorted(set(words), key=lambda w: (-len(w), w))[:WORDS_PER_QUESTION]
