"""`python -m bot eval`: run an evaluation with a progress bar and print its table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from bot.settings import Settings
from bot.startup import load_model, prepare
from embeddings.errors import ArticleError
from embeddings.evaluation import (
    METHODS,
    Case,
    Report,
    evaluate,
    evaluate_library,
    read_question_file,
    read_squad,
)
from embeddings.index_cache import load_index
from embeddings.retriever import Retriever
from embeddings.sources import open_source
from embeddings.types import Vectors


def run_eval(
    path: Path, settings: Settings, compare: bool, limit: int | None, lowercase: bool = False
) -> int:
    """Evaluate `path` and print its table (see `measure`)."""
    print(format_report(*measure(path, settings, compare, limit, lowercase)))
    return 0


def measure(
    path: Path, settings: Settings, compare: bool, limit: int | None, lowercase: bool = False
) -> tuple[Report, str, bool]:
    """Evaluate `path` (JSONL questions for the configured article, or SQuAD JSON), with
    every question in lower case if `lowercase`. Returns the report, its title, and
    whether questions were also asked of another article."""
    methods = list(METHODS) if compare else ["hybrid"]
    name = path.name.lower()
    if name.endswith((".json", ".json.gz")):
        runs, title = _squad_runs(path, settings, limit)
        cross = True
    elif name.endswith(".jsonl"):
        article = open_source(settings.article, settings.cache_dir)
        cases = read_question_file(path, len(article.paragraphs))
        ready = prepare(settings, article=article)
        runs, title, cross = [(ready.retriever, cases)], f"{path.name} on {article.title!r}", False
    else:
        raise ArticleError(f"{path}: expected a .jsonl question file or SQuAD .json/.json.gz")
    if lowercase:
        runs = [(r, [replace(c, question=c.question.lower()) for c in cases]) for r, cases in runs]
        title += ", questions in lower case"
    total = sum(len(cases) for _, cases in runs)
    with tqdm(total=total, desc="questions", unit="q", leave=False) as bar:
        report = evaluate(runs, methods, cross_article=cross, progress=bar.update)
    return report, title, cross


def _squad_runs(
    path: Path, settings: Settings, limit: int | None
) -> tuple[list[tuple[Retriever, Sequence[Case]]], str]:
    sets = read_squad(path, limit)
    embedder = load_model(settings)
    runs: list[tuple[Retriever, Sequence[Case]]] = []
    words: dict[str, Vectors] = {}  # question words' vectors, shared by every article
    for item in tqdm(sets, desc="indexing articles", unit="article", leave=False):
        index = load_index(item.article, embedder, settings.cache_dir).index
        runs.append((Retriever(index, embedder, settings.min_relevance, words), item.cases))
    questions = sum(len(s.cases) for s in sets)
    title = (
        f"SQuAD v1.1 ({path.name}; Rajpurkar et al., 2016, CC BY-SA 4.0): "
        f"{len(sets)} articles, {questions} questions"
    )
    return runs, title


def format_report(report: Report, title: str, cross_article: bool) -> str:
    """The table printed by `eval`: one row per method, then the decision and highlight rates."""
    lines = [title, "", f"{'method':<8} {'R@1':>6} {'R@3':>6} {'MRR':>6}  R@1 vs hybrid"]
    base = report.methods.get("hybrid")
    for score in report.methods.values():
        ratio = f"{base.recall_at_1 / score.recall_at_1:.3f}x" if base and score.recall_at_1 else ""
        lines.append(
            f"{score.method:<8} {score.recall_at_1:>6.3f} {score.recall_at_3:>6.3f} "
            f"{score.mrr:>6.3f}  {ratio if score is not base else ''}"
        )
    lines.append("")
    answered = report.rate(report.answered_on_topic, report.on_topic)
    declined = report.rate(report.declined_off_topic, report.off_topic)
    off_label = "questions about another article" if cross_article else "off-topic questions"
    if answered is not None:
        lines.append(f"answered, on-topic questions:   {answered:.3f} ({report.on_topic})")
    if declined is not None:
        lines.append(f"declined, {off_label}: {declined:.3f} ({report.off_topic})")
    tentative = _shares(report, report.tentative_on_topic, report.tentative_off_topic, off_label)
    if tentative:
        lines.append(f"answered tentatively: {tentative}")
    if report.about_on_topic or report.about_off_topic:
        about = _shares(report, report.about_on_topic, report.about_off_topic, off_label)
        lines.append(f"answered as about the article: {about}")
    highlight = report.rate(report.highlight_hits, report.highlights)
    if highlight is not None:
        lines.append(f"highlight contains the answer: {highlight:.3f} ({report.highlights})")
    lines.append(
        f"questions per second: {report.questions_per_second:.0f} "
        f"({report.questions} questions in {report.seconds:.1f} s)"
    )
    if report.failures:
        lines.append(f"skipped {len(report.failures)} unusable questions")
    return "\n".join(lines)


def _shares(report: Report, on_topic: int, off_topic: int, off_label: str) -> str:
    """ "0.038 of on-topic questions, 0.000 of off-topic questions", for the sets there are."""
    return ", ".join(
        f"{rate:.3f} of {label}"
        for rate, label in (
            (report.rate(on_topic, report.on_topic), "on-topic questions"),
            (report.rate(off_topic, report.off_topic), off_label),
        )
        if rate is not None
    )


def run_library_eval(
    path: Path, settings: Settings, limit: int | None, every: int, shortlist: int
) -> int:
    """Ask SQuAD's questions of all its articles as one library and print the figures."""
    if not path.name.lower().endswith((".json", ".json.gz")):
        raise ArticleError(f"{path}: --library takes a SQuAD .json/.json.gz file")
    runs, title = _squad_runs(path, settings, limit)
    total = sum(sum(c.paragraph is not None for c in cases) for _, cases in runs) // every
    with tqdm(total=total, desc="questions", unit="q", leave=False) as bar:
        report = evaluate_library(runs, every, progress=bar.update, shortlist=shortlist)
    paragraphs = sum(len(r.index.article.paragraphs) for r, _ in runs)
    n = max(1, report.questions)
    print(
        f"{title}, asked of all {len(runs)} articles ({paragraphs} paragraphs) as one library"
        f"{f', every {every}th question' if every > 1 else ''}\n\n"
        f"right article first:   {report.right_article / n:.3f}\n"
        f"right paragraph first: {report.right_paragraph / n:.3f} ({report.questions} questions)\n"
        f"right article ranked:  {report.shortlisted / n:.3f} (shortlist {shortlist or 'off'})\n"
        f"seconds a question:    {report.seconds / n * 1000:.1f} ms"
    )
    return 0
