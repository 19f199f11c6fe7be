"""Feedback: answers kept, votes on them, what a server's manager learns, and what is
forgotten; on SQLite and PostgreSQL, then through the fake Discord and the command line."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.cli import main
from bot.discord.client import ArticleBot
from bot.discord.feedback import KEPT, TURNED_OFF, TURNED_ON, insights_embed, vote_id
from bot.discord.format import DESCRIPTION_LIMIT, MESSAGE_LIMIT, escape, shorten
from bot.discord.library_commands import NEEDS_MANAGE_SERVER
from bot.library.feedback import (
    DEFAULT_ARTICLE,
    ArticleCount,
    Asked,
    Feedback,
    Insights,
    QuestionGroup,
    group_questions,
)
from bot.library.schema import BOT_WIDE, DM_GUILD, AnswerRow, Base, VoteRow
from bot.library.store import Library
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
