"""A per-user question cooldown, shared by slash commands, DMs and mentions."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from bot.wording import ENGLISH, Catalog


class UserCooldowns:
    """At most `rate` questions per user in any sliding window of `per` seconds."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.per = rate, per
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._told_until: dict[int, float] = {}

    def hit(self, user_id: int) -> float | None:
        """Count a question; return the seconds to wait when over the limit, else None.

        A refused question is not counted, so waiting out the time always works.
        """
        now = self._clock()
        if len(self._hits) > 10_000:
            self._forget_idle(now)
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return self.per - (now - hits[0])
        hits.append(now)
        return None

    def first_refusal(self, user_id: int) -> bool:
        """After `hit` refused a question: whether it is the first refusal of this wait, so
        the user is told once, not once per question. Another wait is told again."""
        now = self._clock()
        if self._told_until.get(user_id, -1.0) > now:
            return False
        hits = self._hits.get(user_id)
        self._told_until[user_id] = hits[0] + self.per if hits else now
        return True

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, h in self._hits.items() if not h or now - h[-1] >= self.per]:
            del self._hits[user_id]
        for user_id in [u for u, until in self._told_until.items() if until <= now]:
            del self._told_until[user_id]


def cooldown_message(retry_after: float, words: Catalog = ENGLISH) -> str:
    """The friendly note a user gets when asking too fast, in the language of `words`."""
    seconds = max(1, int(retry_after + 0.999))
    return words.cooldown.format(seconds=seconds)
