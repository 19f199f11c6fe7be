"""The lexical side: stemmed word tokens scored with BM25 by bm25s.

Only a short list of function words is dropped: a long stop-word list removes
words questions hinge on ("first", "many", "years") and costs recall.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\w+", re.UNICODE)
"""A word, or a dotted acronym such as "U.S." (read as one word, "us")."""
STOP_WORDS = frozenset(
    """
    a an the of in on at to into from by with for as about and or but if than that
    this these those is are was were be been being am do does did what which who
    whom whose when where why how it its he she they them his her their i you we our
    us your many much has have had will would can could should
    """.split()  # noqa: SIM905
)
K1, B = 1.2, 0.75
FINGERPRINT = f"stem-en,min2,acronyms,k1={K1},b={B},stop={','.join(sorted(STOP_WORDS))}"
"""Part of the index cache key: a change to tokenizing or scoring invalidates old entries."""
_stemmer = Stemmer.Stemmer("english")

# bm25s logs at INFO for an empty query; it is routine here.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem BM25 indexes a lower-cased word under."""
    return str(_stemmer.stemWord(word))


def content_words(text: str) -> list[str]:
    """The lower-cased words of `text` that carry meaning, in order.

    Function words are dropped, but not when written as an acronym: "U.S." and
    "US" in mixed-case text are the country, "us" is a pronoun.
    """
    shouting = not any(c.islower() for c in text)
    words = []
    for match in _WORD.finditer(text):
        word = match.group()
        acronym = word.endswith(".") or (word.isupper() and not shouting)
        word = word.replace(".", "").lower()
        if len(word) > 1 and (acronym or word not in STOP_WORDS):
            words.append(word)
    return words


def tokenize(text: str) -> list[str]:
    """Stemmed content words: what BM25 indexes and matches."""
    return [stem(w) for w in content_words(text)]


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
        # Plain ndarray views of the maps: slicing a np.memmap subclass is slow per call.
        model.scores = {
            key: np.asarray(value) if isinstance(value, np.memmap) else value
            for key, value in model.scores.items()
        }
        if model.scores["num_docs"] != size:
            raise ValueError("lexical index size does not match")
        return cls(model, size)

    def save(self, directory: str) -> None:
        self._model.save(directory, show_progress=False)

    def coverage(self, tokens: list[str]) -> float:
        """The share of query `tokens` that occur anywhere in the indexed texts."""
        if not tokens:
            return 0.0
        return sum(self.contains(t) for t in tokens) / len(tokens)

    def contains(self, token: str) -> bool:
        """Whether `token` occurs in any indexed text."""
        return token in self._model.vocab_dict

    def scores(
        self, tokens: list[str], extra: Mapping[str, float] | None = None
    ) -> npt.NDArray[np.float32]:
        """BM25 score of every document for already tokenized query `tokens`.

        `extra` adds further tokens, each counted with a weight (expansions).
        """
        ids = self._model.get_tokens_ids(tokens)
        total = np.zeros(self.size, dtype=np.float32)
        if ids:
            total += self._model.get_scores_from_ids(ids)
        for token, weight in (extra or {}).items():
            token_ids = self._model.get_tokens_ids([token])
            if token_ids:
                total += weight * self._model.get_scores_from_ids(token_ids)
        return total
