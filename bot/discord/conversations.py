"""What each conversation with the bot carries to its next question, in memory only.

A conversation is a user's DM with the bot, a user's mentions of it in one channel or
thread, or the replies to one of its answers. Nothing of it is stored: a restart forgets
every conversation, and so does a quiet spell.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from embeddings.followup import Context

QUIET_SECONDS = 600.0
"""A user's next question in a DM or a channel follows the last one within this time."""

REPLY_SECONDS = 86_400.0
"""A reply to one of the bot's answers follows the question it answered within this time."""

CONVERSATIONS = 10_000
"""Conversations kept at most, the least recent forgotten first."""


def in_dm(user_id: int) -> tuple[str, int]:
    """The key of a user's DM with the bot."""
    return ("dm", user_id)


def in_channel(channel_id: int, user_id: int) -> tuple[str, int, int]:
    """The key of a user's mentions of the bot in a channel or thread."""
    return ("channel", channel_id, user_id)


def replying_to(channel_id: int, message_id: int) -> tuple[str, int, int]:
    """The key of the replies to one of the bot's answers (in the channel it was posted
    in: a reference to it from elsewhere carries nothing)."""
    return ("reply", channel_id, message_id)


class Conversations:
    """The context of each conversation (see `embeddings.followup`), bounded and
    forgotten once its time has passed."""

    def __init__(
        self, size: int = CONVERSATIONS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._clock = clock
        self._kept: OrderedDict[Hashable, tuple[float, Context]] = OrderedDict()

    def get(self, key: Hashable) -> Context | None:
        """The context a conversation carries now, or None."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        until, context = kept
        if until <= self._clock():
            del self._kept[key]
            return None
        return context

    def put(self, key: Hashable, context: Context, seconds: float = QUIET_SECONDS) -> None:
        """Keep what a conversation carries for `seconds`."""
        self._kept[key] = (self._clock() + seconds, context)
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
