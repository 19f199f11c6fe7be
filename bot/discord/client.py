"""The Discord client: slash commands, a context menu, direct messages and mentions.

It translates between Discord and the retriever and adds nothing else. The model
and the index load in `setup_hook`, in a worker thread, before the gateway
connects; every question is answered in a single worker thread too (or, when what it
needs had to be built, in the building thread), so the event loop only ever waits on the
network. Adds run in add threads of their own; a stranger's file or page is read in a
process of its own (`sources.isolated`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.discord.commands import add_commands, channels_of
from bot.discord.conversations import (
    REPLY_SECONDS,
    Conversations,
    in_channel,
    replying_to,
)
from bot.discord.conversations import in_dm as in_dm_with
from bot.discord.cooldown import UserCooldowns, cooldown_message
from bot.discord.feedback import FeedbackDesk, add_feedback_commands
from bot.discord.format import NO_MENTIONS, Reply, answer_reply, help_text, strip_mentions
from bot.discord.library_commands import BUSY_EVERYWHERE, WEB_ONLY, add_library_commands
from bot.discord.translator import CatalogTranslator
from bot.library.answering import Answerer, NotReady, add_indexed, open_library
from bot.library.changes import ChangeWatcher
from bot.library.refresh import (
    Outcome,
    Refresher,
    RefreshWorker,
    policy_for,
    read_web,
    web_reader,
)
from bot.library.schema import BOT_WIDE
from bot.library.scope import Scopes
from bot.library.store import Added, Library, LibraryError, StoredArticle
from bot.settings import Settings
from bot.startup import prepare
from bot.wording import ENGLISH, Catalog, catalog, example_question, is_greeting
from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.followup import Context, following
from embeddings.question import QuestionError, clean_question
from embeddings.retriever import Retriever
from embeddings.sources import is_url
from embeddings.sources.fetch import Page
from embeddings.sources.isolated import ReadingBudget, parse_isolated

log = logging.getLogger(__name__)

T = TypeVar("T")

APOLOGY = ENGLISH.apology

ADDS_AT_ONCE = 2
"""Adds (fetching, reading, indexing) that run at once, bot-wide, each in a thread of its
own: never in the threads that answer or read the library."""

ADDS_WAITING = 8
"""Adds that may wait for a turn; more are told to try again later."""

READING = ReadingBudget()
"""What reading one article from Discord may cost (time, memory, text): see
docs/security.md."""

PREPARE_TRIES = 3
"""Times a question waits for a missing index or shelf to be built before it is answered
in the building thread."""


class ArticleBot(discord.AutoShardedClient):
    """Answers questions about the articles of where it is asked by quoting them.

    `retriever` answers from the default article; `library` holds each server's own
    (see `bot.library.scope` for which a question is asked of). The process serves the
    shards the settings name, or every shard Discord advises.
    """

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever | None = None,
        *,
        library: Library | None = None,
        load_article: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            allowed_mentions=NO_MENTIONS,
            shard_count=settings.shard_count,
            shard_ids=settings.shards,  # type: ignore[arg-type]  # None: every shard
            **options,
        )
        self.settings = settings
        self.retriever = retriever
        self.library = library
        self.answerer: Answerer | None = None
        self.scopes: Scopes | None = None
        self._watcher: ChangeWatcher | None = None
        self.refresher: Refresher | None = None
        self.refresh_worker: RefreshWorker | None = None
        self._add_locks: dict[int, asyncio.Lock] = {}
        self._adds_pending = 0
        self._opening = threading.Lock()  # one library, however many first adds race
        self._preparing: dict[tuple[object, ...], asyncio.Future[None]] = {}
        self._load_article = load_article
        self.conversations = Conversations()
        self.cooldowns = UserCooldowns(settings.cooldown_questions, settings.cooldown_seconds)
        self.add_limits = UserCooldowns(settings.add_limit, settings.add_limit_seconds)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer")
        self._adds = ThreadPoolExecutor(max_workers=ADDS_AT_ONCE, thread_name_prefix="add")
        self._builds = ThreadPoolExecutor(max_workers=1, thread_name_prefix="build")
        self.tree = app_commands.CommandTree(
            self,
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
        )
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        add_commands(self)
        add_library_commands(self)
        self.feedback = FeedbackDesk(self)
        add_feedback_commands(self)

    async def setup_hook(self) -> None:
        """Load the model and the index off the event loop; register commands in a dev server."""
        await self.tree.set_translator(CatalogTranslator())  # descriptions in each language
        self.feedback.start()  # the vote buttons of answers posted before a restart too
        if self.retriever is None and self._load_article:
            if self.library is None:
                self.library = await asyncio.to_thread(open_library, self.settings, wait=True)
            ready = await asyncio.to_thread(prepare, self.settings, library=self.library)
            self.retriever = ready.retriever
        if self.retriever is not None:
            self.answerer = Answerer(self.retriever, self.settings.cache_dir, self.library)
            self.scopes = Scopes(self.library, self.retriever.index.article)
            self._watch_library()
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
        self.feedback.stop()
        await super().close()
        if self._watcher is not None:
            await asyncio.to_thread(self._watcher.stop)
        if self.refresh_worker is not None:
            await asyncio.to_thread(self.refresh_worker.stop)
        for executor in (self._executor, self._adds, self._builds):
            executor.shutdown(wait=False, cancel_futures=True)

    def _watch_library(self) -> None:
        """Answer from changes other processes make to the library (see `changes`)."""
        if self.library is not None and self.scopes is not None and self._watcher is None:
            self.library.listeners.append(self.scopes.changed)  # this process's own
            self._watcher = ChangeWatcher(self.library, self.scopes.changed)
            self._watcher.start()
            self._check_web_articles()

    def _check_web_articles(self) -> None:
        """Check every library's web articles on schedule, in a thread of its own (see
        `bot.library.refresh`): every process does, each article under a database lease."""
        if self.library is None or self.retriever is None or self.refresh_worker is not None:
            return
        self.refresher = Refresher(
            self.library,
            self.retriever.embedder,
            self.settings.cache_dir,
            web_reader(self.settings, READING),
        )
        self.refresh_worker = RefreshWorker(self.refresher, self._refreshed)
        self.refresh_worker.start()

    def _refreshed(self, outcome: Outcome) -> None:
        """Let go of the index of an article's text a check replaced (this process's scopes
        were told by the library; the others', by its version)."""
        if outcome.replaced is not None and self.answerer is not None:
            self.answerer.drop(outcome.replaced)

    async def refresh_article(self, guild_id: int, article_id: int) -> Outcome:
        """Check one article of a server's library at its source now, in a thread for adds
        (it may read and embed a page as an add does)."""
        if self.refresher is None:  # no library yet
            raise LibraryError(f"no article {article_id} in this library")
        outcome = await self._in_adds(self.refresher.refresh, guild_id, article_id)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._refreshed, outcome)  # as a removal
        return outcome

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)

    async def answer(
        self,
        question: str,
        count: int | None = None,
        guild_id: int | None = None,
        channels: Sequence[int] = (),
        article_id: int | None = None,
        context: Context | None = None,
    ) -> Answer:
        """Answer in the worker thread, from the articles of the server (`guild_id`) and
        channel (then its parent) where it is asked, or from one article of its library;
        a DM has no server. A follow-up is asked with its conversation's `context`."""
        if self.retriever is None or self.answerer is None:
            raise RuntimeError("the article is not loaded")
        k = count or self.settings.top_k
        loop = asyncio.get_running_loop()
        asked = (question, k, guild_id, tuple(channels), article_id, context)
        for _ in range(PREPARE_TRIES):
            try:
                return await loop.run_in_executor(self._executor, self._answer_in_scope, *asked)
            except NotReady as need:  # built elsewhere, while other questions are answered
                await self._prepare(need)
        return await loop.run_in_executor(self._builds, self._answer_in_scope, *asked, True)

    async def _prepare(self, need: NotReady) -> None:
        """Build what a question needs in the building thread; questions that need the
        same wait for the same build."""
        assert self.answerer is not None
        future = self._preparing.get(need.key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self._builds, self.answerer.prepare, need)
            self._preparing[need.key] = future
            future.add_done_callback(lambda _: self._preparing.pop(need.key, None))
        await asyncio.shield(future)

    async def articles_in_scope(
        self, guild_id: int | None, channels: Sequence[int]
    ) -> tuple[Article, ...]:
        """The articles a question asked here is asked of."""
        if self.scopes is None:
            raise RuntimeError("the article is not loaded")
        loop = asyncio.get_running_loop()
        scope = await loop.run_in_executor(
            self._executor, self.scopes.get, guild_id, tuple(channels)
        )
        return scope.articles

    async def library_articles(self, guild_id: int) -> list[StoredArticle]:
        """A server's library (empty before any article was added)."""
        if self.library is None:
            return []
        return await asyncio.to_thread(self.library.articles, guild_id)

    async def library_titles(self, guild_id: int) -> list[tuple[int, str]]:
        """The ids and titles of a server's library, for autocomplete."""
        if self.library is None:
            return []
        return await asyncio.to_thread(self.library.titles, guild_id)

    def add_lock(self, guild_id: int) -> asyncio.Lock:
        """The lock that lets one add run at a time in a server."""
        return self._add_locks.setdefault(guild_id, asyncio.Lock())

    def adds_full(self) -> bool:
        """Whether as many adds run and wait as may: a new one is told to try later."""
        return self._adds_pending >= ADDS_AT_ONCE + ADDS_WAITING

    async def add_article(
        self, guild_id: int, source: str | tuple[str, bytes], added_by: str
    ) -> Added:
        """Read an article (a web address, or a file's name and bytes), build its index and
        keep it in a server's library, in a thread for adds: nothing else waits for it."""
        return await self._in_adds(self._add_article, guild_id, source, added_by)

    async def _in_adds(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work` in a thread for adds, counted among the adds running and waiting;
        refused when they are full."""
        if self.adds_full():
            raise LibraryError(BUSY_EVERYWHERE)
        self._adds_pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._adds, work, *args)
        finally:
            self._adds_pending -= 1

    def _add_article(self, guild_id: int, source: str | tuple[str, bytes], added_by: str) -> Added:
        settings = self.settings
        page: Page | None = None  # a web article's: where it is checked again
        if isinstance(source, str):
            if not is_url(source):  # a Discord user never names one of the bot's files
                raise LibraryError(WEB_ONLY)
            page, read = read_web(source, policy_for(settings), READING)  # kept in the library
            assert read is not None  # not a conditional request
            article = read
        else:
            name, data = source
            article = parse_isolated(data, Path(name).suffix, name, None, READING)
        if len(article.paragraphs) > settings.library_max_paragraphs:
            raise LibraryError(
                f"the article is too large ({len(article.paragraphs)} paragraphs, "
                f"at most {settings.library_max_paragraphs})"
            )
        library = self._open_library()
        assert self.retriever is not None
        return add_indexed(
            library,
            article,
            guild_id,
            added_by,
            self.retriever.embedder,
            settings.cache_dir,
            source_url=source if isinstance(source, str) else None,
            etag=page.etag if page is not None else None,
            last_modified=page.last_modified if page is not None else None,
        )

    def _open_library(self) -> Library:
        """The library, created on the first add."""
        with self._opening:
            if self.library is None:
                self.library = open_library(self.settings, create=True)
                if self.scopes is not None:
                    self.scopes.library = self.library
                if self.answerer is not None:
                    self.answerer.library = self.library
                    self._watch_library()
            assert self.library is not None
            return self.library

    async def remove_article(self, guild_id: int, article_id: int) -> StoredArticle:
        if self.library is None:
            raise LibraryError(f"no article {article_id} in this library")
        removed = await asyncio.to_thread(self.library.remove, guild_id, article_id)
        if self.answerer is not None:  # in the answering thread, which uses the retrievers
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self.answerer.drop, removed.article)
        return removed

    async def pin_channel(self, guild_id: int, channel_id: int, article_id: int | None) -> str:
        """Pin a channel to one article (None: the whole library); its title, or ""."""
        if self.library is None:
            if article_id is None:
                return ""
            raise LibraryError(f"no article {article_id} in this library")
        library = self.library
        await asyncio.to_thread(library.pin, guild_id, channel_id, article_id)
        if article_id is None:
            return ""
        stored = await asyncio.to_thread(library.get, guild_id, article_id)
        return stored.article.title if stored else ""

    def _answer_in_scope(
        self,
        question: str,
        k: int,
        guild_id: int | None,
        channels: tuple[int, ...],
        article_id: int | None = None,
        context: Context | None = None,
        build: bool = False,
    ) -> Answer:
        assert self.answerer is not None and self.scopes is not None
        if article_id is None:
            scope = self.scopes.get(guild_id, channels)
        else:
            library = self.scopes.of_library(guild_id or BOT_WIDE)
            if (one := library.only(article_id)) is None:
                raise LibraryError(f"no article {article_id} in this library")
            scope = one
        return self.answerer.answer(question, scope, k, build, context)

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
        words = _words_of(message)
        try:
            await self._answer_message(message, question, in_dm, words)
        except Exception:
            log.exception("failed to answer message %s", message.id)
            await quietly(message.channel.send(words.apology, allowed_mentions=NO_MENTIONS))

    async def _answer_message(
        self, message: discord.Message, question: str, in_dm: bool, words: Catalog
    ) -> None:
        async def send(text: str | None = None, reply: Reply | None = None) -> discord.Message:
            kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
            if reply is not None:
                kwargs.update(embed=reply.embed, view=reply.view())
            if in_dm:
                return await message.channel.send(text, **kwargs)
            return await message.reply(text, mention_author=False, **kwargs)

        if is_blank(question):
            await send(self.blank_reply(words))
        elif is_greeting(question):  # costs no question
            await send(self.help_text(words))
        elif (retry_after := self.cooldowns.hit(message.author.id)) is not None:
            if self.cooldowns.first_refusal(message.author.id):  # once per wait, not per mention
                await self._tell_privately(message, cooldown_message(retry_after, words), in_dm)
        else:
            # A server not in the cache leaves `guild` empty; its channel still knows it.
            where = (
                message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
            )
            asker = message.author.id
            key = in_dm_with(asker) if in_dm else in_channel(message.channel.id, asker)
            reference, context = message.reference, None
            if reference and reference.message_id and reference.channel_id == message.channel.id:
                context = self.conversations.get(replying_to(*_ids(reference)))
            context = context or self.conversations.get(key)
            channels = channels_of(message.channel)
            answer = await self.answer(question, None, where, channels, context=context)
            reply = answer_reply(answer, words=words)
            channel = getattr(message.channel, "id", None)
            sent = await send(reply=await self.feedback.voted(reply, answer, where, channel))
            # Nothing of a conversation is stored: it is kept in memory, for a while.
            after = await asyncio.to_thread(following, question, answer, context)
            self.conversations.put(key, after)
            self.conversations.put(replying_to(sent.channel.id, sent.id), after, REPLY_SECONDS)

    def help_text(self, words: Catalog = ENGLISH) -> str:
        """The `/help` text, with the bot's name as users see it."""
        return help_text(self.user.name if self.user else "bot", self.example(words), words)

    def example(self, words: Catalog = ENGLISH) -> str:
        """An example question about the loaded article."""
        article = self.retriever.index.article if self.retriever else None
        return example_question(article, words)

    def blank_reply(self, words: Catalog = ENGLISH) -> str:
        """The reply to a blank question."""
        return words.blank.format(example=self.example(words))

    def refusal(self, user_id: int, question: str, words: Catalog = ENGLISH) -> str | None:
        """Why a question will not be answered (blank, or the user's cooldown), else None.

        A question that is answered counts towards the asker's cooldown.
        """
        if is_blank(question):
            return self.blank_reply(words)
        retry_after = self.cooldowns.hit(user_id)
        return cooldown_message(retry_after, words) if retry_after is not None else None

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
        apology = catalog(interaction.locale).apology
        if interaction.response.is_done():
            await quietly(interaction.followup.send(apology, ephemeral=True))
        else:
            await quietly(interaction.response.send_message(apology, ephemeral=True))


def is_blank(question: str) -> bool:
    """Whether nothing is left of a question once cleaned."""
    try:
        clean_question(question)
    except QuestionError:
        return True
    return False


def _words_of(message: discord.Message) -> Catalog:
    """The bot's words for a DM or a mention, which carry no locale: in the server's
    language where the server is known, else English."""
    return catalog(message.guild.preferred_locale if message.guild else None)


def _ids(reference: discord.MessageReference) -> tuple[int, int]:
    """The channel and message a reply refers to."""
    return reference.channel_id, reference.message_id or 0


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
