"""`python -m bot bench`: speed, memory and scale, side by side with plain baselines.

Every figure is measured in one run on this machine. The baselines are what a
user could assemble alone: the same model's cosine over freshly encoded paragraphs
(plain dense search), and BM25 alone; at scale, sentence-transformers' `semantic_search`.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from bot.settings import Settings
from bot.startup import prepare
from embeddings.article import Article
from embeddings.index import build_index
from embeddings.index_cache import load_index
from embeddings.lexical import Bm25, tokenize
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever, top_k
from embeddings.sources import open_source
from embeddings.types import Vectors

QUESTIONS = [
    "When will Putin respond to the U.S. letter?",
    "What did the Washington Post report?",
    "Who is Ned Price?",
    "What did Russia's foreign ministry deny?",
    "How many troops are on the border?",
    "What did the embassy say about U.S. sanctions?",
    "What did Putin tell Macron?",
    "Who won the 2018 World Cup?",
]

Figures = dict[str, Any]
T = TypeVar("T")


def run_bench(settings: Settings, as_json: bool = False, quick: bool = False) -> int:
    """Measure everything and print a table (or JSON)."""
    figures: Figures = {"machine": machine()}

    def say(text: str) -> None:
        if not as_json:
            print(text, file=sys.stderr)

    say("measuring start-up ...")
    figures["startup"] = startup(settings, runs=1 if quick else 3)
    say("measuring index build ...")
    ready = prepare(settings)
    figures["index_build"] = index_build(
        ready.retriever.embedder, ready.retriever.index.article, copies=2 if quick else 20
    )
    say("measuring per-question latency ...")
    figures["latency"] = latency(ready.retriever, count=40 if quick else 400)
    say("measuring scale ...")
    sizes = (200, 1_000) if quick else (1_000, 10_000, 100_000)
    figures["scale"] = [
        scale(n, dim=ready.retriever.index.paragraph_vectors.shape[1]) for n in sizes
    ]
    if as_json:
        print(json.dumps(figures, indent=2))
    else:
        print(format_table(figures))
    return 0


# ---- helpers ----------------------------------------------------------------------------------


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _percentiles(samples: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1000
    return {f"p{p}": round(float(np.percentile(ms, p)), 2) for p in (50, 95, 99)}


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _time_each(fn: Callable[[T], object], items: Iterable[T]) -> list[float]:
    """Seconds taken by `fn(item)` for each item."""
    seconds = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        seconds.append(time.perf_counter() - started)
    return seconds


def _rss_mb() -> float:
    """Current resident memory of this process (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _child(code: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run Python code in a fresh process; return (wall seconds, its stderr)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return time.perf_counter() - started, result.stderr


# ---- start-up ----------------------------------------------------------------------------------


def startup(settings: Settings, runs: int) -> Figures:
    """`--help`, cold start to a first answer, the bare-model baseline, and peak memory."""
    import os

    env = dict(os.environ, CACHE_DIR=str(settings.cache_dir), HF_HUB_OFFLINE="1")
    if settings.article:
        env["ARTICLE"] = settings.article
    prepare(settings)  # a warm cache, as after the bot's first start
    question = json.dumps(QUESTIONS[0])
    help_code = (
        "import sys; sys.argv=['bot','--help']\nfrom bot.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    first_code = f"from bot.cli import main\nmain(['ask', '--json', {question}])"
    # Linux: VmHWM, not ru_maxrss, since a child's ru_maxrss starts at the parent's peak
    # (kept across exec) and this parent holds a model too. Elsewhere: ru_maxrss, in bytes
    # on macOS.
    many_code = (
        "import resource, sys\nfrom bot.cli import main\n"
        f"main(['ask', '--json'] + [{question}] * 21)\n"
        "try:\n"
        "    status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "    peak_kb = int(status.split()[0])\n"
        "except (OSError, IndexError):  # no /proc, or no VmHWM line in it\n"
        "    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    peak_kb //= 1024 if sys.platform == 'darwin' else 1\n"
        "print(peak_kb, file=sys.stderr)"
    )
    bare_code = (
        "from pathlib import Path\nfrom embeddings.models.factory import load_embedder\n"
        f"m = load_embedder({settings.embedding_model!r}, Path({str(settings.cache_dir)!r}))\n"
        f"m.encode_queries([{question}])"
    )
    article = open_source(settings.article, settings.cache_dir)
    baseline_code = bare_code + (
        f"\nc = m.encode_documents({list(article.paragraphs)!r})\n"
        f"(c @ m.encode_queries([{question}])[0]).argsort()[::-1][:3]"
    )
    figures: Figures = {
        "help_s": min(_child(help_code, env)[0] for _ in range(runs)),
        "first_answer_s": min(_child(first_code, env)[0] for _ in range(runs)),
        "bare_model_s": min(_child(bare_code, env)[0] for _ in range(runs)),
        "dense_search_cold_s": min(_child(baseline_code, env)[0] for _ in range(runs)),
    }
    peak_kb = int(_child(many_code, env)[1].strip().splitlines()[-1])
    figures["peak_rss_mb"] = round(peak_kb / 1024, 1)
    figures["first_answer_vs_bare_model"] = round(
        figures["first_answer_s"] / figures["bare_model_s"], 3
    )
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}


# ---- index build -------------------------------------------------------------------------------


def index_build(embedder: Embedder, article: Article, copies: int) -> Figures:
    """Paragraphs per second when building an index (encoding included), with a progress bar."""
    paragraphs = tuple(f"{p} ({i})" for i in range(copies) for p in article.paragraphs)
    big = Article(article.title, paragraphs, language=article.language)
    seconds = _timed(lambda: build_index(big, embedder, show_progress=True))
    return {
        "paragraphs": len(paragraphs),
        "seconds": round(seconds, 2),
        "paragraphs_per_s": round(len(paragraphs) / seconds, 1),
    }


# ---- warm latency -------------------------------------------------------------------------------


class _TimedEmbedder:
    """Wraps an embedder to time query encoding separately."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.seconds = inner, inner.model_id, 0.0

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        return self.inner.encode_documents(texts, show_progress)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        started = time.perf_counter()
        vectors = self.inner.encode_queries(texts)
        self.seconds += time.perf_counter() - started
        return vectors

    def knows_word(self, word: str) -> bool:
        return self.inner.knows_word(word)


def latency(retriever: Retriever, count: int) -> Figures:
    """Warm per-question latency, split into encoding and the rest; throughput; baselines
    (the same model's plain dense search, and BM25 alone)."""
    timed = _TimedEmbedder(retriever.embedder)
    ours = Retriever(retriever.index, timed, retriever.min_relevance)
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(count)]
    for q in QUESTIONS:
        ours.answer(q)  # warm-up
    total, encode = [], []
    for q in questions:
        timed.seconds = 0.0
        total += _time_each(ours.answer, [q])
        encode.append(timed.seconds)
    rest = [t - e for t, e in zip(total, encode, strict=True)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        wall = _timed(lambda: list(pool.map(ours.answer, questions)))

    embedder = retriever.embedder
    corpus = embedder.encode_documents(list(retriever.index.article.paragraphs))
    dense = _time_each(lambda q: top_k(corpus @ embedder.encode_queries([q])[0], 3), questions)
    language = retriever.index.article.language
    bm25 = Bm25.build(retriever.index.article.paragraphs, language)
    lexical = _time_each(lambda q: top_k(bm25.scores(tokenize(q, language)), 3), questions)
    figures: Figures = {
        "questions": count,
        "total_ms": _percentiles(total),
        "encode_ms": _percentiles(encode),
        "rest_ms": _percentiles(rest),
        "sequential_qps": round(count / sum(total), 1),
        "concurrent_qps": round(count / wall, 1),
        "bm25_only_ms": _percentiles(lexical),
        "dense_search_ms": _percentiles(dense),
    }
    return figures


# ---- scale --------------------------------------------------------------------------------------


class _RandomEmbedder:
    """Random unit vectors: the dense side of a synthetic article, without hours of encoding."""

    def __init__(self, dim: int, seed: int = 0) -> None:
        self.model_id, self.dim = f"random-{dim}", dim
        self._rng = np.random.default_rng(seed)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        return self.encode_many(len(texts))

    def encode_many(self, count: int) -> Vectors:
        vectors = self._rng.standard_normal((count, self.dim), dtype=np.float32)
        return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), np.float32)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.encode_many(len(texts))

    def knows_word(self, word: str) -> bool:
        return True


def synthetic_article(paragraphs: int, seed: int = 0) -> Article:
    """Generated text with a Zipf-like vocabulary, three sentences per paragraph."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}x" for i in range(20_000)])
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    words = rng.choice(vocabulary, size=(paragraphs, 3, 15), p=weights / weights.sum())
    texts = tuple(
        " ".join(" ".join(sentence).capitalize() + "." for sentence in paragraph)
        for paragraph in words
    )
    return Article(f"Synthetic article of {paragraphs} paragraphs", texts)


def scale(paragraphs: int, dim: int) -> Figures:
    """Search latency (no question encoding), index load time and memory at a size."""
    article = synthetic_article(paragraphs)
    embedder = _RandomEmbedder(dim)
    with tempfile.TemporaryDirectory(prefix="article-bot-bench-") as cache:
        build_s = _timed(lambda: load_index(article, embedder, Path(cache)))
        rss_before = _rss_mb()
        started = time.perf_counter()
        loaded = load_index(article, embedder, Path(cache))
        load_s = time.perf_counter() - started
        assert loaded.source == "cache"
        retriever = Retriever(loaded.index, embedder, min_relevance=-10)
        rng = np.random.default_rng(1)
        queries = [
            " ".join(rng.choice(article.paragraphs[i].split(), 6))
            for i in rng.integers(0, paragraphs, 60)
        ]
        vectors = embedder.encode_many(len(queries))
        pairs = list(zip(queries, vectors, strict=True))
        ours = _time_each(lambda pair: _search(retriever, *pair), pairs)[10:]
        rss_after = _rss_mb()

        import torch
        from sentence_transformers import util

        corpus = torch.from_numpy(np.array(loaded.index.paragraph_vectors))
        semantic = _time_each(
            lambda v: util.semantic_search(torch.from_numpy(v), corpus, top_k=3), vectors
        )[10:]
        bm25 = loaded.index.paragraph_bm25
        lexical = _time_each(lambda q: top_k(bm25.scores(tokenize(q)), 3), queries)[10:]
    return {
        "paragraphs": paragraphs,
        "build_s": round(build_s, 2),
        "load_s": round(load_s, 3),
        "search_ms": _percentiles(ours),
        "semantic_search_ms": _percentiles(semantic),
        "bm25_only_ms": _percentiles(lexical),
        "rss_growth_mb": round(rss_after - rss_before, 1),
    }


def _search(retriever: Retriever, question: str, vector: Vectors) -> None:
    ranking = retriever.rank(question, vector)
    for i in retriever.select(ranking, 3):
        retriever.highlight(i, ranking)


# ---- output -------------------------------------------------------------------------------------


def format_table(f: Figures) -> str:
    """The figures as a plain-text report with ratios to the baselines."""
    s, b, lat = f["startup"], f["index_build"], f["latency"]
    lines = [
        f"Machine: {f['machine']}",
        "",
        "Start-up (fresh process, warm cache)                   seconds",
        f"  python -m bot --help                                {s['help_s']:>7.2f}",
        f"  first answer (python -m bot ask)                    {s['first_answer_s']:>7.2f}",
        f"  bare: load the model, encode the question           {s['bare_model_s']:>7.2f}"
        f"   ours = {s['first_answer_vs_bare_model']:.2f}x",
        f"  baseline: bare + encode article + cosine top 3      {s['dense_search_cold_s']:>7.2f}",
        f"  peak memory after 21 answers                        {s['peak_rss_mb']:>7.0f} MB",
        "",
        f"Index build: {b['paragraphs']} paragraphs in {b['seconds']} s = "
        f"{b['paragraphs_per_s']} paragraphs/s (sentences encoded too)",
        "",
        f"Warm per-question latency, {lat['questions']} questions     p50      p95      p99 (ms)",
    ]
    rows = [
        ("ours, end to end", lat["total_ms"]),
        ("  of which encoding", lat["encode_ms"]),
        ("  everything else", lat["rest_ms"]),
    ]
    rows.append(("baseline: encode + cosine top 3", lat["dense_search_ms"]))
    rows.append(("baseline: BM25 alone", lat["bm25_only_ms"]))
    lines += [
        f"  {name:<38}{r['p50']:>7.2f}  {r['p95']:>7.2f}  {r['p99']:>7.2f}" for name, r in rows
    ]
    lines.append(
        f"  questions/s: {lat['sequential_qps']} one at a time, "
        f"{lat['concurrent_qps']} with 4 at once"
    )
    lines += [
        "",
        "Scale (synthetic articles; search excludes question encoding)",
        "  paragraphs  load s  search p50/p95 ms  semantic_search p50  BM25 p50  "
        "ours/sem.  +RSS MB",
    ]
    for row in f["scale"]:
        ratio = row["search_ms"]["p50"] / max(row["semantic_search_ms"]["p50"], 1e-9)
        lines.append(
            f"  {row['paragraphs']:>10,}  {row['load_s']:>6.3f}  "
            f"{row['search_ms']['p50']:>7.2f}/{row['search_ms']['p95']:<8.2f}  "
            f"{row['semantic_search_ms']['p50']:>18.2f}  {row['bm25_only_ms']['p50']:>8.2f}  "
            f"{ratio:>8.2f}x  {row['rss_growth_mb']:>7.1f}"
        )
    return "\n".join(lines)
