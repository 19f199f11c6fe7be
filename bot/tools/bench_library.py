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

from bot.library.answering import Answerer, add_indexed, index_for
from bot.library.scope import library_scope
from bot.library.store import Library, sqlite_url
from bot.settings import Settings
from bot.startup import prepare
from bot.tools.bench import (
    Figures,
    _percentiles,
    _rss_mb,
    _time_each,
    machine,
    synthetic_article,
)
from embeddings.article import Article
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
    """A question across a server's library of `articles` kept in the database (`DATABASE_URL`
    when set, else a new SQLite file), an article added to it, and the first answer of a
    fresh process on an empty cache, with its memory."""
    ready = prepare(settings)
    embedder = BenchEmbedder(ready.retriever.embedder)
    with tempfile.TemporaryDirectory(prefix="article-bot-library-") as directory:
        cache, empty = Path(directory) / "cache", Path(directory) / "empty-cache"
        database = _database(settings, Path(directory))
        for where in (cache, empty):
            where.mkdir()
            if (settings.cache_dir / "models").is_dir():  # the model's export, made by prepare
                (where / "models").symlink_to((settings.cache_dir / "models").resolve())
        library = Library.open(database, max_articles=articles + 1)
        started = time.perf_counter()
        shelf = _fill(library, GUILD, articles, paragraphs, embedder, cache)
        build_s = time.perf_counter() - started
        default = Retriever(
            load_index(ready.retriever.index.article, embedder, cache).index, embedder
        )
        answerer = Answerer(default, cache, library)
        scope = library_scope(library.articles(GUILD), GUILD)
        questions = _questions(shelf, paragraphs, 80, seed=1)
        first = _time_each(lambda q: answerer.answer(q, scope, 3), questions[:1])[0]
        ours = _time_each(lambda q: answerer.answer(q, scope, 3), questions[20:])
        texts = [p for article in shelf for p in article.paragraphs]
        bm25 = Bm25.build(texts)
        lexical = _time_each(lambda q: top_k(bm25.scores(tokenize(q)), 3), questions[20:])
        matrix = answerer.shelf(scope).vectors
        dense = _time_each(
            lambda q: top_k(matrix @ embedder.encode_queries([q])[0], 3), questions[20:]
        )
        added = _article(articles, paragraphs)
        add_indexed(library, added, GUILD, "bench", embedder, cache)
        stored = time.perf_counter()  # from here: answerable once the bot reads the change
        grown = library_scope(library.articles(GUILD), GUILD)
        answer = answerer.answer(_questions([added], paragraphs, 1, seed=2)[0], grown, 3)
        answerable_s = time.perf_counter() - stored
        library.close()
        env = dict(os.environ, CACHE_DIR=str(empty), DATABASE_URL=database, HF_HUB_OFFLINE="1")
        fresh = _fresh_process(env, questions[:21])
    return {
        "machine": machine(),
        "database": "PostgreSQL" if database.startswith("postgres") else "SQLite",
        "articles": articles,
        "paragraphs": articles * paragraphs,
        "build_s": round(build_s, 1),
        "first_question_in_process_s": round(first, 3),
        "question_ms": _percentiles(ours),
        "bm25_only_ms": _percentiles(lexical),
        "cosine_only_ms": _percentiles(dense),
        "added_answerable_s": round(answerable_s, 3),
        "added_answered": answer.article == added,
        **fresh,
    }


def _database(settings: Settings, directory: Path) -> str:
    """`DATABASE_URL` when it names a database, else a new SQLite file in `directory`."""
    return (
        sqlite_url(directory / "library.db") if settings.database_is_default else settings.database
    )


def _article(seed: int, paragraphs: int) -> Article:
    article = synthetic_article(paragraphs, seed=seed)
    return Article(f"Synthetic article {seed}", article.paragraphs)


def _fill(
    library: Library,
    guild: int,
    articles: int,
    paragraphs: int,
    embedder: Embedder,
    cache: Path | None,
    first: int = 0,
) -> list[Article]:
    """Add `articles` synthetic articles to a server's library, as `library add` does."""
    kept = []
    for start in range(first, first + articles, 8):
        batch = [
            _article(seed, paragraphs) for seed in range(start, min(start + 8, first + articles))
        ]
        for article, index in zip(
            batch, index_for(library, batch, guild, embedder, cache), strict=True
        ):
            library.add(article, guild, "bench", index=index, model_id=embedder.model_id)
            kept.append(article)
    return kept


def _questions(shelf: Sequence[Article], paragraphs: int, count: int, seed: int) -> list[str]:
    """Questions of six words from random paragraphs of the articles."""
    rng = np.random.default_rng(seed)
    return [
        " ".join(rng.choice(shelf[a].paragraphs[p].split(), 6)).replace(".", "")
        for a, p in zip(
            rng.integers(0, len(shelf), count), rng.integers(0, paragraphs, count), strict=True
        )
    ]


def servers_in_turn(
    settings: Settings, servers: int, articles: int, paragraphs: int = 40
) -> Figures:
    """`servers` libraries of `articles` each, asked in turn by one process (the answering
    side's memory bounds at work), each library's first question timed beside the reading
    of its rows."""
    ready = prepare(settings)
    embedder = BenchEmbedder(ready.retriever.embedder)
    with tempfile.TemporaryDirectory(prefix="article-bot-servers-") as directory:
        database = _database(settings, Path(directory))
        library = Library.open(database, max_articles=articles)
        started = time.perf_counter()
        shelves = [
            _fill(library, guild, articles, paragraphs, embedder, None, first=guild * articles)
            for guild in range(1, servers + 1)
        ]
        build_s = time.perf_counter() - started
        answerer = Answerer(Retriever(ready.retriever.index, embedder), None, library)
        rss_before = _rss_mb()
        reads, firsts, rss = [], [], []
        for turn in range(6):
            for guild, shelf in enumerate(shelves, start=1):
                question = _questions(shelf, paragraphs, 1, seed=guild * 10 + turn)[0]
                began = time.perf_counter()
                scope = library_scope(library.articles(guild), guild)
                read = time.perf_counter()
                answerer.answer(question, scope, 3)
                if turn == 0:
                    reads.append(read - began)
                    firsts.append(time.perf_counter() - read)
            rss.append(round(_rss_mb()))
        library.close()
    return {
        "machine": machine(),
        "servers": servers,
        "articles": articles,
        "build_s": round(build_s, 1),
        "rows_read_ms": _percentiles(reads),
        "cold_first_question_ms": _percentiles(firsts),
        "rss_before_mb": round(rss_before),
        "rss_after_each_turn_mb": rss,
    }


def _fresh_process(env: dict[str, str], questions: list[str]) -> Figures:
    """Seconds from a fresh process's start to its first answer in the library, and its
    peak memory after 21 questions."""
    code = "from bot.tools.bench_library import child\nchild()"
    ask = ["ask", "--guild", str(GUILD), "--json"]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, "ask", "--json", questions[0]],
        env=env,
        check=True,
        capture_output=True,
    )
    start_s = time.perf_counter() - started  # the model, the default article: no library
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
    return {
        "start_s": round(start_s, 2),
        "first_answer_s": round(first_answer_s, 2),
        "peak_rss_mb": round(peak_kb / 1024),
    }


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


def run_library_bench(
    settings: Settings, articles: int, as_json: bool = False, servers: int = 0
) -> int:
    """`python -m bot bench --library N [--servers S]`: measure and print the library
    figures (with `servers`, S libraries of N articles asked in turn instead)."""
    if servers:
        print(f"measuring {servers} libraries of {articles} articles ...", file=sys.stderr)
        figures = servers_in_turn(settings, servers, articles)
        print(json.dumps(figures, indent=2) if as_json else format_servers(figures))
        return 0
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
            f"  a fresh process on an empty cache: first answer {f['first_answer_s']:.2f} s "
            f"(its start alone {f['start_s']:.2f} s), peak memory after 21 questions "
            f"{f['peak_rss_mb']} MB",
            f"  an article added: answerable {f['added_answerable_s']:.2f} s after its vectors "
            f"were stored",
            f"  (the library was indexed and stored in {f['build_s']} s, {f['database']})",
        ]
    )


def format_servers(f: Figures) -> str:
    """The figures of several libraries asked in turn."""
    turns = ", ".join(f"{mb} MB" for mb in f["rss_after_each_turn_mb"])
    return "\n".join(
        [
            f"Machine: {f['machine']}",
            f"{f['servers']} libraries of {f['articles']:,} articles, asked in turn by one process",
            f"  a library's rows read: p50 {f['rows_read_ms']['p50']:.0f} ms; its first question "
            f"then: p50 {f['cold_first_question_ms']['p50']:.0f} ms, "
            f"p95 {f['cold_first_question_ms']['p95']:.0f} ms",
            f"  memory: {f['rss_before_mb']} MB before, after each turn of all libraries: {turns}",
            f"  (the libraries were indexed and stored in {f['build_s']} s)",
        ]
    )
