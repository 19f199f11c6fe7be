"""The retriever's pure parts against brute-force oracles, and its answers with a fake model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embeddings.retriever as retriever_module
from embeddings import lexical
from embeddings.article import Article
from embeddings.index import build_index
from embeddings.question import MAX_QUESTION_CHARS, QuestionError, clean_question
from embeddings.retriever import (
    Retriever,
    fuse,
    group_max,
    top_k,
    zscore,
)
from embeddings.scoring import (
    EXPANSION_CREDIT,
    TENTATIVE_MARGIN,
    UNKNOWN_NAME_PENALTY,
    matched_share,
)
from tests.answers import assert_well_formed
from tests.fakes import FakeEmbedder


@pytest.mark.parametrize("seed", range(20))
def test_top_k_matches_a_full_sort_on_random_vectors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, dim, k = int(rng.integers(1, 300)), 32, int(rng.integers(1, 12))
    docs = rng.standard_normal((n, dim)).astype(np.float32)
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    query = docs[0] + 0.5 * rng.standard_normal(dim).astype(np.float32)
    scores = docs @ query
    oracle = sorted(range(n), key=lambda i: (-float(scores[i]), i))[:k]
    assert top_k(scores, k).tolist() == oracle


def test_top_k_breaks_ties_by_position_and_handles_edges() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0], dtype=np.float32)
    assert top_k(scores, 2).tolist() == [1, 2]
    assert top_k(scores, 10).tolist() == [1, 2, 3, 0]
    assert top_k(scores, 0).tolist() == []


@given(st.lists(st.integers(1, 6), min_size=1, max_size=30), st.integers(0, 2**32 - 1))
def test_group_max_matches_a_loop(sizes: list[int], seed: int) -> None:
    values = np.random.default_rng(seed).standard_normal(sum(sizes)).astype(np.float32)
    starts = np.cumsum([0, *sizes[:-1]])
    expected = [values[s : s + n].max() for s, n in zip(starts, sizes, strict=True)]
    np.testing.assert_array_equal(group_max(values, starts), expected)


def test_zscore_standardises_and_leaves_constants_at_zero() -> None:
    z = zscore(np.array([1.0, 2.0, 3.0, 4.0]))
    assert abs(float(z.mean())) < 1e-6 and abs(float(z.std()) - 1) < 1e-6
    assert zscore(np.array([5.0, 5.0])).tolist() == [0.0, 0.0]


def test_fuse_is_the_sum_of_z_scores() -> None:
    a, b = np.array([1.0, 0.0, 2.0]), np.array([10.0, 30.0, 20.0])
    np.testing.assert_allclose(fuse([a, b]), zscore(a) + zscore(b), rtol=1e-6)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  When   did\tit happen? ", "When did it happen?"),
        ("zero\u200bwidth\u200d", "zerowidth"),
        ("bell\x07and\x00null", "bell and null"),
        ("¿Qué dijo Putin? 🇷🇺", "¿Qué dijo Putin? 🇷🇺"),
        ("מה אמר פוטין", "מה אמר פוטין"),
    ],
)
def test_clean_question_keeps_words_and_drops_invisibles(raw: str, clean: str) -> None:
    assert clean_question(raw) == (clean, None)


@pytest.mark.parametrize("blank", ["", "   ", "\u200b\u200b", "\x00\x01\n"])
def test_blank_question_is_refused(blank: str) -> None:
    with pytest.raises(QuestionError):
        clean_question(blank)


def test_long_question_is_cut_at_a_word_with_a_note() -> None:
    question, note = clean_question("word " * 2000)
    assert len(question) <= MAX_QUESTION_CHARS
    assert question.endswith("word")
    assert note is not None and str(len(question)) in note


def _retriever(
    min_relevance: float = 0.3,
    synonyms: dict[str, str] | None = None,
    rare: frozenset[str] = frozenset(),
) -> Retriever:
    article = Article(
        "Pets",
        (
            "Cats sleep most of the day. They purr when content.",
            "Dogs need a walk every morning. Their owners throw balls for them.",
            "Parrots can learn words. Some parrots live for decades.",
        ),
        url="https://example.org/pets",
    )
    embedder = FakeEmbedder(synonyms=synonyms, rare=rare)
    return Retriever(build_index(article, embedder), embedder, min_relevance)


def test_answer_quotes_the_matching_paragraph_verbatim_with_its_sentence() -> None:
    retriever = _retriever()
    answer = retriever.answer("How long do parrots live?", 3)
    assert answer.answered
    top = answer.passages[0]
    assert top.paragraph == 3
    assert top.text == retriever.index.article.paragraphs[2]
    assert top.highlight == "Some parrots live for decades."
    assert top.highlight in top.text


def test_answer_passages_are_in_score_order_and_at_most_k() -> None:
    answer = _retriever(min_relevance=-1.0).answer("cats dogs parrots", 2)
    assert len(answer.passages) == 2
    assert answer.passages[0].score >= answer.passages[1].score


def test_unrelated_question_is_declined_without_passages() -> None:
    answer = _retriever().answer("quantum chromodynamics lattice", 3)
    assert not answer.answered
    assert answer.passages == ()


def test_answer_json_shape() -> None:
    data = _retriever().answer("Do cats purr?", 3).to_dict()
    assert set(data) == {"question", "answered", "tentative", "about", "passages", "article"}
    assert data["article"] == {
        "title": "Pets",
        "published": None,
        "url": "https://example.org/pets",
    }
    assert set(data["passages"][0]) == {"paragraph", "text", "highlight", "score", "article"}
    assert data["passages"][0]["article"] == data["article"]
    assert isinstance(data["passages"][0]["paragraph"], int)


def test_blank_question_answer_carries_an_error() -> None:
    answer = _retriever().answer("\u200b", 3)
    assert not answer.answered and answer.error == "the question is blank"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_any_question_gets_an_answer_or_a_decline(question: str) -> None:
    answer = _retriever().answer(question, 3)
    assert_well_formed(answer, 3)
    assert len(answer.question) <= max(MAX_QUESTION_CHARS, len(question))


def test_long_articles_score_sentences_of_the_best_candidates_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topics = ["cats purr", "dogs bark", "parrots talk", "fish swim", "owls hoot", "bees buzz"]
    paragraphs = tuple(
        f"Story {i} about {topics[i % 6]}. It has a second sentence number {i}." for i in range(60)
    )
    embedder = FakeEmbedder()
    retriever = Retriever(build_index(Article("Many", paragraphs), embedder), embedder, -10.0)
    full = retriever.rank("Why do owls hoot at night? Story 40")
    monkeypatch.setattr("embeddings.scoring.CANDIDATES", 8)
    narrow = retriever.rank("Why do owls hoot at night? Story 40")
    assert int(np.argmax(narrow.scores)) == int(np.argmax(full.scores))
    assert np.isinf(narrow.scores).sum() == 60 - 8
    assert len(narrow.sentence_ids) == 16
    outside = int(np.flatnonzero(np.isinf(narrow.scores))[0])
    assert retriever.highlight(outside, narrow).startswith(f"Story {outside} about")
    assert retriever.select(narrow, 3)[0] == int(np.argmax(full.scores))


def test_matched_share_credits_found_stand_ins_with_part_of_their_similarity() -> None:
    found = {"cat", "dog", "kitten"}.__contains__
    share = matched_share(["cat", "dog", "feline", "parrot"], {"kitten": 0.8, "bird": 0.6}, found)
    assert share == pytest.approx((2 + EXPANSION_CREDIT * 0.8) / 4)
    assert matched_share([], {"kitten": 0.8}, found) == 0.0


def test_further_passages_are_quoted_only_on_their_own_evidence() -> None:
    answer = _retriever(min_relevance=0.4).answer("How long do parrots live?", 3)
    assert [p.paragraph for p in answer.passages] == [3]
    both = _retriever(min_relevance=0.4).answer("Do cats and dogs sleep or walk?", 3)
    assert sorted(p.paragraph for p in both.passages) == [1, 2]


def test_an_answer_just_over_the_bar_is_tentative_and_quotes_the_closest_passage_alone() -> None:
    question = "Do cats and dogs sleep or walk?"
    retriever = _retriever(min_relevance=0.4)
    sure = retriever.answer(question, 3)
    assert not sure.tentative and len(sure.passages) == 2
    assert sure.relevance >= 0.4 + TENTATIVE_MARGIN
    retriever.min_relevance = sure.relevance - TENTATIVE_MARGIN / 2
    tentative = retriever.answer(question, 3)
    assert tentative.answered and tentative.tentative
    assert tentative.passages == sure.passages[:1]
    assert tentative.to_dict()["tentative"] is True
    retriever.min_relevance = sure.relevance + 0.01
    declined = retriever.answer(question, 3)
    assert not declined.answered and not declined.tentative


def test_a_name_the_article_never_mentions_lowers_relevance_and_can_tip_the_decision() -> None:
    retriever = _retriever()
    named = retriever.rank("Do Cats purr for Garfield?")
    plain = retriever.rank("Do cats purr for garfield?")  # the same words: no names
    assert named.unknown_names == ("garfield",) and plain.unknown_names == ()
    assert retriever.rank("Do Cats purr?").unknown_names == ()  # named, and in the article
    np.testing.assert_allclose(named.relevance, plain.relevance - UNKNOWN_NAME_PENALTY, atol=1e-6)
    retriever.min_relevance = float(plain.relevance.max()) - UNKNOWN_NAME_PENALTY / 2
    assert retriever.select(plain, 3) and not retriever.select(named, 3)


def test_without_capitals_a_word_the_model_splits_counts_as_a_name() -> None:
    retriever = _retriever(rare=frozenset({"garfield", "cats"}))
    named = retriever.rank("Do Cats purr for Garfield?")
    lower = retriever.rank("do cats purr for garfield?")
    assert lower.unknown_names == named.unknown_names == ("garfield",)  # "cats" is in the article
    np.testing.assert_allclose(lower.relevance, named.relevance, atol=1e-6)
    # A question that capitalises a name is taken at its word about the others.
    assert retriever.rank("Do Cats purr for garfield?").unknown_names == ()


def test_a_name_the_article_says_in_other_words_costs_nothing() -> None:
    retriever = _retriever(synonyms={"tabbies": "cats"})  # the model's view: the same thing
    assert retriever.rank("Do Tabbies purr?").unknown_names == ()
    assert retriever.rank("Do Tabbies purr for Garfield?").unknown_names == ("garfield",)


def test_the_article_is_tokenized_once_not_per_question(monkeypatch: pytest.MonkeyPatch) -> None:
    retriever = _retriever(min_relevance=-10.0)
    tokenized: list[str] = []
    original = lexical.tokenize

    def counting(text: str, language: str = "en") -> list[str]:
        tokenized.append(text)
        return original(text, language)

    monkeypatch.setattr(retriever_module, "tokenize", counting)
    for _ in range(3):
        for question in ("Do cats and dogs sleep?", "How long do parrots live?"):
            assert len(retriever.answer(question, 3).passages) == 3
    assert tokenized, "further passages are checked against their own words"
    assert set(tokenized) <= set(retriever.index.article.paragraphs)
    assert len(tokenized) == len(set(tokenized))


def test_a_question_about_the_article_is_answered_with_its_opening() -> None:
    article = Article(
        "Cats",
        (
            "Cats sleep most of the day. They purr when content.",
            "Dogs bark at strangers and wag their tails.",
        ),
    )
    embedder = FakeEmbedder()
    retriever = Retriever(build_index(article, embedder), embedder)
    answer = retriever.answer("What is this article about?")
    assert answer.about and answer.answered and not answer.tentative
    assert [(p.paragraph, p.text) for p in answer.passages] == [(1, article.paragraphs[0])]
    assert answer.passages[0].highlight == "Cats sleep most of the day."
    assert answer.to_dict()["about"] is True
    plain = retriever.answer("Do dogs bark at strangers?")
    assert not plain.about and plain.passages[0].paragraph == 2


def test_a_question_the_article_answers_outright_is_not_taken_for_one_about_it() -> None:
    article = Article(
        "Who wrote it",
        (
            "Who wrote this article? Jane Roe wrote this article for the paper.",
            "Dogs bark at strangers and wag their tails.",
        ),
    )
    embedder = FakeEmbedder()
    retriever = Retriever(build_index(article, embedder), embedder)
    answer = retriever.answer("Who wrote this article?")
    assert answer.answered and not answer.about and not answer.tentative
    assert answer.passages[0].text.startswith("Who wrote this article? Jane Roe")
