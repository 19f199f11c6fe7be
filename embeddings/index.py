"""The article index: paragraph and sentence vectors plus BM25, built once and cached on disk.

A cache entry is a directory named by a key over the model id, the article's
content hash, the tokenizer's fingerprint and `INDEX_VERSION`. It is written to a
temporary directory and renamed into place, so a reader never sees half an entry.
Vectors are `.npy` files opened memory-mapped; nothing is pickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from embeddings.article import Article
from embeddings.embedder import Embedder, Vectors
from embeddings.lexical import FINGERPRINT, Bm25
from embeddings.sentences import sentence_spans
from embeddings.subjects import carried_subjects
from embeddings.vocabulary import Vocabulary, article_words

INDEX_VERSION = 5
"""Bump when chunking, tokenizing or the file layout changes: old entries are then ignored."""

KEEP_ENTRIES = 32
"""Cache entries kept; the least recently used beyond this are removed after a write."""

log = logging.getLogger(__name__)

Source = Literal["cache", "built"]
_ENTRY = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class ArticleIndex:
    """Everything the retriever needs about one article, precomputed."""

    article: Article
    paragraph_vectors: Vectors  # (n, dim), unit rows
    sentence_vectors: Vectors  # (m, dim), unit rows
    sentence_spans: npt.NDArray[np.int64]  # (m, 3): paragraph, start, end
    paragraph_bm25: Bm25
    sentence_bm25: Bm25
    vocabulary: Vocabulary

    @property
    def sentence_starts(self) -> npt.NDArray[np.int64]:
        """Index of each paragraph's first sentence."""
        return first_sentence_ids(self.sentence_spans, len(self.article.paragraphs))

    def sentence_text(self, i: int) -> str:
        paragraph, start, end = (int(v) for v in self.sentence_spans[i])
        return self.article.paragraphs[paragraph][start:end]


@dataclass(frozen=True)
class IndexLoad:
    """An index and where it came from."""

    index: ArticleIndex
    source: Source
    path: Path | None


def cache_key(article: Article, model_id: str) -> str:
    """The key an index is stored under: model, article content and index format."""
    payload = f"{INDEX_VERSION}\0{FINGERPRINT}\0{model_id}\0{article.content_hash}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def split_sentences(article: Article) -> npt.NDArray[np.int64]:
    """The (paragraph, start, end) span of every sentence, grouped by paragraph."""
    rows = [
        (p, start, end)
        for p, text in enumerate(article.paragraphs)
        for start, end in sentence_spans(text)
    ]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def first_sentence_ids(spans: npt.NDArray[np.int64], paragraphs: int) -> npt.NDArray[np.int64]:
    """Index of each paragraph's first sentence in `spans` (grouped by paragraph)."""
    return np.searchsorted(spans[:, 0], np.arange(paragraphs))


def build_index(article: Article, embedder: Embedder, show_progress: bool = False) -> ArticleIndex:
    """Encode the article's paragraphs, sentences and words and index them for BM25.

    A paragraph whose speaker is only a pronoun, and its first sentence, are encoded
    and indexed with the name it refers to in front (see `subjects`); quotes and
    highlights stay verbatim.
    """
    spans = split_sentences(article)
    sentences = [article.paragraphs[p][s:e] for p, s, e in spans.tolist()]
    words = article_words(article.paragraphs)
    named_paragraphs, named_sentences = list(article.paragraphs), list(sentences)
    firsts = first_sentence_ids(spans, len(named_paragraphs)).tolist()
    for p, subject in enumerate(carried_subjects([sentences[i] for i in firsts])):
        if subject:
            named_paragraphs[p] = f"{subject}: {named_paragraphs[p]}"
            named_sentences[firsts[p]] = f"{subject}: {named_sentences[firsts[p]]}"
    vectors = embedder.encode_documents(
        named_paragraphs + named_sentences + words, show_progress=show_progress
    )
    n, m = len(named_paragraphs), len(named_sentences)
    return ArticleIndex(
        article=article,
        paragraph_vectors=np.ascontiguousarray(vectors[:n]),
        sentence_vectors=np.ascontiguousarray(vectors[n : n + m]),
        sentence_spans=spans,
        paragraph_bm25=Bm25.build(named_paragraphs),
        sentence_bm25=Bm25.build(named_sentences),
        vocabulary=Vocabulary(words, np.ascontiguousarray(vectors[n + m :])),
    )


def load_index(
    article: Article,
    embedder: Embedder,
    cache_dir: Path | None,
    *,
    refresh: bool = False,
    show_progress: bool = False,
) -> IndexLoad:
    """Return the cached index for `article`, building and caching it when needed.

    A missing, corrupt or mismatched entry is rebuilt (with a log line); a cache
    directory that cannot be written leaves the index in memory only.
    """
    if cache_dir is None:
        return IndexLoad(build_index(article, embedder, show_progress), "built", None)
    path = cache_dir / cache_key(article, embedder.model_id)
    if not refresh and path.exists():
        try:
            loaded = IndexLoad(_read(path, article, embedder.model_id), "cache", path)
        except Exception as exc:
            log.warning("index cache %s is unusable (%s); rebuilding it", path, exc)
        else:
            with contextlib.suppress(OSError):
                os.utime(path)  # most recently used: kept longest
            return loaded
    index = build_index(article, embedder, show_progress)
    try:
        _write(path, index, embedder.model_id)
    except OSError as exc:
        log.warning("cannot write the index cache in %s (%s); keeping it in memory", cache_dir, exc)
        return IndexLoad(index, "built", None)
    prune(cache_dir)
    return IndexLoad(index, "built", path)


def prune(cache_dir: Path, keep: int = KEEP_ENTRIES) -> None:
    """Remove all but the `keep` most recently used index entries."""
    entries = [p for p in cache_dir.iterdir() if _ENTRY.fullmatch(p.name) and p.is_dir()]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


def _meta(index: ArticleIndex, model_id: str) -> dict[str, object]:
    return {
        "version": INDEX_VERSION,
        "model_id": model_id,
        "content_hash": index.article.content_hash,
        "paragraphs": len(index.article.paragraphs),
        "sentences": len(index.sentence_spans),
        "words": len(index.vocabulary.words),
        "dim": int(index.paragraph_vectors.shape[1]),
    }


def _write(path: Path, index: ArticleIndex, model_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        np.save(tmp / "paragraphs.npy", index.paragraph_vectors)
        np.save(tmp / "sentences.npy", index.sentence_vectors)
        np.save(tmp / "spans.npy", index.sentence_spans)
        index.paragraph_bm25.save(str(tmp / "bm25-paragraphs"))
        index.sentence_bm25.save(str(tmp / "bm25-sentences"))
        np.save(tmp / "word-vectors.npy", index.vocabulary.vectors)
        (tmp / "words.json").write_text(json.dumps(index.vocabulary.words), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(_meta(index, model_id)), encoding="utf-8")
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read(path: Path, article: Article, model_id: str) -> ArticleIndex:
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    expected = {
        "version": INDEX_VERSION,
        "model_id": model_id,
        "content_hash": article.content_hash,
        "paragraphs": len(article.paragraphs),
    }
    for key, value in expected.items():
        if meta.get(key) != value:
            raise ValueError(f"{key} is {meta.get(key)!r}, expected {value!r}")
    n, m, dim = len(article.paragraphs), int(meta["sentences"]), int(meta["dim"])
    paragraphs = _array(path / "paragraphs.npy", (n, dim), np.float32)
    sentences = _array(path / "sentences.npy", (m, dim), np.float32)
    spans = np.asarray(_array(path / "spans.npy", (m, 3), np.int64))
    if not _spans_fit(spans, article):
        raise ValueError("sentence spans do not fit the article")
    words = json.loads((path / "words.json").read_text(encoding="utf-8"))
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError("words.json is not a list of words")
    return ArticleIndex(
        article=article,
        paragraph_vectors=paragraphs,
        sentence_vectors=sentences,
        sentence_spans=spans,
        paragraph_bm25=Bm25.load(str(path / "bm25-paragraphs"), n),
        sentence_bm25=Bm25.load(str(path / "bm25-sentences"), m),
        vocabulary=Vocabulary(
            words, _array(path / "word-vectors.npy", (len(words), dim), np.float32)
        ),
    )


def _array(path: Path, shape: tuple[int, ...], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """Memory-map a saved array, checking its shape and type."""
    # A plain ndarray view of the map: slicing a np.memmap subclass costs microseconds a call.
    array: npt.NDArray[Any] = np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
    if array.shape != shape or array.dtype != dtype:
        raise ValueError(f"{path.name} has shape {array.shape} {array.dtype}, expected {shape}")
    return array


def _spans_fit(spans: npt.NDArray[np.int64], article: Article) -> bool:
    if len(spans) == 0:
        return False
    lengths = np.asarray([len(p) for p in article.paragraphs])
    para, start, end = spans[:, 0], spans[:, 1], spans[:, 2]
    return bool(
        np.all(np.diff(para) >= 0)
        and para.min() >= 0
        and para.max() < len(lengths)
        and np.all(start >= 0)
        and np.all(start < end)
        and np.all(end <= lengths[np.clip(para, 0, len(lengths) - 1)])
        and len(np.unique(para)) == len(lengths)
    )
