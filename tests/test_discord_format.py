"""Property tests: any answer formats within every Discord limit, balanced and unable to ping."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord.cooldown import UserCooldowns, cooldown_message
from bot.discord.format import (
    DESCRIPTION_LIMIT,
    MESSAGE_LIMIT,
    TENTATIVE,
    TITLE_LIMIT,
    URL_LIMIT,
    answer_reply,
    article_reply,
    shorten,
    strip_mentions,
    text_fragment_url,
)
from bot.wording import is_greeting
from embeddings.answer import Answer, Passage
from embeddings.article import Article
from tests import stats

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=3000
)
nasty = st.sampled_from(
    [
        "@everyone",
        "@here",
        "<@123456789012345678>",
        "<@&123456789012345678>",
        "**",
        "__",
        "`",
        "> ",
        "# ",
        "\\",
        "||",
        "~~",
        "\n",
        "https://x.y/a_b",
    ]
)
rich = st.lists(st.one_of(texts, nasty), min_size=1, max_size=8).map("".join)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    paragraphs = draw(st.lists(rich, min_size=1, max_size=6))
    article = Article(
        title=draw(rich),
        paragraphs=tuple(paragraphs),
        url=draw(
            st.one_of(
                st.none(),
                st.just("https://example.org/" + "a" * 600),
                st.just("https://example.org/news"),
            )
        ),
        published=draw(st.one_of(st.none(), st.just(date(2022, 2, 1)))),
    )
    passages = []
    for number in draw(st.lists(st.integers(0, len(paragraphs) - 1), max_size=5)):
        text = paragraphs[number]
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        passages.append(Passage(number + 1, text, text[start:end], draw(st.floats(-10, 10))))
    return Answer(
        draw(rich),
        bool(passages),
        tuple(passages),
        article,
        note=draw(st.one_of(st.none(), rich)),
        tentative=bool(passages) and draw(st.booleans()),
    )


def _no_pings(text: str) -> bool:
    return re.search(r"@(everyone|here|[!&]?\d{17,20})", text) is None


@settings(max_examples=300, deadline=None)
@given(answers(), st.booleans())
def test_any_answer_fits_discord_limits_and_cannot_ping(answer: Answer, scores: bool) -> None:
    stats.examples["discord formatter"] += 1
    reply = answer_reply(answer, show_scores=scores)
    embed = reply.embed
    assert len(embed.title or "") <= TITLE_LIMIT
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed) <= MESSAGE_LIMIT
    assert reply.link is None or len(reply.link) <= URL_LIMIT
    assert _no_pings(embed.description or "")
    for line in (embed.description or "").split("\n"):
        unescaped = re.sub(r"\\.", "", line)  # drop every escaped character
        assert unescaped.count("**") % 2 == 0, line


@settings(max_examples=100, deadline=None)
@given(answers())
def test_a_tentative_answer_says_so_before_its_passage(answer: Answer) -> None:
    description = answer_reply(answer).embed.description or ""
    assert (TENTATIVE in description) == answer.tentative
    if answer.tentative:
        assert description.index(TENTATIVE) < description.index("**Paragraph")


@settings(max_examples=100, deadline=None)
@given(answers())
def test_article_card_fits_discord_limits(answer: Answer) -> None:
    embed = article_reply(answer.article).embed
    assert len(embed) <= MESSAGE_LIMIT
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert _no_pings(embed.description or "")


@given(st.text(max_size=500), st.integers(1, 600))
def test_shorten_respects_the_limit_and_cuts_at_words(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert len(short) <= limit
    if short != text and len(short) > 1:
        assert short.endswith("\u2026")
        assert text.startswith(short[:-1])


def test_text_fragment_points_at_the_sentence() -> None:
    url = text_fragment_url("https://example.org/a#top", "Putin's well-known spokesman said so.")
    assert url == "https://example.org/a#:~:text=Putin%27s%20well%2Dknown%20spokesman%20said%20so."
    long = text_fragment_url("https://e.org/", "one two three four five six seven eight nine")
    assert long == "https://e.org/#:~:text=one%20two%20three%20four,six%20seven%20eight%20nine"


@pytest.mark.parametrize(
    ("text", "greeting"),
    [
        ("hi", True),
        ("Hello there!", True),
        ("help?", True),
        ("?", True),
        ("Hi, who is Ned Price?", False),
        ("history", False),
        ("Is there help for Ukraine?", False),
    ],
)
def test_a_greeting_or_a_call_for_help_is_told_apart_from_a_question(
    text: str, greeting: bool
) -> None:
    assert is_greeting(text) is greeting


def test_strip_mentions_removes_only_the_bot() -> None:
    assert strip_mentions("<@42> hi <@!42> <@7>", 42).split() == ["hi", "<@7>"]


def test_a_refused_user_is_told_once_per_wait() -> None:
    now = [0.0]
    cooldowns = UserCooldowns(2, 30, clock=lambda: now[0])
    cooldowns.hit(1), cooldowns.hit(1)
    assert cooldowns.hit(1) is not None and cooldowns.first_refusal(1)
    now[0] = 10
    assert cooldowns.hit(1) is not None and not cooldowns.first_refusal(1)
    now[0] = 31  # the wait is over: asking works again
    assert cooldowns.hit(1) is None and cooldowns.hit(1) is None
    assert cooldowns.hit(1) is not None and cooldowns.first_refusal(1)  # a new wait


def test_cooldown_allows_the_rate_then_says_how_long_to_wait() -> None:
    now = [1000.0]
    cooldowns = UserCooldowns(5, 30, clock=lambda: now[0])
    assert [cooldowns.hit(1) for _ in range(5)] == [None] * 5
    now[0] += 10
    assert cooldowns.hit(1) == 20
    assert cooldowns.hit(2) is None
    now[0] += 20
    assert cooldowns.hit(1) is None
    assert cooldown_message(19.2) == "You're asking quickly! Please try again in 20 s."


@given(st.text(alphabet="ab*\\ ", max_size=60), st.integers(2, 40))
def test_cuts_never_split_an_escape(raw: str, limit: int) -> None:
    from bot.discord.format import _shorten_start, escape

    escaped = escape(raw)
    for cut in (shorten(escaped, limit), _shorten_start(escaped, limit)):
        assert len(cut) <= limit
        body = cut.replace("\u2026", "")
        assert re.sub(r"\\.", "", body).count("*") == 0, cut
