"""Feedback: answers kept, votes on them, what a server's manager learns, and what is
forgotten; on SQLite and PostgreSQL, then through the fake Discord and the command line."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.cli import main
from bot.cli.insights import insights_text
from bot.discord import feedback as feedback_desk
from bot.discord.client import ArticleBot
from bot.discord.feedback import (
    KEPT,
    RECORD_BACKOFF,
    TURNED_OFF,
    TURNED_ON,
    FeedbackDesk,
    VotedReply,
    insights_embed,
    vote_id,
)
from bot.discord.format import DESCRIPTION_LIMIT, MESSAGE_LIMIT, Reply, escape, shorten
from bot.discord.library_commands import NEEDS_MANAGE_SERVER
from bot.library import feedback as feedback_module
from bot.library.feedback import (
    DEFAULT_ARTICLE,
    MAX_GROUPED,
    SAME_QUESTION,
    ArticleCount,
    Asked,
    Feedback,
    Insights,
    QuestionGroup,
    group_questions,
    question_words,
)
from bot.library.schema import BOT_WIDE, DM_GUILD, AnswerRow, Base, VoteRow
from bot.library.store import Library, LibraryError
from bot.settings import Settings
from bot.wording import CATALOGS, ENGLISH
from embeddings.article import Article
from tests.discord_harness import start_bot
from tests.fake_discord import BOT_ID, CHANNEL_ID, GUILD_ID, FakeDiscord

GUILD = 333333333333333333
OTHER = 888888888888888888
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def library(database_url: str) -> Iterator[Library]:
    library = Library.open(database_url)
    yield library
    library.close()


@pytest.fixture
def feedback(library: Library) -> Feedback:
    return Feedback(library)


def rows(library: Library) -> list[AnswerRow]:
    with library.engine.connect() as connection:
        return list(connection.execute(sa.select(AnswerRow)).all())  # type: ignore[arg-type]


def test_the_migrated_schema_is_the_declared_one(library: Library) -> None:
    with library.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = [
            d
            for d in compare_metadata(context, Base.metadata)
            if any(f"'{table}'" in str(d) for table in ("answers", "votes", "guild_settings"))
        ]
    assert differences == []


def test_question_text_is_kept_only_where_the_server_turned_it_on(
    library: Library, feedback: Feedback
) -> None:
    feedback.record(Asked(GUILD, 1, "Who won?", declined=True), NOW)
    feedback.set_keep_questions(GUILD, True)
    assert feedback.keep_questions(GUILD) and not feedback.keep_questions(OTHER)
    feedback.record(Asked(GUILD, 1, "Who lost?", declined=False), NOW)
    feedback.record(Asked(OTHER, 1, "Who else?", declined=False), NOW)
    feedback.record(Asked(None, None, "A private question", declined=False), NOW)
    kept = {(r.guild_id, r.question) for r in rows(library)}
    assert kept == {(GUILD, None), (GUILD, "Who lost?"), (OTHER, None), (DM_GUILD, None)}
    feedback.set_keep_questions(GUILD, False)  # turning it off forgets the text kept
    assert {r.question for r in rows(library)} == {None}


def test_a_user_has_one_vote_an_answer_and_may_change_it(feedback: Feedback) -> None:
    answer = feedback.record(Asked(GUILD, 1, "q", declined=False), NOW)
    assert feedback.vote(answer, GUILD, 5, up=True)
    assert feedback.vote(answer, GUILD, 5, up=False)
    assert feedback.vote(answer, GUILD, 6, up=True)
    assert feedback.votes(answer) == {5: False, 6: True}


def test_a_vote_names_an_answer_of_its_own_server_or_nothing_is_kept(
    feedback: Feedback,
) -> None:
    ours = feedback.record(Asked(GUILD, 1, "q", declined=False), NOW)
    dm = feedback.record(Asked(None, None, "q", declined=False), NOW)
    assert not feedback.vote(ours, OTHER, 5, up=False)  # from another server
    assert not feedback.vote(ours, None, 5, up=False)  # from a direct message
    assert not feedback.vote(ours + 1, GUILD, 5, up=False)  # no such answer
    assert not feedback.vote(2**63 - 1, GUILD, 5, up=False)  # beyond any id
    assert not feedback.vote(dm, GUILD, 5, up=False)
    assert feedback.vote(dm, None, 5, up=False)
    assert feedback.votes(ours) == {}


def test_answers_older_than_thirty_days_are_purged_with_their_votes(
    library: Library, feedback: Feedback
) -> None:
    feedback.set_keep_questions(GUILD, True)
    old = feedback.record(Asked(GUILD, 1, "old", declined=True), NOW - timedelta(days=31))
    recent = feedback.record(Asked(GUILD, 1, "recent", declined=True), NOW - timedelta(days=29))
    feedback.vote(old, GUILD, 5, up=False)
    feedback.vote(recent, GUILD, 5, up=False)
    assert feedback.purge(NOW) == 1
    assert [r.question for r in rows(library)] == ["recent"]
    with library.engine.connect() as connection:
        assert connection.execute(sa.select(VoteRow.answer_id)).scalars().all() == [recent]


def test_insights_count_one_server_and_group_the_questions_that_went_wrong(
    library: Library, feedback: Feedback
) -> None:
    seals = library.add(Article("Seals", ("Volunteers counted 797 seals.",)), GUILD).stored
    theirs = library.add(Article("Theirs", ("Another server's article.",)), OTHER).stored
    feedback.set_keep_questions(GUILD, True)
    asked = [
        ("When do the bakery ovens run?", True, ()),
        ("How many seals were counted?", False, (seals.article.content_hash,)),
        ("What time do the bakery's ovens run", False, (seals.article.content_hash,)),
        ("Who is the mayor?", True, ()),
    ]
    ids = [
        feedback.record(Asked(GUILD, 1, q, d, h), NOW - timedelta(minutes=len(asked) - i))
        for i, (q, d, h) in enumerate(asked)
    ]
    feedback.vote(ids[1], GUILD, 5, up=True)
    feedback.vote(ids[2], GUILD, 5, up=False)
    feedback.vote(ids[2], GUILD, 6, up=False)
    other = feedback.record(Asked(OTHER, 1, "Secret?", True, (theirs.article.content_hash,)), NOW)
    feedback.vote(other, OTHER, 5, up=False)

    seen = feedback.insights(GUILD, NOW)
    assert (seen.answers, seen.declined, seen.votes_up, seen.votes_down) == (4, 2, 1, 2)
    assert seen.voted_down == 1 and seen.unkept == 0
    grouped = {g.question: (g.count, g.declined, g.voted_down) for g in seen.groups}
    assert grouped == {
        "What time do the bakery's ovens run": (2, 1, 1),  # the latest wording
        "Who is the mayor?": (1, 1, 0),
    }
    assert [(a.article_id, a.title, a.answers) for a in seen.articles] == [(seals.id, "Seals", 2)]
    assert "Secret" not in str(seen.to_dict()) and "Theirs" not in str(seen.to_dict())


def test_without_kept_text_insights_give_counts_only(feedback: Feedback) -> None:
    declined = feedback.record(Asked(GUILD, 1, "Who won?", declined=True), NOW)
    feedback.vote(declined, GUILD, 5, up=False)
    seen = feedback.insights(GUILD, NOW)
    assert (seen.answers, seen.declined, seen.votes_down, seen.unkept) == (1, 1, 1, 1)
    assert seen.groups == () and not seen.keep_questions


def test_the_default_article_and_the_bot_wide_library_are_named_by_id(
    library: Library, feedback: Feedback
) -> None:
    wide = library.add(Article("Wide", ("A bot-wide article.",)), BOT_WIDE).stored
    answer = feedback.record(
        Asked(GUILD, 1, "q", False, ("not-in-the-library", wide.article.content_hash)), NOW
    )
    [row] = [r for r in rows(library) if r.id == answer]
    assert row.article_ids == [DEFAULT_ARTICLE, wide.id]


def test_rephrasings_group_and_different_questions_do_not() -> None:
    groups = group_questions(
        [
            ("How many seals did volunteers count?", False, True),
            ("how many seals were counted", True, False),
            ("Who is the president?", True, False),
            ("WHO IS THE PRESIDENT", True, False),
        ]
    )
    assert [(g.question, g.count) for g in groups] == [
        ("How many seals did volunteers count?", 2),
        ("Who is the president?", 2),
    ]


def test_grouping_joins_each_question_to_the_first_group_it_shares_half_its_words_with() -> None:
    vocabulary = ["seal", "harbour", "mayor", "bakery", "oven", "volunteer", "letter", "winter"]
    chance = random.Random(7)
    questions = [
        (" ".join(chance.sample(vocabulary, chance.randint(1, 4))), chance.random() < 0.5, False)
        for _ in range(400)
    ]
    groups: list[tuple[frozenset[str], list[tuple[str, bool, bool]]]] = []
    for asked in questions:  # each question against each group, as the rule reads
        words = question_words(asked[0])
        for key, members in groups:
            if words == key or (words and len(words & key) / len(words | key) >= SAME_QUESTION):
                members.append(asked)
                break
        else:
            groups.append((words, [asked]))
    expected = sorted(
        (
            QuestionGroup(m[0][0], len(m), sum(d for _, d, _ in m), sum(v for _, _, v in m))
            for _, m in groups
        ),
        key=lambda g: -g.count,
    )
    assert group_questions(questions) == tuple(expected)


def words(count: int, skip: int = 0) -> list[str]:
    """`count` made-up words that no stemmer shortens or merges."""
    letters = "bcfghjkmnpqrtvwxz"
    made = ("zq" + "".join(p) for p in itertools.product(letters, repeat=3))
    return list(itertools.islice(made, skip, skip + count))


def test_distinct_questions_are_not_compared_with_each_other() -> None:
    work: Counter[str] = Counter()
    groups = group_questions([(f"What about {w}?", True, False) for w in words(3000)], work)
    assert len(groups) == 3000 and work == {"words": 3000, "compared": 0}


def test_insights_of_thousands_of_answers_count_them_all_and_group_the_latest(
    library: Library, feedback: Feedback, monkeypatch: pytest.MonkeyPatch
) -> None:
    feedback.set_keep_questions(GUILD, True)
    seals = ["How many seals were counted?", "how many seals did volunteers count"] * 3
    made = iter(range(1, 10**6))
    answers: list[dict[str, Any]] = []
    votes: list[dict[str, Any]] = []

    def add(question: str | None, declined: bool, article_ids: Any = (), **more: Any) -> int:
        answer_id = next(made)
        answers.append(
            {"id": answer_id, "guild_id": GUILD, "channel_id": 1, "declined": declined,
             "asked_at": NOW - timedelta(seconds=len(answers)), "article_ids": list(article_ids),
             "question": question} | more
        )  # fmt: skip
        return answer_id

    for question in seals[:5]:  # the latest: one question, reworded
        add(question, declined=True)
    for n, word in enumerate(words(100, skip=4000)):  # answered; 20 voted down, 30 up
        answered = add(f"Where is the harbour {word}?", False, [7, 8] if n % 2 else [7])
        ballot = [(1, False), (2, False), (3, True)] if n < 20 else [(1, True)] if n < 50 else []
        votes += [
            {"answer_id": answered, "user_id": u, "up": up, "voted_at": NOW} for u, up in ballot
        ]
    for _ in range(300):
        add(None, declined=True)  # text not kept
    for word in words(3000):
        add(f"What about {word}?", declined=True)
    for _ in range(50):  # older than 30 days
        add("Forgotten?", True, [7], asked_at=NOW - timedelta(days=31))
    for _ in range(100):
        add("Another server's?", True, [7], guild_id=OTHER)
    with library.engine.begin() as connection:
        connection.execute(sa.insert(AnswerRow), answers)
        connection.execute(sa.insert(VoteRow), votes)

    work: Counter[str] = Counter()
    grouping = feedback_module.group_questions
    monkeypatch.setattr(feedback_module, "group_questions", lambda q: grouping(q, work))
    seen = feedback.insights(GUILD, NOW)

    assert (seen.answers, seen.declined, seen.unkept) == (3405, 3305, 300)
    assert (seen.votes_up, seen.votes_down, seen.voted_down) == (50, 40, 20)
    assert [(a.article_id, a.answers) for a in seen.articles] == [(7, 100), (8, 50)]
    assert sum(g.count for g in seen.groups) == MAX_GROUPED  # the latest, no more
    assert seen.ungrouped == 5 + 20 + 3000 - MAX_GROUPED
    assert seen.groups[0] == QuestionGroup("How many seals were counted?", 5, 5, 0)
    latest = MAX_GROUPED - 5 - 20
    assert {g.question for g in seen.groups[1:]} == {
        *(f"Where is the harbour {w}?" for w in words(20, skip=4000)),  # voted down
        *(f"What about {w}?" for w in words(latest)),  # not the earliest
    }
    assert sum(g.voted_down for g in seen.groups) == 20
    assert work["words"] == MAX_GROUPED and work["compared"] <= MAX_GROUPED  # none quadratic
    said = f"only the latest {MAX_GROUPED:,} were grouped: {seen.ungrouped} earlier questions"
    assert said in (insights_embed(seen).description or "") and said in insights_text(seen)


def test_a_server_keeps_at_most_its_cap_of_answers_the_oldest_deleted_first(
    library: Library,
) -> None:
    feedback = Feedback(library, max_answers=3)
    oldest = feedback.record(Asked(GUILD, 1, "q0", True), NOW - timedelta(minutes=10))
    assert feedback.vote(oldest, GUILD, 5, up=False)
    theirs = feedback.record(Asked(OTHER, 1, "q", True), NOW - timedelta(minutes=20))
    later = [
        feedback.record(Asked(GUILD, 1, f"q{n}", True), NOW - timedelta(minutes=10 - n))
        for n in range(1, 5)
    ]
    kept = {r.id for r in rows(library)}
    assert kept == {theirs, *later[1:]}  # another server's older answer stays
    with library.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(VoteRow)).scalar() == 0
    assert feedback.insights(GUILD, NOW).answers == 3


def asked_answer(question: str = "Who won the match?") -> Any:
    return SimpleNamespace(question=question, answered=True, passages=(), articles=())


async def test_a_failing_record_is_logged_once_then_rests_before_trying_again(
    library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    clock = [1000.0]
    opened: list[bool] = []
    failing = [True]

    def open_library() -> Library:
        opened.append(True)
        if failing[0]:
            raise PermissionError("unable to open database file")
        return library

    bot = SimpleNamespace(_open_library=open_library, library=library)
    desk = FeedbackDesk(cast(Any, bot), clock=lambda: clock[0])
    reply = Reply(discord.Embed(title="An answer"))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.discord.feedback"):
            for _ in range(30):  # within one rest: one try, one traceback, one more line
                assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
                clock[0] += 1
            assert len(opened) == 1
            assert sum(r.exc_info is not None for r in caplog.records) == 1
            assert len(caplog.records) == 2
            clock[0] += RECORD_BACKOFF  # still failing after the rest: one line, no traceback
            assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
            assert len(opened) == 2 and len(caplog.records) == 3
            assert caplog.records[-1].exc_info is None
            failing[0] = False
            assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply  # resting
            clock[0] += RECORD_BACKOFF
            voted = await desk.voted(reply, asked_answer(), GUILD, 1)
        assert isinstance(voted, VotedReply) and voted.answer_id in {r.id for r in rows(library)}
    finally:
        desk.stop()


async def test_insights_run_one_at_a_time_in_the_desks_threads_leaving_one_for_answers(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = SimpleNamespace(_open_library=lambda: library, library=library)
    desk = FeedbackDesk(cast(Any, bot))
    started: list[tuple[int, str]] = []
    release = threading.Event()
    prepare = Feedback.insights

    def held(self: Feedback, guild_id: int, now: datetime | None = None) -> Insights:
        started.append((guild_id, threading.current_thread().name))
        release.wait(30)
        return prepare(self, guild_id, now)

    monkeypatch.setattr(Feedback, "insights", held)
    try:
        first = asyncio.ensure_future(desk.insights(GUILD))
        again = asyncio.ensure_future(desk.insights(GUILD))
        other = asyncio.ensure_future(desk.insights(OTHER))
        for _ in range(1000):
            if started:
                break
            await asyncio.sleep(0.01)
        reply = Reply(discord.Embed(title="An answer"))
        assert isinstance(await desk.voted(reply, asked_answer(), GUILD, 1), VotedReply)
        assert len(started) == 1 and started[0][1].startswith("feedback")
        release.set()
        mine, mine_again, theirs = await asyncio.gather(first, again, other)
        assert mine is mine_again and mine.answers == 1 and theirs.guild_id == OTHER
        assert [guild for guild, _ in started] == [GUILD, OTHER]  # the same server's once
    finally:
        release.set()
        desk.stop()


class HangingStore:
    """A store whose `record` hangs until `release` is set, then fails; votes are kept."""

    def __init__(self, library: object) -> None:
        self.library = library
        self.release = threading.Event()
        self.ended = threading.Event()
        self.records = 0
        self.votes: list[int] = []

    def record(self, asked: Asked) -> int:
        self.records += 1
        try:
            self.release.wait(30)
            raise RuntimeError("the database hung, then failed")
        finally:
            self.ended.set()

    def vote(self, answer_id: int, guild_id: int | None, user_id: int, up: bool) -> bool:
        self.votes.append(answer_id)
        return True


def hanging_desk(monkeypatch: pytest.MonkeyPatch, clock: list[float]) -> tuple[FeedbackDesk, Any]:
    monkeypatch.setattr(feedback_desk, "RECORD_WAIT", 0.01)  # an answer gives up at once
    library = object()
    store = HangingStore(library)
    desk = FeedbackDesk(cast(Any, SimpleNamespace(_open_library=lambda: library)), lambda: clock[0])
    desk._feedback = cast(Feedback, store)
    return desk, store


async def until(done: Any) -> None:
    for _ in range(3000):
        if done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_a_hanging_record_rests_is_said_once_and_never_queues_before_votes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = [1000.0]
    desk, store = hanging_desk(monkeypatch, clock)
    reply = Reply(discord.Embed(title="An answer"))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.discord.feedback"):
            for _ in range(20):  # the first record hangs: the rest starts, no other is tried
                assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
                clock[0] += 1
            assert store.records == 1 and not store.ended.is_set()
            said = [r.getMessage() for r in caplog.records]
            assert len(said) == 2 and all(r.exc_info is None for r in caplog.records)
            assert "not kept (it took over" in said[0] and "s more" in said[1]
            # a vote is kept while the record still hangs in the other thread
            assert await desk.vote(7, GUILD, 5, up=True) and store.votes == [7]
            assert not store.ended.is_set()
            clock[0] += RECORD_BACKOFF  # the rest is over, the record still hangs
            assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
            assert store.records == 1 and len(caplog.records) == 3  # rests again, one line
            store.release.set()  # the record fails late, within the new rest: nothing said
            await until(store.ended.is_set)
            await until(lambda: desk._recording is not None and desk._recording.done())
            for _ in range(10):
                await asyncio.sleep(0)
            assert len(caplog.records) == 3
    finally:
        store.release.set()
        desk.stop()


async def test_a_record_failing_late_after_the_rest_is_said_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = [1000.0]
    desk, store = hanging_desk(monkeypatch, clock)
    reply = Reply(discord.Embed(title="An answer"))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.discord.feedback"):
            assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
            assert len(caplog.records) == 1
            clock[0] += RECORD_BACKOFF + 1
            store.release.set()
            await until(lambda: len(caplog.records) > 1)
            for _ in range(10):
                await asyncio.sleep(0)
            [_, late] = caplog.records
            assert "the database hung, then failed" in late.getMessage()
            assert late.exc_info is None  # the failure before it was said in full
            for _ in range(10):  # resting again: one more line, no more records
                assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
            assert store.records == 1 and len(caplog.records) == 3
    finally:
        store.release.set()
        desk.stop()


async def test_a_stopped_desk_refuses_work_and_starts_no_threads(library: Library) -> None:
    bot = SimpleNamespace(_open_library=lambda: library, library=library)
    desk = FeedbackDesk(cast(Any, bot))
    assert await desk.keep_questions(GUILD) is False  # threads started
    desk.stop()
    reply = Reply(discord.Embed(title="An answer"))
    assert await desk.voted(reply, asked_answer(), GUILD, 1) is reply
    with pytest.raises(LibraryError, match="shutting down"):
        await desk.vote(1, GUILD, 5, up=True)
    with pytest.raises(LibraryError, match="shutting down"):
        await desk.insights(GUILD)
    assert desk._executor is None and rows(library) == []


# ---- through the fake Discord -------------------------------------------------------------

QUESTION = "When will the president decide to respond to the letter, says Peskov?"
REPHRASED = "When does the president decide on responding to the letter Peskov says?"
NONSENSE = "zebra xylophone quokka recipe"


@pytest.fixture
async def voting_bot(
    fake: FakeDiscord, settings: Settings, article: Article, library: Library
) -> AsyncIterator[ArticleBot]:
    bot, task = await start_bot(settings, article, library=library)
    yield bot
    await bot.close()
    task.cancel()


def vote_buttons(message: dict[str, Any]) -> dict[str, str]:
    """The vote buttons of a message: emoji -> custom_id."""
    return {
        c["emoji"]["name"]: c["custom_id"]
        for row in message.get("components") or []
        for c in row["components"]
        if "custom_id" in c
    }


def answer_id(message: dict[str, Any]) -> int:
    return int(vote_buttons(message)["\N{THUMBS UP SIGN}"].split(":")[1])


async def ask(fake: FakeDiscord, question: str) -> dict[str, Any]:
    """Ask with `/ask` in the server; the answer as posted."""
    asked = await fake.slash("ask", {"question": question})
    await fake.wait_for(lambda: asked.edits)
    return fake.response_message(asked)


async def click(fake: FakeDiscord, message: dict[str, Any], up: bool, **where: Any) -> str:
    """Click 👍 or 👎 on an answer; what the clicker is told."""
    emoji = "\N{THUMBS UP SIGN}" if up else "\N{THUMBS DOWN SIGN}"
    clicked = await fake.click(message, vote_buttons(message)[emoji], **where)
    await fake.wait_for(lambda: clicked.edits)
    assert clicked.callbacks[0]["type"] == 5  # deferred...
    assert clicked.callbacks[0]["data"]["flags"] & 64  # ...privately
    return str(clicked.edits[-1]["content"])


async def test_an_answer_carries_votes_and_each_user_has_one_changeable_vote(
    fake: FakeDiscord, voting_bot: ArticleBot, feedback: Feedback
) -> None:
    answer = await ask(fake, QUESTION)
    [row] = answer["components"]
    assert [c["style"] for c in row["components"]] == [5, 2, 2]  # the link, then the votes
    assert set(vote_buttons(answer)) == {"\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}"}
    assert await click(fake, answer, up=True) == ENGLISH.vote_noted
    assert feedback.votes(answer_id(answer)) == {555: True}
    assert await click(fake, answer, up=False) == ENGLISH.vote_noted
    assert feedback.votes(answer_id(answer)) == {555: False}  # changed, not added
    assert await click(fake, answer, up=True, user_id=556, locale="ru") == CATALOGS["ru"].vote_noted
    assert feedback.votes(answer_id(answer)) == {555: False, 556: True}


async def test_the_buttons_still_work_after_a_restart(
    fake: FakeDiscord, settings: Settings, article: Article, library: Library, feedback: Feedback
) -> None:
    bot, task = await start_bot(settings, article, library=library)
    answer = await ask(fake, QUESTION)
    await bot.close()
    task.cancel()
    bot, task = await start_bot(settings, article, library=library)
    try:
        assert await click(fake, answer, up=False) == ENGLISH.vote_noted
    finally:
        await bot.close()
        task.cancel()
    assert feedback.votes(answer_id(answer)) == {555: False}


async def test_the_bot_forgets_answers_older_than_thirty_days_when_it_starts(
    fake: FakeDiscord, settings: Settings, article: Article, library: Library, feedback: Feedback
) -> None:
    feedback.set_keep_questions(GUILD, True)
    feedback.record(Asked(GUILD, 1, "old", True), datetime.now(UTC) - timedelta(days=31))
    feedback.record(Asked(GUILD, 1, "recent", True), datetime.now(UTC) - timedelta(days=29))
    bot, task = await start_bot(settings, article, library=library)
    try:
        await fake.wait_for(lambda: [r.question for r in rows(library)] == ["recent"])
    finally:
        await bot.close()
        task.cancel()


async def test_a_forged_or_foreign_button_keeps_nothing(
    fake: FakeDiscord, voting_bot: ArticleBot, library: Library, feedback: Feedback
) -> None:
    answer = await ask(fake, QUESTION)
    assert await click(fake, answer, up=False, guild_id=OTHER) == ENGLISH.vote_unknown
    assert await click(fake, answer, up=False, dm=True) == ENGLISH.vote_unknown
    forged = {**answer, "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "emoji": {"name": "\N{THUMBS UP SIGN}"},
         "custom_id": vote_id(answer_id(answer) + 1, True)},
    ]}]}  # fmt: skip
    assert await click(fake, forged, up=True) == ENGLISH.vote_unknown
    assert feedback.votes(answer_id(answer)) == {}
    with library.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(VoteRow)).scalar() == 0


async def test_mentions_and_dms_carry_votes_and_a_dm_question_is_never_kept(
    fake: FakeDiscord, voting_bot: ArticleBot, library: Library, feedback: Feedback
) -> None:
    feedback.set_keep_questions(GUILD_ID, True)
    await fake.user_message(f"<@{BOT_ID}> {QUESTION}", dm=False, mention_bot=True)
    await fake.user_message(REPHRASED, dm=True)
    await fake.wait_for(lambda: len(fake.messages) == 2)
    mention, dm = sorted(
        (m["message"] for m in fake.messages), key=lambda m: int(m["channel_id"]) != CHANNEL_ID
    )
    assert vote_buttons(mention) and vote_buttons(dm)
    kept = {(r.id, r.guild_id, r.question) for r in rows(library)}
    assert kept == {
        (answer_id(mention), GUILD_ID, QUESTION),
        (answer_id(dm), DM_GUILD, None),
    }
    assert await click(fake, dm, up=True, dm=True) == ENGLISH.vote_noted
    assert feedback.votes(answer_id(dm)) == {555: True}


async def test_insights_show_a_manager_what_went_wrong_grouped(
    fake: FakeDiscord, voting_bot: ArticleBot, article: Article, library: Library
) -> None:
    turned = await fake.subcommand("library", "settings", {"keep_questions": True})
    await fake.wait_for(lambda: turned.edits)
    assert turned.callbacks[0]["data"]["flags"] & 64
    assert turned.edits[-1]["content"] == TURNED_ON
    shown = await fake.subcommand("library", "settings")
    await fake.wait_for(lambda: shown.edits)
    assert shown.edits[-1]["content"] == KEPT
    await ask(fake, NONSENSE)
    for question in (QUESTION, REPHRASED):
        assert await click(fake, await ask(fake, question), up=False) == ENGLISH.vote_noted
    await click(fake, await ask(fake, "Russia U.S. letter response"), up=True, user_id=556)

    shown = await fake.subcommand("library", "insights")
    await fake.wait_for(lambda: shown.edits)
    assert shown.callbacks[0]["data"]["flags"] & 64  # only the manager sees it
    [embed] = shown.edits[-1]["embeds"]
    text = embed["description"]
    assert "**4** answers \u00b7 **1** declined" in text
    assert f"\u2022 2\u00d7 {REPHRASED} (2 voted down)" in text  # the latest wording
    assert f"\u2022 1\u00d7 {NONSENSE} (1 declined)" in text
    [articles] = embed["fields"]  # the answered ones
    assert articles["name"] == "Most asked articles"
    assert articles["value"] == f"\u2022 3\u00d7 {escape(shorten(article.title, 80))}"

    refused = await fake.subcommand("library", "insights", permissions=0)
    await fake.wait_for(lambda: refused.callbacks)
    assert refused.callbacks[0]["data"]["content"] == NEEDS_MANAGE_SERVER
    assert refused.callbacks[0]["data"]["flags"] & 64
    changed = await fake.subcommand("library", "settings", {"keep_questions": False}, permissions=0)
    await fake.wait_for(lambda: changed.callbacks)
    assert changed.callbacks[0]["data"]["content"] == NEEDS_MANAGE_SERVER
    turned = await fake.subcommand("library", "settings", {"keep_questions": False})
    await fake.wait_for(lambda: turned.edits)
    assert turned.edits[-1]["content"] == TURNED_OFF
    assert {r.question for r in rows(library)} == {None}


async def test_without_kept_questions_insights_count_but_store_no_text(
    fake: FakeDiscord, voting_bot: ArticleBot, library: Library
) -> None:
    await ask(fake, NONSENSE)
    await click(fake, await ask(fake, QUESTION), up=False)
    assert [r.question for r in rows(library)] == [None, None]
    shown = await fake.subcommand("library", "insights")
    await fake.wait_for(lambda: shown.edits)
    text = shown.edits[-1]["embeds"][0]["description"]
    assert "**2** answers \u00b7 **1** declined" in text
    assert "\u2022 2 questions whose text is not kept" in text
    assert NONSENSE not in text and "president" not in text


def test_the_command_line_prints_a_servers_insights(
    library: Library,
    feedback: Feedback,
    database_url: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feedback.set_keep_questions(GUILD, True)
    feedback.record(Asked(GUILD, 1, "Who won the match?", declined=True))
    feedback.record(
        Asked(GUILD, 1, "Forgotten?", declined=True), datetime.now(UTC) - timedelta(days=31)
    )
    feedback.record(Asked(OTHER, 1, "Another server's question", declined=True))
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["library", "insights", "--guild", str(GUILD)]) == 0
    out = capsys.readouterr().out
    assert "1 answers, 1 declined" in out and "1x Who won the match? (1 declined)" in out
    assert "Another server" not in out and "Forgotten" not in out
    assert [r.question for r in rows(library) if r.guild_id == GUILD] == ["Who won the match?"]
    assert main(["library", "insights", "--json", "--guild", str(GUILD)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["answers"] == 1 and shown["groups"][0]["question"] == "Who won the match?"


def test_insights_of_many_long_questions_fit_in_one_embed() -> None:
    long = "Why " + "really " * 120 + "<@123> **bold** @everyone?"
    many = Insights(
        guild_id=GUILD,
        days=30,
        keep_questions=True,
        answers=500,
        declined=300,
        votes_up=10,
        votes_down=200,
        voted_down=200,
        groups=tuple(QuestionGroup(f"{n} {long}", 500 - n, 1, 1) for n in range(100)),
        articles=tuple(ArticleCount(n, "T" * 300, 5) for n in range(1, 11)),
    )
    embed = insights_embed(many)
    description = embed.description or ""
    assert len(description) <= DESCRIPTION_LIMIT and len(embed) <= MESSAGE_LIMIT
    [articles] = embed.fields
    assert articles.value and articles.value.count("\u2022 5\u00d7 TTT") == 10
    assert "<@123>" not in description and "@everyone" not in description
    assert "\u2026 and 85 more questions" in description
