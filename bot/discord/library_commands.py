"""`/library add | list | remove | use | refresh` and the "Add to library" message menu.

Changing a library (add, remove, use, refresh) needs Manage Server: the message menu asks Discord
to show it to such members only, and every change checks again when it runs, since
server admins can change who sees a command (Discord sets one default for a whole
command group, so `/library` itself is shown to everyone, for `list`). Slow work (fetching,
reading, indexing, the database) runs off the event loop; adds in one server run one at a
time, and a server makes at most `ADD_LIMIT` adds in `ADD_LIMIT_SECONDS`. A source from
Discord is a web address (fetched under `FetchPolicy`'s rules) or an attached file, never a
path: see docs/security.md.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord.format import (
    CONTENT_LIMIT,
    NO_MENTIONS,
    escape,
    library_page,
    safe_url,
    shorten,
    title_text,
)
from bot.library.refresh import Outcome, State
from bot.library.schema import BOT_WIDE
from bot.library.store import LibraryError
from embeddings.errors import ArticleBotError
from embeddings.sources import is_url

if TYPE_CHECKING:
    from bot.discord.client import ArticleBot
    from bot.settings import Settings

FILE_KINDS = (".html", ".htm", ".md", ".markdown", ".txt", ".json", ".pdf")
ALL = "all"
PER_PAGE = 10
NEEDS_MANAGE_SERVER = "Only members with the Manage Server permission can change the library."
SERVER_ONLY = "The library belongs to a server: use this in a server channel."
BUSY = "Another article is being added or checked in this server. Try again in a moment."
WEB_ONLY = "Give a web address that starts with http:// or https://."
BUSY_EVERYWHERE = "I am adding many articles right now: try again in a minute."
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)

Choices = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def article_choices(bot: ArticleBot) -> Choices:
    """Autocomplete over the articles of the asker's own server (25 at most): those whose
    title holds what was typed."""

    async def choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild_id = interaction.guild_id or BOT_WIDE
        titles = await bot.library_titles(guild_id)
        typed = current.casefold()
        return [
            app_commands.Choice(name=f"{title[:90]} [{id_}]", value=str(id_))
            for id_, title in titles
            if typed in title.casefold() or typed == str(id_)
        ][:25]

    return choices


def add_library_commands(bot: ArticleBot) -> None:
    """Register `/library` and the "Add to library" message menu on `bot`."""
    library = app_commands.Group(
        name="library", description="This server's articles", guild_only=True
    )

    choices = article_choices(bot)

    async def use_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        every = app_commands.Choice(name="all: the whole server library", value=ALL)
        return [every, *(await choices(interaction, current))][:25]

    @library.command(name="add")
    @app_commands.describe(
        url="A web page with the article", file="An article file: .html, .md, .txt, .json or .pdf"
    )
    async def add(
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000] | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Add an article to this server's library, from a web page or a file."""
        if (url is None) == (file is None):
            await _tell(interaction, "Give either a `url:` or a `file:`, one of the two.")
            return
        await add_to_library(bot, interaction, url, file)

    @library.command(name="list")
    @app_commands.describe(page="Which page of the list (10 articles a page)")
    async def list_articles(
        interaction: discord.Interaction, page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        """List this server's articles."""
        guild_id = await _server(interaction)
        if guild_id is None:
            return
        await interaction.response.defer()
        try:
            stored = await bot.library_articles(guild_id)
        except ArticleBotError as exc:
            await interaction.edit_original_response(content=str(exc))
            return
        embed = library_page(stored, page, PER_PAGE)
        await interaction.edit_original_response(embed=embed, allowed_mentions=NO_MENTIONS)

    @library.command(name="remove")
    @app_commands.describe(article="The article to remove")
    @app_commands.autocomplete(article=choices)
    async def remove(interaction: discord.Interaction, article: str) -> None:
        """Remove an article from this server's library."""
        guild_id = await _manager(interaction)
        if guild_id is None:
            return
        await interaction.response.defer()
        try:
            removed = await bot.remove_article(guild_id, article_id(article))
        except ArticleBotError as exc:
            await interaction.edit_original_response(content=str(exc))
            return
        await interaction.edit_original_response(
            content=f"Removed from the library: {title_text(removed.article.title)}",
            allowed_mentions=NO_MENTIONS,
        )

    @library.command(name="use")
    @app_commands.describe(article="The article this channel answers from, or all")
    @app_commands.autocomplete(article=use_choices)
    async def use(interaction: discord.Interaction, article: str) -> None:
        """Answer in this channel (or thread) from one article, or from the whole library."""
        guild_id = await _manager(interaction)
        if guild_id is None or interaction.channel_id is None:
            return
        await interaction.response.defer()
        try:
            chosen = None if article.strip().lower() == ALL else article_id(article)
            title = await bot.pin_channel(guild_id, interaction.channel_id, chosen)
        except ArticleBotError as exc:
            await interaction.edit_original_response(content=str(exc))
            return
        text = (
            f"This channel now answers from: {title_text(title)}"
            if title
            else "This channel now answers from the whole server library."
        )
        await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

    @library.command(name="refresh")
    @app_commands.describe(article="The article to check")
    @app_commands.autocomplete(article=choices)
    async def refresh(interaction: discord.Interaction, article: str) -> None:
        """Check an article of this server's library at its web page now."""
        guild_id = await _manager(interaction)
        if guild_id is None:
            return
        # A check may read and embed a page, as an add does: it counts as one.
        if (lock := await _turn_to_add(bot, interaction, guild_id)) is None:
            return
        async with lock:
            await interaction.response.defer(thinking=True)
            try:
                outcome = await bot.refresh_article(guild_id, article_id(article))
            except ArticleBotError as exc:
                await interaction.edit_original_response(content=str(exc))
                return
        await interaction.edit_original_response(
            content=refresh_text(outcome), allowed_mentions=NO_MENTIONS
        )

    @app_commands.context_menu(name="Add to library")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def add_message(interaction: discord.Interaction, message: discord.Message) -> None:
        link = _LINK.search(message.content)
        if link is None:
            await _tell(interaction, "That message holds no web link to add.")
            return
        await add_to_library(bot, interaction, link.group().rstrip(">)].,"), None)

    bot.tree.add_command(library)
    bot.tree.add_command(add_message)


async def add_to_library(
    bot: ArticleBot,
    interaction: discord.Interaction,
    url: str | None,
    file: discord.Attachment | None,
) -> None:
    """Check, defer at once, read the article, index and keep it, and say what happened."""
    guild_id = await _manager(interaction)
    if guild_id is None:
        return
    settings = bot.settings
    url = url.strip() if url is not None else None
    if url is not None and not is_url(url):
        await _tell(interaction, WEB_ONLY)
        return
    if file is not None:
        if not file.filename.lower().endswith(FILE_KINDS):
            await _tell(interaction, f"Unsupported file: use one of {', '.join(FILE_KINDS)}.")
            return
        if file.size > settings.attachment_max_bytes:
            await _tell(interaction, f"That file is too large: at most {_megabytes(settings)}.")
            return
    if (lock := await _turn_to_add(bot, interaction, guild_id)) is None:
        return
    async with lock:
        await interaction.response.defer(thinking=True)
        try:
            # Read the attachment now: Discord's links to it expire.
            source = (file.filename, await _download(file, settings)) if file else url or ""
            added = await bot.add_article(guild_id, source, str(interaction.user))
        except (ArticleBotError, discord.HTTPException) as exc:
            text = str(exc) if isinstance(exc, ArticleBotError) else "I could not read that file."
            said = shorten(f"Not added: {escape(text)}", CONTENT_LIMIT)
            await interaction.edit_original_response(content=said)
            return
    article = added.stored.article
    date = f", {article.published.isoformat()}" if article.published else ""
    link = f"\n<{shown}>" if (shown := safe_url(article.url)) else ""
    what = "Added to the library" if added.added else "Already in the library"
    await interaction.edit_original_response(
        content=(
            f"{what}: **{title_text(article.title)}** ({len(article.paragraphs)} paragraphs"
            f"{date}){link}"
        ),
        allowed_mentions=NO_MENTIONS,
    )


def refresh_text(outcome: Outcome) -> str:
    """What checking an article found, in one line."""
    title = f"**{title_text(outcome.title)}**"
    if outcome.state == State.UPDATED:
        return f"Updated: {title} ({outcome.paragraphs} paragraphs)."
    if outcome.state == State.UNCHANGED:
        return f"Unchanged: {title} ({outcome.paragraphs} paragraphs)."
    if outcome.state == State.GONE:
        since = f" since {outcome.gone_since:%Y-%m-%d}" if outcome.gone_since else ""
        return f"Page gone{since}: {title} keeps its last text."
    if outcome.state == State.NOT_WEB:
        return "Not a web article: it was added from a file, so there is no page to check."
    if outcome.state == State.BUSY:
        return "That article is being checked right now. Try again in a moment."
    reason = shorten(escape(outcome.detail), 300)
    return f"Could not check {title}: {reason}. Its text stays as it was."


async def _turn_to_add(
    bot: ArticleBot, interaction: discord.Interaction, guild_id: int
) -> asyncio.Lock | None:
    """The server's add lock, free, once the add is counted towards its limit; None (the
    member told why) while another add runs there, the bot is busy or the server added
    many lately. Checked before an attachment is read."""
    lock = bot.add_lock(guild_id)
    if lock.locked():
        await _tell(interaction, BUSY)
        return None
    if bot.adds_full():
        await _tell(interaction, BUSY_EVERYWHERE)
        return None
    if (wait := bot.add_limits.hit(guild_id)) is not None:
        await _tell(interaction, f"This server has added many articles lately. {_later(wait)}")
        return None
    return lock


async def _download(file: discord.Attachment, settings: Settings) -> bytes:
    """An attachment's bytes, within the fetch time and the attachment size limit."""
    try:
        async with asyncio.timeout(settings.fetch_timeout):
            data = await file.read()
    except TimeoutError:
        raise LibraryError(f"the file did not arrive within {settings.fetch_timeout:g} s") from None
    if len(data) > settings.attachment_max_bytes:
        raise LibraryError(f"that file is too large: at most {_megabytes(settings)}")
    return data


def _megabytes(settings: Settings) -> str:
    return f"{settings.attachment_max_bytes / (1024 * 1024):g} MB"


def _later(seconds: float) -> str:
    """When to try again, in words."""
    if seconds < 90:
        return f"Try again in {max(1, math.ceil(seconds))} s."
    return f"Try again in {math.ceil(seconds / 60)} minutes."


async def _server(interaction: discord.Interaction) -> int | None:
    if interaction.guild_id is None:
        await _tell(interaction, SERVER_ONLY)
    return interaction.guild_id


async def _manager(interaction: discord.Interaction) -> int | None:
    """The server's id, if the member may change its library; else None, and they are told."""
    guild_id = await _server(interaction)
    if guild_id is not None and not interaction.permissions.manage_guild:
        await _tell(interaction, NEEDS_MANAGE_SERVER)
        return None
    return guild_id


def article_id(value: str) -> int:
    """The library id an autocomplete choice (or a typed number) names."""
    try:
        return int(value.strip().rsplit("[", 1)[-1].rstrip("]"))
    except ValueError:
        raise LibraryError("Choose an article from the list.") from None


async def _tell(interaction: discord.Interaction, text: str) -> None:
    """A short reply only the member sees."""
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
