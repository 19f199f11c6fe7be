"""The index cache: each article's index kept on disk, rebuilt whenever it is missing.

An entry is a directory named by a key over the model id, the article's content hash and
language, the tokenizer's fingerprint, the versions of the libraries that split and stem
the text, and `INDEX_VERSION`. It is written to a temporary directory and renamed into
place, so a reader never sees half an entry. Vectors are `.npy` files opened memory-mapped; nothing
is pickled.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from filelock import FileLock

from embeddings.article import Article
from embeddings.index import ArticleIndex, build_index, spans_fit
from embeddings.lexical import FINGERPRINT, Bm25
from embeddings.models.protocol import Embedder
from embeddings.shelf import Part, Shelf, stem_hashes
from embeddings.vocabulary import Vocabulary

INDEX_VERSION = 6
"""Bump when chunking, tokenizing or the file layout changes: old entries are then ignored."""

SHELF_VERSION = 2
"""Bump when what a shelf holds changes: old shelves are then made again."""

KEEP_ENTRIES = 1024
"""Cache entries kept; the least recently used beyond this are removed after a write.
An entry of a 40-paragraph article takes about 0.3 MB."""

KEEP_SHELVES = 16
"""Library shelves kept (under `shelves/`), the most recently used; one of a thousand
40-paragraph articles takes about 70 MB."""

LOCKS = 256
"""Lock files an index cache holds (under `.locks`): builds of entries whose keys share
one wait for each other."""

TEXT_LIBRARIES = ("PyStemmer", "sentencex", "bm25s")
"""Libraries whose versions are part of the key."""

log = logging.getLogger(__name__)

Source = Literal["cache", "database", "built"]
T = TypeVar("T")
_ENTRY = re.compile(r"[0-9a-f]{32}(-\d+)?")


@dataclass(frozen=True)
class IndexLoad:
    """An index and where it came from."""

    index: ArticleIndex
    source: Source
    path: Path | None


def cache_key(article: Article, model_id: str) -> str:
    """The key an index is stored under: model, article content and language, tokenizing,
    the versions of the libraries that split and stem the text, and the index format."""
    payload = "\0".join(
        (str(INDEX_VERSION), FINGERPRINT, _text_libraries(), model_id, _content(article))
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _content(article: Article) -> str:
    """What an article's index is built from: its text (by hash) and the language it is
    read in."""
    return f"{article.content_hash}:{article.language}"


def lexicon() -> str:
    """What tokens and stems depend on: tokenizing, and the text libraries' versions."""
    return f"{FINGERPRINT};{_text_libraries()}"


@functools.cache
def _text_libraries() -> str:
    """The versions of the libraries whose output an index holds: a new sentence splitter
    or stemmer may split or stem differently."""
    return ",".join(f"{name}={version(name)}" for name in TEXT_LIBRARIES)


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
    if not refresh and (loaded := _cached(path, article, embedder.model_id)):
        return loaded
    try:
        lock = _build_lock(path)
    except OSError as exc:
        log.warning("cannot write the index cache in %s (%s); keeping it in memory", cache_dir, exc)
        return IndexLoad(build_index(article, embedder, show_progress), "built", None)
    with lock:  # another process sharing the cache may be building the same index
        if not refresh and (loaded := _cached(path, article, embedder.model_id)):
            return loaded
        return _build(path, article, embedder, show_progress)


def cached_index(article: Article, embedder: Embedder, cache_dir: Path | None) -> IndexLoad | None:
    """The index of `article` if the cache holds a usable one, else None: never builds,
    never waits for a build."""
    if cache_dir is None:
        return None
    return _cached(cache_dir / cache_key(article, embedder.model_id), article, embedder.model_id)


def _cached(path: Path, article: Article, model_id: str) -> IndexLoad | None:
    """The index entry at `path`, or None when it is missing or unusable."""
    return _read_entry(path, "index", lambda p: IndexLoad(_read(p, article, model_id), "cache", p))


def _read_entry(path: Path, kind: str, read: Callable[[Path], T]) -> T | None:
    """`read(path)`, or None when the entry is missing or unusable (said in the log)."""
    if not path.exists():
        return None
    try:
        loaded = read(path)
    except Exception as exc:
        log.warning("%s cache %s is unusable (%s); rebuilding it", kind, path, exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: kept longest
    return loaded


def _write_entry(path: Path, save: Callable[[Path], None]) -> None:
    """Write an entry with `save` into a directory of its own, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        save(tmp)
        _move_into_place(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _build_lock(path: Path) -> FileLock:
    """The lock held while an entry is built: one of `LOCKS` files under `.locks` beside
    it (shelves apart from indexes, so a shelf's build can build indexes), picked by the
    entry's key, so the files never pile up and are never removed while held."""
    locks = path.parent / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    return FileLock(locks / f"{int(path.name[:4], 16) % LOCKS:03d}.lock")


def _build(path: Path, article: Article, embedder: Embedder, show_progress: bool) -> IndexLoad:
    cache_dir = path.parent
    index = build_index(article, embedder, show_progress)
    try:
        _write(path, index, embedder.model_id)
    except OSError as exc:
        log.warning("cannot write the index cache in %s (%s); keeping it in memory", cache_dir, exc)
        return IndexLoad(index, "built", None)
    prune(cache_dir)
    return IndexLoad(index, "built", path)


def prune(cache_dir: Path, keep: int = KEEP_ENTRIES) -> None:
    """Remove all but the `keep` most recently used index entries. Entries that another
    process removes meanwhile are passed over."""
    used: list[tuple[float, Path]] = []
    for entry in cache_dir.iterdir():
        if _ENTRY.fullmatch(entry.name):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                used.append((entry.stat().st_mtime, entry))
    used.sort(reverse=True)
    for _, stale in used[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


def _meta(index: ArticleIndex, model_id: str) -> dict[str, object]:
    return {
        "version": INDEX_VERSION,
        "model_id": model_id,
        "content_hash": index.article.content_hash,
        "language": index.article.language,
        "paragraphs": len(index.article.paragraphs),
        "sentences": len(index.sentence_spans),
        "words": len(index.vocabulary.words),
        "dim": int(index.paragraph_vectors.shape[1]),
    }


def _write(path: Path, index: ArticleIndex, model_id: str) -> None:
    def save(tmp: Path) -> None:
        np.save(tmp / "paragraphs.npy", index.paragraph_vectors)
        np.save(tmp / "sentences.npy", index.sentence_vectors)
        np.save(tmp / "spans.npy", index.sentence_spans)
        index.paragraph_bm25.save(str(tmp / "bm25-paragraphs"))
        index.sentence_bm25.save(str(tmp / "bm25-sentences"))
        np.save(tmp / "word-vectors.npy", index.vocabulary.vectors)
        (tmp / "words.json").write_text(json.dumps(index.vocabulary.words), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(_meta(index, model_id)), encoding="utf-8")

    _write_entry(path, save)


def _move_into_place(built: Path, path: Path) -> None:
    """Rename the directory `built` to `path`, each step atomic: a reader sees the old
    entry, none, or the new one, never part of one. An entry already at `path` (unusable,
    or built by another process meanwhile) is moved aside first, then removed."""
    try:
        os.rename(built, path)
        return
    except OSError:
        if not path.exists():
            raise
    aside = path.with_name(f".{path.name}.old-{os.getpid()}-{time.monotonic_ns()}")
    with contextlib.suppress(FileNotFoundError):  # another process may have done the same
        os.rename(path, aside)
    try:
        os.rename(built, path)
    except OSError:
        if not path.exists():  # another process's entry took the place: keep it
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def load_overview(article: Article, embedder: Embedder, cache_dir: Path | None) -> Part:
    """What a `Shelf` holds of an article, read from its cache entry without the rest of
    the index; built with the whole index when missing."""
    if cache_dir is not None:
        path = cache_dir / cache_key(article, embedder.model_id)
        try:
            meta = _meta_of(path, article, embedder.model_id)
            dim = int(meta["dim"])
            paragraphs = _array(path / "paragraphs.npy", (len(article.paragraphs), dim), np.float32)
            sentences = _array(path / "sentences.npy", (int(meta["sentences"]), dim), np.float32)
            return Part.of(paragraphs, sentences, stem_hashes(_words(path), article.language))
        except (OSError, ValueError, KeyError):
            pass  # missing or unusable: load_index says why and builds it
    index = load_index(article, embedder, cache_dir).index
    return Part.of(
        index.paragraph_vectors,
        index.sentence_vectors,
        stem_hashes(index.vocabulary.words, article.language),
    )


def shelf_path(
    articles: Sequence[Article], model_id: str, cache_dir: Path, library: int | None = None
) -> Path:
    """Where a library's shelf is kept: under `shelves/`, named by the library (when
    known) and a key over the model and every article's content and language, in order."""
    parts = ["shelf", str(SHELF_VERSION), str(INDEX_VERSION), FINGERPRINT, _text_libraries()]
    parts.append(model_id)
    payload = "\0".join(parts + [_content(a) for a in articles])
    key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return cache_dir / "shelves" / (key if library is None else f"{key}-{library}")


def cached_shelf(
    articles: Sequence[Article], embedder: Embedder, cache_dir: Path | None, library: int | None
) -> Shelf | None:
    """A library's shelf if the cache holds a usable one, else None: never builds, never
    waits for a build."""
    if cache_dir is None:
        return None
    path = shelf_path(articles, embedder.model_id, cache_dir, library)

    def read(entry: Path) -> Shelf:
        shelf = Shelf.load(entry)
        if shelf.size != len(articles):
            raise ValueError(f"{shelf.size} articles, expected {len(articles)}")
        return shelf

    return _read_entry(path, "library", read)


def load_shelf(
    articles: Sequence[Article],
    embedder: Embedder,
    cache_dir: Path | None,
    library: int | None = None,
) -> Shelf:
    """The shelf of a library's articles (see `shelf`), kept in the cache like an index."""
    if cache_dir is None:
        return _build_shelf(articles, embedder, None)
    if (kept := cached_shelf(articles, embedder, cache_dir, library)) is not None:
        return kept
    path = shelf_path(articles, embedder.model_id, cache_dir, library)
    try:
        lock = _build_lock(path)
    except OSError as exc:
        log.warning("cannot write the library cache in %s (%s)", cache_dir, exc)
        return _build_shelf(articles, embedder, cache_dir)
    with lock:
        if (kept := cached_shelf(articles, embedder, cache_dir, library)) is not None:
            return kept
        shelf = _build_shelf(articles, embedder, cache_dir)
        keep_shelf(shelf, articles, embedder.model_id, cache_dir, library)
    return shelf


def keep_shelf(
    shelf: Shelf,
    articles: Sequence[Article],
    model_id: str,
    cache_dir: Path | None,
    library: int | None = None,
) -> None:
    """Write a library's shelf to the cache, removing the one it supersedes; the
    `KEEP_SHELVES` used last are kept. A cache that cannot be written is passed over."""
    if cache_dir is None:
        return
    path = shelf_path(articles, model_id, cache_dir, library)
    try:
        _write_entry(path, shelf.save)
    except OSError as exc:
        log.warning("cannot write the library cache in %s (%s)", cache_dir, exc)
        return
    if library is not None:
        for old in path.parent.glob(f"*-{library}"):
            if old != path:
                shutil.rmtree(old, ignore_errors=True)
    prune(path.parent, KEEP_SHELVES)


def keep_index(index: ArticleIndex, model_id: str, cache_dir: Path | None) -> None:
    """Write an index built or read elsewhere (the library's database) to the cache, unless
    it holds it already; a cache that cannot be written is passed over."""
    if cache_dir is None:
        return
    path = cache_dir / cache_key(index.article, model_id)
    if path.exists():
        return
    try:
        _write(path, index, model_id)
    except OSError as exc:
        log.warning("cannot write the index cache in %s (%s)", cache_dir, exc)
        return
    prune(cache_dir)


def _build_shelf(articles: Sequence[Article], embedder: Embedder, cache_dir: Path | None) -> Shelf:
    return Shelf.build(
        [load_overview(a, embedder, cache_dir) for a in articles], [a.language for a in articles]
    )


def _meta_of(path: Path, article: Article, model_id: str) -> dict[str, Any]:
    """An entry's meta.json, checked against the article and model it should be of."""
    meta: dict[str, Any] = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    expected = {
        "version": INDEX_VERSION,
        "model_id": model_id,
        "content_hash": article.content_hash,
        "language": article.language,
        "paragraphs": len(article.paragraphs),
    }
    for key, value in expected.items():
        if meta.get(key) != value:
            raise ValueError(f"{key} is {meta.get(key)!r}, expected {value!r}")
    return meta


def _words(path: Path) -> list[str]:
    words = json.loads((path / "words.json").read_text(encoding="utf-8"))
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError("words.json is not a list of words")
    return words


def _read(path: Path, article: Article, model_id: str) -> ArticleIndex:
    meta = _meta_of(path, article, model_id)
    n, m, dim = len(article.paragraphs), int(meta["sentences"]), int(meta["dim"])
    paragraphs = _array(path / "paragraphs.npy", (n, dim), np.float32)
    sentences = _array(path / "sentences.npy", (m, dim), np.float32)
    spans = np.asarray(_array(path / "spans.npy", (m, 3), np.int64))
    if not spans_fit(spans, article):
        raise ValueError("sentence spans do not fit the article")
    words = _words(path)
    return ArticleIndex(
        article=article,
        paragraph_vectors=paragraphs,
        sentence_vectors=sentences,
        sentence_spans=spans,
        paragraph_bm25=Bm25.load(str(path / "bm25-paragraphs"), n),
        sentence_bm25=Bm25.load(str(path / "bm25-sentences"), m),
        vocabulary=Vocabulary(
            words,
            _array(path / "word-vectors.npy", (len(words), dim), np.float32),
            article.language,
        ),
    )


def _array(path: Path, shape: tuple[int, ...], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """Memory-map a saved array, checking its shape and type."""
    # A plain ndarray view of the map: slicing a np.memmap subclass costs microseconds a call.
    array: npt.NDArray[Any] = np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
    if array.shape != shape or array.dtype != dtype:
        raise ValueError(f"{path.name} has shape {array.shape} {array.dtype}, expected {shape}")
    return array
