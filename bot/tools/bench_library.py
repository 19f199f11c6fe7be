"""The large-library part of `python -m bot bench`: one server holding many synthetic
articles of 40 paragraphs, asked as the bot asks it, beside plain baselines over the same
paragraphs.

The articles' vectors are random (encoding 40,000 paragraphs with the model would take
most of an hour); questions are encoded by the real model, so a question's time is the
bot's. What is measured is speed and memory, not answers.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.library.answering import Answerer
from bot.library.scope import Scope
from bot.library.store import Library, sqlite_url
from bot.settings import Settings
from bot.startup import prepare
from bot.tools.bench import Figures, _percentiles, _time_each, machine, synthetic_article
from embeddings.index_cache import load_index
from embeddings.lexical import Bm25, tokenize
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever, top_k
from embeddings.types import Vectors

GUILD = 1


class BenchEmbedder:
    """Random unit vectors for documents, the real model for questions."""

    def __init__(self, real: Embedder, seed: int = 0) -> None:
        self.real = real
        self.model_id = f"bench-random+{real.model_id}"
        self._rng = np.random.default_rng(seed)
        self._dim = int(real.encode_queries(["dimension"]).shape[1])

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        vectors = self._rng.standard_normal((len(texts), self._dim), dtype=np.float32)
        return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), np.float32)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.real.encode_queries(texts)

    def knows_word(self, word: str) -> bool:
        return self.real.knows_word(word)


def library_scale(settings: Settings, articles: int, paragraphs: int = 40) -> Figures:
    """A question across a server's library of `articles`, the first answer of a fresh
    process with that library in the database and its indexes cached, and its memory."""
    ready = prepare(settings)
    embedder = BenchEmbedder(ready.retriever.embedder)
    with tempfile.TemporaryDirectory(prefix="article-bot-library-") as directory:
        cache, database = Path(directory) / "cache", sqlite_url(Path(directory) / "library.db")
        cache.mkdir()
        if (settings.cache_dir / "models").is_dir():  # the model's export, made by prepare
            (cache / "models").symlink_to((settings.cache_dir / "models").resolve())
        library = Library.open(database, max_articles=articles)
        shelf = []
        started = time.perf_counter()
        for seed in range(articles):
            article = synthetic_article(paragraphs, seed=seed)
            article = type(article)(f"Synthetic article {seed}", article.paragraphs)
            load_index(article, embedder, cache)
            shelf.append(library.add(article, GUILD).stored.article)
        build_s = time.perf_counter() - started
        library.close()
        default = Retriever(
            load_index(ready.retriever.index.article, embedder, cache).index, embedder
        )
        answerer = Answerer(default, cache)
        scope = Scope(tuple(shelf), tuple(range(len(shelf))))
        rng = np.random.default_rng(1)
        questions = [
            " ".join(rng.choice(shelf[a].paragraphs[p].split(), 6)).replace(".", "")
            for a, p in zip(
                rng.integers(0, articles, 80), rng.integers(0, paragraphs, 80), strict=True
            )
        ]
        first = _time_each(lambda q: answerer.answer(q, scope, 3), questions[:1])[0]
        ours = _time_each(lambda q: answerer.answer(q, scope, 3), questions[20:])
        texts = [p for article in shelf for p in article.paragraphs]
        bm25 = Bm25.build(texts)
        lexical = _time_each(lambda q: top_k(bm25.scores(tokenize(q)), 3), questions[20:])
        matrix = np.concatenate([answerer.retriever(a).index.paragraph_vectors for a in shelf])
        dense = _time_each(
            lambda q: top_k(matrix @ embedder.encode_queries([q])[0], 3), questions[20:]
        )
        env = dict(os.environ, CACHE_DIR=str(cache), DATABASE_URL=database, HF_HUB_OFFLINE="1")
        fresh = _fresh_process(env, questions[:21])
    return {
        "machine": machine(),
        "articles": articles,
        "paragraphs": articles * paragraphs,
        "build_s": round(build_s, 1),
        "first_question_in_process_s": round(first, 3),
        "question_ms": _percentiles(ours),
        "bm25_only_ms": _percentiles(lexical),
        "cosine_only_ms": _percentiles(dense),
        **fresh,
    }


def _fresh_process(env: dict[str, str], questions: list[str]) -> Figures:
    """Seconds from a fresh process's start to its first answer in the library, and its
    peak memory after 21 questions."""
    code = "from bot.tools.bench_library import child\nchild()"
    ask = ["ask", "--guild", str(GUILD), "--json"]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, *ask, questions[0]], env=env, check=True, capture_output=True
    )
    first_answer_s = time.perf_counter() - started
    many = subprocess.run(
        [sys.executable, "-c", code, *ask, *questions],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    peak_kb = int(many.stderr.strip().splitlines()[-1])
    return {"first_answer_s": round(first_answer_s, 2), "peak_rss_mb": round(peak_kb / 1024)}


def child() -> None:
    """`python -m bot ARGS` with `BenchEmbedder`; its peak memory (kB) last on stderr."""
    import bot.startup
    from embeddings.models.factory import load_embedder

    def bench_model(name: str, cache_dir: Path | None = None) -> Any:
        return BenchEmbedder(load_embedder(name, cache_dir))

    bot.startup.load_embedder = bench_model  # type: ignore[attr-defined,assignment]
    sys.argv[0] = "bot"
    try:
        runpy.run_module("bot", run_name="__main__")
    finally:
        status = Path("/proc/self/status").read_text()
        print(status.split("VmHWM:")[1].split()[0], file=sys.stderr)


def run_library_bench(settings: Settings, articles: int, as_json: bool = False) -> int:
    """`python -m bot bench --library N`: measure and print the library figures."""
    print(f"measuring a library of {articles} articles ...", file=sys.stderr)
    figures = library_scale(settings, articles)
    print(json.dumps(figures, indent=2) if as_json else format_library(figures))
    return 0


def format_library(f: Figures) -> str:
    """The library figures as lines of the bench report."""
    return "\n".join(
        [
            f"Machine: {f['machine']}",
            f"Library: {f['articles']:,} synthetic articles ({f['paragraphs']:,} paragraphs) "
            f"in one server",
            f"  a question across it: p50 {f['question_ms']['p50']:.1f} ms, "
            f"p95 {f['question_ms']['p95']:.1f} ms (encoding included)",
            f"  baselines: BM25 alone over every paragraph p50 {f['bm25_only_ms']['p50']:.1f} ms, "
            f"encode + cosine over every paragraph p50 {f['cosine_only_ms']['p50']:.1f} ms",
            f"  a fresh process's first answer {f['first_answer_s']:.2f} s, "
            f"peak memory after 21 questions {f['peak_rss_mb']} MB",
            f"  (the library was built, indexed and stored in {f['build_s']} s)",
        ]
    )
