# ruff: noqa: RUF001 (questions in their own scripts and punctuation, not look-alikes)
"""The real bot against the fake Discord, in the user's language: slash commands in the
asker's (`interaction.locale`), mentions in the server's, descriptions in every language
at sync; quotes as the article wrote them whatever the language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.discord.client import ArticleBot
from bot.settings import Settings
from bot.wording import CATALOGS, ENGLISH
from embeddings.article import Article
from embeddings.models.protocol import Embedder
from embeddings.sources import load_article
from tests.discord_harness import start_bot, synced_commands
from tests.fake_discord import BOT_ID, GUILD_ID, FakeDiscord

QUESTION = "When will the president decide to respond to the letter, says Peskov?"
DECLINED = "zebra xylophone quokka recipe"
TRANSLATED_LOCALES = {"ru", "de", "es-ES", "es-419", "fr", "pt-BR", "zh-CN", "zh-TW"}


def description(body: dict[str, Any]) -> str:
    [embed] = body["embeds"]
    return str(embed["description"])


def button_labels(body: dict[str, Any]) -> list[str]:
    """The buttons' labels (the vote buttons have an emoji instead)."""
    rows = body.get("components") or []
    return [c["label"] for row in rows for c in row["components"] if "label" in c]


def quoted_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("> ")]


async def test_a_russian_user_is_declined_in_russian(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.slash("ask", {"question": DECLINED}, locale="ru")
    await fake.wait_for(lambda: interaction.edits)
    russian = CATALOGS["ru"]
    text = description(interaction.edits[0])
    assert f"{russian.not_found}\n{russian.rephrase}" in text
    assert text.startswith(f"**{russian.question_label}** {DECLINED}")
    assert ENGLISH.not_found not in text
    assert button_labels(interaction.edits[0]) == [russian.read_article]


@pytest.mark.parametrize("locale", ["ru", "de", "zh-CN", "pt-BR"])
async def test_quotes_stay_verbatim_whatever_the_language(
    fake: FakeDiscord, bot: ArticleBot, locale: str
) -> None:
    english = await fake.slash("ask", {"question": QUESTION}, user_id=1)
    other = await fake.slash("ask", {"question": QUESTION}, user_id=2, locale=locale)
    await fake.wait_for(lambda: english.edits and other.edits)
    quotes = quoted_lines(description(english.edits[0]))
    assert quotes and "Peskov" in " ".join(quotes)
    assert quoted_lines(description(other.edits[0])) == quotes
    heading = CATALOGS[locale[:2]].paragraph.format(number=4)
    assert f"**{heading}**" in description(other.edits[0])


async def test_help_is_in_the_users_language(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.slash("help", locale="de")
    await fake.wait_for(lambda: interaction.callbacks)
    content = interaction.callbacks[0]["data"]["content"]
    assert content == bot.help_text(CATALOGS["de"])
    assert "**Direktnachricht**" in content and "`/ask question:`" in content
    assert "Was sagt der Artikel über Russia?" in content


async def test_an_unknown_locale_gets_english(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.slash("ask", {"question": DECLINED}, locale="ja")
    await fake.wait_for(lambda: interaction.edits)
    assert f"{ENGLISH.not_found}\n{ENGLISH.rephrase}" in description(interaction.edits[0])


async def test_synced_commands_carry_descriptions_in_every_language_names_in_english(
    fake: FakeDiscord, settings: Settings, article: Article
) -> None:
    commands = await synced_commands(fake, settings, article)
    ask = commands["ask"]
    assert set(ask["description_localizations"]) == TRANSLATED_LOCALES
    assert ask["description_localizations"]["ru"] == CATALOGS["ru"].descriptions["/ask"]
    assert ask["description_localizations"]["zh-TW"] == CATALOGS["zh"].descriptions["/ask"]
    assert ask["description"] == ENGLISH.descriptions["/ask"]
    question = next(o for o in ask["options"] if o["name"] == "question")
    assert question["description_localizations"]["de"] == "Was möchtest du über den Artikel wissen?"
    library = commands["library"]
    assert library["description_localizations"]["fr"] == "Les articles de ce serveur"
    add = next(o for o in library["options"] if o["name"] == "add")
    assert add["description_localizations"]["es-419"] == CATALOGS["es"].descriptions["/library add"]
    url = next(o for o in add["options"] if o["name"] == "url")
    assert url["description_localizations"]["pt-BR"] == "Uma página da web com o artigo"
    for command in commands.values():
        assert not command.get("name_localizations")


async def test_a_mention_in_a_french_server_is_answered_in_french(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await fake.join_guild(preferred_locale="fr")
    await fake.wait_for(lambda: bot.get_guild(GUILD_ID))
    await fake.user_message(f"<@{BOT_ID}> {DECLINED}", dm=False, mention_bot=True)
    await fake.user_message(f"<@{BOT_ID}> salut", dm=False, mention_bot=True, user_id=9)
    sent = await fake.wait_for(lambda: len(fake.messages) == 2 and fake.messages)
    french = CATALOGS["fr"]
    [answer] = [m["request"] for m in sent if m["request"].get("embeds")]
    [greeting] = [m["request"] for m in sent if not m["request"].get("embeds")]
    assert f"{french.not_found}\n{french.rephrase}" in description(answer)
    assert greeting["content"] == bot.help_text(french)


async def test_a_dm_carries_no_locale_and_gets_english(fake: FakeDiscord, bot: ArticleBot) -> None:
    await fake.join_guild(preferred_locale="fr")
    await fake.wait_for(lambda: bot.get_guild(GUILD_ID))
    await fake.user_message(DECLINED, dm=True)
    sent = await fake.wait_for(lambda: fake.messages)
    assert ENGLISH.not_found in description(sent[0]["request"])


async def test_the_cooldown_and_the_blank_hint_are_in_the_users_language(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    done = [
        await fake.slash("ask", {"question": QUESTION}, user_id=42, locale="pt-BR")
        for _ in range(5)
    ]
    await fake.wait_for(lambda: all(i.edits for i in done))
    refused = await fake.slash("ask", {"question": QUESTION}, user_id=42, locale="pt-BR")
    blank = await fake.context_menu("Ask the article", "   ", locale="zh-CN")
    await fake.wait_for(lambda: refused.callbacks and blank.callbacks)
    assert refused.callbacks[0]["data"]["content"].startswith("Você está perguntando rápido")
    hint = blank.callbacks[0]["data"]["content"]
    chinese = CATALOGS["zh"]
    assert hint == chinese.blank.format(example=chinese.example_named.format(name="Russia"))


async def test_the_apology_is_in_the_users_language(
    fake: FakeDiscord, bot: ArticleBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.retriever is not None

    def broken(*args: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(bot.retriever, "answer", broken)
    interaction = await fake.slash("ask", {"question": QUESTION}, locale="es-ES")
    await fake.wait_for(lambda: interaction.followups)
    assert interaction.followups[0]["content"] == CATALOGS["es"].apology


async def test_the_article_card_is_in_the_users_language(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    interaction = await fake.slash("article", locale="fr")
    await fake.wait_for(lambda: interaction.edits)
    [embed] = interaction.edits[-1]["embeds"]
    assert {f["name"] for f in embed["fields"]} == {"Paragraphes", "Publié", "Source"}
    assert embed["footer"]["text"] == "Publié le 2022-02-01"
    assert embed["description"].startswith("> Russia is still working")


@pytest.mark.model
@pytest.mark.parametrize(
    ("locale", "question", "paragraph", "phrase"),
    [
        ("ru", "Кто решит, когда отвечать на американское письмо?", 4, "the president will decide"),
        ("zh-CN", "普京对法国总统说了什么？", 8, "carefully study"),
        ("en-US", "من سيقرر متى يتم الرد على الرسالة الأمريكية؟", 4, "the president will decide"),
    ],
)
async def test_a_question_in_another_language_gets_the_articles_own_paragraph(
    fake: FakeDiscord,
    settings: Settings,
    article: Article,
    real_embedder: Embedder,
    locale: str,
    question: str,
    paragraph: int,
    phrase: str,
) -> None:
    bot, task = await start_bot(settings, article, real_embedder)
    try:
        interaction = await fake.slash("ask", {"question": question}, locale=locale)
        await fake.wait_for(lambda: interaction.edits, timeout=30)
        text = description(interaction.edits[0])
        heading = CATALOGS.get(locale[:2], ENGLISH).paragraph.format(number=paragraph)
        assert f"**{heading}**" in text
        # The article's paragraph alone, as written: no words of the question vouch for more.
        assert text.count("**" + heading.split(str(paragraph))[0]) == 1
        assert phrase in " ".join(quoted_lines(text))
    finally:
        await bot.close()
        task.cancel()


@pytest.mark.model
async def test_a_german_article_is_asked_in_german_and_in_english(
    fake: FakeDiscord, settings: Settings, real_embedder: Embedder
) -> None:
    german = load_article(Path(__file__).parent / "data" / "article_de.txt")
    bot, task = await start_bot(settings, german, real_embedder)
    try:
        asked = [
            await fake.slash("ask", {"question": "Was hat der Bau gekostet?"}, locale="de"),
            await fake.slash("ask", {"question": "How much did building the line cost?"}),
        ]
        await fake.wait_for(lambda: all(i.edits for i in asked), timeout=30)
        for interaction in asked:
            quotes = " ".join(quoted_lines(description(interaction.edits[0])))
            assert "86 Millionen Euro" in quotes
    finally:
        await bot.close()
        task.cancel()
