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

from bot.discord.commands import add_commands
from bot.discord.cooldown import UserCooldowns, cooldown_message
from bot.discord.format import NO_MENTIONS, Reply, answer_reply, help_text, strip_mentions
from bot.settings import Settings
from bot.startup import prepare
from bot.wording import example_question, is_greeting
from embeddings.answer import Answer
from embeddings.question import QuestionError, clean_question
from embeddings.retriever import Retriever

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong while answering. Please try again in a moment."


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
        add_commands(self)

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
            await quietly(message.channel.send(APOLOGY, allowed_mentions=NO_MENTIONS))

    async def _answer_message(self, message: discord.Message, question: str, in_dm: bool) -> None:
        async def send(text: str | None = None, reply: Reply | None = None) -> None:
            kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
            if reply is not None:
                kwargs.update(embed=reply.embed, view=reply.view())
            if in_dm:
                await message.channel.send(text, **kwargs)
            else:
                await message.reply(text, mention_author=False, **kwargs)

        if is_blank(question):
            await send(self.blank_reply())
        elif is_greeting(question):  # costs no question
            await send(self.help_text())
        elif (retry_after := self.cooldowns.hit(message.author.id)) is not None:
            if self.cooldowns.first_refusal(message.author.id):  # once per wait, not per mention
                await self._tell_privately(message, cooldown_message(retry_after), in_dm)
        else:
            await send(reply=answer_reply(await self.answer(question)))

    def help_text(self) -> str:
        """The `/help` text, with the bot's name as users see it."""
        return help_text(self.user.name if self.user else "bot", self.example())

    def example(self) -> str:
        """An example question about the loaded article."""
        return example_question(self.retriever.index.article if self.retriever else None)

    def blank_reply(self) -> str:
        """The reply to a blank question."""
        return f"Please ask a question about the article, for example: *{self.example()}*"

    def refusal(self, user_id: int, question: str) -> str | None:
        """Why a question will not be answered (blank, or the user's cooldown), else None.

        A question that is answered counts towards the asker's cooldown.
        """
        if is_blank(question):
            return self.blank_reply()
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
            await quietly(message.add_reaction("\u23f3"))

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log the traceback; give the user a short apology only they see."""
        command = interaction.command.name if interaction.command else "?"
        log.error("command /%s failed", command, exc_info=error)
        if interaction.response.is_done():
            await quietly(interaction.followup.send(APOLOGY, ephemeral=True))
        else:
            await quietly(interaction.response.send_message(APOLOGY, ephemeral=True))


def is_blank(question: str) -> bool:
    """Whether nothing is left of a question once cleaned."""
    try:
        clean_question(question)
    except QuestionError:
        return True
    return False


def _mentions(message: discord.Message, user_id: int) -> bool:
    """Whether a message mentions the user directly (not through @everyone or a role)."""
    return any(u.id == user_id for u in message.mentions) or bool(
        re.search(rf"<@!?{user_id}>", message.content)
    )


async def quietly(call: Any) -> None:
    """Await a best-effort Discord call; a failure is logged, never raised."""
    try:
        await call
    except discord.HTTPException as exc:
        log.warning("could not send a message to Discord: %s", exc)
