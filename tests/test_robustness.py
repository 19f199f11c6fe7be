"""Bad input tried at scale, and faults: nothing crashes, every failure says what is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embeddings.article import Article
from embeddings.errors import ArticleError, ModelError
from embeddings.index import build_index
from embeddings.models.factory import load_embedder
from embeddings.models.protocol import Embedder
from embeddings.question import MAX_QUESTION_CHARS
from embeddings.retriever import Retriever
from embeddings.sources.html import parse_html_article
from embeddings.sources.json import parse_json_article
from embeddings.sources.text import parse_text_article
from tests import stats
from tests.answers import assert_well_formed
from tests.fakes import FakeEmbedder

NASTY = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&456456456456456456>",
    "**bold**",
    "`code`",
    "> quote",
    "# heading",
    "\u200b",
    "\u200d",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "שלום עולם",
    "مرحبا بالعالم",
    "Привет",
    "你好",
    "🇷🇺🇺🇸",
    "👍🏽",
    "e\u0301",
    "When will Putin respond?",
    "NATO",
    "||spoiler||",
    "https://example.org/a_b",
]
questions = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=20)), max_size=30).map("".join),
    st.integers(0, 100_000).map(lambda n: "long question " * (n // 14)),
)


def _article_or_clear_error(parse: Callable[..., Article], text: str, source: str) -> None:
    """`parse` gives a usable article, or an `ArticleError` of one line naming `source`."""
    try:
        article = parse(text, source=source)
    except ArticleError as exc:
        assert str(exc).startswith(f"{source}: ") and "\n" not in str(exc)
    else:
        assert _valid(article)


def _valid(article: Article) -> bool:
    return (
        bool(article.title)
        and bool(article.paragraphs)
        and all(p.strip() for p in article.paragraphs)
    )


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_gives_an_article_or_a_clear_error(text: str) -> None:
    stats.examples["loader: text"] += 1
    _article_or_clear_error(parse_text_article, text, "t.txt")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=500),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=30),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(["title", "url", "published", "paragraphs", "x"]),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=12,
        ).map(json.dumps),
    )
)
def test_any_json_gives_an_article_or_a_clear_error(text: str) -> None:
    stats.examples["loader: json"] += 1
    _article_or_clear_error(parse_json_article, text, "a.json")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div>",
                "</div>",
                "<nav>",
                "<h1>",
                "<script>",
                "text",
                "More words here.",
                "<",
                ">",
                "&amp;",
                "<!--",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_any_html_gives_an_article_or_a_clear_error(html: str) -> None:
    stats.examples["loader: html"] += 1
    _article_or_clear_error(parse_html_article, html, "p.html")


@pytest.fixture(scope="module")
def fake_retriever() -> Retriever:
    from embeddings.sources import bundled_article_path, load_article

    embedder = FakeEmbedder()
    return Retriever(build_index(load_article(bundled_article_path()), embedder), embedder)


@settings(max_examples=1000, deadline=None)
@given(questions)
def test_any_question_is_answered_or_declined(fake_retriever: Retriever, question: str) -> None:
    stats.examples["answerer (fake model)"] += 1
    answer = fake_retriever.answer(question, 5)
    assert_well_formed(answer, 5)
    assert answer.error or len(answer.question) <= MAX_QUESTION_CHARS


@pytest.mark.model
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(questions)
def test_any_question_with_the_real_model(real_embedder: Embedder, question: str) -> None:
    stats.examples["answerer (real model)"] += 1
    retriever = _real_retriever(real_embedder)
    assert_well_formed(retriever.answer(question, 3), 3)


_REAL: dict[int, Retriever] = {}


def _real_retriever(embedder: Embedder) -> Retriever:
    if id(embedder) not in _REAL:
        from embeddings.sources import bundled_article_path, load_article

        index = build_index(load_article(bundled_article_path()), embedder)
        _REAL[id(embedder)] = Retriever(index, embedder)
    return _REAL[id(embedder)]


@pytest.mark.parametrize("name", ["/no/such/model", "./missing-model", "~/nowhere/model"])
def test_missing_model_path_names_the_setting_without_the_hub(name: str) -> None:
    with pytest.raises(ModelError, match=r"^EMBEDDING_MODEL: no model at"):
        load_embedder(name)


def test_unknown_hub_model_offline_names_the_setting() -> None:
    with pytest.raises(ModelError) as caught:
        load_embedder("no-such-org-xyz/no-such-model-xyz")
    assert str(caught.value).startswith("EMBEDDING_MODEL: cannot load")
    assert "\n" not in str(caught.value)


def test_bad_model_exits_2_from_the_cli(
    settings: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert main(["ask", "--model", "/no/such/model", "q"]) == 2
    err = capsys.readouterr().err
    assert "EMBEDDING_MODEL" in err and "Traceback" not in err


def test_invalid_dotenv_value_is_named(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    (tmp_path / ".env").write_text("COOLDOWN_SECONDS=soon\n")
    assert main(["ask", "q"]) == 2
    assert "COOLDOWN_SECONDS" in capsys.readouterr().err


def test_unreadable_article_is_one_line(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert main(["ask", "--article", str(folder), "q"]) == 2
    err = capsys.readouterr().err.strip()
    assert str(folder) in err and len(err.splitlines()) == 1
