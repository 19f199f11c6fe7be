"""`python -m tests.bot_process ARGS`: `python -m bot ARGS` with the fake embedder, against
the fake Discord at `FAKE_DISCORD_API` and `FAKE_DISCORD_GATEWAY`: the bot as a process of
its own, for tests of several processes. `BOT_PROCESS_MODEL=real` keeps the real model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import discord
import yarl

import bot.startup
from bot.cli import main
from tests.fakes import FakeEmbedder


def _fake_model(name: str, cache_dir: Path | None = None) -> FakeEmbedder:
    return FakeEmbedder()


if __name__ == "__main__":
    if "FAKE_DISCORD_API" in os.environ:
        discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
        gateway = yarl.URL(os.environ["FAKE_DISCORD_GATEWAY"])
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
    if os.environ.get("BOT_PROCESS_MODEL") != "real":
        bot.startup.load_embedder = _fake_model  # type: ignore[attr-defined,assignment]
    sys.exit(main(sys.argv[1:]))
