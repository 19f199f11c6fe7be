"""Retrieval quality: question sets, SQuAD, and recall / MRR / decline rates per method."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import scoring
from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.followup import Context, in_context, needs_context
from embeddings.language.detect import detect_language
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
    """A question and its right paragraph (0-based), or None when the article has no answer;
    `language` is the question's language when the question set names it."""

    question: str
    paragraph: int | None
    answers: tuple[str, ...] = ()
    language: str | None = None
    after: str | None = None
    """The question asked just before, for a follow-up pair."""
    follows: bool = False
    """Whether the question needs `after` to be understood (the set's own judgement)."""


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
    """Everything one evaluation run measured; `by_language` the same for the questions of
    each language, when the cases name their language."""

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
    by_language: dict[str, Report] = field(default_factory=dict)

    @property
    def questions_per_second(self) -> float:
        return self.questions / self.seconds if self.seconds else 0.0

    def rate(self, hits: int, total: int) -> float | None:
        return hits / total if total else None

    @property
    def answered(self) -> float | None:
        """The share of on-topic questions answered, None without any."""
        return self.rate(self.answered_on_topic, self.on_topic)

    @property
    def declined(self) -> float | None:
        """The share of off-topic questions declined, None without any."""
        return self.rate(self.declined_off_topic, self.off_topic)

    def count(self, case: Case, ranking: Ranking, asked: Asked, hit: bool | None) -> None:
        """Count one question asked of its own article, here and under its language."""
        for report in self._reports_for(case):
            report.questions += 1
            if case.paragraph is None:
                report.count_off_topic(asked)
                continue
            report.on_topic += 1
            report.answered_on_topic += asked.answered
            report.tentative_on_topic += asked.tentative
            report.about_on_topic += asked.about
            for name, score in report.methods.items():
                score.add(METHODS[name](ranking), case.paragraph)
            if hit is not None:
                report.highlights += 1
                report.highlight_hits += hit

    def count_off_topic(self, asked: Asked, case: Case | None = None) -> None:
        """Count a question asked of an article that does not answer it (with `case`, here
        and under its language)."""
        for report in self._reports_for(case) if case is not None else [self]:
            report.off_topic += 1
            report.declined_off_topic += not asked.answered
            report.tentative_off_topic += asked.tentative
            report.about_off_topic += asked.about

    def _reports_for(self, case: Case) -> list[Report]:
        if case.language is None:
            return [self]
        if case.language not in self.by_language:
            self.by_language[case.language] = Report({m: MethodScore(m) for m in self.methods})
        return [self, self.by_language[case.language]]


@dataclass(frozen=True)
class Asked:
    """What the bot did with one question of one article."""

    answered: bool
    tentative: bool  # answered, but tentatively (see `Retriever.is_tentative`)
    about: bool  # answered as a question about the article as a whole

    @classmethod
    def of(cls, retriever: Retriever, ranking: Ranking) -> Asked:
        about = retriever.is_about_the_article(ranking)
        return cls(
            answered=about or bool(retriever.select(ranking, 1)),
            tentative=not about and retriever.is_tentative(ranking),
            about=about,
        )


def read_question_file(path: Path, paragraphs: int) -> tuple[Case, ...]:
    """Read JSONL lines `{"question": str, "paragraph": <1-based int or null>}`, each with
    an optional `"language": str` (a code such as "de"); a follow-up pair adds `"after":
    str`, the question asked before, and `"follows": bool`, whether it needs it."""
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
            language = row.get("language")
            after, follows = row.get("after"), row.get("follows", False)
            if after is not None and not (isinstance(after, str) and after.strip()):
                raise ValueError("after must be the question asked before")
            if not isinstance(follows, bool):
                raise ValueError("follows must be true or false")
            if paragraph is not None and not (
                isinstance(paragraph, int) and 1 <= paragraph <= paragraphs
            ):
                raise ValueError(f"paragraph must be 1..{paragraphs} or null")
            if language is not None and not (isinstance(language, str) and language):
                raise ValueError("language must be a code such as 'de'")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ArticleError(f"{path}:{number}: bad question line ({exc})") from None
        gold = None if paragraph is None else paragraph - 1
        cases.append(Case(question, gold, (), language, after, follows))
    return tuple(cases)


def read_squad(
    path: Path, limit: int | None = None, questions: Path | None = None
) -> tuple[EvalSet, ...]:
    """Read SQuAD JSON (optionally gzipped): one set per article, gold = the source paragraph.

    With `questions`, a parallel translation of `path` in the same format, each question is
    asked in its words instead (see `parallel_questions`); paragraphs and answers stay `path`'s.
    """
    data = _squad_data(path)
    asked: list[str] | None = None
    if questions is not None:
        found = parallel_questions(_squad_questions(data), _squad_questions(_squad_data(questions)))
        missing = sum(q is None for q in found)
        if missing:
            raise ArticleError(
                f"{questions}: {missing} of {len(found)} questions of {path.name} have no "
                "translation (matched by id, or by position when both have as many questions)"
            )
        asked = [q for q in found if q is not None]
    sets = []
    position = 0
    for entry in data:
        paragraphs, cases = [], []
        for i, paragraph in enumerate(entry["paragraphs"]):
            paragraphs.append(paragraph["context"])
            for qa in paragraph["qas"]:
                question = qa["question"] if asked is None else asked[position]
                answers = tuple(a["text"] for a in qa.get("answers", ()))
                cases.append(Case(question, i, answers))
                position += 1
        sets.append(EvalSet(_article(entry["title"].replace("_", " "), paragraphs), tuple(cases)))
    return tuple(sets[:limit])


def _squad_data(path: Path) -> list[dict[str, Any]]:
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            data = json.load(f)["data"]
        for entry in data:
            for paragraph in entry["paragraphs"]:
                if not isinstance(paragraph["context"], str):
                    raise ValueError("a context is not text")
                for qa in paragraph["qas"]:
                    if not isinstance(qa["question"], str):
                        raise ValueError("a question is not text")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArticleError(f"{path}: not a readable SQuAD file ({exc})") from None
    return list(data)


def _squad_questions(data: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """Every question of a SQuAD file in order, with its id (None where it has none)."""
    return [
        (qa.get("id"), qa["question"])
        for entry in data
        for paragraph in entry["paragraphs"]
        for qa in paragraph["qas"]
    ]


def parallel_questions(
    original: Sequence[tuple[str | None, str]], translated: Sequence[tuple[str | None, str]]
) -> list[str | None]:
    """For each `(id, question)` of `original`, the question of `translated` with the same
    id; failing that, the one at the same position when both have as many questions; else None."""
    by_id = {key: question for key, question in translated if key is not None}
    found: list[str | None] = []
    for position, (key, _) in enumerate(original):
        if key is not None and key in by_id:
            found.append(by_id[key])
        elif len(original) == len(translated):
            found.append(translated[position][1])
        else:
            found.append(None)
    return found


def as_one_article(sets: Sequence[EvalSet], title: str) -> EvalSet:
    """Every set's paragraphs joined, in order, into one article; each case's right
    paragraph moved to its place there."""
    paragraphs: list[str] = []
    cases: list[Case] = []
    for item in sets:
        offset = len(paragraphs)
        paragraphs.extend(item.article.paragraphs)
        cases.extend(
            replace(case, paragraph=None if case.paragraph is None else case.paragraph + offset)
            for case in item.cases
        )
    return EvalSet(_article(title, paragraphs), tuple(cases))


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
            hit = None
            if case.paragraph is not None and case.answers:
                sentence = retriever.highlight(case.paragraph, ranking)
                hit = any(a in sentence for a in case.answers)
            report.count(case, ranking, Asked.of(retriever, ranking), hit)
            if other is not None:
                elsewhere = other.rank(question, ranking.query_vector)
                report.count_off_topic(Asked.of(other, elsewhere), case)
            if progress:
                progress(1)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class FollowUpReport:
    """Second questions of pairs ranked alone and after their first: right paragraph first,
    for those that need the first question (`follows`) and those that stand alone."""

    alone: dict[bool, MethodScore] = field(
        default_factory=lambda: {True: MethodScore("alone"), False: MethodScore("alone")}
    )
    in_context: dict[bool, MethodScore] = field(
        default_factory=lambda: {True: MethodScore("after"), False: MethodScore("after")}
    )
    told: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    """Pairs whose need of the first question `needs_context` told as the set does."""


def evaluate_followups(
    retriever: Retriever, cases: Sequence[Case], progress: Callable[[int], None] | None = None
) -> FollowUpReport:
    """Rank each pair's second question alone, and as the bot asks it after the first
    (`embeddings.followup`)."""
    report = FollowUpReport()
    for case in cases:
        if case.after is None or case.paragraph is None:
            continue
        question, _ = clean_question(case.question)
        context = Context.of((clean_question(case.after)[0],), retriever.index.article)
        alone = retriever.rank(question)
        asked = in_context(question, context)
        after = alone if asked == question else retriever.rank(asked)
        report.alone[case.follows].add(alone.scores, case.paragraph)
        report.in_context[case.follows].add(after.scores, case.paragraph)
        report.told[case.follows] += needs_context(question, context) == case.follows
        if progress:
            progress(1)
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


def _article(title: str, paragraphs: Sequence[str]) -> Article:
    """An article of a question set, in the language its paragraphs are written in."""
    return Article(title, tuple(paragraphs), language=detect_language("\n".join(paragraphs)))
