"""What the ONNX backends share: their session, batching texts by length, mean pooling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from embeddings.types import Vectors


def in_length_batches(
    texts: Sequence[str],
    encode: Callable[[list[str]], Vectors],
    dimension: int,
    batch_size: int,
    show_progress: bool = False,
) -> Vectors:
    """`encode` applied to batches of `texts`, the vectors back in the texts' order.
    Texts of similar length share a batch, so little of each batch is padding."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty((len(texts), dimension), dtype=np.float32)
    starts = range(0, len(texts), batch_size)
    for start in tqdm(starts, desc="Batches", disable=not show_progress):
        chosen = order[start : start + batch_size]
        out[chosen] = encode([texts[i] for i in chosen])
    return out


def mean_pooled(tokens: npt.NDArray[np.float32], mask: npt.NDArray[np.int64]) -> Vectors:
    """The unit-length mean of each text's token states over its real (unpadded) tokens."""
    weights = mask[..., None].astype(np.float32)
    pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return np.asarray(pooled / norms, dtype=np.float32)


def onnx_session(model: Path) -> Any:
    """An ONNX Runtime session on the CPU for the graph at `model`."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # Idle threads sleep instead of spinning: beside busy processes a spinning pool doubled
    # a question's time (docs/experiments.md, "Threads that spin"); idle, this costs 1 ms.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
