"""Telling a greeting or a call for help from a question, on Discord and at the prompt."""

from __future__ import annotations

import re

_GREETING = re.compile(r"\W*(?:(?:hi|hello|hey|help|there|me|bot)\b\W*)*", re.IGNORECASE)


def is_greeting(text: str) -> bool:
    """Whether a message only greets the bot or asks for help ("hi", "Hello!", "help?")."""
    return _GREETING.fullmatch(text) is not None
