"""Entry points for `python -m bot run` and `python -m bot sync`."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.discord.client import ArticleBot
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)


def _token(settings: Settings) -> str:
    secret = settings.discord_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if not token:
        raise SettingsError(
            "DISCORD_TOKEN is not set: put it in .env (see .env.example) or the environment"
        )
    return token


def _rejected() -> SettingsError:
    return SettingsError("Discord rejected DISCORD_TOKEN: check the token in .env (see README)")


def quiet_voice_warnings() -> None:
    """The bot never joins voice: skip discord.py's warnings about voice libraries."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


def run_bot(settings: Settings) -> int:
    """Run the bot until interrupted; exit code 2 for a missing or rejected token."""
    token = _token(settings)
    quiet_voice_warnings()

    async def main() -> None:
        async with ArticleBot(settings) as bot:
            try:
                await bot.start(token)
            except discord.LoginFailure:
                raise _rejected() from None
            except discord.PrivilegedIntentsRequired:
                raise SettingsError("Discord refused the bot's intents") from None

    asyncio.run(main())
    return 0


def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Register the slash commands globally or in one server, then exit."""
    token = _token(settings)
    quiet_voice_warnings()

    async def main() -> int:
        async with ArticleBot(settings, load_article=False) as bot:
            try:
                await bot.login(token)
            except discord.LoginFailure:
                raise _rejected() from None
            guild = discord.Object(guild_id) if guild_id else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        names = ", ".join(sorted(c.name for c in synced))
        where = (
            f"in server {guild_id} (available now)"
            if guild_id
            else ("globally (may take up to an hour to appear everywhere)")
        )
        print(f"Registered {len(synced)} commands {where}: {names}")
        return 0

    return asyncio.run(main())
