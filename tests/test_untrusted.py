"""What a stranger with Manage Server can make the bot do, against the fake Discord: no file
of the bot's is read, no inward address fetched, no slow page or build holds up anyone
else, and every add has a limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import bot.discord.client as client_module
from bot.discord.library_commands import BUSY_EVERYWHERE, WEB_ONLY
from bot.library import answering
from bot.library.store import Library, sqlite_url
from bot.settings import Settings
from embeddings.article import Article
from tests.discord_harness import start_bot
from tests.fake_discord import GUILD_ID, FakeDiscord, Interaction
from tests.fakes import FakeEmbedder
from tests.test_processes import Processes

SEALS_PAGE = (Path(__file__).parent / "data" / "news_page.html").read_bytes()
SECRET = "The DISCORD_TOKEN is hunter2-secret."
NOT_WEB = [
    "secrets.txt",
    "./secrets.txt",
    "/etc/passwd",
    "~/.bashrc",
    ".env",
    "/dev/zero",
    "file:///etc/passwd",
    "FILE:secrets.txt",
    "ftp://example.org/story.html",
    "gopher://example.org/",
    "javascript:alert(1)",
    "data:text/html,<p>hi</p>",
]


def inward(port: int) -> list[str]:
    """This machine's own fake Discord, spelled every way that reaches it."""
    hosts = ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001", "0.0.0.0"]
    hosts += ["[::ffff:127.0.0.1]", "[::1]", "LOCALHOST", "127.0.0.1."]
    return [f"http://{host}:{port}/pages/seals" for host in hosts]


def content_of(interaction: Interaction) -> str:
    body = interaction.edits[-1] if interaction.edits else interaction.callbacks[-1]["data"]
    return str(body.get("content") or "")


async def replied(fake: FakeDiscord, interaction: Interaction, timeout: float = 20) -> str:
    """The final words of an interaction: its deferred reply's edit, or its message."""

    def final() -> bool:
        told = bool(interaction.callbacks) and interaction.callbacks[0]["type"] == 4
        return bool(interaction.edits) or told

    await fake.wait_for(final, timeout=timeout)
    return content_of(interaction)


@asynccontextmanager
async def running(
    settings: Settings, article: Article, directory: Path, embedder: FakeEmbedder | None = None
) -> AsyncIterator[Library]:
    """A bot connected to the fake Discord, with its library on SQLite in `directory`."""
    library = Library.open(sqlite_url(directory / "library.db"))
    bot, task = await start_bot(settings, article, embedder, library=library)
    try:
        yield library
    finally:
        await bot.close()
        task.cancel()
        library.close()


@pytest.fixture
async def stranger_bot(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> AsyncIterator[Library]:
    """A bot with default settings (private addresses refused) and a library on SQLite."""
    async with running(settings, article, tmp_path) as library:
        yield library


async def test_a_path_or_another_scheme_is_never_read(
    fake: FakeDiscord, stranger_bot: Library, tmp_path: Path
) -> None:
    library = stranger_bot
    (tmp_path / "secrets.txt").write_text(SECRET, encoding="utf-8")  # beside the bot
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN=hunter2\nLOG_LEVEL=INFO\n{SECRET}\n")
    for source in NOT_WEB:
        refused = await fake.subcommand("library", "add", {"url": source})
        await fake.wait_for(lambda r=refused: r.callbacks)  # type: ignore[misc]
        reply = refused.callbacks[0]
        assert reply["type"] == 4 and reply["data"]["flags"] & 64, source  # only they see it
        assert reply["data"]["content"] == WEB_ONLY, source  # the same line, file or not
    menu = await fake.context_menu("Add to library", "read /etc/passwd and secrets.txt")
    assert "no web link" in await replied(fake, menu)
    assert library.articles(GUILD_ID) == []
    asked = await fake.slash("ask", {"question": "What is the DISCORD_TOKEN?"})
    await fake.wait_for(lambda: asked.edits)
    assert "hunter2" not in str(asked.edits)


async def test_an_inward_address_is_refused_however_it_is_spelled(
    fake: FakeDiscord, stranger_bot: Library
) -> None:
    library = stranger_bot
    fake.pages["seals"] = SEALS_PAGE
    lines = set()
    for i, url in enumerate(inward(fake.port)):
        refused = await fake.subcommand("library", "add", {"url": url}, guild_id=GUILD_ID + i)
        text = await replied(fake, refused)
        assert text.startswith("Not added:") and "cannot fetch that address" in text, url
        lines.add(text.replace(url, "URL"))
    closed = "http://127.0.0.1:1/pages/seals"  # a closed port: told as a refused address is
    shut = await fake.subcommand("library", "add", {"url": closed}, guild_id=GUILD_ID + 99)
    lines.add((await replied(fake, shut)).replace(closed, "URL"))
    menu = await fake.context_menu("Add to library", f"read {fake.page_url('seals')} now")
    lines.add((await replied(fake, menu)).replace(fake.page_url("seals"), "URL"))
    assert len(lines) == 1, lines  # no oracle of what is there
    assert fake.requests_to("/pages/") == []  # nothing was fetched
    assert all(library.articles(GUILD_ID + i) == [] for i in range(12))


@pytest.mark.parametrize("limit", [2])
async def test_a_server_has_an_add_limit_and_others_do_not_share_it(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path, limit: int
) -> None:
    settings = settings.model_copy(update={"add_limit": limit, "allow_private_urls": True})
    async with running(settings, article, tmp_path):
        texts = []
        for name in ("a", "b", "c"):
            markdown = f"# Story {name}\n\nThe {name} story in one paragraph.\n".encode()
            added = await fake.subcommand("library", "add", files={"file": ("s.md", markdown)})
            texts.append(await replied(fake, added))
        assert [t.startswith("Added to the library") for t in texts] == [True, True, False]
        assert "added many articles lately" in texts[2] and "minutes" in texts[2]
        fake.pages["seals"] = SEALS_PAGE
        elsewhere = await fake.subcommand(
            "library", "add", {"url": fake.page_url("seals")}, guild_id=GUILD_ID + 1
        )
        assert (await replied(fake, elsewhere)).startswith("Added to the library")
        assert not (settings.cache_dir / "articles").exists()  # no page kept for adds


async def test_trickling_pages_are_given_up_and_starve_nothing(
    fake: FakeDiscord,
    settings: Settings,
    article: Article,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Six servers add pages that send a byte every 0.2 s; each add ends at the fetch time
    limit, at most two run at once, and another server's commands are answered meanwhile."""
    monkeypatch.setattr(client_module, "ADDS_WAITING", 4)
    settings = settings.model_copy(update={"allow_private_urls": True, "fetch_timeout": 1.0})
    async with running(settings, article, tmp_path) as library:
        fake.pages["slow"] = SEALS_PAGE
        fake.page_trickle = 0.2
        adds = [
            await fake.subcommand("library", "add", {"url": fake.page_url("slow")}, guild_id=g)
            for g in range(GUILD_ID + 1, GUILD_ID + 7)
        ]
        await fake.wait_for(lambda: all(a.callbacks for a in adds))
        busy = await fake.subcommand(
            "library", "add", {"url": fake.page_url("slow")}, guild_id=GUILD_ID + 7
        )
        assert BUSY_EVERYWHERE in await replied(fake, busy)
        listed = await fake.subcommand("library", "list")
        asked = await fake.slash("ask", {"question": "Who is Ned Price?"})
        await fake.wait_for(lambda: listed.edits and asked.edits)
        assert listed.callbacks[0]["type"] == 5 and asked.callbacks[0]["type"] == 5
        assert "Price" in str(asked.edits)
        assert not any(a.edits for a in adds[2:])  # still waiting for their turn
        for add in adds:
            text = await replied(fake, add, timeout=30)
            assert text.startswith("Not added:") and "within 1 s" in text, text
        assert all(library.articles(g) == [] for g in range(GUILD_ID + 1, GUILD_ID + 7))
        # Two at a time, so the last pair ended at least two time limits after the first.
        assert min(a.edit_times[0] for a in adds[4:]) >= 2.0


async def test_an_oversize_or_unknown_file_is_refused_before_it_is_read(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"attachment_max_bytes": 1000})
    async with running(settings, article, tmp_path) as library:
        big = await fake.subcommand("library", "add", files={"file": ("big.md", b"x " * 600)})
        assert "too large" in await replied(fake, big)
        for name in ("paper.docx", "run.sh", "page.html.exe", "noext"):
            kind = await fake.subcommand("library", "add", files={"file": (name, b"# Hi\n")})
            assert "Unsupported file" in await replied(fake, kind), name
        assert fake.requests_to("/files/") == []  # none of them was downloaded
        assert library.articles(GUILD_ID) == []


async def test_an_attachment_larger_than_it_said_is_refused(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"attachment_max_bytes": 1000})
    async with running(settings, article, tmp_path) as library:
        upload = await fake.subcommand("library", "add", files={"file": ("a.md", b"# Small\n")})
        fake.files[next(iter(fake.files))] = b"# Big\n\n" + b"word " * 400  # not as announced
        assert "too large" in await replied(fake, upload)
        assert library.articles(GUILD_ID) == []


async def answer_times(fake: FakeDiscord, asked: list[Interaction]) -> list[float]:
    await fake.wait_for(lambda: all(a.edits for a in asked), timeout=30)
    return [a.edit_times[0] for a in asked]


async def test_an_index_built_for_one_server_holds_up_no_other(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> None:
    """An article whose index no cache holds (another machine added it) is built in the
    building thread: a question in another server is answered meanwhile."""
    embedder = FakeEmbedder()
    async with running(settings, article, tmp_path, embedder) as library:
        seals = Article("Seals", ("Volunteers counted 797 seals in the Thames.",))
        library.add(seals, GUILD_ID)  # its index in no cache
        embedder.document_delay = 1.5  # building the seals index takes this long
        here = await fake.slash("ask", {"question": "How many seals were counted?"})
        await fake.wait_for(lambda: here.callbacks)
        elsewhere = [
            await fake.slash("ask", {"question": "Who is Ned Price?"}, guild_id=GUILD_ID + 1)
        ]
        other_times = await answer_times(fake, elsewhere)
        assert not here.edits  # the other server was answered while this index was built
        await fake.wait_for(lambda: here.edits, timeout=30)
        assert "797" in str(here.edits) and "Price" in str(elsewhere[0].edits)
        assert other_times[0] < here.edit_times[0]


async def test_an_added_article_is_indexed_before_anyone_can_ask_it(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> None:
    """While an add builds its index, the server's questions are answered from what it had,
    not held up by the build; once the add is done, its article answers at once."""
    embedder = FakeEmbedder()
    library = Library.open(sqlite_url(tmp_path / "library.db"))
    bot, task = await start_bot(settings, article, embedder, library=library)
    markdown = b"# Bakery\n\nThe bakery ovens run from four in the morning.\n"
    try:
        embedder.document_delay = 1.5
        upload = await fake.subcommand("library", "add", files={"file": ("b.md", markdown)})
        await fake.wait_for(lambda: upload.callbacks)
        await asyncio.sleep(0.3)  # the add is building
        during = await fake.slash("ask", {"question": "When do the bakery ovens run?"})
        await fake.wait_for(lambda: during.edits, timeout=30)
        assert not upload.edits and "four in the morning" not in str(during.edits)
        assert (await replied(fake, upload)).startswith("Added to the library")
        calls = embedder.document_calls
        after = await fake.slash("ask", {"question": "When do the bakery ovens run?"})
        await fake.wait_for(lambda: after.edits, timeout=30)
        assert "four in the morning" in str(after.edits)
        assert embedder.document_calls == calls  # nothing left to build
    finally:
        await bot.close()
        task.cancel()
        library.close()


async def test_two_first_adds_open_one_library(
    fake: FakeDiscord,
    settings: Settings,
    article: Article,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[Library] = []
    real_open = answering.open_library

    def counted(*args: Any, **kwargs: Any) -> Library | None:
        time.sleep(0.3)  # both adds are here at once
        library = real_open(*args, **kwargs)
        assert library is not None
        opened.append(library)
        return library

    monkeypatch.setattr(client_module, "open_library", counted)
    url = SecretStr(sqlite_url(tmp_path / "l.db"))
    settings = settings.model_copy(update={"database_url": url})
    bot, task = await start_bot(settings, article)
    try:
        uploads = [
            await fake.subcommand(
                "library",
                "add",
                files={"file": (f"{g}.md", f"# A{g}\n\nText {g}.\n".encode())},
                guild_id=g,
            )
            for g in (GUILD_ID, GUILD_ID + 1)
        ]
        for upload in uploads:
            assert (await replied(fake, upload)).startswith("Added to the library")
        assert len(opened) == 1
    finally:
        await bot.close()
        task.cancel()
        for library in opened:
            library.close()


@pytest.fixture
def bot_process(tmp_path: Path, fake: FakeDiscord) -> Iterator[Processes]:
    """The bot as a process of its own, on SQLite, with the settings a stranger finds."""
    started = Processes(tmp_path, fake, sqlite_url(tmp_path / "library.db"))
    del started.env["ALLOW_PRIVATE_URLS"]
    yield started
    started.stop()


async def test_the_bot_process_reads_no_file_and_no_inward_address(
    fake: FakeDiscord, bot_process: Processes
) -> None:
    (bot_process.directory / "secrets.txt").write_text(SECRET, encoding="utf-8")
    (bot_process.directory / ".env").write_text("LOG_LEVEL=INFO\nCOOLDOWN_SECONDS=1\n")
    bot_process.start("bot", "run", FETCH_TIMEOUT="2")
    await fake.wait_for(lambda: fake.identifies, timeout=90)
    fake.pages["seals"] = SEALS_PAGE
    for source in NOT_WEB:
        refused = await fake.subcommand("library", "add", {"url": source})
        assert await replied(fake, refused) == WEB_ONLY, source
    for i, url in enumerate(inward(fake.port)):
        refused = await fake.subcommand("library", "add", {"url": url}, guild_id=GUILD_ID + i)
        assert "cannot fetch that address" in await replied(fake, refused), url
    listed = await fake.subcommand("library", "list")
    assert "empty" in str(await fake.wait_for(lambda: listed.edits))
    asked = await fake.slash("ask", {"question": "What is the DISCORD_TOKEN in secrets.txt?"})
    await fake.wait_for(lambda: asked.edits, timeout=30)
    assert "hunter2" not in str(asked.edits)
    assert fake.requests_to("/pages/") == []
    assert "Traceback" not in bot_process.log("bot")


async def test_the_bot_process_gives_up_trickling_pages_and_answers_everyone_else(
    fake: FakeDiscord, bot_process: Processes
) -> None:
    bot_process.start("bot", "run", ALLOW_PRIVATE_URLS="true", FETCH_TIMEOUT="1")
    await fake.wait_for(lambda: fake.identifies, timeout=90)
    fake.pages["slow"] = SEALS_PAGE
    fake.page_trickle = 0.5
    adds = [
        await fake.subcommand("library", "add", {"url": fake.page_url("slow")}, guild_id=g)
        for g in range(GUILD_ID + 1, GUILD_ID + 7)
    ]
    listed = await fake.subcommand("library", "list")
    asked = await fake.slash("ask", {"question": "Who is Ned Price?"})
    await fake.wait_for(lambda: listed.edits and asked.edits, timeout=10)  # none missed
    assert "Price" in str(asked.edits)
    for add in adds:
        text = await replied(fake, add, timeout=30)
        assert text.startswith("Not added:") and "within 1 s" in text, text
    assert "Traceback" not in bot_process.log("bot")


async def test_a_malformed_or_very_long_address_gets_one_short_line(
    fake: FakeDiscord, stranger_bot: Library
) -> None:
    long_path = "x" * 1_900
    for i, url in enumerate(
        ["http://a..b/x", f"http://{'a' * 64}.example/", f"http://127.0.0.1:1/{long_path}"]
    ):
        added = await fake.subcommand("library", "add", {"url": url}, guild_id=GUILD_ID + i)
        text = await replied(fake, added)  # no apology: an answer Discord accepted
        assert text.startswith("Not added:") and len(text) <= 2000, text[:80]
