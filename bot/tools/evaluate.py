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
    EvalSet,
    FollowUpReport,
    Report,
    as_one_article,
    evaluate,
    evaluate_followups,
    evaluate_library,
    read_question_file,
    read_squad,
)
from embeddings.index_cache import load_index
from embeddings.retriever import Retriever
from embeddings.sources import open_source
from embeddings.types import Vectors


def run_eval(
    path: Path,
    settings: Settings,
    compare: bool,
    limit: int | None,
    lowercase: bool = False,
    *,
    questions: Path | None = None,
    one_article: bool = False,
    every: int = 1,
) -> int:
    """Evaluate `path` and print its table (see `measure`); a file of follow-up pairs,
    their table (see `measure_followups`)."""
    if path.name.lower().endswith(".jsonl") and not (compare or lowercase or limit):
        followups = measure_followups(path, settings)
        if followups is not None:
            print(format_followups(*followups))
            return 0
    report, title, cross = measure(
        path,
        settings,
        compare,
        limit,
        lowercase,
        questions=questions,
        one_article=one_article,
        every=every,
    )
    print(format_report(report, title, cross))
    return 0


def measure(
    path: Path,
    settings: Settings,
    compare: bool,
    limit: int | None,
    lowercase: bool = False,
    *,
    questions: Path | None = None,
    one_article: bool = False,
    every: int = 1,
) -> tuple[Report, str, bool]:
    """Evaluate `path` (JSONL questions for the configured article, or SQuAD JSON), with
    every question in lower case if `lowercase`, every `every`-th question only. SQuAD only:
    `questions` from a parallel translation of `path`, and `one_article`, all of `path`'s
    paragraphs joined into one article that every question is asked of. Returns the report,
    its title, and whether questions were also asked of another article."""
    methods = list(METHODS) if compare else ["hybrid"]
    name = path.name.lower()
    if name.endswith((".json", ".json.gz")):
        sets = read_squad(path, limit, questions)
        title = _squad_title(path, sets, questions, one_article)
        if one_article:
            sets = (as_one_article(sets, path.name),)
        runs = _squad_runs(sets, settings)
        cross = not one_article
    elif name.endswith(".jsonl"):
        if questions is not None or one_article:
            raise ArticleError(f"{path}: --questions and --one-article take a SQuAD file")
        article = open_source(settings.article, settings.cache_dir)
        cases = read_question_file(path, len(article.paragraphs))
        ready = prepare(settings, article=article)
        runs, title, cross = [(ready.retriever, cases)], f"{path.name} on {article.title!r}", False
    else:
        raise ArticleError(f"{path}: expected a .jsonl question file or SQuAD .json/.json.gz")
    if every > 1:
        runs = [(r, cases[::every]) for r, cases in runs]
        title += f", every {_ordinal(every)} question"
    if lowercase:
        runs = [(r, [replace(c, question=c.question.lower()) for c in cases]) for r, cases in runs]
        title += ", questions in lower case"
    total = sum(len(cases) for _, cases in runs)
    with tqdm(total=total, desc="questions", unit="q", leave=False) as bar:
        report = evaluate(runs, methods, cross_article=cross, progress=bar.update)
    return report, title, cross


def measure_followups(path: Path, settings: Settings) -> tuple[FollowUpReport, str] | None:
    """The follow-up pairs of a JSONL file asked of the configured article, or None when
    the file has none."""
    article = open_source(settings.article, settings.cache_dir)
    cases = [c for c in read_question_file(path, len(article.paragraphs)) if c.after]
    if not cases:
        return None
    retriever = prepare(settings, article=article).retriever
    with tqdm(total=len(cases), desc="pairs", unit="pair", leave=False) as bar:
        report = evaluate_followups(retriever, cases, progress=bar.update)
    return report, f"{path.name} on {article.title!r}"


def format_followups(report: FollowUpReport, title: str) -> str:
    """The table of `python -m bot eval` for follow-up pairs."""
    lines = [
        f"Follow-up pairs: {title}",
        "second question's right paragraph first (recall@1)",
        "",
        f"{'second question':<28} {'pairs':>5} {'alone':>7} {'after 1st':>9} {'told':>6}",
    ]
    for follows, label in ((True, "needs the first"), (False, "stands alone")):
        alone, after = report.alone[follows], report.in_context[follows]
        if not alone.questions:
            continue
        told = report.told[follows] / alone.questions
        lines.append(
            f"{label:<28} {alone.questions:>5} {alone.recall_at_1:>7.3f} "
            f"{after.recall_at_1:>9.3f} {told:>6.3f}"
        )
    lines += [
        "",
        "alone: asked as if nothing came before; after 1st: as the bot asks it, after the",
        "first question; told: the share whose need of the first question the bot told.",
    ]
    return "\n".join(lines)


def _squad_runs(
    sets: Sequence[EvalSet], settings: Settings
) -> list[tuple[Retriever, Sequence[Case]]]:
    embedder = load_model(settings)
    runs: list[tuple[Retriever, Sequence[Case]]] = []
    words: dict[str, Vectors] = {}  # question words' vectors, shared by every article
    for item in tqdm(sets, desc="indexing articles", unit="article", leave=False):
        index = load_index(item.article, embedder, settings.cache_dir).index
        runs.append((Retriever(index, embedder, settings.min_relevance, words), item.cases))
    return runs


def _squad_title(
    path: Path, sets: Sequence[EvalSet], questions: Path | None, one_article: bool
) -> str:
    source = (
        "XQuAD (Artetxe et al., 2019, CC BY-SA 4.0)"
        if path.name.lower().startswith("xquad")
        else "SQuAD v1.1 (Rajpurkar et al., 2016, CC BY-SA 4.0)"
    )
    cases = sum(len(s.cases) for s in sets)
    paragraphs = sum(len(s.article.paragraphs) for s in sets)
    shape = (
        f"{len(sets)} articles as one article of {paragraphs} paragraphs"
        if one_article
        else f"{len(sets)} articles"
    )
    asked = f" in the words of {questions.name}" if questions is not None else ""
    return f"{source}, {path.name}: {shape}, {cases} questions{asked}"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


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
    if report.by_language:
        lines += ["", *format_languages(report)]
    return "\n".join(lines)


def format_languages(report: Report) -> list[str]:
    """One line a language of the questions: recall, answered on-topic, declined off-topic."""
    lines = [
        f"{'language':<8} {'R@1':>6} {'R@3':>6} {'MRR':>6} {'answered':>9} {'declined':>9}"
        "  questions"
    ]
    for language, part in sorted(report.by_language.items()):
        score = part.methods.get("hybrid")
        recall = (
            f"{score.recall_at_1:>6.3f} {score.recall_at_3:>6.3f} {score.mrr:>6.3f}"
            if score is not None and score.questions
            else f"{'-':>6} {'-':>6} {'-':>6}"
        )
        lines.append(
            f"{language:<8} {recall} {_or_dash(part.answered):>9} {_or_dash(part.declined):>9}"
            f"  {part.on_topic} + {part.off_topic} off-topic"
        )
    return lines


def _or_dash(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "-"


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
    path: Path,
    settings: Settings,
    limit: int | None,
    every: int,
    shortlist: int,
    questions: Path | None = None,
) -> int:
    """Ask SQuAD's questions of all its articles as one library and print the figures."""
    if not path.name.lower().endswith((".json", ".json.gz")):
        raise ArticleError(f"{path}: --library takes a SQuAD .json/.json.gz file")
    sets = read_squad(path, limit, questions)
    title = _squad_title(path, sets, questions, one_article=False)
    runs = _squad_runs(sets, settings)
    total = sum(sum(c.paragraph is not None for c in cases) for _, cases in runs) // every
    with tqdm(total=total, desc="questions", unit="q", leave=False) as bar:
        report = evaluate_library(runs, every, progress=bar.update, shortlist=shortlist)
    paragraphs = sum(len(r.index.article.paragraphs) for r, _ in runs)
    n = max(1, report.questions)
    print(
        f"{title}, asked of all {len(runs)} articles ({paragraphs} paragraphs) as one library"
        f"{f', every {_ordinal(every)} question' if every > 1 else ''}\n\n"
        f"right article first:   {report.right_article / n:.3f}\n"
        f"right paragraph first: {report.right_paragraph / n:.3f} ({report.questions} questions)\n"
        f"right article ranked:  {report.shortlisted / n:.3f} (shortlist {shortlist or 'off'})\n"
        f"seconds a question:    {report.seconds / n * 1000:.1f} ms"
    )
    return 0
