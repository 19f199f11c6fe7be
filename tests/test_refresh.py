"""Web articles checked again at their pages: the schedule, conditional fetches, a changed
text swapped in as one change, a page gone, the lease between processes, the commands."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from bot.cli import main
from bot.cli.text import format_answer
from bot.discord.client import ArticleBot
from bot.discord.cooldown import UserCooldowns
from bot.discord.format import answer_reply, library_page
from bot.library.answering import Answerer
from bot.library.refresh import Refresher, State, policy_for, read_web, web_reader
from bot.library.schedule import interval, next_check
from bot.library.schema import BOT_WIDE
from bot.library.scope import library_scope
from bot.library.store import GONE_AFTER, LEASE, Library, LibraryError
from bot.library.store import database_url as store_url
from bot.settings import Settings
from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.index import build_index
from embeddings.retriever import Retriever
from embeddings.sources.fetch import FetchPolicy, NotTaken, Page, PageGone, fetch
from embeddings.sources.isolated import ReadingBudget
from tests.databases import KINDS, new_database
from tests.discord_harness import start_bot
from tests.fake_discord import GUILD_ID, FakeDiscord
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SEALS_PAGE = (DATA / "news_page.html").read_bytes()
CREDIT = b"Scientists credit cleaner water and a ban on certain fishing nets for the recovery."
SEALS_UPDATED = SEALS_PAGE.replace(
    CREDIT, b"Engineers credit the new Tideway sewer tunnel for the recovery."
)
MARKDOWN = b"# Bakery opens\n\nA new bakery opened on the high street, selling sourdough bread.\n"
GUILD = 7
URL = "https://news.example.org/seals"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

SEALS = Article(
    "Seals return",
    (
        "Harbour seals have returned to the Thames in numbers not seen for decades.",
        "Volunteers counted 797 seals between Teddington and the estuary.",
    ),
    url=URL,
)
SEALS_V2 = Article(
    "Seals return",
    (
        "Harbour seals have returned to the Thames in numbers not seen for decades.",
        "Volunteers counted 812 seals between Teddington and the estuary.",
        "Engineers credit the new Tideway sewer tunnel for the recovery.",
    ),
    url=URL,
)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def etag_of(article: Article) -> str:
    return f'"{article.content_hash[:12]}"'


class Site:
    """Pages as a `Reader` finds them, each with an ETag a conditional request matches;
    pages the test took away are gone, failing ones unreachable."""

    def __init__(self) -> None:
        self.pages: dict[str, Article] = {}
        self.gone: set[str] = set()
        self.failing: set[str] = set()
        self.refusing: set[str] = set()  # read, but its text is not taken (too large)
        self.unread: set[str] = set()  # answering with what is not read
        self.asked: list[tuple[str, str | None]] = []  # (url, If-None-Match sent)

    def __call__(self, url: str, guild_id: int, since: Page | None) -> tuple[Page, Article | None]:
        self.asked.append((url, since.etag if since else None))
        if url in self.gone:
            raise PageGone(f"{url}: HTTP 410 Gone")
        if url in self.failing:
            raise ArticleError(f"{url}: cannot fetch that address")
        if url in self.refusing:
            raise LibraryError("the article is now too large (900 paragraphs, at most 500)")
        if url in self.unread:
            raise NotTaken(f"{url}: took too long to read (over 30 s)")
        article = self.pages[url]
        etag = etag_of(article)
        if since is not None and since.etag == etag:
            return Page(b"", url, "", etag, None, not_modified=True), None
        return Page(b"<html>", url, "text/html", etag), article


@pytest.fixture
def library(database_url: str) -> Iterator[Library]:
    opened = Library.open(database_url)
    yield opened
    opened.close()


def _add(library: Library, article: Article = SEALS, at: datetime = T0) -> int:
    embedder = FakeEmbedder()
    added = library.add(
        article,
        GUILD,
        "ann",
        added_at=at,
        index=build_index(article, embedder),
        model_id=embedder.model_id,
        source_url=article.url,
        etag=etag_of(article),
    )
    return added.stored.id


def _refresher(library: Library, site: Site, clock: Clock, **options: Any) -> Refresher:
    return Refresher(library, FakeEmbedder(), None, site, clock=clock, **options)


def _texts(answer: Any) -> str:
    return " ".join(p.text for p in answer.passages)


# ---- the schedule ---------------------------------------------------------------------------


def test_the_schedule_checks_every_six_hours_then_daily_then_never() -> None:
    assert interval(timedelta(0)) == timedelta(hours=6)
    assert interval(timedelta(days=6, hours=23)) == timedelta(hours=6)
    assert interval(timedelta(days=7)) == timedelta(days=1)
    assert interval(timedelta(days=29, hours=23)) == timedelta(days=1)
    assert interval(timedelta(days=30)) is None
    assert interval(timedelta(days=400)) is None
    assert next_check(T0, T0) == T0 + timedelta(hours=6)
    assert next_check(T0, T0 + timedelta(days=10)) == T0 + timedelta(days=11)
    assert next_check(T0, T0 + timedelta(days=31)) is None


def test_a_pass_checks_what_is_due_and_schedules_the_next_check(library: Library) -> None:
    site, clock = Site(), Clock()
    site.pages[URL] = SEALS
    article_id = _add(library)
    refresher = _refresher(library, site, clock)
    clock.now = T0 + timedelta(hours=5)
    assert refresher.run_due() == [] and site.asked == []  # not due yet
    for hours, next_due in ((6, 12), (7 * 24 + 1, 8 * 24 + 1), (31 * 24, None)):
        clock.now = T0 + timedelta(hours=hours)
        [checked] = refresher.run_due()
        assert (checked.article_id, checked.state) == (article_id, State.UNCHANGED)
        later = T0 + timedelta(days=365)
        due = library.due(T0 + timedelta(hours=next_due), 10) if next_due else []
        assert due == ([(GUILD, article_id)] if next_due else [])
        if next_due:  # and not a moment before
            before = T0 + timedelta(hours=next_due) - timedelta(seconds=1)
            assert library.due(before, 10) == []
    assert library.due(later, 10) == []  # after 30 days, never again on schedule
    assert refresher.refresh(GUILD, article_id).state == State.UNCHANGED  # unless asked


def test_a_pass_checks_a_bounded_number(library: Library) -> None:
    site, clock = Site(), Clock(T0 + timedelta(hours=6))
    for n in range(3):
        article = Article(f"Story {n}", (f"Paragraph of story {n}.",), url=f"{URL}/{n}")
        site.pages[article.url or ""] = article
        _add(library, article)
    assert len(_refresher(library, site, clock).run_due(limit=2)) == 2
    assert len(library.due(clock.now, 10)) == 1  # the third waits for the next pass


# ---- unchanged, changed, gone ---------------------------------------------------------------


def test_an_unchanged_page_embeds_nothing_and_changes_nothing(library: Library) -> None:
    site, clock = Site(), Clock(T0 + timedelta(hours=6))
    site.pages[URL] = SEALS
    article_id = _add(library)
    refresher = _refresher(library, site, clock)
    embedder = refresher.embedder
    assert isinstance(embedder, FakeEmbedder)
    version = library.version()
    checked = refresher.refresh(GUILD, article_id)
    assert (checked.state, checked.encoded, checked.paragraphs) == (State.UNCHANGED, 0, 2)
    assert site.asked == [(URL, etag_of(SEALS))]  # a conditional request: answered 304
    assert embedder.document_calls == 0 and embedder.query_calls == 0
    assert library.version() == version  # no process reads the library again
    assert [h for h, _ in library.versions(GUILD, article_id)] == [SEALS.content_hash]

    site.pages[URL] = Article(SEALS.title, SEALS.paragraphs, url=URL, language="en")
    site.asked.clear()
    refresher.refresh(GUILD, article_id)  # 200 with the same text: unchanged as well
    assert embedder.document_calls == 0 and len(library.versions(GUILD, article_id)) == 1


def test_a_changed_page_is_swapped_in_as_one_change(library: Library) -> None:
    site, clock = Site(), Clock(T0 + timedelta(days=2))
    site.pages[URL] = SEALS_V2
    article_id = _add(library)
    told: list[int] = []
    library.listeners.append(told.append)
    version = library.version()
    refresher = _refresher(library, site, clock)
    checked = refresher.refresh(GUILD, article_id)
    assert (checked.state, checked.paragraphs) == (State.UPDATED, 3)
    assert checked.encoded > 0 and checked.replaced == SEALS
    assert library.version() == version + 1 and told == [GUILD]  # one change

    [stored] = library.articles(GUILD)
    assert stored.article.paragraphs == SEALS_V2.paragraphs
    assert stored.article.updated == date(2026, 12, 3)
    assert library.versions(GUILD, article_id) == [
        (SEALS.content_hash, T0),
        (SEALS_V2.content_hash, clock.now),
    ]
    assert library.has_vectors(SEALS_V2, "fake-model")  # kept with the new text
    assert not library.has_vectors(SEALS, "fake-model")  # the old text's are gone

    embedder = FakeEmbedder()  # another process: the new text is read, not embedded
    default = Article("Default", ("A default article.",))
    answerer = Answerer(Retriever(build_index(default, embedder), embedder), None, library)
    scope = library_scope(library.articles(GUILD), GUILD)
    calls = embedder.document_calls
    answer = answerer.answer("What do engineers credit for the recovery?", scope, 3)
    assert "Tideway" in _texts(answer) and embedder.document_calls == calls
    counted = answerer.answer("How many seals did volunteers count?", scope, 3)
    assert "812 seals" in _texts(counted) and "797" not in _texts(counted)
    assert answer_reply(answer).embed.footer.text == "Updated 2026-12-03"
    assert "(updated 2026-12-03)" in format_answer(answer)

    site.asked.clear()
    clock.now += timedelta(hours=6)
    assert refresher.refresh(GUILD, article_id).state == State.UNCHANGED
    assert site.asked == [(URL, etag_of(SEALS_V2))]  # the new text's validators were kept


def test_versions_are_bounded(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.library.store.MAX_VERSIONS", 3)
    site, clock = Site(), Clock(T0 + timedelta(hours=1))
    article_id = _add(library)
    refresher = _refresher(library, site, clock)
    for n in range(4):
        site.pages[URL] = Article("Seals return", (f"Volunteers counted {800 + n} seals.",))
        clock.now += timedelta(hours=6)
        assert refresher.refresh(GUILD, article_id).state == State.UPDATED
    kept = library.versions(GUILD, article_id)
    assert [at for _, at in kept] == [T0 + timedelta(hours=1 + 6 * n) for n in (2, 3, 4)]


def test_a_gone_page_keeps_its_last_text_and_says_since_when(library: Library) -> None:
    site, clock = Site(), Clock(T0 + timedelta(hours=6))
    site.pages[URL] = SEALS
    site.gone.add(URL)
    article_id = _add(library)
    refresher = _refresher(library, site, clock)
    checked = refresher.refresh(GUILD, article_id)
    assert (checked.state, checked.gone_since) == (State.GONE, clock.now)
    [stored] = library.articles(GUILD)
    assert stored.article == SEALS and stored.gone_since == clock.now
    assert "page gone since 2026-12-01" in (library_page([stored], 1, 10).description or "")

    clock.now += timedelta(hours=6)
    assert refresher.refresh(GUILD, article_id).gone_since == T0 + timedelta(hours=6)  # still
    site.gone.clear()
    clock.now += timedelta(hours=6)
    assert refresher.refresh(GUILD, article_id).state == State.UNCHANGED  # back again
    assert library.articles(GUILD)[0].gone_since is None


def test_a_page_failing_again_and_again_counts_as_gone(library: Library) -> None:
    site, clock = Site(), Clock(T0 + timedelta(hours=6))
    site.pages[URL] = SEALS
    site.failing.add(URL)
    article_id = _add(library)
    refresher = _refresher(library, site, clock)
    states = [refresher.refresh(GUILD, article_id).state for _ in range(GONE_AFTER)]
    assert states == [State.FAILED] * (GONE_AFTER - 1) + [State.GONE]
    assert library.articles(GUILD)[0].article == SEALS


def test_a_page_whose_text_is_not_taken_is_not_counted_as_gone(library: Library) -> None:
    """A page that grew past the cap, or that cannot be read, answers: it fails each
    check, but is there (a page that was gone and answers so is back)."""
    site, clock = Site(), Clock(T0 + timedelta(hours=6))
    site.pages[URL] = SEALS_V2
    article_id = _add(library)
    refresher = _refresher(library, site, clock)
    site.gone.add(URL)
    assert refresher.refresh(GUILD, article_id).state == State.GONE
    site.gone.clear()
    for refusing, said in ((site.refusing, "too large"), (site.unread, "too long to read")):
        refusing.add(URL)
        outcomes = [refresher.refresh(GUILD, article_id) for _ in range(GONE_AFTER + 1)]
        assert {o.state for o in outcomes} == {State.FAILED}
        assert all(said in o.detail for o in outcomes)
        stored = library.articles(GUILD)[0]
        assert stored.gone_since is None and stored.article == SEALS
        refusing.clear()


def test_an_article_from_a_file_is_not_a_web_article(library: Library) -> None:
    stored = library.add(Article("Notes", ("A paragraph.",), url=URL), GUILD).stored
    site = Site()
    checked = _refresher(library, site, Clock()).refresh(GUILD, stored.id)
    assert checked.state == State.NOT_WEB and site.asked == []
    with pytest.raises(LibraryError, match="no article"):
        _refresher(library, site, Clock()).refresh(GUILD + 1, stored.id)  # another server's


def test_new_text_that_another_article_holds_is_not_swapped_in(library: Library) -> None:
    site, clock = Site(), Clock(T0 + timedelta(hours=6))
    article_id = _add(library)
    library.add(Article("Bread", ("The ovens run from four.",)), GUILD)
    site.pages[URL] = Article("Bread", ("The ovens run from four.",))
    checked = _refresher(library, site, clock).refresh(GUILD, article_id)
    assert checked.state == State.FAILED and "another article" in checked.detail
    assert library.get(GUILD, article_id).article == SEALS  # type: ignore[union-attr]


# ---- the lease ------------------------------------------------------------------------------


def test_two_processes_never_check_the_same_article_at_once(database_url: str) -> None:
    one, two = Library.open(database_url), Library.open(database_url)
    try:
        site, clock = Site(), Clock(T0 + timedelta(hours=6))
        site.pages[URL] = SEALS_V2
        article_id = _add(one)
        reading, release = threading.Event(), threading.Event()

        def slow(url: str, guild_id: int, since: Page | None) -> tuple[Page, Article | None]:
            reading.set()
            assert release.wait(30)
            return site(url, guild_id, since)

        first = Refresher(one, FakeEmbedder(), None, slow, clock=clock, owner="shard-0")
        second = _refresher(two, site, clock, owner="shard-1")
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(first.refresh, GUILD, article_id)
            assert reading.wait(30)
            assert second.refresh(GUILD, article_id).state == State.BUSY
            assert two.due(clock.now, 10) == []  # not offered to another process either
            assert second.run_due() == []
            release.set()
            assert running.result().state == State.UPDATED
        assert site.asked == [(URL, etag_of(SEALS))]  # fetched once, by the first
        assert len(one.versions(GUILD, article_id)) == 2
        clock.now += timedelta(hours=6)
        assert second.refresh(GUILD, article_id).state == State.UNCHANGED  # let go of
    finally:
        one.close()
        two.close()


def test_a_lease_runs_out_and_a_late_owner_changes_nothing(database_url: str) -> None:
    one, two = Library.open(database_url), Library.open(database_url)
    try:
        article_id = _add(one)
        now = T0 + timedelta(hours=6)
        assert one.lease(GUILD, article_id, "stalled", now) is not None
        assert two.lease(GUILD, article_id, "other", now + LEASE - timedelta(seconds=1)) is None
        taken = two.lease(GUILD, article_id, "other", now + LEASE + timedelta(seconds=1))
        assert taken is not None and taken.url == URL and taken.etag == etag_of(SEALS)
        index = build_index(SEALS_V2, FakeEmbedder())
        with pytest.raises(LibraryError, match="another process"):
            one.replace_text(
                GUILD, article_id, "stalled", SEALS_V2, now, index=index, model_id="fake-model"
            )
        assert one.record_check(article_id, "stalled", now, gone=True) is None
        [stored] = two.articles(GUILD)
        assert stored.article == SEALS and stored.gone_since is None
    finally:
        one.close()
        two.close()


# ---- fetching ------------------------------------------------------------------------------


async def test_a_conditional_fetch_of_an_unchanged_page_has_no_body(fake: FakeDiscord) -> None:
    fake.pages["p"] = SEALS_PAGE
    fake.page_etags["p"] = '"v1"'
    policy = FetchPolicy(allow_private=True)
    first = await fetch(fake.page_url("p"), policy)
    assert (first.body, first.etag, first.not_modified) == (SEALS_PAGE, '"v1"', False)
    again = await fetch(fake.page_url("p"), policy, since=first)
    assert again.not_modified and again.body == b"" and again.etag == '"v1"'
    fake.pages["p"], fake.page_etags["p"] = SEALS_UPDATED, '"v2"'
    changed = await fetch(fake.page_url("p"), policy, since=first)
    assert (changed.body, changed.etag, changed.not_modified) == (SEALS_UPDATED, '"v2"', False)

    fake.page_modified["q"] = "Tue, 01 Dec 2026 09:00:00 GMT"  # Last-Modified alone
    fake.pages["q"] = SEALS_PAGE
    dated = await fetch(fake.page_url("q"), policy)
    assert (await fetch(fake.page_url("q"), policy, since=dated)).not_modified
    for status in (404, 410):
        fake.page_status["p"] = status
        with pytest.raises(PageGone, match=f"HTTP {status}"):
            await fetch(fake.page_url("p"), policy, since=first)
    fake.page_status["p"] = 500
    with pytest.raises(ArticleError) as failed:
        await fetch(fake.page_url("p"), policy)
    assert not isinstance(failed.value, PageGone)


async def test_a_page_that_answers_with_what_is_not_read_is_not_taken(
    fake: FakeDiscord,
) -> None:
    """`read_web` tells a page that answers but cannot be read from one that is away."""
    policy = FetchPolicy(allow_private=True, timeout=5)
    fake.pages["empty"] = b"<html><body><p>Hi.</p></body></html>"
    with pytest.raises(NotTaken):
        await asyncio.to_thread(read_web, fake.page_url("empty"), policy, ReadingBudget())
    fake.page_status["away"] = 500
    with pytest.raises(ArticleError) as away:
        await asyncio.to_thread(read_web, fake.page_url("away"), policy, ReadingBudget())
    assert not isinstance(away.value, NotTaken)


async def test_every_article_is_checked_under_the_strangers_rules(
    fake: FakeDiscord, settings: Settings, database_url: str
) -> None:
    """A check comes back unattended: a page once added (by a stranger or the operator
    alike) may later lead inward, so neither is fetched from a private address."""
    assert not policy_for(settings).allow_private
    allowed = settings.model_copy(update={"allow_private_urls": True})
    assert policy_for(allowed).allow_private  # the operator's explicit choice
    fake.pages["inside"] = SEALS_PAGE  # on 127.0.0.1: never fetched on a check
    library = Library.open(database_url)
    try:
        refresher = Refresher(library, FakeEmbedder(), None, web_reader(settings))
        for guild in (GUILD, BOT_WIDE):
            stored = library.add(SEALS, guild, source_url=fake.page_url("inside")).stored
            checked = await asyncio.to_thread(refresher.refresh, guild, stored.id)
            assert checked.state == State.FAILED and "cannot fetch that address" in checked.detail
        assert fake.page_hits == []
    finally:
        library.close()


# ---- an older library ----------------------------------------------------------------------


def test_articles_kept_before_are_not_checked(database_url: str) -> None:
    """Whether an older article came from its link or from a file naming it cannot be
    told: none is fetched unasked-for."""
    engine = sa.create_engine(store_url(database_url))
    if engine.dialect.name == "sqlite":
        Path(engine.url.database or "").parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(ROOT / "bot" / "library" / "migrations"))
    recent = datetime.now(UTC) - timedelta(days=2)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        for title, url, added in (
            ("New", URL, recent),
            ("Old", URL + "/old", T0 - timedelta(days=60)),
            ("File", None, recent),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO articles (guild_id, title, url, paragraphs, content_hash, "
                    "language, added_by, added_at) VALUES (1, :title, :url, :paragraphs, :hash, "
                    "'en', 'ann', :added)"
                ),
                {
                    "title": title,
                    "url": url,
                    "paragraphs": json.dumps(["One.", "Two."]),
                    "hash": title,
                    "added": added,
                },
            )
    engine.dispose()
    library = Library.open(database_url)
    try:
        new, old, file = library.articles(1)
        assert (new.source_url, old.source_url, file.source_url) == (None, None, None)
        assert library.due(datetime.now(UTC), 10) == []
        assert library.web_articles(1) == []
        assert [h for h, _ in library.versions(1, old.id)] == ["Old"]
    finally:
        library.close()


# ---- from Discord ---------------------------------------------------------------------------


@pytest.fixture(params=KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with new_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def library_bot(
    fake: FakeDiscord, settings: Settings, article: Article, database: str
) -> AsyncIterator[tuple[ArticleBot, Library, FakeEmbedder]]:
    settings = settings.model_copy(update={"allow_private_urls": True})  # the fake's pages
    library = Library.open(database)
    embedder = FakeEmbedder()
    bot, task = await start_bot(settings, article, embedder=embedder, library=library)
    yield bot, library, embedder
    await bot.close()
    task.cancel()
    library.close()


def content_of(interaction: Any) -> str:
    body = interaction.edits[-1] if interaction.edits else interaction.callbacks[-1]["data"]
    return str(body.get("content") or "")


async def _run(fake: FakeDiscord, name: str, options: dict[str, Any], **kwargs: Any) -> str:
    done = await fake.subcommand("library", name, options, **kwargs)
    await fake.wait_for(lambda: done.edits or done.callbacks[-1:], timeout=30)
    if done.callbacks and done.callbacks[0]["type"] == 5:
        await fake.wait_for(lambda: done.edits, timeout=30)
    return content_of(done)


async def _ask(fake: FakeDiscord, question: str) -> dict[str, Any]:
    asked = await fake.slash("ask", {"question": question})
    await fake.wait_for(lambda: asked.edits, timeout=20)
    embed: dict[str, Any] = asked.edits[0]["embeds"][0]
    return embed


async def test_an_article_from_discord_is_checked_updated_and_gone(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library, FakeEmbedder]
) -> None:
    bot, library, embedder = library_bot
    fake.pages["story"], fake.page_etags["story"] = SEALS_PAGE, '"v1"'
    added = await _run(fake, "add", {"url": fake.page_url("story")})
    assert added.startswith("Added to the library")
    [stored] = library.articles(GUILD_ID)

    choices = await fake.subcommand("library", "refresh", {"article": "Seal"}, focused="article")
    await fake.wait_for(lambda: choices.callbacks)
    assert [c["value"] for c in choices.callbacks[0]["data"]["choices"]] == [str(stored.id)]

    calls = embedder.document_calls
    said = await _run(fake, "refresh", {"article": str(stored.id)})
    assert said == "Unchanged: **Harbour Seals Return to the Thames** (5 paragraphs)."
    assert fake.page_hits[-1] == ("story", 304) and embedder.document_calls == calls
    assert len(library.versions(GUILD_ID, stored.id)) == 1

    fake.pages["story"], fake.page_etags["story"] = SEALS_UPDATED, '"v2"'
    assert bot.refresher is not None and bot.refresh_worker is not None
    bot.refresher.clock = lambda: datetime.now(UTC) + timedelta(hours=7)  # due, on schedule
    [checked] = await asyncio.to_thread(bot.refresh_worker.run_pass)
    assert checked.state == State.UPDATED and embedder.document_calls > calls
    assert len(library.versions(GUILD_ID, stored.id)) == 2
    embed = await _ask(fake, "What do engineers credit for the recovery?")
    assert "Tideway sewer tunnel" in embed["description"]
    assert "cleaner water" not in embed["description"]
    updated = (datetime.now(UTC) + timedelta(hours=7)).date().isoformat()
    assert embed["footer"]["text"] == f"Published 2024-03-05 \u00b7 updated {updated}"

    fake.page_status["story"] = 410
    said = await _run(fake, "refresh", {"article": str(stored.id)})
    assert said.startswith("Page gone since ") and "keeps its last text" in said
    listed = await fake.subcommand("library", "list")
    await fake.wait_for(lambda: listed.edits)
    assert "page gone since" in listed.edits[-1]["embeds"][0]["description"]
    embed = await _ask(fake, "What do engineers credit for the recovery?")
    assert "Tideway sewer tunnel" in embed["description"]  # its last text still answers

    uploaded = await fake.subcommand("library", "add", files={"file": ("bakery.md", MARKDOWN)})
    await fake.wait_for(lambda: uploaded.edits, timeout=20)
    bakery = library.articles(GUILD_ID)[-1]
    said = await _run(fake, "refresh", {"article": str(bakery.id)})
    assert said.startswith("Not a web article")


async def test_refresh_by_a_member_without_manage_server_is_refused(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library, FakeEmbedder]
) -> None:
    _, library, _ = library_bot
    fake.pages["story"] = SEALS_PAGE
    await _run(fake, "add", {"url": fake.page_url("story")})
    [stored] = library.articles(GUILD_ID)
    hits = len(fake.page_hits)
    refused = await fake.subcommand(
        "library", "refresh", {"article": str(stored.id)}, permissions=1 << 11
    )
    await fake.wait_for(lambda: refused.callbacks)
    reply = refused.callbacks[0]
    assert reply["type"] == 4 and reply["data"]["flags"] & 64
    assert "Manage Server" in reply["data"]["content"]
    assert len(fake.page_hits) == hits  # nothing fetched


async def test_refresh_counts_towards_the_servers_add_limit(
    fake: FakeDiscord, library_bot: tuple[ArticleBot, Library, FakeEmbedder]
) -> None:
    bot, library, _ = library_bot
    fake.pages["story"] = SEALS_PAGE
    await _run(fake, "add", {"url": fake.page_url("story")})
    [stored] = library.articles(GUILD_ID)
    bot.add_limits = UserCooldowns(1, 600)  # one add or check a server, for ten minutes
    said = await _run(fake, "refresh", {"article": str(stored.id)})
    assert said.startswith("Unchanged")
    hits = len(fake.page_hits)
    refused = await fake.subcommand("library", "refresh", {"article": str(stored.id)})
    await fake.wait_for(lambda: refused.callbacks)
    assert "added many articles lately" in refused.callbacks[0]["data"]["content"]
    assert len(fake.page_hits) == hits  # nothing fetched


# ---- from the command line ------------------------------------------------------------------


class _Files(SimpleHTTPRequestHandler):
    """Serves a directory (with Last-Modified, answering If-Modified-Since with 304),
    counting each status it answers."""

    statuses: list[int]

    def log_request(self, code: object = "-", size: object = "-") -> None:
        self.statuses.append(int(code))  # type: ignore[call-overload]


@pytest.fixture
def site_dir(tmp_path: Path) -> Iterator[tuple[Path, str, list[int]]]:
    """A directory served on 127.0.0.1, its address, and the statuses answered."""
    root = tmp_path / "site"
    root.mkdir()
    statuses: list[int] = []
    handler = type("Handler", (_Files,), {"statuses": statuses})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}", statuses
    server.shutdown()
    server.server_close()


def test_library_refresh_from_the_command_line(
    fake_model: FakeEmbedder,
    site_dir: tuple[Path, str, list[int]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, address, statuses = site_dir
    page = root / "story.html"
    page.write_bytes(SEALS_PAGE)
    assert main(["library", "add", "--json", f"{address}/story.html"]) == 0
    article_id = json.loads(capsys.readouterr().out)["id"]
    # The page is on 127.0.0.1: the operator's own add reached it, a check does not...
    assert main(["library", "refresh", "--json", str(article_id)]) == 1
    assert "cannot fetch that address" in json.loads(capsys.readouterr().out)["detail"]
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")  # ...unless the operator allows it

    def refresh(*args: str) -> list[dict[str, Any]]:
        code = main(["library", "refresh", "--json", *args])
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert code == 0, lines
        return lines

    calls = fake_model.document_calls
    [first] = refresh(str(article_id))  # kept its validators: the next asks conditionally
    [second] = refresh(str(article_id))
    assert (first["state"], second["state"], second["embedded"]) == ("unchanged",) * 2 + (0,)
    assert statuses[-1] == 304 and fake_model.document_calls == calls

    page.write_bytes(SEALS_UPDATED)
    later = page.stat().st_mtime + 60
    os.utime(page, (later, later))
    [updated] = refresh(str(article_id))
    assert updated["state"] == "updated" and updated["paragraphs"] == 5
    assert updated["embedded"] > 0 and fake_model.document_calls > calls
    assert main(["ask", "--json", "What do engineers credit for the recovery?"]) == 0
    assert "Tideway" in capsys.readouterr().out

    page.unlink()
    assert main(["library", "refresh", str(article_id)]) == 0
    assert ": page gone since " in capsys.readouterr().out
    assert main(["library", "list"]) == 0
    listed = capsys.readouterr().out
    assert ", updated " in listed and "page gone since" in listed
    assert main(["library", "refresh"]) == 0  # none due: each was just checked
    assert capsys.readouterr().out == "No web article to check.\n"
    assert [line["id"] for line in refresh("--all")] == [article_id]
    assert main(["library", "refresh", "--json", "999"]) == 1  # no such article
    assert json.loads(capsys.readouterr().out) == {
        "id": 999,
        "guild": 0,
        "state": "error",
        "error": "no article 999 in this library",
    }
