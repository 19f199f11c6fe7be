"""The lexical side: stemmed word tokens scored with BM25 by bm25s.

Only a short list of function words is dropped: a long stop-word list removes
words questions hinge on ("first", "many", "years") and costs recall. Pairs of
adjacent words are indexed too, in a BM25 index of their own, so a question's
phrase ("the Washington Post", "foreign minister") counts more where the text has
the same phrase than where it has the two words apart.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

from embeddings.scoring import K1, PAIR_WEIGHT, B

_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\w+", re.UNICODE)
"""A word, or a dotted acronym such as "U.S." (read as one word, "us")."""
_SENTENCE_END = re.compile(r"[.!?]")
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof"})
"""Titles before a name: dropped like function words ("Mr. Price" is Price); the full
stop after one ends no sentence."""
STOP_WORDS = _TITLES | frozenset(
    """
    a an the of in on at to into from by with for as about and or but if than that
    this these those is are was were be been being am do does did what which who
    whom whose when where why how it its he she they them his her their i you we our
    us your many much has have had will would can could should
    """.split()  # noqa: SIM905
)
FINGERPRINT = (
    f"stem-en,min2,acronyms,k1={K1},b={B},pairs={PAIR_WEIGHT},stop={','.join(sorted(STOP_WORDS))}"
)
"""Part of the index cache key: a change to tokenizing or scoring invalidates old entries."""
_stemmer = Stemmer.Stemmer("english")


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
    found = (_content_word(m.group(), shouting) for m in _WORD.finditer(text))
    return [word for word in found if word]


def names(text: str) -> list[str]:
    """The content words of `text` written with a capital where no sentence starts
    ("What did Ned Price say?": "ned", "price"), lower-cased; none in text that has no
    lower-case letters to tell them apart.
    """
    if not any(c.islower() for c in text):
        return []
    found = []
    for previous, match in itertools.pairwise(_WORD.finditer(text)):
        word, gap = match.group(), text[previous.end() : match.start()]
        opens_sentence = _SENTENCE_END.search(gap) and not _is_title(previous)
        if word[0].isupper() and not opens_sentence:
            found.append(_content_word(word, shouting=False))
    return [word for word in found if word]


def _is_title(word: re.Match[str]) -> bool:
    """A title before a name ("Mr.", "Dr."), whose full stop does not end a sentence."""
    return word.group()[0].isupper() and word.group().lower() in _TITLES


def _content_word(word: str, shouting: bool) -> str | None:
    """`word` lower-cased if it carries meaning (see `content_words`), else None."""
    acronym = word.endswith(".") or (word.isupper() and not shouting)
    word = word.replace(".", "").lower()
    return word if len(word) > 1 and (acronym or word not in STOP_WORDS) else None


def tokenize(text: str) -> list[str]:
    """Stemmed content words: what BM25 indexes and matches."""
    return [stem(w) for w in content_words(text)]


def word_pairs(tokens: Sequence[str]) -> list[str]:
    """Each token joined to the next: the phrases of a token sequence."""
    return [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


class Bm25:
    """BM25 scores of a query against a fixed list of texts: its words and word pairs."""

    def __init__(self, model: bm25s.BM25, pairs: bm25s.BM25, size: int) -> None:
        self._model = model
        self._pairs = pairs
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25:
        """Index `texts` (each becomes one document)."""
        tokens = [tokenize(t) for t in texts]
        return cls(_index(tokens), _index([word_pairs(t) for t in tokens]), len(texts))

    @classmethod
    def load(cls, directory: str, size: int) -> Bm25:
        """Load an index saved by `save`, memory-mapping its arrays."""
        return cls(_load(directory, size), _load(f"{directory}/pairs", size), size)

    def save(self, directory: str) -> None:
        self._model.save(directory, show_progress=False)
        self._pairs.save(f"{directory}/pairs", show_progress=False)

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

        Each pair of adjacent `tokens` found as a pair in a document adds `PAIR_WEIGHT`
        times its own BM25 score. `extra` adds further tokens, each counted with a weight
        (expansions).
        """
        ids = self._model.get_tokens_ids(tokens)
        total = np.zeros(self.size, dtype=np.float32)
        if ids:
            total += self._model.get_scores_from_ids(ids)
        pair_ids = self._pairs.get_tokens_ids(word_pairs(tokens))
        if pair_ids:
            total += PAIR_WEIGHT * self._pairs.get_scores_from_ids(pair_ids)
        for token, weight in (extra or {}).items():
            token_ids = self._model.get_tokens_ids([token])
            if token_ids:
                total += weight * self._model.get_scores_from_ids(token_ids)
        return total


def _index(documents: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=K1, b=B)
    model.index([d or [""] for d in documents], show_progress=False)
    return model


def _load(directory: str, size: int) -> bm25s.BM25:
    model = bm25s.BM25.load(directory, mmap=True, show_progress=False)
    # Plain ndarray views of the maps: slicing a np.memmap subclass is slow per call.
    model.scores = {
        key: np.asarray(value) if isinstance(value, np.memmap) else value
        for key, value in model.scores.items()
    }
    if model.scores["num_docs"] != size:
        raise ValueError("lexical index size does not match")
    return model
