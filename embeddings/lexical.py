"""The lexical side: stemmed word tokens scored with BM25 by bm25s.

Every function reads text in a language (an ISO 639-1 code, English by default): its
words, function words and stems come from `embeddings.language`. Only a short list of
function words is dropped: a long stop-word list removes words questions hinge on
("first", "many", "years") and costs recall. Pairs of adjacent words are indexed too, in
a BM25 index of their own, so a question's phrase ("the Washington Post", "foreign
minister") counts more where the text has the same phrase than where it has the two
words apart.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import bm25s
import numpy as np
import numpy.typing as npt

from embeddings.language import Analyzer, analyzer
from embeddings.language.analyzers import DIGEST, pairs_of
from embeddings.scoring import K1, PAIR_WEIGHT, B

TOKENIZER_VERSION = 2
"""Bump when the way text becomes tokens changes in a way the fingerprint cannot see."""
_SENTENCE_END = re.compile(r"[.!?]")
STOP_WORDS = analyzer("en").function_words
"""English function words (titles among them), which the lexical side drops."""
FINGERPRINT = (
    f"tokens-v{TOKENIZER_VERSION},min2,acronyms,k1={K1},b={B},pairs={PAIR_WEIGHT},"
    f"languages={DIGEST}"
)
"""Part of the index cache key: a change to tokenizing or scoring invalidates old entries."""


@lru_cache(maxsize=65536)
def stem(word: str, language: str = "en") -> str:
    """The stem BM25 indexes a lower-cased word under."""
    return analyzer(language).stem(word)


def content_words(text: str, language: str = "en") -> list[str]:
    """The lower-cased words of `text` that carry meaning, in order; a script written
    without spaces gives its character pairs (see `embeddings.language.analyzers`).

    Function words are dropped, but not when written as an acronym: "U.S." and
    "US" in mixed-case text are the country, "us" is a pronoun.
    """
    reader = analyzer(language)
    shouting = not any(c.islower() for c in text)
    found: list[str] = []
    for match in reader.words.finditer(text):
        if match.lastgroup == "run":
            found += pairs_of(match.group())
        elif word := _content_word(match.group(), shouting, reader):
            found.append(word)
    return found


def names(text: str, language: str = "en") -> list[str]:
    """The content words of `text` written with a capital where no sentence starts
    ("What did Ned Price say?": "ned", "price"), lower-cased; none in text that has no
    lower-case letters to tell them apart (a script without case, or shouting), nor in a
    language that writes every noun with a capital.
    """
    reader = analyzer(language)
    if not reader.names_by_capitals or not any(c.islower() for c in text):
        return []
    found = []
    for previous, match in itertools.pairwise(reader.words.finditer(text)):
        word, gap = match.group(), text[previous.end() : match.start()]
        opens_sentence = _SENTENCE_END.search(gap) and not _is_title(previous, reader)
        if word[0].isupper() and not opens_sentence:
            found.append(_content_word(word, False, reader))
    return [word for word in found if word]


def _is_title(word: re.Match[str], reader: Analyzer) -> bool:
    """A title before a name ("Mr.", "Dr."), whose full stop does not end a sentence."""
    return word.group()[0].isupper() and reader.lower(word.group()) in reader.titles


def _content_word(word: str, shouting: bool, reader: Analyzer) -> str | None:
    """`word` lower-cased if it carries meaning (see `content_words`), else None."""
    acronym = word.endswith(".") or (word.isupper() and not shouting)
    word = reader.lower(word.replace(".", ""))
    return word if len(word) > 1 and (acronym or word not in reader.function_words) else None


def tokenize(text: str, language: str = "en") -> list[str]:
    """Stemmed content words: what BM25 indexes and matches."""
    return [stem(w, language) for w in content_words(text, language)]


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
    def build(cls, texts: Sequence[str], language: str = "en") -> Bm25:
        """Index `texts` (each becomes one document), read in `language`."""
        tokens = [tokenize(t, language) for t in texts]
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
