# ruff: noqa: RUF001 (the letters of the languages, not look-alikes)
"""Words that point back to an earlier question, a short list a language.

A question that uses one of `PRONOUNS` or `POSSESSIVES` ("Who was *their* source?") and
names nothing itself, or that opens with one of `OPENINGS` ("And what did Lavrov say?"),
is read as a follow-up (see `embeddings.followup`). Only the third person is listed:
"this" and "that" open too many questions that stand on their own.
"""

from __future__ import annotations

PRONOUNS = {
    "en": "he she it him they them",
    "de": "er ihm ihn ihnen",
    "es": "él ella ellos ellas le les",
    "fr": "il elle ils elles lui eux",
    "it": "lui lei loro gli",
    "pt": "ele ela eles elas lhe",
    "ru": "он она они его её ее их ему ей им него неё нее них нему ней ним",
    "zh": "他 她 它 其",
}
"""Per language, lower-cased: pronouns of the third person, which stand for someone
named before. Chinese is matched by character, its words not being spaced."""

POSSESSIVES = {
    "en": "his her hers their theirs its",
    "de": "sein seine seinen seinem seiner seines ihre ihren ihrem ihrer",
    "es": "su sus suyo suya",
    "fr": "son sa ses leur leurs",
    "it": "suo sua suoi sue",
    "pt": "dele dela deles delas seu sua seus suas",
}
"""Per language: possessives of the third person. One after a word of the question's
own ("Where did the embassy post *its* statement?") is taken to refer to that word."""

OPENINGS = {
    "en": "and, also, but, so, what about, how about, what else",
    "de": "und, auch, aber, was ist mit, und was",
    "es": "y, también, pero, qué hay de, y qué",
    "fr": "et, aussi, mais, et pour, et quoi",
    "it": "e, anche, ma, e per",
    "pt": "e, também, mas, e quanto",
    "ru": "а, и, ещё, еще, но, а что",
    "zh": "那, 还, 另外",
}
"""Per language, comma-separated: how a question that continues the last one opens
("And …?", "What about …?")."""

ENDINGS = {"zh": "呢"}
"""Per language: a question's last word that asks "and what of …?" (Chinese "…呢？")."""


def pronouns(language: str) -> frozenset[str]:
    """The pronouns of a language (none for a language not listed)."""
    return frozenset(PRONOUNS.get(language, "").split())


def possessives(language: str) -> frozenset[str]:
    """The possessives of a language (none for a language not listed)."""
    return frozenset(POSSESSIVES.get(language, "").split())


def openings(language: str) -> tuple[str, ...]:
    """The openings of a language (none for a language not listed)."""
    listed = OPENINGS.get(language, "")
    return tuple(p.strip() for p in listed.split(",") if p.strip())
