"""Which articles of a large library are worth ranking for a question.

Ranking one article's paragraphs (`Retriever.rank`) takes milliseconds, and loading its
index more, too much to do for each of a thousand articles per question. The shelf keeps
every article's paragraph vectors in one matrix, its sentence vectors as int8 in
another, and, for each word stem, the articles that use it. An article's promise for a
question is its best paragraph cosine plus `scoring.credit` for the share of the
question's words it uses; the `scoring.REFINED` most promising are then judged by their
best sentence's cosine plus the same credit: `Ranking.relevance`, but for the article's
best sentence. Only the best `scoring.SHORTLIST` of those are ranked in full. Each
article's words are stems of its own language, and the question is read in each
article's language for it. `index_cache` keeps a library's shelf on disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from embeddings import scoring
from embeddings.index import ArticleIndex
from embeddings.language.detect import UNDETERMINED, question_language
from embeddings.lexical import stem, tokenize
from embeddings.models.protocol import Embedder
from embeddings.packing import quantize, unit_scales
from embeddings.retriever import top_k
from embeddings.types import Scores, Vectors

Ids = npt.NDArray[np.int64]
Int8 = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Part:
    """What the shelf holds of one article: its paragraph and sentence vectors as int8
    values (unit length once multiplied by `unit_scales`), and its word stems as sorted
    64-bit hashes (`stem_hashes`)."""

    paragraphs: Int8
    sentences: Int8
    stems: Ids

    @classmethod
    def of(cls, paragraphs: Vectors | Int8, sentences: Vectors | Int8, stems: Ids) -> Part:
        """A part from float vectors (made int8 here) or int8 values."""
        return cls(_int8(paragraphs), _int8(sentences), stems)


def _int8(vectors: Vectors | Int8) -> Int8:
    if vectors.dtype == np.int8:
        return np.asarray(vectors, np.int8)
    return quantize(np.asarray(vectors, np.float32))[1]


class Shelf:
    """The paragraph and sentence vectors and word stems of a library's articles, to
    shortlist them.

    `vectors` stacks every article's paragraph vectors, each article's first row at
    `starts`; `sentences` its sentence vectors (int8, times `sentence_scales` for unit
    length), its first at `sentence_starts`; the articles using `tokens[i]` are
    `holders[offsets[i]:offsets[i + 1]]`; `languages` are the articles' languages.
    """

    def __init__(
        self,
        vectors: Vectors,
        starts: Ids,
        sentences: Int8,
        sentence_starts: Ids,
        tokens: Ids,
        offsets: Ids,
        holders: Ids,
        languages: Sequence[str],
    ) -> None:
        if (
            len(offsets) != len(tokens) + 1
            or (len(starts) and starts[-1] >= len(vectors))
            or len(languages) != len(starts)
            or len(sentence_starts) != len(starts)
            or (len(sentence_starts) and sentence_starts[-1] >= len(sentences))
            or sentences.shape[1:] != vectors.shape[1:]
            or np.any(np.diff(np.append(starts, len(vectors))) <= 0)
            or np.any(np.diff(np.append(sentence_starts, len(sentences))) <= 0)
        ):
            raise ValueError("the shelf's parts do not fit together")
        self.vectors, self.starts = vectors, starts
        self.sentences, self.sentence_starts = sentences, sentence_starts
        self.sentence_scales = unit_scales(sentences)
        self.tokens, self.offsets, self.holders = tokens, offsets, holders
        self.languages = list(languages)
        self._by_language = {
            language: np.flatnonzero(np.array(self.languages) == language)
            for language in sorted(set(self.languages))
        }
        self.size = len(starts)

    @classmethod
    def build(cls, parts: Sequence[Part], languages: Sequence[str]) -> Shelf:
        """The shelf of articles given by their parts and languages."""
        if len(parts) != len(languages) or not parts:
            raise ValueError("one part and language per article are needed")
        sizes = np.array([len(p.paragraphs) for p in parts], dtype=np.int64)
        counts = np.array([len(p.sentences) for p in parts], dtype=np.int64)
        hashes = np.concatenate([p.stems for p in parts]).astype(np.int64)
        owners = np.repeat(np.arange(len(parts)), [len(p.stems) for p in parts])
        order = np.lexsort((owners, hashes))
        tokens, first = np.unique(hashes[order], return_index=True)
        paragraphs = np.empty((int(sizes.sum()), parts[0].paragraphs.shape[1]), np.float32)
        at = 0
        for part in parts:  # made float once, into place: no copy of each article's
            rows = paragraphs[at : at + len(part.paragraphs)]
            np.multiply(part.paragraphs, unit_scales(part.paragraphs)[:, None], out=rows)
            at += len(part.paragraphs)
        return cls(
            paragraphs,
            np.cumsum(sizes) - sizes,
            np.ascontiguousarray(np.concatenate([p.sentences for p in parts])),
            np.cumsum(counts) - counts,
            tokens,
            np.append(first, len(hashes)).astype(np.int64),
            owners[order].astype(np.int64),
            languages,
        )

    def parts(self) -> list[Part]:
        """What the shelf holds of each article."""
        rows = np.repeat(np.arange(len(self.tokens)), np.diff(self.offsets))
        by_article = np.argsort(self.holders, kind="stable")
        ends = np.searchsorted(self.holders[by_article], np.arange(self.size + 1))
        return [
            Part(
                _int8(np.asarray(_rows(self.vectors, self.starts, a), np.float32)),
                np.asarray(_rows(self.sentences, self.sentence_starts, a), np.int8),
                np.sort(self.tokens[rows[by_article[ends[a] : ends[a + 1]]]]),
            )
            for a in range(self.size)
        ]

    def updated(
        self,
        old: Sequence[Hashable],
        new: Sequence[Hashable],
        languages: Sequence[str],
        read: Callable[[list[int]], Sequence[Part]],
    ) -> Shelf:
        """The shelf of the articles `new`, where this one is of `old` (the same keys for
        the same articles): what `new` shares with `old` is taken from here, the rest by
        `read(positions in new)`."""
        at = {key: i for i, key in enumerate(old)}
        missing = [j for j, key in enumerate(new) if key not in at]
        fresh = dict(zip(missing, read(missing), strict=True))
        kept = self.parts()
        return Shelf.build(
            [kept[at[key]] if key in at else fresh[j] for j, key in enumerate(new)], languages
        )

    @classmethod
    def of(cls, indexes: Sequence[ArticleIndex]) -> Shelf:
        """The shelf of loaded indexes."""
        return cls.build(
            [
                Part.of(
                    index.paragraph_vectors,
                    index.sentence_vectors,
                    stem_hashes(index.vocabulary.words, index.vocabulary.language),
                )
                for index in indexes
            ],
            [index.article.language for index in indexes],
        )

    def save(self, directory: Path) -> None:
        np.save(directory / "vectors.npy", self.vectors)
        np.save(directory / "starts.npy", self.starts)
        np.save(directory / "sentences.npy", self.sentences)
        np.save(directory / "sentence-starts.npy", self.sentence_starts)
        np.save(directory / "offsets.npy", self.offsets)
        np.save(directory / "holders.npy", self.holders)
        np.save(directory / "tokens.npy", self.tokens)
        (directory / "languages.json").write_text(json.dumps(self.languages), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Shelf:
        """A shelf written by `save`, its vectors memory-mapped."""

        def array(name: str) -> npt.NDArray[np.generic]:
            return np.asarray(np.load(directory / name, mmap_mode="r", allow_pickle=False))

        return cls(
            array("vectors.npy"),  # type: ignore[arg-type]
            np.load(directory / "starts.npy", allow_pickle=False),
            array("sentences.npy"),  # type: ignore[arg-type]
            np.load(directory / "sentence-starts.npy", allow_pickle=False),
            np.load(directory / "tokens.npy", allow_pickle=False),
            np.load(directory / "offsets.npy", allow_pickle=False),
            np.load(directory / "holders.npy", allow_pickle=False),
            json.loads((directory / "languages.json").read_text(encoding="utf-8")),
        )

    def promise(
        self, query_vector: Vectors, question: str, scale: scoring.Scale | None = None
    ) -> npt.NDArray[np.float32]:
        """Each article's promise for a cleaned question and its vector (see above), its
        cosines mapped by the model's `scale` (see `scoring.Calibration`)."""
        best, credit = self._promise(query_vector, question, scale or scoring.Scale())
        return np.asarray(best + credit, dtype=np.float32)

    def _promise(
        self, query_vector: Vectors, question: str, scale: scoring.Scale
    ) -> tuple[Scores, Scores]:
        """Each article's best paragraph cosine (mapped by `scale`), and its word credit."""
        best = scale(np.maximum.reduceat(self.vectors @ query_vector, self.starts))
        credit = np.zeros(self.size, dtype=np.float32)
        asked_in = question_language(question)
        for language, members in self._by_language.items():
            tokens = np.array([token_hash(t) for t in tokenize(question, language)], np.int64)
            found = np.zeros(self.size, dtype=np.float32)
            rows = np.searchsorted(self.tokens, tokens)
            for token, row in zip(tokens.tolist(), rows.tolist(), strict=True):
                if row < len(self.tokens) and self.tokens[row] == token:
                    found[self.holders[self.offsets[row] : self.offsets[row + 1]]] += 1
            # As `Ranking.relevance` credits them: a question in another language than
            # these articles' is credited for its meaning, not its words.
            other = UNDETERMINED not in (asked_in, language) and asked_in != language
            shares = found[members] / max(1, len(tokens))
            credit[members] = [scoring.credit(float(v), False, other) for v in shares]
        return np.asarray(best, dtype=np.float32), credit

    def best_sentences(self, query_vector: Vectors, articles: Ids) -> Scores:
        """The best sentence cosine of each of `articles` (positions), a block of
        sentences at a time."""
        ends = np.append(self.sentence_starts[1:], len(self.sentences))
        best = np.full(len(articles), -np.inf, dtype=np.float32)
        for i, article in enumerate(articles.tolist()):
            for start in range(int(self.sentence_starts[article]), int(ends[article]), 4096):
                stop = min(start + 4096, int(ends[article]))
                cosines = (self.sentences[start:stop].astype(np.float32) @ query_vector) * (
                    self.sentence_scales[start:stop]
                )
                best[i] = max(best[i], float(cosines.max()))
        return best

    def shortlist(self, embedder: Embedder, question: str, size: int) -> tuple[Vectors, list[int]]:
        """The vector of a cleaned question, and its most promising articles (their
        positions, best first): the `scoring.REFINED` of most promise judged by their best
        sentence, at most `size` of them, and none less relevant than the best by more
        than `scoring.SHORTLIST_MARGIN`."""
        query_vector = embedder.encode_queries([question])[0]
        scale = scoring.calibration(embedder.model_id).texts
        best, credit = self._promise(query_vector, question, scale)
        chosen = top_k(best + credit, max(size, scoring.REFINED))
        relevance = scale(self.best_sentences(query_vector, chosen)) + credit[chosen]
        order = top_k(relevance, size)
        close = relevance[order] >= relevance[order[0]] - scoring.SHORTLIST_MARGIN
        return query_vector, [int(i) for i in chosen[order[close]]]


def stems(words: Iterable[str], language: str = "en") -> set[str]:
    """The stems of an article's words in its language, as BM25 matches them."""
    return {stem(w, language) for w in words}


def stem_hashes(words: Iterable[str], language: str = "en") -> Ids:
    """The distinct stems of an article's words, each as `token_hash`, sorted."""
    return np.unique(np.array([token_hash(s) for s in stems(words, language)], dtype=np.int64))


@lru_cache(maxsize=65536)
def token_hash(token: str) -> int:
    """A stem as a signed 64-bit number, the same in every process."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _rows(values: npt.NDArray[np.generic], starts: Ids, article: int) -> npt.NDArray[np.generic]:
    """The rows of one article in a stacked matrix."""
    end = starts[article + 1] if article + 1 < len(starts) else len(values)
    return values[starts[article] : end]
