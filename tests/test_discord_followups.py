"""Follow-up questions in Discord, end to end against the fake: DMs, mentions, replies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discord.client import ArticleBot
from bot.discord.conversations import Conversations
from bot.discord.cooldown import UserCooldowns
from tests.fake_discord import BOT_ID, CHANNEL_ID, FakeDiscord
from tests.test_discord import embed_of

# With the test model, "What did he say?" alone quotes paragraph 5 (RIA Novosti); after
# "Who is Dmitry Peskov?", paragraph 4; after "Who is Ned Price?", paragraph 6.
ALONE, PESKOV, PRICE = "RIA Novosti", "Peskov added", "Blinken expects"


async def _ask(
    fake: FakeDiscord, text: str, *, dm: bool = False, user_id: int = 555, **where: Any
) -> dict[str, Any]:
    """Ask by DM or by mention; the bot's reply as the fake received it."""
    count = len(fake.messages)
    content = text if dm else f"<@{BOT_ID}> {text}"
    await fake.user_message(content, dm=dm, user_id=user_id, mention_bot=not dm, **where)
    await fake.wait_for(lambda: len(fake.messages) > count)
    return fake.messages[count]


@pytest.fixture(autouse=True)
def _no_cooldown(bot: ArticleBot) -> None:
    bot.cooldowns = UserCooldowns(1000, 60)  # a conversation asks more than the limit


def _quoted(sent: dict[str, Any]) -> str:
    return str(embed_of(sent["request"])["description"])


async def test_a_dm_follow_up_is_asked_after_the_last_question_for_ten_minutes(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    now = [0.0]
    bot.conversations = Conversations(clock=lambda: now[0])
    assert ALONE in _quoted(await _ask(fake, "What did he say?", dm=True))
    await _ask(fake, "Who is Dmitry Peskov?", dm=True)
    followed = _quoted(await _ask(fake, "What did he say?", dm=True))
    assert PESKOV in followed and ALONE not in followed
    assert "**Q:** What did he say?" in followed  # the question as asked
    await _ask(fake, "Who is Ned Price?", dm=True)
    now[0] += 601  # ten quiet minutes: the conversation is over
    assert ALONE in _quoted(await _ask(fake, "What did he say?", dm=True))


async def test_a_mention_follows_the_same_users_last_mention_in_the_same_channel(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    await _ask(fake, "Who is Ned Price?", user_id=555)
    assert PRICE in _quoted(await _ask(fake, "What did he say?", user_id=555))
    assert ALONE in _quoted(await _ask(fake, "What did he say?", user_id=556))  # another user
    thread = CHANNEL_ID + 7
    assert ALONE in _quoted(await _ask(fake, "What did he say?", channel_id=thread))
    await _ask(fake, "Who is Dmitry Peskov?", channel_id=thread)
    assert PESKOV in _quoted(await _ask(fake, "What did he say?", channel_id=thread))
    assert PRICE in _quoted(await _ask(fake, "What did he say?"))  # the channel's own
    # A question that stands on its own is not bent by the one before.
    standing = _quoted(await _ask(fake, "How many troops are on the border?"))
    assert "100,000 troops" in standing


async def test_a_reply_to_an_answer_follows_the_question_it_answered(
    fake: FakeDiscord, bot: ArticleBot
) -> None:
    peskov = await _ask(fake, "Who is Dmitry Peskov?", user_id=555)
    await _ask(fake, "Who is Ned Price?", user_id=555)
    # Someone else replies to the first answer: it follows that answer's question.
    replied = await _ask(fake, "What did he say?", user_id=556, reply_to=peskov["message"])
    assert PESKOV in _quoted(replied)
    # A reference to the answer from another channel carries nothing.
    elsewhere = await _ask(
        fake, "What did he say?", user_id=558, reply_to=peskov["message"], channel_id=CHANNEL_ID + 9
    )
    assert ALONE in _quoted(elsewhere)
    # The reply's answer can be replied to in turn.
    again = await _ask(fake, "And when?", user_id=557, reply_to=replied["message"])
    assert "Peskov" in _quoted(again)
