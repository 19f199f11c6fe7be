"""Fixtures that run the real bot against the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import yarl

from bot.discord.client import ArticleBot
from bot.library.store import Library
from bot.settings import Settings
from embeddings.article import Article
from embeddings.index import build_index
from embeddings.models.protocol import Embedder
from embeddings.retriever import Retriever
from tests.fake_discord import GUILD_ID, TOKEN, FakeDiscord
from tests.fakes import FakeEmbedder

__all__ = ["bot", "fake", "make_retriever", "start_bot", "synced_commands"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(deadline=3.0)
    await server.start()
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    yield server
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
    await server.stop()


def make_retriever(article: Article, embedder: Embedder | None = None) -> Retriever:
    embedder = embedder or FakeEmbedder()
    return Retriever(build_index(article, embedder), embedder)


async def start_bot(
    settings: Settings,
    article: Article,
    embedder: Embedder | None = None,
    library: Library | None = None,
) -> tuple[ArticleBot, asyncio.Task[None]]:
    """Log in and connect a new bot to the fake; wait until it is ready."""
    retriever = make_retriever(article, embedder)
    bot = ArticleBot(settings, retriever, library=library, guild_ready_timeout=0.05)
    await bot.login(TOKEN)
    task = asyncio.create_task(bot.connect())
    await asyncio.wait_for(bot.wait_until_ready(), 10)
    return bot, task


@pytest.fixture
async def bot(fake: FakeDiscord, settings: Settings, article: Article) -> AsyncIterator[ArticleBot]:
    client, task = await start_bot(settings, article)
    yield client
    await client.close()
    task.cancel()


async def synced_commands(
    fake: FakeDiscord, settings: Settings, article: Article
) -> dict[str, dict[str, Any]]:
    """The commands a bot registers at start in its dev server, by name, as the fake
    received them."""
    settings = settings.model_copy(update={"dev_guild_id": GUILD_ID})
    bot = ArticleBot(settings, make_retriever(article), guild_ready_timeout=0.05)
    await bot.login(TOKEN)
    await bot.close()
    return {c["name"]: c for c in fake.commands[str(GUILD_ID)]}
