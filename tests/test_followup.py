# ruff: noqa: RUF001 (the letters of the languages, not look-alikes)
"""Follow-up questions: told apart, asked with what came before, and remembered for a while."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.discord.conversations import Conversations, in_channel, in_dm, replying_to
from bot.library.answering import Answerer
from bot.library.scope import Scope
from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.followup import KEPT_QUESTIONS, Context, following, in_context, needs_context
from embeddings.question import MAX_QUESTION_CHARS
from tests.discord_harness import make_retriever
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent
FOLLOWUPS = ROOT / "tests" / "data" / "bundled_followups.jsonl"

FOLLOW = [
    "Who was their source?",
    "What did he say at the press briefing?",
    "And about sanctions?",
    "What about the Foreign Ministry?",
    "When?",
    "From whom?",
    "Кто был их источником?",
    "Was sagte er bei der Pressekonferenz?",
    "Qui était leur source ?",
    "¿Quién fue su fuente?",
    "O que ele disse na coletiva de imprensa?",
    "他们的消息来源是谁？",
    "那普京呢？",
]
STAND_ALONE = [
    "Who is Putin's spokesman?",
    "Where did the embassy post its statement?",
    "How many troops are on the border?",
    "What did Putin tell Macron last week?",
    "What is this article about?",
    "Сколько войск находится у границы?",
    "Wie viele Soldaten stehen an der Grenze?",
    "华盛顿邮报报道了什么？",
]


@pytest.mark.parametrize("question", FOLLOW)
def test_a_question_that_needs_the_last_one_is_told(question: str) -> None:
    assert needs_context(question, Context(("What did The Washington Post report?",)))


@pytest.mark.parametrize("question", STAND_ALONE)
def test_a_question_that_stands_alone_is_told(question: str) -> None:
    assert not needs_context(question, Context(("What did The Washington Post report?",)))


def test_a_follow_up_is_asked_after_the_question_before_and_one_that_stands_alone_as_it_is() -> (
    None
):
    context = Context(("What did The Washington Post report?",))
    assert (
        in_context("Who was their source?", context)
        == "What did The Washington Post report? Who was their source?"
    )
    assert in_context("Who is Putin's spokesman?", context) == "Who is Putin's spokesman?"
    assert in_context("Who was their source?", None) == "Who was their source?"


def test_what_a_follow_up_is_asked_with_stays_within_the_question_limit() -> None:
    context = Context(("word " * 120 + "Washington?", "And " + "more " * 60 + "?"))
    question = "Who was their source " + "really " * 40 + "?"
    asked = in_context(question, context)
    assert len(asked) <= MAX_QUESTION_CHARS
    assert asked.endswith(question)
    assert asked.split(" ")[0] in context.text.split(" ")  # no word cut in two


def _answer(article: Article, paragraph: int | None) -> Answer:
    from embeddings.answer import Passage

    passages = () if paragraph is None else (Passage(paragraph, "text", "text", 1.0, article),)
    return Answer("q", paragraph is not None, passages, article)


def test_a_context_keeps_the_last_questions_and_the_article_that_answered(
    article: Article,
) -> None:
    first = following("Who is Ned Price?", _answer(article, 6))
    assert first == Context.of(("Who is Ned Price?",), article)
    second = following("What did he say?", _answer(article, 7), first)
    assert second.questions == ("Who is Ned Price?", "What did he say?")
    third = following("And when?", _answer(article, None), second)  # declined: same article
    assert third.questions == ("What did he say?", "And when?")
    assert len(third.questions) == KEPT_QUESTIONS and third.article == article.content_hash
    fresh = following("How many troops are on the border?", _answer(article, 9), third)
    assert fresh.questions == ("How many troops are on the border?",)


def test_conversations_are_forgotten_after_their_time_and_bounded() -> None:
    now = [0.0]
    kept = Conversations(size=3, clock=lambda: now[0])
    context = Context(("Who is Ned Price?",))
    kept.put(in_dm(1), context)
    kept.put(replying_to(5, 99), context, seconds=3600)
    now[0] = 599.0
    assert kept.get(in_dm(1)) == context
    now[0] = 601.0
    assert kept.get(in_dm(1)) is None  # ten quiet minutes: a new conversation
    assert kept.get(replying_to(5, 99)) == context
    for user in range(10):
        kept.put(in_channel(5, user), context)
    assert len(kept) == 3 and kept.get(replying_to(5, 99)) is None  # the least recent left


def _paragraphs(answer: Answer) -> list[int]:
    return [p.paragraph for p in answer.passages]


def test_the_answerer_asks_a_follow_up_with_its_context(article: Article) -> None:
    retriever = make_retriever(article)
    answerer = Answerer(retriever, None)
    scope = Scope((article,), (None,), None)
    alone = answerer.answer("What did he say?", scope, 3)
    peskov = Context.of(("Who is Dmitry Peskov?",), article)
    price = Context.of(("Who is Ned Price?",), article)
    after_peskov = answerer.answer("What did he say?", scope, 3, context=peskov)
    after_price = answerer.answer("What did he say?", scope, 3, context=price)
    assert _paragraphs(alone) == [5]
    assert _paragraphs(after_peskov) == [4]  # "Putin's spokesman Dmitry Peskov added …"
    assert _paragraphs(after_price) == [6]
    assert after_peskov.question == "What did he say?"  # as asked, not as ranked
    assert after_peskov.passages[0].text == article.paragraphs[3]  # verbatim
    blank = answerer.answer(" \u200b ", scope, 3, context=peskov)
    assert not blank.answered and blank.error  # a blank follows nothing
    standing = answerer.answer("How many troops are on the border?", scope, 3, context=peskov)
    assert standing == answerer.answer("How many troops are on the border?", scope, 3)


def _article(title: str, paragraphs: list[str]) -> Article:
    return Article(title=title, paragraphs=tuple(paragraphs), language="en")


def test_the_article_that_answered_last_is_asked_first(article: Article) -> None:
    embedder = FakeEmbedder()
    zoo = _article(
        "Zoo",
        [
            "The city zoo opened a new penguin house on Monday.",
            "The zoo director said the spokesman for the zoo will speak on Friday.",
            "Tickets cost ten euros for adults.",
        ],
    )
    retrievers = {a: make_retriever(a, embedder) for a in (article, zoo)}
    answerer = Answerer(retrievers[article], None)
    answerer._retrievers.update({zoo: retrievers[zoo]})
    scope = Scope((article, zoo), (None, None), None)
    question, before = "What did he say?", ("Who is the spokesman?",)
    after_zoo = answerer.answer(question, scope, 3, context=Context.of(before, zoo))
    assert after_zoo.passages[0].article == zoo
    after_moscow = answerer.answer(question, scope, 3, context=Context.of(before, article))
    assert after_moscow.passages[0].article == article


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'library.db'}",
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.model
def test_ask_after_a_question_and_the_follow_up_figures(tmp_path: Path) -> None:
    """With the default model: `ask --after` and `eval` of the follow-up pairs."""
    asked = _run(
        "ask",
        "--json",
        "--after",
        "What did The Washington Post report?",
        "Who was their source?",
        tmp_path=tmp_path,
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["question"] == "Who was their source?"
    assert [p["paragraph"] for p in answer["passages"]] == [2]
    alone = json.loads(_run("ask", "--json", "Who was their source?", tmp_path=tmp_path).stdout)
    assert [p["paragraph"] for p in alone["passages"]] == [5]
    blank = _run("ask", "--after", " ", "Who was their source?", tmp_path=tmp_path)
    assert blank.returncode == 2 and "blank" in blank.stderr

    table = _run("eval", str(FOLLOWUPS), tmp_path=tmp_path)
    assert table.returncode == 0, table.stderr
    rows = {
        line[:28].strip(): line[28:].split()
        for line in table.stdout.splitlines()
        if line.startswith(("needs the first", "stands alone"))
    }
    pairs, alone_r1, after_r1, _ = (float(x) for x in rows["needs the first"])
    assert pairs == sum(1 for line in FOLLOWUPS.open() if '"follows": true' in line)
    assert after_r1 > alone_r1  # the context helps the questions that need it
    standing = [float(x) for x in rows["stands alone"]]
    assert standing[2] >= standing[1]  # and bends none of those that stand alone


@pytest.mark.model
def test_the_repl_follows_the_conversation(tmp_path: Path) -> None:
    """The prompt asks each line after the one before it (with the default model)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "repl"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "HF_HUB_OFFLINE": "1",
            "CACHE_DIR": str(tmp_path / "cache"),
            "HOME": str(tmp_path),
        },
        input="What did The Washington Post report?\nWho was their source?\n",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    second = result.stdout.split("question> ")[2]  # the prompt, then each line's answer
    assert "The Washington Post had reported Monday" in second
    assert "RIA Novosti" not in second
