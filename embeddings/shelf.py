"""Which articles of a large library are worth ranking for a question.

Ranking one article's paragraphs (`Retriever.rank`) takes a millisecond or more, too much
to do for each of a thousand articles per question. The shelf keeps every article's
paragraph vectors in one matrix and, for each word stem, the articles that use it. An
article's promise for a question is its best paragraph cosine plus `scoring.credit` for
the share of the question's words it uses: the same two parts as `Ranking.relevance`,
taken from whole paragraphs. Only the most promising `scoring.SHORTLIST` are ranked in
full. Each article's words are stems of its own language, and the question is read in
each article's language for it. `index_cache.load_shelf` keeps a library's shelf on disk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from embeddings import scoring
from embeddings.index import ArticleIndex
from embeddings.language.detect import UNDETERMINED, question_language
from embeddings.lexical import stem, tokenize
from embeddings.models.protocol import Embedder
from embeddings.retriever import top_k
from embeddings.types import Vectors

Ids = npt.NDArray[np.int64]


class Shelf:
    """The paragraph vectors and word stems of a library's articles, to shortlist them.

    `vectors` stacks every article's paragraph vectors, each article's first row at
    `starts`; the articles using `tokens[i]` are `holders[offsets[i]:offsets[i + 1]]`;
    `languages` are the articles' languages.
    """

    def __init__(
        self,
        vectors: Vectors,
        starts: Ids,
        tokens: Sequence[str],
        offsets: Ids,
        holders: Ids,
        languages: Sequence[str],
    ) -> None:
        if (
            len(offsets) != len(tokens) + 1
            or (len(starts) and starts[-1] >= len(vectors))
            or len(languages) != len(starts)
        ):
            raise ValueError("the shelf's parts do not fit together")
        self.vectors, self.starts = vectors, starts
        self.tokens, self.offsets, self.holders = list(tokens), offsets, holders
        self.languages = list(languages)
        self._rows = {token: i for i, token in enumerate(self.tokens)}
        self._by_language = {
            language: np.flatnonzero(np.array(self.languages) == language)
            for language in sorted(set(self.languages))
        }
        self.size = len(starts)

    @classmethod
    def build(
        cls, vectors: Sequence[Vectors], stems: Sequence[Iterable[str]], languages: Sequence[str]
    ) -> Shelf:
        """The shelf of articles given by their paragraph vectors, word stems and
        languages."""
        if len(vectors) != len(stems) or len(vectors) != len(languages) or not vectors:
            raise ValueError("one vector matrix, word list and language per article are needed")
        sizes = np.array([len(v) for v in vectors], dtype=np.int64)
        postings: dict[str, list[int]] = {}
        for article, words in enumerate(stems):
            for word in set(words):
                postings.setdefault(word, []).append(article)
        tokens = sorted(postings)
        lengths = np.array([len(postings[t]) for t in tokens], dtype=np.int64)
        return cls(
            np.ascontiguousarray(np.concatenate(vectors), dtype=np.float32),
            np.cumsum(sizes) - sizes,
            tokens,
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            np.array([a for t in tokens for a in postings[t]], dtype=np.int64),
            languages,
        )

    @classmethod
    def of(cls, indexes: Sequence[ArticleIndex]) -> Shelf:
        """The shelf of loaded indexes."""
        return cls.build(
            [index.paragraph_vectors for index in indexes],
            [stems(index.vocabulary.words, index.vocabulary.language) for index in indexes],
            [index.article.language for index in indexes],
        )

    def save(self, directory: Path) -> None:
        np.save(directory / "vectors.npy", self.vectors)
        np.save(directory / "starts.npy", self.starts)
        np.save(directory / "offsets.npy", self.offsets)
        np.save(directory / "holders.npy", self.holders)
        (directory / "tokens.json").write_text(json.dumps(self.tokens), encoding="utf-8")
        (directory / "languages.json").write_text(json.dumps(self.languages), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Shelf:
        """A shelf written by `save`, its vectors memory-mapped."""

        def array(name: str) -> npt.NDArray[np.generic]:
            return np.asarray(np.load(directory / name, mmap_mode="r", allow_pickle=False))

        return cls(
            array("vectors.npy"),  # type: ignore[arg-type]
            np.load(directory / "starts.npy", allow_pickle=False),
            json.loads((directory / "tokens.json").read_text(encoding="utf-8")),
            np.load(directory / "offsets.npy", allow_pickle=False),
            np.load(directory / "holders.npy", allow_pickle=False),
            json.loads((directory / "languages.json").read_text(encoding="utf-8")),
        )

    def promise(
        self, query_vector: Vectors, question: str, scale: scoring.Scale | None = None
    ) -> npt.NDArray[np.float32]:
        """Each article's promise for a cleaned question and its vector (see above), its
        cosines mapped by the model's `scale` (see `scoring.Calibration`)."""
        best = (scale or scoring.Scale())(
            np.maximum.reduceat(self.vectors @ query_vector, self.starts)
        )
        credit = np.zeros(self.size, dtype=np.float32)
        asked_in = question_language(question)
        for language, members in self._by_language.items():
            tokens = tokenize(question, language)
            found = np.zeros(self.size, dtype=np.float32)
            for token in tokens:
                row = self._rows.get(token)
                if row is not None:
                    found[self.holders[self.offsets[row] : self.offsets[row + 1]]] += 1
            # As `Ranking.relevance` credits them: a question in another language than
            # these articles' is credited for its meaning, not its words.
            other = UNDETERMINED not in (asked_in, language) and asked_in != language
            shares = found[members] / max(1, len(tokens))
            credit[members] = [scoring.credit(float(v), False, other) for v in shares]
        return np.asarray(best + credit, dtype=np.float32)

    def shortlist(self, embedder: Embedder, question: str, size: int) -> tuple[Vectors, list[int]]:
        """The vector of a cleaned question, and its most promising articles (their
        positions, best first): at most `size`, and none less promising than the best by
        more than `scoring.SHORTLIST_MARGIN`."""
        query_vector = embedder.encode_queries([question])[0]
        promise = self.promise(query_vector, question, scoring.calibration(embedder.model_id).texts)
        chosen = top_k(promise, size)
        close = promise[chosen] >= promise[chosen[0]] - scoring.SHORTLIST_MARGIN
        return query_vector, [int(i) for i in chosen[close]]


def stems(words: Iterable[str], language: str = "en") -> set[str]:
    """The stems of an article's words in its language, as BM25 matches them."""
    return {stem(w, language) for w in words}
