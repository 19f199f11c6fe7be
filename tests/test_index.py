"""The cached index: built once, reused, rebuilt when stale or broken."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from embeddings.article import Article
from embeddings.index import split_sentences
from embeddings.index_cache import cache_key, load_index
from tests.fakes import FakeEmbedder
from tests.together import run_together

ROOT = Path(__file__).resolve().parents[1]


def test_first_run_builds_and_second_run_encodes_nothing(article: Article, tmp_path: Path) -> None:
    first = FakeEmbedder()
    built = load_index(article, first, tmp_path)
    assert built.source == "built"
    index = built.index
    parts = len(article.paragraphs) + len(index.sentence_spans) + len(index.vocabulary.words)
    assert first.documents_encoded == parts

    second = FakeEmbedder()
    cached = load_index(article, second, tmp_path)
    assert cached.source == "cache"
    assert second.documents_encoded == 0
    np.testing.assert_array_equal(cached.index.paragraph_vectors, built.index.paragraph_vectors)
    np.testing.assert_array_equal(cached.index.sentence_spans, built.index.sentence_spans)
    assert cached.index.vocabulary.words == built.index.vocabulary.words
    np.testing.assert_array_equal(cached.index.vocabulary.vectors, built.index.vocabulary.vectors)


def test_cached_index_scores_like_the_fresh_one(article: Article, tmp_path: Path) -> None:
    built = load_index(article, FakeEmbedder(), tmp_path).index
    cached = load_index(article, FakeEmbedder(), tmp_path).index
    tokens = ["putin", "respond"]
    np.testing.assert_allclose(
        cached.paragraph_bm25.scores(tokens), built.paragraph_bm25.scores(tokens)
    )


def test_model_change_builds_a_separate_entry(article: Article, tmp_path: Path) -> None:
    load_index(article, FakeEmbedder("model-a"), tmp_path)
    other = FakeEmbedder("model-b")
    assert load_index(article, other, tmp_path).source == "built"
    assert other.documents_encoded > 0
    assert cache_key(article, "model-a") != cache_key(article, "model-b")


def test_article_change_builds_a_new_entry(article: Article, tmp_path: Path) -> None:
    load_index(article, FakeEmbedder(), tmp_path)
    edited = Article(article.title, (*article.paragraphs[:-1], "A new last paragraph."))
    embedder = FakeEmbedder()
    assert load_index(edited, embedder, tmp_path).source == "built"
    assert embedder.documents_encoded > 0


@pytest.mark.parametrize(
    "victim", ["paragraphs.npy", "meta.json", "spans.npy", "word-vectors.npy", "words.json"]
)
def test_corrupt_cache_is_rebuilt_with_a_log_line(
    article: Article, tmp_path: Path, victim: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = load_index(article, FakeEmbedder(), tmp_path).path
    assert path is not None
    (path / victim).write_bytes(b"\x93NUMPY garbage")
    embedder = FakeEmbedder()
    with caplog.at_level(logging.WARNING):
        again = load_index(article, embedder, tmp_path)
    assert again.source == "built"
    assert embedder.documents_encoded > 0
    assert "rebuilding" in caplog.text
    assert load_index(article, FakeEmbedder(), tmp_path).source == "cache"


def test_truncated_vectors_are_rebuilt(article: Article, tmp_path: Path) -> None:
    path = load_index(article, FakeEmbedder(), tmp_path).path
    assert path is not None
    data = (path / "sentences.npy").read_bytes()
    (path / "sentences.npy").write_bytes(data[: len(data) // 2])
    assert load_index(article, FakeEmbedder(), tmp_path).source == "built"


@pytest.mark.parametrize("words", ['["only", "two"]', '{"a": 1}', "[1, 2]"])
def test_a_word_list_that_does_not_fit_is_rebuilt(
    article: Article, tmp_path: Path, words: str
) -> None:
    path = load_index(article, FakeEmbedder(), tmp_path).path
    assert path is not None
    (path / "words.json").write_text(words, encoding="utf-8")
    assert load_index(article, FakeEmbedder(), tmp_path).source == "built"


def test_foreign_vectors_of_another_shape_are_rebuilt(article: Article, tmp_path: Path) -> None:
    path = load_index(article, FakeEmbedder(), tmp_path).path
    assert path is not None
    np.save(path / "paragraphs.npy", np.zeros((3, 7), dtype=np.float32))
    assert load_index(article, FakeEmbedder(), tmp_path).source == "built"


def test_refresh_rebuilds_a_valid_entry(article: Article, tmp_path: Path) -> None:
    load_index(article, FakeEmbedder(), tmp_path)
    embedder = FakeEmbedder()
    assert load_index(article, embedder, tmp_path, refresh=True).source == "built"
    assert embedder.documents_encoded > 0


def test_write_leaves_no_temporary_directories(article: Article, tmp_path: Path) -> None:
    load_index(article, FakeEmbedder(), tmp_path)
    load_index(article, FakeEmbedder(), tmp_path, refresh=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".locks",  # the lock files of builds, a bounded set
        cache_key(article, "fake-model"),
    ]


def test_read_only_cache_keeps_the_index_in_memory(
    article: Article,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("embeddings.index_cache.tempfile.mkdtemp", refuse)
    embedder = FakeEmbedder()
    with caplog.at_level(logging.WARNING):
        loaded = load_index(article, embedder, tmp_path)
    assert loaded.source == "built" and loaded.path is None
    assert "in memory" in caplog.text
    assert len(loaded.index.article.paragraphs) == 11


def test_unwritable_cache_path_keeps_the_index_in_memory(
    article: Article, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        loaded = load_index(article, FakeEmbedder(), blocker / "cache")
    assert loaded.source == "built" and loaded.path is None
    assert "in memory" in caplog.text


def test_sentence_spans_quote_the_paragraph_verbatim(article: Article) -> None:
    spans = split_sentences(article)
    assert set(spans[:, 0].tolist()) == set(range(len(article.paragraphs)))
    for paragraph, start, end in spans.tolist():
        sentence = article.paragraphs[paragraph][start:end]
        assert sentence == sentence.strip() and sentence
    fourth = [article.paragraphs[3][s:e] for p, s, e in spans.tolist() if p == 3]
    assert fourth[-1].startswith("Putin's spokesman Dmitry Peskov")


def test_least_recently_used_entries_beyond_the_limit_are_removed(
    article: Article, tmp_path: Path
) -> None:
    import os

    from embeddings.index_cache import prune

    keys = []
    for i, model in enumerate(["m1", "m2", "m3"]):
        loaded = load_index(article, FakeEmbedder(model), tmp_path)
        assert loaded.path is not None
        os.utime(loaded.path, (1000 + i, 1000 + i))
        keys.append(loaded.path.name)
    load_index(article, FakeEmbedder("m1"), tmp_path)  # a cache hit marks m1 as used
    (tmp_path / "articles").mkdir()  # not an index entry: never touched
    prune(tmp_path, keep=2)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted([keys[0], keys[2], "articles", ".locks"])


def test_pruning_passes_over_an_entry_another_process_removed(
    article: Article, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embeddings import index_cache

    paths = [load_index(article, FakeEmbedder(m), tmp_path).path for m in ("m1", "m2", "m3")]
    assert all(paths)
    gone = paths[1]
    real_stat = Path.stat

    def stat(self: Path, **kwargs: bool) -> object:
        if self == gone:
            raise FileNotFoundError(self)
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    index_cache.prune(tmp_path, keep=1)  # must not raise
    monkeypatch.undo()
    assert len([p for p in tmp_path.iterdir() if p.name in {x.name for x in paths if x}]) == 2


def test_an_entry_is_replaced_by_renames_and_nothing_is_left_aside(tmp_path: Path) -> None:
    from embeddings.index_cache import _move_into_place

    entry, built = tmp_path / "entry", tmp_path / ".built"
    entry.mkdir()
    (entry / "old.npy").write_text("old")
    built.mkdir()
    (built / "new.npy").write_text("new")
    _move_into_place(built, entry)
    assert [p.name for p in entry.iterdir()] == ["new.npy"]
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


def test_the_key_changes_with_the_text_libraries_versions(
    article: Article, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embeddings import index_cache

    before = cache_key(article, "m")
    index_cache._text_libraries.cache_clear()
    monkeypatch.setattr(index_cache, "version", lambda name: "99.0")
    try:
        assert cache_key(article, "m") != before
    finally:
        index_cache._text_libraries.cache_clear()


def test_processes_sharing_a_cache_build_an_index_once(article: Article, tmp_path: Path) -> None:
    """Four processes ask for the same missing index at once: one builds it, while the
    others wait for it and read it from the cache."""
    code = (
        "import sys, time\nfrom pathlib import Path\n"
        "from tests.together import at_once\n"
        "from embeddings.index_cache import load_index\n"
        "from embeddings.sources import bundled_article_path, load_article\n"
        "from tests.fakes import FakeEmbedder\n"
        "class Slow(FakeEmbedder):\n"
        "    def encode_documents(self, texts, show_progress=False):\n"
        "        time.sleep(1.0)  # a build long enough for the others to arrive meanwhile\n"
        "        return super().encode_documents(texts)\n"
        "article = load_article(bundled_article_path())\n"
        "with at_once():\n"
        "    print(load_index(article, Slow(), Path(sys.argv[1])).source)\n"
    )
    outputs = run_together(code, [str(tmp_path)], 4)
    assert outputs == ["built", "cache", "cache", "cache"]
