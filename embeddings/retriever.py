"""The retriever: ranks an article's paragraphs for a question and decides if any answers it.

Each paragraph gets four signals, each z-scored across the article and summed
with equal weights: dense cosine of the paragraph, dense cosine of its best
sentence, BM25 of the paragraph, and BM25 of its best sentence. Whether the
article answers at all is decided on `relevance`, a score whose meaning does
not depend on the article: the best sentence's cosine plus a small credit for
the share of the question's words found in the article.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.answer import Answer, Passage
from embeddings.embedder import Embedder, Vectors
from embeddings.errors import ArticleBotError
from embeddings.index import ArticleIndex
from embeddings.lexical import tokenize

MAX_QUESTION_CHARS = 500
"""Longer questions are cut to this many characters (with a note in the answer)."""

DEFAULT_MIN_RELEVANCE = 0.65
"""Calibrated on SQuAD v1.1 dev: 99.4% of questions clear it in their own article,
93.9% fall below it when asked of another article."""

COVERAGE_WEIGHT = 0.5

Scores = npt.NDArray[np.float32]
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


class QuestionError(ArticleBotError):
    """The question is blank once cleaned."""


@dataclass(frozen=True)
class Ranking:
    """Per-paragraph fused scores plus the sentence scores used for highlights."""

    scores: Scores  # (n,) fused score per paragraph
    sentence_scores: Scores  # (m,) cosine + lexical per sentence, for highlights
    paragraph_cosine: Scores  # (n,)
    paragraph_bm25: Scores  # (n,)
    best_sentence_cosine: Scores  # (n,) best sentence cosine per paragraph
    coverage: float

    @property
    def relevance(self) -> Scores:
        """Per paragraph: a score that means the same in every article (see module doc)."""
        return self.best_sentence_cosine + COVERAGE_WEIGHT * self.coverage


def zscore(values: npt.NDArray[np.floating]) -> Scores:
    """Standardise to mean 0, deviation 1; all zeros when the values do not vary."""
    values = np.asarray(values, dtype=np.float32)
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values)
    return np.asarray((values - values.mean()) / std, dtype=np.float32)


def fuse(signals: Sequence[npt.NDArray[np.floating]]) -> Scores:
    """Equal-weight sum of z-scored signals over the same items."""
    return np.asarray(np.sum([zscore(s) for s in signals], axis=0), dtype=np.float32)


def group_max(values: Scores, starts: npt.NDArray[np.int64]) -> Scores:
    """Maximum of each consecutive group of `values` beginning at `starts`."""
    return np.asarray(np.maximum.reduceat(values, starts), dtype=np.float32)


def top_k(scores: Scores, k: int) -> npt.NDArray[np.int64]:
    """Indices of the `k` highest scores, best first (ties keep the lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order].astype(np.int64)


def clean_question(text: str) -> tuple[str, str | None]:
    """Drop control and invisible characters, fold white space, cut to the length limit.

    Returns the question and a note when it was shortened; raises `QuestionError`
    when nothing is left.
    """
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is blank")
    if len(text) > MAX_QUESTION_CHARS:
        cut = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUESTION_CHARS]
        return cut, f"question cut to its first {len(cut)} characters"
    return text, None


class Retriever:
    """Answers questions about one indexed article."""

    def __init__(
        self,
        index: ArticleIndex,
        embedder: Embedder,
        min_relevance: float = DEFAULT_MIN_RELEVANCE,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.min_relevance = min_relevance
        self._starts = index.sentence_starts

    def rank(self, question: str, query_vector: Vectors | None = None) -> Ranking:
        """Score every paragraph and sentence for an already cleaned question."""
        index = self.index
        if query_vector is None:
            query_vector = self.embedder.encode_query(question)
        tokens = tokenize(question)
        paragraph_cos = index.paragraph_vectors @ query_vector
        sentence_cos = index.sentence_vectors @ query_vector
        sentence_bm25 = index.sentence_bm25.scores(tokens)
        paragraph_bm25 = index.paragraph_bm25.scores(tokens)
        best_cos = group_max(sentence_cos, self._starts)
        scores = fuse(
            [paragraph_cos, best_cos, paragraph_bm25, group_max(sentence_bm25, self._starts)]
        )
        return Ranking(
            scores=scores,
            sentence_scores=zscore(sentence_cos) + zscore(sentence_bm25),
            paragraph_cosine=paragraph_cos,
            paragraph_bm25=paragraph_bm25,
            best_sentence_cosine=best_cos,
            coverage=index.paragraph_bm25.coverage(tokens),
        )

    def answer(self, question: str, top_k_passages: int = 3) -> Answer:
        """Answer a raw question: the best passages, or `answered=False`."""
        article = self.index.article
        try:
            cleaned, note = clean_question(question)
        except QuestionError as exc:
            return Answer(question, False, (), article, error=str(exc))
        ranking = self.rank(cleaned)
        chosen = self.select(ranking, top_k_passages)
        relevance = float(ranking.relevance[top_k(ranking.scores, 1)[0]])
        passages = tuple(self._passage(i, ranking) for i in chosen)
        return Answer(cleaned, bool(chosen), passages, article, relevance, note)

    def select(self, ranking: Ranking, k: int) -> list[int]:
        """The paragraphs (0-based, best first) to quote; empty when the article has no answer.

        The best paragraph must reach `min_relevance`; so must every other one quoted.
        """
        relevance = ranking.relevance
        best = top_k(ranking.scores, max(1, k))
        if relevance[best[0]] < self.min_relevance:
            return []
        return [int(best[0])] + [int(i) for i in best[1:] if relevance[i] >= self.min_relevance]

    def highlight(self, paragraph: int, ranking: Ranking) -> str:
        """The sentence of a paragraph (0-based) that best matches the question."""
        start = int(self._starts[paragraph])
        end = (
            int(self._starts[paragraph + 1])
            if paragraph + 1 < len(self._starts)
            else len(self.index.sentence_spans)
        )
        return self.index.sentence_text(start + int(np.argmax(ranking.sentence_scores[start:end])))

    def _passage(self, paragraph: int, ranking: Ranking) -> Passage:
        return Passage(
            paragraph=paragraph + 1,
            text=self.index.article.paragraphs[paragraph],
            highlight=self.highlight(paragraph, ranking),
            score=float(ranking.scores[paragraph]),
        )
