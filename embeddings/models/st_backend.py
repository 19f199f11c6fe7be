"""Any sentence-transformers model, run on torch on the CPU."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from embeddings.errors import ModelError
from embeddings.types import Vectors

log = logging.getLogger(__name__)


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


def load_sentence_transformer(target: str, model_id: str, name: str) -> SentenceTransformerEmbedder:
    """Load the model at `target` (a path or hub name), cached under `model_id`; `name` is
    the setting's value, for the error message."""
    log.info("loading embedding model %s", model_id)
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(target, device="cpu")
    except Exception as exc:  # the library raises many types for a bad name
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ModelError(f"EMBEDDING_MODEL: cannot load {name!r} ({reason})") from exc
    return SentenceTransformerEmbedder(model, model_id)
