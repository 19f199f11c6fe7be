"""Faults and load through the fake Discord: the bot logs, tells users, and keeps serving."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.settings import Settings
from embeddings.article import Article
from embeddings.models.protocol import Embedder
from embeddings.types import Vectors
from tests import stats
from tests.discord_harness import start_bot
from tests.fake_discord import FakeDiscord, Interaction
from tests.fakes import FakeEmbedder

QUESTION = "When will the president decide to respond to the letter, says Peskov?"
CALLBACK = "POST /api/v10/interactions/{id}/{token}/callback"
EDIT = "PATCH /api/v10/webhooks/{app}/{token}/messages/@original"


class SlowEmbedder(FakeEmbedder):
    """Takes `delay` seconds per question, like a busy model."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        time.sleep(self.delay)
        return super().encode_queries(texts)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        return super().encode_documents(texts, show_progress)


def _all_edited(interactions: Sequence[Interaction]) -> bool:
    return all(i.edits for i in interactions)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class LagMonitor:
    """Measures how late the event loop wakes up from 10 ms sleeps."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - started - 0.01)

    def __enter__(self) -> LagMonitor:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_gateway_dropped_while_answering_still_delivers_and_resumes(
    fake: FakeDiscord, settings: Settings, article: Article
) -> None:
    bot, task = await start_bot(settings, article, SlowEmbedder(0.4))
    try:
        interaction = await fake.slash("ask", {"question": QUESTION})
        await fake.wait_for(lambda: interaction.callbacks)
        await fake.drop_connections()
        await fake.wait_for(lambda: interaction.edits)
        await fake.wait_for(lambda: fake.resumes >= 1 and fake._sockets, timeout=15)
        after = await fake.slash("ask", {"question": QUESTION})
        await fake.wait_for(lambda: after.edits)
    finally:
        await bot.close()
        task.cancel()


async def test_a_5xx_on_the_callback_is_retried_within_the_deadline(
    fake: FakeDiscord, bot: object
) -> None:
    fake.failures[CALLBACK] = [500]
    interaction = await fake.slash("ask", {"question": QUESTION})
    await fake.wait_for(lambda: interaction.edits)
    # The fake refuses a callback after its deadline, as Discord does: the retry is in time.
    assert [c["type"] for c in interaction.callbacks] == [5]
    assert len(fake.requests_to(f"/interactions/{interaction.id}/")) == 2


async def test_a_failing_callback_is_logged_and_the_bot_keeps_serving(
    fake: FakeDiscord, bot: object, caplog: pytest.LogCaptureFixture
) -> None:
    fake.failures[CALLBACK] = [503] * 12
    with caplog.at_level(logging.ERROR):
        failed = await fake.slash("ask", {"question": QUESTION})
        await fake.wait_for(lambda: "command /ask failed" in caplog.text, timeout=40)
    assert not failed.callbacks and "Traceback" in caplog.text
    fake.failures[CALLBACK] = []
    again = await fake.slash("ask", {"question": QUESTION})
    await fake.wait_for(lambda: again.edits)


async def test_a_429_storm_on_replies_is_ridden_out(fake: FakeDiscord, bot: object) -> None:
    fake.failures[EDIT] = [429] * 30
    interactions = [
        await fake.slash("ask", {"question": QUESTION}, user_id=2000 + i) for i in range(10)
    ]
    await fake.wait_for(lambda: all(i.edits for i in interactions), timeout=30)
    assert fake.failures[EDIT] == []


@pytest.mark.model
async def test_load_200_questions_in_a_second_from_50_users(
    fake: FakeDiscord,
    settings: Settings,
    article: Article,
    real_embedder: Embedder,
) -> None:
    bot, task = await start_bot(settings, article, real_embedder)
    try:
        with LagMonitor() as lag:
            started = time.perf_counter()
            sent = []
            for i in range(200):
                sent.append(
                    await fake.slash(
                        "ask", {"question": f"{QUESTION} ({i})"}, user_id=5000 + i % 50
                    )
                )
                await asyncio.sleep(max(0.0, started + (i + 1) / 200 - time.perf_counter()))
            spread = time.perf_counter() - started
            await fake.wait_for(
                lambda: all(i.edits or (i.callbacks and i.callbacks[0]["type"] == 4) for i in sent),
                timeout=60,
            )
            done = time.perf_counter() - started
        acknowledged = [i.callback_times[0] for i in sent]
        answered = sum(bool(i.edits) for i in sent)
        told = sum(
            "try again" in (i.callbacks[0].get("data") or {}).get("content", "")
            for i in sent
            if not i.edits
        )
        stats.figures["load: 200 questions from 50 users"] = (
            f"sent in {spread:.2f} s, all done in {done:.2f} s, slowest acknowledgement "
            f"{max(acknowledged) * 1000:.0f} ms, event-loop lag {lag.worst * 1000:.0f} ms, "
            f"{answered} answered, {told} told about the cooldown"
        )
        # Every interaction was acknowledged before the fake's deadline (it refuses late
        # callbacks, as Discord does) and answered; the times above are reported, not judged.
        assert answered == 200
    finally:
        await bot.close()
        task.cancel()


@pytest.mark.model
async def test_memory_is_stable_over_2000_questions(
    fake: FakeDiscord,
    settings: Settings,
    article: Article,
    real_embedder: Embedder,
) -> None:
    settings = settings.model_copy(update={"cooldown_questions": 10**6})
    bot, task = await start_bot(settings, article, real_embedder)

    async def ask(count: int, offset: int) -> None:
        for start in range(0, count, 50):
            batch = [
                await fake.slash(
                    "ask", {"question": f"{QUESTION} {offset + start + j}"}, user_id=9000 + j
                )
                for j in range(50)
            ]
            await fake.wait_for(functools.partial(_all_edited, batch), timeout=60)
        fake.interactions.clear()
        fake.requests.clear()

    try:
        await ask(200, 0)  # warm-up: caches, pools and allocator settle
        gc.collect()
        before = _rss_mb()
        await ask(2000, 200)
        gc.collect()
        after = _rss_mb()
        stats.figures["memory over 2000 questions"] = (
            f"{before:.0f} MB -> {after:.0f} MB ({(after / before - 1) * 100:+.1f}%)"
        )
        assert after <= before * 1.10
    finally:
        await bot.close()
        task.cancel()


@pytest.mark.model
async def test_python_m_bot_run_answers_slash_dm_and_mention(
    fake: FakeDiscord, tmp_path: Path, seeded_cache: Path
) -> None:
    """The real entry point in its own process, pointed at the fake as an outside tester would."""
    import os
    import signal
    import sys

    from tests.fake_discord import BOT_ID, TOKEN

    code = (
        # Ctrl-C as in a terminal, even when the tests run as a background job (which
        # starts with SIGINT ignored, and a child inherits that).
        "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "import discord, yarl\n"
        f"discord.http.Route.BASE = {fake.api_base!r}\n"
        f"discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL({fake.gateway_url!r})\n"
        "from bot.cli import main\n"
        "raise SystemExit(main(['run']))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ARTICLE", "DEV_GUILD_ID")}
    env.update(DISCORD_TOKEN=TOKEN, CACHE_DIR=str(seeded_cache), HF_HUB_OFFLINE="1")
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=log_file,
        )
        try:
            await fake.wait_for(lambda: fake.identifies, timeout=120)
            await asyncio.sleep(0.2)
            interaction = await fake.slash("ask", {"question": QUESTION})
            await fake.wait_for(lambda: interaction.edits, timeout=30)
            assert "Peskov" in interaction.edits[0]["embeds"][0]["description"]
            await fake.user_message("Who is Ned Price?", dm=True)
            await fake.user_message(
                f"<@{BOT_ID}> What did the embassy say about sanctions?", dm=False, mention_bot=True
            )
            await fake.wait_for(lambda: len(fake.messages) >= 2, timeout=30)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                log = log_path.read_text()[-3000:]
                raise AssertionError(f"no exit on SIGINT; log:\n{log}") from None
    log = log_path.read_text()
    assert "article ready: 'Russia Says Still Working" in log and "11 paragraphs" in log
    assert TOKEN not in log
    assert "Traceback" not in log
