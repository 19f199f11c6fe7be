"""When a web article is checked again at its source: often while it is new, when news
pages are corrected and updated, then daily, then never."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_WEEK = timedelta(days=7)
EARLY = timedelta(hours=6)
"""Between two checks in an article's first week in the library."""
FIRST_MONTH = timedelta(days=30)
LATER = timedelta(days=1)
"""Between two checks after its first week, up to 30 days."""


def interval(age: timedelta) -> timedelta | None:
    """How long after a check at this age (time since it was added) the next one comes;
    None: it is not checked on schedule again."""
    if age < FIRST_WEEK:
        return EARLY
    if age < FIRST_MONTH:
        return LATER
    return None


def next_check(added_at: datetime, now: datetime) -> datetime | None:
    """When an article added at `added_at`, checked (or added) at `now`, is due next;
    None: never on schedule."""
    wait = interval(now - added_at)
    return None if wait is None else now + wait
