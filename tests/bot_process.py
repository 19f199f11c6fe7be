"""`python -m tests.bot_process ARGS`: `python -m bot ARGS` with the fake embedder, against
the fake Discord at `FAKE_DISCORD_API` and `FAKE_DISCORD_GATEWAY`: the bot as a process of
its own, for tests of several processes. `BOT_PROCESS_MODEL=real` keeps the real model;
`BOT_PROCESS_MODEL_ID` names the fake one; `BOT_PROCESS_DOCUMENTS=refuse` makes encoding a
document (an article's text) fail the process."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import discord
import yarl

import bot.startup
from bot.cli import main
from tests.fakes import FakeEmbedder


class DocumentsRefused(AssertionError):
    """The model was asked to encode documents where it must not be."""


def _fake_model(name: str, cache_dir: Path | None = None) -> FakeEmbedder:
    return FakeEmbedder(os.environ.get("BOT_PROCESS_MODEL_ID", "fake-model"))


def _refusing(load: Any) -> Any:
    """`load`, whose model refuses to encode documents."""

    def refusing_load(name: str, cache_dir: Path | None = None) -> Any:
        model = load(name, cache_dir)

        def refuse(texts: Any, show_progress: bool = False) -> Any:
            raise DocumentsRefused(f"asked to encode {len(texts)} documents")

        model.encode_documents = refuse
        return model

    return refusing_load


if __name__ == "__main__":
    if "FAKE_DISCORD_API" in os.environ:
        discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
        gateway = yarl.URL(os.environ["FAKE_DISCORD_GATEWAY"])
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
    if os.environ.get("BOT_PROCESS_MODEL") != "real":
        bot.startup.load_embedder = _fake_model  # type: ignore[attr-defined,assignment]
    if os.environ.get("BOT_PROCESS_DOCUMENTS") == "refuse":
        bot.startup.load_embedder = _refusing(bot.startup.load_embedder)  # type: ignore[attr-defined]
    sys.exit(main(sys.argv[1:]))
