"""`python -m tests.bench_processes`: the bot as processes against the fake Discord, with
the real model. Reports questions per second through one process on SQLite and through
two shard processes on PostgreSQL, and how long a library change made by another process
takes to be answered from (p50 and max). PostgreSQL comes from `TEST_DATABASE_URL`: run it
as `scripts/with-postgres.sh .venv/bin/python -m tests.bench_processes`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.library.store import Library, sqlite_url
from embeddings.sources import bundled_article_path, load_article
from tests.databases import new_database
from tests.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.test_processes import Processes, shards_connected

SHARD_1 = GUILD_ID + (1 << 22)  # Discord sends this server's events to shard 1 of 2
SEALS = Path(__file__).parent / "data" / "news_page.html"
QUESTIONS = Path(__file__).parent / "data" / "bundled_questions.jsonl"
QUESTION_SEALS = "How many seals did the volunteers count?"


def questions() -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


async def throughput(fake: FakeDiscord, guilds: list[int], count: int) -> float:
    """Questions per second: `count` questions sent at once, spread over the servers."""
    asked = questions()
    start = time.perf_counter()
    interactions = [
        await fake.slash(
            "ask", {"question": asked[i % len(asked)]}, user_id=10_000 + i, guild_id=guilds[i % 2]
        )
        for i in range(count)
    ]
    await fake.wait_for(lambda: all(i.edits for i in interactions), timeout=600)
    return count / (time.perf_counter() - start)


async def propagation(fake: FakeDiscord, library: Library, guild: int, changes: int) -> list[float]:
    """Seconds from a pin made by this process to the bot answering from it, per change:
    the channel is pinned to each of the server's two articles in turn, and asked, again
    and again, what only the pinned one answers."""
    bundled, seals = (s.id for s in library.articles(guild))
    targets = [
        (bundled, "Who is Ned Price?", "State Department spokesman"),
        (seals, QUESTION_SEALS, "797"),
    ]
    delays, user = [], 50_000
    for n in range(changes):
        article_id, question, expected = targets[n % 2]
        library.pin(guild, CHANNEL_ID, article_id)
        changed = time.perf_counter()
        while True:
            user += 1
            asked = await fake.slash("ask", {"question": question}, user_id=user, guild_id=guild)
            await fake.wait_for(lambda: asked.edits, timeout=60)  # noqa: B023
            if expected in json.dumps(asked.edits[0]):
                break
        delays.append(time.perf_counter() - changed)
    return delays


async def configuration(name: str, database: str, shards: int, args: argparse.Namespace) -> None:
    fake = FakeDiscord(deadline=30.0)
    await fake.start()
    import discord
    import yarl

    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    with tempfile.TemporaryDirectory() as directory:
        library = Library.open(database)
        for guild in (GUILD_ID, SHARD_1):
            library.add(load_article(bundled_article_path()), guild)
            library.add(load_article(SEALS), guild)
        processes = Processes(Path(directory), fake, database)
        processes.env["BOT_PROCESS_MODEL"] = "real"
        processes.env["CACHE_DIR"] = args.cache_dir
        processes.env["COOLDOWN_QUESTIONS"] = "1000"
        for shard in range(shards):
            processes.start(f"shard{shard}", "run", SHARD_COUNT=str(shards), SHARD_IDS=str(shard))
        try:
            await fake.wait_for(lambda: len(shards_connected(fake)) == shards, timeout=300)
            await throughput(fake, [GUILD_ID, SHARD_1], 20)  # warm up
            rate = await throughput(fake, [GUILD_ID, SHARD_1], args.questions)
            delays = await propagation(fake, library, SHARD_1, args.changes)
        finally:
            processes.stop()
            library.close()
            await fake.stop()
    print(
        f"| {name} | {rate:.1f} | {statistics.median(delays) * 1000:.0f} ms "
        f"| {max(delays) * 1000:.0f} ms |",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--cache-dir", default=str(Path.home() / ".cache" / "article-bot"))
    args = parser.parse_args()
    print("| processes, database | questions per second | change answered from: p50 | max |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        await configuration("1, SQLite", sqlite_url(Path(directory) / "library.db"), 1, args)
    with new_database("postgresql", Path(tempfile.gettempdir())) as url:
        await configuration("2 shards, PostgreSQL", url, 2, args)


if __name__ == "__main__":
    asyncio.run(main())
