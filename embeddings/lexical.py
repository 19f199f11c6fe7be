"""The lexical side: stemmed word tokens scored with BM25 by bm25s.

Only a short list of function words is dropped: a long stop-word list removes
words questions hinge on ("first", "many", "years") and costs recall.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
STOP_WORDS = frozenset(
    """
    a an the of in on at to into from by with for as about and or but if than that
    this these those is are was were be been being am do does did what which who
    whom whose when where why how it its he she they them his her their i you we our
    your many much has have had will would can could should
    """.split()  # noqa: SIM905
)
K1, B = 1.2, 0.75
FINGERPRINT = f"stem-en,min2,k1={K1},b={B},stop={','.join(sorted(STOP_WORDS))}"
"""Part of the index cache key: a change to tokenizing or scoring invalidates old entries."""
_stemmer = Stemmer.Stemmer("english")

# bm25s logs at INFO for an empty query; it is routine here.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without function words."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


class Bm25:
    """BM25 scores of a query against a fixed list of texts."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25:
        """Index `texts` (each becomes one document)."""
        model = bm25s.BM25(k1=K1, b=B)
        model.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(model, len(texts))

    @classmethod
    def load(cls, directory: str, size: int) -> Bm25:
        """Load an index saved by `save`, memory-mapping its arrays."""
        model = bm25s.BM25.load(directory, mmap=True, show_progress=False)
        if model.scores["num_docs"] != size:
            raise ValueError("lexical index size does not match")
        return cls(model, size)

    def save(self, directory: str) -> None:
        self._model.save(directory, show_progress=False)

    def coverage(self, tokens: list[str]) -> float:
        """The share of query `tokens` that occur anywhere in the indexed texts."""
        if not tokens:
            return 0.0
        vocab = self._model.vocab_dict
        return sum(t in vocab for t in tokens) / len(tokens)

    def scores(self, tokens: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every document for already tokenized query `tokens`."""
        ids = self._model.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores_from_ids(ids), dtype=np.float32)
