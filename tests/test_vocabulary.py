"""Question words the article does not use, matched through the closest article word."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from embeddings.article import Article
from embeddings.index import build_index
from embeddings.lexical import stem
from embeddings.retriever import Retriever
from embeddings.scoring import EXPANSION_CREDIT, MIN_SIMILARITY, stand_in_weights
from embeddings.types import Vectors
from embeddings.vocabulary import WORDS_PER_QUESTION, Vocabulary, WordExpander, article_words
from tests.fakes import FakeEmbedder


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_article_words_are_the_distinct_content_words_sorted() -> None:
    assert article_words(["The cat sat.", "A cat and the U.S. dog"]) == ["cat", "dog", "sat", "us"]


def test_closest_word_stands_in_only_above_the_threshold() -> None:
    vocabulary = Vocabulary(["spokesman", "sanctions"], np.stack([_unit(1, 0, 0), _unit(0, 1, 0)]))
    vectors = {
        "spokesperson": _unit(0.9, 0.1, 0),  # close to "spokesman"
        "weather": _unit(0, 0, 1),  # close to nothing
        "penalties": _unit(0.1, 0.6, 0.5),  # nearest "sanctions", cosine ~0.76
    }
    expander = WordExpander(vocabulary, lambda words: np.stack([vectors[w] for w in words]))
    expansion = expander.expand(["spokesperson", "weather", "penalties"])
    assert set(expansion) == {stem("spokesman"), stem("sanctions")}
    assert expansion[stem("spokesman")] == np.float32(_unit(0.9, 0.1, 0)[0])
    assert all(MIN_SIMILARITY <= w <= 1 for w in expansion.values())


def test_word_vectors_are_encoded_once_per_word() -> None:
    encoded: list[str] = []

    def encode(words: list[str]) -> np.ndarray:
        encoded.extend(words)
        return np.stack([_unit(1, 0) for _ in words])

    expander = WordExpander(Vocabulary(["cat"], np.stack([_unit(1, 0)])), encode)
    expander.expand(["kitten", "feline", "kitten"])
    expander.expand(["kitten", "tabby"])
    assert encoded == ["feline", "kitten", "tabby"]
    assert expander.expand([]) == {}


def test_a_question_and_its_new_words_share_one_model_call() -> None:
    calls: list[list[str]] = []
    vectors = {"Who is the spokesperson?": _unit(0, 1), "spokesperson": _unit(1, 0.1)}

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.stack([vectors.get(t, _unit(0, 1)) for t in texts])

    expander = WordExpander(Vocabulary(["spokesman"], np.stack([_unit(1, 0)])), encode)
    question, expansion, closeness = expander.expand_with_question(
        "Who is the spokesperson?", ["spokesperson"], ["Zorg"]
    )
    assert calls == [["Who is the spokesperson?", "spokesperson", "Zorg"]]
    np.testing.assert_allclose(question, vectors["Who is the spokesperson?"])
    assert expansion == {"spokesman": pytest.approx(float(_unit(1, 0.1)[0]))}
    assert closeness == [pytest.approx(0.0, abs=1e-6)]  # "Zorg" is far from every article word
    again, same, _ = expander.expand_with_question("Who is the spokesperson now?", ["spokesperson"])
    assert calls[1] == ["Who is the spokesperson now?"]  # the word's vector is cached
    assert same == expansion and again.shape == (2,)
    assert expander.similarity(["spokesperson", "Zorg"]) == pytest.approx(
        [expansion["spokesman"], 0]
    )
    assert len(calls) == 2  # both cached


def test_cached_word_vectors_do_not_keep_the_model_output_alive() -> None:
    outputs: list[weakref.ref[np.ndarray]] = []

    def encode(texts: list[str]) -> np.ndarray:
        buffer = np.zeros((len(texts), 1000), dtype=np.float32)  # a large, padded model output
        buffer[:, 0] = 1
        outputs.append(weakref.ref(buffer))
        return buffer[:, :2]

    expander = WordExpander(Vocabulary(["cat"], np.stack([_unit(1, 0)])), encode)
    question, expansion, _ = expander.expand_with_question("Is the kitten asleep?", ["kitten"])
    del question
    gc.collect()
    assert expansion == {"cat": pytest.approx(1.0)}
    assert len(outputs) == 1 and outputs[0]() is None
    assert expander.expand(["kitten"]) == expansion  # still cached: no second call
    assert len(outputs) == 1


def test_a_full_cache_starts_again_and_still_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("embeddings.vocabulary.CACHE_WORDS", 2)
    vectors = {"kitten": _unit(1, 0), "feline": _unit(0.8, 0.6), "dog": _unit(0, 1)}
    encoded: list[str] = []

    def encode(words: list[str]) -> np.ndarray:
        encoded.extend(words)
        return np.stack([vectors[w] for w in words])

    vocabulary = Vocabulary(["cat", "puppy"], np.stack([vectors["kitten"], vectors["dog"]]))
    expander = WordExpander(vocabulary, encode)
    assert expander.expand(["kitten", "feline"]) == {stem("cat"): pytest.approx(1.0)}
    assert expander.expand(["dog"]) == {stem("puppy"): pytest.approx(1.0)}  # cache cleared
    assert expander.expand(["feline"]) == {stem("cat"): pytest.approx(0.8)}
    assert encoded == ["feline", "kitten", "dog", "feline"]


def test_empty_vocabulary_expands_nothing() -> None:
    expander = WordExpander(
        Vocabulary([], np.empty((0, 2), np.float32)), lambda w: np.ones((1, 2), np.float32)
    )
    assert expander.expand(["anything"]) == {}


def test_a_synonym_reaches_the_paragraph_lexically() -> None:
    article = Article(
        title="Briefing",
        paragraphs=(
            "The spokesman spoke to reporters on Monday.",
            "The minister travelled to Paris for talks.",
            "Officials discussed trade and tariffs at length.",
        ),
    )
    plain = FakeEmbedder()
    aware = FakeEmbedder(synonyms={"spokesperson": "spokesman"})
    question = "What did the spokesperson tell reporters?"
    without = Retriever(build_index(article, plain), plain).rank(question)
    with_synonym = Retriever(build_index(article, aware), aware).rank(question)
    bm25_gain = with_synonym.paragraph_bm25 - without.paragraph_bm25
    assert bm25_gain[0] > 0
    assert np.all(bm25_gain[1:] == 0)
    # A perfect stand-in counts for BM25 as the word itself would.
    spokesman = Retriever(build_index(article, plain), plain).rank(
        "What did the spokesman tell reporters?"
    )
    np.testing.assert_allclose(with_synonym.paragraph_bm25, spokesman.paragraph_bm25, rtol=1e-6)
    assert with_synonym.coverage == without.coverage  # the lexical weight counts exact words
    # The decision credits the stand-in with part of its similarity.
    similarity = with_synonym.expansion["spokesman"]
    assert similarity >= MIN_SIMILARITY
    credit = EXPANSION_CREDIT * similarity / len(with_synonym.tokens)
    assert with_synonym.evidence == pytest.approx(without.evidence + credit)


def test_only_the_longest_words_are_matched_whatever_was_asked_before() -> None:
    vocabulary = Vocabulary(["spokesman", "said"], np.stack([_unit(1, 0), _unit(0, 1)]))
    close = {"spokesperson": _unit(1, 0.1), "replied": _unit(1, 0.2), "told": _unit(0.1, 1)}
    fresh = WordExpander(vocabulary, lambda words: np.stack([close[w] for w in words]))
    warm = WordExpander(vocabulary, lambda words: np.stack([close[w] for w in words]))
    assert warm.expand(["told"]) == {"said": pytest.approx(float(close["told"][1]))}
    words = ["told", "spokesperson", "replied"]  # "told" is the shortest, cached or not
    assert WORDS_PER_QUESTION == 2
    assert fresh.expand(words) == warm.expand(words) == {"spokesman": pytest.approx(0.995, 1e-3)}


class _LooseEmbedder(FakeEmbedder):
    """Embeds "spokesperson" at a chosen cosine from "spokesman"."""

    def __init__(self, similarity: float) -> None:
        super().__init__()
        self.similarity = similarity

    def _vector(self, text: str) -> Vectors:
        if text != "spokesperson":
            return super()._vector(text)
        target, other = super()._vector("spokesman"), super()._vector("unrelated")
        other = other - (other @ target) * target
        other = other / np.linalg.norm(other)
        s = self.similarity
        return np.asarray(s * target + np.sqrt(1 - s * s) * other, dtype=np.float32)


def test_stand_in_weights_grow_from_nothing_at_the_bar_to_the_whole_word() -> None:
    weights = stand_in_weights({"a": MIN_SIMILARITY, "b": 1.0, "c": (MIN_SIMILARITY + 1) / 2})
    assert weights == pytest.approx({"a": 0.0, "b": 1.0, "c": 0.5})


@pytest.mark.parametrize("share", [0.001, 0.5])
def test_a_loose_stand_in_counts_for_bm25_by_how_far_it_clears_the_bar(share: float) -> None:
    article = Article(
        title="Briefing",
        paragraphs=("The spokesman briefed reporters on Monday.", "Officials met in Paris."),
    )
    similarity = MIN_SIMILARITY + share * (1 - MIN_SIMILARITY)
    loose = _LooseEmbedder(similarity)
    index = build_index(article, loose)
    ranking = Retriever(index, loose).rank("Which spokesperson briefed reporters on Monday?")
    assert ranking.expansion == {"spokesman": pytest.approx(similarity, abs=1e-5)}
    bm25 = index.paragraph_bm25
    expected = bm25.scores(list(ranking.tokens)) + share * bm25.scores(["spokesman"])
    np.testing.assert_allclose(ranking.paragraph_bm25, expected, rtol=1e-3, atol=1e-6)
    # The decision still credits the stand-in with part of its similarity, not its weight.
    assert ranking.tokens == ("spokesperson", "brief", "report", "monday")
    assert ranking.evidence == pytest.approx((3 + EXPANSION_CREDIT * similarity) / 4, abs=1e-5)
