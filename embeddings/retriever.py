"""The retriever: ranks an article's paragraphs for a question and decides if any answers it.

The signals are computed here; how they are weighted and combined, and the bar an
answer must clear, are in `scoring`. The question is read in the article's language (one
in another language shares few words with it, and the word signals then weigh little). A
question word the article does not use is matched, for BM25, through the article word
closest in meaning (see `vocabulary`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings import scoring
from embeddings.about import about_closeness
from embeddings.answer import Answer, Passage
from embeddings.index import ArticleIndex
from embeddings.language.detect import UNDETERMINED, question_language
from embeddings.lexical import content_words, names, stem, tokenize
from embeddings.models.protocol import Embedder
from embeddings.question import QuestionError, clean_question
from embeddings.types import Scores, Vectors
from embeddings.vocabulary import WordExpander


@dataclass(frozen=True)
class Ranking:
    """Per-paragraph scores of one question, plus what highlights need.

    Paragraphs outside the candidates score -inf in `scores` and `best_sentence_cosine`.
    """

    scores: Scores  # (n,) fused score per paragraph
    paragraph_cosine: Scores  # (n,)
    paragraph_bm25: Scores  # (n,)
    best_sentence_cosine: Scores  # (n,) best sentence cosine per paragraph
    coverage: float  # share of the question's words found in the article
    evidence: float  # `matched_share` of the question's words in the article
    unknown_names: tuple[str, ...]  # names in the question the article never mentions
    sentence_ids: npt.NDArray[np.int64]  # the candidates' sentences, ascending
    sentence_scores: Scores  # aligned with sentence_ids: cosine + lexical, for highlights
    query_vector: Vectors
    tokens: tuple[str, ...]  # the question's words, as the lexical side sees them
    expansion: Mapping[str, float]  # article tokens standing in for absent words
    cross_language: bool = False  # asked in another language than the article's

    @property
    def relevance(self) -> Scores:
        """Per paragraph: a score that means the same in every article (see `scoring`)."""
        return self.best_sentence_cosine + self.credit(self.evidence)

    @property
    def top_relevance(self) -> float:
        """The `relevance` of the best paragraph (the first of equals)."""
        return float(self.relevance[int(np.argmax(self.scores))])

    def credit(self, share: float) -> float:
        """What `relevance` adds to a best sentence's cosine, for a `matched_share`."""
        return scoring.credit(share, bool(self.unknown_names), self.cross_language)


def _cased(word: str) -> bool:
    """Whether `word` has letters with an upper and a lower case (Latin, Cyrillic, Greek…)."""
    return any(c.lower() != c.upper() for c in word)


def zscore(values: npt.NDArray[np.floating]) -> Scores:
    """Standardise to mean 0, deviation 1; all zeros when the values do not vary."""
    centred = np.asarray(values, dtype=np.float32)
    if centred.size == 0:
        return centred
    centred = centred - centred.mean()
    std = float(np.sqrt(np.dot(centred, centred) / centred.size))
    if std < 1e-9:
        return np.zeros_like(centred)
    return np.asarray(centred / np.float32(std), dtype=np.float32)


def fuse(signals: Sequence[npt.NDArray[np.floating]]) -> Scores:
    """Equal-weight sum of z-scored signals over the same items."""
    return np.asarray(np.sum([zscore(s) for s in signals], axis=0), dtype=np.float32)


def group_max(values: Scores, starts: npt.NDArray[np.int64]) -> Scores:
    """Maximum of each consecutive group of `values` beginning at `starts`."""
    return np.asarray(np.maximum.reduceat(values, starts), dtype=np.float32)


def _spread(values: Scores, positions: npt.NDArray[np.int64], size: int) -> Scores:
    """`values` placed at `positions` of a length-`size` array that is -inf elsewhere."""
    if len(positions) == size:
        return values
    out = np.full(size, -np.inf, dtype=np.float32)
    out[positions] = values
    return out


def top_k(scores: Scores, k: int) -> npt.NDArray[np.int64]:
    """Indices of the `k` highest scores, best first (ties keep the lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order].astype(np.int64)


class Retriever:
    """Answers questions about one indexed article."""

    def __init__(
        self,
        index: ArticleIndex,
        embedder: Embedder,
        min_relevance: float | None = None,
        word_vectors: dict[str, Vectors] | None = None,
    ) -> None:
        """`word_vectors` caches question words' vectors; retrievers of one model may share
        it, so a question asked of several articles encodes each word once."""
        self.index = index
        self.embedder = embedder
        self.min_relevance = (
            scoring.DEFAULT_MIN_RELEVANCE if min_relevance is None else min_relevance
        )
        # The model's cosines on the scale the bars were set on (see `scoring.Calibration`).
        self.calibration = scoring.calibration(embedder.model_id)
        self._starts = index.sentence_starts
        self._ends = np.append(self._starts[1:], len(index.sentence_spans))
        self.word_vectors: dict[str, Vectors] = {} if word_vectors is None else word_vectors
        self._expander = WordExpander(
            index.vocabulary, embedder.encode_queries, self.word_vectors, self.calibration.words
        )
        self._paragraph_words: dict[int, frozenset[str]] = {}
        self.language = index.article.language

    def rank(self, question: str, query_vector: Vectors | None = None) -> Ranking:
        """Score the paragraphs for an already cleaned question.

        Paragraph-level signals are computed for all paragraphs; sentence-level ones
        only for the `scoring.CANDIDATES` best by the paragraph-level signals (all of them in
        any article shorter than that).
        """
        index = self.index
        words = content_words(question, self.language)
        tokens = [stem(w, self.language) for w in words]
        coverage = index.paragraph_bm25.coverage(tokens)
        absent = [
            w for w, t in zip(words, tokens, strict=True) if not index.paragraph_bm25.contains(t)
        ]
        # With no word in common the lexical signals carry no weight: nothing to expand.
        missing = absent if coverage > 0 else []
        # Without a capital mid-sentence, a name may be written in lower case ("what did
        # biden say"): then any absent word the model's vocabulary lacks whole may be one.
        # Only words written in a cased script: a word of Chinese characters is a pair of
        # them, which no vocabulary keeps whole.
        named = names(question, self.language) or [
            w for w in absent if _cased(w) and not self.embedder.knows_word(w)
        ]
        absent_names = [
            n for n in named if not index.paragraph_bm25.contains(stem(n, self.language))
        ]
        if query_vector is None:
            query_vector, expansion, closeness = self._expander.expand_with_question(
                question, missing, absent_names
            )
        else:
            expansion = self._expander.expand(missing)
            closeness = self._expander.similarity(absent_names)
        scale = self.calibration.texts
        paragraph_cos = scale(index.paragraph_vectors @ query_vector)
        weights = scoring.stand_in_weights(expansion)
        paragraph_bm25 = index.paragraph_bm25.scores(tokens, weights)
        n = len(paragraph_cos)
        if n > scoring.CANDIDATES:
            candidates = np.sort(top_k(fuse([paragraph_cos, paragraph_bm25]), scoring.CANDIDATES))
            lengths = self._ends[candidates] - self._starts[candidates]
            group_starts = np.cumsum(lengths) - lengths
            sentence_ids = np.repeat(self._starts[candidates] - group_starts, lengths) + np.arange(
                int(lengths.sum())
            )
            sentence_cos = scale(index.sentence_vectors[sentence_ids] @ query_vector)
        else:
            candidates, group_starts = np.arange(n), self._starts
            sentence_ids = np.arange(len(index.sentence_spans))
            sentence_cos = scale(index.sentence_vectors @ query_vector)
        sentence_bm25 = index.sentence_bm25.scores(tokens, weights)[sentence_ids]
        best_cos = group_max(sentence_cos, group_starts)
        dense = fuse([paragraph_cos[candidates], best_cos])
        lexical = fuse([paragraph_bm25[candidates], group_max(sentence_bm25, group_starts)])
        fused = scoring.combine(dense, lexical, coverage)
        return Ranking(
            scores=_spread(fused, candidates, n),
            paragraph_cosine=paragraph_cos,
            paragraph_bm25=paragraph_bm25,
            best_sentence_cosine=_spread(best_cos, candidates, n),
            coverage=coverage,
            evidence=scoring.matched_share(tokens, expansion, index.paragraph_bm25.contains),
            unknown_names=tuple(
                n for n, c in zip(absent_names, closeness, strict=True) if c < scoring.NAME_STAND_IN
            ),
            sentence_ids=sentence_ids,
            sentence_scores=zscore(sentence_cos) + zscore(sentence_bm25),
            query_vector=query_vector,
            tokens=tuple(tokens),
            expansion=expansion,
            cross_language=self._is_cross_language(question),
        )

    def _is_cross_language(self, question: str) -> bool:
        """Whether the question is clearly in another language than the article's."""
        if self.language == UNDETERMINED:
            return False
        asked_in = question_language(question)
        return asked_in not in (UNDETERMINED, self.language)

    def answer(self, question: str, top_k_passages: int = 3) -> Answer:
        """Answer a raw question: the best passages, or `answered=False`."""
        article = self.index.article
        try:
            cleaned, note = clean_question(question)
        except QuestionError as exc:
            return Answer(question, False, (), article, error=str(exc))
        return self.answer_from(cleaned, self.rank(cleaned), top_k_passages, note)

    def answer_from(
        self, question: str, ranking: Ranking, top_k_passages: int = 3, note: str | None = None
    ) -> Answer:
        """The answer to a cleaned question, from its ranking."""
        article = self.index.article
        if self.is_about_the_article(ranking):
            opening = Passage(1, article.paragraphs[0], self.index.sentence_text(0), 0.0, article)
            return Answer(question, True, (opening,), article, note=note, about=True)
        chosen = self.select(ranking, top_k_passages)
        return Answer(
            question,
            answered=bool(chosen),
            passages=tuple(self._passage(i, ranking) for i in chosen),
            article=article,
            relevance=ranking.top_relevance,
            note=note,
            tentative=self.is_tentative(ranking),
        )

    def is_about_the_article(self, ranking: Ranking) -> bool:
        """Whether a question the article does not answer outright (it declines, or answers
        only tentatively) asks about the article as a whole (see `about`)."""
        if ranking.top_relevance >= self.min_relevance + scoring.TENTATIVE_MARGIN:
            return False
        closeness = about_closeness(self.embedder, ranking.query_vector)
        return self.calibration.texts(closeness) >= scoring.ABOUT_BAR

    def select(self, ranking: Ranking, k: int) -> list[int]:
        """The paragraphs (0-based, best first) to quote; empty when the article has no answer.

        The best paragraph must reach `min_relevance`; it is quoted alone when the answer is
        tentative or the question is in another language than the article. Every other one
        quoted must reach the bar on its own: counting only the question's words (and
        stand-ins) found in it.
        """
        best = top_k(ranking.scores, max(1, k))
        if ranking.top_relevance < self.min_relevance:
            return []
        # A question in another language has no words of its own in the article to vouch
        # for a second passage: the best one is quoted alone.
        if self.is_tentative(ranking) or ranking.cross_language:
            return [int(best[0])]
        return [int(best[0])] + [
            int(i) for i in best[1:] if self._own_relevance(int(i), ranking) >= self.min_relevance
        ]

    def is_tentative(self, ranking: Ranking) -> bool:
        """Whether the best paragraph clears the bar, but only just (see `scoring`)."""
        return scoring.is_tentative(ranking.top_relevance, self.min_relevance)

    def _own_relevance(self, paragraph: int, ranking: Ranking) -> float:
        share = scoring.matched_share(
            ranking.tokens, ranking.expansion, self._words_of(paragraph).__contains__
        )
        return float(ranking.best_sentence_cosine[paragraph]) + ranking.credit(share)

    def _words_of(self, paragraph: int) -> frozenset[str]:
        """A paragraph's tokens, each paragraph tokenized once per retriever."""
        words = self._paragraph_words.get(paragraph)
        if words is None:
            words = frozenset(tokenize(self.index.article.paragraphs[paragraph], self.language))
            self._paragraph_words[paragraph] = words
        return words

    def highlight(self, paragraph: int, ranking: Ranking) -> str:
        """The sentence of a paragraph (0-based) that best matches the question."""
        start, end = int(self._starts[paragraph]), int(self._ends[paragraph])
        at = int(np.searchsorted(ranking.sentence_ids, start))
        if at < len(ranking.sentence_ids) and ranking.sentence_ids[at] == start:
            scores = ranking.sentence_scores[at : at + end - start]
        else:  # not a candidate: judge its sentences by meaning alone
            scores = self.index.sentence_vectors[start:end] @ ranking.query_vector
        return self.index.sentence_text(start + int(np.argmax(scores)))

    def _passage(self, paragraph: int, ranking: Ranking) -> Passage:
        return Passage(
            paragraph=paragraph + 1,
            text=self.index.article.paragraphs[paragraph],
            highlight=self.highlight(paragraph, ranking),
            score=float(ranking.scores[paragraph]),
            article=self.index.article,
        )
