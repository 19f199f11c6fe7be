"""`python -m tests.bench_adds`: how long questions in one server take while another server
adds articles, against idle. The bot runs as a process of its own with the real model,
against the fake Discord, on SQLite. Server B asks a question every `--every` seconds;
in the first phase nothing else happens, in the second server A adds `--adds` pages of 40
paragraphs one after another. Prints each phase's answer times (p50, p95, max): from the
question's arrival to the bot's answer.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

import discord
import yarl

from bot.library.store import sqlite_url
from embeddings.article import Article
from embeddings.sources import bundled_article_path, load_article
from tests.bench_processes import questions
from tests.fake_discord import GUILD_ID, FakeDiscord, Interaction
from tests.test_discord_library import forty_paragraph_page
from tests.test_processes import Processes

SERVER_A, SERVER_B = GUILD_ID, GUILD_ID + 1


def page(article: Article, n: int) -> bytes:
    """A different 40-paragraph page for each `n` (its index is built anew)."""
    return forty_paragraph_page(article).replace(b"(", f"(page {n}, ".encode())


async def ask_while(fake: FakeDiscord, busy: asyncio.Task[None], every: float) -> list[float]:
    """Ask in server B every `every` seconds until `busy` ends; the answer times, in s."""
    asked, texts, user = [], questions(), 20_000
    while not busy.done():
        user += 1
        question = texts[user % len(texts)]
        asked.append(
            await fake.slash("ask", {"question": question}, user_id=user, guild_id=SERVER_B)
        )
        await asyncio.sleep(every)
    await fake.wait_for(lambda: all(i.edits for i in asked), timeout=120)
    return [i.edit_times[0] for i in asked]


async def adds(fake: FakeDiscord, article: Article, count: int, first: int) -> None:
    """Server A adds `count` new pages, one after another."""
    for n in range(first, first + count):
        fake.pages[f"p{n}"] = page(article, n)
        added: Interaction = await fake.subcommand(
            "library", "add", {"url": fake.page_url(f"p{n}")}, guild_id=SERVER_A
        )
        await fake.wait_for(lambda a=added: a.edits, timeout=120)  # type: ignore[misc]
        assert "Added to the library" in str(added.edits), added.edits


def line(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"| {name} | {len(ms)} | {statistics.median(ms):.0f} ms | {p95:.0f} ms | {ms[-1]:.0f} ms |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adds", type=int, default=5, help="pages server A adds")
    parser.add_argument("--every", type=float, default=0.1, help="seconds between questions")
    parser.add_argument("--cache-dir", default=str(Path.home() / ".cache" / "article-bot"))
    args = parser.parse_args()
    article = load_article(bundled_article_path())
    fake = FakeDiscord(deadline=30.0)
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    with tempfile.TemporaryDirectory() as directory:
        processes = Processes(Path(directory), fake, sqlite_url(Path(directory) / "l.db"))
        processes.env.update(
            BOT_PROCESS_MODEL="real",
            CACHE_DIR=args.cache_dir,
            COOLDOWN_QUESTIONS="100000",
            ADD_LIMIT="1000",
        )
        processes.start("bot", "run")
        try:
            await fake.wait_for(lambda: fake.identifies, timeout=300)
            await adds(fake, article, 1, 0)  # warm up: the add path and the answering thread
            idle = asyncio.create_task(asyncio.sleep(args.adds * 3.0))
            quiet = await ask_while(fake, idle, args.every)
            adding = asyncio.create_task(adds(fake, article, args.adds, 1))
            busy = await ask_while(fake, adding, args.every)
            await adding
        finally:
            processes.stop()
            await fake.stop()
    print("| server B's questions | answered | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    print(line("idle", quiet))
    print(line(f"while server A adds {args.adds} pages of 40 paragraphs", busy))
    p95 = [sorted(s)[round(0.95 * (len(s) - 1))] for s in (quiet, busy)]
    print(f"p95 while adding / idle: {p95[1] / p95[0]:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
