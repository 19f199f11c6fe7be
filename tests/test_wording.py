"""The bot's own words in each language it speaks: every catalog complete and consistent,
locales told apart, English for the rest; the command line's `--lang`."""

from __future__ import annotations

import dataclasses
import string
from typing import Any

import discord
import pytest

from bot.cli import main
from bot.cli.main import LANG_CODES
from bot.discord.client import ArticleBot
from bot.settings import Settings
from bot.wording import (
    CATALOGS,
    ENGLISH,
    LANGUAGES,
    Catalog,
    catalog,
    example_question,
    is_greeting,
    language_of,
)
from embeddings.article import Article
from tests.fakes import FakeEmbedder

DECLINED = "zebra xylophone quokka recipe"
SENTENCES = [
    f.name
    for f in dataclasses.fields(Catalog)
    if f.name not in ("language", "greetings", "descriptions")
]


def _marks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_bot_speaks_the_seven_languages_the_issue_asks_for() -> None:
    assert set(LANGUAGES) == {"en", "ru", "de", "es", "fr", "pt", "zh"}
    assert all(c.language == code for code, c in CATALOGS.items())


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_catalog_has_every_sentence_with_the_same_marks(language: str) -> None:
    words = CATALOGS[language]
    for name in SENTENCES:
        text = getattr(words, name)
        assert text.strip(), name
        assert _marks(text) == _marks(getattr(ENGLISH, name)), name
        text.format(name="N", example="E", seconds=1, number=2, date="D", count=3)
    assert words.greetings and all(w == w.lower() for w in words.greetings)


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_catalog_describes_every_command_and_option_within_discords_limit(
    language: str,
) -> None:
    descriptions = CATALOGS[language].descriptions
    assert set(descriptions) == set(ENGLISH.descriptions)
    assert all(0 < len(text) <= 100 for text in descriptions.values())


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_the_help_text_keeps_its_markdown_and_command_names(language: str) -> None:
    help_text = CATALOGS[language].help
    for kept in ("`/ask question:`", "`count:`", "`private:`", "`/article`", "**Ask the article**"):
        assert kept in help_text
    assert help_text.count("**") % 2 == 0 and help_text.count("`") % 2 == 0
    assert help_text.count("\u2022") == ENGLISH.help.count("\u2022")


def test_the_english_descriptions_are_the_commands_own(settings: Settings) -> None:
    """A docstring or `describe` text that changes fails here: the other languages need
    the change too."""
    bot = ArticleBot(settings, load_article=False)
    found: dict[str, str] = {}
    pending: list[Any] = [
        c for c in bot.tree.get_commands() if not isinstance(c, discord.app_commands.ContextMenu)
    ]
    while pending:
        command = pending.pop()
        found[f"/{command.qualified_name}"] = command.description
        if isinstance(command, discord.app_commands.Group):
            pending += command.commands
        else:
            for parameter in command.parameters:
                found[f"/{command.qualified_name} {parameter.name}:"] = parameter.description
    assert found == dict(ENGLISH.descriptions)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ru", "ru"),
        ("de", "de"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("fr", "fr"),
        ("pt-BR", "pt"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("pt_BR", "pt"),
        ("RU", "ru"),
        (discord.Locale.german, "de"),
        (discord.Locale.taiwan_chinese, "zh"),
    ],
)
def test_a_discord_locale_picks_its_language(locale: object, language: str) -> None:
    assert language_of(locale) == language
    assert catalog(locale) is CATALOGS[language]


@pytest.mark.parametrize("locale", ["ja", "ko", "uk", "xx-YY", "", None, discord.Locale.dutch])
def test_an_unknown_or_missing_locale_falls_back_to_english(locale: object) -> None:
    assert catalog(locale) is ENGLISH


@pytest.mark.parametrize(
    ("text", "greeting"),
    [
        ("Привет!", True),
        ("hola", True),
        ("Bonjour bot", True),
        ("Hallo?", True),
        ("olá", True),
        ("你好", True),
        ("Привет, кто такой Песков?", False),
        ("hola, ¿quién es Peskov?", False),
    ],
)
def test_a_greeting_in_any_language_is_told_from_a_question(text: str, greeting: bool) -> None:
    assert is_greeting(text) is greeting


def test_an_example_question_keeps_the_articles_own_name(article: Article) -> None:
    assert example_question(article) == "What does the article say about Russia?"
    assert example_question(article, CATALOGS["ru"]) == "Что статья сообщает по теме «Russia»?"
    assert example_question(None, CATALOGS["de"]) == "Worum geht es in dem Artikel?"


def test_ask_with_lang_declines_in_that_language(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--lang", "es", DECLINED]) == 0
    out = capsys.readouterr().out
    spanish = CATALOGS["es"]
    assert f"{spanish.not_found}\n{spanish.rephrase}" in out
    assert ENGLISH.not_found not in out


def test_ask_with_an_unknown_lang_is_english(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--lang", "tlh", DECLINED]) == 0
    assert f"{ENGLISH.not_found}\n{ENGLISH.rephrase}" in capsys.readouterr().out


def test_ask_with_lang_quotes_the_article_verbatim(
    fake_model: FakeEmbedder, article: Article, capsys: pytest.CaptureFixture[str]
) -> None:
    question = "When will the president decide to respond to the letter, says Peskov?"
    outputs = []
    for lang in ("en", "ru", "zh"):
        assert main(["ask", "--lang", lang, question]) == 0
        outputs.append(capsys.readouterr().out)
    quoted = [line for line in outputs[0].splitlines() if line.startswith("  ")]
    assert quoted
    for out in outputs[1:]:
        assert [line for line in out.splitlines() if line.startswith("  ")] == quoted
    flat = " ".join(outputs[0].split())
    assert any(f"\u201c{p}\u201d" in flat for p in article.paragraphs)


def test_the_repl_speaks_the_language_of_lang(
    fake_model: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = iter([DECLINED, "bonjour", "quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["repl", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    french = CATALOGS["fr"]
    assert out.count(french.usage) == 2  # at the start, and for "bonjour"
    assert f"{french.not_found}\n{french.rephrase}" in out
    assert ENGLISH.usage not in out


def test_lang_offers_every_language_the_bot_speaks() -> None:
    assert ", ".join(LANGUAGES) == LANG_CODES
