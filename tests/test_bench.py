"""A smoke run of the benchmark's parts on tiny inputs (the full run is `python -m bot bench`)."""

from __future__ import annotations

import pytest

from bot.tools.bench import format_table, index_build, latency, scale, synthetic_article
from embeddings.article import Article
from embeddings.index import build_index
from embeddings.retriever import Retriever
from tests.fakes import FakeEmbedder


def test_synthetic_article_has_the_asked_size_and_three_sentences_each() -> None:
    article = synthetic_article(50)
    assert len(article.paragraphs) == 50
    assert all(p.count(".") == 3 for p in article.paragraphs)


@pytest.mark.model  # the scale baseline runs sentence-transformers on torch
def test_bench_parts_measure_and_format(article: Article) -> None:
    embedder = FakeEmbedder()
    retriever = Retriever(build_index(article, embedder), embedder)
    built = index_build(embedder, article, copies=2)
    assert built["paragraphs"] == 22 and built["paragraphs_per_s"] > 0
    warm = latency(retriever, count=16)
    assert warm["questions"] == 16
    assert warm["encode_ms"]["p50"] <= warm["total_ms"]["p50"]
    small = scale(300, dim=16)
    assert small["paragraphs"] == 300 and small["load_s"] > 0
    assert small["search_ms"]["p50"] > 0
    startup = {
        "help_s": 0.3,
        "first_answer_s": 5.0,
        "bare_model_s": 4.5,
        "dense_search_cold_s": 4.6,
        "peak_rss_mb": 500.0,
        "first_answer_vs_bare_model": 1.11,
    }
    table = format_table(
        {
            "machine": "test",
            "startup": startup,
            "index_build": built,
            "latency": warm,
            "scale": [small],
        }
    )
    assert "1.11x" in table and "300" in table
