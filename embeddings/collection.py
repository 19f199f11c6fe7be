"""Questions asked of several articles at once: each passage quoted from, and citing, its own.

Each article ranks its own paragraphs (`Retriever.rank`, the question encoded once for
all); their best passages are compared by `relevance`, which means the same in every
article. The article whose best passage is most relevant answers as it would alone; a
passage of another article joins only when it answers outright too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from embeddings import scoring
from embeddings.answer import Answer
from embeddings.question import QuestionError, clean_question
from embeddings.retriever import Ranking, Retriever
from embeddings.types import Vectors


class Collection:
    """Answers questions about several indexed articles."""

    def __init__(self, retrievers: Sequence[Retriever]) -> None:
        if not retrievers:
            raise ValueError("a collection needs at least one article")
        self.retrievers = tuple(retrievers)

    def answer(
        self, question: str, top_k_passages: int = 3, query_vector: Vectors | None = None
    ) -> Answer:
        """The best passages across the articles, or a decline. A collection of one article
        answers exactly as that article's retriever does. `query_vector`: the cleaned
        question's, when it was encoded already."""
        if len(self.retrievers) == 1 and query_vector is None:
            return self.retrievers[0].answer(question, top_k_passages)
        try:
            cleaned, note = clean_question(question)
        except QuestionError as exc:
            return Answer(question, False, (), self.retrievers[0].index.article, error=str(exc))
        rankings = self.rank(cleaned, query_vector)
        order = self.order(rankings)
        best, ranking = self.retrievers[order[0]], rankings[order[0]]
        answer = best.answer_from(cleaned, ranking, top_k_passages, note)
        if not answer.answered or answer.tentative:
            return answer
        passages = list(answer.passages)
        for i in order[1:]:
            if len(passages) >= top_k_passages or not _outright(self.retrievers[i], rankings[i]):
                break
            passages += self.retrievers[i].answer_from(cleaned, rankings[i], 1, note).passages
        return replace(answer, passages=tuple(passages))

    def rank(self, question: str, query_vector: Vectors | None = None) -> list[Ranking]:
        """Each article's ranking of a cleaned question, the question encoded once."""
        if query_vector is None:
            first = self.retrievers[0].rank(question)
            return [first] + [r.rank(question, first.query_vector) for r in self.retrievers[1:]]
        return [r.rank(question, query_vector) for r in self.retrievers]

    @staticmethod
    def order(rankings: Sequence[Ranking]) -> list[int]:
        """The articles, most relevant best passage first."""
        return sorted(range(len(rankings)), key=lambda i: -rankings[i].top_relevance)


def _outright(retriever: Retriever, ranking: Ranking) -> bool:
    """Whether an article's best passage answers without doubt."""
    return ranking.top_relevance >= retriever.min_relevance + scoring.TENTATIVE_MARGIN
