# ruff: noqa: RUF001 (questions in their own scripts and punctuation, not look-alikes)
"""Questions in any language about articles in any language, with the real default model."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from embeddings.article import Article
from embeddings.evaluation import read_question_file
from embeddings.index import build_index
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever
from embeddings.sources import bundled_article_path, load_article

pytestmark = pytest.mark.model

DATA = Path(__file__).parent / "data"
LANGUAGES = DATA / "bundled_languages.jsonl"


@pytest.fixture(scope="module")
def retrievers(real_embedder: Embedder) -> dict[str, Retriever]:
    articles = {
        "bundled": load_article(bundled_article_path()),
        "de": load_article(DATA / "article_de.txt"),
        "zh": load_article(DATA / "article_zh.txt"),
    }
    return {
        name: Retriever(build_index(article, real_embedder), real_embedder)
        for name, article in articles.items()
    }


def test_articles_are_read_in_their_own_language(retrievers: dict[str, Retriever]) -> None:
    languages = {name: r.index.article.language for name, r in retrievers.items()}
    assert languages == {"bundled": "en", "de": "de", "zh": "zh"}


@pytest.mark.parametrize(
    ("article", "question", "paragraph"),
    [
        ("bundled", "Кто решит, когда отвечать на американское письмо?", 4),
        ("bundled", "内德·普赖斯说布林肯希望听到什么？", 6),
        ("bundled", "ماذا قال بوتين للرئيس الفرنسي؟", 8),
        ("bundled", "Wie viele Soldaten soll Russland an der Grenze zur Ukraine haben?", 9),
        ("de", "Wie viel hat der Bau der Strecke gekostet?", 2),
        ("de", "How often do the trams run at night?", 3),
        ("de", "Что обещали сделать с остановками, которые не доступны для инвалидов?", 5),
        ("zh", "新馆的建设花了多少钱？", 2),
        ("zh", "What will the old library building become?", 6),
        ("zh", "Quels problèmes les lecteurs ont-ils signalés le jour de l'ouverture ?", 4),
    ],
)
def test_the_paragraph_that_answers_is_quoted_verbatim_in_the_articles_language(
    retrievers: dict[str, Retriever], article: str, question: str, paragraph: int
) -> None:
    answer = retrievers[article].answer(question)
    assert answer.answered, question
    first = answer.passages[0]
    assert first.paragraph == paragraph
    source: Article = retrievers[article].index.article
    assert first.text == source.paragraphs[paragraph - 1]
    assert first.highlight in first.text


@pytest.mark.parametrize(
    ("article", "question"),
    [
        ("bundled", "Как приготовить настоящий борщ?"),
        ("bundled", "明天北京的天气怎么样？"),
        ("bundled", "Wer hat die Fußball-Weltmeisterschaft 2014 gewonnen?"),
        ("de", "Who won the 2014 football World Cup?"),
        ("de", "Wie backe ich einen Apfelkuchen?"),
        ("zh", "如何训练小狗坐下？"),
        ("zh", "What is the capital of Australia?"),
    ],
)
def test_a_question_the_article_does_not_answer_is_declined_in_any_language(
    retrievers: dict[str, Retriever], article: str, question: str
) -> None:
    assert not retrievers[article].answer(question).answered, question


def test_most_questions_in_seven_languages_are_answered_and_off_topic_ones_declined(
    retrievers: dict[str, Retriever],
) -> None:
    retriever = retrievers["bundled"]
    cases = read_question_file(LANGUAGES, len(retriever.index.article.paragraphs))
    asked: Counter[tuple[str | None, str]] = Counter()
    for case in cases:
        answer = retriever.answer(case.question)
        if case.paragraph is None:
            asked[case.language, "off-topic"] += 1
            asked[case.language, "declined"] += not answer.answered
        else:
            asked[case.language, "on-topic"] += 1
            asked[case.language, "answered"] += answer.answered
            right = answer.answered and answer.passages[0].paragraph == case.paragraph + 1
            asked[case.language, "right"] += right
    languages = {language for language, _ in asked}
    assert languages >= {"en", "ru", "de", "es", "fr", "pt", "zh", "ar"}
    for language in languages:
        on, off = asked[language, "on-topic"], asked[language, "off-topic"]
        # Measured: answered 0.8-1.0, right paragraph first 0.8-1.0, declined 1.0 in each.
        assert asked[language, "answered"] >= 0.7 * on, language
        assert asked[language, "right"] >= 0.7 * on, language
        assert asked[language, "declined"] >= 0.9 * off, language


def test_the_command_line_answers_about_a_chinese_article_in_russian(
    seeded_cache: Path, tmp_path: Path
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "CACHE_DIR": str(seeded_cache),
        "HOME": str(tmp_path),
        "ARTICLE": str(DATA / "article_zh.txt"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "Сколько стоило строительство?"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    [answer] = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert answer["answered"] is True
    assert answer["passages"][0]["paragraph"] == 2
    assert "九亿五千万元" in answer["passages"][0]["text"]


@pytest.mark.parametrize(
    "question",
    [
        "О чём эта статья?",
        "这篇文章主要讲了什么？",
        "ما موضوع هذا المقال؟",
        pytest.param(
            "Worüber berichtet der Artikel?",
            marks=pytest.mark.xfail(
                strict=True,
                reason="its credit as a question in another language lifts it to an outright "
                "answer, so it is not taken for one about the article (known)",
            ),
        ),
    ],
)
def test_a_question_about_the_article_as_a_whole_gets_its_opening_in_any_language(
    retrievers: dict[str, Retriever], question: str
) -> None:
    answer = retrievers["bundled"].answer(question)
    assert answer.about, question
    assert answer.passages[0].paragraph == 1
