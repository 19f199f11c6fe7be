"""The default model run by ONNX Runtime: the same vectors, about 3x faster, no torch.

A plain mean-pooled sentence-transformers model (all-MiniLM-L6-v2 is one) is exported
once, with torch, into the cache directory: the ONNX graph of its transformer and its
tokenizer. The export is used only after it gives the original's vectors on a few
probe texts. Later starts load the export alone, without importing torch.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.models.pooling import in_length_batches, mean_pooled, onnx_session
from embeddings.models.st_backend import SentenceTransformerEmbedder
from embeddings.types import Vectors

EXPORT_VERSION = 1
"""Part of the export's directory name: bump when the export changes."""

BATCH_SIZE = 32
TOLERANCE = 1e-4
"""Largest difference from the original's vectors at which the export is used."""

PROBES = (
    "Who is Ned Price?",
    "  Spaces, ÜNICODE and emoji 🙂 around a question?  ",
    "A paragraph long enough to be cut at the model's limit. " * 40,
    "",
)
"""Texts of different lengths encoded in one batch, so padding and cutting are checked."""

log = logging.getLogger(__name__)


class OnnxEmbedder:
    """Encodes with an exported model: tokenizer, ONNX Runtime, mean pooling, unit length."""

    def __init__(self, session: Any, tokenizer: Any, model_id: str) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self.dimension = int(session.get_outputs()[0].shape[-1])
        self.model_id = model_id

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        return in_length_batches(texts, self._encode, self.dimension, BATCH_SIZE, show_progress)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def knows_word(self, word: str) -> bool:
        return len(self._tokenizer.encode(word, add_special_tokens=False).ids) == 1

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        tokens = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return mean_pooled(tokens, feeds["attention_mask"])


def load_export(directory: Path, model_id: str) -> OnnxEmbedder | None:
    """The export in `directory`, or None when there is none or it cannot be read."""
    if not (directory / "model.onnx").is_file():
        return None
    try:
        return _open(directory, model_id)
    except Exception as exc:  # ONNX Runtime raises its own error types for a bad file
        log.warning("exported model in %s is unreadable (%s); exporting again", directory, exc)
        shutil.rmtree(directory, ignore_errors=True)
        return None


def export(original: SentenceTransformerEmbedder, directory: Path) -> OnnxEmbedder | None:
    """Export a loaded model to `directory` (atomically) and open the export.

    Returns None, keeping nothing, when the model is not a plain mean-pooled one or the
    export's vectors differ from `original`'s.
    """
    model = original.model
    reason = _unsupported(model)
    if reason:
        log.info("model runs on sentence-transformers: %s", reason)
        return None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=directory.parent))
    except OSError as exc:
        log.warning("cannot write the model's export (%s); using sentence-transformers", exc)
        return None
    try:
        _write(model, staging)
        exported = _open(staging, original.model_id)
        difference = float(
            np.abs(exported.encode_documents(PROBES) - original.encode_documents(PROBES)).max()
        )
        if difference > TOLERANCE:
            log.warning("exported model differs by %.2g; using sentence-transformers", difference)
            return None
        try:
            staging.rename(directory)
        except OSError:  # another process exported it first: use theirs
            return _open(directory, original.model_id)
        log.info("model exported for ONNX Runtime to %s", directory)
        return exported  # its session and tokenizer are in memory: the move does not matter
    except Exception:
        log.warning("could not export the model; using sentence-transformers", exc_info=True)
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unsupported(model: Any) -> str | None:
    """Why `model` cannot be exported as a transformer plus mean pooling, or None."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return f"modules {kinds}"
    pooling = model[1]
    # sentence-transformers before 6 names the mode by a method, not an attribute.
    mode = getattr(pooling, "pooling_mode", None) or pooling.get_pooling_mode_str()
    if mode != "mean":
        return "pooling is not the mean"
    if any(model.prompts.values()):
        return "the model has prompts"
    if getattr(model.tokenizer, "backend_tokenizer", None) is None:
        return "no fast tokenizer"
    return None


def _write(model: Any, directory: Path) -> None:
    """The transformer's ONNX graph (to its last hidden state) and the tokenizer, as used."""
    import torch
    from tokenizers import Tokenizer

    names = list(model.tokenizer.model_input_names)

    class LastHiddenState(torch.nn.Module):
        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: Any) -> Any:
            return self.transformer(**dict(zip(names, inputs, strict=True))).last_hidden_state

    sample = model.tokenizer(["a sample"], return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    # The tracer warns about shapes it fixes; the probe check after export is what counts.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model[0].auto_model.eval()),
            tuple(sample[name] for name in names),
            str(directory / "model.onnx"),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={name: axes for name in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    # A copy: the model's own tokenizer is left as it was.
    tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
    tokenizer.enable_truncation(max_length=model.max_seq_length)
    tokenizer.enable_padding(  # to the batch's longest text
        pad_id=model.tokenizer.pad_token_id, pad_token=model.tokenizer.pad_token
    )
    tokenizer.save(str(directory / "tokenizer.json"))


def _open(directory: Path, model_id: str) -> OnnxEmbedder:
    from tokenizers import Tokenizer

    session = onnx_session(directory / "model.onnx")
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    return OnnxEmbedder(session, tokenizer, model_id)
