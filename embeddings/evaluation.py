"""Retrieval quality: question sets, SQuAD, and recall / MRR / decline rates per method."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embeddings import scoring
from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.question import QuestionError, clean_question
from embeddings.retriever import Ranking, Retriever, fuse
from embeddings.types import Scores

Method = Callable[[Ranking], Scores]

METHODS: dict[str, Method] = {
    "hybrid": lambda r: r.scores,
    "bm25": lambda r: r.paragraph_bm25,
    "dense": lambda r: r.paragraph_cosine,
    "zsum": lambda r: fuse([r.paragraph_cosine, r.paragraph_bm25]),
}
"""`hybrid` is what the bot uses; the others are the plain baselines it is compared with."""


@dataclass(frozen=True)
class Case:
    """A question and its right paragraph (0-based), or None when the article has no answer."""

    question: str
    paragraph: int | None
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvalSet:
    article: Article
    cases: tuple[Case, ...]


@dataclass
class MethodScore:
    method: str
    questions: int = 0
    top1: int = 0
    top3: int = 0
    reciprocal_rank: float = 0.0

    @property
    def recall_at_1(self) -> float:
        return self.top1 / self.questions if self.questions else 0.0

    @property
    def recall_at_3(self) -> float:
        return self.top3 / self.questions if self.questions else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_rank / self.questions if self.questions else 0.0

    def add(self, scores: Scores, gold: int) -> None:
        """Count one question; ties are counted against the right paragraph."""
        rank = int(np.sum(scores > scores[gold]) + np.sum(scores == scores[gold]) - 1)
        self.questions += 1
        self.top1 += rank == 0
        self.top3 += rank < 3
        self.reciprocal_rank += 1.0 / (rank + 1)


@dataclass
class Report:
    """Everything one evaluation run measured."""

    methods: dict[str, MethodScore]
    on_topic: int = 0
    answered_on_topic: int = 0
    off_topic: int = 0
    declined_off_topic: int = 0
    tentative_on_topic: int = 0  # answered, but tentatively (see `Retriever.is_tentative`)
    tentative_off_topic: int = 0
    about_on_topic: int = 0  # answered as a question about the article as a whole
    about_off_topic: int = 0
    highlights: int = 0
    highlight_hits: int = 0
    questions: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def questions_per_second(self) -> float:
        return self.questions / self.seconds if self.seconds else 0.0

    def rate(self, hits: int, total: int) -> float | None:
        return hits / total if total else None


def read_question_file(path: Path, paragraphs: int) -> tuple[Case, ...]:
    """Read JSONL lines `{"question": str, "paragraph": <1-based int or null>}`."""
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read question file ({exc.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, paragraph = str(row["question"]), row["paragraph"]
            if paragraph is not None and not (
                isinstance(paragraph, int) and 1 <= paragraph <= paragraphs
            ):
                raise ValueError(f"paragraph must be 1..{paragraphs} or null")
        except (ValueError, KeyError, TypeError) as exc:
            raise ArticleError(f"{path}:{number}: bad question line ({exc})") from None
        cases.append(Case(question, None if paragraph is None else paragraph - 1))
    return tuple(cases)


def read_squad(path: Path, limit: int | None = None) -> tuple[EvalSet, ...]:
    """Read SQuAD JSON (optionally gzipped): one set per article, gold = the source paragraph."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            data = json.load(f)["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise ArticleError(f"{path}: not a readable SQuAD file ({exc})") from None
    sets = []
    for entry in data[:limit]:
        paragraphs = tuple(p["context"] for p in entry["paragraphs"])
        cases = tuple(
            Case(qa["question"], i, tuple(a["text"] for a in qa.get("answers", ())))
            for i, p in enumerate(entry["paragraphs"])
            for qa in p["qas"]
        )
        sets.append(EvalSet(Article(entry["title"].replace("_", " "), paragraphs), cases))
    return tuple(sets)


def evaluate(
    runs: Sequence[tuple[Retriever, Sequence[Case]]],
    methods: Iterable[str] = ("hybrid",),
    cross_article: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Rank every case with each method and count hits, declines and highlight hits.

    With `cross_article`, each question is also asked of the next run's article,
    where it has no answer, to measure how often the bot declines correctly.
    """
    report = Report({m: MethodScore(m) for m in methods})
    started = time.perf_counter()
    for position, (retriever, cases) in enumerate(runs):
        other = runs[(position + 1) % len(runs)][0] if cross_article and len(runs) > 1 else None
        for case in cases:
            try:
                question, _ = clean_question(case.question)
            except QuestionError as exc:
                report.failures.append(f"{case.question!r}: {exc}")
                continue
            ranking = retriever.rank(question)
            about = retriever.is_about_the_article(ranking)
            answered = about or bool(retriever.select(ranking, 1))
            tentative = not about and retriever.is_tentative(ranking)
            report.questions += 1
            if case.paragraph is None:
                report.off_topic += 1
                report.declined_off_topic += not answered
                report.tentative_off_topic += tentative
                report.about_off_topic += about
            else:
                report.on_topic += 1
                report.answered_on_topic += answered
                report.tentative_on_topic += tentative
                report.about_on_topic += about
                for name, score in report.methods.items():
                    score.add(METHODS[name](ranking), case.paragraph)
                if case.answers:
                    report.highlights += 1
                    sentence = retriever.highlight(case.paragraph, ranking)
                    report.highlight_hits += any(a in sentence for a in case.answers)
            if other is not None:
                elsewhere = other.rank(question, ranking.query_vector)
                about = other.is_about_the_article(elsewhere)
                report.off_topic += 1
                report.declined_off_topic += not (about or other.select(elsewhere, 1))
                report.tentative_off_topic += not about and other.is_tentative(elsewhere)
                report.about_off_topic += about
            if progress:
                progress(1)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class LibraryReport:
    """Questions asked of a whole library: how often the right article, and the right
    paragraph of it, came first."""

    questions: int = 0
    right_article: int = 0
    right_paragraph: int = 0
    shortlisted: int = 0  # the right article among those ranked in full
    seconds: float = 0.0


def evaluate_library(
    runs: Sequence[tuple[Retriever, Sequence[Case]]],
    every: int = 1,
    progress: Callable[[int], None] | None = None,
    shortlist: int = scoring.SHORTLIST,
) -> LibraryReport:
    """Ask every `every`-th question of every article in the runs as one library: in a
    library of more than `shortlist` articles (0: no limit), of the shortlisted ones."""
    from embeddings.collection import Collection
    from embeddings.shelf import Shelf

    retrievers = [retriever for retriever, _ in runs]
    shelf = Shelf.of([r.index for r in retrievers]) if 0 < shortlist < len(runs) else None
    cases = [
        (a, case) for a, (_, run) in enumerate(runs) for case in run if case.paragraph is not None
    ]
    report = LibraryReport()
    started = time.perf_counter()
    for article, case in cases[::every]:
        try:
            question, _ = clean_question(case.question)
        except QuestionError:
            continue
        if shelf is None:
            picked, rankings = list(range(len(runs))), Collection(retrievers).rank(question)
        else:
            vector, picked = shelf.shortlist(retrievers[0].embedder, question, shortlist)
            rankings = Collection([retrievers[i] for i in picked]).rank(question, vector)
        order = Collection.order(rankings)
        report.questions += 1
        if picked[order[0]] == article:
            report.right_article += 1
            report.right_paragraph += int(np.argmax(rankings[order[0]].scores)) == case.paragraph
        report.shortlisted += article in picked
        if progress:
            progress(1)
    report.seconds = time.perf_counter() - started
    return report
