"""The 👍 / 👎 buttons under each answer, `/library settings` and `/library insights`.

The buttons are persistent: each carries its answer's id in its `custom_id` (a
`DynamicItem`), so a click is understood after a restart too. A `custom_id` is untrusted:
a vote is kept only for an answer of the server (or direct message) it is clicked in.
Every read and write of the database runs off the event loop (`bot.library.feedback`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.discord.format import (
    COLOR,
    DESCRIPTION_LIMIT,
    FIELD_LIMIT,
    NO_MENTIONS,
    Reply,
    escape,
    shorten,
)
from bot.discord.library_commands import _manager
from bot.library.feedback import (
    DEFAULT_ARTICLE,
    KEEP_DAYS,
    Asked,
    Feedback,
    Insights,
)
from bot.library.store import LibraryError
from bot.wording import catalog
from embeddings.answer import Answer
from embeddings.question import QuestionError, clean_question

if TYPE_CHECKING:
    from bot.discord.client import ArticleBot

log = logging.getLogger(__name__)

T = TypeVar("T")

RECORD_WAIT = 3.0
"""Seconds an answer waits for its record; past that it is posted without buttons."""

RECORD_BACKOFF = 60.0
"""Seconds answers are posted without votes, unkept, after keeping one failed."""

WORKERS = 2
"""Threads of the feedback desk's own executor (answers, votes, settings, insights)."""

PURGE_EVERY = timedelta(hours=6)
"""How often the bot forgets what is older than `KEEP_DAYS` days."""

GROUPS_SHOWN = 15
ARTICLES_SHOWN = 10


def vote_id(answer_id: int, up: bool) -> str:
    """The `custom_id` of an answer's 👍 or 👎 button."""
    return f"vote:{answer_id}:{'u' if up else 'd'}"


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"vote:(?P<answer>[1-9][0-9]{0,15}):(?P<way>[ud])"),
):
    """A 👍 or 👎 under an answer; a click keeps (or changes) the user's vote on it."""

    def __init__(self, answer_id: int, up: bool) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="\N{THUMBS UP SIGN}" if up else "\N{THUMBS DOWN SIGN}",
                custom_id=vote_id(answer_id, up),
            )
        )
        self.answer_id = answer_id
        self.up = up

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> VoteButton:
        return cls(int(match["answer"]), match["way"] == "u")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Keep the vote, and tell only the voter."""
        bot = cast("ArticleBot", interaction.client)
        words = catalog(interaction.locale)
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            kept = await bot.feedback.vote(
                self.answer_id, interaction.guild_id, interaction.user.id, self.up
            )
            text = words.vote_noted if kept else words.vote_unknown
        except LibraryError as exc:
            text = str(exc)
        except Exception:
            log.exception("failed to keep a vote on answer %s", self.answer_id)
            text = words.apology
        try:
            if interaction.response.is_done():
                await interaction.edit_original_response(content=text)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not acknowledge a vote: %s", exc)


@dataclass(frozen=True)
class VotedReply(Reply):
    """A reply whose view holds the answer's vote buttons beside its link button."""

    answer_id: int = 0

    def view(self) -> discord.ui.View:
        view = super().view()
        view.add_item(VoteButton(self.answer_id, up=True))
        view.add_item(VoteButton(self.answer_id, up=False))
        return view


def with_votes(reply: Reply, answer_id: int) -> VotedReply:
    """`reply` with vote buttons for the answer kept as `answer_id`."""
    kept = {f.name: getattr(reply, f.name) for f in fields(reply)}
    return VotedReply(**kept, answer_id=answer_id)


class FeedbackDesk:
    """The bot's side of feedback: answers, votes, settings and insights kept in the
    library's database (created on first use), each call in a thread of the desk's own
    `WORKERS` (never the event loop's default executor); and the purge of what is older
    than `KEEP_DAYS` days, every `PURGE_EVERY`.

    Insights run one at a time, so a worker is always left for answers and votes; a
    server asking again while its insights are prepared waits for the same result. After
    keeping an answer failed or took over `RECORD_WAIT` seconds, answers are posted
    without votes for `RECORD_BACKOFF` seconds (by `clock`), logged once, not once an
    answer. Answers are kept one at a time (an answer waits for the one before within its
    own `RECORD_WAIT`), so a database that hangs holds one thread at most, never a queue
    of records in front of votes."""

    def __init__(self, bot: ArticleBot, clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self._feedback: Feedback | None = None
        self._lock = threading.Lock()
        self._purging: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._clock = clock
        self._resting_until = -math.inf
        self._rest_said = True
        self._failing = False
        self._recording: asyncio.Future[int] | None = None
        self._stopped = False
        self._insights_turn = asyncio.Semaphore(1)
        self._preparing: dict[int, asyncio.Future[Insights]] = {}

    def start(self) -> None:
        """Listen to the vote buttons of every answer, and purge now and then."""
        self.bot.add_dynamic_items(VoteButton)
        if self._purging is None:
            self._purging = asyncio.create_task(self._purge_every(), name="feedback-purge")

    def stop(self) -> None:
        """Stop purging, drop the calls still waiting for a thread, and take no more."""
        self._stopped = True
        if self._purging is not None:
            self._purging.cancel()
            self._purging = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)  # running ones finish
            self._executor = None

    def _store(self) -> Feedback:
        """The store, on the library's database (opened, or created, in this thread)."""
        library = self.bot._open_library()
        with self._lock:
            if self._feedback is None or self._feedback.library is not library:
                self._feedback = Feedback(library)
            return self._feedback

    async def _call(self, work: Callable[[Feedback], T]) -> T:
        """`work` on the store, in a thread of the desk's own executor; refused (a
        `LibraryError`) once the desk is stopped."""
        if self._stopped:
            raise LibraryError("The bot is shutting down: try again in a minute.")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="feedback")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(self._store()))

    async def voted(
        self, reply: Reply, answer: Answer, guild_id: int | None, channel_id: int | None
    ) -> Reply:
        """Keep an answer about to be posted in a server (None: a direct message) and give
        its reply vote buttons; the reply as it is when it cannot be kept in time."""
        try:
            question = clean_question(answer.question)[0]
        except QuestionError:
            question = answer.question
        if self._stopped or self._resting():
            return reply
        asked = Asked(
            guild_id=guild_id,
            channel_id=channel_id,
            question=question,
            declined=not answer.answered or not answer.passages,
            content_hashes=tuple(a.content_hash for a in answer.articles),
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RECORD_WAIT
        while (before := self._recording) is not None and not before.done():
            # one record at a time: a database that hangs holds one thread, never a queue
            await asyncio.wait({before}, timeout=max(0.0, deadline - loop.time()))
            if not before.done():
                self._failed(TimeoutError(f"it took over {RECORD_WAIT:g} s"))
                return reply
            self._said(before)
            if self._stopped or self._resting():
                return reply
        record = asyncio.ensure_future(self._call(lambda store: store.record(asked)))
        self._recording = record
        try:
            left = max(0.0, deadline - loop.time())
            answer_id = await asyncio.wait_for(asyncio.shield(record), left)
        except TimeoutError:
            if record.done():  # a timeout of the store's own
                self._said(record)
            else:
                record.add_done_callback(self._said)
                self._failed(TimeoutError(f"it took over {RECORD_WAIT:g} s"))
            return reply
        except Exception as exc:
            self._failed(exc)
            return reply
        self._failing = False
        return with_votes(reply, answer_id)

    def _said(self, record: asyncio.Future[int]) -> None:
        """A record ended that its answer may not have waited for: a failure starts a
        rest, like any (nothing more is logged while resting)."""
        error = None if record.cancelled() else record.exception()
        if isinstance(error, Exception):
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        """Rest from keeping answers for `RECORD_BACKOFF` seconds; the traceback of an
        unexpected error only when the last answer was kept, else one line (a timeout is
        one line). Nothing more for answers that failed alongside, once resting."""
        if self._clock() < self._resting_until:
            return
        self._resting_until = self._clock() + RECORD_BACKOFF
        self._rest_said = False
        if isinstance(error, LibraryError | TimeoutError) or self._failing:
            log.warning(
                "an answer was not kept (%s): answers go without votes for %.0f s",
                str(error) or type(error).__name__,
                RECORD_BACKOFF,
            )
        else:
            log.error(
                "failed to keep an answer: answers go without votes for %.0f s",
                RECORD_BACKOFF,
                exc_info=error,
            )
        self._failing = True

    def _resting(self) -> bool:
        """Whether answers go without votes for now, after a failure; said once a rest."""
        left = self._resting_until - self._clock()
        if left <= 0:
            return False
        if not self._rest_said:
            self._rest_said = True
            log.warning("answers go without votes for %.0f s more: keeping them failed", left)
        return True

    async def vote(self, answer_id: int, guild_id: int | None, user_id: int, up: bool) -> bool:
        return await self._call(lambda store: store.vote(answer_id, guild_id, user_id, up))

    async def keep_questions(self, guild_id: int, keep: bool | None = None) -> bool:
        """Whether a server keeps its questions' text, after setting it to `keep` if given."""

        def work(store: Feedback) -> bool:
            if keep is not None:
                store.set_keep_questions(guild_id, keep)
            return store.keep_questions(guild_id)

        return await self._call(work)

    async def insights(self, guild_id: int) -> Insights:
        """A server's insights; while they are prepared, asking again waits for them."""
        preparing = self._preparing.get(guild_id)
        if preparing is None:
            preparing = asyncio.ensure_future(self._prepare(guild_id))
            self._preparing[guild_id] = preparing

            def done(future: asyncio.Future[Insights]) -> None:
                if self._preparing.get(guild_id) is future:
                    del self._preparing[guild_id]
                if not future.cancelled():
                    future.exception()  # retrieved: every asker saw it, or none is left

            preparing.add_done_callback(done)
        return await asyncio.shield(preparing)

    async def _prepare(self, guild_id: int) -> Insights:
        async with self._insights_turn:  # one at a time: a worker stays free for answers
            return await self._call(lambda store: store.insights(guild_id))

    async def purge(self) -> int:
        """Forget what is older than `KEEP_DAYS` days (nothing when no database is used)."""
        if self.bot.library is None:
            return 0
        return await self._call(lambda store: store.purge())

    async def _purge_every(self) -> None:
        while True:
            try:
                removed = await self.purge()
                if removed:
                    log.info("forgot %d answers older than %d days", removed, KEEP_DAYS)
            except LibraryError as exc:
                log.warning("could not purge old answers: %s", exc)
            except Exception:
                log.exception("failed to purge old answers")
            await asyncio.sleep(PURGE_EVERY.total_seconds())


TURNED_ON = (
    f"Question text is now kept for {KEEP_DAYS} days, for `/library insights`. "
    "Votes and counts are kept either way."
)
TURNED_OFF = (
    "Question text is no longer kept, and what was kept is deleted. "
    f"Votes and counts are kept for {KEEP_DAYS} days."
)
KEPT = f"Question text is kept for {KEEP_DAYS} days (`keep_questions:False` stops it)."
NOT_KEPT = f"Question text is not kept (`keep_questions:True` keeps it for {KEEP_DAYS} days)."


def add_feedback_commands(bot: ArticleBot) -> None:
    """Add `/library settings` and `/library insights` to the `/library` group."""
    group = bot.tree.get_command("library")
    if not isinstance(group, app_commands.Group):
        raise RuntimeError("add the /library commands first")

    @group.command(name="settings")
    @app_commands.describe(keep_questions="Keep the text of questions for 30 days, for insights")
    async def settings(
        interaction: discord.Interaction, keep_questions: bool | None = None
    ) -> None:
        """Show or change this server's settings (Manage Server)."""
        guild_id = await _manager(interaction)
        if guild_id is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            keep = await bot.feedback.keep_questions(guild_id, keep_questions)
        except LibraryError as exc:
            await interaction.edit_original_response(content=str(exc))
            return
        if keep_questions is None:
            said = KEPT if keep else NOT_KEPT
        else:
            said = TURNED_ON if keep else TURNED_OFF
        await interaction.edit_original_response(content=said)

    @group.command(name="insights")
    async def insights(interaction: discord.Interaction) -> None:
        """What this server asked in the last 30 days, only for you (Manage Server)."""
        guild_id = await _manager(interaction)
        if guild_id is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            seen = await bot.feedback.insights(guild_id)
        except LibraryError as exc:
            await interaction.edit_original_response(content=str(exc))
            return
        default = bot.retriever.index.article.title if bot.retriever else None
        await interaction.edit_original_response(
            embed=insights_embed(seen, default), allowed_mentions=NO_MENTIONS
        )


def insights_embed(insights: Insights, default_title: str | None = None) -> discord.Embed:
    """`/library insights`: counts, the questions that went wrong (grouped) and the
    articles quoted most, within Discord's limits."""
    seen = insights
    lines = [
        f"**{seen.answers}** answers \u00b7 **{seen.declined}** declined \u00b7 "
        f"\N{THUMBS UP SIGN} {seen.votes_up} \u00b7 \N{THUMBS DOWN SIGN} {seen.votes_down} "
        f"({seen.voted_down} answers voted down)",
        "",
        "**Declined or voted down**",
    ]
    for group in seen.groups[:GROUPS_SHOWN]:
        question = escape(shorten(" ".join(group.question.split()), 200))
        lines.append(f"\u2022 {group.count}\u00d7 {question} ({group.why})")
    lines += [f"\u2022 {remark}" for remark in seen.left_out(GROUPS_SHOWN, "\u2026")]
    if not seen.keep_questions:
        lines.append("*Question text is not kept: `/library settings keep_questions:True`*")
    articles = []
    for counted in seen.articles[:ARTICLES_SHOWN]:
        title = counted.title or (default_title if counted.article_id == DEFAULT_ARTICLE else None)
        name = escape(shorten(title, 80)) if title else "an article removed since"
        articles.append(f"\u2022 {counted.answers}\u00d7 {name}")
    embed = discord.Embed(
        title=f"This server's questions: the last {seen.days} days",
        description=shorten("\n".join(lines), DESCRIPTION_LIMIT),
        color=COLOR,
    )
    embed.add_field(
        name="Most asked articles",
        value=shorten("\n".join(articles) or "none", FIELD_LIMIT),
        inline=False,
    )
    return embed
