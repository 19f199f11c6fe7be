"""The Discord client: slash commands, a context menu, direct messages and mentions.

It translates between Discord and the retriever and adds nothing else. The model
and the index load in `setup_hook`, in a worker thread, before the gateway
connects; every question is answered in a single worker thread too, so the event
loop only ever waits on the network.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import discord
from discord import app_commands

from bot.answerer import prepare
from bot.cooldown import UserCooldowns, cooldown_message
from bot.discord_format import (
    NO_MENTIONS,
    Reply,
    answer_reply,
    article_reply,
    help_text,
    strip_mentions,
)
from bot.greeting import is_greeting
from bot.settings import Settings
from embeddings.answer import Answer
from embeddings.retriever import MAX_QUESTION_CHARS, QuestionError, Retriever, clean_question

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong while answering. Please try again in a moment."
BLANK = "Please ask a question about the article, for example: *When will Putin respond?*"


class ArticleBot(discord.Client):
    """Answers questions about one article by quoting it."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever | None = None,
        *,
        load_article: bool = True,
        **options: Any,
    ) -> None:
        # The bot never joins voice: skip discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS, **options)
        self.settings = settings
        self.retriever = retriever
        self._load_article = load_article
        self.cooldowns = UserCooldowns(settings.cooldown_questions, settings.cooldown_seconds)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer")
        self.tree = app_commands.CommandTree(
            self,
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
        )
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        _add_commands(self)

    async def setup_hook(self) -> None:
        """Load the model and the index off the event loop; register commands in a dev server."""
        if self.retriever is None and self._load_article:
            ready = await asyncio.to_thread(prepare, self.settings)
            self.retriever = ready.retriever
        if self.retriever is not None:
            # The first question in a new thread pays for the model's per-thread set-up,
            # holding the GIL for up to ~0.2 s: pay it now, not during a user's question.
            await self.answer("warm up the answering thread", 1)
            gc.collect()
            gc.freeze()  # the model's objects are permanent: keep them out of GC passes
            article = self.retriever.index.article
            log.info("article ready: %r (%d paragraphs)", article.title, len(article.paragraphs))
        if self._load_article and self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("registered %d commands in server %s", len(synced), guild.id)

    async def close(self) -> None:
        await super().close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)

    async def answer(self, question: str, count: int | None = None) -> Answer:
        """Answer in the worker thread."""
        if self.retriever is None:
            raise RuntimeError("the article is not loaded")
        k = count or self.settings.top_k
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.retriever.answer, question, k)

    async def on_message(self, message: discord.Message) -> None:
        """Answer direct messages, and mentions of the bot in server channels."""
        me = self.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        # Not `message.guild is None`: a message from a server not in the cache has no guild.
        in_dm = isinstance(message.channel, discord.DMChannel)
        if not in_dm and not _mentions(message, me.id):
            return
        question = message.content if in_dm else strip_mentions(message.content, me.id)
        try:
            await self._answer_message(message, question, in_dm)
        except Exception:
            log.exception("failed to answer message %s", message.id)
            await _quietly(message.channel.send(APOLOGY, allowed_mentions=NO_MENTIONS))

    async def _answer_message(self, message: discord.Message, question: str, in_dm: bool) -> None:
        async def send(text: str | None = None, reply: Reply | None = None) -> None:
            kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
            if reply is not None:
                kwargs.update(embed=reply.embed, view=reply.view())
            if in_dm:
                await message.channel.send(text, **kwargs)
            else:
                await message.reply(text, mention_author=False, **kwargs)

        refusal = self.refusal(message.author.id, question)
        if refusal == BLANK:
            await send(BLANK)
        elif refusal is not None:
            await self._tell_privately(message, refusal, in_dm)
        elif is_greeting(question):
            await send(self.help_text())
        else:
            await send(reply=answer_reply(await self.answer(question)))

    def help_text(self) -> str:
        """The `/help` text, with the bot's name as users see it."""
        return help_text(self.user.name if self.user else "bot")

    def refusal(self, user_id: int, question: str) -> str | None:
        """Why a question will not be answered (blank, or the user's cooldown), else None.

        A question that is answered counts towards the asker's cooldown.
        """
        try:
            clean_question(question)
        except QuestionError:
            return BLANK
        retry_after = self.cooldowns.hit(user_id)
        return cooldown_message(retry_after) if retry_after is not None else None

    async def _tell_privately(self, message: discord.Message, text: str, dm: bool) -> None:
        """Tell only the asker: in the DM, else in a private message, else with a reaction."""
        if dm:
            await message.channel.send(text, allowed_mentions=NO_MENTIONS)
            return
        try:
            await message.author.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            await _quietly(message.add_reaction("\u23f3"))

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log the traceback; give the user a short apology only they see."""
        command = interaction.command.name if interaction.command else "?"
        log.error("command /%s failed", command, exc_info=error)
        if interaction.response.is_done():
            await _quietly(interaction.followup.send(APOLOGY, ephemeral=True))
        else:
            await _quietly(interaction.response.send_message(APOLOGY, ephemeral=True))


def _mentions(message: discord.Message, user_id: int) -> bool:
    """Whether a message mentions the user directly (not through @everyone or a role)."""
    return any(u.id == user_id for u in message.mentions) or bool(
        re.search(rf"<@!?{user_id}>", message.content)
    )


async def _quietly(call: Any) -> None:
    """Await a best-effort Discord call; a failure is logged, never raised."""
    try:
        await call
    except discord.HTTPException as exc:
        log.warning("could not send a message to Discord: %s", exc)


async def respond_to_question(
    bot: ArticleBot,
    interaction: discord.Interaction,
    question: str,
    count: int | None = None,
    private: bool = False,
    show_scores: bool = False,
) -> None:
    """Shared by `/ask` and the context menu: check, defer at once, answer, edit the reply."""
    refusal = bot.refusal(interaction.user.id, question)
    if refusal is not None:
        await interaction.response.send_message(refusal, ephemeral=True)
        return
    await interaction.response.defer(ephemeral=private, thinking=True)
    reply = answer_reply(await bot.answer(question, count), show_scores)
    await interaction.edit_original_response(
        embed=reply.embed, view=reply.view(), allowed_mentions=NO_MENTIONS
    )


def _add_commands(bot: ArticleBot) -> None:
    """Register `/ask`, `/article`, `/help` and the "Ask the article" context menu."""

    @bot.tree.command(name="ask")
    @app_commands.describe(
        question="What do you want to know about the article?",
        count="How many passages to quote (1-5)",
        private="Only you see the answer",
        show_scores="Show each passage's relevance score",
    )
    async def ask(
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        count: app_commands.Range[int, 1, 5] | None = None,
        private: bool = False,
        show_scores: bool = False,
    ) -> None:
        """Ask a question; I answer with quotes from the article."""
        await respond_to_question(bot, interaction, question, count, private, show_scores)

    @bot.tree.command(name="article")
    async def article(interaction: discord.Interaction) -> None:
        """Show which article I answer from: title, date, link and opening."""
        if bot.retriever is None:
            raise RuntimeError("the article is not loaded")
        reply = article_reply(bot.retriever.index.article)
        await interaction.response.send_message(
            embed=reply.embed, view=reply.view(), allowed_mentions=NO_MENTIONS
        )

    @bot.tree.command(name="help")
    async def help_command(interaction: discord.Interaction) -> None:
        """How to ask me about the article."""
        await interaction.response.send_message(
            bot.help_text(), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @bot.tree.context_menu(name="Ask the article")
    async def ask_message(interaction: discord.Interaction, message: discord.Message) -> None:
        await respond_to_question(bot, interaction, message.content)
