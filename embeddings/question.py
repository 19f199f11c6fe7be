"""A question as typed, cleaned into one that can be asked."""

from __future__ import annotations

import re
import unicodedata

from embeddings.errors import ArticleBotError

MAX_QUESTION_CHARS = 500
"""Longer questions are cut to this many characters (with a note in the answer)."""

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


class QuestionError(ArticleBotError):
    """The question is blank once cleaned."""


def clean_question(text: str) -> tuple[str, str | None]:
    """Drop control and invisible characters, fold white space, cut to the length limit.

    Returns the question and a note when it was shortened; raises `QuestionError`
    when nothing is left.
    """
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is blank")
    if len(text) > MAX_QUESTION_CHARS:
        cut = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUESTION_CHARS]
        return cut, f"question cut to its first {len(cut)} characters"
    return text, None
