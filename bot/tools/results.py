"""`python -m bot results`: the README's results table, measured afresh.

Quality comes from `eval` on each question set (and SQuAD, when its file is there),
speed from `bench`'s start-up and latency measurements. With `--write FILE`, the table
replaces the one between the `<!-- results -->` and `<!-- /results -->` markers.
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
PAGES = Path("../shared/data/realworld-pages")
_BLOCK = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)


def run_results(settings: Settings, squad: Path | None, write: Path | None) -> int:
    """Measure, print the table, and write it into `write` if given."""
    table = results_table(settings, squad if squad is not None else SQUAD)
    print(table)
    if write is not None:
        text = write.read_text(encoding="utf-8")
        if not _BLOCK.search(text):
            raise ArticleError(f"{write}: no <!-- results --> … <!-- /results --> block")
        write.write_text(_BLOCK.sub(lambda m: m[1] + table + "\n" + m[2], text), "utf-8")
    return 0


def results_table(settings: Settings, squad: Path) -> str:
    """The table: one row a question set, then the speed figures."""
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
        f"{start['bare_model_s']:.2f} s to import sentence-transformers and load the model; "
        f"peak memory {start['peak_rss_mb']:.0f} MB.",
    ]
    return "\n".join(rows)


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
