"""The slash commands and the context menu: each one a function here, registered by
`add_commands`. To add a command, add a function in `add_commands`; its docstring is
the description Discord shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord.format import NO_MENTIONS, answer_reply, article_reply
from embeddings.question import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from bot.discord.client import ArticleBot


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


def add_commands(bot: ArticleBot) -> None:
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
