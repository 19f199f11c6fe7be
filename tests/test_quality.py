"""Retrieval quality with the real bundled model: the article's question set and a SQuAD slice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embeddings.article import Article
from embeddings.evaluation import METHODS, evaluate, read_question_file, read_squad
from embeddings.index import build_index
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever
from embeddings.vocabulary import WordExpander
from tests.conftest import SHARED

pytestmark = pytest.mark.model

QUESTIONS = Path(__file__).parent / "data" / "bundled_questions.jsonl"
REWORDED = Path(__file__).parent / "data" / "bundled_reworded.jsonl"
LATER = Path(__file__).parent / "data" / "bundled_later.jsonl"
NEARBY = Path(__file__).parent / "data" / "bundled_nearby.jsonl"
SQUAD = Path(os.environ.get("SQUAD_PATH", SHARED / "data" / "squad-v1.1-dev.json.gz"))


@pytest.fixture(scope="module")
def bundled_retriever(real_embedder: Embedder) -> Retriever:
    from embeddings.sources import bundled_article_path, load_article

    article: Article = load_article(bundled_article_path())
    return Retriever(build_index(article, real_embedder), real_embedder)


@pytest.fixture(scope="module")
def bundled_report(bundled_retriever: Retriever):  # type: ignore[no-untyped-def]
    cases = read_question_file(QUESTIONS, len(bundled_retriever.index.article.paragraphs))
    return evaluate([(bundled_retriever, cases)], list(METHODS))


def test_question_set_is_large_enough() -> None:
    cases = read_question_file(QUESTIONS, 11)
    assert sum(c.paragraph is not None for c in cases) >= 25
    assert sum(c.paragraph is None for c in cases) >= 20


def test_right_paragraph_is_first_for_most_and_in_the_top_three(bundled_report) -> None:  # type: ignore[no-untyped-def]
    hybrid = bundled_report.methods["hybrid"]
    # Floors a few questions below the figures `eval` reports, so that a change that costs
    # one question does not fail here; the figures themselves are in the README.
    assert hybrid.recall_at_1 >= 0.9  # measured 0.924 (all-MiniLM-L6-v2: 0.954)
    assert hybrid.recall_at_3 >= 0.95
    for baseline in ("bm25", "dense", "zsum"):
        assert hybrid.recall_at_1 > bundled_report.methods[baseline].recall_at_1, baseline


def test_reworded_questions_beat_every_baseline(bundled_retriever: Retriever) -> None:
    cases = read_question_file(REWORDED, len(bundled_retriever.index.article.paragraphs))
    report = evaluate([(bundled_retriever, cases)], list(METHODS))
    hybrid = report.methods["hybrid"]
    # Measured: R@1 0.467 (30 questions that avoid the article's words); dense alone 0.400
    # (all-MiniLM-L6-v2: 0.633 and 0.367; see docs/experiments.md).
    assert hybrid.recall_at_1 >= 0.43
    # Measured: 0.700 answered (all-MiniLM-L6-v2: 0.867).
    assert report.answered_on_topic / report.on_topic >= 0.65
    for baseline in ("bm25", "dense", "zsum"):
        assert hybrid.recall_at_1 > report.methods[baseline].recall_at_1, baseline


def test_questions_written_after_the_retriever_was_settled(bundled_retriever: Retriever) -> None:
    cases = read_question_file(LATER, len(bundled_retriever.index.article.paragraphs))
    report = evaluate([(bundled_retriever, cases)], list(METHODS))
    hybrid = report.methods["hybrid"]
    # Measured once, untuned: R@1 0.875, R@3 1.000 (32 questions); all-MiniLM-L6-v2 0.938.
    assert hybrid.recall_at_1 >= 0.84
    assert hybrid.recall_at_3 == 1.0
    for baseline in ("bm25", "dense"):
        assert hybrid.recall_at_1 > report.methods[baseline].recall_at_1, baseline
    assert report.answered_on_topic / report.on_topic >= 0.97
    assert report.declined_off_topic / report.off_topic >= 0.90


def test_a_word_the_article_lacks_finds_its_synonym(
    bundled_retriever: Retriever, real_embedder: Embedder
) -> None:
    expander = WordExpander(
        bundled_retriever.index.vocabulary,
        real_embedder.encode_queries,
        scale=bundled_retriever.calibration.words,
    )
    assert set(expander.expand(["spokesperson"])) == {"spokesman"}
    assert expander.expand(["pancakes"]) == {}
    ranking = bundled_retriever.rank("What assurances does Russia want?")
    assert int(ranking.scores.argmax()) == 0  # the paragraph on "security guarantees"


def test_on_topic_answered_and_off_topic_declined(bundled_report) -> None:  # type: ignore[no-untyped-def]
    assert bundled_report.answered_on_topic / bundled_report.on_topic >= 0.97
    assert bundled_report.declined_off_topic / bundled_report.off_topic >= 0.90
    assert bundled_report.tentative_on_topic / bundled_report.on_topic <= 0.1  # measured 0.038


def test_what_the_article_nearly_answers_is_declined_or_only_tentative(
    bundled_retriever: Retriever,
) -> None:
    cases = read_question_file(NEARBY, len(bundled_retriever.index.article.paragraphs))
    report = evaluate([(bundled_retriever, cases)])
    # Measured, of 29 questions about the article's subject that it does not answer:
    # 14 declined, 11 tentative, 4 answered outright (15 outright without tentative answers).
    outright = report.off_topic - report.declined_off_topic - report.tentative_off_topic
    assert outright / report.off_topic <= 0.2
    assert report.answered_on_topic == report.on_topic == 1  # "Who is the president of France?"


@pytest.mark.skipif(not SQUAD.exists(), reason=f"SQuAD data not found at {SQUAD}")
def test_squad_slice_beats_every_baseline(real_embedder: Embedder) -> None:
    sets = read_squad(SQUAD, limit=3)
    runs = [
        (Retriever(build_index(s.article, real_embedder), real_embedder), s.cases) for s in sets
    ]
    report = evaluate(runs, list(METHODS), cross_article=True)
    hybrid = report.methods["hybrid"]
    for name in ("bm25", "dense", "zsum"):
        assert hybrid.recall_at_1 > report.methods[name].recall_at_1, name
    assert hybrid.recall_at_1 >= 0.79  # measured 0.817 on these three articles
    assert report.answered_on_topic / report.on_topic >= 0.97
    assert report.declined_off_topic / report.off_topic >= 0.94  # measured 0.947
    assert report.highlight_hits / report.highlights >= 0.8


@pytest.mark.model
def test_questions_about_the_article_as_a_whole_get_its_opening(real_embedder: Embedder) -> None:
    from embeddings.sources import bundled_article_path, load_article

    article = load_article(bundled_article_path())
    retriever = Retriever(build_index(article, real_embedder), real_embedder)
    for question in ("What is this article about?", "When was this article published?"):
        answer = retriever.answer(question)
        assert answer.about, question
        assert answer.passages[0].text == article.paragraphs[0]
    for question in ("What is the capital of Australia?", "Who is Ned Price?"):
        assert not retriever.answer(question).about, question


def test_a_name_the_article_never_mentions_is_noticed_in_lower_case_too(
    bundled_retriever: Retriever,
) -> None:
    for question in ("What did Biden say?", "what did biden say"):
        ranking = bundled_retriever.rank(question)
        assert ranking.unknown_names == ("biden",), question
        assert ranking.top_relevance < bundled_retriever.rank("What did Price say?").top_relevance
