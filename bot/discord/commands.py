"""The slash commands and the context menu: each one a function here, registered by
`add_commands`. To add a command, add a function in `add_commands`; its docstring is
the description Discord shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord.format import NO_MENTIONS, answer_reply, article_reply, articles_reply
from bot.discord.library_commands import article_choices, article_id
from bot.library.store import LibraryError
from bot.wording import catalog
from embeddings.question import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from bot.discord.client import ArticleBot


def channels_of(channel: object) -> list[int]:
    """A channel's id, then its parent's for a thread: where a pin is looked up."""
    ids = [int(getattr(channel, "id", 0) or 0)]
    parent = getattr(channel, "parent_id", None)
    return [*ids, int(parent)] if parent else ids


async def respond_to_question(
    bot: ArticleBot,
    interaction: discord.Interaction,
    question: str,
    count: int | None = None,
    private: bool = False,
    show_scores: bool = False,
    article_id: int | None = None,
) -> None:
    """Shared by `/ask` and the context menu: check, defer at once, answer, edit the reply.
    The bot's own words are in the asker's language (`interaction.locale`)."""
    words = catalog(interaction.locale)
    refusal = bot.refusal(interaction.user.id, question, words)
    if refusal is not None:
        await interaction.response.send_message(refusal, ephemeral=True)
        return
    await interaction.response.defer(ephemeral=private, thinking=True)
    where = interaction.guild_id
    try:
        answer = await bot.answer(
            question, count, where, channels_of(interaction.channel), article_id
        )
    except LibraryError as exc:
        await interaction.edit_original_response(content=str(exc))
        return
    reply = await bot.feedback.voted(
        answer_reply(answer, show_scores, words), answer, where, interaction.channel_id
    )
    await interaction.edit_original_response(
        embed=reply.embed, view=reply.view(), allowed_mentions=NO_MENTIONS
    )


def add_commands(bot: ArticleBot) -> None:
    """Register `/ask`, `/article`, `/help` and the "Ask the article" context menu."""

    @bot.tree.command(name="ask")
    @app_commands.describe(
        question="What do you want to know about the article?",
        count="How many passages to quote (1-5)",
        private="Only you see the answer",
        show_scores="Show each passage's relevance score",
        article="Ask one article of the library only",
    )
    @app_commands.autocomplete(article=article_choices(bot))
    async def ask(
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        count: app_commands.Range[int, 1, 5] | None = None,
        private: bool = False,
        show_scores: bool = False,
        article: str | None = None,
    ) -> None:
        """Ask a question; I answer with quotes from the article."""
        chosen = article_id(article) if article else None
        await respond_to_question(bot, interaction, question, count, private, show_scores, chosen)

    @bot.tree.command(name="article")
    async def article(interaction: discord.Interaction) -> None:
        """Show which articles I answer from here: title, date, link and opening."""
        await interaction.response.defer()
        try:
            articles = await bot.articles_in_scope(
                interaction.guild_id, channels_of(interaction.channel)
            )
        except LibraryError as exc:
            await interaction.edit_original_response(content=str(exc))
            return
        words = catalog(interaction.locale)
        if len(articles) == 1:
            reply = article_reply(articles[0], words)
        else:
            reply = articles_reply(articles, words)
        await interaction.edit_original_response(
            embed=reply.embed, view=reply.view(), allowed_mentions=NO_MENTIONS
        )

    @bot.tree.command(name="help")
    async def help_command(interaction: discord.Interaction) -> None:
        """How to ask me about the article."""
        await interaction.response.send_message(
            bot.help_text(catalog(interaction.locale)), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @bot.tree.context_menu(name="Ask the article")
    async def ask_message(interaction: discord.Interaction, message: discord.Message) -> None:
        await respond_to_question(bot, interaction, message.content)
