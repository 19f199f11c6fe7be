"""A deterministic embedder for tests: bag-of-words hashing, with call counting."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence

import numpy as np

from embeddings.types import Vectors

DIM = 64


def _word_vector(word: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
    return np.random.default_rng(seed).standard_normal(DIM)


class FakeEmbedder:
    """Texts sharing words get similar unit vectors; counts what it encodes."""

    def __init__(
        self,
        model_id: str = "fake-model",
        synonyms: dict[str, str] | None = None,
        rare: frozenset[str] = frozenset(),
    ) -> None:
        self.model_id = model_id
        self.synonyms = synonyms or {}  # word -> the word it is embedded as
        self.rare = rare  # words its "tokenizer" splits into pieces
        self.loads = 0  # counted by tests that stand it in for model loading
        self.documents_encoded = 0
        self.document_calls = 0
        self.query_calls = 0
        self.queries_encoded = 0
        self.document_delay = 0.0  # seconds each encoding of documents takes: a slow build

    def _vector(self, text: str) -> Vectors:
        words = [self.synonyms.get(w, w) for w in re.findall(r"\w+", text.lower())] or ["<empty>"]
        vector = np.sum([_word_vector(w) for w in words], axis=0)
        return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        self.document_calls += 1
        self.documents_encoded += len(texts)
        time.sleep(self.document_delay)
        return np.stack([self._vector(t) for t in texts]).reshape(len(texts), DIM)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        self.query_calls += 1
        self.queries_encoded += len(texts)
        return np.stack([self._vector(t) for t in texts]).reshape(len(texts), DIM)

    def knows_word(self, word: str) -> bool:
        return word not in self.rare
