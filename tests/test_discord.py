"""The real discord.py client against the fake Discord: commands, DMs, mentions, faults."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl
from pydantic import SecretStr

from bot.discord.client import APOLOGY, ArticleBot
from bot.discord.format import DESCRIPTION_LIMIT, MESSAGE_LIMIT
from bot.settings import Settings
from bot.wording import NOT_FOUND
from embeddings.article import Article
from embeddings.sources import load_article
from tests import stats
from tests.discord_harness import start_bot, synced_commands
from tests.fake_discord import BOT_ID, CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord

COMMANDS = {"ask", "article", "help", "library", "Ask the article", "Add to library"}
QUESTION = "When will the president decide to respond to the letter, says Peskov?"


async def answered_after(fake: FakeDiscord, replies: int) -> None:
    """Ask a marker question in a DM and wait for its answer: every event sent before it
    has then been handled. Exactly `replies` messages must have come before the answer."""
    await fake.user_message("Who is Ned Price?", dm=True, user_id=31337)
    sent = await fake.wait_for(lambda: len(fake.messages) > replies and fake.messages)
    await asyncio.sleep(0)
    assert len(sent) == replies + 1, sent
    assert "Who is Ned Price?" in embed_of(sent[-1]["request"])["description"]


def embed_of(body: dict[str, Any]) -> dict[str, Any]:
    embeds = body.get("embeds") or []
    assert len(embeds) == 1, body
    return embeds[0]  # type: ignore[no-any-return]


def button_urls(body: dict[str, Any]) -> list[str]:
    """The link buttons' addresses (the vote buttons have none)."""
    rows = body.get("components") or []
    return [c["url"] for row in rows for c in row["components"] if "url" in c]


def within_limits(body: dict[str, Any]) -> bool:
    total = 0
    for embed in body.get("embeds") or []:
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= DESCRIPTION_LIMIT
        for f in embed.get("fields", []):
            assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len(embed.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    assert len(body.get("content") or "") <= 2000
    return total <= MESSAGE_LIMIT


async def test_dev_guild_registers_commands_with_descriptions_and_bounded_options(
    fake: FakeDiscord, settings: Settings, article: Article
) -> None:
    commands = await synced_commands(fake, settings, article)
    assert set(commands) == COMMANDS
    library = commands["library"]
    assert {o["name"] for o in library["options"]} == {
        "add",
        "list",
        "remove",
        "use",
        "refresh",
        "settings",
        "insights",
    }
    assert all(o["description"] for o in library["options"])
    assert int(commands["Add to library"]["default_member_permissions"]) == 1 << 5
    ask = commands["ask"]
    assert ask["description"].startswith("Ask a question")
    options = {o["name"]: o for o in ask["options"]}
    assert options["question"]["required"] is True
    assert options["question"]["max_length"] == 500 and options["question"]["min_length"] == 1
    assert (options["count"]["min_value"], options["count"]["max_value"]) == (1, 5)
    assert all(o["description"] for o in options.values())
    assert commands["Ask the article"]["type"] == 3
    assert commands["article"]["description"] and commands["help"]["description"]
    assert "global" not in fake.commands


async def test_without_dev_guild_nothing_is_registered_at_start(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    assert fake.commands == {}
    assert fake.identifies == 1


async def test_no_privileged_intents_are_asked_for(fake: FakeDiscord, bot: ArticleBot) -> None:
    intents = fake.identify_payloads[0]["intents"]
    privileged = discord.Intents(members=True, presences=True, message_content=True).value
    assert intents & privileged == 0
    assert intents & discord.Intents(dm_messages=True, guild_messages=True).value


@pytest.mark.parametrize("dm", [False, True])
async def test_ask_defers_then_edits_in_the_quoted_answer_and_link(
    fake: FakeDiscord, bot: ArticleBot, dm: bool
) -> None:
    interaction = await fake.slash("ask", {"question": QUESTION}, dm=dm)
    await fake.wait_for(lambda: interaction.edits)
    assert interaction.callbacks[0]["type"] == 5
    assert not interaction.callbacks[0].get("data", {}).get("flags", 0) & 64
    edit = interaction.edits[0]
    embed = embed_of(edit)
    assert embed["title"].startswith("Russia Says Still Working")
    assert embed["url"].startswith("https://www.themoscowtimes.com/2022/02/01/")
    assert "**Paragraph 4**" in embed["description"]
    assert "**Putin's spokesman Dmitry Peskov added" in embed["description"]
    assert "score" not in embed["description"]
    [url] = button_urls(edit)
    assert url.startswith(embed["url"] + "#:~:text=Putin%27s%20spokesman")
    assert edit["allowed_mentions"] == {"parse": []}


async def test_private_ask_is_ephemeral(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.slash("ask", {"question": QUESTION, "private": True})
    await fake.wait_for(lambda: interaction.edits)
    assert interaction.callbacks[0]["data"]["flags"] & 64


async def test_count_and_show_scores(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.slash(
        "ask", {"question": "Russia U.S. letter response", "count": 1, "show_scores": True}
    )
    await fake.wait_for(lambda: interaction.edits)
    description = embed_of(interaction.edits[0])["description"]
    assert description.count("**Paragraph") == 1
    assert "score" in description


async def test_question_not_in_the_article_gets_a_short_decline(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    interaction = await fake.slash("ask", {"question": "zebra xylophone quokka recipe"})
    await fake.wait_for(lambda: interaction.edits)
    embed = embed_of(interaction.edits[0])
    assert NOT_FOUND in embed["description"]
    assert "rephras" in embed["description"]
    assert "Paragraph" not in embed["description"]
    assert button_urls(interaction.edits[0]) == [embed["url"]]


async def test_dm_question_is_answered_in_the_dm(fake: FakeDiscord, bot: ArticleBot) -> None:
    await fake.user_message(QUESTION, dm=True)
    sent = await fake.wait_for(lambda: fake.messages)
    body = sent[0]["request"]
    assert int(sent[0]["message"]["channel_id"]) == CHANNEL_ID + 1
    assert "Peskov" in embed_of(body)["description"]
    assert "message_reference" not in body
    assert body["allowed_mentions"] == {"parse": []}


async def test_mention_is_answered_as_a_reply_without_the_mention(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    message = await fake.user_message(f"<@{BOT_ID}> {QUESTION}", dm=False, mention_bot=True)
    sent = await fake.wait_for(lambda: fake.messages)
    body = sent[0]["request"]
    assert str(body["message_reference"]["message_id"]) == message["id"]
    assert body["allowed_mentions"]["parse"] == []
    assert body["allowed_mentions"].get("replied_user") is False
    description = embed_of(body)["description"]
    assert f"<@{BOT_ID}>" not in description
    assert "**Q:** When will the president decide" in description


async def test_a_greeting_by_dm_or_mention_gets_the_help_not_a_decline(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await fake.user_message("hi!", dm=True)
    await fake.user_message(f"<@{BOT_ID}> help", dm=False, mention_bot=True, user_id=4242)
    sent = await fake.wait_for(lambda: len(fake.messages) == 2 and fake.messages)
    for message in sent:
        body = message["request"]
        assert "/ask" in body["content"] and "direct message" in body["content"]
        assert "embeds" not in body or not body["embeds"]


async def test_server_messages_without_a_mention_are_ignored(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await fake.user_message(QUESTION, dm=False)
    await answered_after(fake, 0)


async def test_own_and_other_bots_messages_are_ignored_so_no_reply_loop(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await fake.user_message(QUESTION, dm=True, bot=True, user_id=888)
    await fake.user_message(QUESTION, dm=True, bot=True, user_id=BOT_ID)
    await fake.user_message(QUESTION, dm=True)
    await fake.wait_for(lambda: fake.messages)
    # The echo of the bot's own answer arrives before the next question and is ignored.
    await answered_after(fake, 1)


async def test_nothing_in_a_question_or_quote_can_ping(fake: FakeDiscord, bot: ArticleBot) -> None:
    question = "@everyone <@&456456456456456456> <@123123123123123123> Peskov respond letter?"
    interaction = await fake.slash("ask", {"question": question})
    await fake.wait_for(lambda: interaction.edits)
    edit = interaction.edits[0]
    assert edit["allowed_mentions"] == {"parse": []}
    description = embed_of(edit)["description"]
    assert "@everyone" not in description and "@\u200beveryone" in description
    assert "<@&456456456456456456>" not in description


async def test_very_long_passage_stays_within_discord_limits(
    fake: FakeDiscord, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "long.json"
    words = " ".join(f"word{i} *bold* _under_ `code`" for i in range(3000))
    path.write_text(
        json.dumps(
            {
                "title": "T" * 400,
                "url": "https://example.org/long",
                "paragraphs": [
                    f"Peskov said the president will decide. {words}. Peskov respond.",
                    "Short other paragraph about letters.",
                ],
            }
        )
    )
    client, task = await start_bot(settings, load_article(path))
    try:
        interaction = await fake.slash(
            "ask", {"question": "Peskov president decide respond", "count": 5}
        )
        await fake.wait_for(lambda: interaction.edits)
        edit = interaction.edits[0]
        assert within_limits(edit)
        description = embed_of(edit)["description"]
        assert "\u2026" in description
        assert description.count("**") % 2 == 0
        assert all(len(u) <= 512 for u in button_urls(edit))
    finally:
        await client.close()
        task.cancel()


async def test_cooldown_tells_only_the_asker_when_to_try_again(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    done = [await fake.slash("ask", {"question": QUESTION}, user_id=42) for _ in range(5)]
    await fake.wait_for(lambda: all(i.edits for i in done))
    refused = await fake.slash("ask", {"question": QUESTION}, user_id=42)
    await fake.wait_for(lambda: refused.callbacks)
    callback = refused.callbacks[0]
    assert callback["type"] == 4 and callback["data"]["flags"] & 64
    assert "try again in" in callback["data"]["content"]
    other = await fake.slash("ask", {"question": QUESTION}, user_id=43)
    await fake.wait_for(lambda: other.edits)


async def test_cooldown_holds_across_dms_and_commands(fake: FakeDiscord, bot: ArticleBot) -> None:
    for _ in range(5):
        await fake.user_message(QUESTION, dm=True, user_id=77)
    await fake.wait_for(lambda: len(fake.messages) == 5)
    refused = await fake.slash("ask", {"question": QUESTION}, user_id=77)
    await fake.wait_for(lambda: refused.callbacks)
    assert "try again" in refused.callbacks[0]["data"]["content"]


async def test_a_greeting_costs_no_question(fake: FakeDiscord, bot: ArticleBot) -> None:
    for _ in range(6):
        await fake.user_message("hi", dm=True, user_id=78)
    await fake.user_message(QUESTION, dm=True, user_id=78)
    sent = await fake.wait_for(lambda: len(fake.messages) == 7 and fake.messages)
    # Each message is handled on its own task, so the replies may arrive in any order.
    greetings = [m for m in sent if "/ask" in (m["request"].get("content") or "")]
    answers = [m for m in sent if m["request"].get("embeds")]
    assert len(greetings) == 6
    assert len(answers) == 1
    assert QUESTION in embed_of(answers[0]["request"])["description"]


async def test_mentions_past_the_limit_are_told_once_by_direct_message(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    for _ in range(5):
        await fake.user_message(QUESTION, dm=False, mention_bot=True, user_id=79)
    await fake.wait_for(lambda: len(fake.messages) == 5)
    for _ in range(3):
        await fake.user_message(QUESTION, dm=False, mention_bot=True, user_id=79)

    def told() -> list[dict[str, Any]]:
        return [m for m in fake.messages if "try again in" in (m["request"].get("content") or "")]

    await fake.wait_for(lambda: told() and len(fake.messages) == 6)
    # Two more questions from someone else, answered after every mention was handled.
    await answered_after(fake, 6)
    await answered_after(fake, 7)
    assert len(told()) == 1
    assert told()[0]["message"]["channel_id"] == str(CHANNEL_ID + 2)  # the asker's DM


async def test_twenty_questions_at_once_are_all_acknowledged_in_time(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    interactions = await asyncio.gather(
        *(fake.slash("ask", {"question": QUESTION}, user_id=1000 + i) for i in range(20))
    )
    await fake.wait_for(lambda: all(i.edits for i in interactions), timeout=20)
    slowest = max(i.callback_times[0] for i in interactions)
    stats.figures["20 questions at once"] = f"slowest acknowledgement {slowest * 1000:.0f} ms"
    # The fake refuses a callback after its deadline, as Discord does: each was deferred.
    assert all(i.callbacks[0]["type"] == 5 for i in interactions)


async def test_dropped_gateway_is_resumed_and_the_next_question_answered(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await fake.drop_connections()
    await fake.wait_for(lambda: fake.resumes >= 1 and fake._sockets, timeout=15)
    interaction = await fake.slash("ask", {"question": QUESTION})
    await fake.wait_for(lambda: interaction.edits)


async def test_429_on_sending_is_retried(fake: FakeDiscord, bot: ArticleBot) -> None:
    fake.failures["POST /api/v10/channels/{channel}/messages"] = [429]
    await fake.user_message(QUESTION, dm=True)
    await fake.wait_for(lambda: fake.messages)
    assert len(fake.requests_to("/messages", "POST")) == 2


async def test_unexpected_error_is_logged_and_the_user_gets_an_apology(
    fake: FakeDiscord,
    bot: ArticleBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert bot.retriever is not None
    real = bot.retriever.answer

    def broken(*args: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(bot.retriever, "answer", broken)
    with caplog.at_level(logging.ERROR):
        interaction = await fake.slash("ask", {"question": QUESTION})
        await fake.wait_for(lambda: interaction.followups)
    assert interaction.followups[0]["content"] == APOLOGY
    assert interaction.followups[0]["flags"] & 64
    assert "boom" in caplog.text and "Traceback" in caplog.text
    monkeypatch.setattr(bot.retriever, "answer", real)
    again = await fake.slash("ask", {"question": QUESTION})
    await fake.wait_for(lambda: again.edits)


async def test_article_command_shows_title_date_link_count_and_teaser(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    interaction = await fake.slash("article")
    await fake.wait_for(lambda: interaction.edits)
    assert interaction.callbacks[0]["type"] == 5  # deferred first: it may read the library
    edit = interaction.edits[-1]
    embed = embed_of(edit)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Paragraphs"] == "11" and fields["Published"] == "2022-02-01"
    assert embed["description"].startswith("> Russia is still working")
    assert button_urls(edit) == [embed["url"]]


async def test_help_is_only_for_the_asker(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.slash("help")
    await fake.wait_for(lambda: interaction.callbacks)
    data = interaction.callbacks[0]["data"]
    assert data["flags"] & 64
    for way in ("/ask", "direct message", "Mention"):
        assert way in data["content"]


async def test_context_menu_asks_the_message_text(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.context_menu("Ask the article", QUESTION)
    await fake.wait_for(lambda: interaction.edits)
    assert "Peskov" in embed_of(interaction.edits[0])["description"]


async def test_blank_question_gets_a_hint_not_an_answer(fake: FakeDiscord, bot: ArticleBot) -> None:
    interaction = await fake.context_menu("Ask the article", "   ")
    await fake.wait_for(lambda: interaction.callbacks)
    assert interaction.callbacks[0]["type"] == 4
    assert "ask a question" in interaction.callbacks[0]["data"]["content"]


async def test_plain_text_gateway_frames_work_too(settings: Settings, article: Article) -> None:
    server = FakeDiscord(compress=False)
    await server.start()
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    try:
        client, task = await start_bot(settings, article)
        interaction = await server.slash("ask", {"question": QUESTION})
        await server.wait_for(lambda: interaction.edits)
        await client.close()
        task.cancel()
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        await server.stop()


def _finished(thread: threading.Thread) -> bool:
    return not thread.is_alive()


def _in_thread(target: Any) -> Any:
    """Run a blocking entry point (it calls asyncio.run) beside the test's event loop."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = target()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


async def test_sync_command_registers_globally_or_in_one_server(
    fake: FakeDiscord, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.discord.runner import sync_commands

    settings = settings.model_copy(update={"discord_token": SecretStr(TOKEN)})
    for guild in (None, GUILD_ID):
        thread, result = _in_thread(lambda g=guild: sync_commands(settings, g))
        await fake.wait_for(functools.partial(_finished, thread), timeout=20)
        assert result.get("value") == 0, result
    assert {c["name"] for c in fake.commands["global"]} == COMMANDS
    assert str(GUILD_ID) in fake.commands
    out = capsys.readouterr().out
    assert "up to an hour" in out and "available now" in out


async def test_rejected_token_is_one_clear_error(fake: FakeDiscord, settings: Settings) -> None:
    from bot.discord.runner import run_bot
    from bot.settings import SettingsError

    settings = settings.model_copy(update={"discord_token": SecretStr("wrong")})
    thread, result = _in_thread(lambda: run_bot(settings))
    await fake.wait_for(lambda: not thread.is_alive(), timeout=60)
    error = result.get("error")
    assert isinstance(error, SettingsError)
    assert "rejected DISCORD_TOKEN" in str(error) and "wrong" not in str(error)


async def test_token_never_reaches_the_logs_even_at_debug_level(
    fake: FakeDiscord, settings: Settings, article: Article, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client, task = await start_bot(settings, article)
        interaction = await fake.slash("ask", {"question": QUESTION})
        await fake.wait_for(lambda: interaction.edits)
        await client.close()
        task.cancel()
    assert "IDENTIFY" in caplog.text or "identif" in caplog.text.lower()
    assert TOKEN not in caplog.text


async def test_mention_in_the_text_alone_is_enough(fake: FakeDiscord, bot: ArticleBot) -> None:
    await fake.user_message(f"<@!{BOT_ID}> {QUESTION}", dm=False, mention_bot=False)
    sent = await fake.wait_for(lambda: fake.messages)
    assert "message_reference" in sent[0]["request"]


async def test_own_messages_are_ignored_even_without_the_bot_flag(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await fake.user_message(QUESTION, dm=True, user_id=BOT_ID)
    await answered_after(fake, 0)


async def test_a_server_asks_its_own_library_and_a_dm_the_bot_wide_one(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> None:
    from bot.library.store import Library, sqlite_url
    from embeddings.sources import load_article

    seals = load_article(Path(__file__).parent / "data" / "news_page.html")
    library = Library.open(sqlite_url(tmp_path / "library.db"))
    library.add(seals, GUILD_ID, added_by="mod")
    bot, task = await start_bot(settings, article, library=library)
    try:
        in_server = await fake.slash("ask", {"question": "How many seals were counted?"})
        await fake.wait_for(lambda: in_server.edits)
        embed = embed_of(in_server.edits[0])
        assert embed["title"] == seals.title and "seals were counted" in embed["description"]
        in_dm = await fake.slash("ask", {"question": "How many seals were counted?"}, dm=True)
        await fake.wait_for(lambda: in_dm.edits)
        assert embed_of(in_dm.edits[0])["title"] == article.title  # never the server's
        await fake.user_message(
            f"<@{BOT_ID}> How many seals were counted?", dm=False, mention_bot=True
        )
        sent = await fake.wait_for(lambda: fake.messages)
        assert embed_of(sent[0]["request"])["title"] == seals.title
        shown = await fake.slash("article")
        await fake.wait_for(lambda: shown.edits)
        assert shown.edits[-1]["embeds"][0]["title"] == seals.title
    finally:
        await bot.close()
        task.cancel()
        library.close()
