"""`python -m bot results`: the README's results table, measured afresh.

Quality comes from `eval` on each question set (and SQuAD, when its file is there), other
languages from XQuAD (when its directory is there) and the bundled article's questions in
other languages, speed from `bench`'s start-up and latency measurements. With `--write FILE`,
the table replaces the one between the `<!-- results -->` and `<!-- /results -->` markers.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings
from bot.startup import prepare
from bot.tools import bench
from bot.tools.evaluate import measure
from bot.tools.pages import measure_pages
from embeddings.errors import ArticleError
from embeddings.evaluation import Report

SETS = (
    ("bundled", "tests/data/bundled_questions.jsonl"),
    ("reworded", "tests/data/bundled_reworded.jsonl"),
    ("later", "tests/data/bundled_later.jsonl"),
    ("nearby, not in the article", "tests/data/bundled_nearby.jsonl"),
)
SQUAD = Path("../shared/data/squad-v1.1-dev.json.gz")
XQUAD = Path("../shared/data/xquad")
MULTILINGUAL = Path("tests/data/bundled_languages.jsonl")
LANGUAGES = {
    "en": "English",
    "ar": "Arabic",
    "de": "German",
    "el": "Greek",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "th": "Thai",
    "tr": "Turkish",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
PAGES = Path("../shared/data/realworld-pages")
_BLOCK = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)


def run_results(
    settings: Settings, squad: Path | None, write: Path | None, xquad: Path | None = None
) -> int:
    """Measure, print the table, and write it into `write` if given."""
    table = results_table(
        settings, squad if squad is not None else SQUAD, xquad if xquad is not None else XQUAD
    )
    print(table)
    if write is not None:
        text = write.read_text(encoding="utf-8")
        if not _BLOCK.search(text):
            raise ArticleError(f"{write}: no <!-- results --> … <!-- /results --> block")
        write.write_text(_BLOCK.sub(lambda m: m[1] + table + "\n" + m[2], text), "utf-8")
    return 0


def results_table(settings: Settings, squad: Path, xquad: Path = XQUAD) -> str:
    """The table: one row a question set, one a language, then the speed figures."""
    rows = [
        "| measured on | right paragraph first: ours / BM25 / dense | in top 3 (ours) "
        "| answered | declined |",
        "|---|---|---|---|---|",
    ]
    sets = [(label, Path(path)) for label, path in SETS]
    if squad.is_file():
        sets.insert(0, ("SQuAD v1.1 dev (declined: asked of another article)", squad))
    for label, path in sets:
        report, _, _ = measure(path, settings, compare=True, limit=None)
        rows.append(_quality_row(label, path, report))
    if MULTILINGUAL.is_file() or (xquad / "xquad.en.json.gz").is_file():
        rows += ["", languages_table(settings, xquad, MULTILINGUAL)]
    if (PAGES / "expectations.json").is_file():
        pages = measure_pages(PAGES)
        rows += [
            "",
            f"Web pages (`python -m bot pages {PAGES}`): of {pages.pages} real saved pages, "
            f"{pages.kept_share:.1%} of the text their article must have is kept, "
            f"{pages.leaked} of {pages.boilerplate} boilerplate strings leak, "
            f"{len(pages.refused)} refused, {len(pages.crashed)} crashed.",
        ]
    ready = prepare(settings)
    start = bench.startup(settings, runs=1)
    speed = bench.latency(ready.retriever, count=200)
    rows += [
        "",
        f"Speed (`python -m bot bench`, {bench.machine()}): a question takes "
        f"{speed['total_ms']['p50']:.1f} ms (p50; BM25 alone {speed['bm25_only_ms']['p50']:.2f}"
        f" ms); the first answer of a fresh process {start['first_answer_s']:.2f} s, against "
        f"{start['bare_model_s']:.2f} s to load the model and encode a question alone; "
        f"peak memory {start['peak_rss_mb']:.0f} MB.",
    ]
    return "\n".join(rows)


def languages_table(settings: Settings, xquad: Path, multilingual: Path) -> str:
    """One row a language: XQuAD's questions in it asked of the English article and of its
    own translation, each as one article, and the bundled article's questions in it; a
    measure whose file is missing is left out."""
    english = xquad / "xquad.en.json.gz"
    files = (
        {p.name.split(".")[1]: p for p in sorted(xquad.glob("xquad.*.json.gz"))}
        if english.is_file()
        else {}
    )
    own, of_english = {}, {}
    for code, path in files.items():
        own[code] = measure(path, settings, compare=False, limit=None, one_article=True)[0]
        of_english[code] = (
            own[code]
            if code == "en"
            else measure(
                english, settings, compare=False, limit=None, questions=path, one_article=True
            )[0]
        )
    bundled = (
        measure(multilingual, settings, compare=False, limit=None)[0].by_language
        if multilingual.is_file()
        else {}
    )
    notes = []
    if files:
        notes.append(
            f"XQuAD (Artetxe et al., 2019, CC BY-SA 4.0; `{xquad}`): all its paragraphs as one "
            f"article, its {own['en'].on_topic:,} questions in each language asked of the English "
            "article (`python -m bot eval xquad.en.json.gz --one-article --questions "
            "xquad.XX.json.gz`) and of the article in their own language (`eval xquad.XX.json.gz "
            "--one-article`)"
        )
    if bundled:
        sample = next(iter(bundled.values()))
        notes.append(
            f"the bundled article, the same {sample.on_topic} questions and {sample.off_topic} "
            f"off-topic ones in each language (`python -m bot eval {multilingual}`)"
        )
    rows = [f"Other languages: {'; '.join(notes)}."]
    columns: list[tuple[str, dict[str, str]]] = []  # a header, and the cell of each language
    if files:
        columns += [
            (
                "XQuAD, English article: right paragraph first / answered",
                {c: f"{_recall(r)} / {_rate(r.answered)}" for c, r in of_english.items()},
            ),
            (
                "XQuAD, same-language article: right paragraph first",
                {c: _recall(r) for c, r in own.items()},
            ),
        ]
    if bundled:
        columns.append(
            (
                "bundled article: right paragraph first / answered / declined off-topic",
                {
                    c: f"{_recall(r)} / {_rate(r.answered)} / {_rate(r.declined)}"
                    for c, r in bundled.items()
                },
            )
        )
    rows += [
        "",
        "| questions in | " + " | ".join(header for header, _ in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for code in sorted(set(files) | set(bundled), key=lambda c: (c != "en", c)):
        cells = [column.get(code, "-") for _, column in columns]
        rows.append(f"| {LANGUAGES.get(code, code)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _recall(report: Report) -> str:
    return _rate(report.methods["hybrid"].recall_at_1 if report.on_topic else None)


def _quality_row(label: str, path: Path, report: Report) -> str:
    methods = report.methods
    recall = " / ".join(f"{methods[m].recall_at_1:.3f}" for m in ("hybrid", "bm25", "dense"))
    answered = report.rate(report.answered_on_topic, report.on_topic)
    declined = report.rate(report.declined_off_topic, report.off_topic)
    on, off = report.on_topic, report.off_topic
    questions = f"{on:,} questions" if on == off or not off else f"{on:,} + {off:,} off-topic"
    return (
        f"| {label}: `{path.name}` ({questions}) | {recall} | "
        f"{methods['hybrid'].recall_at_3:.3f} | {_rate(answered)} | {_rate(declined)} |"
    )


def _rate(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "-"
