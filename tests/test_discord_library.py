"""The library from Discord: /library add, list, remove, use, the message menu, and
/ask in a channel, against the fake Discord."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.discord.client import ArticleBot
from bot.library.store import UNREACHABLE, Library, sqlite_url
from bot.settings import Settings
from embeddings.article import Article
from embeddings.models.protocol import Embedder
from embeddings.sources.pdf import NO_TEXT
from tests import stats
from tests.databases import KINDS, new_database, postgres_server
from tests.discord_harness import start_bot
from tests.fake_discord import CHANNEL_ID, GUILD_ID, MANAGE_SERVER, FakeDiscord, Interaction
from tests.pdf_files import pdf_file, typeset
from tests.tcp_proxy import TcpProxy

DATA = Path(__file__).parent / "data"
SEALS_PAGE = (DATA / "news_page.html").read_bytes()
MARKDOWN = b"# Bakery opens\n\nA new bakery opened on the high street, selling sourdough bread.\n\nThe baker said the ovens run from four in the morning.\n"  # noqa: E501


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fake serves its pages on 127.0.0.1: to the bot, an intranet it may read."""
    return settings.model_copy(update={"allow_private_urls": True})


@pytest.fixture(params=KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with new_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def library_bot(
    fake: FakeDiscord, settings: Settings, article: Article, database: str
) -> AsyncIterator[tuple[ArticleBot, Library]]:
    library = Library.open(database)
    bot, task = await start_bot(settings, article, library=library)
    yield bot, library
    await bot.close()
    task.cancel()
    library.close()


def content_of(interaction: Any) -> str:
    body = interaction.edits[-1] if interaction.edits else interaction.callbacks[-1]["data"]
    return str(body.get("content") or "")


async def test_add_by_link_and_by_file_then_list_and_ask(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    fake.pages["seals"] = SEALS_PAGE
    added = await fake.subcommand("library", "add", {"url": fake.page_url("seals")})
    await fake.wait_for(lambda: added.edits, timeout=20)
    assert added.callbacks[0]["type"] == 5  # deferred at once
    assert content_of(added).startswith("Added to the library: **Harbour Seals Return")
    assert "5 paragraphs, 2024-03-05" in content_of(added)

    again = await fake.subcommand("library", "add", {"url": fake.page_url("seals")})
    await fake.wait_for(lambda: again.edits, timeout=20)
    assert content_of(again).startswith("Already in the library: **Harbour Seals")

    upload = await fake.subcommand("library", "add", files={"file": ("bakery.md", MARKDOWN)})
    await fake.wait_for(lambda: upload.edits, timeout=20)
    assert content_of(upload).startswith("Added to the library: **Bakery opens")
    assert [s.article.title for s in library.articles(GUILD_ID)] == [
        "Harbour Seals Return to the Thames",
        "Bakery opens",
    ]

    listed = await fake.subcommand("library", "list")
    await fake.wait_for(lambda: listed.edits)
    assert listed.callbacks[0]["type"] == 5  # deferred first: it reads the database
    embed = listed.edits[-1]["embeds"][0]
    assert embed["title"] == "This server's library: 2 articles"
    assert "Harbour Seals Return" in embed["description"] and "Bakery opens" in embed["description"]

    asked = await fake.slash("ask", {"question": "When do the bakery ovens run?"})
    await fake.wait_for(lambda: asked.edits)
    assert "ovens run from four" in asked.edits[0]["embeds"][0]["description"]


async def test_a_pinned_channel_answers_from_its_article(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    seals = library.add(
        Article("Seals", ("Volunteers counted 797 seals in the Thames.",)), GUILD_ID
    )
    library.add(Article("Bakery", ("The bakery ovens run from four in the morning.",)), GUILD_ID)
    choices = await fake.subcommand("library", "use", {"article": "Sea"}, focused="article")
    await fake.wait_for(lambda: choices.callbacks)
    offered = choices.callbacks[0]["data"]["choices"]
    assert offered[0]["value"] == "all" and [c["value"] for c in offered[1:]] == [
        str(seals.stored.id)
    ]
    use = await fake.subcommand("library", "use", {"article": str(seals.stored.id)})
    await fake.wait_for(lambda: use.edits)
    assert "now answers from: Seals" in content_of(use)
    assert library.pinned(GUILD_ID, CHANNEL_ID) == seals.stored.id
    asked = await fake.slash("ask", {"question": "When do the bakery ovens run?"})
    await fake.wait_for(lambda: asked.edits)
    assert asked.edits[0]["embeds"][0]["title"] == "Seals"
    unpin = await fake.subcommand("library", "use", {"article": "all"})
    await fake.wait_for(lambda: unpin.edits)
    assert library.pinned(GUILD_ID, CHANNEL_ID) is None


async def test_a_member_without_manage_server_is_refused_and_alone_told(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    fake.pages["seals"] = SEALS_PAGE
    member = 1 << 11  # Send Messages only
    for name, options in (
        ("add", {"url": fake.page_url("seals")}),
        ("remove", {"article": "1"}),
        ("use", {"article": "all"}),
    ):
        refused = await fake.subcommand("library", name, options, permissions=member)
        await fake.wait_for(lambda r=refused: r.callbacks)  # type: ignore[misc]
        reply = refused.callbacks[0]
        assert reply["type"] == 4 and reply["data"]["flags"] & 64, name
        assert "Manage Server" in reply["data"]["content"], name
    assert library.articles(GUILD_ID) == []
    listed = await fake.subcommand("library", "list", permissions=member)  # for everyone
    await fake.wait_for(lambda: listed.edits)
    assert "empty" in listed.edits[-1]["embeds"][0]["description"]
    allowed = await fake.subcommand(
        "library", "add", {"url": fake.page_url("seals")}, permissions=MANAGE_SERVER
    )
    await fake.wait_for(lambda: allowed.edits, timeout=20)
    assert content_of(allowed).startswith("Added to the library")


async def test_a_broken_link_or_file_is_one_clear_line(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    missing = await fake.subcommand("library", "add", {"url": fake.page_url("gone")})
    await fake.wait_for(lambda: missing.edits, timeout=20)
    assert content_of(missing).startswith("Not added:") and "HTTP 404" in content_of(missing)
    assert "\n" not in content_of(missing)
    word = await fake.subcommand("library", "add", files={"file": ("paper.docx", b"PK")})
    await fake.wait_for(lambda: word.callbacks)
    assert "Unsupported file" in word.callbacks[0]["data"]["content"]
    neither = await fake.subcommand("library", "add")
    await fake.wait_for(lambda: neither.callbacks)
    assert "either" in neither.callbacks[0]["data"]["content"]


async def test_remove_takes_the_article_and_its_pins(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    seals = library.add(Article("Seals", ("Volunteers counted 797 seals.",)), GUILD_ID).stored
    library.pin(GUILD_ID, CHANNEL_ID, seals.id)
    removed = await fake.subcommand("library", "remove", {"article": str(seals.id)})
    await fake.wait_for(lambda: removed.edits)
    assert "Removed from the library: Seals" in content_of(removed)
    assert library.articles(GUILD_ID) == [] and library.pinned(GUILD_ID, CHANNEL_ID) is None
    unknown = await fake.subcommand("library", "remove", {"article": str(seals.id)})
    await fake.wait_for(lambda: unknown.edits)
    assert "no article" in content_of(unknown)
    huge = await fake.subcommand("library", "remove", {"article": "99999999999999999999"})
    await fake.wait_for(lambda: huge.edits)
    assert content_of(huge) == "no article 99999999999999999999 in this library"


async def test_a_restart_keeps_the_library_and_fetches_nothing_again(
    fake: FakeDiscord, settings: Settings, article: Article, database: str
) -> None:
    fake.pages["seals"] = SEALS_PAGE
    library = Library.open(database)
    bot, task = await start_bot(settings, article, library=library)
    added = await fake.subcommand("library", "add", {"url": fake.page_url("seals")})
    await fake.wait_for(lambda: added.edits, timeout=20)
    await bot.close()
    task.cancel()
    library.close()
    fetched = len([r for r in fake.requests if r.path.startswith("/pages/")])

    library = Library.open(database)
    bot, task = await start_bot(settings, article, library=library)
    try:
        asked = await fake.slash("ask", {"question": "How many seals were counted?"})
        await fake.wait_for(lambda: asked.edits)
        assert asked.edits[0]["embeds"][0]["title"] == "Harbour Seals Return to the Thames"
        assert len([r for r in fake.requests if r.path.startswith("/pages/")]) == fetched
    finally:
        await bot.close()
        task.cancel()
        library.close()


async def test_ask_one_article_of_the_library_by_name(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    library.add(Article("Seals", ("Volunteers counted 797 seals in the Thames.",)), GUILD_ID)
    bakery = library.add(
        Article("Bakery", ("The bakery ovens run from four in the morning.",)), GUILD_ID
    ).stored
    question = "How many seals did volunteers count?"
    asked = await fake.slash("ask", {"question": question, "article": str(bakery.id)})
    await fake.wait_for(lambda: asked.edits)
    assert asked.edits[0]["embeds"][0]["title"] == "Bakery"
    unknown = await fake.slash("ask", {"question": question, "article": "999"})
    await fake.wait_for(lambda: unknown.edits)
    assert "no article 999" in unknown.edits[0]["content"]


async def test_another_server_never_sees_an_article_added_here(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    other = GUILD_ID + 1
    library.add(Article("Seals", ("Volunteers counted 797 seals in the Thames.",)), GUILD_ID)
    question = "How many seals did volunteers count?"
    asked = await fake.slash("ask", {"question": question}, guild_id=other)
    await fake.wait_for(lambda: asked.edits)
    assert "797" not in json.dumps(asked.edits)
    assert asked.edits[0]["embeds"][0]["title"] != "Seals"  # the bot-wide library
    listed = await fake.subcommand("library", "list", guild_id=other)
    await fake.wait_for(lambda: listed.edits)
    assert "Seals" not in json.dumps(listed.edits)
    offered = await fake.subcommand(
        "library", "remove", {"article": ""}, focused="article", guild_id=other
    )
    await fake.wait_for(lambda: offered.callbacks)
    assert offered.callbacks[0]["data"]["choices"] == []
    here = await fake.subcommand("library", "remove", {"article": ""}, focused="article")
    await fake.wait_for(lambda: here.callbacks)
    [choice] = here.callbacks[0]["data"]["choices"]
    assert choice["name"].startswith("Seals")


async def test_a_second_add_in_a_server_while_one_runs_is_told_to_wait(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    fake.pages["seals"] = SEALS_PAGE
    fake.page_delay = 1.0
    first = await fake.subcommand("library", "add", {"url": fake.page_url("seals")})
    await fake.wait_for(lambda: first.callbacks)  # deferred, now fetching
    second = await fake.subcommand("library", "add", files={"file": ("bakery.md", MARKDOWN)})
    await fake.wait_for(lambda: second.callbacks)
    assert second.callbacks[0]["data"]["flags"] & 64
    assert "being added" in second.callbacks[0]["data"]["content"]
    await fake.wait_for(lambda: first.edits, timeout=20)
    assert content_of(first).startswith("Added to the library")
    assert [s.article.title for s in library.articles(GUILD_ID)] == [
        "Harbour Seals Return to the Thames"
    ]


async def test_while_the_database_is_away_questions_are_answered_and_adds_fail_clearly(
    fake: FakeDiscord, settings: Settings, article: Article, tmp_path: Path
) -> None:
    server = make_url(postgres_server())
    proxy = TcpProxy((server.host or "127.0.0.1", server.port or 5432))
    proxy.up()
    with new_database("postgresql", tmp_path) as url:
        library = Library.open(make_url(url).set(port=proxy.port).render_as_string(False))
        library.add(Article("Seals", ("Volunteers counted 797 seals in the Thames.",)), GUILD_ID)
        bot, task = await start_bot(settings, article, library=library)
        try:
            for database_up in (True, False):
                if not database_up:
                    proxy.down()
                asked = await fake.slash("ask", {"question": "How many seals were counted?"})
                await fake.wait_for(lambda: asked.edits, timeout=20)  # noqa: B023
                assert "797" in json.dumps(asked.edits)
            upload = await fake.subcommand("library", "add", files={"file": ("b.md", MARKDOWN)})
            await fake.wait_for(lambda: upload.edits, timeout=20)
            assert UNREACHABLE in content_of(upload)
            proxy.up()
            again = await fake.subcommand("library", "add", files={"file": ("b.md", MARKDOWN)})
            await fake.wait_for(lambda: again.edits, timeout=20)
            assert content_of(again).startswith("Added to the library: **Bakery opens")
        finally:
            await bot.close()
            task.cancel()
            library.close()
            proxy.down()


def forty_paragraph_page(article: Article) -> bytes:
    """A news page of 40 paragraphs, made of the article's own, each numbered."""
    paragraphs = [f"{article.paragraphs[i % len(article.paragraphs)]} ({i})" for i in range(40)]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<html><head><title>Forty paragraphs</title>"
        '<meta property="og:title" content="Forty paragraphs"></head>'
        f"<body><article><h1>Forty paragraphs</h1>{body}</article></body></html>"
    ).encode()


def p95_ms(asked: list[Interaction]) -> float:
    times = sorted(i.edit_times[0] for i in asked)
    return 1000 * times[round(0.95 * (len(times) - 1))]


@pytest.mark.model
async def test_another_server_is_answered_while_an_article_is_added(
    fake: FakeDiscord, settings: Settings, article: Article, real_embedder: Embedder, tmp_path: Path
) -> None:
    """With the real model: server A adds a 40-paragraph article while server B keeps
    asking; B's questions are answered, not held until the add ends."""
    library = Library.open(sqlite_url(tmp_path / "library.db"))
    bot, task = await start_bot(settings, article, real_embedder, library=library)
    other = GUILD_ID + 1
    try:
        idle = []
        for n in range(10):
            idle.append(await fake.slash("ask", {"question": "Who is Ned Price?"}, user_id=n))
            await fake.wait_for(lambda: idle[-1].edits)
        fake.pages["forty"] = forty_paragraph_page(article)
        added = await fake.subcommand("library", "add", {"url": fake.page_url("forty")})
        asked: list[Interaction] = []
        while not added.edits:
            user = 900 + len(asked)
            question = {"question": "Who is Ned Price?"}
            asked.append(await fake.slash("ask", question, user_id=user, guild_id=other))
            await asyncio.sleep(0.05)
        assert content_of(added).startswith("Added to the library: **Forty paragraphs")
        await fake.wait_for(lambda: all(i.edits for i in asked), timeout=30)
        assert all("Price" in json.dumps(i.edits) for i in asked)
        done = added.created + added.edit_times[0]
        meanwhile = [i for i in asked if i.created + i.edit_times[0] < done]
        assert len(meanwhile) >= len(asked) // 2  # answered during the add, not after it
        stats.figures["server B's answers while server A adds 40 paragraphs (real model)"] = (
            f"{len(asked)} questions, p95 {p95_ms(asked):.0f} ms (idle {p95_ms(idle):.0f} ms); "
            f"the add took {added.edit_times[0]:.2f} s"
        )
    finally:
        await bot.close()
        task.cancel()
        library.close()


async def test_a_pdf_attachment_is_added_and_quoted_and_a_scan_refused(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library]
) -> None:
    _, library = library_bot
    blocks = [
        "Ferry Service Returns to the Island",
        "A ferry service to the island resumed on Monday after a winter without crossings, "
        "the harbour authority said.",
        "The new vessel carries two hundred passengers and forty cars, and crosses in fifty "
        "minutes, twenty minutes faster than the old ferry.",
        "Islanders welcomed the return of daily sailings, which had been suspended since the "
        "old ferry failed its safety inspection in November.",
    ]
    pages = typeset(blocks, width=40, per_page=6, page_numbers="Page {page} of {pages}")
    assert len(pages) >= 2
    upload = await fake.subcommand(
        "library", "add", files={"file": ("ferry.pdf", pdf_file(pages, title=blocks[0]))}
    )
    await fake.wait_for(lambda: upload.edits, timeout=30)
    assert content_of(upload) == (
        "Added to the library: **Ferry Service Returns to the Island** (3 paragraphs)"
    )
    assert library.articles(GUILD_ID)[0].article.paragraphs == tuple(blocks[1:])

    asked = await fake.slash("ask", {"question": "How many passengers and cars does it carry?"})
    await fake.wait_for(lambda: asked.edits)
    quoted = asked.edits[0]["embeds"][0]["description"]
    assert "two hundred passengers and forty cars" in quoted and "Page 1" not in quoted

    scan = await fake.subcommand(
        "library", "add", files={"file": ("scan.pdf", pdf_file([[], []], image=True))}
    )
    await fake.wait_for(lambda: scan.edits, timeout=30)
    assert content_of(scan) == f"Not added: scan.pdf: {NO_TEXT}"
    assert len(library.articles(GUILD_ID)) == 1
