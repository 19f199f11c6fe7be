"""What the index and the retriever need from a model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from embeddings.types import Vectors


class Embedder(Protocol):
    """A model that turns texts into unit vectors."""

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
