"""The bot as processes of its own against the fake Discord and PostgreSQL: two shards
sharing one library, the command line from a third process, a database away at start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests import stats
from tests.databases import new_database
from tests.fake_discord import GUILD_ID, TOKEN, FakeDiscord
from tests.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[1]
SEALS_PAGE = (Path(__file__).parent / "data" / "news_page.html").read_bytes()
ON_SHARD_1 = GUILD_ID + (1 << 22)  # Discord routes a server to shard (id >> 22) % count
QUESTION = "How many seals did the volunteers count?"
BAKERY_QUESTION = "When do the bakery ovens run?"


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[str]:
    with new_database("postgresql", tmp_path) as url:
        yield url


class Processes:
    """Bot processes started by a test, each logging to a file; all stopped at the end."""

    def __init__(self, directory: Path, fake: FakeDiscord, database: str) -> None:
        self.directory = directory
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_URL": database,
            "CACHE_DIR": str(directory / "cache"),  # shared by all of them
            "XDG_DATA_HOME": str(directory / "data"),
            "FAKE_DISCORD_API": fake.api_base,
            "FAKE_DISCORD_GATEWAY": fake.gateway_url,
            "ALLOW_PRIVATE_URLS": "true",  # the fake serves its pages on 127.0.0.1
        }
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.bot_process", *args],
            cwd=self.directory,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.running.append(process)
        return process

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tests.bot_process", *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def processes(tmp_path: Path, fake: FakeDiscord, postgres: str) -> Iterator[Processes]:
    started = Processes(tmp_path, fake, postgres)
    yield started
    started.stop()


def shards_connected(fake: FakeDiscord) -> list[list[int]]:
    return sorted(p["shard"] for p in fake.identify_payloads if p.get("shard"))


async def direct_answer(fake: FakeDiscord, question: str) -> str:
    """The bot's reply to a direct message."""
    before = len(fake.messages)
    await fake.user_message(question, dm=True)
    await fake.wait_for(lambda: len(fake.messages) > before, timeout=30)
    return json.dumps(fake.messages[before]["request"])


def answer_text(interaction: Any) -> str:
    return json.dumps(interaction.edits or interaction.callbacks)


async def test_two_shard_processes_share_one_library(
    fake: FakeDiscord, processes: Processes
) -> None:
    for shard in ("0", "1"):
        processes.start(f"shard{shard}", "run", SHARD_COUNT="2", SHARD_IDS=shard)
    await fake.wait_for(lambda: shards_connected(fake) == [[0, 2], [1, 2]], timeout=90)

    # An article added through a server on shard 0 is answered there ...
    fake.pages["seals"] = SEALS_PAGE
    added = await fake.subcommand("library", "add", {"url": fake.page_url("seals")})
    await fake.wait_for(lambda: added.edits, timeout=30)
    assert "Added to the library: **Harbour Seals" in answer_text(added)
    here = await fake.slash("ask", {"question": QUESTION})
    await fake.wait_for(lambda: here.edits, timeout=30)
    assert "797 seals" in answer_text(here)
    # ... and a server on shard 1 never sees it.
    there = await fake.slash("ask", {"question": QUESTION}, guild_id=ON_SHARD_1)
    await fake.wait_for(lambda: there.edits, timeout=30)
    assert "797" not in answer_text(there)

    # The command line, a third process, adds to the bot-wide library: direct messages
    # (which Discord sends to shard 0) are answered from it without a restart.
    bakery = processes.directory / "bakery.md"
    bakery.write_text(
        "# Bakery opens\n\nA new bakery opened on the high street, selling sourdough.\n\n"
        "The baker said the ovens run from four in the morning.\n",
        encoding="utf-8",
    )
    assert "four in the morning" not in await direct_answer(fake, BAKERY_QUESTION)
    processes.run("library", "add", str(bakery))
    added_at = time.monotonic()
    while "four in the morning" not in await direct_answer(fake, BAKERY_QUESTION):
        assert time.monotonic() - added_at < 30, "the new article was never answered from"
    stats.figures["a library change from the command line, answered in a DM after"] = (
        f"{time.monotonic() - added_at:.2f} s"
    )
    assert "Traceback" not in processes.log("shard0") + processes.log("shard1")


async def test_a_bot_whose_database_is_away_waits_for_it_then_starts(
    fake: FakeDiscord, processes: Processes, postgres: str
) -> None:
    server = make_url(postgres)
    proxy = TcpProxy((server.host or "127.0.0.1", server.port or 5432))  # not up yet
    through = server.set(port=proxy.port).render_as_string(hide_password=False)
    processes.start("bot", "run", DATABASE_URL=through)
    try:
        await fake.wait_for(lambda: "trying again in" in processes.log("bot"), timeout=90)
        assert fake.identifies == 0  # not connected to Discord without its library
        proxy.up()
        await fake.wait_for(lambda: fake.identifies, timeout=60)
        asked = await fake.slash("ask", {"question": "Who is Ned Price?"})
        await fake.wait_for(lambda: asked.edits, timeout=30)
        assert "Price" in answer_text(asked)
    finally:
        proxy.down()
    log = processes.log("bot")
    assert "cannot open postgresql://articlebot:***@" in log
    assert "Traceback" not in log
    assert server.password and server.password not in log
